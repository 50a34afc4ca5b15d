/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/providers/test_bfl.c - the bfl adapter: submit bodies, the
 * poll loop (polling_url kept exactly, key only to BFL hosts), results,
 * moderation and error classes.
 */
#include "prov_test.h"

#define P (&ir_provider_bfl)
#define KEY "bfl_0123456789abcdef-test"
#define BASE "https://api.bfl.ai"
#define SUPPORTED                                                            \
    "{\"aspect_ratio\":{\"type\":\"enum\",\"values\":[\"1:1\",\"16:9\"]},"  \
    "\"output_format\":{\"type\":\"enum\",\"values\":[\"png\",\"jpeg\"]},"  \
    "\"seed\":{\"type\":\"boolean\"},"                                       \
    "\"n\":{\"type\":\"range\",\"min\":1,\"max\":1},"                        \
    "\"input_references\":{\"type\":\"range\",\"min\":0,\"max\":8}}"
#define POLL_URL                                                             \
    "https://api.eu1.bfl.ai/v1/get_result?id="                               \
    "ce9e065d-dc90-4633-9c1e-44ea839ed569"

static void
setup(struct pt *t)
{
    pt_init(t, "Black Forest Labs", "flux-2-pro", BASE, KEY, SUPPORTED, NULL);
    pt_geom(t, 1360, 768, "1K", "16:9");
}

static void
test_build_submit(void **state)
{
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n',
                                        0x1a, '\n'};
    struct pt t;

    (void)state;
    setup(&t);
    t.req.seed = 42;
    t.req.seed_set = true;
    t.req.output_format = IR_FORMAT_PNG;
    pt_ref_url(&t, "https://example.com/a.jpg");
    pt_ref_bytes(&t, png, sizeof png, "image/png");
    pt_options(&t, "{\"safety_tolerance\":5,\"steps\":30}");
    pt_build(&t, P);
    assert_string_equal(t.http.method, "POST");
    assert_string_equal(t.http.url, BASE "/v1/flux-2-pro");
    pt_assert_header(&t, "x-key", KEY);
    pt_assert_header(&t, "Content-Type", "application/json");
    assert_null(pt_header(&t.http, "Authorization"));
    pt_assert_str(&t, "prompt", "a red fox in snow");
    pt_assert_int(&t, "width", 1360);
    pt_assert_int(&t, "height", 768);
    pt_assert_int(&t, "seed", 42);
    pt_assert_str(&t, "output_format", "png");
    pt_assert_str(&t, "input_image", "https://example.com/a.jpg");
    pt_assert_str(&t, "input_image_2", PT_PNG_B64);
    pt_assert_absent(&t, "input_image_3");
    pt_assert_int(&t, "safety_tolerance", 5);
    pt_assert_int(&t, "steps", 30);
    pt_assert_absent(&t, "aspect_ratio");
    pt_cleanup(&t);
}

static void
test_build_aspect_mode_and_undeclared(void **state)
{
    struct pt t;

    (void)state;
    pt_init(&t, "Black Forest Labs", "flux-kontext-pro", BASE, KEY, "{}",
            "{\"size_mode\":\"aspect\"}");
    pt_geom(&t, 1360, 768, "1K", "16:9");
    t.req.seed = 42;
    t.req.seed_set = true;
    t.req.output_format = IR_FORMAT_JPEG;
    pt_ref_url(&t, "https://example.com/a.jpg");
    pt_build(&t, P);
    assert_string_equal(t.http.url, BASE "/v1/flux-kontext-pro");
    pt_assert_str(&t, "aspect_ratio", "16:9");
    pt_assert_absent(&t, "width");
    pt_assert_absent(&t, "seed");
    pt_assert_absent(&t, "output_format");
    pt_assert_absent(&t, "input_image");
    pt_cleanup(&t);
}

static void
test_submit_then_poll(void **state)
{
    struct pt t;

    (void)state;
    setup(&t);
    assert_int_equal(pt_parse(&t, P, 200, "bfl/submit_ok.json"), IR_OK);
    assert_int_equal(t.res.outcome, IR_PARSE_POLL);
    assert_string_equal(t.res.poll_url, POLL_URL);
    assert_int_equal(t.res.poll_after_ms, 500);
    assert_int_equal(t.res.nimages, 0);
    assert_int_equal(P->poll_build(&t.call, POLL_URL, &t.http, &t.err),
                     IR_OK);
    assert_string_equal(t.http.method, "GET");
    assert_string_equal(t.http.url, POLL_URL);
    pt_assert_header(&t, "x-key", KEY);
    assert_null(t.http.body);
    ir_http_req_cleanup(&t.http);
    /* Our key never goes to a host that is not BFL's. */
    assert_int_equal(P->poll_build(&t.call, "https://evil.example/x?id=1",
                                   &t.http, &t.err), IR_OK);
    assert_null(pt_header(&t.http, "x-key"));
    ir_http_req_cleanup(&t.http);
    assert_int_equal(P->poll_build(&t.call, "https://api.bfl.ai@evil.example"
                                   "/x", &t.http, &t.err), IR_EINVAL);
    assert_int_equal(t.err.status, 502);
    ir_http_req_cleanup(&t.http);
    assert_int_not_equal(P->poll_build(&t.call, "file:///etc/passwd",
                                       &t.http, &t.err), IR_OK);
    ir_http_req_cleanup(&t.http);
    /* The emulator: same host as the configured base. */
    t.call.base_url = "http://127.0.0.1:9100";
    assert_int_equal(P->poll_build(&t.call, "http://127.0.0.1:9100/v1/"
                                   "get_result?id=1", &t.http, &t.err),
                     IR_OK);
    pt_assert_header(&t, "x-key", KEY);
    pt_cleanup(&t);
}

