/* SPDX-License-Identifier: Apache-2.0
 * tests/integration/test_routing.c - routing through the real router
 * against scripted emulator faults (behavior.md sections 3-4): fallbacks
 * on every retryable failure class, allow_fallbacks:false, provider
 * order/only/ignore/sort, price-weighted load balancing, the health
 * cooldown and its probe, n split over single-image calls, cancellation
 * when the client goes away, and fallbacks while streaming.
 *
 * routing_catalog.json gives every model three endpoints on the
 * emulator's OpenAI mount, told apart by upstream model: prov-a
 * (gpt-image-1, $0.01), prov-b (gpt-image-1-mini, $0.02), prov-c
 * (gpt-image-2, $0.03). Health is kept per endpoint and model, so each
 * test uses its own model and one test's failures do not reorder
 * another's plan. No assertion depends on timing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "emu.h"
#include "harness.h"

#define MODEL_A "gpt-image-1"
#define MODEL_B "gpt-image-1-mini"
#define MODEL_C "gpt-image-2"
#define MODEL_S "gpt-image-1.5"

static struct th_emu emu;
static struct th_server srv;
static char env_own[8][256];
static const char *env[48];

/* ---- fixtures -------------------------------------------------------- */

static void
env_add(size_t *n, size_t *own, const char *fmt, const char *arg)
{
    (void)snprintf(env_own[*own], sizeof env_own[*own], fmt, arg);
    env[(*n)++] = env_own[(*own)++];
}

static int
group_setup(void **state)
{
    static char catalog[512];
    const char *emu_args[] = {"--tiny", NULL};
    const char *args[] = {"--catalog", catalog, "--first-byte-timeout", "2",
                          NULL};
    const char *src = getenv("IR_SOURCE_DIR");
    char dead[64];
    size_t n = 0, own = 0, i;

    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    (void)snprintf(catalog, sizeof catalog,
                   "%s/tests/integration/routing_catalog.json",
                   src ? src : ".");
    th_emu_start(&emu, emu_args);
    for (i = 0; emu.envp[i] != NULL; i++)
        env[n++] = emu.envp[i];
    env_add(&n, &own, "IR_TEST_EMU_KEY=%s", "tk");
    env_add(&n, &own, "IR_TEST_EMU_A=%s/openai/v1", emu.base);
    env_add(&n, &own, "IR_TEST_EMU_B=%s/openai/v1", emu.base);
    env_add(&n, &own, "IR_TEST_EMU_C=%s/openai/v1", emu.base);
    env_add(&n, &own, "IR_TEST_EMU_S=%s/openai/v1", emu.base);
    /* A port nobody listens on: connection refused. */
    (void)snprintf(dead, sizeof dead, "http://127.0.0.1:%d/v1",
                   th_free_port());
    env_add(&n, &own, "IR_TEST_DEAD=%s", dead);
    env[n] = NULL;
    th_server_start(&srv, args, env);
    return 0;
}

static int
group_teardown(void **state)
{
    int rc;

    (void)state;
    rc = th_server_stop(&srv);
    th_emu_stop(&emu);
    curl_global_cleanup();
    return rc == 0 ? 0 : -1;
}

/* ---- helpers ---------------------------------------------------------- */

static void
gen(const char *model, const char *extra, struct th_resp *r)
{
    char body[2048];

    (void)snprintf(body, sizeof body,
                   "{\"model\":\"%s\",\"prompt\":\"a lighthouse\"%s%s}",
                   model, extra ? "," : "", extra ? extra : "");
    th_post_json(&srv, "/api/v1/images", srv.key, body, r);
}

static void
expect_provider(const struct th_resp *r, long status, const char *name)
{
    char got[128];

    if (r->status != status)
        fail_msg("status %ld, want %ld: %s", r->status, status, r->body);
    if (name == NULL)
        return;
    if (th_header(r, "X-Provider-Name", got, sizeof got) == NULL)
        fail_msg("no X-Provider-Name, want %s", name);
    if (strcmp(got, name) != 0)
        fail_msg("served by %s, want %s", got, name);
}

