/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/providers/test_openai.c - the openai adapter: generations and
 * edits requests for every declared parameter, responses, error classes,
 * SSE events.
 */
#include "prov_test.h"

#define P (&ir_provider_openai)
#define KEY "sk-test-0123456789abcdef7890"
#define BASE "https://api.openai.com/v1"
#define SUPPORTED                                                            \
    "{\"aspect_ratio\":{\"type\":\"enum\",\"values\":[\"1:1\",\"2:3\","      \
    "\"3:2\",\"auto\"]},"                                                    \
    "\"quality\":{\"type\":\"enum\",\"values\":[\"auto\",\"low\","           \
    "\"medium\",\"high\"]},"                                                 \
    "\"background\":{\"type\":\"enum\",\"values\":[\"auto\","                \
    "\"transparent\",\"opaque\"]},"                                          \
    "\"output_format\":{\"type\":\"enum\",\"values\":[\"png\",\"jpeg\","     \
    "\"webp\"]},"                                                            \
    "\"output_compression\":{\"type\":\"range\",\"min\":0,\"max\":100},"     \
    "\"n\":{\"type\":\"range\",\"min\":1,\"max\":10},"                       \
    "\"input_references\":{\"type\":\"range\",\"min\":0,\"max\":16}}"

static void
setup(struct pt *t)
{
    pt_init(t, "OpenAI", "gpt-image-1", BASE, KEY, SUPPORTED, NULL);
    pt_geom(t, 1024, 1024, "1K", "1:1");
}

static void
test_build_generations_all_params(void **state)
{
    struct pt t;

    (void)state;
    setup(&t);
    pt_geom(&t, 1536, 1024, "1K", "3:2");
    t.req.quality = IR_QUALITY_HIGH;
    t.req.background = IR_BACKGROUND_TRANSPARENT;
    t.req.output_format = IR_FORMAT_WEBP;
    t.req.output_compression = 80;
    t.req.output_compression_set = true;
    t.req.seed = 42; /* undeclared: dropped */
    t.req.seed_set = true;
    t.call.n = 2;
    pt_options(&t, "{\"moderation\":\"low\"}");
    pt_build(&t, P);
    assert_string_equal(t.http.method, "POST");
    assert_string_equal(t.http.url, BASE "/images/generations");
    pt_assert_header(&t, "Authorization", "Bearer " KEY);
    pt_assert_header(&t, "Content-Type", "application/json");
    pt_assert_str(&t, "model", "gpt-image-1");
    pt_assert_str(&t, "prompt", "a red fox in snow");
    pt_assert_int(&t, "n", 2);
    pt_assert_str(&t, "size", "1536x1024");
    pt_assert_str(&t, "quality", "high");
    pt_assert_str(&t, "background", "transparent");
    pt_assert_str(&t, "output_format", "webp");
    pt_assert_int(&t, "output_compression", 80);
    pt_assert_str(&t, "moderation", "low");
    pt_assert_absent(&t, "seed");
    pt_assert_absent(&t, "stream");
    pt_assert_absent(&t, "response_format");
    pt_cleanup(&t);
}

static void
test_build_drops_undeclared_and_png_compression(void **state)
{
    struct pt t;

    (void)state;
    pt_init(&t, "OpenAI", "gpt-image-2", BASE, KEY,
            "{\"output_format\":{\"type\":\"enum\",\"values\":[\"png\"]},"
            "\"output_compression\":{\"type\":\"range\",\"min\":0,"
            "\"max\":100}}", NULL);
    pt_geom(&t, 1024, 1024, "1K", "auto");
    t.req.quality = IR_QUALITY_LOW;
    t.req.background = IR_BACKGROUND_OPAQUE;
    t.req.output_format = IR_FORMAT_PNG;
    t.req.output_compression = 50;
    t.req.output_compression_set = true;
    pt_build(&t, P);
    pt_assert_str(&t, "size", "auto");
    pt_assert_str(&t, "output_format", "png");
    pt_assert_absent(&t, "output_compression");
    pt_assert_absent(&t, "quality");
    pt_assert_absent(&t, "background");
    pt_assert_int(&t, "n", 1);
    pt_cleanup(&t);
}

static void
test_build_custom_size_gpt_image_2(void **state)
{
    struct pt t;

    (void)state;
    setup(&t);
    pt_geom(&t, 3840, 2160, "4K", "16:9");
    pt_build(&t, P);
    pt_assert_str(&t, "size", "3840x2160");
    pt_cleanup(&t);
}

