/* SPDX-License-Identifier: Apache-2.0
 * tests/client/test_retry.c - the retry schedule against real HTTP: which
 * failures are retried, the backoff delays (on a virtual clock whose sleep
 * records the delay), Retry-After, max elapsed time, connection errors,
 * per-call overrides, and streams cut short.
 */
#include "testutil.h"

#include <stdio.h>
#include <time.h>

#include "retry.h"

#define ERR_BODY(code) "{\"error\":{\"code\":" #code ",\"message\":\"m\"}}"

struct vclock {
    int64_t now;
    long delays[64];
    int n;
    /* On the first sleep, start a server on this port (0: no). */
    int start_port;
    struct ts_server *started;
};

static void
vsleep(long ms, void *arg)
{
    struct vclock *v = arg;

    if (v->n < 64)
        v->delays[v->n++] = ms;
    v->now += ms;
    if (v->start_port && !v->started) {
        v->started = ts_start(v->start_port);
        assert_non_null(v->started);
        ts_push_json(v->started, 200, TU_OK_BODY);
    }
}

static int64_t
vnow(void *arg)
{
    return ((struct vclock *)arg)->now;
}

/* Backoff with the virtual clock and no jitter. */
static void
vretry(imagerouter_retry_config *rc, struct vclock *v)
{
    imagerouter_retry_config_init(rc);
    rc->jitter_ms = 0;
    rc->sleep = vsleep;
    rc->sleep_arg = v;
    rc->clock = vnow;
    rc->clock_arg = v;
}

static int
run(struct tu_env *e, const imagerouter_retry_config *rc,
    imagerouter_result **res, imagerouter_error **err)
{
    imagerouter_call_options co;
    imagerouter_request req;

    imagerouter_call_options_init(&co);
    co.retry = rc;
    tu_request(&req);
    return imagerouter_generate(e->client, &req, &co, res, err);
}

static void
test_defaults_match_openrouter_sdk(void **state)
{
    imagerouter_retry_config rc;
    imagerouter_options o;

    (void)state;
    imagerouter_retry_config_init(&rc);
    assert_int_equal(rc.strategy, IMAGEROUTER_RETRY_BACKOFF);
    assert_int_equal(rc.initial_interval_ms, 500);
    assert_int_equal(rc.max_interval_ms, 60000);
    assert_true(rc.exponent == 1.5);
    assert_int_equal(rc.max_elapsed_ms, 3600000);
    assert_true(rc.retry_connection_errors);
    assert_false(rc.retry_too_many_requests);
    assert_int_equal(rc.jitter_ms, 1000);
    imagerouter_options_init(&o);
    assert_int_equal(o.retry.strategy, rc.strategy);
    assert_int_equal(o.retry.initial_interval_ms, rc.initial_interval_ms);
    assert_int_equal(o.retry.max_elapsed_ms, rc.max_elapsed_ms);
    assert_null(o.retry.sleep);
    assert_null(o.retry.clock);
}

static void
test_503_503_200(void **state)
{
    struct tu_env *e = *state;
    imagerouter_retry_config rc;
    imagerouter_result *res = NULL;
    struct vclock v = {0};

    vretry(&rc, &v);
    ts_push_json(e->srv, 503, ERR_BODY(503));
    ts_push_json(e->srv, 503, ERR_BODY(503));
    ts_push_json(e->srv, 200, TU_OK_BODY);
    assert_int_equal(run(e, &rc, &res, NULL), IMAGEROUTER_OK);
    assert_int_equal(res->attempts, 3);
    assert_int_equal(ts_request_count(e->srv), 3);
    /* 500 * n^1.5 for n = 0, 1 */
    assert_int_equal(v.n, 2);
    assert_int_equal(v.delays[0], 0);
    assert_int_equal(v.delays[1], 500);
    imagerouter_result_free(res);
}

static void
test_seeded_jitter(void **state)
{
    imagerouter_retry_config rc;
    uint64_t a = 42, b = 42, c = 43;
    long d[8], same = 0;
    int n;

    (void)state;
    imagerouter_retry_config_init(&rc);
    rc.jitter_seed = 42;
    for (n = 0; n < 8; n++) {
        long base = (long)(500 * (n == 0 ? 0 : __builtin_pow(n, 1.5)));

        d[n] = irc_retry_backoff(&rc, n, &a);
        assert_int_equal(d[n], irc_retry_backoff(&rc, n, &b));
        assert_true(d[n] >= base && d[n] < base + 1000);
        same += d[n] == irc_retry_backoff(&rc, n, &c);
    }
    assert_true(same < 8);   /* another seed, another schedule */
}

