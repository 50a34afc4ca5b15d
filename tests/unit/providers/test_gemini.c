/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/providers/test_gemini.c - the gemini (AI Studio) adapter:
 * generateContent bodies, inline images, usageMetadata, HTTP-200 safety
 * blocks and google.rpc errors.
 */
#include "prov_test.h"

#define P (&ir_provider_gemini)
#define KEY "AIzaSyTest0123456789abcdefghijklmnop"
#define BASE "https://generativelanguage.googleapis.com"
#define SUPPORTED                                                            \
    "{\"resolution\":{\"type\":\"enum\",\"values\":[\"1K\",\"2K\",\"4K\"]}," \
    "\"aspect_ratio\":{\"type\":\"enum\",\"values\":[\"1:1\",\"16:9\"]},"   \
    "\"n\":{\"type\":\"range\",\"min\":1,\"max\":1},"                        \
    "\"input_references\":{\"type\":\"range\",\"min\":0,\"max\":14}}"

static void
setup(struct pt *t, const char *supported)
{
    pt_init(t, "Google AI Studio", "gemini-3-pro-image", BASE, KEY,
            supported ? supported : SUPPORTED, "{\"hidden_rates\":{}}");
    pt_geom(t, 0, 0, "2K", "16:9");
}

static void
test_build_all_params(void **state)
{
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n',
                                        0x1a, '\n'};
    struct pt t;

    (void)state;
    setup(&t, NULL);
    pt_ref_bytes(&t, png, sizeof png, "");
    pt_ref_bytes(&t, "hello", 5, "image/webp");
    t.req.seed = 7; /* undeclared here: dropped */
    t.req.seed_set = true;
    t.req.output_format = IR_FORMAT_PNG; /* AI Studio has no knob */
    pt_options(&t, "{\"cachedContent\":\"cachedContents/abc\","
                   "\"temperature\":0.4,\"personGeneration\":\"ALLOW_ADULT\"}");
    pt_build(&t, P);
    assert_string_equal(t.http.method, "POST");
    assert_string_equal(t.http.url, BASE "/v1beta/models/gemini-3-pro-image:"
                                         "generateContent");
    pt_assert_header(&t, "x-goog-api-key", KEY);
    pt_assert_header(&t, "Content-Type", "application/json");
    pt_assert_str(&t, "contents.0.role", "user");
    pt_assert_str(&t, "contents.0.parts.0.text", "a red fox in snow");
    pt_assert_str(&t, "contents.0.parts.1.inlineData.mimeType", "image/png");
    pt_assert_str(&t, "contents.0.parts.1.inlineData.data", PT_PNG_B64);
    pt_assert_str(&t, "contents.0.parts.2.inlineData.mimeType",
                  "image/webp");
    pt_assert_str(&t, "contents.0.parts.2.inlineData.data", "aGVsbG8=");
    pt_assert_str(&t, "generationConfig.responseModalities.0", "TEXT");
    pt_assert_str(&t, "generationConfig.responseModalities.1", "IMAGE");
    pt_assert_str(&t, "generationConfig.imageConfig.aspectRatio", "16:9");
    pt_assert_str(&t, "generationConfig.imageConfig.imageSize", "2K");
    pt_assert_str(&t, "generationConfig.imageConfig.personGeneration",
                  "ALLOW_ADULT");
    assert_true(json_is_real(pt_at(t.body, "generationConfig.temperature")));
    pt_assert_str(&t, "cachedContent", "cachedContents/abc");
    pt_assert_absent(&t, "generationConfig.seed");
    pt_assert_absent(&t, "generationConfig.imageConfig.imageOutputOptions");
    pt_assert_absent(&t, "generationConfig.candidateCount");
    pt_cleanup(&t);
}

static void
test_build_seed_and_no_tiers(void **state)
{
    struct pt t;

    (void)state;
    /* 2.5 Flash Image: no resolution declared, so no imageSize. */
    setup(&t, "{\"aspect_ratio\":{\"type\":\"enum\",\"values\":[\"1:1\"]},"
              "\"seed\":{\"type\":\"boolean\"}}");
    pt_geom(&t, 0, 0, "1K", "auto");
    t.req.seed = 4294967297LL;
    t.req.seed_set = true;
    pt_ref_bytes(&t, "x", 1, "image/png"); /* refs undeclared: dropped */
    pt_build(&t, P);
    pt_assert_absent(&t, "generationConfig.imageConfig.imageSize");
    pt_assert_absent(&t, "generationConfig.imageConfig.aspectRatio");
    pt_assert_int(&t, "generationConfig.seed", 1);
    pt_assert_absent(&t, "contents.0.parts.1");
    pt_cleanup(&t);
}

static void
test_build_config(void **state)
{
    struct pt t;

    (void)state;
    pt_init(&t, "Google AI Studio", "gemini-2.5-flash-image", BASE, KEY, "{}",
            "{\"api_version\":\"v1\",\"response_modalities\":\"IMAGE\"}");
    pt_build(&t, P);
    assert_string_equal(t.http.url, BASE "/v1/models/gemini-2.5-flash-image:"
                                         "generateContent");
    pt_assert_str(&t, "generationConfig.responseModalities.0", "IMAGE");
    pt_assert_absent(&t, "generationConfig.responseModalities.1");
    pt_cleanup(&t);
}

static void
test_build_url_ref_needs_bytes(void **state)
{
    struct pt t;
    ir_err e;

    (void)state;
    setup(&t, NULL);
    pt_ref_url(&t, "https://example.com/a.png");
    e = P->build(&t.call, &t.http, &t.err);
    assert_int_equal(e, IR_EUNSUPPORTED);
    assert_true(ir_providers_common_needs_ref_bytes(&t.err));
    pt_cleanup(&t);
}