static void
test_build_stream(void **state)
{
    struct pt t;

    (void)state;
    setup(&t);
    t.call.stream = true;
    t.call.partial_images = 2;
    pt_build(&t, P);
    assert_true(json_is_true(pt_at(t.body, "stream")));
    pt_assert_int(&t, "partial_images", 2);
    pt_assert_header(&t, "Accept", "text/event-stream");
    pt_cleanup(&t);
}

static void
test_build_compatible_server(void **state)
{
    struct pt t;

    (void)state;
    pt_init(&t, "LocalAI", "stablediffusion", "http://127.0.0.1:8080/v1",
            NULL, "{}", "{\"response_format\":\"b64_json\"}");
    pt_geom(&t, 512, 512, "512", "1:1");
    pt_build(&t, P);
    assert_string_equal(t.http.url,
                        "http://127.0.0.1:8080/v1/images/generations");
    assert_null(pt_header(&t.http, "Authorization"));
    pt_assert_str(&t, "response_format", "b64_json");
    pt_assert_str(&t, "size", "512x512");
    pt_cleanup(&t);
}

static void
test_build_edits_multipart(void **state)
{
    static const unsigned char img1[] = {0x89, 'P', 'N', 'G', 1, 2, 3};
    static const unsigned char img2[] = {0xff, 0xd8, 0xff, 0xe0, 9, 9};
    struct pt t;
    const char *ct, *b;

    (void)state;
    setup(&t);
    t.req.quality = IR_QUALITY_MEDIUM;
    t.call.n = 3;
    pt_ref_bytes(&t, img1, sizeof img1, "image/png");
    pt_ref_bytes(&t, img2, sizeof img2, ""); /* sniffed: jpeg */
    pt_options(&t, "{\"input_fidelity\":\"high\"}");
    pt_build(&t, P);
    assert_string_equal(t.http.url, BASE "/images/edits");
    pt_assert_header(&t, "Authorization", "Bearer " KEY);
    ct = pt_header(&t.http, "Content-Type");
    assert_non_null(ct);
    assert_string_equal(ct, "multipart/form-data; boundary="
                            "imagerouter-form-boundary-5f3a9c1e7b");
    b = t.http.body;
    pt_body_has(&t, "name=\"prompt\"\r\n\r\na red fox in snow\r\n");
    pt_body_has(&t, "name=\"n\"\r\n\r\n3\r\n");
    pt_body_has(&t, "name=\"quality\"\r\n\r\nmedium\r\n");
    pt_body_has(&t, "name=\"input_fidelity\"\r\n\r\nhigh\r\n");
    pt_body_has(&t, "name=\"image[]\"; filename=\"image0.png\"\r\n"
                    "Content-Type: image/png\r\n\r\n");
    pt_body_has(&t, "name=\"image[]\"; filename=\"image1.jpeg\"\r\n"
                    "Content-Type: image/jpeg\r\n\r\n");
    assert_non_null(memmem(b, t.http.body_len, img2, sizeof img2));
    pt_body_has(&t, "--imagerouter-form-boundary-5f3a9c1e7b--\r\n");
    pt_cleanup(&t);
}

static void
test_build_edits_single_ref_and_boundary_clash(void **state)
{
    static const char img[] = "\x89PNG..imagerouter-form-boundary-5f3a9c1e7b";
    struct pt t;

    (void)state;
    setup(&t);
    pt_ref_bytes(&t, img, sizeof img - 1, "image/PNG");
    pt_build(&t, P);
    pt_assert_header(&t, "Content-Type", "multipart/form-data; boundary="
                                         "imagerouter-form-boundary-5f3a9c1e7b"
                                         "-1");
    pt_body_has(&t, "name=\"image\"; filename=\"image0.png\"");
    pt_cleanup(&t);
}

static void
test_build_url_ref_needs_bytes(void **state)
{
    static const unsigned char img[] = {0x89, 'P', 'N', 'G'};
    struct pt t;
    ir_err e;

    (void)state;
    setup(&t);
    pt_ref_bytes(&t, img, sizeof img, "image/png");
    pt_ref_url(&t, "https://example.com/cat.png");
    e = P->build(&t.call, &t.http, &t.err);
    assert_int_equal(e, IR_EUNSUPPORTED);
    assert_int_equal(t.err.status, 0);
    assert_true(ir_providers_common_needs_ref_bytes(&t.err));
    assert_int_equal(json_array_size(json_object_get(t.err.metadata,
                                                     "ref_indexes")), 1);
    assert_int_equal(json_integer_value(json_array_get(
        json_object_get(t.err.metadata, "ref_indexes"), 0)), 1);
    pt_cleanup(&t);
}

