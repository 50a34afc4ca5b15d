/* SPDX-License-Identifier: Apache-2.0
 * tests/integration/test_capacity.c - the router at the edge of its
 * capacity: the in-flight cap (--max-inflight and the default derived
 * from RLIMIT_NOFILE) answers 503 with Retry-After before anything is
 * reserved; running out of descriptors pauses accepting instead of
 * spinning, keeps serving the open connections, and is answered 503
 * "router overloaded" without blaming (cooling down) the provider.
 *
 * Uses routing_catalog.json: model rt/fallback has prov-a ($0.01,
 * upstream gpt-image-1), prov-b and prov-c on the emulator's OpenAI
 * mount; with provider.sort "price" prov-a is tried first, and only a
 * cooled-down prov-a would send the request elsewhere. The emulator
 * holds prov-a's answers with delay_ms so that requests overlap. The
 * descriptor limit is set on the router with setrlimit before exec, or
 * lowered on the running router with prlimit(2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "emu.h"
#include "harness.h"

#define MODEL_A "gpt-image-1"
#define BODY                                                                  \
    "{\"model\":\"rt/fallback\",\"prompt\":\"a lighthouse\","                 \
    "\"provider\":{\"sort\":\"price\"}}"

static struct th_emu emu;
static struct th_routing_env renv;

/* ---- fixtures -------------------------------------------------------- */

static int
group_setup(void **state)
{
    const char *emu_args[] = {"--tiny", NULL};

    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    th_emu_start(&emu, emu_args);
    th_routing_env_init(&renv, &emu);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    th_emu_stop(&emu);
    curl_global_cleanup();
    return 0;
}

/* A router on the routing catalog; extra: more serve arguments. */
static void
start(struct th_server *s, const char *extra1, const char *extra2)
{
    const char *args[] = {"--catalog", renv.catalog, extra1, extra2, NULL};

    th_server_start(s, args, renv.env);
}

/* Every answer of prov-a waits ms. */
static void
hold_prov_a(int ms)
{
    char s[256];

    th_emu_reset(&emu);
    (void)snprintf(s, sizeof s,
                   "{\"match\":{\"model\":\"" MODEL_A "\"},\"times\":-1,"
                   "\"action\":{\"delay_ms\":%d}}",
                   ms);
    th_emu_script(&emu, s);
}

/* ---- helpers ---------------------------------------------------------- */

static int64_t
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Requests the emulator received (any model, any mount). */
static size_t
emu_seen(const char *model)
{
    json_t *reqs = th_emu_requests(&emu, NULL), *q; /* owned, borrowed */
    size_t i, n = 0;

    json_array_foreach(reqs, i, q) {
        const char *m = json_string_value(
            json_object_get(json_object_get(q, "body"), "model"));

        if (model == NULL || (m != NULL && strcmp(m, model) == 0))
            n++;
    }
    json_decref(reqs);
    return n;
}

static long
emu_in_flight(void)
{
    json_t *st = th_emu_stats(&emu);
    long n = (long)json_integer_value(json_object_get(st, "in_flight"));

    json_decref(st);
    return n;
}

/* The key's spending in micro-dollars (usage is a USD number). */
static long long
usage_micros(const struct th_server *s)
{
    struct th_resp r;
    long long u;

    th_get(s, "/api/v1/key", s->key, &r);
    if (r.status != 200)
        fail_msg("GET /api/v1/key: %ld %s", r.status, r.body);
    u = llround(json_number_value(json_object_get(
                    json_object_get(r.json, "data"), "usage")) *
                1e6);
    th_resp_free(&r);
    return u;
}

/* A 503 from the router itself: Retry-After and the reason named. */
static void
expect_overloaded(long status, const char *retry_after, const char *body,
                  const char *reason)
{
    json_t *j, *meta; /* owned, borrowed */
    const char *t, *why;

    if (status != 503)
        fail_msg("status %ld, want 503: %s", status, body);
    if (retry_after == NULL || atoi(retry_after) <= 0)
        fail_msg("503 without a Retry-After: %s", body);
    j = json_loads(body, 0, NULL);
    meta = json_object_get(json_object_get(j, "error"), "metadata");
    t = json_string_value(json_object_get(meta, "error_type"));
    why = json_string_value(json_object_get(meta, "reason"));
    if (t == NULL || strcmp(t, "router_overloaded") != 0 || why == NULL ||
        strcmp(why, reason) != 0)
        fail_msg("want error_type router_overloaded, reason %s: %s", reason,
                 body);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(j, "error"), "code")),
                     503);
    json_decref(j);
}

