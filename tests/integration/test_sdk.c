/* SPDX-License-Identifier: Apache-2.0
 * tests/integration/test_sdk.c - every libimagerouter operation against
 * the real router (on the built-in renderer and an emulated OpenAI
 * endpoint): generate, streamed generate, list models, list endpoints,
 * attribution, and typed errors from real statuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "emu.h"
#include "harness.h"
#include "imagerouter.h"

static struct th_emu emu;
static struct th_server srv;
static imagerouter_client *client;

static int
group_setup(void **state)
{
    imagerouter_options o;
    char base[192];

    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    th_emu_start(&emu, NULL);
    th_server_start(&srv, NULL, emu.envp);
    (void)snprintf(base, sizeof base, "%s/api/v1", srv.base);
    imagerouter_options_init(&o);
    o.api_key = srv.key;
    o.base_url = base;
    o.http_referer = "https://sdk.example/app";
    o.app_title = "SDK itest";
    o.app_categories = "image-gen";
    o.retry.strategy = IMAGEROUTER_RETRY_NONE;
    return imagerouter_client_new(&o, &client, NULL) == IMAGEROUTER_OK ? 0
                                                                       : -1;
}

static int
group_teardown(void **state)
{
    int rc;

    (void)state;
    imagerouter_client_free(client);
    rc = th_server_stop(&srv);
    th_emu_stop(&emu);
    curl_global_cleanup();
    return rc == 0 ? 0 : -1;
}

static void
test_generate(void **state)
{
    imagerouter_request req;
    imagerouter_result *res = NULL;
    imagerouter_error *err = NULL;
    struct th_resp g;
    char path[160];
    size_t i;

    (void)state;
    imagerouter_request_init(&req);
    req.model = "imagerouter/abstract";
    req.prompt = "sdk";
    req.resolution = "512";
    req.aspect_ratio = "16:9";
    req.n = 2;
    req.has_seed = true;
    req.seed = 5;
    req.output_format = "webp";
    req.output_compression = 60;
    if (imagerouter_generate(client, &req, NULL, &res, &err) !=
        IMAGEROUTER_OK)
        fail_msg("generate: %s", imagerouter_error_message(err));
    assert_int_equal(res->image_count, 2);
    for (i = 0; i < res->image_count; i++) {
        assert_string_equal(res->images[i].media_type, "image/webp");
        assert_string_equal(imagerouter_media_type_sniff(res->images[i].data,
                                                         res->images[i].len),
                            "image/webp");
    }
    assert_non_null(res->generation_id);
    assert_non_null(res->provider_name);
    assert_true(res->usage.present);
    assert_true(res->usage.has_cost);
    /* The attribution headers reached the ledger. */
    (void)snprintf(path, sizeof path, "/api/v1/generation?id=%s",
                   res->generation_id);
    th_get(&srv, path, srv.key, &g);
    assert_int_equal(g.status, 200);
    assert_non_null(strstr(g.body, "https://sdk.example/app"));
    assert_non_null(strstr(g.body, "SDK itest"));
    th_resp_free(&g);
    imagerouter_result_free(res);
}

struct seen {
    int partials, completed, errors;
};

static int
on_event(const imagerouter_event *ev, void *arg)
{
    struct seen *s = arg;

    if (ev->type == IMAGEROUTER_EVENT_PARTIAL_IMAGE) {
        assert_int_equal(ev->index, s->partials);
        assert_non_null(imagerouter_media_type_sniff(ev->data, ev->len));
        s->partials++;
    } else if (ev->type == IMAGEROUTER_EVENT_COMPLETED) {
        assert_string_equal(ev->media_type, "image/png");
        assert_true(ev->created > 0);
        s->completed++;
    } else if (ev->type == IMAGEROUTER_EVENT_ERROR) {
        s->errors++;
    }
    return 0;
}

static void
test_generate_stream(void **state)
{
    const char *only[] = {"openai"};
    imagerouter_request req;
    imagerouter_result *res = NULL;
    imagerouter_error *err = NULL;
    struct seen s = {0};

    (void)state;
    /* The built-in renderer's progressive previews. */
    imagerouter_request_init(&req);
    req.model = "imagerouter/abstract";
    req.prompt = "sdk stream";
    req.resolution = "512";
    if (imagerouter_generate_stream(client, &req, NULL, on_event, &s, &res,
                                    &err) != IMAGEROUTER_OK)
        fail_msg("stream: %s", imagerouter_error_message(err));
    assert_true(res->streamed);
    assert_true(s.partials >= 1);
    assert_int_equal(s.completed, 1);
    imagerouter_result_free(res);

    /* OpenAI's native stream, through the router from the emulator. */
    memset(&s, 0, sizeof s);
    th_emu_reset(&emu);
    th_emu_script(&emu, "{\"match\":{\"provider\":\"openai\"},\"action\":"
                        "{\"partials\":2}}");
    req.model = "openai/gpt-image-1";
    req.resolution = NULL;
    req.size = "1024x1024";
    req.provider.only = only;
    req.provider.only_count = 1;
    if (imagerouter_generate_stream(client, &req, NULL, on_event, &s, &res,
                                    &err) != IMAGEROUTER_OK)
        fail_msg("openai stream: %s", imagerouter_error_message(err));
    assert_int_equal(s.partials, 2);
    assert_int_equal(s.completed, 1);
    assert_string_equal(res->provider_name, "OpenAI");
    imagerouter_result_free(res);
}

