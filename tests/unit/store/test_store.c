/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/store/test_store.c - the store against SQLite (a temp file)
 * and, when IR_TEST_PG_URL names a server (tests/unit/store/run_pg.sh),
 * against PostgreSQL: keys, ledger, reservations under concurrency,
 * limit periods, the sweep, rate limits, attribution, the async shell,
 * group commit, the statement cache and the shared ":memory:" database.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "store/backend.h"
#include "store/store.h"
#include "util/mem.h"

#define USD 1000000000LL
#define T_MON 1704067200LL /* 2024-01-01 00:00:00 UTC, a Monday */
#define DAY 86400LL

struct fx {
    char url[512];
    char dir[64];
    struct ir_store_conn *c;
};

static bool fx_pg; /* which group is running */

/* ---- fixtures ------------------------------------------------------- */

static void
pg_reset(const char *url)
{
    PGconn *pg = PQconnectdb(url);
    PGresult *res;

    assert_int_equal(PQstatus(pg), CONNECTION_OK);
    res = PQexec(pg, "DROP TABLE IF EXISTS keys, generations, reservations,"
                     " rate_windows, account, schema_version");
    assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    PQfinish(pg);
}

static int
fx_setup(void **state)
{
    struct ir_diag d = {""};
    struct fx *f = ir_calloc(1, sizeof *f);

    assert_non_null(f);
    if (fx_pg) {
        snprintf(f->url, sizeof f->url, "%s", getenv("IR_TEST_PG_URL"));
        pg_reset(f->url);
    } else {
        snprintf(f->dir, sizeof f->dir, "/tmp/irstore.XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        /* A missing parent directory is created by the store. */
        snprintf(f->url, sizeof f->url, "%s/sub/dir/store.db", f->dir);
    }
    if (ir_store_conn_open(f->url, &f->c, &d) != IR_OK)
        fail_msg("open %s: %s", f->url, d.msg);
    *state = f;
    return 0;
}

static int
fx_teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];

    ir_store_conn_close(f->c);
    if (!fx_pg) {
        snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
        assert_int_equal(system(cmd), 0);
    }
    ir_free(f);
    return 0;
}

static struct ir_store_conn *
fx_conn(struct fx *f)
{
    struct ir_store_conn *c = NULL;
    struct ir_diag d = {""};

    if (ir_store_conn_open(f->url, &c, &d) != IR_OK)
        fail_msg("open: %s", d.msg);
    return c;
}

static void
mk_key(struct ir_store_conn *c, const char *name, int64_t limit,
       const char *reset, struct ir_key *k)
{
    char plain[80];
    struct ir_diag d = {""};

    if (ir_store_key_create(c, name, false, limit, reset, 0, plain,
                            sizeof plain, k, &d) != IR_OK)
        fail_msg("key create: %s", d.msg);
}

static void
mk_gen(struct ir_generation *g, const char *id, const char *key_hash,
       int64_t cost, int64_t created_at)
{
    memset(g, 0, sizeof *g);
    snprintf(g->id, sizeof g->id, "%s", id);
    snprintf(g->key_hash, sizeof g->key_hash, "%s", key_hash);
    snprintf(g->model, sizeof g->model, "openai/gpt-image-1");
    snprintf(g->provider_name, sizeof g->provider_name, "OpenAI");
    snprintf(g->provider_slug, sizeof g->provider_slug, "openai");
    snprintf(g->status, sizeof g->status, "success");
    g->http_status = 200;
    g->created_at = created_at;
    g->cost_nanos = cost;
    g->num_images = 1;
    g->attempts = 1;
}

static struct ir_key
get_key(struct ir_store_conn *c, const char *hash)
{
    struct ir_key k;
    struct ir_diag d = {""};

    if (ir_store_key_get(c, hash, &k, &d) != IR_OK)
        fail_msg("key get: %s", d.msg);
    return k;
}

/* ---- keys ------------------------------------------------------------ */

static void
test_migrations_idempotent(void **state)
{
    struct fx *f = *state;
    struct ir_store_conn *c2;
    struct ir_key k;
    size_t n = 0;

    mk_key(f->c, "first", IR_NANOS_NONE, NULL, &k);
    /* Reopening (and opening beside an open connection) migrates nothing
     * and loses nothing. */
    c2 = fx_conn(f);
    ir_store_conn_close(c2);
    ir_store_conn_close(f->c);
    f->c = fx_conn(f);
    assert_int_equal(ir_store_key_count(f->c, &n, NULL), IR_OK);
    assert_int_equal(n, 1);
    assert_string_equal(ir_store_conn_backend(f->c),
                        fx_pg ? "postgres" : "sqlite");
}

static void
test_key_create_get_list(void **state)
{
    struct fx *f = *state;
    char plain[80], hash[IR_KEY_HASH_LEN + 1], label[32];
    struct ir_key k, k2, got, *list = NULL;
    struct ir_diag d = {""};
    const char *reason;
    size_t n = 0;

    ir_store_conn_set_now(f->c, T_MON);
    assert_int_equal(ir_store_key_create(f->c, "alpha", true, 5 * USD,
                                         "monthly", 0, plain, sizeof plain,
                                         &k, &d),
                     IR_OK);
    assert_int_equal(strlen(plain), 9 + 48);
    assert_memory_equal(plain, "sk-ir-v1-", 9);
    assert_true(ir_store_key_plain_valid(plain));
    ir_store_key_hash(plain, hash);
    assert_string_equal(hash, k.hash);
    assert_true(snprintf(label, sizeof label, "sk-ir-v1-%.3s...%.3s",
                         plain + 9, plain + 9 + 45) < (int)sizeof label);
    assert_string_equal(k.label, label);
    /* The known SHA-256 of "abc". */
    ir_store_key_hash("abc", hash);
    assert_string_equal(hash, "ba7816bf8f01cfea414140de5dae2223"
                              "b00361a396177a9cb410ff61f20015ad");

    got = get_key(f->c, k.hash);
    assert_string_equal(got.name, "alpha");
    assert_true(got.management);
    assert_false(got.disabled);
    assert_int_equal(got.limit_nanos, 5 * USD);
    assert_string_equal(got.limit_reset, "monthly");
    assert_int_equal(got.created_at, T_MON);
    assert_int_equal(got.period_start, T_MON);

    ir_store_conn_set_now(f->c, T_MON + 10);
    mk_key(f->c, "beta", IR_NANOS_NONE, NULL, &k2);
    assert_int_equal(get_key(f->c, k2.hash).limit_nanos, IR_NANOS_NONE);
    assert_int_equal(ir_store_key_list(f->c, &list, &n, &d), IR_OK);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].name, "beta"); /* newest first */
    assert_string_equal(list[1].name, "alpha");
    ir_free(list);

    assert_int_equal(ir_store_key_auth(f->c, plain, &got, &reason, &d),
                     IR_OK);
    assert_string_equal(got.hash, k.hash);
    plain[20] = plain[20] == 'a' ? 'b' : 'a';
    assert_int_equal(ir_store_key_auth(f->c, plain, &got, &reason, &d),
                     IR_ENOTFOUND);
    assert_int_equal(ir_store_key_auth(f->c, "sk-or-v1-xyz", &got, &reason,
                                       &d),
                     IR_ENOTFOUND);
    assert_int_equal(ir_store_key_get(f->c, "00", &got, &d), IR_ENOTFOUND);
    assert_int_equal(ir_store_key_create(f->c, "x", false, 0, "hourly", 0,
                                         plain, sizeof plain, NULL, &d),
                     IR_EINVAL);
}