static void
fill(struct th_par *p, size_t n, const struct th_server *s, char *url,
     size_t urlsize)
{
    size_t i;

    (void)snprintf(url, urlsize, "%s/api/v1/images", s->base);
    memset(p, 0, n * sizeof *p);
    for (i = 0; i < n; i++) {
        p[i].url = url;
        p[i].key = s->key;
        p[i].body = BODY;
    }
}

/* Served by prov-a: it is not cooling down. */
static void
expect_prov_a_serves(const struct th_server *s)
{
    struct th_resp r;
    char name[64];

    th_post_json(s, "/api/v1/images", s->key, BODY, &r);
    if (r.status != 200)
        fail_msg("status %ld: %s", r.status, r.body);
    assert_non_null(th_header(&r, "X-Provider-Name", name, sizeof name));
    assert_string_equal(name, "Prov A");
    th_resp_free(&r);
}

/* utime + stime of a process, in ms. */
static int64_t
proc_cpu_ms(pid_t pid)
{
    char path[64], buf[1024], *p;
    unsigned long long ut = 0, st = 0;
    FILE *f;
    size_t n;

    (void)snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    assert_non_null(f);
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')'); /* the name may hold spaces */
    assert_non_null(p);
    /* After ") ": state is field 3; utime and stime are 14 and 15. */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
               &ut, &st) != 2)
        fail_msg("cannot parse %s", path);
    return (int64_t)((ut + st) * 1000 / (unsigned long long)sysconf(
                                             _SC_CLK_TCK));
}

/* The lowest descriptor number the process could get with `spare` free
 * numbers below the limit: the limit that leaves exactly `spare`. */
static size_t
open_fds(pid_t pid, unsigned char *used, size_t size)
{
    char path[64];
    struct dirent *d;
    DIR *dir;
    size_t n = 0;

    memset(used, 0, size);
    (void)snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    dir = opendir(path);
    assert_non_null(dir);
    while ((d = readdir(dir)) != NULL) {
        long fd = strtol(d->d_name, NULL, 10);

        if (d->d_name[0] != '.' && fd >= 0 && (size_t)fd < size) {
            used[fd] = 1;
            n++;
        }
    }
    closedir(dir);
    return n;
}

static rlim_t
limit_leaving(pid_t pid, int spare)
{
    static unsigned char used[65536];
    size_t before, now;
    rlim_t n;

    /* The harness's /health connection may still be closing: wait until
     * the count is steady. */
    now = open_fds(pid, used, sizeof used);
    do {
        before = now;
        usleep(100000);
        now = open_fds(pid, used, sizeof used);
    } while (now != before);
    for (n = 0; n < sizeof used; n++)
        if (!used[n] && spare-- == 0)
            return n;
    fail_msg("no free descriptor numbers");
    return 0;
}

static void
get_nofile(pid_t pid, struct rlimit *rl)
{
    if (prlimit(pid, RLIMIT_NOFILE, NULL, rl) != 0)
        fail_msg("prlimit: %m");
}

static void
set_nofile(pid_t pid, const struct rlimit *rl)
{
    if (prlimit(pid, RLIMIT_NOFILE, rl, NULL) != 0)
        fail_msg("prlimit: %m");
}

/* The soft limit only: lowering the hard one could not be undone. The
 * router raises its soft limit only at start. */
static void
lower_nofile(pid_t pid, rlim_t n)
{
    struct rlimit rl;

    get_nofile(pid, &rl);
    rl.rlim_cur = n;
    set_nofile(pid, &rl);
}

static size_t
log_count(const struct th_server *s, const char *needle)
{
    char line[4096];
    size_t n = 0;
    FILE *f = fopen(s->log_path, "r");

    assert_non_null(f);
    while (fgets(line, sizeof line, f) != NULL)
        if (strstr(line, needle) != NULL)
            n++;
    fclose(f);
    return n;
}