/* The upstream models the emulator saw, in arrival order, as one
 * space-separated string ("gpt-image-1 gpt-image-1-mini"). */
static void
seen(char *out, size_t size)
{
    json_t *reqs = th_emu_requests(&emu, "openai"), *q; /* owned, borrowed */
    size_t i, len = 0;

    out[0] = '\0';
    json_array_foreach(reqs, i, q) {
        const char *m = json_string_value(
            json_object_get(json_object_get(q, "body"), "model"));
        int k = snprintf(out + len, size - len, "%s%s", i ? " " : "",
                         m ? m : "?");

        if (k < 0 || (size_t)k >= size - len)
            break;
        len += (size_t)k;
    }
    json_decref(reqs);
}

static void
expect_seen(const char *want)
{
    char got[1024];

    seen(got, sizeof got);
    if (strcmp(got, want) != 0)
        fail_msg("the emulator saw [%s], want [%s]", got, want);
}

static size_t
count_path(const char *provider, const char *needle)
{
    json_t *reqs = th_emu_requests(&emu, provider), *q;
    size_t i, n = 0;

    json_array_foreach(reqs, i, q) {
        const char *p = json_string_value(json_object_get(q, "path"));

        if (needle == NULL || (p != NULL && strstr(p, needle) != NULL))
            n++;
    }
    json_decref(reqs);
    return n;
}

static void
script_a(const char *action)
{
    char s[512];

    (void)snprintf(s, sizeof s,
                   "{\"match\":{\"provider\":\"openai\",\"model\":\"%s\"},"
                   "\"action\":%s}",
                   MODEL_A, action);
    th_emu_script(&emu, s);
}

static int64_t
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- fallbacks on each retryable failure ---------------------------- */

static const char order_abc[] =
    "\"provider\":{\"order\":[\"prov-a\",\"prov-b\",\"prov-c\"]}";

static void
fallback_case(const char *action)
{
    struct th_resp r;

    th_emu_reset(&emu);
    script_a(action);
    gen("rt/fallback", order_abc, &r);
    expect_provider(&r, 200, "Prov B");
    expect_seen(MODEL_A " " MODEL_B);
    th_resp_free(&r);
}

static void
test_fallback_on_500(void **state)
{
    (void)state;
    fallback_case("{\"provider_error\":500}");
    fallback_case("{\"provider_error\":503}");
}

static void
test_fallback_on_429(void **state)
{
    (void)state;
    fallback_case("{\"provider_error\":429,\"retry_after\":7}");
}

static void
test_fallback_on_529(void **state)
{
    (void)state;
    fallback_case("{\"provider_error\":529}");
}

static void
test_fallback_on_200_without_image(void **state)
{
    (void)state;
    fallback_case("{\"ok_without_image\":true}");
    fallback_case("{\"malformed_json\":true}");
    fallback_case("{\"truncate\":true}");
}

/* A provider that never answers: the first-byte timeout (2 s here) ends
 * the attempt, the next provider serves, and the hung transfer is
 * closed. */
static void
test_fallback_on_hang(void **state)
{
    json_t *stats;
    size_t n = 0;
    int i;

    (void)state;
    fallback_case("{\"hang\":true}");
    for (i = 0; i < 100 && n == 0; i++) {
        stats = th_emu_stats(&emu);
        n = json_array_size(json_object_get(stats, "aborts"));
        json_decref(stats);
        if (n == 0)
            usleep(50000);
    }
    if (n == 0)
        fail_msg("the hung upstream request was never closed");
}