static void
test_max_elapsed_and_cap(void **state)
{
    struct tu_env *e = *state;
    imagerouter_retry_config rc;
    imagerouter_error *err = NULL;
    imagerouter_result *res = NULL;
    struct vclock v = {0};
    int i;

    vretry(&rc, &v);
    rc.max_elapsed_ms = 4000;
    for (i = 0; i < 5; i++)
        ts_push_json(e->srv, 529, ERR_BODY(529));
    assert_int_equal(run(e, &rc, &res, &err), IMAGEROUTER_ERR_OVERLOADED);
    /* Waits 0, 500, 1414, 2598 (t = 4512 > 4000 after the 5th). */
    assert_int_equal(imagerouter_error_attempts(err), 5);
    assert_int_equal(v.n, 4);
    assert_int_equal(v.delays[2], 1414);
    assert_int_equal(v.delays[3], 2598);
    assert_int_equal(ts_pending(e->srv), 0);
    imagerouter_error_free(err);

    /* max_interval caps the backoff. */
    memset(&v, 0, sizeof v);
    vretry(&rc, &v);
    rc.max_interval_ms = 1000;
    rc.max_elapsed_ms = 2400;
    for (i = 0; i < 5; i++)
        ts_push_json(e->srv, 500, ERR_BODY(500));
    assert_int_equal(run(e, &rc, &res, &err), IMAGEROUTER_ERR_INTERNAL);
    assert_int_equal(v.n, 4);
    assert_int_equal(v.delays[1], 500);
    assert_int_equal(v.delays[2], 1000);
    assert_int_equal(v.delays[3], 1000);
    imagerouter_error_free(err);
}

static void
test_retry_after(void **state)
{
    struct tu_env *e = *state;
    imagerouter_retry_config rc;
    imagerouter_error *err = NULL;
    imagerouter_result *res = NULL;
    struct vclock v = {0};

    /* 429 is not retried by default (like @openrouter/sdk). */
    vretry(&rc, &v);
    ts_push(e->srv, 429, "Content-Type: application/json\r\nRetry-After: 2\r\n",
            ERR_BODY(429));
    assert_int_equal(run(e, &rc, &res, &err),
                     IMAGEROUTER_ERR_TOO_MANY_REQUESTS);
    assert_int_equal(imagerouter_error_attempts(err), 1);
    assert_int_equal(v.n, 0);
    imagerouter_error_free(err);

    /* Opted in: Retry-After seconds, then Retry-After-Ms (which wins),
     * then one over max_interval (capped). */
    rc.retry_too_many_requests = true;
    ts_push(e->srv, 429, "Content-Type: application/json\r\nRetry-After: 2\r\n",
            ERR_BODY(429));
    ts_push(e->srv, 503,
            "Content-Type: application/json\r\nRetry-After: 9\r\n"
            "Retry-After-Ms: 150\r\n",
            ERR_BODY(503));
    ts_push(e->srv, 429,
            "Content-Type: application/json\r\nRetry-After: 120\r\n",
            ERR_BODY(429));
    ts_push_json(e->srv, 200, TU_OK_BODY);
    assert_int_equal(run(e, &rc, &res, NULL), IMAGEROUTER_OK);
    assert_int_equal(res->attempts, 4);
    assert_int_equal(v.n, 3);
    assert_int_equal(v.delays[0], 2000);
    assert_int_equal(v.delays[1], 150);
    assert_int_equal(v.delays[2], 60000);
    imagerouter_result_free(res);
}