static void
test_key_update_delete(void **state)
{
    struct fx *f = *state;
    struct ir_key k, out, *list = NULL;
    struct ir_key_update u = {0};
    struct ir_generation g;
    struct ir_diag d = {""};
    char plain[80];
    const char *reason;
    size_t n = 0;

    ir_store_conn_set_now(f->c, T_MON + 3 * DAY); /* Thursday */
    assert_int_equal(ir_store_key_create(f->c, "k", false, 10 * USD, NULL, 0,
                                         plain, sizeof plain, &k, &d),
                     IR_OK);
    /* Spend on Monday (ledger) and now; then switch to a daily reset:
     * only today's spending counts against the day. */
    mk_gen(&g, "gen-a", k.hash, 2 * USD, T_MON);
    assert_int_equal(ir_store_generation_insert(f->c, &g, &d), IR_OK);
    {
        char id[IR_STORE_RESERVATION_ID_LEN + 1];

        assert_int_equal(ir_store_reserve(f->c, k.hash, USD, 60, id,
                                          &reason, &d),
                         IR_OK);
        mk_gen(&g, "gen-b", k.hash, USD, T_MON + 3 * DAY);
        assert_int_equal(ir_store_settle(f->c, id, USD, &g, &d), IR_OK);
    }
    u.fields = IR_KEY_SET_NAME | IR_KEY_SET_LIMIT | IR_KEY_SET_LIMIT_RESET |
               IR_KEY_SET_EXPIRES | IR_KEY_SET_RATE_LIMIT;
    u.name = "renamed";
    u.limit_nanos = 3 * USD;
    u.limit_reset = "daily";
    u.expires_at = T_MON + 30 * DAY;
    u.rate_limit_requests = 100;
    u.rate_limit_interval_s = 60;
    assert_int_equal(ir_store_key_update(f->c, k.hash, &u, &out, &d), IR_OK);
    out = get_key(f->c, k.hash);
    assert_string_equal(out.name, "renamed");
    assert_int_equal(out.limit_nanos, 3 * USD);
    assert_string_equal(out.limit_reset, "daily");
    assert_int_equal(out.usage_nanos, USD);
    assert_int_equal(out.usage_total_nanos, USD);
    assert_int_equal(out.period_start, T_MON + 3 * DAY);
    assert_int_equal(out.expires_at, T_MON + 30 * DAY);
    assert_int_equal(out.rate_limit_requests, 100);
    assert_int_equal(out.rate_limit_interval_s, 60);
    assert_int_equal(out.updated_at, T_MON + 3 * DAY);

    /* Back to no reset: the limit is against everything spent. */
    u.fields = IR_KEY_SET_LIMIT_RESET | IR_KEY_SET_LIMIT;
    u.limit_reset = NULL;
    u.limit_nanos = IR_NANOS_NONE;
    assert_int_equal(ir_store_key_update(f->c, k.hash, &u, &out, &d), IR_OK);
    assert_string_equal(out.limit_reset, "");
    assert_int_equal(out.limit_nanos, IR_NANOS_NONE);
    assert_int_equal(out.usage_nanos, USD);

    u.fields = IR_KEY_SET_DISABLED;
    u.disabled = true;
    assert_int_equal(ir_store_key_update(f->c, k.hash, &u, &out, &d), IR_OK);
    assert_int_equal(ir_store_key_auth(f->c, plain, &out, &reason, &d),
                     IR_EDENIED);
    assert_string_equal(reason, "key_disabled");
    assert_int_equal(ir_store_key_list_page(f->c, 0, 10, false, &list, &n,
                                            &d),
                     IR_OK);
    assert_int_equal(n, 0);
    ir_free(list);
    assert_int_equal(ir_store_key_list_page(f->c, 0, 10, true, &list, &n,
                                            &d),
                     IR_OK);
    assert_int_equal(n, 1);
    ir_free(list);

    u.fields = IR_KEY_SET_LIMIT_RESET;
    u.limit_reset = "fortnightly";
    assert_int_equal(ir_store_key_update(f->c, k.hash, &u, &out, &d),
                     IR_EINVAL);
    assert_int_equal(ir_store_key_update(f->c, "nope", &u, &out, &d),
                     IR_EINVAL);
    u.fields = IR_KEY_SET_NAME;
    u.name = "x";
    assert_int_equal(ir_store_key_update(f->c, "nope", &u, &out, &d),
                     IR_ENOTFOUND);

    assert_int_equal(ir_store_key_delete(f->c, k.hash, &d), IR_OK);
    assert_int_equal(ir_store_key_get(f->c, k.hash, &out, &d), IR_ENOTFOUND);
    assert_int_equal(ir_store_key_delete(f->c, k.hash, &d), IR_ENOTFOUND);
    /* The ledger keeps the deleted key's generations. */
    assert_int_equal(ir_store_generation_get(f->c, "gen-a", &g, &d), IR_OK);
}

static void
test_key_list_paging(void **state)
{
    struct fx *f = *state;
    struct ir_key k, *list = NULL;
    struct ir_diag d = {""};
    char name[16];
    size_t n = 0;
    int i;

    for (i = 0; i < 5; i++) {
        ir_store_conn_set_now(f->c, T_MON + i);
        snprintf(name, sizeof name, "k%d", i);
        mk_key(f->c, name, IR_NANOS_NONE, NULL, &k);
    }
    assert_int_equal(ir_store_key_list_page(f->c, 1, 2, true, &list, &n, &d),
                     IR_OK);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].name, "k3");
    assert_string_equal(list[1].name, "k2");
    ir_free(list);
    assert_int_equal(ir_store_key_list_page(f->c, 10, 2, true, &list, &n,
                                            &d),
                     IR_OK);
    assert_int_equal(n, 0);
    ir_free(list);
}

/* ---- ledger ----------------------------------------------------------- */

static void
test_generation_roundtrip(void **state)
{
    struct fx *f = *state;
    struct ir_generation g, got;
    struct ir_diag d = {""};

    mk_gen(&g, "gen-img-1790829263-IsDxAD6HYDnBBhQ96S7m", "abc", 44825500,
           T_MON);
    g.latency_ms = 1234;
    g.generation_ms = 1000;
    g.prompt_tokens = 11;
    g.completion_tokens = 747;
    g.image_tokens = 747;
    g.attempts = 2;
    g.streamed = true;
    snprintf(g.referer, sizeof g.referer, "https://app.example/");
    snprintf(g.title, sizeof g.title, "My App");
    snprintf(g.categories, sizeof g.categories, "cli-agent");
    snprintf(g.upstream_id, sizeof g.upstream_id, "resp_1");
    snprintf(g.finish_reason, sizeof g.finish_reason, "stop");
    snprintf(g.user_agent, sizeof g.user_agent, "curl/8");
    snprintf(g.provider_responses, sizeof g.provider_responses,
             "[{\"status\":502},{\"status\":200}]");
    assert_int_equal(ir_store_generation_insert(f->c, &g, &d), IR_OK);
    assert_int_equal(ir_store_generation_get(f->c, g.id, &got, &d), IR_OK);
    assert_memory_equal(&g, &got, sizeof g);
    assert_int_equal(ir_store_generation_insert(f->c, &g, &d), IR_EEXISTS);
    assert_int_equal(ir_store_generation_get(f->c, "gen-x", &got, &d),
                     IR_ENOTFOUND);
    assert_string_equal(d.msg, "Generation gen-x not found");
}

/* ---- money ----------------------------------------------------------- */

static void
test_reserve_limits(void **state)
{
    struct fx *f = *state;
    char id[IR_STORE_RESERVATION_ID_LEN + 1];
    struct ir_key k, got;
    struct ir_key_update u = {0};
    struct ir_diag d = {""};
    const char *reason = NULL;

    ir_store_conn_set_now(f->c, T_MON);
    mk_key(f->c, "lim", USD, NULL, &k);
    assert_int_equal(ir_store_reserve(f->c, k.hash, 600000000, 60, id,
                                      &reason, &d),
                     IR_OK);
    assert_null(reason);
    assert_int_equal(strlen(id), IR_STORE_RESERVATION_ID_LEN);
    got = get_key(f->c, k.hash);
    assert_int_equal(got.reserved_nanos, 600000000);
    assert_int_equal(ir_store_reserve(f->c, k.hash, 400000001, 60, id,
                                      &reason, &d),
                     IR_EDENIED);
    assert_string_equal(reason, "key_limit_exceeded");
    assert_string_equal(id, "");
    /* Exactly up to the limit is fine. */
    assert_int_equal(ir_store_reserve(f->c, k.hash, 400000000, 60, id,
                                      &reason, &d),
                     IR_OK);
    assert_int_equal(ir_store_reserve(f->c, k.hash, 0, 60, id, &reason, &d),
                     IR_OK);
    assert_int_equal(ir_store_reserve(f->c, "missing", 1, 60, id, &reason,
                                      &d),
                     IR_ENOTFOUND);
    assert_int_equal(ir_store_reserve(f->c, k.hash, -1, 60, id, &reason, &d),
                     IR_EINVAL);

    u.fields = IR_KEY_SET_EXPIRES;
    u.expires_at = T_MON + 5;
    assert_int_equal(ir_store_key_update(f->c, k.hash, &u, NULL, &d), IR_OK);
    ir_store_conn_set_now(f->c, T_MON + 5);
    assert_int_equal(ir_store_reserve(f->c, k.hash, 0, 60, id, &reason, &d),
                     IR_EDENIED);
    assert_string_equal(reason, "key_expired");
    u.fields = IR_KEY_SET_DISABLED | IR_KEY_SET_EXPIRES;
    u.disabled = true;
    u.expires_at = 0;
    assert_int_equal(ir_store_key_update(f->c, k.hash, &u, NULL, &d), IR_OK);
    assert_int_equal(ir_store_reserve(f->c, k.hash, 0, 60, id, &reason, &d),
                     IR_EDENIED);
    assert_string_equal(reason, "key_disabled");
}

