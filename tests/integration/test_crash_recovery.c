/* SPDX-License-Identifier: Apache-2.0
 * tests/integration/test_crash_recovery.c - kill -9 of the router under
 * load, then a restart on the same store with the same --instance-id:
 * every generation a client fully received is on record with its cost,
 * the key's usage is exactly what the ledger charged, and no credit
 * stays held (the restart gives back its previous life's holds at once,
 * long before they would expire).
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
#include "util/mem.h"

#define NANOS 1000000000LL
#define CENT (NANOS / 100)
#define NREQ 400
#define PARALLEL 40
#define KILL_AFTER 80 /* completions before the kill */
#define BODY                                                              \
    "{\"model\":\"imagerouter-test/priced\",\"prompt\":\"crash\","      \
    "\"resolution\":\"512\"}"

static struct th_server srv;
static char catalog[1024];

struct made_key {
    char plain[128];
    char hash[IR_KEY_HASH_LEN + 1];
};

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
    th_server_kill(&srv); /* after a failed assertion */
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

static void
make_key(struct made_key *k)
{
    struct th_resp r;

    th_post_json(&srv, "/api/v1/keys", srv.mgmt_key,
                 "{\"name\":\"crash\"}", &r);
    if (r.status != 201)
        fail_msg("create key: %ld %s", r.status, r.body);
    (void)snprintf(k->plain, sizeof k->plain, "%s",
                   json_string_value(json_object_get(r.json, "key")));
    (void)snprintf(k->hash, sizeof k->hash, "%s",
                   json_string_value(json_object_get(
                       json_object_get(r.json, "data"), "hash")));
    th_resp_free(&r);
}

/* Open holds of the key (and of everyone), straight from the store. */
static size_t
holds(const char *hash, int64_t *key_reserved)
{
    struct ir_store_conn *c = NULL;
    struct ir_diag d = {""};
    struct ir_key k;
    int64_t sum = 0;
    size_t n = 0;

    if (ir_store_conn_open(srv.db, &c, &d) != IR_OK)
        fail_msg("store: %s", d.msg);
    assert_int_equal(ir_store_reservations(c, hash, &n, &sum, &d), IR_OK);
    assert_int_equal(ir_store_key_get(c, hash, &k, &d), IR_OK);
    *key_reserved = k.reserved_nanos;
    ir_store_conn_close(c);
    return n;
}

/* What the ledger charged the key: successful generations and their sum. */
static void
ledger(const char *hash, int64_t *requests, int64_t *cost)
{
    struct ir_store_conn *c = NULL;
    struct ir_store_app_usage *rows = NULL;
    struct ir_diag d = {""};
    size_t n = 0, i;

    if (ir_store_conn_open(srv.db, &c, &d) != IR_OK)
        fail_msg("store: %s", d.msg);
    assert_int_equal(ir_store_app_usage(c, 0, INT64_C(1) << 40, hash, &rows,
                                        &n, &d),
                     IR_OK);
    *requests = *cost = 0;
    for (i = 0; i < n; i++) {
        *requests += rows[i].requests;
        *cost += rows[i].cost_nanos;
    }
    ir_free(rows);
    ir_store_conn_close(c);
}

struct killer {
    bool killed;
    size_t at;
};

static void
kill_tick(size_t done, void *arg)
{
    struct killer *k = arg;

    if (!k->killed && done >= KILL_AFTER) {
        th_server_kill(&srv); /* kill -9 with PARALLEL requests in flight */
        k->killed = true;
        k->at = done;
    }
}

/* Each 200 the client got in full: on record, successful, at its
 * price. Returns how many; *sum gets their charges. */
static size_t
check_received(const struct th_par *reqs, size_t n, const char *key,
               int64_t *sum)
{
    char path[160];
    struct th_resp r;
    size_t i, got = 0;

    *sum = 0;
    for (i = 0; i < n; i++) {
        json_t *j, *g;
        int64_t cost;

        if (reqs[i].status != 200)
            continue;
        assert_true(strncmp(reqs[i].gen_id, "gen-img-", 8) == 0);
        j = json_loads(reqs[i].response, 0, NULL);
        assert_non_null(j);
        cost = usd_nanos(json_object_get(json_object_get(j, "usage"),
                                         "cost"));
        json_decref(j);
        assert_int_equal(cost, CENT);
        *sum += cost;
        got++;
        (void)snprintf(path, sizeof path, "/api/v1/generation?id=%s",
                       reqs[i].gen_id);
        th_get(&srv, path, key, &r);
        if (r.status != 200)
            fail_msg("%s: %ld %s", reqs[i].gen_id, r.status, r.body);
        g = json_object_get(r.json, "data");
        assert_string_equal(json_string_value(json_object_get(g, "status")),
                            "success");
        assert_int_equal(usd_nanos(json_object_get(g, "total_cost")), cost);
        th_resp_free(&r);
    }
    return got;
}

