/* SPDX-License-Identifier: Apache-2.0
 * tests/client/test_request.c - the request on the wire: exact JSON body,
 * method, path and headers (key, attribution, Accept for streaming), and
 * the checks made before sending.
 */
#include "testutil.h"

#include <stdio.h>
#include <unistd.h>

static void
test_minimal_body_and_headers(void **state)
{
    struct tu_env *e = *state;
    imagerouter_request req;
    imagerouter_result *res = NULL;
    const struct ts_request *r;

    ts_push_json(e->srv, 200, TU_OK_BODY);
    tu_request(&req);
    assert_int_equal(imagerouter_generate(e->client, &req, NULL, &res, NULL),
                     IMAGEROUTER_OK);
    imagerouter_result_free(res);
    assert_int_equal(ts_request_count(e->srv), 1);
    r = ts_request(e->srv, 0);
    assert_string_equal(r->method, "POST");
    assert_string_equal(r->path, "/api/v1/images");
    assert_string_equal(r->body,
                        "{\"model\":\"openai/gpt-image-1\",\"prompt\":\"a red "
                        "panda\"}");
    assert_string_equal(ts_header(r, "Content-Type"), "application/json");
    assert_string_equal(ts_header(r, "Accept"), "application/json");
    assert_string_equal(ts_header(r, "Authorization"), "Bearer sk-test");
    assert_string_equal(ts_header(r, "User-Agent"), "imagerouter-c/0.1.0");
    assert_null(ts_header(r, "HTTP-Referer"));
    assert_null(ts_header(r, "X-OpenRouter-Title"));
    assert_null(ts_header(r, "X-OpenRouter-Categories"));
    assert_null(ts_header(r, "Expect"));
    assert_null(ts_header(r, "Transfer-Encoding"));
}

static void
test_every_field(void **state)
{
    struct tu_env *e = *state;
    const char *refs[] = {"https://example.com/a.png",
                          "data:image/png;base64," TU_PNG_B64};
    const char *only[] = {"openai", "google-vertex/global"};
    const char *order[] = {"openai"};
    const char *ignore[] = {"azure"};
    imagerouter_request req;
    imagerouter_result *res = NULL;

    ts_push_json(e->srv, 200, TU_OK_BODY);
    tu_request(&req);
    req.n = 2;
    req.size = "1024x1024";
    req.resolution = "1K";
    req.aspect_ratio = "1:1";
    req.quality = "high";
    req.background = "transparent";
    req.output_format = "webp";
    req.output_compression = 80;
    req.has_seed = true;
    req.seed = -42;
    req.input_references = refs;
    req.input_reference_count = 2;
    req.provider.only = only;
    req.provider.only_count = 2;
    req.provider.order = order;
    req.provider.order_count = 1;
    req.provider.ignore = ignore;
    req.provider.ignore_count = 1;
    req.provider.allow_fallbacks = 0;
    req.provider.sort = "price";
    req.provider.options_json = "{\"openai\": {\"moderation\": \"low\"}}";
    req.user = "user-1";
    req.session_id = "sess-9";
    assert_int_equal(imagerouter_generate(e->client, &req, NULL, &res, NULL),
                     IMAGEROUTER_OK);
    imagerouter_result_free(res);
    assert_string_equal(
        ts_request(e->srv, 0)->body,
        "{\"model\":\"openai/gpt-image-1\",\"prompt\":\"a red panda\","
        "\"n\":2,\"size\":\"1024x1024\",\"resolution\":\"1K\","
        "\"aspect_ratio\":\"1:1\",\"quality\":\"high\","
        "\"background\":\"transparent\",\"output_format\":\"webp\","
        "\"output_compression\":80,\"seed\":-42,"
        "\"input_references\":["
        "{\"type\":\"image_url\",\"image_url\":{\"url\":"
        "\"https://example.com/a.png\"}},"
        "{\"type\":\"image_url\",\"image_url\":{\"url\":"
        "\"data:image/png;base64," TU_PNG_B64 "\"}}],"
        "\"provider\":{\"allow_fallbacks\":false,\"ignore\":[\"azure\"],"
        "\"only\":[\"openai\",\"google-vertex/global\"],"
        "\"order\":[\"openai\"],\"sort\":\"price\","
        "\"options\":{\"openai\":{\"moderation\":\"low\"}}},"
        "\"user\":\"user-1\",\"session_id\":\"sess-9\"}");
}

static void
test_sort_object_and_zero_values(void **state)
{
    struct tu_env *e = *state;
    imagerouter_request req;
    imagerouter_result *res = NULL;

    ts_push_json(e->srv, 200, TU_OK_BODY);
    tu_request(&req);
    req.output_compression = 0;   /* 0 is a value, -1 is unset */
    req.has_seed = true;
    req.seed = 0;
    req.provider.allow_fallbacks = 1;
    req.provider.sort = "latency";
    req.provider.sort_partition = "none";
    assert_int_equal(imagerouter_generate(e->client, &req, NULL, &res, NULL),
                     IMAGEROUTER_OK);
    imagerouter_result_free(res);
    assert_string_equal(ts_request(e->srv, 0)->body,
                        "{\"model\":\"openai/gpt-image-1\",\"prompt\":\"a red "
                        "panda\",\"output_compression\":0,\"seed\":0,"
                        "\"provider\":{\"allow_fallbacks\":true,\"sort\":{"
                        "\"by\":\"latency\",\"partition\":\"none\"}}}");
}