static void
test_parse_ok(void **state)
{
    struct pt t;

    (void)state;
    setup(&t, NULL);
    assert_int_equal(pt_parse(&t, P, 200, "gemini/generate_ok.json"), IR_OK);
    assert_int_equal(t.res.nimages, 1); /* the thought image is skipped */
    pt_assert_png(&t.res.images[0]);
    assert_string_equal(t.res.text, "Here is your fox.");
    assert_true(t.res.usage.has_tokens);
    assert_int_equal(t.res.usage.prompt_tokens, 271);
    assert_int_equal(t.res.usage.prompt_text_tokens, 13);
    assert_int_equal(t.res.usage.prompt_image_tokens, 258);
    assert_int_equal(t.res.usage.completion_tokens, 1340);
    assert_int_equal(t.res.usage.image_tokens, 1290);
    assert_int_equal(t.res.usage.reasoning_tokens, 40);
    pt_cleanup(&t);
}

static void
test_blocks_are_content_policy(void **state)
{
    struct pt t;
    ir_err e;

    (void)state;
    setup(&t, NULL);
    e = pt_parse(&t, P, 200, "gemini/blocked_prompt.json");
    pt_assert_fail(&t, e, 400, false, "content_policy_violation");
    assert_string_equal(pt_meta(&t, "block_reason"), "PROHIBITED_CONTENT");
    assert_string_equal(pt_meta(&t, "provider_code"), "PROHIBITED_CONTENT");
    assert_string_equal(pt_meta(&t, "provider_name"), "Google AI Studio");
    assert_string_equal(t.err.message, "Google AI Studio: Gemini blocked "
                                       "this request through content "
                                       "moderation (PROHIBITED_CONTENT).");
    e = pt_parse(&t, P, 200, "gemini/blocked_finish.json");
    pt_assert_fail(&t, e, 400, false, "content_policy_violation");
    assert_string_equal(pt_meta(&t, "finish_reason"), "IMAGE_SAFETY");
    assert_int_equal(json_integer_value(json_object_get(
        t.err.metadata, "candidate_count")), 1);
    pt_cleanup(&t);
}

static void
test_no_image(void **state)
{
    struct pt t;
    ir_err e;

    (void)state;
    setup(&t, NULL);
    e = pt_parse(&t, P, 200, "gemini/text_only.json");
    pt_assert_fail(&t, e, 502, true, "provider_unavailable");
    assert_string_equal(t.err.message, "Google AI Studio: returned no image: "
                                       "Would you like the fox to be sitting "
                                       "or running?");
    e = pt_parse(&t, P, 200, "gemini/no_image.json");
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_string_equal(pt_meta(&t, "finish_reason"), "NO_IMAGE");
    e = pt_parse_raw(&t, P, 200, PT_LIT("{\"candidates\":[{\"content"),
                     false);
    pt_assert_fail(&t, e, 502, true, NULL);
    pt_fixture(&t, "gemini/generate_ok.json");
    e = pt_parse_raw(&t, P, 200, t.fixture, 200, true);
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_non_null(strstr(t.err.message, "cut short"));
    pt_cleanup(&t);
}

static void
test_errors(void **state)
{
    static const char *const ra[] = {"Retry-After: 3", NULL};
    struct pt t;
    ir_err e;

    (void)state;
    setup(&t, NULL);
    e = pt_parse(&t, P, 429, "gemini/error_rate_limit.json");
    pt_assert_fail(&t, e, 429, true, "rate_limit_exceeded");
    assert_int_equal(t.err.retry_after_s, 37);
    assert_string_equal(pt_meta(&t, "provider_code"), "RESOURCE_EXHAUSTED");
    e = pt_parse_hdrs(&t, P, 429, "gemini/error_rate_limit.json", ra);
    assert_int_equal(t.err.retry_after_s, 3);
    (void)e;
    e = pt_parse(&t, P, 503, "gemini/error_overloaded.json");
    pt_assert_fail(&t, e, 529, true, "provider_overloaded");
    assert_string_equal(t.err.message, "Google AI Studio: The model is "
                                       "overloaded. Please try again later.");
    e = pt_parse(&t, P, 504, "gemini/error_timeout.json");
    pt_assert_fail(&t, e, 524, true, "timeout");
    e = pt_parse(&t, P, 400, "gemini/error_key.json");
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_non_null(strstr(t.err.message, "credentials"));
    pt_assert_raw_clean(&t, KEY);
    e = pt_parse(&t, P, 400, "gemini/error_bad_request.json");
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_non_null(strstr(t.err.message, "Unable to process input image"));
    assert_string_equal(pt_meta(&t, "provider_code"), "INVALID_ARGUMENT");
    e = pt_parse_raw(&t, P, 500, PT_LIT("upstream connect error"), false);
    pt_assert_fail(&t, e, 502, true, NULL);
    pt_cleanup(&t);
}

static void
test_table(void **state)
{
    (void)state;
    assert_ptr_equal(ir_providers_find("gemini"), P);
    assert_string_equal(P->default_key_env, "GEMINI_API_KEY");
    assert_string_equal(P->default_base_url_env, "GEMINI_BASE_URL");
    assert_string_equal(P->default_base_url, BASE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_all_params),
        cmocka_unit_test(test_build_seed_and_no_tiers),
        cmocka_unit_test(test_build_config),
        cmocka_unit_test(test_build_url_ref_needs_bytes),
        cmocka_unit_test(test_parse_ok),
        cmocka_unit_test(test_blocks_are_content_policy),
        cmocka_unit_test(test_no_image),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
