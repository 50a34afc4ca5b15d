/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/providers/test_common.c - the shared adapter helpers:
 * scrubbing, Retry-After, error fields, references, results, the
 * registry.
 */
#include "prov_test.h"

static void
test_scrub(void **state)
{
    char big[3000];
    char *s;
    size_t i;

    (void)state;
    s = ir_providers_common_scrub(PT_LIT("key sk-proj-abc and xai-Zz9 and "
                                         "AIzaSyA0 and bfl_12"), 1024, NULL,
                                  NULL);
    assert_string_equal(s, "key [redacted] and [redacted] and [redacted] "
                           "and [redacted]");
    ir_free(s);
    s = ir_providers_common_scrub(PT_LIT("ok OutputImageSensitiveContent"
                                         "Detected fine"), 1024, NULL, NULL);
    assert_string_equal(s, "ok OutputImageSensitiveContentDetected fine");
    ir_free(s);
    s = ir_providers_common_scrub(PT_LIT("id req_4f5b2a9c0d1e2f3a4b5c6d "
                                         "x"), 1024, NULL, NULL);
    assert_string_equal(s, "id [redacted] x");
    ir_free(s);
    /* The call's own key, even half-masked. */
    s = ir_providers_common_scrub(PT_LIT("got mysecret...pw: wrong"), 1024,
                                  "mysecretpassword", NULL);
    assert_string_equal(s, "got [redacted]: wrong");
    ir_free(s);
    s = ir_providers_common_scrub(PT_LIT("a\nb\tc\0d"), 1024, NULL, NULL);
    assert_string_equal(s, "a b c d");
    ir_free(s);
    for (i = 0; i < sizeof big; i++)
        big[i] = i % 2 ? 'a' : ' ';
    s = ir_providers_common_scrub(big, sizeof big, IR_PROVIDERS_RAW_MAX,
                                  NULL, NULL);
    assert_true(strlen(s) <= IR_PROVIDERS_RAW_MAX);
    ir_free(s);
    s = ir_providers_common_scrub("\xe2\x82\xac\xe2\x82\xac", 6, 4, NULL,
                                  NULL);
    assert_string_equal(s, "\xe2\x82\xac?");
    ir_free(s);
}

static void
test_retry_after(void **state)
{
    static const char *const h1[] = {"Retry-After: 1.2"};
    static const char *const h2[] = {"retry-after: Wed, 21 Oct 2026 07:28:00 "
                                     "GMT"};
    static const char *const h3[] = {"retry-after-ms: 250"};
    struct ir_http_resp r = {0};

    (void)state;
    assert_int_equal(ir_providers_common_retry_after(NULL), 0);
    assert_int_equal(ir_providers_common_retry_after(&r), 0);
    r.headers = h1;
    r.nheaders = 1;
    assert_int_equal(ir_providers_common_retry_after(&r), 2);
    r.headers = h2;
    assert_int_equal(ir_providers_common_retry_after(&r), 0);
    r.headers = h3;
    assert_int_equal(ir_providers_common_retry_after(&r), 1);
}

static void
test_error_fields(void **state)
{
    static const char *const bodies[][3] = {
        {"{\"error\":{\"message\":\"m1\",\"code\":\"c1\",\"type\":\"t\"}}",
         "m1", "c1"},
        {"{\"error\":{\"message\":\"m2\",\"status\":\"UNAVAILABLE\"}}", "m2",
         "UNAVAILABLE"},
        {"[{\"error\":{\"message\":\"m3\",\"type\":\"t3\"}}]", "m3", "t3"},
        {"{\"code\":\"c4\",\"error\":\"m4\"}", "m4", "c4"},
        {"{\"code\":\"c5\",\"message\":\"m5\"}", "m5", "c5"},
        {"{\"detail\":\"m6\"}", "m6", NULL},
        {"{\"detail\":[{\"msg\":\"m7\"}]}", "m7", NULL},
        {"{\"error\":\"invalid_grant\",\"error_description\":\"m8\"}", "m8",
         "invalid_grant"},
    };
    const char *m, *c;
    json_t *j;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        j = pt_json(bodies[i][0]);
        ir_providers_common_error_fields(j, &m, &c);
        assert_string_equal(m, bodies[i][1]);
        if (bodies[i][2] == NULL)
            assert_null(c);
        else
            assert_string_equal(c, bodies[i][2]);
        json_decref(j);
    }
    ir_providers_common_error_fields(NULL, &m, &c);
    assert_null(m);
    assert_null(c);
}

