/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/providers/test_seedream.c - the seedream adapter (BytePlus
 * ModelArk): sizes, seed, references, n, watermark off, per-image errors.
 */
#include "prov_test.h"

#define P (&ir_provider_seedream)
#define KEY "ark-0123456789abcdef-test"
#define BASE "https://ark.ap-southeast.bytepluses.com/api/v3"
#define SUPPORTED                                                            \
    "{\"resolution\":{\"type\":\"enum\",\"values\":[\"1K\",\"2K\",\"4K\"]}," \
    "\"aspect_ratio\":{\"type\":\"enum\",\"values\":[\"1:1\",\"16:9\"]},"   \
    "\"seed\":{\"type\":\"boolean\"},"                                       \
    "\"n\":{\"type\":\"range\",\"min\":1,\"max\":10},"                       \
    "\"input_references\":{\"type\":\"range\",\"min\":0,\"max\":14}}"

static void
setup(struct pt *t)
{
    pt_init(t, "Seed", "seedream-4-5-251128", BASE, KEY, SUPPORTED, NULL);
    pt_geom(t, 2560, 1440, "2K", "16:9");
}

static void
test_build_all_params(void **state)
{
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n',
                                        0x1a, '\n'};
    struct pt t;

    (void)state;
    setup(&t);
    t.req.seed = 1234;
    t.req.seed_set = true;
    t.req.output_format = IR_FORMAT_PNG; /* undeclared on 4.5: dropped */
    t.call.n = 3;
    pt_ref_url(&t, "https://example.com/a.jpg");
    pt_ref_bytes(&t, png, sizeof png, "image/PNG");
    pt_build(&t, P);
    assert_string_equal(t.http.method, "POST");
    assert_string_equal(t.http.url, BASE "/images/generations");
    pt_assert_header(&t, "Authorization", "Bearer " KEY);
    pt_assert_header(&t, "Content-Type", "application/json");
    pt_assert_str(&t, "model", "seedream-4-5-251128");
    pt_assert_str(&t, "prompt", "a red fox in snow");
    pt_assert_str(&t, "size", "2560x1440");
    pt_assert_int(&t, "seed", 1234);
    pt_assert_str(&t, "sequential_image_generation", "auto");
    pt_assert_int(&t, "sequential_image_generation_options.max_images", 3);
    assert_true(json_is_false(pt_at(t.body, "watermark")));
    assert_true(json_is_false(pt_at(t.body, "stream")));
    pt_assert_str(&t, "response_format", "b64_json");
    pt_assert_str(&t, "image.0", "https://example.com/a.jpg");
    pt_assert_str(&t, "image.1", "data:image/png;base64," PT_PNG_B64);
    pt_assert_absent(&t, "output_format");
    pt_assert_absent(&t, "n");
    pt_cleanup(&t);
}

static void
test_build_single_ref_tier_and_seed_range(void **state)
{
    struct pt t;

    (void)state;
    setup(&t);
    pt_geom(&t, 0, 0, "4K", "");
    t.req.seed = -5;
    t.req.seed_set = true;
    pt_ref_url(&t, "https://example.com/a.jpg");
    pt_options(&t, "{\"watermark\":true,\"optimize_prompt_options\":"
                   "{\"mode\":\"fast\"}}");
    pt_build(&t, P);
    pt_assert_str(&t, "size", "4K");
    pt_assert_int(&t, "seed", 2147483643);
    pt_assert_str(&t, "image", "https://example.com/a.jpg");
    pt_assert_str(&t, "sequential_image_generation", "disabled");
    pt_assert_absent(&t, "sequential_image_generation_options");
    /* An operator-allowed passthrough wins. */
    assert_true(json_is_true(pt_at(t.body, "watermark")));
    pt_assert_str(&t, "optimize_prompt_options.mode", "fast");
    pt_cleanup(&t);
}