static void
test_build_refs_undeclared_go_to_generations(void **state)
{
    struct pt t;

    (void)state;
    pt_init(&t, "OpenAI", "gpt-image-1", BASE, KEY, "{}", NULL);
    pt_ref_url(&t, "https://example.com/cat.png");
    pt_build(&t, P);
    assert_string_equal(t.http.url, BASE "/images/generations");
    pt_cleanup(&t);
}

static void
test_parse_ok(void **state)
{
    struct pt t;

    (void)state;
    setup(&t);
    assert_int_equal(pt_parse(&t, P, 200, "openai/generate_ok.json"), IR_OK);
    assert_int_equal(t.res.outcome, IR_PARSE_DONE);
    assert_int_equal(t.res.nimages, 2);
    pt_assert_png(&t.res.images[0]);
    pt_assert_png(&t.res.images[1]);
    assert_true(t.res.usage.has_tokens);
    assert_int_equal(t.res.usage.prompt_tokens, 50);
    assert_int_equal(t.res.usage.prompt_text_tokens, 10);
    assert_int_equal(t.res.usage.prompt_image_tokens, 40);
    assert_int_equal(t.res.usage.completion_tokens, 4160);
    assert_int_equal(t.res.usage.image_tokens, 4160);
    assert_string_equal(t.res.text, "a red fox standing in snow");
    assert_int_equal(t.err.status, 0);
    pt_cleanup(&t);
}

static void
test_parse_url(void **state)
{
    struct pt t;

    (void)state;
    setup(&t);
    assert_int_equal(pt_parse(&t, P, 200, "openai/url_ok.json"), IR_OK);
    assert_int_equal(t.res.nimages, 1);
    assert_null(t.res.images[0].bytes);
    assert_string_equal(t.res.images[0].url,
                        "http://localai.local/generated-images/b641.png");
    assert_false(t.res.usage.has_tokens);
    pt_cleanup(&t);
}

static void
test_error_content_policy(void **state)
{
    struct pt t;
    ir_err e;

    (void)state;
    setup(&t);
    e = pt_parse(&t, P, 400, "openai/error_moderation.json");
    pt_assert_fail(&t, e, 400, false, "content_policy_violation");
    assert_string_equal(pt_meta(&t, "provider_code"), "moderation_blocked");
    assert_string_equal(pt_meta(&t, "provider_name"), "OpenAI");
    assert_non_null(strstr(t.err.message, "OpenAI: Your request was "
                                          "rejected by the safety system"));
    assert_non_null(pt_meta(&t, "raw"));
    pt_cleanup(&t);
}

static void
test_error_rate_limit(void **state)
{
    static const char *const hdrs[] = {"retry-after: 12", NULL};
    static const char *const hdrs_ms[] = {"Retry-After-Ms: 1500", NULL};
    struct pt t;
    ir_err e;

    (void)state;
    setup(&t);
    e = pt_parse_hdrs(&t, P, 429, "openai/error_rate_limit.json", hdrs);
    pt_assert_fail(&t, e, 429, true, "rate_limit_exceeded");
    assert_int_equal(t.err.retry_after_s, 12);
    assert_string_equal(pt_meta(&t, "provider_code"), "rate_limit_exceeded");
    e = pt_parse_hdrs(&t, P, 429, "openai/error_rate_limit.json", hdrs_ms);
    pt_assert_fail(&t, e, 429, true, "rate_limit_exceeded");
    assert_int_equal(t.err.retry_after_s, 2);
    pt_cleanup(&t);
}

static void
test_error_quota_is_not_a_rate_limit(void **state)
{
    struct pt t;
    ir_err e;

    (void)state;
    setup(&t);
    e = pt_parse(&t, P, 429, "openai/error_quota.json");
    pt_assert_fail(&t, e, 502, true, "provider_unavailable");
    assert_non_null(strstr(t.err.message, "out of credit or quota"));
    pt_cleanup(&t);
}

static void
test_error_overload(void **state)
{
    struct pt t;
    ir_err e;

    (void)state;
    setup(&t);
    e = pt_parse(&t, P, 503, "openai/error_overloaded.json");
    pt_assert_fail(&t, e, 529, true, "provider_overloaded");
    e = pt_parse_raw(&t, P, 529,
                     PT_LIT("{\"error\":{\"message\":\"Overloaded\"}}"),
                     false);
    pt_assert_fail(&t, e, 529, true, "provider_overloaded");
    pt_cleanup(&t);
}

