/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/providers/test_xai.c - the xai adapter: generations and JSON
 * edits, aspect_ratio/resolution, xAI's {code, error} bodies.
 */
#include "prov_test.h"

#define P (&ir_provider_xai)
#define KEY "xai-0123456789abcdef0123456789abcdef"
#define BASE "https://api.x.ai/v1"
#define SUPPORTED                                                            \
    "{\"resolution\":{\"type\":\"enum\",\"values\":[\"1K\",\"2K\"]},"        \
    "\"aspect_ratio\":{\"type\":\"enum\",\"values\":[\"1:1\",\"9:19.5\","   \
    "\"auto\"]},"                                                            \
    "\"n\":{\"type\":\"range\",\"min\":1,\"max\":10},"                       \
    "\"input_references\":{\"type\":\"range\",\"min\":0,\"max\":3}}"

static void
setup(struct pt *t, const char *supported)
{
    pt_init(t, "xAI", "grok-imagine-image", BASE, KEY,
            supported ? supported : SUPPORTED, NULL);
    pt_geom(t, 0, 0, "2K", "9:19.5");
}

static void
test_build_generations(void **state)
{
    struct pt t;

    (void)state;
    setup(&t, NULL);
    t.call.n = 4;
    t.req.quality = IR_QUALITY_HIGH; /* undeclared: dropped */
    t.req.seed = 3;                  /* no seed on xAI */
    t.req.seed_set = true;
    pt_build(&t, P);
    assert_string_equal(t.http.method, "POST");
    assert_string_equal(t.http.url, BASE "/images/generations");
    pt_assert_header(&t, "Authorization", "Bearer " KEY);
    pt_assert_header(&t, "Content-Type", "application/json");
    pt_assert_str(&t, "model", "grok-imagine-image");
    pt_assert_str(&t, "prompt", "a red fox in snow");
    pt_assert_int(&t, "n", 4);
    pt_assert_str(&t, "aspect_ratio", "9:19.5");
    pt_assert_str(&t, "resolution", "2k");
    pt_assert_str(&t, "response_format", "b64_json");
    pt_assert_absent(&t, "quality");
    pt_assert_absent(&t, "seed");
    pt_assert_absent(&t, "size");
    pt_cleanup(&t);
}

static void
test_build_quality_model(void **state)
{
    struct pt t;

    (void)state;
    setup(&t, "{\"quality\":{\"type\":\"enum\",\"values\":[\"low\","
              "\"medium\"]}}");
    pt_geom(&t, 0, 0, "1K", "auto");
    t.req.quality = IR_QUALITY_MEDIUM;
    pt_build(&t, P);
    pt_assert_str(&t, "quality", "medium");
    pt_assert_str(&t, "aspect_ratio", "auto");
    pt_assert_absent(&t, "resolution");
    pt_cleanup(&t);
}

static void
test_build_edits(void **state)
{
    static const unsigned char jpg[] = {0xff, 0xd8, 0xff, 0xe0};
    struct pt t;

    (void)state;
    setup(&t, NULL);
    pt_ref_bytes(&t, jpg, sizeof jpg, "");
    pt_build(&t, P);
    assert_string_equal(t.http.url, BASE "/images/edits");
    pt_assert_str(&t, "image.type", "image_url");
    pt_assert_str(&t, "image.url", "data:image/jpeg;base64,/9j/4A==");
    pt_assert_absent(&t, "images");
    pt_cleanup(&t);
    setup(&t, NULL);
    pt_ref_url(&t, "https://example.com/1.png");
    pt_ref_url(&t, "https://example.com/2.png");
    pt_ref_url(&t, "https://example.com/3.png");
    pt_ref_url(&t, "https://example.com/4.png"); /* over the max of 3 */
    pt_build(&t, P);
    pt_assert_str(&t, "images.0.type", "image_url");
    pt_assert_str(&t, "images.0.url", "https://example.com/1.png");
    pt_assert_str(&t, "images.2.url", "https://example.com/3.png");
    pt_assert_absent(&t, "images.3");
    pt_assert_absent(&t, "image");
    pt_cleanup(&t);
}

static void
test_parse(void **state)
{
    struct pt t;

    (void)state;
    setup(&t, NULL);
    assert_int_equal(pt_parse(&t, P, 200, "xai/generate_ok.json"), IR_OK);
    assert_int_equal(t.res.nimages, 2);
    pt_assert_png(&t.res.images[0]); /* data: prefix stripped */
    pt_assert_png(&t.res.images[1]);
    assert_int_equal(pt_parse(&t, P, 200, "xai/url_ok.json"), IR_OK);
    assert_string_equal(t.res.images[0].url, "https://imgen.x.ai/xai-imgen/"
                                             "xai-tmp-imgen-1.jpeg");
    pt_cleanup(&t);
}

static void
test_errors(void **state)
{
    static const char *const ra[] = {"Retry-After: 2", NULL};
    struct pt t;
    ir_err e;

    (void)state;
    setup(&t, NULL);
    e = pt_parse(&t, P, 400, "xai/error_moderation.json");
    pt_assert_fail(&t, e, 400, false, "content_policy_violation");
    assert_string_equal(t.err.message, "xAI: Generated image rejected by "
                                       "content moderation.");
    assert_string_equal(pt_meta(&t, "provider_code"),
                        "Client specified an invalid argument");
    /* A bad key is a 400 on xAI. */
    e = pt_parse(&t, P, 400, "xai/error_key.json");
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_non_null(strstr(t.err.message, "credentials"));
    e = pt_parse(&t, P, 429, "xai/error_credits.json");
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_non_null(strstr(t.err.message, "out of credit"));
    e = pt_parse_hdrs(&t, P, 429, "xai/error_rate_limit.json", ra);
    pt_assert_fail(&t, e, 429, true, "rate_limit_exceeded");
    assert_int_equal(t.err.retry_after_s, 2);
    e = pt_parse(&t, P, 503, "xai/error_unavailable.json");
    pt_assert_fail(&t, e, 529, true, "provider_overloaded");
    e = pt_parse_raw(&t, P, 408, PT_LIT(""), false);
    pt_assert_fail(&t, e, 524, true, "timeout");
    e = pt_parse_raw(&t, P, 200, PT_LIT("{\"data\":[{}]}"), false);
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_string_equal(t.err.message, "xAI: returned no image");
    e = pt_parse_raw(&t, P, 200, PT_LIT("{\"data\""), false);
    pt_assert_fail(&t, e, 502, true, NULL);
    e = pt_parse_raw(&t, P, 200, PT_LIT("{\"data\":[]}"), true);
    pt_assert_fail(&t, e, 502, true, NULL);
    pt_cleanup(&t);
}

static void
test_table(void **state)
{
    (void)state;
    assert_ptr_equal(ir_providers_find("xai"), P);
    assert_string_equal(P->default_key_env, "XAI_API_KEY");
    assert_string_equal(P->default_base_url_env, "XAI_BASE_URL");
    assert_string_equal(P->default_base_url, BASE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_generations),
        cmocka_unit_test(test_build_quality_model),
        cmocka_unit_test(test_build_edits),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
