/* SPDX-License-Identifier: Apache-2.0
 * tests/integration/test_money_concurrency.c - 200 requests at once
 * against a key whose limit covers exactly 50 of them: exactly 50 are
 * served and charged, 150 get 402, and no credit stays held. First on
 * one router with SQLite, then on two routers sharing one PostgreSQL
 * (scripts/pg-test-server.sh), the requests split between them.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "harness.h"
#include "store/store.h"

#define NANOS 1000000000LL
#define CENT (NANOS / 100)
#define NREQ 200
#define NFIT 50 /* the limit covers this many $0.01 images */
#define BODY                                                              \
    "{\"model\":\"imagerouter-test/priced\",\"prompt\":\"rush\","       \
    "\"size\":\"64x64\"}"

struct made_key {
    char plain[128];
    char hash[IR_KEY_HASH_LEN + 1];
};

static char catalog[1024];

static int
group_setup(void **state)
{
    const char *src = getenv("IR_SOURCE_DIR");

    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    (void)snprintf(catalog, sizeof catalog,
                   "%s/tests/integration/priced_catalog.json",
                   src ? src : ".");
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    curl_global_cleanup();
    return 0;
}

static int64_t
usd_nanos(const json_t *v)
{
    if (!json_is_number(v))
        fail_msg("not a USD number");
    return (int64_t)llround(json_number_value(v) * (double)NANOS);
}

/* A key with limit usd, made over HTTP on s. */
static void
make_key(const struct th_server *s, const char *limit, struct made_key *k)
{
    char body[128];
    struct th_resp r;
    json_t *d;

    (void)snprintf(body, sizeof body, "{\"name\":\"rush\",\"limit\":%s}",
                   limit);
    th_post_json(s, "/api/v1/keys", s->mgmt_key, body, &r);
    if (r.status != 201)
        fail_msg("create key: %ld %s", r.status, r.body);
    d = json_object_get(r.json, "data");
    (void)snprintf(k->plain, sizeof k->plain, "%s",
                   json_string_value(json_object_get(r.json, "key")));
    (void)snprintf(k->hash, sizeof k->hash, "%s",
                   json_string_value(json_object_get(d, "hash")));
    th_resp_free(&r);
}

/* NREQ requests at once, round-robin over the servers; checks the
 * exact split and that the charges in the answers add up. */
static void
rush(struct th_server *const *srvs, size_t nsrv, const struct made_key *k)
{
    static struct th_par reqs[NREQ];
    char urls[4][256];
    size_t i, ok = 0, denied = 0;
    int64_t charged = 0;

    for (i = 0; i < nsrv; i++)
        (void)snprintf(urls[i], sizeof urls[i], "%s/api/v1/images",
                       srvs[i]->base);
    memset(reqs, 0, sizeof reqs);
    for (i = 0; i < NREQ; i++) {
        reqs[i].url = urls[i % nsrv];
        reqs[i].key = k->plain;
        reqs[i].body = BODY;
    }
    th_parallel(reqs, NREQ, 0, NULL, NULL);
    for (i = 0; i < NREQ; i++) {
        json_t *j = json_loads(reqs[i].response ? reqs[i].response : "", 0,
                               NULL);

        if (reqs[i].status == 200) {
            ok++;
            charged += usd_nanos(json_object_get(json_object_get(j,
                                                                 "usage"),
                                                 "cost"));
        } else if (reqs[i].status == 402) {
            const char *reason = json_string_value(json_object_get(
                json_object_get(json_object_get(j, "error"), "metadata"),
                "reason"));

            denied++;
            assert_non_null(reason);
            assert_string_equal(reason, "key_limit_exceeded");
        } else {
            fail_msg("request %zu: status %ld (curl %d): %s", i,
                     reqs[i].status, reqs[i].curl_code,
                     reqs[i].response ? reqs[i].response : "");
        }
        json_decref(j);
    }
    th_par_free(reqs, NREQ);
    assert_int_equal(ok, NFIT);
    assert_int_equal(denied, NREQ - NFIT);
    assert_int_equal(charged, NFIT * CENT);
}

/* GET /api/v1/key on s: usage exactly NFIT cents, nothing remaining. */
static void
check_usage(const struct th_server *s, const struct made_key *k)
{
    struct th_resp r;
    json_t *d;

    th_get(s, "/api/v1/key", k->plain, &r);
    assert_int_equal(r.status, 200);
    d = json_object_get(r.json, "data");
    assert_int_equal(usd_nanos(json_object_get(d, "usage")), NFIT * CENT);
    assert_int_equal(usd_nanos(json_object_get(d, "limit_remaining")), 0);
    th_resp_free(&r);
}