/* ---- --max-inflight ----------------------------------------------------- */

/* Two held requests, run on a thread while the test goes on. */
struct batch {
    struct th_par p[2];
    char url[160];
    pthread_t t;
};

static void *
batch_run(void *arg)
{
    struct batch *b = arg;

    th_parallel(b->p, 2, 0, NULL, NULL);
    return NULL;
}

static void
batch_start(struct batch *b, const struct th_server *s)
{
    fill(b->p, 2, s, b->url, sizeof b->url);
    assert_int_equal(pthread_create(&b->t, NULL, batch_run, b), 0);
}

/* Two held at once; a third, on either API, is refused at once with 503,
 * before the provider sees it and before any credit is held or charged;
 * once the two are done, new requests are served. */
static void
test_max_inflight_flag(void **state)
{
    static const char *paths[] = {"/api/v1/images",
                                  "/v1/images/generations"};
    struct th_server s;
    struct batch held;
    struct th_resp r;
    char ra[16];
    size_t i;

    (void)state;
    hold_prov_a(3000);
    start(&s, "--max-inflight", "2");
    batch_start(&held, &s);
    while (emu_in_flight() < 2)
        usleep(20000);
    for (i = 0; i < 2; i++) {
        th_post_json(&s, paths[i], s.key, BODY, &r);
        expect_overloaded(r.status,
                          th_header(&r, "Retry-After", ra, sizeof ra),
                          r.body, "max_inflight");
        th_resp_free(&r);
    }
    pthread_join(held.t, NULL);
    for (i = 0; i < 2; i++)
        assert_int_equal(held.p[i].status, 200);
    th_par_free(held.p, 2);
    assert_int_equal(emu_seen(NULL), 2);
    assert_int_equal(usage_micros(&s), 2 * 10000);
    /* Capacity is back, on both APIs. */
    hold_prov_a(0);
    for (i = 0; i < 2; i++) {
        th_post_json(&s, paths[i], s.key, BODY, &r);
        assert_int_equal(r.status, 200);
        th_resp_free(&r);
    }
    assert_int_equal(usage_micros(&s), 4 * 10000);
    assert_int_equal(th_server_stop(&s), 0);
}

/* ---- the default cap, from the descriptor limit ------------------------ */

/* Read from the startup line "... at most N generations at once". */
static long
logged_cap(const struct th_server *s)
{
    char line[4096];
    const char *p;
    long cap = -1;
    FILE *f = fopen(s->log_path, "r");

    assert_non_null(f);
    while (fgets(line, sizeof line, f) != NULL)
        if ((p = strstr(line, "at most ")) != NULL)
            cap = strtol(p + 8, NULL, 10);
    fclose(f);
    return cap;
}

/* Started with 160 descriptors (soft = hard), the router derives its cap
 * from them; more held requests than that: the excess is refused with
 * 503 and nothing else fails for want of a descriptor. */
static void
test_default_cap_from_nofile(void **state)
{
    struct th_server s;
    struct th_par p[96];
    char url[160];
    size_t i, n, ok = 0, refused = 0;
    long cap;

    (void)state;
    hold_prov_a(3000);
    th_server_nofile(160);
    start(&s, NULL, NULL);
    th_server_nofile(0);
    assert_int_equal(log_count(&s, "descriptor limit 160"), 1);
    cap = logged_cap(&s);
    /* Two descriptors per held generation, some kept back. */
    assert_true(cap >= 1 && cap < 80);
    n = (size_t)cap + 4;
    fill(p, n, &s, url, sizeof url);
    th_parallel(p, n, 0, NULL, NULL);
    for (i = 0; i < n; i++) {
        if (p[i].status == 200) {
            ok++;
        } else {
            expect_overloaded(p[i].status, p[i].retry_after, p[i].response,
                              "max_inflight");
            refused++;
        }
    }
    th_par_free(p, n);
    assert_int_equal(ok, (size_t)cap);
    assert_int_equal(refused, 4);
    assert_int_equal(emu_seen(NULL), (size_t)cap);
    assert_int_equal(usage_micros(&s), (long long)cap * 10000);
    hold_prov_a(0);
    expect_prov_a_serves(&s);
    assert_int_equal(th_server_stop(&s), 0);
}

