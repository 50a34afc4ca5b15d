/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/providers/test_recraft.c - the recraft adapter: fixed sizes,
 * random_seed, image_format, image-to-image, vector (SVG) answers,
 * plain-text errors.
 */
#include "prov_test.h"

#define P (&ir_provider_recraft)
#define KEY "rc-0123456789abcdef0123456789abcdef"
#define BASE "https://external.api.recraft.ai/v1"
#define SUPPORTED                                                            \
    "{\"aspect_ratio\":{\"type\":\"enum\",\"values\":[\"1:1\",\"16:9\"]},"  \
    "\"seed\":{\"type\":\"boolean\"},"                                       \
    "\"output_format\":{\"type\":\"enum\",\"values\":[\"png\",\"webp\"]},"  \
    "\"n\":{\"type\":\"range\",\"min\":1,\"max\":6},"                        \
    "\"input_references\":{\"type\":\"range\",\"min\":0,\"max\":1}}"

static void
setup(struct pt *t)
{
    pt_init(t, "Recraft", "recraftv3", BASE, KEY, SUPPORTED, NULL);
    pt_geom(t, 1820, 1024, "", "16:9");
}

static void
test_build_generations(void **state)
{
    struct pt t;

    (void)state;
    setup(&t);
    t.call.n = 2;
    t.req.seed = -1;
    t.req.seed_set = true;
    t.req.output_format = IR_FORMAT_WEBP;
    pt_options(&t, "{\"style\":\"digital_illustration\",\"controls\":"
                   "{\"no_text\":true}}");
    pt_build(&t, P);
    assert_string_equal(t.http.method, "POST");
    assert_string_equal(t.http.url, BASE "/images/generations");
    pt_assert_header(&t, "Authorization", "Bearer " KEY);
    pt_assert_header(&t, "Content-Type", "application/json");
    pt_assert_str(&t, "prompt", "a red fox in snow");
    pt_assert_str(&t, "model", "recraftv3");
    pt_assert_int(&t, "n", 2);
    pt_assert_str(&t, "size", "1820x1024");
    pt_assert_int(&t, "random_seed", 4294967295LL);
    pt_assert_str(&t, "image_format", "webp");
    pt_assert_str(&t, "response_format", "b64_json");
    pt_assert_str(&t, "style", "digital_illustration");
    assert_true(json_is_true(pt_at(t.body, "controls.no_text")));
    pt_cleanup(&t);
}

static void
test_build_vector_and_undeclared(void **state)
{
    struct pt t;

    (void)state;
    pt_init(&t, "Recraft", "recraftv4_vector", BASE, KEY,
            "{\"output_format\":{\"type\":\"enum\",\"values\":[\"svg\"]}}",
            "{\"response_format\":\"url\"}");
    pt_geom(&t, 1024, 1024, "", "1:1");
    t.req.output_format = IR_FORMAT_SVG;
    t.req.seed = 1;
    t.req.seed_set = true;
    pt_ref_url(&t, "https://example.com/a.png"); /* undeclared: ignored */
    pt_build(&t, P);
    assert_string_equal(t.http.url, BASE "/images/generations");
    pt_assert_str(&t, "response_format", "url");
    pt_assert_absent(&t, "image_format");
    pt_assert_absent(&t, "random_seed");
    pt_assert_absent(&t, "image_url");
    pt_cleanup(&t);
}

static void
test_build_image_to_image(void **state)
{
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n',
                                        0x1a, '\n'};
    struct pt t;

    (void)state;
    setup(&t);
    pt_ref_bytes(&t, png, sizeof png, "image/png");
    pt_build(&t, P);
    assert_string_equal(t.http.url, BASE "/images/imageToImage");
    pt_assert_str(&t, "image_url", "data:image/png;base64," PT_PNG_B64);
    assert_true(json_real_value(pt_at(t.body, "strength")) == 0.5);
    pt_assert_absent(&t, "size");
    pt_cleanup(&t);
    setup(&t);
    pt_ref_url(&t, "https://example.com/a.png");
    pt_options(&t, "{\"strength\":0.2}");
    pt_build(&t, P);
    pt_assert_str(&t, "image_url", "https://example.com/a.png");
    assert_true(json_real_value(pt_at(t.body, "strength")) == 0.2);
    pt_cleanup(&t);
}

static void
test_parse(void **state)
{
    struct pt t;

    (void)state;
    setup(&t);
    assert_int_equal(pt_parse(&t, P, 200, "recraft/generate_ok.json"), IR_OK);
    assert_int_equal(t.res.nimages, 2);
    pt_assert_png(&t.res.images[0]);
    assert_int_equal(pt_parse(&t, P, 200, "recraft/vector_ok.json"), IR_OK);
    assert_int_equal(t.res.nimages, 1);
    assert_string_equal(t.res.images[0].url,
                        "https://img.recraft.ai/abc/image.svg");
    pt_cleanup(&t);
}

static void
test_errors(void **state)
{
    static const char *const ra[] = {"Retry-After: 9", NULL};
    struct pt t;
    ir_err e;

    (void)state;
    setup(&t);
    e = pt_parse(&t, P, 400, "recraft/error_improper.json");
    pt_assert_fail(&t, e, 400, false, "content_policy_violation");
    assert_string_equal(t.err.message, "Recraft: Your prompt was blocked by "
                                       "our content filter.");
    assert_string_equal(pt_meta(&t, "provider_code"), "prompt_is_improper");
    e = pt_parse(&t, P, 401, "recraft/error_auth.txt");
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_non_null(strstr(t.err.message, "credentials"));
    assert_string_equal(pt_meta(&t, "raw"), "request unauthorized");
    e = pt_parse(&t, P, 400, "recraft/error_bad_size.json");
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_string_equal(pt_meta(&t, "provider_code"), "invalid_size");
    e = pt_parse(&t, P, 400, "recraft/error_not_enough.json");
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_non_null(strstr(t.err.message, "out of credit"));
    e = pt_parse_raw(&t, P, 429, PT_LIT("Too Many Requests"), false);
    pt_assert_fail(&t, e, 429, true, "rate_limit_exceeded");
    assert_string_equal(t.err.message, "Recraft: Too Many Requests");
    e = pt_parse_hdrs(&t, P, 429, "recraft/error_auth.txt", ra);
    assert_int_equal(t.err.retry_after_s, 9);
    (void)e;
    e = pt_parse_raw(&t, P, 503, PT_LIT(""), false);
    pt_assert_fail(&t, e, 529, true, "provider_overloaded");
    e = pt_parse_raw(&t, P, 524, PT_LIT(""), false);
    pt_assert_fail(&t, e, 524, true, "timeout");
    e = pt_parse_raw(&t, P, 200, PT_LIT("{\"created\":1,\"data\":[]}"),
                     false);
    pt_assert_fail(&t, e, 502, true, NULL);
    e = pt_parse_raw(&t, P, 200, PT_LIT("{\"created\":1,"), true);
    pt_assert_fail(&t, e, 502, true, NULL);
    e = pt_parse_raw(&t, P, 200, PT_LIT("]"), false);
    pt_assert_fail(&t, e, 502, true, NULL);
    pt_cleanup(&t);
}

static void
test_table(void **state)
{
    (void)state;
    assert_ptr_equal(ir_providers_find("recraft"), P);
    assert_string_equal(P->default_key_env, "RECRAFT_API_KEY");
    assert_string_equal(P->default_base_url_env, "RECRAFT_BASE_URL");
    assert_string_equal(P->default_base_url, BASE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_generations),
        cmocka_unit_test(test_build_vector_and_undeclared),
        cmocka_unit_test(test_build_image_to_image),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