static void
test_error_timeouts(void **state)
{
    static const int statuses[] = {504, 524, 408};
    static const char html[] = "<html><body>Gateway Timeout</body></html>";
    struct pt t;
    size_t i;
    ir_err e;

    (void)state;
    setup(&t);
    for (i = 0; i < 3; i++) {
        e = pt_parse_raw(&t, P, statuses[i], html, sizeof html - 1, false);
        pt_assert_fail(&t, e, 524, true, "timeout");
        assert_string_equal(t.err.message, "OpenAI: the provider timed out");
    }
    pt_cleanup(&t);
}

static void
test_error_credentials(void **state)
{
    struct pt t;
    ir_err e;

    (void)state;
    setup(&t);
    e = pt_parse(&t, P, 401, "openai/error_auth.json");
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_non_null(strstr(t.err.message, "rejected the router's "
                                          "credentials"));
    assert_null(strstr(t.err.message, "sk-"));
    assert_null(strstr(pt_meta(&t, "raw"), "sk-test"));
    assert_null(strstr(pt_meta(&t, "raw"), "7890"));
    pt_assert_raw_clean(&t, KEY);
    assert_string_equal(pt_meta(&t, "provider_code"), "invalid_api_key");
    e = pt_parse_raw(&t, P, 403,
                     PT_LIT("{\"error\":{\"message\":\"Country, region, "
                            "or territory not supported\"}}"), false);
    pt_assert_fail(&t, e, 502, true, NULL);
    pt_cleanup(&t);
}

static void
test_error_other_failures(void **state)
{
    struct pt t;
    ir_err e;

    (void)state;
    setup(&t);
    e = pt_parse(&t, P, 500, "openai/error_server.json");
    pt_assert_fail(&t, e, 502, true, "provider_unavailable");
    assert_non_null(strstr(t.err.message, "OpenAI: The server had an error"));
    e = pt_parse(&t, P, 400, "openai/error_bad_request.json");
    pt_assert_fail(&t, e, 502, true, "provider_unavailable");
    assert_string_equal(pt_meta(&t, "provider_code"), "invalid_value");
    e = pt_parse(&t, P, 200, "openai/no_image.json");
    pt_assert_fail(&t, e, 502, true, "provider_unavailable");
    assert_string_equal(t.err.message, "OpenAI: returned no image");
    e = pt_parse_raw(&t, P, 200, PT_LIT("{\"data\":[{\"b64"), false);
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_non_null(strstr(t.err.message, "not valid JSON"));
    pt_fixture(&t, "openai/generate_ok.json");
    e = pt_parse_raw(&t, P, 200, t.fixture, t.fixture_len, true);
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_non_null(strstr(t.err.message, "cut short"));
    assert_int_equal(t.res.nimages, 0);
    e = pt_parse(&t, P, 200, "openai/bad_b64.json");
    pt_assert_fail(&t, e, 502, true, NULL);
    e = pt_parse_raw(&t, P, 502, PT_LIT("Bad Gateway"), false);
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_string_equal(t.err.message, "OpenAI: Bad Gateway");
    pt_cleanup(&t);
}

static void
test_error_raw_scrubbed(void **state)
{
    struct pt t;
    char body[8192];
    size_t n, i;
    ir_err e;

    (void)state;
    setup(&t);
    n = (size_t)snprintf(body, sizeof body, "{\"error\":{\"message\":\"bad "
                         "image\",\"echo\":\"");
    for (i = 0; i < 3000; i++)
        body[n++] = "AbC0+/"[i % 6];
    n += (size_t)snprintf(body + n, sizeof body - n, "\",\"key\":\"%s\"}}",
                          KEY);
    e = pt_parse_raw(&t, P, 400, body, n, false);
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_non_null(strstr(pt_meta(&t, "raw"), "[redacted]"));
    assert_null(strstr(pt_meta(&t, "raw"), "AbC0+/AbC0"));
    pt_assert_raw_clean(&t, KEY);
    pt_cleanup(&t);
}

static void
stream(struct pt *t, const char *event, const char *rel)
{
    ir_err e;

    pt_fixture(t, rel);
    ir_stream_ev_cleanup(&t->ev);
    ir_error_cleanup(&t->err);
    e = P->stream_event(&t->call, event, t->fixture, t->fixture_len, &t->ev,
                        &t->err);
    assert_int_equal(e, IR_OK);
}

