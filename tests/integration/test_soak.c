/* SPDX-License-Identifier: Apache-2.0
 * tests/integration/test_soak.c - 2,000 requests, 32 at a time, through
 * the router while the primary provider fails 30% of its calls (500,
 * 503, 429, 529, a 200 without an image, malformed JSON, a cut-off
 * body) and the second one 10% of the calls it gets: every request must
 * succeed, and the store must hold exactly one successful generation
 * per answer, each with as many attempts as the faults it met.
 */
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

#include "emu.h"
#include "harness.h"
#include "store/store.h"
#include "util/mem.h"

#define SOAK_N 2000
#define SOAK_CONC 32

static const char *const faults[] = {
    "{\"provider_error\":500}",
    "{\"provider_error\":503}",
    "{\"provider_error\":429,\"retry_after\":1}",
    "{\"provider_error\":529}",
    "{\"ok_without_image\":true}",
    "{\"malformed_json\":true}",
    "{\"truncate\":true}",
};
#define NFAULTS (sizeof faults / sizeof faults[0])

/* A fixed pseudo-random sequence: the same faults on every run. */
static unsigned
soak_rand(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fff;
}

/* Queues one script per expected call of the endpoint with upstream
 * model, pct percent of them faults; returns how many are faults. */
static size_t
queue_faults(const struct th_emu *e, const char *model, size_t calls,
             unsigned pct, unsigned seed)
{
    size_t i, nf = 0, cap = calls * 128 + 16, len = 0;
    char *doc = malloc(cap);

    assert_non_null(doc);
    len += (size_t)snprintf(doc, cap, "[");
    for (i = 0; i < calls; i++) {
        bool fault = soak_rand(&seed) % 100 < pct;
        const char *action = fault ? faults[soak_rand(&seed) % NFAULTS]
                                   : "{}";

        nf += fault;
        len += (size_t)snprintf(doc + len, cap - len,
                                "%s{\"match\":{\"provider\":\"openai\","
                                "\"model\":\"%s\"},\"action\":%s}",
                                i ? "," : "", model, action);
        assert_true(len < cap);
    }
    (void)snprintf(doc + len, cap - len, "]");
    th_emu_script(e, doc);
    free(doc);
    return nf;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The store, read after the server stopped: one successful record per
 * answer, and as many of them retried as the primary had faults. */
static void
check_store(const char *db, struct th_batch_item *it, size_t faults_a,
            int64_t calls)
{
    struct ir_store_conn *c = NULL;
    struct ir_store_app_usage *u = NULL;
    struct ir_diag d = {{0}};
    struct ir_generation g;
    size_t i, nu = 0, retried = 0;
    int64_t requests = 0, images = 0, attempts = 0;

    if (ir_store_conn_open(db, &c, &d) != IR_OK)
        fail_msg("store %s: %s", db, d.msg);
    for (i = 0; i < SOAK_N; i++) {
        if (ir_store_generation_get(c, it[i].gen_id, &g, &d) != IR_OK)
            fail_msg("generation %s is not stored: %s", it[i].gen_id, d.msg);
        if (strcmp(g.status, "success") != 0 || g.http_status != 200 ||
            g.num_images != 1)
            fail_msg("generation %s: %s %d, %d images", g.id, g.status,
                     g.http_status, g.num_images);
        if (g.attempts > 1)
            retried++;
        attempts += g.attempts;
    }
    assert_int_equal(ir_store_app_usage(c, 0, INT64_MAX, NULL, &u, &nu, &d),
                     IR_OK);
    for (i = 0; i < nu; i++) {
        requests += u[i].requests;
        images += u[i].images;
    }
    print_message("soak: %d answers, %zu after a primary fault (%zu "
                  "queued), %lld upstream calls\n", SOAK_N, retried,
                  faults_a, (long long)calls);
    assert_int_equal(requests, SOAK_N);
    assert_int_equal(images, SOAK_N);
    assert_int_equal(retried, faults_a);
    /* Every upstream call is one attempt of one stored generation. */
    assert_int_equal(attempts, calls);
    ir_free(u);
    ir_store_conn_close(c);
}

static void
test_soak(void **state)
{
    static char catalog[512];
    const char *emu_args[] = {"--tiny", NULL};
    const char *args[] = {"--catalog", catalog, "--first-byte-timeout", "5",
                          NULL};
    const char *src = getenv("IR_SOURCE_DIR");
    const char *envp[40];
    char own[6][256], dir[] = "/tmp/ir-soak-XXXXXX", db[64], cmd[96];
    struct th_batch_item *it = calloc(SOAK_N, sizeof *it);
    const char **ids = calloc(SOAK_N, sizeof *ids);
    struct th_emu emu;
    struct th_server srv;
    json_t *reqs, *q; /* owned, borrowed */
    size_t i, n = 0, faults_a, primary = 0;
    int64_t calls;

    (void)state;
    assert_non_null(it);
    assert_non_null(ids);
    assert_non_null(mkdtemp(dir));
    (void)snprintf(db, sizeof db, "%s/store.db", dir);
    (void)snprintf(catalog, sizeof catalog,
                   "%s/tests/integration/routing_catalog.json",
                   src ? src : ".");
    th_emu_start(&emu, emu_args);
    for (i = 0; emu.envp[i] != NULL; i++)
        envp[n++] = emu.envp[i];
    (void)snprintf(own[0], sizeof own[0], "IR_TEST_EMU_KEY=tk");
    (void)snprintf(own[1], sizeof own[1], "IR_TEST_EMU_A=%s/openai/v1",
                   emu.base);
    (void)snprintf(own[2], sizeof own[2], "IR_TEST_EMU_B=%s/openai/v1",
                   emu.base);
    (void)snprintf(own[3], sizeof own[3], "IR_TEST_EMU_C=%s/openai/v1",
                   emu.base);
    for (i = 0; i < 4; i++)
        envp[n++] = own[i];
    envp[n] = NULL;
    th_server_start_db(&srv, db, args, envp);

    /* prov-a is every request's primary and fails 30% of the time;
     * prov-b fails 10% of the calls it gets; prov-c never. */
    faults_a = queue_faults(&emu, "gpt-image-1", SOAK_N, 30, 7);
    (void)queue_faults(&emu, "gpt-image-1-mini", faults_a, 10, 11);
    th_post_batch(&srv, "/api/v1/images", srv.key,
                  "{\"model\":\"rt/soak\",\"prompt\":\"soak\","
                  "\"provider\":{\"order\":[\"prov-a\"]}}",
                  SOAK_N, SOAK_CONC, it);
    for (i = 0; i < SOAK_N; i++) {
        if (it[i].status != 200 || !it[i].image || it[i].gen_id[0] == '\0')
            fail_msg("request %zu: status %ld, image %d, id '%s'", i,
                     it[i].status, it[i].image, it[i].gen_id);
        ids[i] = it[i].gen_id;
    }
    qsort(ids, SOAK_N, sizeof *ids, cmp_str);
    for (i = 1; i < SOAK_N; i++)
        if (strcmp(ids[i - 1], ids[i]) == 0)
            fail_msg("generation id %s answered twice", ids[i]);
    /* The primary was asked once per request, and used every fault. */
    reqs = th_emu_requests(&emu, "openai");
    calls = (int64_t)json_array_size(reqs);
    json_array_foreach(reqs, i, q) {
        const char *m = json_string_value(
            json_object_get(json_object_get(q, "body"), "model"));

        if (m != NULL && strcmp(m, "gpt-image-1") == 0)
            primary++;
    }
    json_decref(reqs);
    assert_int_equal(primary, SOAK_N);

    assert_int_equal(th_server_stop(&srv), 0);
    th_emu_stop(&emu);
    check_store(db, it, faults_a, calls);
    (void)snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    (void)!system(cmd);
    free(ids);
    free(it);
}

static int
group_setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    curl_global_cleanup();
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_soak),
    };

    return cmocka_run_group_tests_name("integration.soak", tests,
                                       group_setup, group_teardown);
}