/* Connection refused: one retry on the same endpoint, then the next. */
static void
test_fallback_on_connection_refused(void **state)
{
    struct th_resp r;

    (void)state;
    th_emu_reset(&emu);
    gen("rt/dead",
        "\"provider\":{\"order\":[\"prov-dead\",\"prov-a\"]}", &r);
    expect_provider(&r, 200, "Prov A");
    expect_seen(MODEL_A);
    th_resp_free(&r);
}

/* ---- allow_fallbacks:false: the primary's own error ------------------- */

static void
nofallback_case(const char *action, long status, const char *retry_after)
{
    struct th_resp r;
    char ra[32];

    th_emu_reset(&emu);
    script_a(action);
    gen("rt/fallback",
        "\"provider\":{\"order\":[\"prov-a\"],\"allow_fallbacks\":false}",
        &r);
    expect_provider(&r, status, NULL);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(r.json, "error"), "code")),
                     status);
    if (retry_after != NULL) {
        assert_non_null(th_header(&r, "Retry-After", ra, sizeof ra));
        assert_string_equal(ra, retry_after);
    }
    assert_null(th_header(&r, "X-Provider-Name", ra, sizeof ra));
    expect_seen(MODEL_A);
    th_resp_free(&r);
}

static void
test_no_fallback_keeps_the_error(void **state)
{
    (void)state;
    nofallback_case("{\"provider_error\":429,\"retry_after\":7}", 429, "7");
    nofallback_case("{\"provider_error\":529}", 529, NULL);
    nofallback_case("{\"provider_error\":500}", 502, NULL);
    nofallback_case("{\"hang\":true}", 524, NULL);
}

/* sort:price without fallbacks is the cheapest endpoint alone. */
static void
test_no_fallback_with_sort(void **state)
{
    struct th_resp r;

    (void)state;
    th_emu_reset(&emu);
    script_a("{\"provider_error\":529}");
    gen("rt/nofb",
        "\"provider\":{\"sort\":\"price\",\"allow_fallbacks\":false}", &r);
    expect_provider(&r, 529, NULL);
    expect_seen(MODEL_A);
    th_resp_free(&r);
}

/* A content-policy refusal is the caller's problem, not the provider's:
 * no other provider is asked. */
static void
test_content_policy_is_not_retried(void **state)
{
    struct th_resp r;
    json_t *meta;

    (void)state;
    th_emu_reset(&emu);
    script_a("{\"content_policy\":true}");
    gen("rt/fallback", order_abc, &r);
    expect_provider(&r, 400, NULL);
    meta = json_object_get(json_object_get(r.json, "error"), "metadata");
    assert_string_equal(json_string_value(json_object_get(meta,
                                                          "error_type")),
                        "content_policy_violation");
    expect_seen(MODEL_A);
    th_resp_free(&r);
}

/* ---- provider preferences ---------------------------------------------- */

struct pref_case {
    const char *provider;  /* the provider object */
    const char *name;      /* who serves */
    const char *seen;      /* what the emulator saw */
};

static void
test_provider_preferences(void **state)
{
    static const struct pref_case cases[] = {
        {"{\"order\":[\"prov-c\",\"prov-a\"]}", "Prov C", MODEL_C},
        {"{\"order\":[\"Prov B\"]}", "Prov B", MODEL_B},
        {"{\"only\":[\"prov-b\"]}", "Prov B", MODEL_B},
        {"{\"only\":[\"prov-c\"]}", "Prov C", MODEL_C},
        {"{\"ignore\":[\"prov-a\",\"prov-b\"]}", "Prov C", MODEL_C},
        {"{\"ignore\":[\"prov-a\"],\"sort\":\"price\"}", "Prov B", MODEL_B},
        {"{\"sort\":\"price\"}", "Prov A", MODEL_A},
        {"{\"sort\":{\"by\":\"price\"}}", "Prov A", MODEL_A},
        {"{\"only\":[\"prov-c\",\"prov-b\"],\"sort\":\"price\"}", "Prov B",
         MODEL_B},
    };
    struct th_resp r;
    char extra[256];
    size_t i;
    int k;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (k = 0; k < 3; k++) {
            th_emu_reset(&emu);
            (void)snprintf(extra, sizeof extra, "\"provider\":%s",
                           cases[i].provider);
            gen("rt/prefs", extra, &r);
            if (r.status != 200)
                fail_msg("%s: %ld %s", cases[i].provider, r.status, r.body);
            expect_provider(&r, 200, cases[i].name);
            expect_seen(cases[i].seen);
            th_resp_free(&r);
        }
}

