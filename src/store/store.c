/* SPDX-License-Identifier: Apache-2.0
 * store/store.c - opening a store, schema migrations, transactions, and
 * the async shell that runs blocking store calls on store threads.
 *
 * The shell is a util/workers pool with one database connection per
 * thread, kept in a small pool: a job borrows any idle connection, and as
 * there are exactly as many connections as threads one is always idle.
 * SQLite gets a single thread (one writer; WAL lets the CLI read beside
 * it); PostgreSQL gets nthreads.
 *
 * Group commit (SQLite): the store thread takes every queued job (up to
 * STORE_BATCH_MAX) and runs them in one transaction, so a batch costs one
 * fsync instead of one or two per job. Inside it each transaction of a
 * job (ir_store_db_tx) is a SAVEPOINT: a failing one rolls back only
 * itself, as it would alone. The done callbacks run after the COMMIT. If
 * the batch cannot commit (I/O error, full disk), it is rolled back and
 * every job that wrote runs again alone, so each reports its own outcome.
 * A batch made only of ir_store_run_nosync jobs (credit holds) commits
 * without the fsync; the next synced commit takes its WAL frames along.
 * PostgreSQL keeps one transaction per job: its connections commit in
 * parallel and the server already merges their WAL flushes, while a batch
 * would hold one job's row locks across the others and let two routers'
 * batches deadlock on keys taken in different orders.
 */
#include "store/store.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "store/backend.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/rand.h"
#include "util/time.h"
#include "util/workers.h"

#define STORE_TX_TRIES 5
/* Jobs per group commit: enough to amortise the fsync under load, few
 * enough that the first job's caller does not wait long for the last. */
#define STORE_BATCH_MAX 128

struct ir_store {
    struct event_base *base;
    struct ir_workers *ws;
    pthread_mutex_t mu;            /* guards busy[] */
    struct ir_store_conn **conns;  /* one per store thread */
    bool *busy;
    unsigned nconns;
    struct event *sweep_ev;        /* NULL until ir_store_sweep_start */
    bool sweeping;                 /* a sweep job is queued (loop only) */
    /* Group commit (SQLite); guarded by mu. */
    bool batching;
    bool pump_queued;              /* a pump will still look at the queue */
    struct store_job *qhead, *qtail;
    struct ir_store_stats stats;
};

struct store_job {
    struct ir_store *s;
    ir_store_fn *fn;
    ir_store_done_cb *done;
    void *arg;
    struct store_job *next; /* queue, then batch */
    bool wrote;             /* changed the database in its batch */
    bool nosync;            /* ir_store_run_nosync */
};

static const struct ir_store_backend *store_backend(const char *url);
static ir_err store_migrate(struct ir_store_conn *c, struct ir_diag *d)
    IR_MUST_CHECK;
static ir_err store_migrate_tx(struct ir_store_conn *c, void *arg,
                               struct ir_diag *d) IR_MUST_CHECK;
static void store_job_work(struct ir_work *w, void *arg);
static void store_job_done(void *arg);
static void store_pump_work(struct ir_work *w, void *arg);
static void store_pump_post(void *msg, void *arg);
static unsigned store_batch_run(struct ir_store *s, struct ir_store_conn *c,
                                struct store_job *list);
static bool store_batch_nosync(struct ir_store_conn *c,
                               const struct store_job *list);
static ir_err store_run(struct ir_store *s, ir_store_fn *fn,
                        ir_store_done_cb *done, void *arg, bool nosync)
    IR_MUST_CHECK;
static ir_err store_savepoint(struct ir_store_conn *c, ir_store_tx_fn *fn,
                              void *arg, struct ir_diag *d) IR_MUST_CHECK;
static void store_sweep_tick(evutil_socket_t fd, short what, void *arg);
static void store_sweep_work(struct ir_store_conn *c, void *arg);
static void store_sweep_done(void *arg);

/* Each entry moves the schema from version i to i + 1; never edit one
 * that has shipped, append a new one. Both dialects accept this DDL. */