static void
check_no_holds(const char *db, const struct made_key *k)
{
    struct ir_store_conn *c = NULL;
    struct ir_diag d = {""};
    struct ir_key key;
    int64_t sum = -1;
    size_t n = 99;

    if (ir_store_conn_open(db, &c, &d) != IR_OK)
        fail_msg("store %s: %s", db, d.msg);
    assert_int_equal(ir_store_reservations(c, NULL, &n, &sum, &d), IR_OK);
    assert_int_equal(n, 0);
    assert_int_equal(sum, 0);
    assert_int_equal(ir_store_key_get(c, k->hash, &key, &d), IR_OK);
    assert_int_equal(key.reserved_nanos, 0);
    assert_int_equal(key.usage_nanos, NFIT * CENT);
    ir_store_conn_close(c);
}

static struct th_server one; /* kept for the teardown */

static int
one_teardown(void **state)
{
    (void)state;
    th_server_kill(&one); /* still running only after a failure */
    return 0;
}

static void
test_one_router_sqlite(void **state)
{
    const char *args[] = {"--catalog", catalog, NULL};
    struct th_server *srvs[] = {&one};
    struct made_key k;

    (void)state;
    th_server_start(&one, args, NULL);
    make_key(&one, "0.5", &k);
    rush(srvs, 1, &k);
    check_usage(&one, &k);
    check_no_holds(one.db, &k);
    assert_int_equal(th_server_stop(&one), 0);
}

/* ---- two routers, one PostgreSQL -------------------------------------- */

static int
pg_script(const char *verb, const char *dir, int port)
{
    char cmd[1536];
    const char *src = getenv("IR_SOURCE_DIR");

    if (port > 0)
        (void)snprintf(cmd, sizeof cmd,
                       "%s/scripts/pg-test-server.sh %s %s %d >&2",
                       src ? src : ".", verb, dir, port);
    else
        (void)snprintf(cmd, sizeof cmd,
                       "%s/scripts/pg-test-server.sh %s %s >&2",
                       src ? src : ".", verb, dir);
    return system(cmd);
}

/* Kept across a failed assertion, so the teardown can clean up. */
static struct {
    char dir[64];
    int port;
    struct th_server a, b;
} pg;

static int
pg_teardown(void **state)
{
    (void)state;
    th_server_kill(&pg.a);
    th_server_kill(&pg.b);
    if (pg.port != 0)
        (void)pg_script("stop", pg.dir, 0);
    pg.port = 0;
    return 0;
}

static void
test_two_routers_postgres(void **state)
{
    const char *args_a[] = {"--catalog", catalog, "--instance-id",
                            "rush-a", "--store-threads", "4", NULL};
    const char *args_b[] = {"--catalog", catalog, "--instance-id",
                            "rush-b", "--store-threads", "4", NULL};
    struct th_server *srvs[] = {&pg.a, &pg.b};
    char url[128];
    struct made_key k;
    int tries;

    (void)state;
    for (tries = 0; tries < 5 && pg.port == 0; tries++) {
        (void)snprintf(pg.dir, sizeof pg.dir, "/tmp/ir-pg-XXXXXX");
        if (mkdtemp(pg.dir) == NULL)
            fail_msg("mkdtemp failed");
        pg.port = th_free_port();
        if (pg_script("start", pg.dir, pg.port) != 0) {
            (void)pg_script("stop", pg.dir, 0);
            pg.port = 0;
        }
    }
    if (pg.port == 0)
        fail_msg("could not start PostgreSQL (scripts/pg-test-server.sh)");
    (void)snprintf(url, sizeof url,
                   "postgresql://postgres@127.0.0.1:%d/postgres", pg.port);

    th_server_start_db(&pg.a, url, args_a, NULL);
    th_server_start_db(&pg.b, url, args_b, NULL);
    make_key(&pg.a, "0.5", &k);
    rush(srvs, 2, &k);
    check_usage(&pg.a, &k);
    check_usage(&pg.b, &k);
    check_no_holds(url, &k);
    assert_int_equal(th_server_stop(&pg.a), 0);
    assert_int_equal(th_server_stop(&pg.b), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_one_router_sqlite, one_teardown),
        cmocka_unit_test_teardown(test_two_routers_postgres, pg_teardown),
    };

    return cmocka_run_group_tests_name("integration.money_concurrency",
                                       tests, group_setup, group_teardown);
}