/* provider.only also bounds the fallbacks. */
static void
test_only_bounds_fallbacks(void **state)
{
    struct th_resp r;

    (void)state;
    th_emu_reset(&emu);
    script_a("{\"provider_error\":500}");
    gen("rt/fallback", "\"provider\":{\"only\":[\"prov-a\"]}", &r);
    expect_provider(&r, 502, NULL);
    expect_seen(MODEL_A);
    th_resp_free(&r);

    th_emu_reset(&emu);
    gen("rt/prefs", "\"provider\":{\"only\":[\"nobody\"]}", &r);
    expect_provider(&r, 404, NULL);
    expect_seen("");
    th_resp_free(&r);
}

/* ---- load balancing ---------------------------------------------------- */

/* Prices 1:2:3 weigh 1 : 1/4 : 1/9, so the cheapest is the primary of
 * 36/49 = 73% of requests, the others 18% and 8%. Over 200 requests the
 * bounds below are more than four standard deviations wide. */
static void
test_load_balancing(void **state)
{
    enum { N = 200 };
    struct th_batch_item *it = calloc(N, sizeof *it);
    size_t i, a = 0, b = 0, c = 0;

    (void)state;
    th_emu_reset(&emu);
    th_post_batch(&srv, "/api/v1/images", srv.key,
                  "{\"model\":\"rt/balance\",\"prompt\":\"lb\"}", N, 8, it);
    for (i = 0; i < N; i++) {
        if (it[i].status != 200 || !it[i].image)
            fail_msg("request %zu: %ld", i, it[i].status);
        if (strcmp(it[i].provider, "Prov A") == 0)
            a++;
        else if (strcmp(it[i].provider, "Prov B") == 0)
            b++;
        else if (strcmp(it[i].provider, "Prov C") == 0)
            c++;
    }
    print_message("load balancing over %d: A %zu, B %zu, C %zu "
                  "(expected about 147, 37, 16)\n", N, a, b, c);
    assert_int_equal(a + b + c, N);
    assert_true(a > N * 60 / 100);
    assert_true(a < N * 90 / 100);
    assert_true(b >= 10);
    assert_true(c >= 1);
    assert_true(a > b && a > c);
    /* Nothing failed, so every request made exactly one upstream call. */
    assert_int_equal(count_path("openai", NULL), N);
    free(it);
}

/* ---- health: cooldown and probe ---------------------------------------- */

static size_t
count_model(const char *model)
{
    json_t *reqs = th_emu_requests(&emu, "openai"), *q;
    size_t i, n = 0;

    json_array_foreach(reqs, i, q) {
        const char *m = json_string_value(
            json_object_get(json_object_get(q, "body"), "model"));

        if (m != NULL && strcmp(m, model) == 0)
            n++;
    }
    json_decref(reqs);
    return n;
}

/* Three failures in a row put an endpoint in a 10 s cooldown: it gets
 * no requests, although it is the cheapest; then one request probes it
 * first. The probe comes while the failures are still inside the 30 s
 * window, which alone would keep it behind the healthy ones. */
