/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/providers/test_azure.c - the azure adapter: deployment URLs,
 * api-key auth, the v1 surface, Azure's error bodies, streaming.
 */
#include "prov_test.h"

#define P (&ir_provider_azure)
#define KEY "0123456789abcdef0123456789abcdef"
#define BASE "https://myres.openai.azure.com"
#define SUPPORTED                                                            \
    "{\"quality\":{\"type\":\"enum\",\"values\":[\"auto\",\"low\","          \
    "\"medium\",\"high\"]},"                                                 \
    "\"background\":{\"type\":\"enum\",\"values\":[\"auto\","                \
    "\"transparent\",\"opaque\"]},"                                          \
    "\"output_format\":{\"type\":\"enum\",\"values\":[\"png\",\"jpeg\","     \
    "\"webp\"]},"                                                            \
    "\"output_compression\":{\"type\":\"range\",\"min\":0,\"max\":100},"     \
    "\"n\":{\"type\":\"range\",\"min\":1,\"max\":10},"                       \
    "\"input_references\":{\"type\":\"range\",\"min\":0,\"max\":16}}"

static void
setup(struct pt *t, const char *config)
{
    pt_init(t, "Azure", "gpt-image-1", BASE, KEY, SUPPORTED, config);
    pt_geom(t, 1024, 1536, "1K", "2:3");
}

static void
test_build_deployment(void **state)
{
    struct pt t;

    (void)state;
    setup(&t, NULL);
    t.req.quality = IR_QUALITY_LOW;
    t.req.background = IR_BACKGROUND_OPAQUE;
    t.req.output_format = IR_FORMAT_JPEG;
    t.req.output_compression = 70;
    t.req.output_compression_set = true;
    t.call.n = 4;
    pt_build(&t, P);
    assert_string_equal(t.http.method, "POST");
    assert_string_equal(t.http.url, BASE "/openai/deployments/gpt-image-1/"
                                         "images/generations?api-version="
                                         "2025-04-01-preview");
    pt_assert_header(&t, "api-key", KEY);
    assert_null(pt_header(&t.http, "Authorization"));
    pt_assert_absent(&t, "model");
    pt_assert_str(&t, "size", "1024x1536");
    pt_assert_str(&t, "quality", "low");
    pt_assert_str(&t, "background", "opaque");
    pt_assert_str(&t, "output_format", "jpeg");
    pt_assert_int(&t, "output_compression", 70);
    pt_assert_int(&t, "n", 4);
    pt_cleanup(&t);
}

static void
test_build_config_deployment_and_v1(void **state)
{
    static const unsigned char img[] = {0x89, 'P', 'N', 'G', 0};
    struct pt t;

    (void)state;
    setup(&t, "{\"deployment\":\"img-prod\",\"api_version\":\"2025-06-01\"}");
    pt_ref_bytes(&t, img, sizeof img, "image/png");
    pt_build(&t, P);
    assert_string_equal(t.http.url, BASE "/openai/deployments/img-prod/"
                                         "images/edits?api-version="
                                         "2025-06-01");
    pt_cleanup(&t);
    setup(&t, "{\"deployment\":\"img-prod\",\"api_version\":\"v1\"}");
    pt_build(&t, P);
    assert_string_equal(t.http.url, BASE "/openai/v1/images/generations");
    pt_assert_str(&t, "model", "img-prod");
    pt_cleanup(&t);
}

static void
test_build_misconfigured(void **state)
{
    struct pt t;
    ir_err e;

    (void)state;
    setup(&t, "{\"deployment\":\"../x\"}");
    e = P->build(&t.call, &t.http, &t.err);
    assert_int_not_equal(e, IR_OK);
    assert_int_equal(t.err.status, 502);
    pt_cleanup(&t);
    setup(&t, NULL);
    t.call.base_url = NULL;
    e = P->build(&t.call, &t.http, &t.err);
    assert_int_not_equal(e, IR_OK);
    assert_int_equal(t.err.status, 502);
    pt_cleanup(&t);
}