static void
test_stream_events(void **state)
{
    struct pt t;
    ir_err e;

    (void)state;
    setup(&t);
    t.call.stream = true;
    stream(&t, "image_generation.partial_image", "openai/stream_partial.json");
    assert_int_equal(t.ev.type, IR_STREAM_EV_PARTIAL);
    assert_int_equal(t.ev.index, 1);
    assert_string_equal(t.ev.b64, PT_PNG_B64);
    stream(&t, "", "openai/stream_edit_partial.json");
    assert_int_equal(t.ev.type, IR_STREAM_EV_PARTIAL);
    assert_int_equal(t.ev.index, 0);
    stream(&t, "image_generation.completed", "openai/stream_completed.json");
    assert_int_equal(t.ev.type, IR_STREAM_EV_COMPLETED);
    assert_string_equal(t.ev.b64, PT_PNG_B64);
    assert_true(t.ev.usage.has_tokens);
    assert_int_equal(t.ev.usage.prompt_tokens, 50);
    assert_int_equal(t.ev.usage.prompt_text_tokens, 50);
    assert_int_equal(t.ev.usage.completion_tokens, 4260);
    assert_int_equal(t.ev.usage.image_tokens, 4260);
    stream(&t, "error", "openai/stream_error.json");
    assert_int_equal(t.ev.type, IR_STREAM_EV_ERROR);
    pt_assert_fail(&t, IR_EUPSTREAM, 400, false, "content_policy_violation");
    stream(&t, "", "openai/stream_error_server.json");
    assert_int_equal(t.ev.type, IR_STREAM_EV_ERROR);
    pt_assert_fail(&t, IR_EUPSTREAM, 502, true, NULL);
    ir_stream_ev_cleanup(&t.ev);
    e = P->stream_event(&t.call, "", "[DONE]", 6, &t.ev, &t.err);
    assert_int_equal(e, IR_OK);
    assert_int_equal(t.ev.type, IR_STREAM_EV_NONE);
    e = P->stream_event(&t.call, "keepalive", "{\"type\":\"keepalive\"}", 20,
                        &t.ev, &t.err);
    assert_int_equal(e, IR_OK);
    assert_int_equal(t.ev.type, IR_STREAM_EV_NONE);
    ir_error_cleanup(&t.err);
    e = P->stream_event(&t.call, "", "{\"type\":", 8, &t.ev, &t.err);
    assert_int_equal(e, IR_OK);
    assert_int_equal(t.ev.type, IR_STREAM_EV_ERROR);
    pt_assert_fail(&t, IR_EUPSTREAM, 502, true, NULL);
    pt_cleanup(&t);
}

static void
test_table(void **state)
{
    (void)state;
    assert_ptr_equal(ir_providers_find("openai"), P);
    assert_int_equal(P->mode, IR_ENGINE_SYNC);
    assert_string_equal(P->default_key_env, "OPENAI_API_KEY");
    assert_string_equal(P->default_base_url_env, "OPENAI_BASE_URL");
    assert_string_equal(P->default_base_url, "https://api.openai.com/v1");
    assert_non_null(P->stream_event);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_generations_all_params),
        cmocka_unit_test(test_build_drops_undeclared_and_png_compression),
        cmocka_unit_test(test_build_custom_size_gpt_image_2),
        cmocka_unit_test(test_build_stream),
        cmocka_unit_test(test_build_compatible_server),
        cmocka_unit_test(test_build_edits_multipart),
        cmocka_unit_test(test_build_edits_single_ref_and_boundary_clash),
        cmocka_unit_test(test_build_url_ref_needs_bytes),
        cmocka_unit_test(test_build_refs_undeclared_go_to_generations),
        cmocka_unit_test(test_parse_ok),
        cmocka_unit_test(test_parse_url),
        cmocka_unit_test(test_error_content_policy),
        cmocka_unit_test(test_error_rate_limit),
        cmocka_unit_test(test_error_quota_is_not_a_rate_limit),
        cmocka_unit_test(test_error_overload),
        cmocka_unit_test(test_error_timeouts),
        cmocka_unit_test(test_error_credentials),
        cmocka_unit_test(test_error_other_failures),
        cmocka_unit_test(test_error_raw_scrubbed),
        cmocka_unit_test(test_stream_events),
        cmocka_unit_test(test_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