static const char *const store_migrations[] = {
    /* 1: keys, ledger, reservations, rate windows, account credit */
    "CREATE TABLE IF NOT EXISTS keys ("
    " hash TEXT PRIMARY KEY,"
    " label TEXT NOT NULL,"
    " name TEXT NOT NULL,"
    " management INTEGER NOT NULL DEFAULT 0,"
    " disabled INTEGER NOT NULL DEFAULT 0,"
    " limit_nanos BIGINT,"                     /* NULL = no limit */
    " limit_reset TEXT NOT NULL DEFAULT '',"
    " usage_nanos BIGINT NOT NULL DEFAULT 0,"  /* current period */
    " usage_total_nanos BIGINT NOT NULL DEFAULT 0,"
    " reserved_nanos BIGINT NOT NULL DEFAULT 0,"
    " period_start BIGINT NOT NULL DEFAULT 0,"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL DEFAULT 0,"
    " expires_at BIGINT NOT NULL DEFAULT 0,"
    " rate_limit_requests INTEGER NOT NULL DEFAULT 0,"
    " rate_limit_interval_s INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS keys_created ON keys (created_at);"
    "CREATE TABLE IF NOT EXISTS generations ("
    " id TEXT PRIMARY KEY,"
    " key_hash TEXT NOT NULL,"
    " model TEXT NOT NULL,"
    " provider_name TEXT NOT NULL,"
    " provider_slug TEXT NOT NULL,"
    " status TEXT NOT NULL,"
    " http_status INTEGER NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " latency_ms BIGINT NOT NULL,"
    " generation_ms BIGINT NOT NULL,"
    " cost_nanos BIGINT NOT NULL,"             /* -1 = unknown */
    " prompt_tokens BIGINT NOT NULL,"
    " completion_tokens BIGINT NOT NULL,"
    " image_tokens BIGINT NOT NULL,"
    " num_images INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL,"
    " streamed INTEGER NOT NULL,"
    " cancelled INTEGER NOT NULL,"
    " referer TEXT NOT NULL,"
    " title TEXT NOT NULL,"
    " categories TEXT NOT NULL,"
    " error_message TEXT NOT NULL,"
    " upstream_id TEXT NOT NULL,"
    " finish_reason TEXT NOT NULL,"
    " user_agent TEXT NOT NULL,"
    " provider_responses TEXT NOT NULL);"
    /* usage_daily/weekly/monthly per key; the attribution report. */
    "CREATE INDEX IF NOT EXISTS generations_key_created"
    " ON generations (key_hash, created_at);"
    "CREATE INDEX IF NOT EXISTS generations_created"
    " ON generations (created_at);"
    "CREATE TABLE IF NOT EXISTS reservations ("
    " id TEXT PRIMARY KEY,"
    " key_hash TEXT NOT NULL,"
    " amount_nanos BIGINT NOT NULL,"
    " owner TEXT NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " expires_at BIGINT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS reservations_expires"
    " ON reservations (expires_at);"
    "CREATE TABLE IF NOT EXISTS rate_windows ("
    " bucket TEXT PRIMARY KEY,"
    " window_start BIGINT NOT NULL,"
    " hits BIGINT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS account ("
    " id INTEGER PRIMARY KEY,"
    " total_credits_nanos BIGINT,"             /* NULL = uncapped */
    " usage_nanos BIGINT NOT NULL DEFAULT 0,"
    " reserved_nanos BIGINT NOT NULL DEFAULT 0);"
    "INSERT INTO account (id) VALUES (1) ON CONFLICT DO NOTHING;",
    /* 2: the accounts API's include_byok_in_limit; finding an instance's
     * holds at its restart (ir_store_claim). */
    "ALTER TABLE keys ADD COLUMN include_byok_in_limit INTEGER NOT NULL"
    " DEFAULT 0;"
    "CREATE INDEX IF NOT EXISTS reservations_owner ON reservations (owner);",
};

#define STORE_NMIGRATIONS \
    ((int)(sizeof store_migrations / sizeof store_migrations[0]))

/* ---- connections ------------------------------------------------- */

static const struct ir_store_backend *
store_backend(const char *url)
{
    if (strncmp(url, "postgres://", 11) == 0 ||
        strncmp(url, "postgresql://", 13) == 0)
        return &ir_store_backend_postgres;
    return &ir_store_backend_sqlite;
}

ir_err
ir_store_conn_open(const char *url, struct ir_store_conn **out,
                   struct ir_diag *d)
{
    struct ir_store_conn *c;
    ir_err err;

    *out = NULL;
    if (url == NULL || *url == '\0') {
        ir_diag_set(d, "no database given");
        return IR_EINVAL;
    }
    c = ir_calloc(1, sizeof *c);
    if (c == NULL)
        return IR_ENOMEM;
    c->be = store_backend(url);
    err = ir_rand_alnum(c->owner, IR_STORE_OWNER_RANDOM);
    if (err)
        goto out;
    err = c->be->open(c, url, d);
    if (err)
        goto out;
    err = store_migrate(c, d);
out:
    if (err) {
        ir_store_conn_close(c);
        return err;
    }
    *out = c;
    return IR_OK;
}