static void
test_settle_and_release(void **state)
{
    struct fx *f = *state;
    char id[IR_STORE_RESERVATION_ID_LEN + 1], id2[sizeof id];
    struct ir_generation g, got;
    struct ir_diag d = {""};
    const char *reason;
    int64_t total, usage;
    struct ir_key k;

    ir_store_conn_set_now(f->c, T_MON);
    mk_key(f->c, "s", 10 * USD, NULL, &k);
    assert_int_equal(ir_store_reserve(f->c, k.hash, 600000000, 60, id,
                                      &reason, &d),
                     IR_OK);
    assert_int_equal(ir_store_reserve(f->c, k.hash, 300000000, 60, id2,
                                      &reason, &d),
                     IR_OK);
    /* A settle whose generation cannot be recorded (duplicate id) changes
     * nothing: hold, usage and ledger move together or not at all. */
    mk_gen(&g, "gen-dup", k.hash, 0, T_MON);
    assert_int_equal(ir_store_generation_insert(f->c, &g, &d), IR_OK);
    mk_gen(&g, "gen-dup", k.hash, 44825500, T_MON);
    assert_int_equal(ir_store_settle(f->c, id, 44825500, &g, &d),
                     IR_EEXISTS);
    k = get_key(f->c, k.hash);
    assert_int_equal(k.reserved_nanos, 900000000);
    assert_int_equal(k.usage_nanos, 0);

    mk_gen(&g, "gen-1", k.hash, 44825500, T_MON);
    assert_int_equal(ir_store_settle(f->c, id, 44825500, &g, &d), IR_OK);
    k = get_key(f->c, k.hash);
    assert_int_equal(k.reserved_nanos, 300000000);
    assert_int_equal(k.usage_nanos, 44825500);
    assert_int_equal(k.usage_total_nanos, 44825500);
    assert_int_equal(ir_store_generation_get(f->c, "gen-1", &got, &d),
                     IR_OK);
    assert_int_equal(got.cost_nanos, 44825500);
    /* Settling twice is refused by the ledger (same generation id). */
    assert_int_equal(ir_store_settle(f->c, id, 44825500, &g, &d),
                     IR_EEXISTS);
    assert_int_equal(ir_store_settle(f->c, id, 1, NULL, &d), IR_ENOTFOUND);

    mk_gen(&g, "gen-2", k.hash, 0, T_MON);
    snprintf(g.status, sizeof g.status, "error");
    g.http_status = 502;
    assert_int_equal(ir_store_release(f->c, id2, &g, &d), IR_OK);
    k = get_key(f->c, k.hash);
    assert_int_equal(k.reserved_nanos, 0);
    assert_int_equal(k.usage_nanos, 44825500);
    assert_int_equal(ir_store_generation_get(f->c, "gen-2", &got, &d),
                     IR_OK);
    assert_string_equal(got.status, "error");
    assert_int_equal(ir_store_credits_get(f->c, &total, &usage, &d), IR_OK);
    assert_int_equal(total, IR_NANOS_NONE);
    assert_int_equal(usage, 44825500);
}

static void
test_credits(void **state)
{
    struct fx *f = *state;
    char id[IR_STORE_RESERVATION_ID_LEN + 1];
    struct ir_diag d = {""};
    const char *reason;
    int64_t total, usage;
    struct ir_key k;

    mk_key(f->c, "c", IR_NANOS_NONE, NULL, &k);
    assert_int_equal(ir_store_credits_add(f->c, USD, &d), IR_OK);
    assert_int_equal(ir_store_credits_add(f->c, USD / 2, &d), IR_OK);
    assert_int_equal(ir_store_credits_get(f->c, &total, &usage, &d), IR_OK);
    assert_int_equal(total, 3 * USD / 2);
    assert_int_equal(usage, 0);
    assert_int_equal(ir_store_reserve(f->c, k.hash, USD, 60, id, &reason,
                                      &d),
                     IR_OK);
    assert_int_equal(ir_store_reserve(f->c, k.hash, USD, 60, id, &reason,
                                      &d),
                     IR_EDENIED);
    assert_string_equal(reason, "insufficient_credits");
    assert_int_equal(ir_store_credits_set(f->c, IR_NANOS_NONE, &d), IR_OK);
    assert_int_equal(ir_store_reserve(f->c, k.hash, USD, 60, id, &reason,
                                      &d),
                     IR_OK);
    assert_int_equal(ir_store_credits_add(f->c, -1, &d), IR_EINVAL);
}

struct race {
    struct ir_store_conn *c;
    const char *hash;
    int id;
    int ok, denied, failed;
};

#define RACE_THREADS 8
#define RACE_TRIES 25
#define RACE_AMOUNT 7000003LL /* odd, so sums are checked exactly */

static void *
race_thread(void *arg)
{
    struct race *r = arg;
    char id[IR_STORE_RESERVATION_ID_LEN + 1], gid[64];
    struct ir_diag d = {""};
    struct ir_generation g;
    const char *reason;
    int i;

    for (i = 0; i < RACE_TRIES; i++) {
        ir_err err = ir_store_reserve(r->c, r->hash, RACE_AMOUNT, 300, id,
                                      &reason, &d);

        if (err == IR_EDENIED) {
            r->denied++;
            continue;
        }
        if (err != IR_OK) {
            fprintf(stderr, "reserve: %s\n", d.msg);
            r->failed++;
            continue;
        }
        snprintf(gid, sizeof gid, "gen-race-%d-%d", r->id, i);
        mk_gen(&g, gid, r->hash, RACE_AMOUNT, T_MON);
        if (ir_store_settle(r->c, id, RACE_AMOUNT, &g, &d) != IR_OK) {
            fprintf(stderr, "settle: %s\n", d.msg);
            r->failed++;
            continue;
        }
        r->ok++;
    }
    return NULL;
}

static void
test_concurrent_reservations(void **state)
{
    struct fx *f = *state;
    struct race r[RACE_THREADS];
    pthread_t th[RACE_THREADS];
    int i, ok = 0, denied = 0, failed = 0;
    int64_t total, usage;
    struct ir_key k;

    /* The limit covers exactly 50 of the 200 attempts. */
    mk_key(f->c, "race", 50 * RACE_AMOUNT, NULL, &k);
    for (i = 0; i < RACE_THREADS; i++) {
        r[i] = (struct race){fx_conn(f), k.hash, i, 0, 0, 0};
    }
    for (i = 0; i < RACE_THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, race_thread, &r[i]),
                         0);
    for (i = 0; i < RACE_THREADS; i++) {
        pthread_join(th[i], NULL);
        ok += r[i].ok;
        denied += r[i].denied;
        failed += r[i].failed;
        ir_store_conn_close(r[i].c);
    }
    assert_int_equal(failed, 0);
    assert_int_equal(ok, 50);
    assert_int_equal(denied, 150);
    k = get_key(f->c, k.hash);
    assert_int_equal(k.usage_nanos, 50 * RACE_AMOUNT);
    assert_int_equal(k.usage_total_nanos, 50 * RACE_AMOUNT);
    assert_int_equal(k.reserved_nanos, 0);
    assert_int_equal(ir_store_credits_get(f->c, &total, &usage, NULL), IR_OK);
    assert_int_equal(usage, 50 * RACE_AMOUNT);
}

