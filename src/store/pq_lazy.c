/* SPDX-License-Identifier: Apache-2.0
 * store/pq_lazy.c - the PQ* functions postgres.c uses, forwarding to
 * libpq dlopened on first use (see pq_lazy.h).
 */
#include "store/pq_lazy.h"

#include <stddef.h>

#include <libpq-fe.h>

#include "util/dlib.h"

/* X(return type, name, (params), (args), value when not loadable) */
#define PQ_LAZY_CALLS(X)                                                     \
    X(PGconn *, PQconnectdb, (const char *conninfo), (conninfo), NULL)       \
    X(ConnStatusType, PQstatus, (const PGconn *c), (c), CONNECTION_BAD)      \
    X(PGTransactionStatusType, PQtransactionStatus, (const PGconn *c), (c),  \
      PQTRANS_UNKNOWN)                                                       \
    X(char *, PQerrorMessage, (const PGconn *c), (c),                        \
      (char *)"libpq could not be loaded")                                   \
    X(PQnoticeProcessor, PQsetNoticeProcessor,                               \
      (PGconn *c, PQnoticeProcessor proc, void *arg), (c, proc, arg), NULL)  \
    X(PGresult *, PQexec, (PGconn *c, const char *q), (c, q), NULL)          \
    X(PGresult *, PQexecParams,                                              \
      (PGconn *c, const char *command, int n, const Oid *types,              \
       const char *const *values, const int *lengths, const int *formats,    \
       int result_format),                                                   \
      (c, command, n, types, values, lengths, formats, result_format), NULL) \
    X(PGresult *, PQprepare,                                                 \
      (PGconn *c, const char *name, const char *q, int n, const Oid *types), \
      (c, name, q, n, types), NULL)                                          \
    X(PGresult *, PQexecPrepared,                                            \
      (PGconn *c, const char *name, int n, const char *const *values,        \
       const int *lengths, const int *formats, int result_format),           \
      (c, name, n, values, lengths, formats, result_format), NULL)           \
    X(ExecStatusType, PQresultStatus, (const PGresult *r), (r),              \
      PGRES_FATAL_ERROR)                                                     \
    X(char *, PQresultErrorField, (const PGresult *r, int field),           \
      (r, field), NULL)                                                      \
    X(char *, PQcmdTuples, (PGresult *r), (r), (char *)"")                   \
    X(int, PQntuples, (const PGresult *r), (r), 0)                           \
    X(char *, PQgetvalue, (const PGresult *r, int row, int col),             \
      (r, row, col), (char *)"")                                             \
    X(int, PQgetisnull, (const PGresult *r, int row, int col),               \
      (r, row, col), 1)

/* V(name, (params), (args)): frees and resets, which have nothing to do
 * before the first load (there is no connection or result yet). */
#define PQ_LAZY_VOIDS(V)                                                     \
    V(PQfinish, (PGconn *c), (c))                                            \
    V(PQreset, (PGconn *c), (c))                                             \
    V(PQclear, (PGresult *r), (r))

#define LAZY_ENUM(ret, name, ...) PL_##name,
#define LAZY_ENUMV(name, ...) PL_##name,
#define LAZY_NAME(ret, name, ...) #name,
#define LAZY_NAMEV(name, ...) #name,

enum { PQ_LAZY_CALLS(LAZY_ENUM) PQ_LAZY_VOIDS(LAZY_ENUMV) PL_COUNT };

static const char *const pq_lazy_names[PL_COUNT] = {
    PQ_LAZY_CALLS(LAZY_NAME) PQ_LAZY_VOIDS(LAZY_NAMEV)
};

static void (*pq_lazy_fns[PL_COUNT])(void);

static struct ir_dlib pq_lazy_lib = {
    .soname = IR_PQ_SONAME,
    .names = pq_lazy_names,
    .fns = pq_lazy_fns,
    .nfns = PL_COUNT,
};

ir_err
ir_store_pq_lazy_load(void)
{
    return ir_dlib_load(&pq_lazy_lib);
}

bool
ir_store_pq_lazy_loaded(void)
{
    return ir_dlib_loaded(&pq_lazy_lib);
}

const char *
ir_store_pq_lazy_error(void)
{
    return ir_dlib_loaded(&pq_lazy_lib) ? "" : pq_lazy_lib.error;
}

#define LAZY_DEF(ret, name, params, args, fail)                              \
    ret name params                                                          \
    {                                                                        \
        if (ir_dlib_load(&pq_lazy_lib) != IR_OK)                             \
            return fail;                                                     \
        return ((ret(*) params)pq_lazy_fns[PL_##name]) args;                 \
    }
#define LAZY_DEFV(name, params, args)                                        \
    void name params                                                         \
    {                                                                        \
        if (ir_dlib_loaded(&pq_lazy_lib))                                    \
            ((void(*) params)pq_lazy_fns[PL_##name]) args;                   \
    }

PQ_LAZY_CALLS(LAZY_DEF)
PQ_LAZY_VOIDS(LAZY_DEFV)