static void
test_poll_answers(void **state)
{
    struct pt t;
    ir_err e;

    (void)state;
    setup(&t);
    assert_int_equal(pt_parse(&t, P, 200, "bfl/poll_pending.json"), IR_OK);
    assert_int_equal(t.res.outcome, IR_PARSE_POLL);
    assert_null(t.res.poll_url); /* the same URL again */
    assert_int_equal(t.res.poll_after_ms, 500);
    assert_int_equal(pt_parse(&t, P, 200, "bfl/poll_ready.json"), IR_OK);
    assert_int_equal(t.res.outcome, IR_PARSE_DONE);
    assert_int_equal(t.res.nimages, 1);
    assert_null(t.res.images[0].bytes);
    assert_string_equal(t.res.images[0].url,
                        "https://delivery-eu1.bfl.ai/results/ab/cd/sample."
                        "jpeg?se=2026-10-01&sig=abc");
    e = pt_parse(&t, P, 200, "bfl/poll_request_moderated.json");
    pt_assert_fail(&t, e, 400, false, "content_policy_violation");
    assert_string_equal(t.err.message, "Black Forest Labs: Request "
                                       "Moderated: Content Policy Violation");
    assert_string_equal(pt_meta(&t, "provider_code"), "Request Moderated");
    assert_non_null(strstr(pt_meta(&t, "raw"), "Moderation Reasons"));
    e = pt_parse(&t, P, 200, "bfl/poll_content_moderated.json");
    pt_assert_fail(&t, e, 400, false, "content_policy_violation");
    e = pt_parse(&t, P, 200, "bfl/poll_error.json");
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_string_equal(t.err.message, "Black Forest Labs: Internal "
                                       "processing error");
    e = pt_parse(&t, P, 200, "bfl/poll_not_found.json");
    pt_assert_fail(&t, e, 502, true, NULL);
    e = pt_parse_raw(&t, P, 200, PT_LIT("{\"id\":\"x\",\"status\":\"Ready\","
                                        "\"result\":{}}"), false);
    pt_assert_fail(&t, e, 502, true, NULL);
    e = pt_parse_raw(&t, P, 200, PT_LIT("{\"id\":\"x\"}"), false);
    pt_assert_fail(&t, e, 502, true, NULL);
    pt_cleanup(&t);
}

static void
test_errors(void **state)
{
    static const char *const ra[] = {"Retry-After: 5", NULL};
    struct pt t;
    ir_err e;

    (void)state;
    setup(&t);
    e = pt_parse_hdrs(&t, P, 429, "bfl/error_429.json", ra);
    pt_assert_fail(&t, e, 429, true, "rate_limit_exceeded");
    assert_int_equal(t.err.retry_after_s, 5);
    e = pt_parse(&t, P, 402, "bfl/error_402.json");
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_non_null(strstr(t.err.message, "out of credit"));
    e = pt_parse(&t, P, 422, "bfl/error_422.json");
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_string_equal(t.err.message, "Black Forest Labs: Input should be "
                                       "a multiple of 16");
    e = pt_parse_raw(&t, P, 401, PT_LIT("{\"detail\":\"Not authenticated\"}"),
                     false);
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_non_null(strstr(t.err.message, "credentials"));
    e = pt_parse_raw(&t, P, 503, PT_LIT("{\"detail\":\"High load\"}"), false);
    pt_assert_fail(&t, e, 529, true, "provider_overloaded");
    e = pt_parse_raw(&t, P, 504, PT_LIT(""), false);
    pt_assert_fail(&t, e, 524, true, "timeout");
    e = pt_parse_raw(&t, P, 200, PT_LIT("{\"id\":\"x\",\"polling"), true);
    pt_assert_fail(&t, e, 502, true, NULL);
    e = pt_parse_raw(&t, P, 200, PT_LIT("<html>"), false);
    pt_assert_fail(&t, e, 502, true, NULL);
    pt_cleanup(&t);
}

static void
test_table(void **state)
{
    (void)state;
    assert_ptr_equal(ir_providers_find("bfl"), P);
    assert_int_equal(P->mode, IR_ENGINE_POLL);
    assert_non_null(P->poll_build);
    assert_string_equal(P->default_key_env, "BFL_API_KEY");
    assert_string_equal(P->default_base_url_env, "BFL_BASE_URL");
    assert_string_equal(P->default_base_url, BASE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_submit),
        cmocka_unit_test(test_build_aspect_mode_and_undeclared),
        cmocka_unit_test(test_submit_then_poll),
        cmocka_unit_test(test_poll_answers),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