/* Spends amount at now, then checks whether more fits. */
static void
spend(struct ir_store_conn *c, const char *hash, int64_t now, int64_t amount,
      const char *gid)
{
    char id[IR_STORE_RESERVATION_ID_LEN + 1];
    struct ir_generation g;
    struct ir_diag d = {""};
    const char *reason;

    ir_store_conn_set_now(c, now);
    if (ir_store_reserve(c, hash, amount, 60, id, &reason, &d) != IR_OK)
        fail_msg("spend %s: %s", gid, d.msg);
    mk_gen(&g, gid, hash, amount, now);
    assert_int_equal(ir_store_settle(c, id, amount, &g, &d), IR_OK);
}

static ir_err
try_reserve(struct ir_store_conn *c, const char *hash, int64_t now,
            int64_t amount)
{
    char id[IR_STORE_RESERVATION_ID_LEN + 1];
    const char *reason;
    ir_err err;

    ir_store_conn_set_now(c, now);
    err = ir_store_reserve(c, hash, amount, 60, id, &reason, NULL);
    if (err == IR_OK)
        assert_int_equal(ir_store_release(c, id, NULL, NULL), IR_OK);
    return err;
}

static void
test_period_start(void **state)
{
    (void)state;
    assert_int_equal(ir_store_period_start("", T_MON), 0);
    assert_int_equal(ir_store_period_start(NULL, T_MON), 0);
    assert_int_equal(ir_store_period_start("yearly", T_MON), -1);
    assert_int_equal(ir_store_period_start("daily", T_MON + DAY - 1), T_MON);
    assert_int_equal(ir_store_period_start("daily", T_MON + DAY),
                     T_MON + DAY);
    /* Weeks run Monday to Sunday. */
    assert_int_equal(ir_store_period_start("weekly", T_MON), T_MON);
    assert_int_equal(ir_store_period_start("weekly", T_MON + 7 * DAY - 1),
                     T_MON);
    assert_int_equal(ir_store_period_start("weekly", T_MON + 7 * DAY),
                     T_MON + 7 * DAY);
    assert_int_equal(ir_store_period_start("weekly", T_MON - 1),
                     T_MON - 7 * DAY);
    assert_int_equal(ir_store_period_start("weekly", 1766966400 + 3 * DAY),
                     1766966400); /* 2026-01-01 is in the week of Dec 29 */
    assert_int_equal(ir_store_period_start("monthly", 1706745600 - 1),
                     T_MON); /* Jan 31 23:59:59 */
    assert_int_equal(ir_store_period_start("monthly", 1706745600),
                     1706745600);
    assert_int_equal(ir_store_period_start("monthly", 1709251200 - 1),
                     1706745600); /* leap-year Feb 29 */
}

static void
test_limit_reset(void **state)
{
    struct fx *f = *state;
    struct ir_key kd, kw, km, kn;

    ir_store_conn_set_now(f->c, T_MON);
    mk_key(f->c, "daily", USD, "daily", &kd);
    mk_key(f->c, "weekly", USD, "weekly", &kw);
    mk_key(f->c, "monthly", USD, "monthly", &km);
    mk_key(f->c, "none", USD, NULL, &kn);

    /* Daily: Tuesday 23:59:59 is full, Wednesday 00:00 is fresh. */
    spend(f->c, kd.hash, T_MON + 2 * DAY - 1, 800000000, "gen-d1");
    assert_int_equal(try_reserve(f->c, kd.hash, T_MON + 2 * DAY - 1,
                                 300000000),
                     IR_EDENIED);
    assert_int_equal(get_key(f->c, kd.hash).usage_nanos, 800000000);
    ir_store_conn_set_now(f->c, T_MON + 2 * DAY);
    assert_int_equal(get_key(f->c, kd.hash).usage_nanos, 0);
    assert_int_equal(try_reserve(f->c, kd.hash, T_MON + 2 * DAY, USD),
                     IR_OK);
    assert_int_equal(get_key(f->c, kd.hash).usage_total_nanos, 800000000);

    /* Weekly: Sunday night is still the week; Monday starts a new one. */
    spend(f->c, kw.hash, T_MON + 1 * DAY, 800000000, "gen-w1");
    assert_int_equal(try_reserve(f->c, kw.hash, T_MON + 7 * DAY - 1,
                                 300000000),
                     IR_EDENIED);
    assert_int_equal(try_reserve(f->c, kw.hash, T_MON + 7 * DAY, USD),
                     IR_OK);

    /* Monthly: Jan 31 23:59:59 vs Feb 1 00:00. */
    spend(f->c, km.hash, T_MON + 5 * DAY, 800000000, "gen-m1");
    assert_int_equal(try_reserve(f->c, km.hash, 1706745600 - 1, 300000000),
                     IR_EDENIED);
    assert_int_equal(try_reserve(f->c, km.hash, 1706745600, USD), IR_OK);
    ir_store_conn_set_now(f->c, 1706745600);
    assert_int_equal(get_key(f->c, km.hash).period_start, 1706745600);

    /* No reset: never. */
    spend(f->c, kn.hash, T_MON, 800000000, "gen-n1");
    assert_int_equal(try_reserve(f->c, kn.hash, T_MON + 400 * DAY,
                                 300000000),
                     IR_EDENIED);
}

static void
test_key_usage(void **state)
{
    struct fx *f = *state;
    struct ir_key_usage u;
    struct ir_generation g;
    struct ir_diag d = {""};
    struct ir_key k;
    int64_t now = 1706745600 + 2 * DAY + 100; /* Sat Feb 3 2024 */

    mk_key(f->c, "u", IR_NANOS_NONE, NULL, &k);
    spend(f->c, k.hash, now, 1, "gen-today");
    spend(f->c, k.hash, now - DAY, 10, "gen-friday");
    spend(f->c, k.hash, now - 3 * DAY, 100, "gen-wednesday-jan31");
    spend(f->c, k.hash, now - 6 * DAY, 1000, "gen-last-week");
    mk_gen(&g, "gen-unknown-cost", k.hash, IR_NANOS_NONE, now);
    assert_int_equal(ir_store_generation_insert(f->c, &g, &d), IR_OK);
    ir_store_conn_set_now(f->c, now);
    assert_int_equal(ir_store_key_usage(f->c, k.hash, &u, &d), IR_OK);
    assert_int_equal(u.total_nanos, 1111);
    assert_int_equal(u.daily_nanos, 1);
    assert_int_equal(u.weekly_nanos, 111);
    assert_int_equal(u.monthly_nanos, 11);
    assert_int_equal(ir_store_key_usage(f->c, "zz", &u, &d), IR_ENOTFOUND);
}