/* The key was charged exactly what the ledger recorded; that is
 * everything received, plus at most the requests cut off by the kill
 * after their charge was recorded but before their answer got out (a
 * delivered generation is billed; none is billed twice). Returns the
 * key's usage. */
static int64_t
check_charges(const struct made_key *k, size_t nreceived, int64_t received)
{
    int64_t usage, led_req = 0, led_cost = 0;
    struct th_resp r;

    th_get(&srv, "/api/v1/key", k->plain, &r);
    assert_int_equal(r.status, 200);
    usage = usd_nanos(json_object_get(json_object_get(r.json, "data"),
                                      "usage"));
    th_resp_free(&r);
    ledger(k->hash, &led_req, &led_cost);
    print_message("received %zu (%lld nanos); ledger %lld generations "
                  "(%lld nanos); key usage %lld nanos\n",
                  nreceived, (long long)received, (long long)led_req,
                  (long long)led_cost, (long long)usage);
    assert_int_equal(usage, led_cost);
    assert_int_equal(led_cost, led_req * CENT);
    assert_true(led_req >= (int64_t)nreceived);
    assert_true(usage >= received);
    assert_true(usage - received <= PARALLEL * CENT);
    return usage;
}

static void
test_kill_under_load(void **state)
{
    const char *life[] = {"--catalog", catalog, "--instance-id",
                          "crash-test", NULL};
    const char *other[] = {"--catalog", catalog, "--instance-id",
                           "someone-else", NULL};
    static struct th_par reqs[NREQ];
    struct killer killer = {false, 0};
    char url[256];
    int64_t received = 0, reserved = -1, usage;
    size_t i, nreceived = 0, before;
    struct made_key k;
    struct th_resp r;

    (void)state;
    th_server_start(&srv, life, NULL);
    make_key(&k);
    (void)snprintf(url, sizeof url, "%s/api/v1/images", srv.base);
    memset(reqs, 0, sizeof reqs);
    for (i = 0; i < NREQ; i++) {
        reqs[i].url = url;
        reqs[i].key = k.plain;
        reqs[i].body = BODY;
    }
    th_parallel(reqs, NREQ, PARALLEL, kill_tick, &killer);
    assert_true(killer.killed);

    /* The dead process left holds; nothing has swept them (they expire
     * only after the request deadline plus two minutes). */
    before = holds(k.hash, &reserved);
    print_message("killed after %zu answers; %zu holds left open\n",
                  killer.at, before);
    assert_true(before > 0);
    assert_true(reserved > 0);

    /* Another instance id does not touch them: they may be alive. */
    th_server_restart(&srv, other, NULL);
    assert_int_equal(holds(k.hash, &reserved), before);
    th_server_kill(&srv);

    /* The same instance again: its previous life's holds go at once. */
    th_server_restart(&srv, life, NULL);
    assert_int_equal(holds(k.hash, &reserved), 0);
    assert_int_equal(reserved, 0);

    /* Every answer received in full is on record, at its price. */
    nreceived = check_received(reqs, NREQ, k.plain, &received);
    th_par_free(reqs, NREQ);
    assert_true(nreceived >= KILL_AFTER - PARALLEL);

    usage = check_charges(&k, nreceived, received);

    /* The restarted router works, and counts on from there. */
    th_post_json(&srv, "/api/v1/images", k.plain, BODY, &r);
    assert_int_equal(r.status, 200);
    th_resp_free(&r);
    th_get(&srv, "/api/v1/key", k.plain, &r);
    assert_int_equal(usd_nanos(json_object_get(json_object_get(r.json,
                                                               "data"),
                                               "usage")),
                     usage + CENT);
    th_resp_free(&r);
    assert_int_equal(holds(k.hash, &reserved), 0);
    assert_int_equal(th_server_stop(&srv), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_under_load),
    };

    return cmocka_run_group_tests_name("integration.crash_recovery", tests,
                                       group_setup, group_teardown);
}
