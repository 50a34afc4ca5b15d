/* SPDX-License-Identifier: Apache-2.0
 * store/sqlite.c - the SQLite backend: a database file in WAL mode.
 *
 * Durability: journal_mode=WAL with synchronous=FULL, so every COMMIT is
 * fsynced before it returns. The router commits a generation before it
 * sends the response, so a generation whose answer went out survives a
 * power cut, not only a crash of the process (NORMAL would only give the
 * latter). Under load the store thread commits many jobs per
 * transaction (group commit, store.c), so that fsync is shared.
 */
#include "store/backend.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "util/mem.h"

/* Statements kept prepared per connection. The store uses about 60
 * distinct ones; more (a caller building SQL with changing text) are
 * prepared and finalized per call, as before the cache. */
#define SQLITE_CACHE_SLOTS 256 /* power of two */
#define SQLITE_CACHE_MAX 192

/* Long enough to ride out another process (the CLI) holding the write
 * lock for a transaction; short enough to surface a stuck writer. */
#define SQLITE_BUSY_MS 10000

static ir_err sqlite_open(struct ir_store_conn *c, const char *url,
                          struct ir_diag *d) IR_MUST_CHECK;
static void sqlite_close(struct ir_store_conn *c);
static ir_err sqlite_exec(struct ir_store_conn *c, const char *sql,
                          struct ir_diag *d) IR_MUST_CHECK;
static ir_err sqlite_query(struct ir_store_conn *c, const char *sql,
                           const struct ir_store_val *p, int np,
                           ir_store_row_cb *cb, void *arg, int64_t *changes,
                           struct ir_diag *d) IR_MUST_CHECK;
static bool sqlite_row_null(const struct ir_store_row *r, int col);
static int64_t sqlite_row_int(const struct ir_store_row *r, int col);
static const char *sqlite_row_text(const struct ir_store_row *r, int col);
static ir_err sqlite_mkdirs(const char *path, struct ir_diag *d)
    IR_MUST_CHECK;
static ir_err sqlite_fail(struct ir_store_conn *c, int rc, const char *what,
                          struct ir_diag *d);
static ir_err sqlite_bind(sqlite3_stmt *st, const struct ir_store_val *p,
                          int np, struct ir_diag *d) IR_MUST_CHECK;
static bool sqlite_in_tx(const struct ir_store_conn *c);
static ir_err sqlite_stmt_get(struct ir_store_conn *c, const char *sql,
                              sqlite3_stmt **out, bool *cached,
                              struct ir_diag *d) IR_MUST_CHECK;
static void sqlite_stmt_put(sqlite3_stmt *st, bool cached);
static void sqlite_cache_free(struct ir_store_conn *c);

/* One prepared statement per distinct SQL text, for the connection's
 * life: preparing (parse, plan) cost a fifth of the router's CPU. */
struct sqlite_slot {
    uint64_t hash; /* of sql; 0 = empty slot */
    char *sql;
    sqlite3_stmt *st;
};

struct sqlite_cache {
    struct sqlite_slot slot[SQLITE_CACHE_SLOTS];
    unsigned n;
};

const struct ir_store_backend ir_store_backend_sqlite = {
    .name = "sqlite",
    .open = sqlite_open,
    .close = sqlite_close,
    .exec = sqlite_exec,
    .query = sqlite_query,
    .row_null = sqlite_row_null,
    .row_int = sqlite_row_int,
    .row_text = sqlite_row_text,
    .in_tx = sqlite_in_tx,
    .begin_sql = "BEGIN IMMEDIATE",
    .for_update = "",
    .migrate_lock_sql = NULL,
    /* NORMAL in WAL mode: the commit is in the WAL, not yet on disk; the
     * next FULL commit's fsync of the WAL takes it along. */
    .nosync_sql = "PRAGMA synchronous=NORMAL",
    .sync_sql = "PRAGMA synchronous=FULL",
    .sweep_sql = "DELETE FROM reservations WHERE id IN (SELECT id FROM "
                 "reservations WHERE expires_at <= $1 ORDER BY id LIMIT $2) "
                 "RETURNING key_hash, amount_nanos",
};

