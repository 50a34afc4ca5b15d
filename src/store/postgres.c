/* SPDX-License-Identifier: Apache-2.0
 * store/postgres.c - the PostgreSQL backend (libpq), for several router
 * instances sharing keys, credit and the ledger.
 *
 * Statements run with PQexecParams in text format, at the default READ
 * COMMITTED level: every read-modify-write takes the row lock first
 * (SELECT ... FOR UPDATE), which serialises concurrent reservations on one
 * key across processes. Deadlocks, serialisation failures and a dropped
 * connection mark the failure transient, and store.c reruns the whole
 * transaction. Each distinct statement is prepared once per connection
 * (a named statement) and then only bound and executed, which spares the
 * server a parse and plan per call.
 */
#include "store/backend.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "store/pq_lazy.h"
#include "util/mem.h"

#define PG_CACHE_SLOTS 256 /* power of two */
#define PG_CACHE_MAX 192

/* The connection's named statements; gone with its session. */
struct pg_slot {
    uint64_t hash; /* of sql; 0 = empty */
    char *sql;
    char name[24];
};

struct pg_cache {
    struct pg_slot slot[PG_CACHE_SLOTS];
    unsigned n;
    unsigned long next; /* names are never reused on one connection */
};

static ir_err pg_open(struct ir_store_conn *c, const char *url,
                      struct ir_diag *d) IR_MUST_CHECK;
static void pg_close(struct ir_store_conn *c);
static ir_err pg_exec(struct ir_store_conn *c, const char *sql,
                      struct ir_diag *d) IR_MUST_CHECK;
static ir_err pg_query(struct ir_store_conn *c, const char *sql,
                       const struct ir_store_val *p, int np,
                       ir_store_row_cb *cb, void *arg, int64_t *changes,
                       struct ir_diag *d) IR_MUST_CHECK;
static bool pg_row_null(const struct ir_store_row *r, int col);
static int64_t pg_row_int(const struct ir_store_row *r, int col);
static const char *pg_row_text(const struct ir_store_row *r, int col);
static ir_err pg_result(struct ir_store_conn *c, PGresult *res,
                        const char *sql, struct ir_diag *d) IR_MUST_CHECK;
static void pg_notice(void *arg, const char *message);
static ir_err pg_prepared(struct ir_store_conn *c, const char *sql, int np,
                          const char **name, struct ir_diag *d)
    IR_MUST_CHECK;
static void pg_cache_free(struct ir_store_conn *c);
static bool pg_in_tx(const struct ir_store_conn *c);

const struct ir_store_backend ir_store_backend_postgres = {
    .name = "postgres",
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .query = pg_query,
    .row_null = pg_row_null,
    .row_int = pg_row_int,
    .row_text = pg_row_text,
    .in_tx = pg_in_tx,
    .begin_sql = "BEGIN",
    .for_update = " FOR UPDATE",
    /* Any constant shared by all instances; released at commit. */
    .migrate_lock_sql = "SELECT pg_advisory_xact_lock(7269827301)",
    .nosync_sql = NULL, /* one transaction per job, no batches */
    .sync_sql = NULL,
    /* SKIP LOCKED: a reservation being settled right now is left to its
     * settle, and two sweepers never wait on each other. */
    .sweep_sql = "DELETE FROM reservations WHERE id IN (SELECT id FROM "
                 "reservations WHERE expires_at <= $1 ORDER BY id LIMIT $2 "
                 "FOR UPDATE SKIP LOCKED) RETURNING key_hash, amount_nanos",
};

static ir_err
pg_open(struct ir_store_conn *c, const char *url, struct ir_diag *d)
{
    PGconn *pg;

    if (ir_store_pq_lazy_load() != IR_OK) {
        ir_diag_set(d, "postgres: cannot load libpq: %s",
                    ir_store_pq_lazy_error());
        return IR_ESTORE;
    }
    if ((pg = PQconnectdb(url)) == NULL)
        return IR_ENOMEM;
    if (PQstatus(pg) != CONNECTION_OK) {
        /* The message may quote the URL's host but never its password. */
        ir_diag_set(d, "postgres connect: %s", PQerrorMessage(pg));
        PQfinish(pg);
        return IR_ESTORE;
    }
    /* CREATE ... IF NOT EXISTS notices would go to stderr otherwise. */
    PQsetNoticeProcessor(pg, pg_notice, NULL);
    c->db = pg;
    return IR_OK;
}

static void
pg_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static void
pg_close(struct ir_store_conn *c)
{
    pg_cache_free(c);
    if (c->db != NULL)
        PQfinish(c->db);
    c->db = NULL;
}

/* Turns a finished PGresult into an ir_err, clearing it on failure. */
static ir_err
pg_result(struct ir_store_conn *c, PGresult *res, const char *sql,
          struct ir_diag *d)
{
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    const char *field, *msg;
    char state[8] = "";
    size_t len;

    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return IR_OK;
    field = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (field != NULL)
        (void)snprintf(state, sizeof state, "%s", field);
    msg = PQerrorMessage(c->db);
    len = strlen(msg);
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        len--;
    ir_diag_set(d, "postgres: %.*s (%.60s)", (int)len, msg, sql);
    PQclear(res);
    if (PQstatus(c->db) == CONNECTION_BAD) {
        /* The server went away; reconnect so the rerun has a chance. The
         * new session has none of the prepared statements. */
        pg_cache_free(c);
        PQreset(c->db);
        c->retry = PQstatus(c->db) == CONNECTION_OK;
        return IR_ESTORE;
    }
    if (strcmp(state, "23505") == 0) /* unique_violation */
        return IR_EEXISTS;
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
        c->retry = true; /* serialization_failure, deadlock_detected */
    return IR_ESTORE;
}