static void
test_not_retried(void **state)
{
    struct tu_env *e = *state;
    imagerouter_retry_config rc;
    imagerouter_error *err = NULL;
    imagerouter_result *res = NULL;
    struct vclock v = {0};

    vretry(&rc, &v);
    ts_push_json(e->srv, 400, ERR_BODY(400));
    assert_int_equal(run(e, &rc, &res, &err), IMAGEROUTER_ERR_BAD_REQUEST);
    assert_int_equal(imagerouter_error_attempts(err), 1);
    imagerouter_error_free(err);

    rc.strategy = IMAGEROUTER_RETRY_NONE;
    ts_push_json(e->srv, 503, ERR_BODY(503));
    assert_int_equal(run(e, &rc, &res, &err), IMAGEROUTER_ERR_OTHER);
    assert_int_equal(imagerouter_error_attempts(err), 1);
    assert_int_equal(imagerouter_error_status(err), 503);
    imagerouter_error_free(err);
    assert_int_equal(v.n, 0);
    assert_int_equal(ts_pending(e->srv), 0);
}

/* The client retries by default; a call's options can turn that off, and
 * the client's own retry config applies when the call has none. */
static void
test_client_config_and_override(void **state)
{
    struct tu_env *e = *state;
    imagerouter_options o;
    imagerouter_client *c = NULL;
    imagerouter_call_options co;
    imagerouter_retry_config none;
    imagerouter_request req;
    imagerouter_result *res = NULL;
    imagerouter_error *err = NULL;
    struct vclock v = {0};

    tu_options(&o, e->srv);
    vretry(&o.retry, &v);
    assert_int_equal(imagerouter_client_new(&o, &c, NULL), IMAGEROUTER_OK);
    tu_request(&req);
    ts_push_json(e->srv, 502, ERR_BODY(502));
    ts_push_json(e->srv, 200, TU_OK_BODY);
    assert_int_equal(imagerouter_generate(c, &req, NULL, &res, NULL),
                     IMAGEROUTER_OK);
    assert_int_equal(res->attempts, 2);
    imagerouter_result_free(res);

    imagerouter_retry_config_init(&none);
    none.strategy = IMAGEROUTER_RETRY_NONE;
    imagerouter_call_options_init(&co);
    co.retry = &none;
    ts_push_json(e->srv, 502, ERR_BODY(502));
    assert_int_equal(imagerouter_generate(c, &req, &co, &res, &err),
                     IMAGEROUTER_ERR_BAD_GATEWAY);
    assert_int_equal(imagerouter_error_attempts(err), 1);
    imagerouter_error_free(err);
    assert_int_equal(v.n, 1);
    imagerouter_client_free(c);
}

static void
test_connection_errors(void **state)
{
    struct ts_server *probe = ts_start(0);
    imagerouter_options o;
    imagerouter_client *c = NULL;
    imagerouter_retry_config rc;
    imagerouter_call_options co;
    imagerouter_request req;
    imagerouter_result *res = NULL;
    imagerouter_error *err = NULL;
    struct vclock v = {0};
    int port = ts_port(probe);

    (void)state;
    tu_options(&o, probe);
    /* The client copies the URL; the server goes, nothing listens now. */
    assert_int_equal(imagerouter_client_new(&o, &c, NULL), IMAGEROUTER_OK);
    ts_stop(probe);
    tu_request(&req);
    imagerouter_call_options_init(&co);
    co.retry = &rc;

    /* Retried until max_elapsed: 0, 500, 1414, 2598, then give up. */
    vretry(&rc, &v);
    rc.max_elapsed_ms = 2000;
    assert_int_equal(imagerouter_generate(c, &req, &co, &res, &err),
                     IMAGEROUTER_ERR_CONNECTION);
    assert_int_equal(imagerouter_error_attempts(err), 5);
    assert_int_equal(v.n, 4);
    imagerouter_error_free(err);

    /* Not retried when turned off. */
    memset(&v, 0, sizeof v);
    vretry(&rc, &v);
    rc.retry_connection_errors = false;
    assert_int_equal(imagerouter_generate(c, &req, &co, &res, &err),
                     IMAGEROUTER_ERR_CONNECTION);
    assert_int_equal(imagerouter_error_attempts(err), 1);
    imagerouter_error_free(err);

    /* The server comes up during the first wait: the retry succeeds. */
    memset(&v, 0, sizeof v);
    vretry(&rc, &v);
    v.start_port = port;
    if (imagerouter_generate(c, &req, &co, &res, &err) != IMAGEROUTER_OK)
        fail_msg("%s", imagerouter_error_message(err));
    assert_int_equal(res->attempts, 2);
    imagerouter_result_free(res);
    imagerouter_client_free(c);
    ts_stop(v.started);
}