/* ":memory:" is one database for the whole process: every connection
 * (the bootstrap's, the store thread's, the CLI's) opens the same named
 * shared-cache memory database, and a connection kept open here keeps it
 * alive between them. A plain ":memory:" would give each connection its
 * own empty database, and keys made on one would not work on another. */
static pthread_mutex_t sqlite_mem_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t sqlite_config_once = PTHREAD_ONCE_INIT;
static sqlite3 *sqlite_mem_keeper;
static char sqlite_mem_uri[80];

static ir_err
sqlite_mem_path(const char **path, struct ir_diag *d)
{
    ir_err err = IR_OK;
    int rc, n;

    pthread_mutex_lock(&sqlite_mem_mu);
    if (sqlite_mem_keeper == NULL) {
        n = snprintf(sqlite_mem_uri, sizeof sqlite_mem_uri,
                     "file:imagerouter-mem-%ld?mode=memory&cache=shared",
                     (long)getpid());
        if (n < 0 || (size_t)n >= sizeof sqlite_mem_uri) {
            err = IR_EINTERNAL;
            goto out;
        }
        rc = sqlite3_open_v2(sqlite_mem_uri, &sqlite_mem_keeper,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                 SQLITE_OPEN_URI,
                             NULL);
        if (rc != SQLITE_OK) {
            ir_diag_set(d, "sqlite open :memory: %s",
                        sqlite_mem_keeper ? sqlite3_errmsg(sqlite_mem_keeper)
                                          : sqlite3_errstr(rc));
            sqlite3_close(sqlite_mem_keeper);
            sqlite_mem_keeper = NULL;
            err = IR_ESTORE;
            goto out;
        }
    }
    *path = sqlite_mem_uri;
out:
    pthread_mutex_unlock(&sqlite_mem_mu);
    return err;
}

/* Process-wide, before SQLite initialises (the first open); if SQLite
 * is already initialised the calls fail, harmlessly.
 * - Statement journals (the SAVEPOINT of each job in a group commit) stay
 *   in memory in 1 KB chunks: by default they grow in 64 KB chunks, and
 *   each RELEASE freeing one made glibc trim the store thread's arena
 *   with madvise, a TLB shootdown per job. They hold only the pages a
 *   statement changes, so small.
 * - No bulk page-cache allocation per connection (SQLite's default, 20
 *   pages ~ 90 kB written at the first read): pages are allocated as the
 *   cache fills. */
static void
sqlite_config(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, -1);
    (void)sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
}

static ir_err
sqlite_open(struct ir_store_conn *c, const char *url, struct ir_diag *d)
{
    static const char *const pragmas[] = {
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=FULL",
        "PRAGMA foreign_keys=OFF",
    };
    sqlite3 *db = NULL;
    const char *path = url;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                SQLITE_OPEN_NOMUTEX;
    ir_err err;
    size_t i;
    int rc;

    pthread_once(&sqlite_config_once, sqlite_config);
    if (strncmp(path, "sqlite://", 9) == 0)
        path += 9;
    else if (strncmp(path, "sqlite:", 7) == 0)
        path += 7;
    if (*path == '\0') {
        ir_diag_set(d, "empty SQLite path");
        return IR_EINVAL;
    }
    /* Only our own memory name is a URI; a path is always a file name. */
    if (strcmp(path, ":memory:") == 0) {
        err = sqlite_mem_path(&path, d);
        flags |= SQLITE_OPEN_URI;
    } else {
        err = sqlite_mkdirs(path, d);
    }
    if (err)
        return err;
    pthread_once(&sqlite_config_once, sqlite_config);
    rc = sqlite3_open_v2(path, &db, flags, NULL);
    if (rc != SQLITE_OK) {
        ir_diag_set(d, "sqlite open %s: %s", path,
                    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return IR_ESTORE;
    }
    c->db = db;
    /* Busy timeout first: switching to WAL itself needs the lock. */
    sqlite3_busy_timeout(db, SQLITE_BUSY_MS);
    for (i = 0; i < sizeof pragmas / sizeof pragmas[0]; i++) {
        err = sqlite_exec(c, pragmas[i], d);
        if (err) {
            sqlite_close(c);
            return err;
        }
    }
    return IR_OK;
}

static void
sqlite_close(struct ir_store_conn *c)
{
    sqlite_cache_free(c);
    if (c->db != NULL)
        sqlite3_close_v2(c->db);
    c->db = NULL;
}

static bool
sqlite_in_tx(const struct ir_store_conn *c)
{
    return c->db != NULL && !sqlite3_get_autocommit(c->db);
}

/* ---- the statement cache ----------------------------------------- */

static uint64_t
sqlite_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h != 0 ? h : 1;
}