void
ir_store_conn_close(struct ir_store_conn *c)
{
    if (c == NULL)
        return;
    if (c->db != NULL)
        c->be->close(c);
    ir_free(c);
}

void
ir_store_conn_set_now(struct ir_store_conn *c, int64_t now)
{
    c->now = now;
}

const char *
ir_store_conn_backend(const struct ir_store_conn *c)
{
    return c->be->name;
}

ir_err
ir_store_conn_set_owner(struct ir_store_conn *c, const char *owner)
{
    size_t n = owner ? strlen(owner) : 0;

    if (n == 0 || n > IR_STORE_OWNER_LEN)
        return IR_EINVAL;
    memcpy(c->owner, owner, n + 1);
    return IR_OK;
}

int64_t
ir_store_db_now(const struct ir_store_conn *c)
{
    return c->now != 0 ? c->now : ir_time_unix();
}

/* ---- statements and transactions --------------------------------- */

ir_err
ir_store_db_query(struct ir_store_conn *c, const char *sql,
                  const struct ir_store_val *p, int np, ir_store_row_cb *cb,
                  void *arg, int64_t *changes, struct ir_diag *d)
{
    return c->be->query(c, sql, p, np, cb, arg, changes, d);
}

ir_err
ir_store_db_tx(struct ir_store_conn *c, ir_store_tx_fn *fn, void *arg,
               struct ir_diag *d)
{
    ir_err err = IR_OK;
    int tries;

    if (c->batch)
        return store_savepoint(c, fn, arg, d);
    for (tries = 0; tries < STORE_TX_TRIES; tries++) {
        c->retry = false;
        err = c->be->exec(c, c->be->begin_sql, d);
        if (err == IR_OK) {
            err = fn(c, arg, d);
            if (err == IR_OK)
                err = c->be->exec(c, "COMMIT", d);
            if (err != IR_OK) {
                /* Keep the first failure's retry verdict and message. */
                bool retry = c->retry;

                (void)c->be->exec(c, "ROLLBACK", NULL);
                c->retry = retry;
            }
        }
        if (err == IR_OK || !c->retry)
            return err;
        /* Back off a little, more each time, so the rivals finish. */
        struct timespec ts = {0, (long)(tries + 1) * 2000000L};
        nanosleep(&ts, NULL);
    }
    return err;
}

/* ir_store_db_tx inside a group commit: the batch holds the write lock,
 * so nothing waits on another writer; a failure rolls back to the
 * savepoint and leaves the rest of the batch alone. */
static ir_err
store_savepoint(struct ir_store_conn *c, ir_store_tx_fn *fn, void *arg,
                struct ir_diag *d)
{
    ir_err err;
    bool retry;

    c->retry = false;
    err = c->be->exec(c, "SAVEPOINT ir_tx", d);
    if (err)
        return err;
    err = fn(c, arg, d);
    if (err == IR_OK)
        err = c->be->exec(c, "RELEASE ir_tx", d);
    if (err != IR_OK) {
        retry = c->retry;
        (void)c->be->exec(c, "ROLLBACK TO ir_tx", NULL);
        (void)c->be->exec(c, "RELEASE ir_tx", NULL);
        c->retry = retry;
    }
    return err;
}

ir_err
ir_store_db_int_cb(const struct ir_store_row *r, void *arg)
{
    *(int64_t *)arg = ir_store_db_null(r, 0) ? 0 : ir_store_db_int(r, 0);
    return IR_OK;
}

void
ir_store_db_text(const struct ir_store_row *r, int col, char *dst,
                 size_t size)
{
    const char *t = r->be->row_null(r, col) ? "" : r->be->row_text(r, col);
    size_t n = strlen(t);

    if (n >= size)
        n = size - 1;
    memcpy(dst, t, n);
    dst[n] = '\0';
}

/* ---- migrations --------------------------------------------------- */

static ir_err
store_migrate(struct ir_store_conn *c, struct ir_diag *d)
{
    ir_err err = c->be->exec(c,
                             "CREATE TABLE IF NOT EXISTS schema_version "
                             "(version INTEGER NOT NULL)",
                             d);

    /* Two instances may race to create the table; the loser's error is
     * harmless as long as the table now exists, which the tx checks. */
    if (err && err != IR_EEXISTS && !c->retry)
        return err;
    return ir_store_db_tx(c, store_migrate_tx, NULL, d);
}