static void
test_list_models_and_endpoints(void **state)
{
    imagerouter_model_list *ml = NULL;
    imagerouter_endpoint_list *el = NULL;
    imagerouter_error *err = NULL;
    const imagerouter_capability *cap;
    bool found = false;
    size_t i;

    (void)state;
    assert_int_equal(imagerouter_list_models(client, NULL, &ml, &err),
                     IMAGEROUTER_OK);
    for (i = 0; i < ml->count; i++) {
        if (strcmp(ml->models[i].id, "imagerouter/abstract") != 0)
            continue;
        found = true;
        assert_true(ml->models[i].supports_streaming);
        cap = imagerouter_capability_find(ml->models[i].supported_parameters,
                                          ml->models[i]
                                              .supported_parameter_count,
                                          "resolution");
        assert_non_null(cap);
        assert_int_equal(cap->type, IMAGEROUTER_CAP_ENUM);
        assert_true(cap->value_count == 4);
    }
    assert_true(found);
    imagerouter_model_list_free(ml);

    assert_int_equal(imagerouter_list_model_endpoints(client, "openai",
                                                      "gpt-image-1", NULL,
                                                      &el, &err),
                     IMAGEROUTER_OK);
    assert_string_equal(el->id, "openai/gpt-image-1");
    assert_true(el->count >= 2); /* OpenAI and Azure, both emulated */
    for (i = 0; i < el->count; i++) {
        assert_true(el->endpoints[i].pricing_count >= 1);
        cap = imagerouter_capability_find(
            el->endpoints[i].supported_parameters,
            el->endpoints[i].supported_parameter_count, "n");
        assert_non_null(cap);
        assert_int_equal(cap->type, IMAGEROUTER_CAP_RANGE);
    }
    imagerouter_endpoint_list_free(el);

    assert_int_equal(imagerouter_list_model_endpoints(client, "nobody",
                                                      "nothing", NULL, &el,
                                                      &err),
                     IMAGEROUTER_ERR_NOT_FOUND);
    assert_int_equal(imagerouter_error_status(err), 404);
    imagerouter_error_free(err);
}

static void
expect_error(const imagerouter_request *req, int code, int status)
{
    imagerouter_result *res = NULL;
    imagerouter_error *err = NULL;
    int rc = imagerouter_generate(client, req, NULL, &res, &err);

    if (rc != code)
        fail_msg("got %s, want %s: %s", imagerouter_error_name(rc),
                 imagerouter_error_name(code),
                 err ? imagerouter_error_message(err) : "");
    assert_int_equal(imagerouter_error_status(err), status);
    assert_non_null(imagerouter_error_message(err));
    imagerouter_error_free(err);
}

static void
test_typed_errors(void **state)
{
    const char *only[] = {"openai"};
    imagerouter_request req;

    (void)state;
    imagerouter_request_init(&req);
    req.model = "imagerouter/abstract";
    req.prompt = "e";
    req.resolution = "3K";
    expect_error(&req, IMAGEROUTER_ERR_BAD_REQUEST, 400);
    req.resolution = NULL;
    req.model = "nobody/nothing";
    expect_error(&req, IMAGEROUTER_ERR_BAD_REQUEST, 400);

    req.model = "openai/gpt-image-1";
    req.provider.only = only;
    req.provider.only_count = 1;
    req.provider.allow_fallbacks = 0;
    th_emu_reset(&emu);
    th_emu_script(&emu, "{\"match\":{\"provider\":\"openai\"},\"action\":"
                        "{\"provider_error\":429,\"retry_after\":3}}");
    expect_error(&req, IMAGEROUTER_ERR_TOO_MANY_REQUESTS, 429);
    th_emu_script(&emu, "{\"match\":{\"provider\":\"openai\"},\"action\":"
                        "{\"provider_error\":529}}");
    expect_error(&req, IMAGEROUTER_ERR_OVERLOADED, 529);
    th_emu_script(&emu, "{\"match\":{\"provider\":\"openai\"},\"action\":"
                        "{\"ok_without_image\":true}}");
    expect_error(&req, IMAGEROUTER_ERR_BAD_GATEWAY, 502);
}

static void
test_unauthorized_client(void **state)
{
    imagerouter_options o;
    imagerouter_client *bad = NULL;
    imagerouter_request req;
    imagerouter_result *res = NULL;
    imagerouter_error *err = NULL;
    char base[192];

    (void)state;
    (void)snprintf(base, sizeof base, "%s/api/v1", srv.base);
    imagerouter_options_init(&o);
    o.api_key = "sk-ir-v1-wrong";
    o.base_url = base;
    o.retry.strategy = IMAGEROUTER_RETRY_NONE;
    assert_int_equal(imagerouter_client_new(&o, &bad, NULL), IMAGEROUTER_OK);
    imagerouter_request_init(&req);
    req.model = "imagerouter/abstract";
    req.prompt = "x";
    assert_int_equal(imagerouter_generate(bad, &req, NULL, &res, &err),
                     IMAGEROUTER_ERR_UNAUTHORIZED);
    imagerouter_error_free(err);
    imagerouter_client_free(bad);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate),
        cmocka_unit_test(test_generate_stream),
        cmocka_unit_test(test_list_models_and_endpoints),
        cmocka_unit_test(test_typed_errors),
        cmocka_unit_test(test_unauthorized_client),
    };

    return cmocka_run_group_tests_name("integration.sdk", tests, group_setup,
                                       group_teardown);
}