static void
test_attribution_headers(void **state)
{
    struct tu_env *e = *state;
    imagerouter_options o;
    imagerouter_client *c = NULL;
    imagerouter_model_list *l = NULL;
    const struct ts_request *r;

    tu_options(&o, e->srv);
    o.api_key = "Bearer sk-or-v1-test";   /* not doubled */
    o.http_referer = "https://example.test/app";
    o.app_title = "Router Probe";
    o.app_categories = "cli-agent,programming-app";
    o.user_agent = "probe/1.0";
    assert_int_equal(imagerouter_client_new(&o, &c, NULL), IMAGEROUTER_OK);
    ts_push_json(e->srv, 200, "{\"data\":[]}");
    assert_int_equal(imagerouter_list_models(c, NULL, &l, NULL),
                     IMAGEROUTER_OK);
    imagerouter_model_list_free(l);
    imagerouter_client_free(c);
    r = ts_request(e->srv, 0);
    assert_string_equal(r->method, "GET");
    assert_string_equal(ts_header(r, "Authorization"), "Bearer sk-or-v1-test");
    assert_string_equal(ts_header(r, "HTTP-Referer"),
                        "https://example.test/app");
    assert_string_equal(ts_header(r, "X-OpenRouter-Title"), "Router Probe");
    assert_string_equal(ts_header(r, "X-OpenRouter-Categories"),
                        "cli-agent,programming-app");
    assert_string_equal(ts_header(r, "User-Agent"), "probe/1.0");
    assert_string_equal(ts_header(r, "Accept"), "application/json");
    assert_null(ts_header(r, "Content-Type"));
}

static void
test_no_key_no_authorization(void **state)
{
    struct tu_env *e = *state;
    imagerouter_options o;
    imagerouter_client *c = NULL;
    imagerouter_model_list *l = NULL;

    tu_options(&o, e->srv);
    o.api_key = NULL;   /* env unset too */
    assert_int_equal(imagerouter_client_new(&o, &c, NULL), IMAGEROUTER_OK);
    ts_push_json(e->srv, 200, "{\"data\":[]}");
    assert_int_equal(imagerouter_list_models(c, NULL, &l, NULL),
                     IMAGEROUTER_OK);
    imagerouter_model_list_free(l);
    imagerouter_client_free(c);
    assert_null(ts_header(ts_request(e->srv, 0), "Authorization"));
}

static void
test_env_defaults(void **state)
{
    struct tu_env *e = *state;
    imagerouter_client *c = NULL;
    imagerouter_model_list *l = NULL;
    char base[128];

    snprintf(base, sizeof(base), "%s///", ts_base_url(e->srv));
    setenv("IMAGEROUTER_API_KEY", "sk-env", 1);
    setenv("IMAGEROUTER_BASE_URL", base, 1);
    assert_int_equal(imagerouter_client_new(NULL, &c, NULL), IMAGEROUTER_OK);
    tu_clear_env();
    assert_string_equal(imagerouter_client_base_url(c), ts_base_url(e->srv));
    ts_push_json(e->srv, 200, "{\"data\":[]}");
    assert_int_equal(imagerouter_list_models(c, NULL, &l, NULL),
                     IMAGEROUTER_OK);
    imagerouter_model_list_free(l);
    imagerouter_client_free(c);
    assert_string_equal(ts_request(e->srv, 0)->path, "/api/v1/images/models");
    assert_string_equal(ts_header(ts_request(e->srv, 0), "Authorization"),
                        "Bearer sk-env");
}

static void
test_default_base_url(void **state)
{
    imagerouter_client *c = NULL;
    imagerouter_options o;
    imagerouter_error *err = NULL;

    (void)state;
    assert_int_equal(imagerouter_client_new(NULL, &c, NULL), IMAGEROUTER_OK);
    assert_string_equal(imagerouter_client_base_url(c),
                        "http://127.0.0.1:8080/api/v1");
    imagerouter_client_free(c);
    imagerouter_options_init(&o);
    o.base_url = "ftp://example.com";
    assert_int_equal(imagerouter_client_new(&o, &c, &err),
                     IMAGEROUTER_ERR_INVALID_ARGUMENT);
    assert_null(c);
    assert_non_null(strstr(imagerouter_error_message(err), "http"));
    imagerouter_error_free(err);
}

static void
test_stream_accept(void **state)
{
    struct tu_env *e = *state;
    imagerouter_request req;
    imagerouter_result *res = NULL;
    const struct ts_request *r;

    ts_push_json(e->srv, 200, TU_OK_BODY);
    tu_request(&req);
    assert_int_equal(imagerouter_generate_stream(e->client, &req, NULL, NULL,
                                                 NULL, &res, NULL),
                     IMAGEROUTER_OK);
    imagerouter_result_free(res);
    r = ts_request(e->srv, 0);
    assert_string_equal(ts_header(r, "Accept"), "text/event-stream");
    assert_string_equal(r->body, "{\"model\":\"openai/gpt-image-1\","
                                 "\"prompt\":\"a red panda\",\"stream\":true}");
}

