/* SPDX-License-Identifier: Apache-2.0
 * store/sqlite_ckpt.c - WAL checkpoints on a helper thread.
 *
 * With SQLite's autocheckpoint, the commit that takes the WAL past 1000
 * frames copies them back into the database file and fsyncs it before it
 * returns: one generation in ~60 waited for that, which was the router's
 * p99 at one connection. Here that commit only signals a helper thread,
 * which runs a PASSIVE checkpoint on its own connection while the store
 * thread goes on committing (WAL allows one checkpointer beside the
 * writer). Durability is unchanged: a commit is durable once its WAL
 * frames are fsynced, which the committing connection still does.
 */
#include "store/sqlite_ckpt.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "util/mem.h"

struct ir_sqlite_ckpt {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool started;
    bool failed;  /* the helper could not start: checkpoint inline */
    bool pending; /* a wake-up not yet served */
    bool stop;
    uint64_t runs;
    char *path;
};

static void *
ckpt_main(void *arg)
{
    struct ir_sqlite_ckpt *k = arg;
    sqlite3 *db = NULL;

    if (sqlite3_open_v2(k->path, &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        sqlite3_close(db);
        db = NULL;
    }
    pthread_mutex_lock(&k->mu);
    if (db == NULL)
        k->failed = true; /* the writer checkpoints inline from now on */
    for (;;) {
        while (!k->pending && !k->stop)
            pthread_cond_wait(&k->cv, &k->mu);
        if (k->stop || db == NULL)
            break;
        k->pending = false;
        pthread_mutex_unlock(&k->mu);
        /* PASSIVE: copies what no reader needs, never waits for the
         * writer; SQLITE_BUSY (another checkpoint running) is harmless,
         * the next wake-up tries again. */
        (void)sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                        NULL, NULL);
        pthread_mutex_lock(&k->mu);
        k->runs++;
    }
    pthread_mutex_unlock(&k->mu);
    sqlite3_close(db);
    return NULL;
}

/* Wakes the helper, starting it the first time. False when there is no
 * helper to do it. */
static bool
ckpt_wake(struct ir_sqlite_ckpt *k)
{
    bool ok = true;

    pthread_mutex_lock(&k->mu);
    if (!k->started && !k->failed) {
        if (pthread_create(&k->thread, NULL, ckpt_main, k) == 0)
            k->started = true;
        else
            k->failed = true;
    }
    if (k->failed) {
        ok = false;
    } else {
        k->pending = true;
        pthread_cond_signal(&k->cv);
    }
    pthread_mutex_unlock(&k->mu);
    return ok;
}

/* Runs after every commit, on the committing thread, outside the
 * transaction. */
static int
ckpt_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    struct ir_sqlite_ckpt *k = arg;

    if (pages < IR_SQLITE_CKPT_PAGES)
        return SQLITE_OK;
    if (pages >= IR_SQLITE_CKPT_FORCE_PAGES || !ckpt_wake(k))
        (void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE,
                                        NULL, NULL);
    return SQLITE_OK;
}

struct ir_sqlite_ckpt *
ir_sqlite_ckpt_attach(sqlite3 *db, const char *path)
{
    struct ir_sqlite_ckpt *k = ir_calloc(1, sizeof *k);

    if (k == NULL)
        return NULL;
    if ((k->path = ir_strdup(path)) == NULL) {
        ir_free(k);
        return NULL;
    }
    pthread_mutex_init(&k->mu, NULL);
    pthread_cond_init(&k->cv, NULL);
    (void)sqlite3_wal_hook(db, ckpt_hook, k);
    return k;
}

void
ir_sqlite_ckpt_detach(struct ir_sqlite_ckpt *k, sqlite3 *db)
{
    bool started;

    if (k == NULL)
        return;
    if (db != NULL)
        (void)sqlite3_wal_autocheckpoint(db, IR_SQLITE_CKPT_PAGES);
    pthread_mutex_lock(&k->mu);
    k->stop = true;
    started = k->started;
    pthread_cond_signal(&k->cv);
    pthread_mutex_unlock(&k->mu);
    if (started)
        pthread_join(k->thread, NULL);
    pthread_cond_destroy(&k->cv);
    pthread_mutex_destroy(&k->mu);
    ir_free(k->path);
    ir_free(k);
}

uint64_t
ir_sqlite_ckpt_runs(struct ir_sqlite_ckpt *k)
{
    uint64_t n;

    pthread_mutex_lock(&k->mu);
    n = k->runs;
    pthread_mutex_unlock(&k->mu);
    return n;
}