static ir_err
pg_exec(struct ir_store_conn *c, const char *sql, struct ir_diag *d)
{
    PGresult *res = PQexec(c->db, sql);
    ir_err err = pg_result(c, res, sql, d);

    if (err == IR_OK)
        PQclear(res);
    return err;
}

static ir_err
pg_query(struct ir_store_conn *c, const char *sql,
         const struct ir_store_val *p, int np, ir_store_row_cb *cb,
         void *arg, int64_t *changes, struct ir_diag *d)
{
    const char *values[IR_STORE_MAX_PARAMS];
    char ints[IR_STORE_MAX_PARAMS][24];
    struct ir_store_row row = {&ir_store_backend_postgres, NULL, 0};
    const char *name;
    PGresult *res;
    ir_err err;
    int i, n;

    if (np > IR_STORE_MAX_PARAMS)
        return IR_EINTERNAL;
    for (i = 0; i < np; i++) {
        switch (p[i].type) {
        case IR_STORE_V_INT:
            (void)snprintf(ints[i], sizeof ints[i], "%" PRId64, p[i].i);
            values[i] = ints[i];
            break;
        case IR_STORE_V_TEXT:
            values[i] = p[i].s;
            break;
        case IR_STORE_V_NULL:
            values[i] = NULL;
            break;
        }
    }
    err = pg_prepared(c, sql, np, &name, d);
    if (err)
        return err;
    if (name != NULL)
        res = PQexecPrepared(c->db, name, np, values, NULL, NULL, 0);
    else
        res = PQexecParams(c->db, sql, np, NULL, values, NULL, NULL, 0);
    err = pg_result(c, res, sql, d);
    if (err)
        return err;
    row.impl = res;
    n = PQntuples(res);
    for (i = 0; i < n && cb != NULL; i++) {
        row.idx = i;
        err = cb(&row, arg);
        if (err)
            goto out;
    }
    if (changes != NULL)
        *changes = strtoll(PQcmdTuples(res), NULL, 10);
out:
    PQclear(res);
    return err;
}

static bool
pg_row_null(const struct ir_store_row *r, int col)
{
    return PQgetisnull(r->impl, r->idx, col) != 0;
}

static int64_t
pg_row_int(const struct ir_store_row *r, int col)
{
    /* Text format; SUM() over BIGINT comes back as numeric, still an
     * integer literal. */
    return strtoll(PQgetvalue(r->impl, r->idx, col), NULL, 10);
}

static const char *
pg_row_text(const struct ir_store_row *r, int col)
{
    return PQgetvalue(r->impl, r->idx, col);
}

static bool
pg_in_tx(const struct ir_store_conn *c)
{
    return c->db != NULL && PQtransactionStatus(c->db) != PQTRANS_IDLE;
}

/* ---- named statements ---------------------------------------------- */

static uint64_t
pg_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h != 0 ? h : 1;
}

/* *name = the statement's name on this connection, prepared now if new;
 * NULL (run it unnamed) once the cache is full. */
static ir_err
pg_prepared(struct ir_store_conn *c, const char *sql, int np,
            const char **name, struct ir_diag *d)
{
    struct pg_cache *k = c->cache;
    struct pg_slot *sl;
    PGresult *res;
    uint64_t h = pg_hash(sql);
    unsigned i;
    ir_err err;

    *name = NULL;
    if (k == NULL) {
        k = c->cache = ir_calloc(1, sizeof *k);
        if (k == NULL)
            return IR_ENOMEM;
    }
    for (i = (unsigned)h & (PG_CACHE_SLOTS - 1);;
         i = (i + 1) & (PG_CACHE_SLOTS - 1)) {
        sl = &k->slot[i];
        if (sl->hash == 0)
            break;
        if (sl->hash == h && strcmp(sl->sql, sql) == 0) {
            *name = sl->name;
            return IR_OK;
        }
    }
    if (k->n >= PG_CACHE_MAX)
        return IR_OK;
    sl->sql = ir_strdup(sql);
    if (sl->sql == NULL)
        return IR_ENOMEM;
    (void)snprintf(sl->name, sizeof sl->name, "ir_%lu", k->next++);
    res = PQprepare(c->db, sl->name, sql, np, NULL);
    err = pg_result(c, res, sql, d);
    if (err) {
        /* pg_result may have dropped the whole cache (reconnect). */
        if (c->cache == k) {
            ir_free(sl->sql);
            sl->sql = NULL;
        }
        return err;
    }
    PQclear(res);
    c->prepares++;
    sl->hash = h;
    k->n++;
    *name = sl->name;
    return IR_OK;
}

static void
pg_cache_free(struct ir_store_conn *c)
{
    struct pg_cache *k = c->cache;
    unsigned i;

    if (k == NULL)
        return;
    for (i = 0; i < PG_CACHE_SLOTS; i++)
        ir_free(k->slot[i].sql);
    ir_free(k);
    c->cache = NULL;
}