static void
expect_invalid(struct tu_env *e, const imagerouter_request *req,
               const char *needle)
{
    imagerouter_result *res = (imagerouter_result *)1;
    imagerouter_error *err = NULL;

    assert_int_equal(imagerouter_generate(e->client, req, NULL, &res, &err),
                     IMAGEROUTER_ERR_INVALID_ARGUMENT);
    assert_null(res);
    assert_int_equal(imagerouter_error_code(err),
                     IMAGEROUTER_ERR_INVALID_ARGUMENT);
    assert_int_equal(imagerouter_error_status(err), 0);
    if (!strstr(imagerouter_error_message(err), needle))
        fail_msg("message \"%s\" lacks \"%s\"",
                 imagerouter_error_message(err), needle);
    imagerouter_error_free(err);
}

static void
test_validation_before_sending(void **state)
{
    struct tu_env *e = *state;
    const char *refs[17];
    const char *bad_list[] = {"openai", NULL};
    imagerouter_request req;
    size_t i;

    tu_request(&req);
    req.prompt = "";
    expect_invalid(e, &req, "prompt");
    tu_request(&req);
    req.model = NULL;
    expect_invalid(e, &req, "model");
    tu_request(&req);
    for (i = 0; i < 17; i++)
        refs[i] = "https://example.com/x.png";
    req.input_references = refs;
    req.input_reference_count = 17;
    expect_invalid(e, &req, "16");
    tu_request(&req);
    req.provider.options_json = "[1,2]";
    expect_invalid(e, &req, "provider.options");
    req.provider.options_json = "{bad";
    expect_invalid(e, &req, "provider.options");
    tu_request(&req);
    req.provider.only = bad_list;
    req.provider.only_count = 2;
    expect_invalid(e, &req, "only");
    tu_request(&req);
    req.prompt = "bad \xff utf-8";
    expect_invalid(e, &req, "UTF-8");
    /* Nothing reached the server; a NULL err slot is fine too. */
    assert_int_equal(ts_request_count(e->srv), 0);
    assert_int_equal(imagerouter_generate(e->client, NULL, NULL, NULL, NULL),
                     IMAGEROUTER_ERR_INVALID_ARGUMENT);
}

static void
test_data_urls(void **state)
{
    static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 'x'};
    char path[] = "/tmp/irc-ref-XXXXXX";
    imagerouter_error *err = NULL;
    char *url = NULL;
    FILE *f;
    int fd;

    (void)state;
    assert_int_equal(imagerouter_data_url_from_bytes(jpeg, sizeof jpeg, NULL,
                                                     &url, NULL),
                     IMAGEROUTER_OK);
    assert_string_equal(url, "data:image/jpeg;base64,/9j/4Hg=");
    imagerouter_free(url);
    assert_int_equal(imagerouter_data_url_from_bytes("ab", 2, "text/plain",
                                                     &url, NULL),
                     IMAGEROUTER_OK);
    assert_string_equal(url, "data:text/plain;base64,YWI=");
    imagerouter_free(url);
    assert_int_equal(imagerouter_data_url_from_bytes("abc", 3, NULL, &url,
                                                     NULL),
                     IMAGEROUTER_OK);
    assert_string_equal(url, "data:application/octet-stream;base64,YWJj");
    imagerouter_free(url);

    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "wb");
    fputs("<?xml version=\"1.0\"?>\n<svg xmlns=\"x\"/>", f);
    fclose(f);
    assert_int_equal(imagerouter_data_url_from_file(path, NULL, &url, NULL),
                     IMAGEROUTER_OK);
    assert_non_null(strstr(url, "data:image/svg+xml;base64,PD94"));
    imagerouter_free(url);
    unlink(path);
    assert_int_equal(imagerouter_data_url_from_file(path, NULL, &url, &err),
                     IMAGEROUTER_ERR_IO);
    assert_null(url);
    assert_non_null(strstr(imagerouter_error_message(err), path));
    imagerouter_error_free(err);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_minimal_body_and_headers,
                                        tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_every_field, tu_setup,
                                        tu_teardown),
        cmocka_unit_test_setup_teardown(test_sort_object_and_zero_values,
                                        tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_attribution_headers, tu_setup,
                                        tu_teardown),
        cmocka_unit_test_setup_teardown(test_no_key_no_authorization,
                                        tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_env_defaults, tu_setup,
                                        tu_teardown),
        cmocka_unit_test(test_default_base_url),
        cmocka_unit_test_setup_teardown(test_stream_accept, tu_setup,
                                        tu_teardown),
        cmocka_unit_test_setup_teardown(test_validation_before_sending,
                                        tu_setup, tu_teardown),
        cmocka_unit_test(test_data_urls),
    };

    tu_clear_env();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
