/* SPDX-License-Identifier: Apache-2.0
 * tests/client/test_stream.c - imagerouter_generate_stream end to end:
 * events in order as they arrive, a JSON reply to a stream request, error
 * events, malformed data, aborting, and SSE to a non-stream call.
 */
#include "testutil.h"

#include <stdio.h>

#define SSE_HEADERS                                                       \
    "Content-Type: text/event-stream\r\n"                                 \
    "X-Generation-Id: gen-img-1-AAAAAAAAAAAAAAAAAAAA\r\n"                 \
    "X-Provider-Name: OpenAI\r\n"

#define EV_PARTIAL(i)                                                     \
    "data: {\"type\":\"image_generation.partial_image\","                 \
    "\"partial_image_index\":" #i ",\"b64_json\":\"" TU_PNG_B64 "\"}\n\n"
#define EV_COMPLETED                                                      \
    "data: {\"type\":\"image_generation.completed\",\"b64_json\":\""      \
    TU_PNG_B64 "\",\"media_type\":\"image/png\",\"created\":1748372400,"  \
    "\"usage\":{\"prompt_tokens\":16,\"completion_tokens\":272,"          \
    "\"total_tokens\":288,\"cost\":0.011}}\n\n"
#define EV_DONE "data: [DONE]\n\n"

struct seen {
    char log[2048];
    int count;
    int abort_at;             /* stop at this event number (1-based) */
    struct ts_server *gate;   /* open the gate at the first event */
    size_t bytes;
};

static int
on_event(const imagerouter_event *ev, void *arg)
{
    struct seen *s = arg;
    size_t n = strlen(s->log);
    const char *names[] = {"partial", "text", "completed", "error",
                           "unknown"};

    s->count++;
    snprintf(s->log + n, sizeof(s->log) - n, "%s:%d", names[ev->type],
             ev->index);
    n = strlen(s->log);
    switch (ev->type) {
    case IMAGEROUTER_EVENT_PARTIAL_IMAGE:
    case IMAGEROUTER_EVENT_COMPLETED:
        assert_int_equal(ev->len, TU_PNG_LEN);
        assert_memory_equal(ev->data, "\x89PNG", 4);
        s->bytes += ev->len;
        break;
    case IMAGEROUTER_EVENT_TEXT_CHUNK:
        snprintf(s->log + n, sizeof(s->log) - n, "(%s,%s)", ev->phase,
                 ev->text);
        break;
    case IMAGEROUTER_EVENT_ERROR:
        snprintf(s->log + n, sizeof(s->log) - n, "(%s,%s,%s)",
                 ev->error_message, ev->error_code ? ev->error_code : "-",
                 ev->error_type ? ev->error_type : "-");
        break;
    case IMAGEROUTER_EVENT_UNKNOWN:
        assert_non_null(ev->json);
        break;
    }
    n = strlen(s->log);
    snprintf(s->log + n, sizeof(s->log) - n, ";");
    if (s->gate && s->count == 1)
        ts_gate_open(s->gate);
    return s->abort_at && s->count == s->abort_at;
}

static int
run_stream(struct tu_env *e, struct seen *s, imagerouter_result **res,
           imagerouter_error **err)
{
    imagerouter_request req;

    tu_request(&req);
    return imagerouter_generate_stream(e->client, &req, NULL, on_event, s,
                                       res, err);
}