static void
test_build_stream(void **state)
{
    struct pt t;

    (void)state;
    setup(&t, NULL);
    t.call.stream = true;
    t.call.partial_images = 1;
    pt_build(&t, P);
    assert_true(json_is_true(pt_at(t.body, "stream")));
    pt_assert_int(&t, "partial_images", 1);
    pt_cleanup(&t);
}

static void
test_parse_and_errors(void **state)
{
    static const char *const ra[] = {"Retry-After: 7", NULL};
    struct pt t;
    ir_err e;

    (void)state;
    setup(&t, NULL);
    assert_int_equal(pt_parse(&t, P, 200, "openai/generate_ok.json"), IR_OK);
    assert_int_equal(t.res.nimages, 2);
    pt_assert_png(&t.res.images[0]);
    assert_int_equal(t.res.usage.image_tokens, 4160);
    e = pt_parse(&t, P, 400, "azure/error_content_filter.json");
    pt_assert_fail(&t, e, 400, false, "content_policy_violation");
    assert_string_equal(pt_meta(&t, "provider_name"), "Azure");
    assert_string_equal(pt_meta(&t, "provider_code"),
                        "content_policy_violation");
    assert_non_null(strstr(t.err.message, "Azure: Your request was "
                                          "rejected"));
    e = pt_parse_hdrs(&t, P, 429, "azure/error_rate_limit.json", ra);
    pt_assert_fail(&t, e, 429, true, "rate_limit_exceeded");
    assert_int_equal(t.err.retry_after_s, 7);
    e = pt_parse(&t, P, 404, "azure/error_deployment.json");
    pt_assert_fail(&t, e, 502, true, "provider_unavailable");
    assert_string_equal(pt_meta(&t, "provider_code"), "DeploymentNotFound");
    e = pt_parse_raw(&t, P, 401,
                     PT_LIT("{\"error\":{\"code\":\"401\",\"message\":"
                            "\"Access denied due to invalid subscription "
                            "key.\"}}"), false);
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_non_null(strstr(t.err.message, "credentials"));
    e = pt_parse(&t, P, 503, "openai/error_overloaded.json");
    pt_assert_fail(&t, e, 529, true, "provider_overloaded");
    e = pt_parse_raw(&t, P, 504, PT_LIT(""), false);
    pt_assert_fail(&t, e, 524, true, "timeout");
    e = pt_parse(&t, P, 200, "openai/no_image.json");
    pt_assert_fail(&t, e, 502, true, NULL);
    e = pt_parse_raw(&t, P, 200, PT_LIT("{\"data\":["), true);
    pt_assert_fail(&t, e, 502, true, NULL);
    pt_cleanup(&t);
}

static void
test_stream(void **state)
{
    struct pt t;

    (void)state;
    setup(&t, NULL);
    pt_fixture(&t, "openai/stream_partial.json");
    assert_int_equal(P->stream_event(&t.call, "", t.fixture, t.fixture_len,
                                     &t.ev, &t.err), IR_OK);
    assert_int_equal(t.ev.type, IR_STREAM_EV_PARTIAL);
    assert_string_equal(t.ev.b64, PT_PNG_B64);
    pt_cleanup(&t);
}

static void
test_table(void **state)
{
    (void)state;
    assert_ptr_equal(ir_providers_find("azure"), P);
    assert_string_equal(P->default_key_env, "AZURE_OPENAI_API_KEY");
    assert_string_equal(P->default_base_url_env, "AZURE_OPENAI_ENDPOINT");
    assert_null(P->default_base_url);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_deployment),
        cmocka_unit_test(test_build_config_deployment_and_v1),
        cmocka_unit_test(test_build_misconfigured),
        cmocka_unit_test(test_build_stream),
        cmocka_unit_test(test_parse_and_errors),
        cmocka_unit_test(test_stream),
        cmocka_unit_test(test_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
