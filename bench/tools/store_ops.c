/* SPDX-License-Identifier: Apache-2.0
 * bench/tools/store_ops.c - the store's cost per generation: C concurrent
 * generations each reserve then settle (with a ledger record) through the
 * async store shell, as the router does, N pairs in all. Prints pairs/s,
 * process CPU per pair and fsyncs per pair.
 *
 *   store_ops -d DB [-n PAIRS] [-c CONCURRENT]
 *
 * Built by bench/store.sh against a build's libircore.a. fsync and
 * fdatasync are counted by defining them here: the executable's symbols
 * come first when libsqlite3 looks them up.
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "store/store.h"

static atomic_long syncs;

int
fdatasync(int fd)
{
    atomic_fetch_add(&syncs, 1);
    return (int)syscall(SYS_fdatasync, fd);
}

int
fsync(int fd)
{
    atomic_fetch_add(&syncs, 1);
    return (int)syscall(SYS_fsync, fd);
}

struct run {
    struct ir_store *s;
    struct event_base *base;
    char hash[IR_KEY_HASH_LEN + 1];
    long started, finished, total, failed;
};

struct gen {
    struct run *r;
    char rsv[IR_STORE_RESERVATION_ID_LEN + 1];
    struct ir_generation rec;
    ir_err err;
};

static void gen_start(struct gen *g);

#define SET(f, v) (void)snprintf(g->rec.f, sizeof g->rec.f, "%s", v)

static void
settle_work(struct ir_store_conn *c, void *arg)
{
    struct gen *g = arg;

    g->err = ir_store_settle(c, g->rsv, 10000000, &g->rec, NULL);
}

static void
settle_done(void *arg)
{
    struct gen *g = arg;

    if (g->err != IR_OK)
        g->r->failed++;
    if (++g->r->finished == g->r->total)
        event_base_loopbreak(g->r->base);
    gen_start(g);
}

static void
reserve_work(struct ir_store_conn *c, void *arg)
{
    struct gen *g = arg;
    const char *reason;

    g->err = ir_store_reserve(c, g->r->hash, 10000000, 300, g->rsv, &reason,
                              NULL);
}

static void
reserve_done(void *arg)
{
    struct gen *g = arg;

    if (g->err != IR_OK) {
        g->r->failed++;
        if (++g->r->finished == g->r->total)
            event_base_loopbreak(g->r->base);
        gen_start(g);
        return;
    }
    if (ir_store_run(g->r->s, settle_work, settle_done, g) != IR_OK)
        abort();
}

static void
gen_start(struct gen *g)
{
    struct run *r = g->r;

    if (r->started == r->total)
        return;
    memset(&g->rec, 0, sizeof g->rec);
    (void)snprintf(g->rec.id, sizeof g->rec.id, "gen-bench-%ld",
                   r->started++);
    memcpy(g->rec.key_hash, r->hash, sizeof g->rec.key_hash);
    SET(model, "openai/gpt-image-1");
    SET(provider_name, "OpenAI");
    SET(provider_slug, "openai");
    SET(status, "success");
    SET(provider_responses, "[]");
    g->rec.http_status = 200;
    g->rec.created_at = time(NULL);
    g->rec.cost_nanos = 10000000;
    g->rec.num_images = 1;
    g->rec.attempts = 1;
    if (ir_store_run(r->s, reserve_work, reserve_done, g) != IR_OK)
        abort();
}

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
cpu_s(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int
main(int argc, char **argv)
{
    struct run r = {0};
    struct ir_store_conn *c = NULL;
    struct ir_diag d = {{0}};
    struct ir_key k;
    struct gen *gens;
    const char *db = NULL;
    char plain[80];
    long conc = 32, i;
    double t0, c0, wall, cpu;
    long s0;
    int opt;

    r.total = 5000;
    while ((opt = getopt(argc, argv, "d:n:c:")) != -1) {
        if (opt == 'd')
            db = optarg;
        else if (opt == 'n')
            r.total = atol(optarg);
        else if (opt == 'c')
            conc = atol(optarg);
        else
            return 2;
    }
    if (db == NULL || r.total <= 0 || conc <= 0) {
        fprintf(stderr, "usage: store_ops -d DB [-n PAIRS] [-c CONC]\n");
        return 2;
    }
    if (evthread_use_pthreads() != 0)
        return 1;
    if (ir_store_conn_open(db, &c, &d) != IR_OK ||
        ir_store_key_create(c, "bench", false, IR_NANOS_NONE, "", 0, plain,
                            sizeof plain, &k, &d) != IR_OK) {
        fprintf(stderr, "store_ops: %s\n", d.msg);
        return 1;
    }
    ir_store_conn_close(c);
    memcpy(r.hash, k.hash, sizeof r.hash);
    r.base = event_base_new();
    if (r.base == NULL || ir_store_open(db, r.base, 4, &r.s, &d) != IR_OK) {
        fprintf(stderr, "store_ops: %s\n", d.msg);
        return 1;
    }
    gens = calloc((size_t)conc, sizeof *gens);
    if (gens == NULL)
        return 1;
    s0 = atomic_load(&syncs);
    t0 = now_s();
    c0 = cpu_s();
    for (i = 0; i < conc; i++) {
        gens[i].r = &r;
        gen_start(&gens[i]);
    }
    /* The store thread wakes the loop; a timer keeps it from exiting
     * while every job is out on the thread. */
    {
        struct event *keep = event_new(r.base, -1, EV_PERSIST, NULL, NULL);
        struct timeval tv = {3600, 0};

        event_add(keep, &tv);
        event_base_dispatch(r.base);
        event_free(keep);
    }
    wall = now_s() - t0;
    cpu = cpu_s() - c0;
    printf("db=%s pairs=%ld conc=%ld failed=%ld wall=%.3fs pairs/s=%.0f "
           "cpu_us/pair=%.1f fsyncs/pair=%.3f\n",
           db, r.total, conc, r.failed, wall, (double)r.total / wall,
           cpu * 1e6 / (double)r.total,
           (double)(atomic_load(&syncs) - s0) / (double)r.total);
    ir_store_free(r.s);
    event_base_free(r.base);
    free(gens);
    return r.failed != 0;
}