static void
test_events_in_order(void **state)
{
    struct tu_env *e = *state;
    const char *pieces[] = {
        ": OPENROUTER PROCESSING\n\n",
        EV_PARTIAL(0),
        "data: {\"type\":\"image_generation.text_chunk\",\"phase\":"
        "\"reasoning\",\"text\":\"hmm\"}\r\n\r\n",
        EV_PARTIAL(1),
        EV_COMPLETED,
        EV_DONE,
        "data: {\"type\":\"image_generation.partial_image\"}\n\n",  /* ignored */
    };
    struct seen s = {0};
    imagerouter_result *res = NULL;

    ts_push_pieces(e->srv, 200, SSE_HEADERS, pieces, 7, -1);
    assert_int_equal(run_stream(e, &s, &res, NULL), IMAGEROUTER_OK);
    assert_string_equal(s.log, "partial:0;text:0(reasoning,hmm);partial:1;"
                               "completed:0;");
    assert_true(res->streamed);
    assert_int_equal(res->image_count, 1);
    assert_string_equal(res->images[0].media_type, "image/png");
    assert_int_equal(res->created, 1748372400);
    assert_true(res->usage.present && res->usage.has_cost);
    assert_int_equal(res->usage.total_tokens, 288);
    assert_string_equal(res->generation_id, "gen-img-1-AAAAAAAAAAAAAAAAAAAA");
    assert_string_equal(res->provider_name, "OpenAI");
    imagerouter_result_free(res);
}

/* The last piece is held back until the callback has seen the first
 * event: a client that buffered the body would deadlock (and the server's
 * gate would time out). */
static void
test_incremental_delivery(void **state)
{
    struct tu_env *e = *state;
    const char *pieces[] = {EV_PARTIAL(0), EV_COMPLETED EV_DONE};
    struct seen s = {.gate = e->srv};
    imagerouter_result *res = NULL;

    ts_push_pieces(e->srv, 200, SSE_HEADERS, pieces, 2, 1);
    assert_int_equal(run_stream(e, &s, &res, NULL), IMAGEROUTER_OK);
    assert_false(ts_gate_timed_out(e->srv));
    assert_string_equal(s.log, "partial:0;completed:0;");
    imagerouter_result_free(res);
}

/* Events split at awkward places, CRLF framing, no [DONE] (EOF ends). */
static void
test_split_events_no_done(void **state)
{
    struct tu_env *e = *state;
    const char *pieces[] = {
        "da", "ta: {\"type\":\"image_generation.partial_image\",",
        "\"partial_image_index\":0,\"b64_json\":\"" TU_PNG_B64 "\"}\r",
        "\n\r", "\n: keep-alive\r\n\r\ndata: {\"type\":\"image_generation.",
        "completed\",\r\ndata: \"b64_json\":\"" TU_PNG_B64
        "\",\"created\":5}\r\n\r\n",
    };
    struct seen s = {0};
    imagerouter_result *res = NULL;

    ts_push_pieces(e->srv, 200, "Content-Type: text/event-stream\r\n",
                   pieces, 6, -1);
    assert_int_equal(run_stream(e, &s, &res, NULL), IMAGEROUTER_OK);
    assert_string_equal(s.log, "partial:0;completed:0;");
    assert_int_equal(res->created, 5);
    assert_false(res->usage.present);
    /* media_type absent: sniffed. */
    assert_string_equal(res->images[0].media_type, "image/png");
    imagerouter_result_free(res);
}

/* A model without streaming answers JSON: one completed event per image. */
static void
test_json_reply_to_stream(void **state)
{
    struct tu_env *e = *state;
    struct seen s = {0};
    imagerouter_result *res = NULL;

    ts_push_json(e->srv, 200,
                 "{\"created\":7,\"data\":[{\"b64_json\":\"" TU_PNG_B64
                 "\"},{\"b64_json\":\"" TU_PNG_B64 "\"}],\"usage\":{"
                 "\"prompt_tokens\":0,\"completion_tokens\":1,"
                 "\"total_tokens\":1,\"cost\":0.5}}");
    assert_int_equal(run_stream(e, &s, &res, NULL), IMAGEROUTER_OK);
    assert_string_equal(s.log, "completed:0;completed:1;");
    assert_false(res->streamed);
    assert_int_equal(res->image_count, 2);
    imagerouter_result_free(res);
}