static ir_err
store_migrate_tx(struct ir_store_conn *c, void *arg, struct ir_diag *d)
{
    int64_t version = -1, changes = 0;
    ir_err err;
    int i;

    (void)arg;
    if (c->be->migrate_lock_sql != NULL) {
        err = c->be->exec(c, c->be->migrate_lock_sql, d);
        if (err)
            return err;
    }
    err = ir_store_db_query(c, "SELECT MAX(version) FROM schema_version",
                            NULL, 0, ir_store_db_int_cb, &version, NULL, d);
    if (err)
        return err;
    if (version > STORE_NMIGRATIONS) {
        ir_diag_set(d, "database schema version %lld is newer than this "
                       "binary's %d", (long long)version, STORE_NMIGRATIONS);
        return IR_EUNSUPPORTED;
    }
    for (i = (int)version; i < STORE_NMIGRATIONS; i++) {
        err = c->be->exec(c, store_migrations[i], d);
        if (err)
            return err;
    }
    if (version == STORE_NMIGRATIONS)
        return IR_OK;
    err = ir_store_db_query(c, "DELETE FROM schema_version", NULL, 0, NULL,
                            NULL, NULL, d);
    if (err)
        return err;
    return ir_store_db_query(c, "INSERT INTO schema_version VALUES ($1)",
                             (struct ir_store_val[]){
                                 IR_SV_INT(STORE_NMIGRATIONS)},
                             1, NULL, NULL, &changes, d);
}

/* ---- the async shell ---------------------------------------------- */

ir_err
ir_store_open(const char *url, struct event_base *base, unsigned nthreads,
              struct ir_store **out, struct ir_diag *d)
{
    struct ir_store *s;
    size_t released = 0;
    ir_err err = IR_ENOMEM;
    unsigned i;

    *out = NULL;
    if (base == NULL || url == NULL) {
        ir_diag_set(d, "ir_store_open needs a url and an event base");
        return IR_EINVAL;
    }
    if (nthreads == 0 || store_backend(url) == &ir_store_backend_sqlite)
        nthreads = 1;
    s = ir_calloc(1, sizeof *s);
    if (s == NULL)
        return IR_ENOMEM;
    s->base = base;
    s->batching = store_backend(url) == &ir_store_backend_sqlite;
    pthread_mutex_init(&s->mu, NULL);
    s->conns = ir_calloc(nthreads, sizeof *s->conns);
    s->busy = ir_calloc(nthreads, sizeof *s->busy);
    if (s->conns == NULL || s->busy == NULL)
        goto out;
    for (i = 0; i < nthreads; i++) {
        err = ir_store_conn_open(url, &s->conns[i], d);
        if (err)
            goto out;
        s->nconns++;
        /* One owner id for the whole instance. */
        memcpy(s->conns[i]->owner, s->conns[0]->owner,
               sizeof s->conns[i]->owner);
    }
    /* Holds left by requests of a crashed instance whose time is up. */
    err = ir_store_sweep(s->conns[0], &released, d);
    if (err)
        goto out;
    if (released > 0)
        ir_log_info("store: released %zu expired reservations", released);
    err = ir_workers_new(base, nthreads, &s->ws);
out:
    if (err) {
        ir_store_free(s);
        return err;
    }
    *out = s;
    return IR_OK;
}

ir_err
ir_store_claim(struct ir_store *s, const char *instance_id,
               size_t *released, struct ir_diag *d)
{
    unsigned i;
    ir_err err;

    for (i = 0; i < s->nconns; i++) {
        err = ir_store_conn_set_owner(s->conns[i], instance_id);
        if (err) {
            ir_diag_set(d, "instance id must be 1 to %d bytes",
                        IR_STORE_OWNER_LEN);
            return err;
        }
    }
    return ir_store_release_owner(s->conns[0], instance_id, released, d);
}

void
ir_store_free(struct ir_store *s)
{
    struct store_job *j, *jn;
    unsigned i;

    if (s == NULL)
        return;
    if (s->sweep_ev != NULL)
        event_free(s->sweep_ev);
    /* Joins the threads first, so no job still uses a connection. */
    ir_workers_free(s->ws);
    for (j = s->qhead; j != NULL; j = jn) {
        jn = j->next;
        ir_free(j);
    }
    for (i = 0; i < s->nconns; i++)
        ir_store_conn_close(s->conns[i]);
    ir_free(s->conns);
    ir_free(s->busy);
    pthread_mutex_destroy(&s->mu);
    ir_free(s);
}