static void
test_build_output_format_when_declared(void **state)
{
    struct pt t;

    (void)state;
    pt_init(&t, "Seed", "seedream-5-0-260128", BASE, KEY,
            "{\"output_format\":{\"type\":\"enum\",\"values\":[\"png\","
            "\"jpeg\"]}}", NULL);
    t.req.output_format = IR_FORMAT_PNG;
    t.req.seed = 9; /* undeclared */
    t.req.seed_set = true;
    pt_build(&t, P);
    pt_assert_str(&t, "output_format", "png");
    pt_assert_absent(&t, "seed");
    pt_assert_absent(&t, "size");
    pt_cleanup(&t);
}

static void
test_parse(void **state)
{
    struct pt t;
    ir_err e;

    (void)state;
    setup(&t);
    assert_int_equal(pt_parse(&t, P, 200, "seedream/generate_ok.json"),
                     IR_OK);
    assert_int_equal(t.res.nimages, 1);
    pt_assert_png(&t.res.images[0]);
    assert_true(t.res.usage.has_tokens);
    assert_int_equal(t.res.usage.completion_tokens, 16384);
    assert_int_equal(t.res.usage.image_tokens, 16384);
    /* One image of the group was filtered: the others are kept. */
    assert_int_equal(pt_parse(&t, P, 200, "seedream/partial_fail.json"),
                     IR_OK);
    assert_int_equal(t.res.nimages, 1);
    assert_int_equal(pt_parse(&t, P, 200, "seedream/url_ok.json"), IR_OK);
    assert_string_equal(t.res.images[0].url,
                        "https://ark-content-generation.example/abc.jpeg");
    e = pt_parse(&t, P, 200, "seedream/all_blocked.json");
    pt_assert_fail(&t, e, 400, false, "content_policy_violation");
    assert_string_equal(pt_meta(&t, "provider_code"),
                        "OutputImageSensitiveContentDetected");
    pt_cleanup(&t);
}

static void
test_errors(void **state)
{
    static const char *const ra[] = {"Retry-After: 20", NULL};
    struct pt t;
    ir_err e;

    (void)state;
    setup(&t);
    e = pt_parse(&t, P, 400, "seedream/error_sensitive.json");
    pt_assert_fail(&t, e, 400, false, "content_policy_violation");
    assert_string_equal(pt_meta(&t, "provider_name"), "Seed");
    assert_non_null(strstr(t.err.message, "Seed: The request failed because "
                                          "the input text"));
    e = pt_parse_hdrs(&t, P, 429, "seedream/error_rate_limit.json", ra);
    pt_assert_fail(&t, e, 429, true, "rate_limit_exceeded");
    assert_int_equal(t.err.retry_after_s, 20);
    e = pt_parse(&t, P, 429, "seedream/error_overloaded.json");
    pt_assert_fail(&t, e, 529, true, "provider_overloaded");
    e = pt_parse(&t, P, 401, "seedream/error_auth.json");
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_non_null(strstr(t.err.message, "credentials"));
    e = pt_parse(&t, P, 403, "seedream/error_quota.json");
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_non_null(strstr(t.err.message, "out of credit"));
    e = pt_parse(&t, P, 400, "seedream/error_param.json");
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_string_equal(pt_meta(&t, "provider_code"), "InvalidParameter");
    e = pt_parse_raw(&t, P, 524, PT_LIT("error code: 524"), false);
    pt_assert_fail(&t, e, 524, true, "timeout");
    e = pt_parse_raw(&t, P, 200, PT_LIT("{\"data\":[]}"), false);
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_string_equal(t.err.message, "Seed: returned no image");
    e = pt_parse_raw(&t, P, 200, PT_LIT("not json"), false);
    pt_assert_fail(&t, e, 502, true, NULL);
    e = pt_parse_raw(&t, P, 200, PT_LIT("{\"data\":[{\"b64_json\":\"iV"),
                     true);
    pt_assert_fail(&t, e, 502, true, NULL);
    pt_cleanup(&t);
}

static void
test_table(void **state)
{
    (void)state;
    assert_ptr_equal(ir_providers_find("seedream"), P);
    assert_string_equal(P->default_key_env, "ARK_API_KEY");
    assert_string_equal(P->default_base_url_env, "ARK_BASE_URL");
    assert_string_equal(P->default_base_url, BASE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_all_params),
        cmocka_unit_test(test_build_single_ref_tier_and_seed_range),
        cmocka_unit_test(test_build_output_format_when_declared),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