/* A ready statement for sql: the cached one (reset, unbound) or a new
 * one, cached if there is room. *cached tells sqlite_stmt_put what to do
 * with it afterwards. */
static ir_err
sqlite_stmt_get(struct ir_store_conn *c, const char *sql, sqlite3_stmt **out,
                bool *cached, struct ir_diag *d)
{
    struct sqlite_cache *k = c->cache;
    struct sqlite_slot *sl = NULL;
    uint64_t h;
    unsigned i;
    int rc;

    *out = NULL;
    *cached = false;
    if (k == NULL) {
        k = c->cache = ir_calloc(1, sizeof *k);
        if (k == NULL)
            return IR_ENOMEM;
    }
    h = sqlite_hash(sql);
    for (i = (unsigned)h & (SQLITE_CACHE_SLOTS - 1);;
         i = (i + 1) & (SQLITE_CACHE_SLOTS - 1)) {
        sl = &k->slot[i];
        if (sl->hash == 0)
            break;
        if (sl->hash == h && strcmp(sl->sql, sql) == 0) {
            /* In use further up the stack (a row callback querying the
             * same text): that one keeps it, this call gets its own. */
            if (sqlite3_stmt_busy(sl->st))
                sl = NULL;
            else {
                *out = sl->st;
                *cached = true;
                return IR_OK;
            }
            break;
        }
    }
    if (sl != NULL && k->n >= SQLITE_CACHE_MAX)
        sl = NULL;
    rc = sqlite3_prepare_v3(c->db, sql, -1,
                            sl != NULL ? SQLITE_PREPARE_PERSISTENT : 0, out,
                            NULL);
    if (rc != SQLITE_OK)
        return sqlite_fail(c, sqlite3_extended_errcode(c->db), sql, d);
    c->prepares++;
    if (sl != NULL) {
        sl->sql = ir_strdup(sql);
        if (sl->sql != NULL) {
            sl->hash = h;
            sl->st = *out;
            k->n++;
            *cached = true;
        }
    }
    return IR_OK;
}

/* Done with a statement: a cached one is reset and its bindings dropped
 * (they borrow the caller's strings), another is finalized. */
static void
sqlite_stmt_put(sqlite3_stmt *st, bool cached)
{
    if (!cached) {
        sqlite3_finalize(st);
        return;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static void
sqlite_cache_free(struct ir_store_conn *c)
{
    struct sqlite_cache *k = c->cache;
    unsigned i;

    if (k == NULL)
        return;
    for (i = 0; i < SQLITE_CACHE_SLOTS; i++) {
        if (k->slot[i].hash == 0)
            continue;
        sqlite3_finalize(k->slot[i].st);
        ir_free(k->slot[i].sql);
    }
    ir_free(k);
    c->cache = NULL;
}


/* mkdir -p of path's parent directory. */
static ir_err
sqlite_mkdirs(const char *path, struct ir_diag *d)
{
    char *dir = ir_strdup(path);
    char *slash, *p;
    ir_err err = IR_OK;

    if (dir == NULL)
        return IR_ENOMEM;
    slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir)
        goto out;
    *slash = '\0';
    for (p = dir + 1; ; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char save = *p;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            ir_diag_set(d, "mkdir %s: %s", dir, strerror(errno));
            err = IR_EIO;
            goto out;
        }
        *p = save;
        if (save == '\0')
            break;
    }
out:
    ir_free(dir);
    return err;
}

static ir_err
sqlite_fail(struct ir_store_conn *c, int rc, const char *what,
            struct ir_diag *d)
{
    int prim = rc & 0xff;

