/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/providers/test_vertex.c - the vertex adapter: project and
 * location URLs, bearer tokens, imageOutputOptions, errors.
 */
#include "prov_test.h"

#define P (&ir_provider_vertex)
#define TOKEN "ya29.c.b0AXv0zTestAccessToken0123456789"
#define SUPPORTED                                                            \
    "{\"resolution\":{\"type\":\"enum\",\"values\":[\"1K\",\"2K\"]},"        \
    "\"aspect_ratio\":{\"type\":\"enum\",\"values\":[\"1:1\",\"3:4\"]},"    \
    "\"output_format\":{\"type\":\"enum\",\"values\":[\"png\",\"jpeg\"]},"  \
    "\"output_compression\":{\"type\":\"range\",\"min\":0,\"max\":100},"     \
    "\"input_references\":{\"type\":\"range\",\"min\":0,\"max\":14}}"

static void
setup(struct pt *t, const char *base, const char *config)
{
    pt_init(t, "Google Vertex", "gemini-3-pro-image", base, NULL, SUPPORTED,
            config ? config : "{\"project\":\"my-proj\","
                              "\"location\":\"global\"}");
    t->call.access_token = TOKEN;
    pt_geom(t, 0, 0, "1K", "3:4");
}

static void
test_build_global(void **state)
{
    struct pt t;

    (void)state;
    setup(&t, "https://aiplatform.googleapis.com", NULL);
    t.req.output_format = IR_FORMAT_JPEG;
    t.req.output_compression = 75;
    t.req.output_compression_set = true;
    pt_build(&t, P);
    assert_string_equal(t.http.method, "POST");
    assert_string_equal(t.http.url,
                        "https://aiplatform.googleapis.com/v1/projects/"
                        "my-proj/locations/global/publishers/google/models/"
                        "gemini-3-pro-image:generateContent");
    pt_assert_header(&t, "Authorization", "Bearer " TOKEN);
    assert_null(pt_header(&t.http, "x-goog-api-key"));
    pt_assert_str(&t, "generationConfig.imageConfig.aspectRatio", "3:4");
    pt_assert_str(&t, "generationConfig.imageConfig.imageSize", "1K");
    pt_assert_str(&t, "generationConfig.imageConfig.imageOutputOptions."
                      "mimeType", "image/jpeg");
    pt_assert_int(&t, "generationConfig.imageConfig.imageOutputOptions."
                      "compressionQuality", 75);
    pt_cleanup(&t);
}

static void
test_build_regional_and_static_token(void **state)
{
    struct pt t;

    (void)state;
    setup(&t, "https://aiplatform.googleapis.com",
          "{\"project\":\"p1\",\"location\":\"us-central1\"}");
    t.call.access_token = NULL;
    t.call.api_key = "ya29.static-token-from-env-0123456789";
    t.req.output_format = IR_FORMAT_PNG;
    pt_build(&t, P);
    assert_string_equal(t.http.url,
                        "https://us-central1-aiplatform.googleapis.com/v1/"
                        "projects/p1/locations/us-central1/publishers/google/"
                        "models/gemini-3-pro-image:generateContent");
    pt_assert_header(&t, "Authorization",
                     "Bearer ya29.static-token-from-env-0123456789");
    pt_assert_str(&t, "generationConfig.imageConfig.imageOutputOptions."
                      "mimeType", "image/png");
    pt_assert_absent(&t, "generationConfig.imageConfig.imageOutputOptions."
                         "compressionQuality");
    pt_cleanup(&t);
    /* An explicit base (the emulator) is kept as is. */
    setup(&t, "http://127.0.0.1:9000",
          "{\"project\":\"p1\",\"location\":\"europe-west4\"}");
    pt_build(&t, P);
    assert_string_equal(t.http.url,
                        "http://127.0.0.1:9000/v1/projects/p1/locations/"
                        "europe-west4/publishers/google/models/"
                        "gemini-3-pro-image:generateContent");
    pt_cleanup(&t);
}

static void
test_build_misconfigured(void **state)
{
    struct pt t;
    ir_err e;

    (void)state;
    setup(&t, "https://aiplatform.googleapis.com", "{\"location\":\"global\"}");
    e = P->build(&t.call, &t.http, &t.err);
    assert_int_not_equal(e, IR_OK);
    assert_int_equal(t.err.status, 502);
    assert_true(t.err.retryable);
    pt_cleanup(&t);
    setup(&t, "https://aiplatform.googleapis.com", NULL);
    t.call.access_token = NULL;
    e = P->build(&t.call, &t.http, &t.err);
    assert_int_not_equal(e, IR_OK);
    assert_int_equal(t.err.status, 502);
    pt_cleanup(&t);
}

static void
test_parse(void **state)
{
    struct pt t;
    ir_err e;

    (void)state;
    setup(&t, "https://aiplatform.googleapis.com", NULL);
    assert_int_equal(pt_parse(&t, P, 200, "gemini/generate_ok.json"), IR_OK);
    assert_int_equal(t.res.nimages, 1);
    pt_assert_png(&t.res.images[0]);
    assert_int_equal(t.res.usage.image_tokens, 1290);
    e = pt_parse(&t, P, 200, "gemini/blocked_prompt.json");
    pt_assert_fail(&t, e, 400, false, "content_policy_violation");
    assert_string_equal(pt_meta(&t, "provider_name"), "Google Vertex");
    e = pt_parse(&t, P, 401, "vertex/error_auth.json");
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_non_null(strstr(t.err.message, "credentials"));
    e = pt_parse(&t, P, 429, "vertex/error_rate_limit.json");
    pt_assert_fail(&t, e, 429, true, "rate_limit_exceeded");
    e = pt_parse(&t, P, 503, "gemini/error_overloaded.json");
    pt_assert_fail(&t, e, 529, true, "provider_overloaded");
    e = pt_parse(&t, P, 504, "gemini/error_timeout.json");
    pt_assert_fail(&t, e, 524, true, "timeout");
    pt_cleanup(&t);
}

static void
test_table(void **state)
{
    (void)state;
    assert_ptr_equal(ir_providers_find("vertex"), P);
    assert_string_equal(P->default_key_env, "VERTEX_ACCESS_TOKEN");
    assert_string_equal(P->default_base_url_env, "VERTEX_BASE_URL");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_global),
        cmocka_unit_test(test_build_regional_and_static_token),
        cmocka_unit_test(test_build_misconfigured),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