ir_err
ir_store_run(struct ir_store *s, ir_store_fn *fn, ir_store_done_cb *done,
             void *arg)
{
    return store_run(s, fn, done, arg, false);
}

ir_err
ir_store_run_nosync(struct ir_store *s, ir_store_fn *fn,
                    ir_store_done_cb *done, void *arg)
{
    return store_run(s, fn, done, arg, true);
}

static ir_err
store_run(struct ir_store *s, ir_store_fn *fn, ir_store_done_cb *done,
          void *arg, bool nosync)
{
    struct store_job *j = ir_calloc(1, sizeof *j);
    ir_err err;

    if (j == NULL)
        return IR_ENOMEM;
    j->s = s;
    j->fn = fn;
    j->done = done;
    j->arg = arg;
    j->nosync = nosync;
    if (!s->batching) {
        err = ir_workers_submit(s->ws, store_job_work, store_job_done, NULL,
                                j);
        if (err)
            ir_free(j);
        return err;
    }
    pthread_mutex_lock(&s->mu);
    if (s->qtail != NULL)
        s->qtail->next = j;
    else
        s->qhead = j;
    s->qtail = j;
    if (s->pump_queued) {
        /* The running pump sees the job before it stops. */
        pthread_mutex_unlock(&s->mu);
        return IR_OK;
    }
    s->pump_queued = true;
    pthread_mutex_unlock(&s->mu);
    err = ir_workers_submit(s->ws, store_pump_work, NULL, store_pump_post,
                            s);
    if (err == IR_OK)
        return IR_OK;
    /* No pump: nothing took the queue since pump_queued was clear, and
     * jobs are only queued from the loop, so j is still the tail. */
    pthread_mutex_lock(&s->mu);
    s->pump_queued = false;
    if (s->qhead == j) {
        s->qhead = s->qtail = NULL;
    } else {
        struct store_job *p = s->qhead;

        while (p->next != j)
            p = p->next;
        p->next = NULL;
        s->qtail = p;
    }
    pthread_mutex_unlock(&s->mu);
    ir_free(j);
    return err;
}

void
ir_store_stats(struct ir_store *s, struct ir_store_stats *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->stats;
    pthread_mutex_unlock(&s->mu);
}

/* The SQLite store thread: takes what is queued, a batch at a time, and
 * hands each committed batch to the loop, until the queue is empty. */
static void
store_pump_work(struct ir_work *w, void *arg)
{
    struct ir_store *s = arg;
    struct store_job *list, *last;
    unsigned n, commits;
    bool nosync;

    for (;;) {
        pthread_mutex_lock(&s->mu);
        list = s->qhead;
        if (list == NULL || ir_workers_cancelled(w)) {
            s->pump_queued = false;
            pthread_mutex_unlock(&s->mu);
            return;
        }
        for (n = 1, last = list; n < STORE_BATCH_MAX && last->next != NULL;
             n++)
            last = last->next;
        s->qhead = last->next;
        if (s->qhead == NULL)
            s->qtail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&s->mu);

        nosync = store_batch_nosync(s->conns[0], list);
        commits = store_batch_run(s, s->conns[0], list);
        if (nosync)
            (void)s->conns[0]->be->exec(s->conns[0],
                                        s->conns[0]->be->sync_sql, NULL);
        pthread_mutex_lock(&s->mu);
        s->stats.jobs += n;
        s->stats.batches++;
        s->stats.commits += commits;
        if (nosync)
            s->stats.nosync += commits;
        pthread_mutex_unlock(&s->mu);
        /* As ir_workers does for its own completions: the loop must
         * hear of every job, so wait out a failed allocation. */
        while (ir_workers_post(w, list) != IR_OK)
            sched_yield();
    }
}

/* Before a batch: when every job in it may skip the fsync, switch the
 * connection to commits without one; true if it did (the caller
 * switches back). A failed switch leaves the safe, synced commit. */
static bool
store_batch_nosync(struct ir_store_conn *c, const struct store_job *list)
{
    const struct store_job *j;

    if (c->be->nosync_sql == NULL)
        return false;
    for (j = list; j != NULL; j = j->next)
        if (!j->nosync)
            return false;
    return c->be->exec(c, c->be->nosync_sql, NULL) == IR_OK;
}

/* Runs a batch; returns how many transactions it committed (about the
 * fsyncs it cost). */