    ir_diag_set(d, "sqlite %s: %s", what, sqlite3_errmsg(c->db));
    if (prim == SQLITE_CONSTRAINT &&
        (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE))
        return IR_EEXISTS;
    /* The busy timeout ran out: another writer held on; worth a rerun. */
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
        c->retry = true;
    if (prim == SQLITE_NOMEM)
        return IR_ENOMEM;
    return IR_ESTORE;
}

static ir_err
sqlite_exec(struct ir_store_conn *c, const char *sql, struct ir_diag *d)
{
    int rc;

    /* BEGIN, COMMIT, SAVEPOINT...: one statement, run through the cache.
     * Scripts (migrations) go to sqlite3_exec. */
    if (strchr(sql, ';') == NULL)
        return sqlite_query(c, sql, NULL, 0, NULL, NULL, NULL, d);
    rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);

    if (rc != SQLITE_OK)
        return sqlite_fail(c, sqlite3_extended_errcode(c->db), sql, d);
    return IR_OK;
}

/* Placeholders are "$N"; SQLite treats them as named parameters numbered
 * by first appearance, so bind each by its name, not its position. */
static ir_err
sqlite_bind(sqlite3_stmt *st, const struct ir_store_val *p, int np,
            struct ir_diag *d)
{
    int i, n = sqlite3_bind_parameter_count(st), rc = SQLITE_OK;

    for (i = 1; i <= n; i++) {
        const char *name = sqlite3_bind_parameter_name(st, i);
        char *end;
        long k;

        if (name == NULL || name[0] != '$')
            goto bad;
        k = strtol(name + 1, &end, 10);
        if (*end != '\0' || k < 1 || k > np)
            goto bad;
        switch (p[k - 1].type) {
        case IR_STORE_V_INT:
            rc = sqlite3_bind_int64(st, i, p[k - 1].i);
            break;
        case IR_STORE_V_TEXT:
            rc = sqlite3_bind_text(st, i, p[k - 1].s, -1, SQLITE_STATIC);
            break;
        case IR_STORE_V_NULL:
            rc = sqlite3_bind_null(st, i);
            break;
        }
        if (rc != SQLITE_OK)
            return rc == SQLITE_NOMEM ? IR_ENOMEM : IR_ESTORE;
    }
    return IR_OK;
bad:
    ir_diag_set(d, "sqlite: bad placeholder %d of %d", i, n);
    return IR_EINTERNAL;
}

static ir_err
sqlite_query(struct ir_store_conn *c, const char *sql,
             const struct ir_store_val *p, int np, ir_store_row_cb *cb,
             void *arg, int64_t *changes, struct ir_diag *d)
{
    struct ir_store_row row = {&ir_store_backend_sqlite, NULL, 0};
    sqlite3_stmt *st = NULL;
    bool cached;
    ir_err err;
    int rc;

    err = sqlite_stmt_get(c, sql, &st, &cached, d);
    if (err)
        return err;
    err = sqlite_bind(st, p, np, d);
    if (err)
        goto out;
    /* Counted before it runs: a failed write may have changed rows. */
    if (!sqlite3_stmt_readonly(st))
        c->writes++;
    row.impl = st;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (cb == NULL)
            continue;
        err = cb(&row, arg);
        if (err)
            goto out;
        row.idx++;
    }
    if (rc != SQLITE_DONE) {
        err = sqlite_fail(c, sqlite3_extended_errcode(c->db), sql, d);
        goto out;
    }
    if (changes != NULL)
        *changes = sqlite3_changes64(c->db);
out:
    sqlite_stmt_put(st, cached);
    return err;
}

static bool
sqlite_row_null(const struct ir_store_row *r, int col)
{
    return sqlite3_column_type(r->impl, col) == SQLITE_NULL;
}

static int64_t
sqlite_row_int(const struct ir_store_row *r, int col)
{
    return sqlite3_column_int64(r->impl, col);
}

static const char *
sqlite_row_text(const struct ir_store_row *r, int col)
{
    const unsigned char *t = sqlite3_column_text(r->impl, col);

    return t != NULL ? (const char *)t : "";
}