static void
test_cooldown_then_probe(void **state)
{
    struct th_resp r;
    int64_t cooled;
    int k;

    (void)state;
    th_emu_reset(&emu);
    th_emu_script(&emu, "{\"match\":{\"model\":\"" MODEL_A "\"},"
                        "\"times\":-1,\"action\":{\"provider_error\":500}}");
    /* provider.order makes prov-a the primary whatever its health. */
    for (k = 0; k < 3; k++) {
        gen("rt/cooldown", "\"provider\":{\"order\":[\"prov-a\"]}", &r);
        expect_provider(&r, 200, "Prov B");
        th_resp_free(&r);
    }
    cooled = mono_ms();
    assert_int_equal(count_model(MODEL_A), 3);
    /* Cooling: default routing and sort:price leave prov-a alone. */
    th_emu_reset(&emu);
    for (k = 0; k < 6; k++) {
        gen("rt/cooldown", k % 2 ? "\"provider\":{\"sort\":\"price\"}" : NULL,
            &r);
        expect_provider(&r, 200, NULL);
        th_resp_free(&r);
    }
    assert_int_equal(count_model(MODEL_A), 0);
    assert_int_equal(count_path("openai", NULL), 6);
    /* After the cooldown, one request probes prov-a first; it has
     * recovered and serves. */
    while (mono_ms() < cooled + 10500)
        usleep(100000);
    th_emu_reset(&emu);
    gen("rt/cooldown", NULL, &r);
    expect_provider(&r, 200, "Prov A");
    expect_seen(MODEL_A);
    th_resp_free(&r);
}

/* ---- n above the per-call maximum: parallel calls ---------------------- */

static void
test_split_into_parallel_calls(void **state)
{
    struct th_resp r;
    json_t *reqs, *q, *data;
    int64_t last_start = 0, first_done = INT64_MAX;
    size_t i;

    (void)state;
    th_emu_reset(&emu);
    /* Each call takes 1 s: parallel calls all start before any ends. */
    th_emu_script(&emu, "{\"match\":{\"model\":\"" MODEL_S "\"},\"times\":4,"
                        "\"action\":{\"delay_ms\":1000}}");
    gen("rt/split", "\"n\":4", &r);
    expect_provider(&r, 200, "Prov S");
    data = json_object_get(r.json, "data");
    assert_int_equal(json_array_size(data), 4);
    reqs = th_emu_requests(&emu, "openai");
    assert_int_equal(json_array_size(reqs), 4);
    json_array_foreach(reqs, i, q) {
        json_t *n = json_object_get(json_object_get(q, "body"), "n");
        int64_t t = json_integer_value(json_object_get(q, "time_ms"));
        int64_t d = json_integer_value(json_object_get(q, "done_ms"));

        assert_true(n == NULL || json_integer_value(n) == 1);
        assert_true(d >= t);
        if (t > last_start)
            last_start = t;
        if (d < first_done)
            first_done = d;
    }
    if (last_start >= first_done)
        fail_msg("the calls did not overlap: last start %lld, first end %lld",
                 (long long)last_start, (long long)first_done);
    json_decref(reqs);
    th_resp_free(&r);

    /* One call fails: the three images of the others are returned. */
    th_emu_reset(&emu);
    th_emu_script(&emu, "{\"match\":{\"model\":\"" MODEL_S "\"},"
                        "\"action\":{\"provider_error\":500}}");
    gen("rt/split", "\"n\":4", &r);
    expect_provider(&r, 200, "Prov S");
    assert_int_equal(json_array_size(json_object_get(r.json, "data")), 3);
    assert_int_equal(count_path("openai", NULL), 4);
    th_resp_free(&r);
}

/* ---- the client goes away --------------------------------------------- */

typedef bool close_when_fn(void *arg);

/* POSTs body and closes the connection once when(arg) holds (checked
 * every 50 ms, for at most 15 s). False if the answer came first. */