static void
test_error_event(void **state)
{
    struct tu_env *e = *state;
    const char *pieces[] = {
        EV_PARTIAL(0),
        "data: {\"type\":\"error\",\"error\":{\"message\":\"The upstream "
        "provider returned an error\",\"code\":\"upstream_error\","
        "\"param\":null,\"type\":\"provider_error\"}}\n\n",
        EV_DONE,
    };
    struct seen s = {0};
    imagerouter_result *res = NULL;
    imagerouter_error *err = NULL;

    ts_push_pieces(e->srv, 200, SSE_HEADERS, pieces, 3, -1);
    assert_int_equal(run_stream(e, &s, &res, &err), IMAGEROUTER_ERR_STREAM);
    assert_null(res);
    assert_string_equal(s.log,
                        "partial:0;error:0(The upstream provider returned an "
                        "error,upstream_error,provider_error);");
    assert_string_equal(imagerouter_error_message(err),
                        "The upstream provider returned an error");
    assert_string_equal(imagerouter_error_server_code(err), "upstream_error");
    imagerouter_error_free(err);
}

static void
test_openai_style_error_and_unknown(void **state)
{
    struct tu_env *e = *state;
    const char *pieces[] = {
        "data: {\"type\":\"image_generation.brand_new\",\"x\":1}\n\n",
        /* fails its schema: no partial_image_index */
        "data: {\"type\":\"image_generation.partial_image\",\"b64_json\":"
        "\"AA==\"}\n\n",
        "event: error\ndata: {\"error\":{\"message\":\"boom\",\"code\":500}}"
        "\n\n",
    };
    struct seen s = {0};
    imagerouter_result *res = NULL;
    imagerouter_error *err = NULL;

    ts_push_pieces(e->srv, 200, SSE_HEADERS, pieces, 3, -1);
    assert_int_equal(run_stream(e, &s, &res, &err), IMAGEROUTER_ERR_STREAM);
    assert_string_equal(s.log, "unknown:0;unknown:0;error:0(boom,500,-);");
    assert_string_equal(imagerouter_error_message(err), "boom");
    imagerouter_error_free(err);
}

static void
test_no_completed_image(void **state)
{
    struct tu_env *e = *state;
    const char *pieces[] = {EV_PARTIAL(0), EV_DONE};
    struct seen s = {0};
    imagerouter_result *res = NULL;
    imagerouter_error *err = NULL;

    ts_push_pieces(e->srv, 200, SSE_HEADERS, pieces, 2, -1);
    assert_int_equal(run_stream(e, &s, &res, &err), IMAGEROUTER_ERR_STREAM);
    assert_non_null(strstr(imagerouter_error_message(err), "without"));
    imagerouter_error_free(err);
}

static void
test_malformed_json(void **state)
{
    struct tu_env *e = *state;
    const char *pieces[] = {EV_PARTIAL(0), "data: {oops\n\n", EV_COMPLETED};
    struct seen s = {0};
    imagerouter_result *res = NULL;
    imagerouter_error *err = NULL;

    ts_push_pieces(e->srv, 200, SSE_HEADERS, pieces, 3, -1);
    assert_int_equal(run_stream(e, &s, &res, &err), IMAGEROUTER_ERR_DECODE);
    assert_string_equal(s.log, "partial:0;");
    assert_non_null(strstr(imagerouter_error_message(err), "malformed"));
    assert_int_equal(imagerouter_error_attempts(err), 1);
    imagerouter_error_free(err);
}

static void
test_callback_abort(void **state)
{
    struct tu_env *e = *state;
    const char *pieces[] = {EV_PARTIAL(0), EV_PARTIAL(1), EV_COMPLETED};
    struct seen s = {.abort_at = 2};
    imagerouter_result *res = NULL;
    imagerouter_error *err = NULL;

    ts_push_pieces(e->srv, 200, SSE_HEADERS, pieces, 3, -1);
    assert_int_equal(run_stream(e, &s, &res, &err), IMAGEROUTER_ERR_ABORTED);
    assert_string_equal(s.log, "partial:0;partial:1;");
    assert_null(res);
    imagerouter_error_free(err);

    /* Also when the events come from a JSON reply. */
    ts_push_json(e->srv, 200, TU_OK_BODY);
    memset(&s, 0, sizeof s);
    s.abort_at = 1;
    assert_int_equal(run_stream(e, &s, &res, &err), IMAGEROUTER_ERR_ABORTED);
    assert_null(res);
    imagerouter_error_free(err);
}