static unsigned
store_batch_run(struct ir_store *s, struct ir_store_conn *c,
                struct store_job *list)
{
    struct store_job *j, *stop = NULL;
    unsigned commits = 0;
    uint64_t w0;
    ir_err err;

    (void)s;
    if (list->next == NULL) {
        /* Alone: its own transactions, exactly as without batching. */
        w0 = c->writes;
        list->fn(c, list->arg);
        return c->writes != w0;
    }
    err = c->be->exec(c, c->be->begin_sql, NULL);
    if (err) {
        stop = list;
        goto alone;
    }
    c->batch = true;
    for (j = list; j != NULL; j = j->next) {
        w0 = c->writes;
        j->fn(c, j->arg);
        j->wrote = c->writes != w0;
        if (!c->be->in_tx(c)) {
            /* SQLite rolled the whole batch back (I/O error, full disk,
             * out of memory): what ran so far is undone. */
            stop = j->next;
            err = IR_ESTORE;
            break;
        }
    }
    c->batch = false;
    if (err == IR_OK) {
        err = c->be->exec(c, "COMMIT", NULL);
        if (err == IR_OK)
            return 1;
    }
    if (c->be->in_tx(c))
        (void)c->be->exec(c, "ROLLBACK", NULL);
    /* Nothing of the batch is in the database. Jobs that wrote run again
     * on their own (their transactions reset their outputs); readers keep
     * what they read. */
    for (j = list; j != stop; j = j->next) {
        if (!j->wrote)
            continue;
        w0 = c->writes;
        j->fn(c, j->arg);
        commits += c->writes != w0;
    }
alone:
    for (j = stop; j != NULL; j = j->next) {
        w0 = c->writes;
        j->fn(c, j->arg);
        commits += c->writes != w0;
    }
    return commits;
}

/* On the loop: a committed batch's callbacks, in queue order. */
static void
store_pump_post(void *msg, void *arg)
{
    struct store_job *j = msg, *next;

    (void)arg;
    for (; j != NULL; j = next) {
        next = j->next;
        store_job_done(j);
    }
}

static void
store_job_work(struct ir_work *w, void *arg)
{
    struct store_job *j = arg;
    struct ir_store *s = j->s;
    unsigned i;

    (void)w;
    pthread_mutex_lock(&s->mu);
    /* As many connections as threads: one is always idle here. */
    for (i = 0; i < s->nconns && s->busy[i]; i++)
        ;
    s->busy[i] = true;
    pthread_mutex_unlock(&s->mu);
    j->fn(s->conns[i], j->arg);
    pthread_mutex_lock(&s->mu);
    s->busy[i] = false;
    pthread_mutex_unlock(&s->mu);
}

static void
store_job_done(void *arg)
{
    struct store_job *j = arg;
    ir_store_done_cb *done = j->done;
    void *done_arg = j->arg;

    /* Free first: done may free the store's last user. */
    ir_free(j);
    if (done != NULL)
        done(done_arg);
}

/* ---- the periodic sweep ------------------------------------------- */

ir_err
ir_store_sweep_start(struct ir_store *s, unsigned interval_s)
{
    struct timeval tv = {interval_s ? (time_t)interval_s : 1, 0};

    if (s->sweep_ev != NULL)
        return IR_EEXISTS;
    s->sweep_ev = event_new(s->base, -1, EV_PERSIST, store_sweep_tick, s);
    if (s->sweep_ev == NULL)
        return IR_ENOMEM;
    if (event_add(s->sweep_ev, &tv) != 0) {
        event_free(s->sweep_ev);
        s->sweep_ev = NULL;
        return IR_EINTERNAL;
    }
    return IR_OK;
}

static void
store_sweep_tick(evutil_socket_t fd, short what, void *arg)
{
    struct ir_store *s = arg;

    (void)fd;
    (void)what;
    /* A slow database must not pile sweeps up behind each other. */
    if (s->sweeping)
        return;
    if (ir_store_run(s, store_sweep_work, store_sweep_done, s) == IR_OK)
        s->sweeping = true;
}

static void
store_sweep_work(struct ir_store_conn *c, void *arg)
{
    struct ir_diag d = {""};
    size_t n = 0;

    (void)arg;
    if (ir_store_sweep(c, &n, &d) != IR_OK)
        ir_log_warn("store: reservation sweep failed: %s", d.msg);
    else if (n > 0)
        ir_log_info("store: released %zu expired reservations", n);
}

static void
store_sweep_done(void *arg)
{
    struct ir_store *s = arg;

    s->sweeping = false;
}