static bool
post_then_close(const char *body, close_when_fn *when, void *arg)
{
    struct curl_slist *h = NULL;
    char url[256], auth[256];
    CURLM *m = curl_multi_init();
    CURL *c = curl_easy_init();
    bool closed = false;
    int running = 1, i;

    (void)snprintf(url, sizeof url, "%s/api/v1/images", srv.base);
    (void)snprintf(auth, sizeof auth, "Authorization: Bearer %s", srv.key);
    h = curl_slist_append(h, auth);
    h = curl_slist_append(h, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_multi_add_handle(m, c);
    for (i = 0; i < 300 && running; i++) {
        curl_multi_perform(m, &running);
        if (!running)
            break;
        if (when(arg)) {
            closed = true;
            break;
        }
        curl_multi_poll(m, NULL, 0, 50, NULL);
    }
    curl_multi_remove_handle(m, c);
    curl_easy_cleanup(c); /* closes the connection */
    curl_multi_cleanup(m);
    curl_slist_free_all(h);
    return closed;
}

static bool
upstream_in_flight(void *arg)
{
    json_t *stats = th_emu_stats(&emu);
    bool yes = json_integer_value(json_object_get(stats, "in_flight")) >= 1;

    (void)arg;
    json_decref(stats);
    return yes;
}

static void
test_disconnect_stops_upstream(void **state)
{
    json_t *stats = NULL, *reqs;
    int i;

    (void)state;
    th_emu_reset(&emu);
    script_a("{\"hang\":true}");
    assert_true(post_then_close(
        "{\"model\":\"rt/fallback\",\"prompt\":\"bye\","
        "\"provider\":{\"order\":[\"prov-a\"]}}",
        upstream_in_flight, NULL));
    /* The router drops the upstream transfer: the emulator lists it. */
    for (i = 0; i < 100; i++) {
        stats = th_emu_stats(&emu);
        if (json_array_size(json_object_get(stats, "aborts")) >= 1)
            break;
        json_decref(stats);
        stats = NULL;
        usleep(50000);
    }
    if (stats == NULL)
        fail_msg("the upstream request was not closed within 5 s");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(stats, "aborts"),
                                           0),
                            "provider")),
                        "openai");
    assert_int_equal(json_integer_value(json_object_get(stats, "in_flight")),
                     0);
    json_decref(stats);
    /* No fallback was started for a client that is gone. */
    reqs = th_emu_requests(&emu, NULL);
    assert_int_equal(json_array_size(reqs), 1);
    assert_true(json_is_true(json_object_get(json_array_get(reqs, 0),
                                             "aborted")));
    json_decref(reqs);
}

static bool
bfl_polled_twice(void *arg)
{
    (void)arg;
    return count_path("bfl", "/v1/get_result") >= 2;
}

static void
test_disconnect_stops_bfl_polling(void **state)
{
    size_t before, after;

    (void)state;
    th_emu_reset(&emu);
    th_emu_script(&emu, "{\"match\":{\"provider\":\"bfl\"},"
                        "\"action\":{\"pending_polls\":50}}");
    assert_true(post_then_close(
        "{\"model\":\"black-forest-labs/flux.2-pro\",\"prompt\":\"bye\","
        "\"provider\":{\"only\":[\"black-forest-labs\"]}}",
        bfl_polled_twice, NULL));
    /* A poll already on the wire may still land; then nothing more (the
     * next poll was due within ~1.1 s). */
    usleep(300000);
    before = count_path("bfl", "/v1/get_result");
    sleep(2);
    after = count_path("bfl", "/v1/get_result");
    if (after != before)
        fail_msg("polling went on after the client left: %zu then %zu",
                 before, after);
}

/* ---- streaming ------------------------------------------------------- */

