/* SPDX-License-Identifier: Apache-2.0
 * store/backend.h - what store.c, keys.c, money.c and ledger.c need from a
 * database: parameterised SQL, rows, transactions. Internal to src/store.
 *
 * SQL is written once for both backends: placeholders are $1..$n (SQLite
 * binds them by name), booleans are INTEGER 0/1, amounts BIGINT. The few
 * dialect differences are fields of the vtable.
 */
#ifndef IR_STORE_BACKEND_H
#define IR_STORE_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "util/err.h"

#define IR_STORE_MAX_PARAMS 40
#define IR_STORE_OWNER_LEN (IR_STORE_INSTANCE_MAX - 1)
#define IR_STORE_OWNER_RANDOM 12 /* random owner id of a plain connection */

enum ir_store_vtype { IR_STORE_V_NULL, IR_STORE_V_INT, IR_STORE_V_TEXT };

struct ir_store_val {
    enum ir_store_vtype type;
    int64_t i;
    const char *s; /* borrowed for the call */
};

#define IR_SV_INT(x) ((struct ir_store_val){IR_STORE_V_INT, (x), NULL})
#define IR_SV_TEXT(x) ((struct ir_store_val){IR_STORE_V_TEXT, 0, (x)})
#define IR_SV_NULL ((struct ir_store_val){IR_STORE_V_NULL, 0, NULL})

struct ir_store_backend;

/* One result row, valid only inside the row callback. */
struct ir_store_row {
    const struct ir_store_backend *be;
    void *impl; /* sqlite3_stmt * or PGresult * */
    int idx;    /* row number (PostgreSQL) */
};

/* Called per row; a non-OK return stops the query with that error. */
typedef ir_err ir_store_row_cb(const struct ir_store_row *r, void *arg);

struct ir_store_conn {
    const struct ir_store_backend *be;
    void *db;     /* sqlite3 * or PGconn * */
    void *cache;  /* the backend's prepared statements */
    bool batch;   /* inside a group commit: transactions are savepoints */
    uint64_t writes; /* statements run that may change the database */
    uint64_t prepares; /* statements compiled (tests: the cache works) */
    int64_t now;  /* pinned clock for tests; 0 = real */
    bool retry;   /* last failure was transient: rerun the transaction */
    char owner[IR_STORE_OWNER_LEN + 1]; /* marks this process's holds */
};

struct ir_store_backend {
    const char *name;
    /* One connection per thread at a time; never shared concurrently. */
    ir_err (*open)(struct ir_store_conn *c, const char *url,
                   struct ir_diag *d);
    void (*close)(struct ir_store_conn *c);
    /* Statements without parameters or results (DDL, BEGIN, COMMIT). */
    ir_err (*exec)(struct ir_store_conn *c, const char *sql,
                   struct ir_diag *d);
    /* One statement; cb (optional) per row; *changes (optional) = rows
     * inserted, updated or deleted. */
    ir_err (*query)(struct ir_store_conn *c, const char *sql,
                    const struct ir_store_val *p, int np,
                    ir_store_row_cb *cb, void *arg, int64_t *changes,
                    struct ir_diag *d);
    bool (*row_null)(const struct ir_store_row *r, int col);
    int64_t (*row_int)(const struct ir_store_row *r, int col);
    const char *(*row_text)(const struct ir_store_row *r, int col);
    /* True while a transaction is open (SQLite may roll one back by
     * itself on I/O errors or a full disk). */
    bool (*in_tx)(const struct ir_store_conn *c);

    /* Starts a transaction that will write: SQLite takes the write lock
     * up front (BEGIN IMMEDIATE) so two writers never deadlock on
     * upgrade; PostgreSQL relies on row locks (FOR UPDATE). */
    const char *begin_sql;
    /* Appended to a SELECT that reads a row it will then update. */
    const char *for_update;
    /* Serialises migrations of several instances starting at once; run
     * inside the migration transaction. NULL when BEGIN already does. */
    const char *migrate_lock_sql;
    /* Deletes up to $2 expired reservations ($1 = now), RETURNING
     * key_hash, amount_nanos. PostgreSQL skips rows another transaction
     * holds. */
    const char *sweep_sql;
    /* Around a group-commit batch whose jobs all came through
     * ir_store_run_nosync: commit without waiting for the disk, then
     * back to a synced commit. NULL where there is no such switch. */
    const char *nosync_sql, *sync_sql;
};

extern const struct ir_store_backend ir_store_backend_sqlite;
extern const struct ir_store_backend ir_store_backend_postgres;

/* ---- helpers shared by the store's files (store.c) ---------------- */

ir_err ir_store_db_query(struct ir_store_conn *c, const char *sql,
                         const struct ir_store_val *p, int np,
                         ir_store_row_cb *cb, void *arg, int64_t *changes,
                         struct ir_diag *d) IR_MUST_CHECK;

/* Runs fn inside a write transaction: commit on IR_OK, roll back on any
 * error, and rerun from the start (a few times) when the database said
 * the failure was transient (deadlock, serialisation, lost connection).
 * fn must therefore reset its outputs at its start. */
typedef ir_err ir_store_tx_fn(struct ir_store_conn *c, void *arg,
                              struct ir_diag *d);
ir_err ir_store_db_tx(struct ir_store_conn *c, ir_store_tx_fn *fn, void *arg,
                      struct ir_diag *d) IR_MUST_CHECK;

int64_t ir_store_db_now(const struct ir_store_conn *c);

/* Copies a text column into dst (truncating); NULL becomes "". */
void ir_store_db_text(const struct ir_store_row *r, int col, char *dst,
                      size_t size);

static inline int64_t
ir_store_db_int(const struct ir_store_row *r, int col)
{
    return r->be->row_int(r, col);
}

static inline bool
ir_store_db_null(const struct ir_store_row *r, int col)
{
    return r->be->row_null(r, col);
}

/* Row callback that stores column 0 into *(int64_t *)arg (NULL -> 0). */
ir_err ir_store_db_int_cb(const struct ir_store_row *r, void *arg);

/* ---- shared by keys.c and money.c (keys.c) ----------------------- */

/* The columns ir_store_key_row_cb reads, in order. */
#define IR_STORE_KEY_COLS                                                   \
    "hash, label, name, management, disabled, limit_nanos, limit_reset, " \
    "usage_nanos, usage_total_nanos, reserved_nanos, period_start, "      \
    "created_at, updated_at, expires_at, rate_limit_requests, "           \
    "rate_limit_interval_s, include_byok_in_limit"

/* Fills the struct ir_key at arg; found flag is hash[0] != 0. */
ir_err ir_store_key_row_cb(const struct ir_store_row *r, void *arg);

/* Reads one key, locking its row when lock is set (inside a write tx).
 * IR_ENOTFOUND if absent. */
ir_err ir_store_key_fetch(struct ir_store_conn *c, const char *hash,
                          bool lock, struct ir_key *out, struct ir_diag *d)
    IR_MUST_CHECK;

/* Applies the lazy period reset to k as of now: if the key's period has
 * rolled over, usage_nanos becomes 0 and period_start the new start.
 * Returns true if k changed. */
bool ir_store_key_roll(struct ir_key *k, int64_t now);

/* ---- shared by money.c (ledger.c) -------------------------------- */

ir_err ir_store_generation_put(struct ir_store_conn *c,
                               const struct ir_generation *g,
                               struct ir_diag *d) IR_MUST_CHECK;

#endif