static void
test_refs(void **state)
{
    static const unsigned char webp[] = {'R', 'I', 'F', 'F', 0, 0, 0, 0,
                                         'W', 'E', 'B', 'P', 'V', 'P', '8'};
    struct pt t;
    char mt[64], *u;

    (void)state;
    pt_init(&t, "X", "m", "http://x", NULL,
            "{\"input_references\":{\"type\":\"range\",\"min\":0,"
            "\"max\":2}}", NULL);
    assert_int_equal(ir_providers_common_max_refs(&t.call), 2);
    pt_ref_bytes(&t, webp, sizeof webp, "application/octet-stream");
    pt_ref_url(&t, "https://example.com/x.png");
    pt_ref_url(&t, "https://example.com/y.png");
    assert_string_equal(ir_providers_common_ref_media_type(
                            &t.req.refs[0], mt, sizeof mt), "image/webp");
    assert_int_equal(ir_providers_common_ref_url(&t.req.refs[0], &u), IR_OK);
    assert_int_equal(strncmp(u, "data:image/webp;base64,UklGR", 28), 0);
    ir_free(u);
    assert_int_equal(ir_providers_common_ref_url(&t.req.refs[1], &u), IR_OK);
    assert_string_equal(u, "https://example.com/x.png");
    ir_free(u);
    /* Only refs within the count asked about are considered. */
    assert_false(ir_providers_common_refs_need_bytes(&t.call, 1, "X",
                                                     &t.err));
    assert_true(ir_providers_common_refs_need_bytes(&t.call, 3, "X",
                                                    &t.err));
    assert_true(ir_providers_common_needs_ref_bytes(&t.err));
    assert_int_equal(json_array_size(json_object_get(t.err.metadata,
                                                     "ref_indexes")), 2);
    assert_true(t.err.retryable);
    pt_cleanup(&t);
}

static void
test_results(void **state)
{
    struct ir_gen_result r = {0};
    size_t i;

    (void)state;
    assert_int_equal(ir_providers_common_add_b64(&r, PT_LIT("data:image/png;"
                                                            "base64,"
                                                            PT_PNG_B64)),
                     IR_OK);
    pt_assert_png(&r.images[0]);
    assert_int_equal(ir_providers_common_add_b64(&r, PT_LIT("!!")),
                     IR_EPARSE);
    assert_int_equal(ir_providers_common_add_b64(&r, PT_LIT("")), IR_EPARSE);
    assert_int_equal(ir_providers_common_add_b64(&r, PT_LIT("data:x")),
                     IR_EPARSE);
    assert_int_equal(r.nimages, 1);
    for (i = 0; i < IR_MAX_N + 3; i++)
        assert_int_equal(ir_providers_common_add_url(&r, "http://x/y"),
                         IR_OK);
    assert_int_equal(r.nimages, IR_MAX_N);
    ir_gen_result_cleanup(&r);
}

static void
test_misc(void **state)
{
    struct ir_http_req req = {0};
    json_t *j;

    (void)state;
    assert_true(ir_providers_common_path_safe("gemini-3.1-flash-image"));
    assert_true(ir_providers_common_path_safe("imagen@001"));
    assert_false(ir_providers_common_path_safe("../x"));
    assert_false(ir_providers_common_path_safe("a?b"));
    assert_false(ir_providers_common_path_safe(""));
    assert_false(ir_providers_common_path_safe(NULL));
    j = pt_json("{\"a\":\"\\u00e9/\",\"b\":[1,2]}");
    assert_int_equal(ir_providers_common_json_body(&req, j), IR_OK);
    assert_string_equal(req.body, "{\"a\":\"\xc3\xa9/\",\"b\":[1,2]}");
    assert_int_equal(req.body_len, strlen(req.body));
    assert_string_equal(pt_header(&req, "Content-Type"), "application/json");
    json_decref(j);
    ir_http_req_cleanup(&req);
    assert_string_equal(ir_providers_common_quality(IR_QUALITY_XHIGH),
                        "xhigh");
    assert_null(ir_providers_common_quality(IR_QUALITY_UNSET));
    assert_string_equal(ir_providers_common_background(
                            IR_BACKGROUND_TRANSPARENT), "transparent");
    assert_string_equal(ir_providers_common_format(IR_FORMAT_JPEG), "jpeg");
}

static void
test_registry(void **state)
{
    static const char *const names[] = {"local", "openai", "azure", "gemini",
                                        "vertex", "seedream", "bfl", "xai",
                                        "recraft"};
    const struct ir_provider *p;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        p = ir_providers_find(names[i]);
        assert_non_null(p);
        assert_string_equal(p->name, names[i]);
        if (p->mode != IR_ENGINE_LOCAL) {
            assert_non_null(p->build);
            assert_non_null(p->parse);
            assert_non_null(p->default_key_env);
            assert_non_null(p->default_base_url_env);
        }
        if (p->mode == IR_ENGINE_POLL)
            assert_non_null(p->poll_build);
        /* Who fetches URL references: the provider, or the router. */
        assert_int_equal(p->ref_urls_ok,
                         strcmp(names[i], "seedream") == 0 ||
                             strcmp(names[i], "bfl") == 0 ||
                             strcmp(names[i], "xai") == 0 ||
                             strcmp(names[i], "recraft") == 0);
    }
    assert_null(ir_providers_find("nope"));
    assert_null(ir_providers_find(NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scrub),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_error_fields),
        cmocka_unit_test(test_refs),
        cmocka_unit_test(test_results),
        cmocka_unit_test(test_misc),
        cmocka_unit_test(test_registry),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