static void
test_stream_fallback_before_first_event(void **state)
{
    struct th_resp r;
    char ct[128];

    (void)state;
    th_emu_reset(&emu);
    script_a("{\"provider_error\":500}");
    th_emu_script(&emu, "{\"match\":{\"model\":\"" MODEL_B "\"},"
                        "\"action\":{\"partials\":1}}");
    gen("rt/stream",
        "\"stream\":true,\"provider\":{\"order\":[\"prov-a\",\"prov-b\"]}",
        &r);
    expect_provider(&r, 200, "Prov B");
    assert_non_null(th_header(&r, "Content-Type", ct, sizeof ct));
    assert_non_null(strstr(ct, "text/event-stream"));
    assert_non_null(strstr(r.body, "image_generation.partial_image"));
    assert_non_null(strstr(r.body, "image_generation.completed"));
    assert_null(strstr(r.body, "\"type\":\"error\""));
    assert_non_null(strstr(r.body, "data: [DONE]"));
    expect_seen(MODEL_A " " MODEL_B);
    th_resp_free(&r);
}

static void
test_stream_no_fallback_after_partial(void **state)
{
    struct th_resp r;

    (void)state;
    th_emu_reset(&emu);
    /* Three equal frames (two partials, the image), cut halfway: the
     * first partial reaches the client, then the stream breaks. */
    script_a("{\"partials\":2,\"truncate\":true}");
    gen("rt/stream",
        "\"stream\":true,\"provider\":{\"order\":[\"prov-a\",\"prov-b\"]}",
        &r);
    expect_provider(&r, 200, "Prov A");
    assert_non_null(strstr(r.body, "image_generation.partial_image"));
    assert_null(strstr(r.body, "image_generation.completed"));
    assert_non_null(strstr(r.body, "\"type\":\"error\""));
    assert_non_null(strstr(r.body, "data: [DONE]"));
    expect_seen(MODEL_A);
    th_resp_free(&r);
}

/* stream:true on a streaming endpoint is answered as SSE even when the
 * provider sends no partial image, only the completed one (behavior.md
 * section 7: the framing follows stream plus the endpoint's
 * supports_streaming). */
static void
test_stream_without_partials_is_sse(void **state)
{
    struct th_resp r;
    char ct[128] = "", name[64] = "";
    long status;
    bool done;

    (void)state;
    th_emu_reset(&emu);
    gen("rt/stream", "\"stream\":true,\"provider\":{\"order\":[\"prov-b\"]}",
        &r);
    (void)th_header(&r, "Content-Type", ct, sizeof ct);
    (void)th_header(&r, "X-Provider-Name", name, sizeof name);
    done = strstr(r.body, "image_generation.completed") != NULL &&
           strstr(r.body, "data: [DONE]") != NULL;
    status = r.status;
    th_resp_free(&r); /* before a failure: cmocka does not come back */
    assert_int_equal(status, 200);
    assert_string_equal(name, "Prov B");
    if (strstr(ct, "text/event-stream") == NULL)
        fail_msg("stream:true answered as %s", ct);
    assert_true(done);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fallback_on_500),
        cmocka_unit_test(test_fallback_on_429),
        cmocka_unit_test(test_fallback_on_529),
        cmocka_unit_test(test_fallback_on_200_without_image),
        cmocka_unit_test(test_fallback_on_hang),
        cmocka_unit_test(test_fallback_on_connection_refused),
        cmocka_unit_test(test_no_fallback_keeps_the_error),
        cmocka_unit_test(test_no_fallback_with_sort),
        cmocka_unit_test(test_content_policy_is_not_retried),
        cmocka_unit_test(test_provider_preferences),
        cmocka_unit_test(test_only_bounds_fallbacks),
        cmocka_unit_test(test_load_balancing),
        cmocka_unit_test(test_cooldown_then_probe),
        cmocka_unit_test(test_split_into_parallel_calls),
        cmocka_unit_test(test_disconnect_stops_upstream),
        cmocka_unit_test(test_disconnect_stops_bfl_polling),
        cmocka_unit_test(test_stream_fallback_before_first_event),
        cmocka_unit_test(test_stream_no_fallback_after_partial),
        cmocka_unit_test(test_stream_without_partials_is_sse),
    };

    return cmocka_run_group_tests_name("integration.routing", tests,
                                       group_setup, group_teardown);
}