/* An SSE reply to a plain generate call is collected silently. */
static void
test_sse_reply_to_generate(void **state)
{
    struct tu_env *e = *state;
    const char *pieces[] = {EV_PARTIAL(0), EV_COMPLETED, EV_DONE};
    imagerouter_request req;
    imagerouter_result *res = NULL;

    ts_push_pieces(e->srv, 200, SSE_HEADERS, pieces, 3, -1);
    tu_request(&req);
    assert_int_equal(imagerouter_generate(e->client, &req, NULL, &res, NULL),
                     IMAGEROUTER_OK);
    assert_true(res->streamed);
    assert_int_equal(res->image_count, 1);
    assert_int_equal(res->usage.completion_tokens, 272);
    imagerouter_result_free(res);
}

/* Errors before the stream starts are plain HTTP errors. */
static void
test_http_error_before_stream(void **state)
{
    struct tu_env *e = *state;
    struct seen s = {0};
    imagerouter_result *res = NULL;
    imagerouter_error *err = NULL;

    ts_push_json(e->srv, 400,
                 "{\"error\":{\"code\":400,\"message\":\"Invalid request "
                 "parameters\"}}");
    assert_int_equal(run_stream(e, &s, &res, &err),
                     IMAGEROUTER_ERR_BAD_REQUEST);
    assert_int_equal(s.count, 0);
    assert_string_equal(imagerouter_error_message(err),
                        "Invalid request parameters");
    imagerouter_error_free(err);
}

struct prog {
    int calls;
    int max_partials;
};

static int
on_progress(const imagerouter_progress *p, void *arg)
{
    struct prog *pr = arg;

    pr->calls++;
    assert_int_equal(p->attempt, 1);
    assert_true(p->elapsed_ms >= 0);
    if (p->partial_images > pr->max_partials)
        pr->max_partials = p->partial_images;
    return 0;
}

static int
abort_progress(const imagerouter_progress *p, void *arg)
{
    (void)p;
    (void)arg;
    return 1;
}

static void
test_progress(void **state)
{
    struct tu_env *e = *state;
    const char *pieces[] = {EV_PARTIAL(0), EV_PARTIAL(1), EV_COMPLETED,
                            EV_DONE};
    imagerouter_call_options co;
    imagerouter_request req;
    imagerouter_result *res = NULL;
    imagerouter_error *err = NULL;
    struct prog pr = {0};

    imagerouter_call_options_init(&co);
    co.progress = on_progress;
    co.progress_arg = &pr;
    ts_push_pieces(e->srv, 200, SSE_HEADERS, pieces, 4, -1);
    tu_request(&req);
    assert_int_equal(imagerouter_generate_stream(e->client, &req, &co, NULL,
                                                 NULL, &res, NULL),
                     IMAGEROUTER_OK);
    imagerouter_result_free(res);
    assert_true(pr.calls > 0);
    assert_int_equal(pr.max_partials, 2);

    co.progress = abort_progress;
    ts_push_delay(e->srv, 200, "Content-Type: application/json\r\n",
                  TU_OK_BODY, 300);
    assert_int_equal(imagerouter_generate(e->client, &req, &co, &res, &err),
                     IMAGEROUTER_ERR_ABORTED);
    assert_null(res);
    imagerouter_error_free(err);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tu_setup, tu_teardown)
    const struct CMUnitTest tests[] = {
        T(test_events_in_order),
        T(test_incremental_delivery),
        T(test_split_events_no_done),
        T(test_json_reply_to_stream),
        T(test_error_event),
        T(test_openai_style_error_and_unknown),
        T(test_no_completed_image),
        T(test_malformed_json),
        T(test_callback_abort),
        T(test_sse_reply_to_generate),
        T(test_http_error_before_stream),
        T(test_progress),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