static void
test_hangup_retried(void **state)
{
    struct tu_env *e = *state;
    imagerouter_retry_config rc;
    imagerouter_result *res = NULL;
    struct vclock v = {0};

    vretry(&rc, &v);
    ts_push_hangup(e->srv);
    ts_push_json(e->srv, 200, TU_OK_BODY);
    assert_int_equal(run(e, &rc, &res, NULL), IMAGEROUTER_OK);
    assert_int_equal(res->attempts, 2);
    imagerouter_result_free(res);
}

/* The default sleep and clock really wait. */
static void
test_real_sleep(void **state)
{
    struct tu_env *e = *state;
    imagerouter_retry_config rc;
    imagerouter_result *res = NULL;
    struct timespec t0, t1;
    long ms;

    imagerouter_retry_config_init(&rc);
    rc.initial_interval_ms = 40;
    rc.jitter_ms = 5;
    ts_push_json(e->srv, 503, ERR_BODY(503));
    ts_push_json(e->srv, 503, ERR_BODY(503));
    ts_push_json(e->srv, 200, TU_OK_BODY);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(run(e, &rc, &res, NULL), IMAGEROUTER_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    assert_true(ms >= 40);
    assert_int_equal(res->attempts, 3);
    imagerouter_result_free(res);
}

/* A chunked event stream cut off mid-body. */
static void
push_cut_stream(struct ts_server *srv, const char *event)
{
    char chunk[1024];
    const char *pieces[1] = {chunk};

    snprintf(chunk, sizeof(chunk), "%zx\r\n%s\r\n", strlen(event), event);
    ts_push_pieces(srv, 200,
                   "Content-Type: text/event-stream\r\n"
                   "Transfer-Encoding: chunked\r\n",
                   pieces, 1, -1);
}

static int
count_events(const imagerouter_event *ev, void *arg)
{
    (void)ev;
    (*(int *)arg)++;
    return 0;
}

static void
test_stream_cut(void **state)
{
    struct tu_env *e = *state;
    imagerouter_retry_config rc;
    imagerouter_call_options co;
    imagerouter_request req;
    imagerouter_result *res = NULL;
    imagerouter_error *err = NULL;
    struct vclock v = {0};
    int events = 0;

    vretry(&rc, &v);
    imagerouter_call_options_init(&co);
    co.retry = &rc;
    tu_request(&req);

    /* Cut after an event reached the caller: not retried. */
    push_cut_stream(e->srv, "data: {\"type\":\"image_generation.partial_image\","
                            "\"partial_image_index\":0,\"b64_json\":\""
                            TU_PNG_B64 "\"}\n\n");
    ts_push_json(e->srv, 200, TU_OK_BODY);
    assert_int_equal(imagerouter_generate_stream(e->client, &req, &co,
                                                 count_events, &events, &res,
                                                 &err),
                     IMAGEROUTER_ERR_CONNECTION);
    assert_int_equal(events, 1);
    assert_int_equal(imagerouter_error_attempts(err), 1);
    imagerouter_error_free(err);
    assert_int_equal(ts_pending(e->srv), 1);
    (void)ts_request_count(e->srv);

    /* Drain the unused reply, then: cut before any event: retried. */
    assert_int_equal(run(e, NULL, &res, NULL), IMAGEROUTER_OK);
    imagerouter_result_free(res);
    events = 0;
    push_cut_stream(e->srv, ": keep-alive\n\n");
    ts_push_json(e->srv, 200, TU_OK_BODY);
    assert_int_equal(imagerouter_generate_stream(e->client, &req, &co,
                                                 count_events, &events, &res,
                                                 NULL),
                     IMAGEROUTER_OK);
    assert_int_equal(res->attempts, 2);
    assert_int_equal(events, 1);
    imagerouter_result_free(res);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tu_setup, tu_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_match_openrouter_sdk),
        T(test_503_503_200),
        cmocka_unit_test(test_seeded_jitter),
        T(test_max_elapsed_and_cap),
        T(test_retry_after),
        T(test_not_retried),
        T(test_client_config_and_override),
        cmocka_unit_test(test_connection_errors),
        T(test_hangup_retried),
        T(test_real_sleep),
        T(test_stream_cut),
    };
#undef T

    tu_clear_env();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