static void
test_sweep(void **state)
{
    struct fx *f = *state;
    char id[IR_STORE_RESERVATION_ID_LEN + 1], id2[sizeof id];
    struct ir_generation g;
    struct ir_diag d = {""};
    const char *reason;
    int64_t total, usage;
    size_t n = 99;
    struct ir_key k;

    ir_store_conn_set_now(f->c, T_MON);
    mk_key(f->c, "sw", USD, NULL, &k);
    assert_int_equal(ir_store_credits_set(f->c, 100 * USD, &d), IR_OK);
    assert_int_equal(ir_store_reserve(f->c, k.hash, USD / 2, 10, id, &reason,
                                      &d),
                     IR_OK);
    assert_int_equal(ir_store_reserve(f->c, k.hash, USD / 4, 100, id2,
                                      &reason, &d),
                     IR_OK);
    ir_store_conn_set_now(f->c, T_MON + 9);
    assert_int_equal(ir_store_sweep(f->c, &n, &d), IR_OK);
    assert_int_equal(n, 0);
    ir_store_conn_set_now(f->c, T_MON + 10);
    assert_int_equal(ir_store_sweep(f->c, &n, &d), IR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(get_key(f->c, k.hash).reserved_nanos, USD / 4);

    /* The swept request finished after all: it is still billed. */
    mk_gen(&g, "gen-late", k.hash, USD / 10, T_MON);
    assert_int_equal(ir_store_settle(f->c, id, USD / 10, &g, &d), IR_OK);
    k = get_key(f->c, k.hash);
    assert_int_equal(k.reserved_nanos, USD / 4);
    assert_int_equal(k.usage_nanos, USD / 10);

    /* A new connection (a restarted instance) sweeps the rest. */
    ir_store_conn_set_now(f->c, T_MON + 1000);
    assert_int_equal(ir_store_sweep(f->c, &n, &d), IR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(get_key(f->c, k.hash).reserved_nanos, 0);
    assert_int_equal(ir_store_release(f->c, id2, NULL, &d), IR_ENOTFOUND);
    /* The account's hold is back to zero: with 1 USD granted and 0.1
     * spent, exactly 0.9 fits. */
    assert_int_equal(ir_store_credits_get(f->c, &total, &usage, &d), IR_OK);
    assert_int_equal(usage, USD / 10);
    assert_int_equal(ir_store_credits_set(f->c, USD, &d), IR_OK);
    assert_int_equal(ir_store_reserve(f->c, k.hash, USD - USD / 10, 10, id,
                                      &reason, &d),
                     IR_OK);
}

/* A restarted instance gives back its previous life's holds at once, and
 * leaves other instances' holds to their expiry (they may be alive). */
static void
test_release_owner(void **state)
{
    struct fx *f = *state;
    char id[IR_STORE_RESERVATION_ID_LEN + 1], id2[sizeof id], id3[sizeof id];
    char longid[IR_STORE_INSTANCE_MAX + 8];
    struct ir_store_conn *b, *again;
    struct ir_generation g;
    struct ir_diag d = {""};
    const char *reason;
    int64_t sum = -1;
    size_t n = 99;
    struct ir_key k;

    mk_key(f->c, "own", USD, NULL, &k);
    b = fx_conn(f);
    assert_int_equal(ir_store_conn_set_owner(f->c, "host-a:8080"), IR_OK);
    assert_int_equal(ir_store_conn_set_owner(b, "host-b:8080"), IR_OK);
    assert_int_equal(ir_store_conn_set_owner(b, ""), IR_EINVAL);
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    assert_int_equal(ir_store_conn_set_owner(b, longid), IR_EINVAL);
    assert_int_equal(ir_store_reserve(f->c, k.hash, USD / 2, 600, id,
                                      &reason, &d),
                     IR_OK);
    assert_int_equal(ir_store_reserve(f->c, k.hash, USD / 8, 600, id3,
                                      &reason, &d),
                     IR_OK);
    assert_int_equal(ir_store_reserve(b, k.hash, USD / 4, 600, id2, &reason,
                                      &d),
                     IR_OK);
    assert_int_equal(ir_store_reservations(f->c, k.hash, &n, &sum, &d),
                     IR_OK);
    assert_int_equal(n, 3);
    assert_int_equal(sum, USD / 2 + USD / 8 + USD / 4);

    /* host-a dies and comes back: its two holds go, none expired yet. */
    ir_store_conn_close(f->c);
    f->c = fx_conn(f);
    again = f->c;
    assert_int_equal(ir_store_release_owner(again, "host-a:8080", &n, &d),
                     IR_OK);
    assert_int_equal(n, 2);
    assert_int_equal(get_key(again, k.hash).reserved_nanos, USD / 4);
    assert_int_equal(ir_store_reservations(again, NULL, &n, &sum, &d),
                     IR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(sum, USD / 4);
    assert_int_equal(ir_store_release_owner(again, "host-a:8080", &n, &d),
                     IR_OK);
    assert_int_equal(n, 0);
    assert_int_equal(ir_store_release_owner(again, "", &n, &d), IR_EINVAL);

    /* host-b is alive: its hold settles normally. */
    mk_gen(&g, "gen-own-b", k.hash, USD / 10, 1000);
    assert_int_equal(ir_store_settle(b, id2, USD / 10, &g, &d), IR_OK);
    k = get_key(again, k.hash);
    assert_int_equal(k.reserved_nanos, 0);
    assert_int_equal(k.usage_nanos, USD / 10);
    assert_int_equal(ir_store_reservations(again, k.hash, &n, &sum, &d),
                     IR_OK);
    assert_int_equal(n, 0);
    assert_int_equal(sum, 0);
    /* The whole limit less the charge fits again. */
    assert_int_equal(ir_store_reserve(again, k.hash, USD - USD / 10, 600, id,
                                      &reason, &d),
                     IR_OK);
    ir_store_conn_close(b);
}

static void
test_key_byok_flag(void **state)
{
    struct fx *f = *state;
    struct ir_key_update u = {0};
    struct ir_diag d = {""};
    struct ir_key k;

    mk_key(f->c, "byok", IR_NANOS_NONE, NULL, &k);
    assert_false(k.include_byok_in_limit);
    u.fields = IR_KEY_SET_BYOK;
    u.include_byok_in_limit = true;
    assert_int_equal(ir_store_key_update(f->c, k.hash, &u, &k, &d), IR_OK);
    assert_true(k.include_byok_in_limit);
    assert_true(get_key(f->c, k.hash).include_byok_in_limit);
}

static void
test_rate_limit(void **state)
{
    struct fx *f = *state;
    struct ir_diag d = {""};
    int retry = -1, i;

    for (i = 0; i < 3; i++)
        assert_int_equal(ir_store_rate_hit(f->c, "k1", 3, 60, 130, &retry,
                                           &d),
                         IR_OK);
    assert_int_equal(ir_store_rate_hit(f->c, "k1", 3, 60, 150, &retry, &d),
                     IR_EDENIED);
    assert_int_equal(retry, 30); /* the window 120..180 ends at 180 */
    assert_int_equal(ir_store_rate_hit(f->c, "k2", 3, 60, 150, &retry, &d),
                     IR_OK);
    assert_int_equal(ir_store_rate_hit(f->c, "k1", 3, 60, 180, &retry, &d),
                     IR_OK);
    assert_int_equal(retry, 0);
    /* A lagging clock never reopens an old window. */
    assert_int_equal(ir_store_rate_hit(f->c, "k1", 1, 60, 170, &retry, &d),
                     IR_EDENIED);
    assert_int_equal(ir_store_rate_hit(f->c, "k1", 0, 60, 170, &retry, &d),
                     IR_OK);
}

static void
test_app_usage(void **state)
{
    struct fx *f = *state;
    struct ir_store_app_usage *rows = NULL;
    struct ir_generation g;
    struct ir_diag d = {""};
    size_t n = 0;
    int i;

    for (i = 0; i < 3; i++) {
        char id[32];

        snprintf(id, sizeof id, "gen-a%d", i);
        mk_gen(&g, id, "keyA", 100 + i, T_MON + 10 + i);
        snprintf(g.referer, sizeof g.referer, "https://a.example/");
        snprintf(g.title, sizeof g.title, "A");
        g.prompt_tokens = 5;
        g.image_tokens = 7;
        g.num_images = 2;
        assert_int_equal(ir_store_generation_insert(f->c, &g, &d), IR_OK);
    }
    mk_gen(&g, "gen-b", "keyB", 1000, T_MON + 20);
    snprintf(g.referer, sizeof g.referer, "https://b.example/");
    assert_int_equal(ir_store_generation_insert(f->c, &g, &d), IR_OK);
    mk_gen(&g, "gen-a-next-day", "keyA", 5, T_MON + DAY + 1);
    snprintf(g.referer, sizeof g.referer, "https://a.example/");
    snprintf(g.title, sizeof g.title, "A");
    assert_int_equal(ir_store_generation_insert(f->c, &g, &d), IR_OK);
    mk_gen(&g, "gen-failed", "keyA", 0, T_MON + 30);
    snprintf(g.status, sizeof g.status, "error");
    assert_int_equal(ir_store_generation_insert(f->c, &g, &d), IR_OK);
    mk_gen(&g, "gen-out-of-range", "keyA", 9, T_MON + 2 * DAY);
    assert_int_equal(ir_store_generation_insert(f->c, &g, &d), IR_OK);

    assert_int_equal(ir_store_app_usage(f->c, T_MON, T_MON + 2 * DAY, NULL,
                                        &rows, &n, &d),
                     IR_OK);
    assert_int_equal(n, 3);
    assert_int_equal(rows[0].day, T_MON);
    assert_string_equal(rows[0].referer, "https://a.example/");
    assert_string_equal(rows[0].title, "A");
    assert_string_equal(rows[0].model, "openai/gpt-image-1");
    assert_string_equal(rows[0].provider_name, "OpenAI");
    assert_int_equal(rows[0].requests, 3);
    assert_int_equal(rows[0].images, 6);
    assert_int_equal(rows[0].cost_nanos, 303);
    assert_int_equal(rows[0].prompt_tokens, 15);
    assert_int_equal(rows[0].image_tokens, 21);
    assert_int_equal(rows[1].day, T_MON);
    assert_string_equal(rows[1].referer, "https://b.example/");
    assert_int_equal(rows[1].cost_nanos, 1000);
    assert_int_equal(rows[2].day, T_MON + DAY);
    assert_int_equal(rows[2].cost_nanos, 5);
    ir_free(rows);

    assert_int_equal(ir_store_app_usage(f->c, T_MON, T_MON + 2 * DAY, "keyB",
                                        &rows, &n, &d),
                     IR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].requests, 1);
    ir_free(rows);
}

/* Every allocation of ours that can fail, failing in turn: no crash, no
 * leak (ASan), and the call reports an error or succeeds. */
static void
test_alloc_failures(void **state)
{
    struct fx *f = *state;
    struct ir_store_app_usage *rows;
    struct ir_store_conn *c;
    struct ir_key k, *list;
    struct ir_generation g;
    unsigned long i;
    size_t n;
    ir_err err;

    mk_key(f->c, "a", IR_NANOS_NONE, NULL, &k);
    mk_gen(&g, "gen-1", k.hash, 1, T_MON);
    assert_int_equal(ir_store_generation_insert(f->c, &g, NULL), IR_OK);
    for (i = 1; i < 8; i++) {
        list = NULL;
        ir_mem_fail_at(i);
        err = ir_store_key_list(f->c, &list, &n, NULL);
        ir_mem_fail_at(0);
        if (err == IR_OK)
            ir_free(list);
        else
            assert_null(list);
        rows = NULL;
        ir_mem_fail_at(i);
        err = ir_store_app_usage(f->c, 0, T_MON + 1, NULL, &rows, &n, NULL);
        ir_mem_fail_at(0);
        if (err == IR_OK)
            ir_free(rows);
        c = NULL;
        ir_mem_fail_at(i);
        err = ir_store_conn_open(f->url, &c, NULL);
        ir_mem_fail_at(0);
        if (err == IR_OK)
            ir_store_conn_close(c);
        else
            assert_null(c);
    }
}

/* ---- the async shell -------------------------------------------------- */

#define SHELL_JOBS 40

struct shell {
    struct event_base *base;
    int done;
    int created;
};

struct shell_job {
    struct shell *sh;
    int i;
    ir_err err;
};

static void
shell_work(struct ir_store_conn *c, void *arg)
{
    struct shell_job *j = arg;
    char plain[80], name[16];

    snprintf(name, sizeof name, "job%d", j->i);
    j->err = ir_store_key_create(c, name, false, IR_NANOS_NONE, NULL, 0,
                                 plain, sizeof plain, NULL, NULL);
}

static void
shell_done(void *arg)
{
    struct shell_job *j = arg;

    if (j->err == IR_OK)
        j->sh->created++;
    if (++j->sh->done == SHELL_JOBS)
        event_base_loopbreak(j->sh->base);
}

static void
test_async_shell(void **state)
{
    struct fx *f = *state;
    struct shell sh = {NULL, 0, 0};
    struct shell_job jobs[SHELL_JOBS];
    struct ir_store *s = NULL;
    struct ir_diag d = {""};
    size_t n = 0;
    int i;

    /* Store threads activate events on the base: it must be made after
     * libevent is told about threads. */
    assert_int_equal(evthread_use_pthreads(), 0);
    sh.base = event_base_new();
    assert_non_null(sh.base);
    /* A hold of this instance's previous life, given back by the claim. */
    {
        char id[IR_STORE_RESERVATION_ID_LEN + 1];
        const char *reason;
        struct ir_key k;

        mk_key(f->c, "claim", USD, NULL, &k);
        assert_int_equal(ir_store_conn_set_owner(f->c, "shell:1"), IR_OK);
        assert_int_equal(ir_store_reserve(f->c, k.hash, USD, 600, id,
                                          &reason, &d),
                         IR_OK);
    }
    if (ir_store_open(f->url, sh.base, 4, &s, &d) != IR_OK)
        fail_msg("store open: %s", d.msg);
    assert_int_equal(ir_store_claim(s, "", &n, &d), IR_EINVAL);
    assert_int_equal(ir_store_claim(s, "shell:1", &n, &d), IR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ir_store_sweep_start(s, 1), IR_OK);
    assert_int_equal(ir_store_sweep_start(s, 1), IR_EEXISTS);
    for (i = 0; i < SHELL_JOBS; i++) {
        jobs[i] = (struct shell_job){&sh, i, IR_EINTERNAL};
        assert_int_equal(ir_store_run(s, shell_work, shell_done, &jobs[i]),
                         IR_OK);
    }
    /* Callbacks never run inside ir_store_run. */
    assert_int_equal(sh.done, 0);
    assert_int_equal(event_base_dispatch(sh.base), 0);
    assert_int_equal(sh.done, SHELL_JOBS);
    assert_int_equal(sh.created, SHELL_JOBS);
    ir_store_free(s);
    event_base_free(sh.base);
    assert_int_equal(ir_store_key_count(f->c, &n, &d), IR_OK);
    assert_int_equal(n, SHELL_JOBS + 1);
    ir_store_free(NULL);
}

static void
test_open_errors(void **state)
{
    struct ir_store_conn *c = NULL;
    struct ir_store *s = NULL;
    struct ir_diag d = {""};

    (void)state;
    assert_int_equal(ir_store_conn_open("", &c, &d), IR_EINVAL);
    assert_int_equal(ir_store_conn_open("/proc/nope/x.db", &c, &d), IR_EIO);
    assert_int_equal(ir_store_conn_open("postgresql://127.0.0.1:1/x"
                                        "?connect_timeout=2",
                                        &c, &d),
                     IR_ESTORE);
    assert_null(c);
    assert_int_equal(ir_store_open("/tmp/x.db", NULL, 1, &s, &d), IR_EINVAL);
}

/* ---- group commit ------------------------------------------------------ */

/* The batch under test: a gate job holds the store thread until every
 * other job is queued, so those form one batch (on SQLite). */
struct gc {
    struct event_base *base;
    struct ir_store_conn *reader; /* the test's own connection */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool started, open;
    int done, total;
};

enum gc_kind { GC_GATE, GC_RESERVE, GC_SETTLE_DUP, GC_BREAK, GC_GET };

struct gc_job {
    struct gc *g;
    enum gc_kind kind;
    char hash[IR_KEY_HASH_LEN + 1];
    char rsv[IR_STORE_RESERVATION_ID_LEN + 1];
    const struct ir_generation *gen;
    ir_err err;
    int runs;
    bool nosync;          /* queued with ir_store_run_nosync */
    size_t holds_at_done; /* the job's key's holds, read at its done */
    int64_t nanos_at_done;
};

static void
gc_work(struct ir_store_conn *c, void *arg)
{
    struct gc_job *j = arg;
    const char *reason;
    struct ir_key k;

    j->runs++;
    switch (j->kind) {
    case GC_GATE:
        pthread_mutex_lock(&j->g->mu);
        j->g->started = true;
        pthread_cond_broadcast(&j->g->cv);
        while (!j->g->open)
            pthread_cond_wait(&j->g->cv, &j->g->mu);
        pthread_mutex_unlock(&j->g->mu);
        j->err = IR_OK;
        break;
    case GC_RESERVE:
        j->err = ir_store_reserve(c, j->hash, USD, 600, j->rsv, &reason,
                                  NULL);
        break;
    case GC_SETTLE_DUP:
        j->err = ir_store_settle(c, j->rsv, USD / 2, j->gen, NULL);
        break;
    case GC_BREAK:
        /* What SQLite does to a transaction on an I/O error or a full
         * disk: roll all of it back under the batch's feet. */
        j->err = ir_store_db_query(c, "ROLLBACK", NULL, 0, NULL, NULL, NULL,
                                   NULL);
        break;
    case GC_GET:
        j->err = ir_store_key_get(c, j->hash, &k, NULL);
        break;
    }
}

static void
gc_done(void *arg)
{
    struct gc_job *j = arg;

    /* Another connection sees only committed data: a job's effect must
     * already be there when its callback runs. */
    if (j->kind == GC_RESERVE)
        assert_int_equal(ir_store_reservations(j->g->reader, j->hash,
                                               &j->holds_at_done,
                                               &j->nanos_at_done, NULL),
                         IR_OK);
    if (++j->g->done == j->g->total)
        event_base_loopbreak(j->g->base);
}

static void
gc_keep(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
}

static void
gc_run(struct fx *f, struct gc_job *jobs, int n, struct ir_store_stats *st)
{
    struct gc g = {.reader = f->c, .total = n};
    struct event *keep;
    struct ir_store *s = NULL;
    struct ir_diag d = {""};
    int i;

    assert_int_equal(evthread_use_pthreads(), 0);
    g.base = event_base_new();
    assert_non_null(g.base);
    pthread_mutex_init(&g.mu, NULL);
    pthread_cond_init(&g.cv, NULL);
    if (ir_store_open(f->url, g.base, 4, &s, &d) != IR_OK)
        fail_msg("store open: %s", d.msg);
    /* The gate first, and the others only once it holds the thread. */
    for (i = 0; i < n; i++) {
        jobs[i].g = &g;
        assert_int_equal(jobs[i].nosync
                             ? ir_store_run_nosync(s, gc_work, gc_done,
                                                   &jobs[i])
                             : ir_store_run(s, gc_work, gc_done, &jobs[i]),
                         IR_OK);
        if (i > 0)
            continue;
        pthread_mutex_lock(&g.mu);
        while (!g.started)
            pthread_cond_wait(&g.cv, &g.mu);
        pthread_mutex_unlock(&g.mu);
    }
    pthread_mutex_lock(&g.mu);
    g.open = true;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    /* Keeps the loop alive until the completions arrive from the thread;
     * the last one breaks out. */
    keep = event_new(g.base, -1, EV_PERSIST, gc_keep, NULL);
    assert_non_null(keep);
    assert_int_equal(event_add(keep, &(struct timeval){60, 0}), 0);
    assert_int_equal(event_base_dispatch(g.base), 0);
    event_free(keep);
    assert_int_equal(g.done, n);
    ir_store_stats(s, st);
    ir_store_free(s);
    event_base_free(g.base);
    pthread_cond_destroy(&g.cv);
    pthread_mutex_destroy(&g.mu);
}

static void
test_group_commit(void **state)
{
    struct fx *f = *state;
    bool lite = strcmp(ir_store_conn_backend(f->c), "sqlite") == 0;
    struct gc_job jobs[7];
    struct ir_store_stats st;
    struct ir_generation gen;
    struct ir_diag d = {""};
    struct ir_key k[5], kd;
    const char *reason;
    char rsv0[IR_STORE_RESERVATION_ID_LEN + 1];
    int64_t nanos;
    size_t n;
    int i;

    for (i = 0; i < 5; i++)
        mk_key(f->c, "gc", 10 * USD, NULL, &k[i]);
    /* The failing job settles a real hold with a generation id that is
     * taken: it deletes the hold and charges the key before its insert
     * fails, and all of that must roll back. */
    mk_gen(&gen, "gen-taken", k[0].hash, USD / 2, T_MON);
    assert_int_equal(ir_store_generation_insert(f->c, &gen, &d), IR_OK);
    assert_int_equal(ir_store_reserve(f->c, k[0].hash, USD, 600, rsv0,
                                      &reason, &d),
                     IR_OK);
    memset(jobs, 0, sizeof jobs);
    jobs[0].kind = GC_GATE;
    for (i = 1; i <= 4; i++) {
        jobs[i].kind = GC_RESERVE;
        memcpy(jobs[i].hash, k[i].hash, sizeof jobs[i].hash);
    }
    jobs[5].kind = GC_SETTLE_DUP;
    memcpy(jobs[5].rsv, rsv0, sizeof rsv0);
    jobs[5].gen = &gen;
    jobs[6].kind = GC_GET;
    memcpy(jobs[6].hash, k[0].hash, sizeof jobs[6].hash);
    /* Order: gate, reserve k1, k2, settle (fails), reserve k3, k4, get. */
    {
        struct gc_job t = jobs[5];

        jobs[5] = jobs[3];
        jobs[3] = t;
        t = jobs[6];
        jobs[6] = jobs[5];
        jobs[5] = jobs[4];
        jobs[4] = t;
    }
    gc_run(f, jobs, 7, &st);
    if (lite) {
        /* The gate ran alone; the six queued behind it, together. */
        assert_int_equal(st.jobs, 7);
        assert_int_equal(st.batches, 2);
        assert_int_equal(st.commits, 1);
    } else {
        assert_int_equal(st.batches, 0); /* PostgreSQL: one tx a job */
    }
    for (i = 0; i < 7; i++) {
        assert_int_equal(jobs[i].runs, 1);
        if (jobs[i].kind == GC_SETTLE_DUP) {
            assert_int_equal(jobs[i].err, IR_EEXISTS);
            continue;
        }
        assert_int_equal(jobs[i].err, IR_OK);
        if (jobs[i].kind == GC_RESERVE) {
            assert_int_equal(jobs[i].holds_at_done, 1);
            assert_int_equal(jobs[i].nanos_at_done, USD);
            assert_int_equal(get_key(f->c, jobs[i].hash).reserved_nanos,
                             USD);
        }
    }
    /* No trace of the failed settle: its hold, the key's usage and the
     * account are as before it. */
    assert_int_equal(ir_store_reservations(f->c, k[0].hash, &n, &nanos, &d),
                     IR_OK);
    assert_int_equal(n, 1);
    kd = get_key(f->c, k[0].hash);
    assert_int_equal(kd.reserved_nanos, USD);
    assert_int_equal(kd.usage_nanos, 0);
    assert_int_equal(ir_store_reservations(f->c, NULL, &n, &nanos, &d),
                     IR_OK);
    assert_int_equal(n, 5);
    assert_int_equal(nanos, 5 * USD);
}

/* Credit holds queued with ir_store_run_nosync: a batch of only such
 * jobs commits without an fsync, a batch with any other job with one;
 * either way each hold is committed (another connection sees it) when
 * its callback runs. */
static void
test_group_commit_nosync(void **state)
{
    struct fx *f = *state;
    bool lite = strcmp(ir_store_conn_backend(f->c), "sqlite") == 0;
    struct gc_job jobs[4];
    struct ir_store_stats st;
    struct ir_key k[3];
    int i, mixed;

    for (i = 0; i < 3; i++)
        mk_key(f->c, "nosync", 10 * USD, NULL, &k[i]);
    for (mixed = 0; mixed < 2; mixed++) {
        memset(jobs, 0, sizeof jobs);
        jobs[0].kind = GC_GATE;
        for (i = 1; i < 4; i++) {
            jobs[i].kind = GC_RESERVE;
            jobs[i].nosync = !(mixed && i == 2);
            memcpy(jobs[i].hash, k[i - 1].hash, sizeof jobs[i].hash);
        }
        gc_run(f, jobs, 4, &st);
        for (i = 1; i < 4; i++) {
            assert_int_equal(jobs[i].runs, 1);
            assert_int_equal(jobs[i].err, IR_OK);
            assert_int_equal(jobs[i].holds_at_done, (size_t)mixed + 1);
        }
        if (!lite) {
            assert_int_equal(st.nosync, 0);
            continue;
        }
        /* The gate alone, then the three holds together. */
        assert_int_equal(st.batches, 2);
        assert_int_equal(st.commits, 1);
        assert_int_equal(st.nosync, mixed ? 0 : 1);
    }
    for (i = 0; i < 3; i++)
        assert_int_equal(get_key(f->c, k[i].hash).reserved_nanos, 2 * USD);
}

/* A batch SQLite rolls back by itself: the jobs that wrote before it run
 * again alone (each lands exactly once), the rest run alone. */
static void
test_group_commit_rollback(void **state)
{
    struct fx *f = *state;
    struct gc_job jobs[5];
    struct ir_store_stats st;
    struct ir_diag d = {""};
    struct ir_key k[3];
    int64_t nanos;
    size_t n;
    int i;

    if (strcmp(ir_store_conn_backend(f->c), "sqlite") != 0)
        return; /* PostgreSQL does not batch */
    for (i = 0; i < 3; i++)
        mk_key(f->c, "gcr", 10 * USD, NULL, &k[i]);
    memset(jobs, 0, sizeof jobs);
    jobs[0].kind = GC_GATE;
    jobs[1].kind = GC_RESERVE;
    memcpy(jobs[1].hash, k[0].hash, sizeof jobs[1].hash);
    jobs[2].kind = GC_RESERVE;
    memcpy(jobs[2].hash, k[1].hash, sizeof jobs[2].hash);
    jobs[3].kind = GC_BREAK;
    jobs[4].kind = GC_RESERVE;
    memcpy(jobs[4].hash, k[2].hash, sizeof jobs[4].hash);
    gc_run(f, jobs, 5, &st);
    assert_int_equal(st.batches, 2);
    assert_int_equal(jobs[1].runs, 2);
    assert_int_equal(jobs[2].runs, 2);
    assert_int_equal(jobs[3].runs, 1);
    assert_int_equal(jobs[4].runs, 1);
    for (i = 1; i <= 4; i++) {
        if (jobs[i].kind != GC_RESERVE)
            continue;
        assert_int_equal(jobs[i].err, IR_OK);
        assert_int_equal(jobs[i].holds_at_done, 1);
    }
    assert_int_equal(ir_store_reservations(f->c, NULL, &n, &nanos, &d),
                     IR_OK);
    assert_int_equal(n, 3);
    assert_int_equal(nanos, 3 * USD);
    for (i = 0; i < 3; i++)
        assert_int_equal(get_key(f->c, k[i].hash).reserved_nanos, USD);
}

/* ---- the statement cache ------------------------------------------------ */

/* Another session changes the schema under the cached statements. */
static void
cache_alter(struct fx *f)
{
    const char *sql = "ALTER TABLE keys ADD COLUMN x INT; "
                      "CREATE INDEX keys_x ON keys (x)";
    PGresult *res;
    PGconn *pg;
    sqlite3 *db;

    if (!fx_pg) {
        assert_int_equal(sqlite3_open(f->url, &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
        return;
    }
    pg = PQconnectdb(f->url);
    assert_int_equal(PQstatus(pg), CONNECTION_OK);
    res = PQexec(pg, sql);
    assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    PQfinish(pg);
}

/* PostgreSQL: the server ends the store's session; returns once the
 * backend is gone, so the store's next call meets a dead connection. */
static void
cache_kill_session(struct fx *f)
{
    char sql[160];
    PGresult *res;
    PGconn *pg = PQconnectdb(f->url);
    int pid = PQbackendPID(f->c->db), i;
    bool gone = false;

    assert_int_equal(PQstatus(pg), CONNECTION_OK);
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)", pid);
    res = PQexec(pg, sql);
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    PQclear(res);
    snprintf(sql, sizeof sql,
             "SELECT 1 FROM pg_stat_activity WHERE pid = %d", pid);
    for (i = 0; i < 500 && !gone; i++) {
        res = PQexec(pg, sql);
        assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
        gone = PQntuples(res) == 0;
        PQclear(res);
        if (!gone)
            usleep(10000);
    }
    PQfinish(pg);
    assert_true(gone);
}

static void
test_statement_cache(void **state)
{
    struct fx *f = *state;
    struct ir_generation g;
    struct ir_diag d = {""};
    struct ir_key k, got;
    uint64_t p0;
    char id[32];
    int i;

    mk_key(f->c, "cache", IR_NANOS_NONE, NULL, &k);
    mk_gen(&g, "gen-c0", k.hash, 1, T_MON);
    assert_int_equal(ir_store_generation_insert(f->c, &g, &d), IR_OK);
    (void)get_key(f->c, k.hash);
    p0 = f->c->prepares;
    assert_true(p0 > 0);
    for (i = 0; i < 500; i++)
        assert_string_equal(get_key(f->c, k.hash).name, "cache");
    /* A failing statement (the id is taken) is ready for its next use. */
    assert_int_equal(ir_store_generation_insert(f->c, &g, &d), IR_EEXISTS);
    for (i = 1; i <= 50; i++) {
        snprintf(id, sizeof id, "gen-c%d", i);
        mk_gen(&g, id, k.hash, 1, T_MON);
        assert_int_equal(ir_store_generation_insert(f->c, &g, &d), IR_OK);
    }
    assert_int_equal(f->c->prepares, p0);
    /* The cached statements survive a schema change by another session
     * (the database recompiles them). */
    cache_alter(f);
    assert_string_equal(get_key(f->c, k.hash).name, "cache");
    mk_gen(&g, "gen-c99", k.hash, 1, T_MON);
    assert_int_equal(ir_store_generation_insert(f->c, &g, &d), IR_OK);
    assert_int_equal(f->c->prepares, p0);
    if (!fx_pg)
        return;
    /* A lost session loses its statements: the call that finds it dead
     * fails (and reconnects), the next prepares anew and works. */
    cache_kill_session(f);
    assert_int_equal(ir_store_key_get(f->c, k.hash, &got, &d), IR_ESTORE);
    assert_int_equal(ir_store_key_get(f->c, k.hash, &got, &d), IR_OK);
    assert_string_equal(got.name, "cache");
    assert_int_equal(f->c->prepares, p0 + 1);
}

/* ":memory:" is one database for the process, whichever connection
 * opens it, and lives on between connections. */
static void
test_memory_shared(void **state)
{
    struct ir_store_conn *a = NULL, *b = NULL;
    struct ir_diag d = {""};
    struct ir_key k, got;
    char plain[80];

    (void)state;
    if (ir_store_conn_open(":memory:", &a, &d) != IR_OK)
        fail_msg("open: %s", d.msg);
    assert_int_equal(ir_store_key_create(a, "mem", false, IR_NANOS_NONE,
                                         NULL, 0, plain, sizeof plain, &k,
                                         &d),
                     IR_OK);
    ir_store_conn_close(a);
    if (ir_store_conn_open(":memory:", &b, &d) != IR_OK)
        fail_msg("open: %s", d.msg);
    assert_int_equal(ir_store_key_auth(b, plain, &got, &(const char *){NULL},
                                       &d),
                     IR_OK);
    assert_string_equal(got.name, "mem");
    ir_store_conn_close(b);
}

/* ---- groups ------------------------------------------------------------ */

#define STORE_TESTS(X)                                                    \
    X(test_migrations_idempotent)                                          \
    X(test_key_create_get_list)                                            \
    X(test_key_update_delete)                                              \
    X(test_key_list_paging)                                                \
    X(test_generation_roundtrip)                                           \
    X(test_reserve_limits)                                                 \
    X(test_settle_and_release)                                             \
    X(test_credits)                                                        \
    X(test_concurrent_reservations)                                        \
    X(test_limit_reset)                                                    \
    X(test_key_usage)                                                      \
    X(test_sweep)                                                          \
    X(test_release_owner)                                                  \
    X(test_key_byok_flag)                                                  \
    X(test_rate_limit)                                                     \
    X(test_app_usage)                                                      \
    X(test_alloc_failures)                                                 \
    X(test_async_shell)                                                    \
    X(test_group_commit)                                                   \
    X(test_group_commit_rollback)                                          \
    X(test_group_commit_nosync)                                            \
    X(test_statement_cache)

#define AS_TEST(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown),

static void
test_postgres_skipped(void **state)
{
    (void)state;
    skip(); /* IR_TEST_PG_URL unset: run via tests/unit/store/run_pg.sh */
}

int
main(void)
{
    const struct CMUnitTest plain[] = {
        cmocka_unit_test(test_period_start),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_memory_shared),
    };
    const struct CMUnitTest suite[] = {STORE_TESTS(AS_TEST)};
    const struct CMUnitTest pg_skip[] = {
        cmocka_unit_test(test_postgres_skipped),
    };
    const char *pg = getenv("IR_TEST_PG_URL");
    int rc = 0;

    rc |= cmocka_run_group_tests_name("store", plain, NULL, NULL);
    fx_pg = false;
    rc |= cmocka_run_group_tests_name("store.sqlite", suite, NULL, NULL);
    fx_pg = true;
    if (pg != NULL && *pg != '\0')
        rc |= cmocka_run_group_tests_name("store.postgres", suite, NULL,
                                          NULL);
    else
        rc |= cmocka_run_group_tests_name("store.postgres", pg_skip, NULL,
                                          NULL);
    return rc;
}