/* ---- out of descriptors -------------------------------------------------- */

/* Two generations held; then no descriptor is left and two more clients
 * connect. The listener rests instead of spinning (little CPU, no flood
 * of log lines), the two held ones are still answered, and the waiting
 * clients are then served or told 503 "router overloaded". */
static void
test_accept_pauses_when_out_of_descriptors(void **state)
{
    struct th_server s;
    struct batch held, late;
    struct rlimit old;
    int64_t cpu0, cpu1, t0, t1;
    size_t i;

    (void)state;
    hold_prov_a(4000);
    start(&s, NULL, NULL);
    batch_start(&held, &s);
    while (emu_in_flight() < 2)
        usleep(20000);
    get_nofile(s.pid, &old);
    lower_nofile(s.pid, limit_leaving(s.pid, 0));
    batch_start(&late, &s);
    /* Saturated while the two are held: measure the router's CPU. */
    t0 = mono_ms();
    cpu0 = proc_cpu_ms(s.pid);
    usleep(1500000);
    cpu1 = proc_cpu_ms(s.pid);
    t1 = mono_ms();
    pthread_join(held.t, NULL);
    pthread_join(late.t, NULL);
    set_nofile(s.pid, &old);
    /* A spinning accept loop burns a core; a resting one next to none. */
    if ((cpu1 - cpu0) * 4 > t1 - t0)
        fail_msg("router used %lld ms of CPU in %lld ms while saturated",
                 (long long)(cpu1 - cpu0), (long long)(t1 - t0));
    /* One warning per episode, not one per accept() attempt. */
    assert_true(log_count(&s, "accept") <= 2);
    assert_int_equal(log_count(&s, "Error from accept"), 0);
    for (i = 0; i < 2; i++)
        if (held.p[i].status != 200)
            fail_msg("held request: %ld %s", held.p[i].status,
                     held.p[i].response);
    for (i = 0; i < 2; i++)
        if (late.p[i].status != 200)
            expect_overloaded(late.p[i].status, late.p[i].retry_after,
                              late.p[i].response, "local_resources");
    th_par_free(held.p, 2);
    th_par_free(late.p, 2);
    /* Nothing fell back to the dearer endpoints. */
    assert_int_equal(emu_seen(NULL), emu_seen(MODEL_A));
    hold_prov_a(0);
    expect_prov_a_serves(&s);
    assert_int_equal(th_server_stop(&s), 0);
}

/* One descriptor left: the client's connection takes it, the provider
 * socket cannot be opened. That is the router's shortage, not the
 * provider's: 503 with Retry-After, no fallback to the other providers
 * (they need a socket too), nothing charged, and prov-a is not cooled
 * down although it "failed" more than the three times that would. */
static void
test_local_exhaustion_is_not_the_providers_fault(void **state)
{
    struct th_server s;
    struct th_resp r;
    struct rlimit old;
    char ra[16];
    int k;

    (void)state;
    hold_prov_a(0);
    start(&s, NULL, NULL);
    get_nofile(s.pid, &old);
    lower_nofile(s.pid, limit_leaving(s.pid, 1));
    for (k = 0; k < 4; k++) {
        th_post_json(&s, "/api/v1/images", s.key, BODY, &r);
        expect_overloaded(r.status,
                          th_header(&r, "Retry-After", ra, sizeof ra),
                          r.body, "local_resources");
        assert_non_null(strstr(r.body, "Router overloaded"));
        th_resp_free(&r);
    }
    set_nofile(s.pid, &old);
    /* One attempt each, on prov-a: no retry, no fallback. */
    assert_int_equal(log_count(&s, "\"event\":\"attempt\""), 4);
    assert_int_equal(log_count(&s, "\"provider\":\"prov-a\""), 4);
    assert_int_equal(emu_seen(NULL), 0);
    assert_int_equal(usage_micros(&s), 0);
    expect_prov_a_serves(&s);
    assert_int_equal(usage_micros(&s), 10000);
    assert_int_equal(th_server_stop(&s), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_max_inflight_flag),
        cmocka_unit_test(test_default_cap_from_nofile),
        cmocka_unit_test(test_accept_pauses_when_out_of_descriptors),
        cmocka_unit_test(test_local_exhaustion_is_not_the_providers_fault),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
