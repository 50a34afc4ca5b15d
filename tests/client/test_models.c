/* SPDX-License-Identifier: Apache-2.0
 * tests/client/test_models.c - GET /images/models and the per-model
 * endpoints route: paths (percent-encoded), typed capability descriptors,
 * pricing lines, nulls, and refused shapes.
 */
#include "testutil.h"

static const char models_body[] =
    "{\"data\":[{\"architecture\":{\"input_modalities\":[\"text\",\"image\"],"
    "\"output_modalities\":[\"image\"]},\"created\":1692901234,"
    "\"description\":\"A text-to-image model.\","
    "\"endpoints\":\"/api/v1/images/models/bytedance-seed/seedream-4.5/"
    "endpoints\",\"id\":\"bytedance-seed/seedream-4.5\",\"name\":\"Seedream "
    "4.5\",\"supported_parameters\":{"
    "\"resolution\":{\"type\":\"enum\",\"values\":[\"1K\",\"2K\",\"4K\"]},"
    "\"n\":{\"type\":\"range\",\"min\":1,\"max\":4},"
    "\"seed\":{\"type\":\"boolean\"},"
    "\"mask\":{\"type\":\"polygon\",\"sides\":5}},"
    "\"supports_streaming\":false},"
    "{\"id\":\"openai/gpt-image-1\",\"name\":\"OpenAI: GPT Image 1\","
    "\"description\":\"\",\"created\":1,\"architecture\":{"
    "\"input_modalities\":[\"text\"],\"output_modalities\":[\"image\"]},"
    "\"supported_parameters\":{},\"supports_streaming\":true,"
    "\"endpoints\":\"/api/v1/images/models/openai/gpt-image-1/endpoints\"}]}";

static void
test_list_models(void **state)
{
    struct tu_env *e = *state;
    imagerouter_model_list *l = NULL;
    const imagerouter_model *m;
    const imagerouter_capability *cap;
    const struct ts_request *r;

    ts_push_json(e->srv, 200, models_body);
    assert_int_equal(imagerouter_list_models(e->client, NULL, &l, NULL),
                     IMAGEROUTER_OK);
    r = ts_request(e->srv, 0);
    assert_string_equal(r->method, "GET");
    assert_string_equal(r->path, "/api/v1/images/models");
    assert_string_equal(ts_header(r, "Accept"), "application/json");
    assert_int_equal(r->body_len, 0);
    assert_string_equal(l->json, models_body);
    assert_int_equal(l->count, 2);
    m = &l->models[0];
    assert_string_equal(m->id, "bytedance-seed/seedream-4.5");
    assert_string_equal(m->name, "Seedream 4.5");
    assert_string_equal(m->description, "A text-to-image model.");
    assert_int_equal(m->created, 1692901234);
    assert_int_equal(m->input_modality_count, 2);
    assert_string_equal(m->input_modalities[1], "image");
    assert_int_equal(m->output_modality_count, 1);
    assert_string_equal(m->output_modalities[0], "image");
    assert_false(m->supports_streaming);
    assert_string_equal(m->endpoints_url, "/api/v1/images/models/"
                                          "bytedance-seed/seedream-4.5/"
                                          "endpoints");
    assert_int_equal(m->supported_parameter_count, 4);
    cap = imagerouter_capability_find(m->supported_parameters,
                                      m->supported_parameter_count,
                                      "resolution");
    assert_non_null(cap);
    assert_int_equal(cap->type, IMAGEROUTER_CAP_ENUM);
    assert_int_equal(cap->value_count, 3);
    assert_string_equal(cap->values[2], "4K");
    cap = imagerouter_capability_find(m->supported_parameters, 4, "n");
    assert_int_equal(cap->type, IMAGEROUTER_CAP_RANGE);
    assert_true(cap->min == 1 && cap->max == 4);
    cap = imagerouter_capability_find(m->supported_parameters, 4, "seed");
    assert_int_equal(cap->type, IMAGEROUTER_CAP_BOOLEAN);
    assert_string_equal(cap->json, "{\"type\":\"boolean\"}");
    /* An unknown descriptor type is kept, not an error. */
    cap = imagerouter_capability_find(m->supported_parameters, 4, "mask");
    assert_int_equal(cap->type, IMAGEROUTER_CAP_UNKNOWN);
    assert_string_equal(cap->json, "{\"type\":\"polygon\",\"sides\":5}");
    assert_null(imagerouter_capability_find(m->supported_parameters, 4,
                                            "quality"));
    m = &l->models[1];
    assert_true(m->supports_streaming);
    assert_int_equal(m->supported_parameter_count, 0);
    assert_string_equal(m->description, "");
    imagerouter_model_list_free(l);
    imagerouter_model_list_free(NULL);
}

static void
test_list_endpoints(void **state)
{
    struct tu_env *e = *state;
    imagerouter_endpoint_list *l = NULL;
    const imagerouter_endpoint *ep;

    ts_push_json(e->srv, 200,
                 "{\"endpoints\":[{\"allowed_passthrough_parameters\":[],"
                 "\"pricing\":[{\"billable\":\"output_image\",\"cost_usd\":"
                 "0.05,\"unit\":\"image\"}],\"provider_name\":\"Bytedance\","
                 "\"provider_slug\":\"bytedance\",\"provider_tag\":null,"
                 "\"supported_parameters\":{\"resolution\":{\"type\":\"enum\","
                 "\"values\":[\"1K\",\"2K\",\"4K\"]}},\"supports_streaming\":"
                 "false},{\"allowed_passthrough_parameters\":[\"steps\","
                 "\"guidance\"],\"pricing\":[{\"billable\":\"output_image\","
                 "\"cost_usd\":0.04,\"unit\":\"image\",\"variant\":\"2k\"},"
                 "{\"billable\":\"input_reference\",\"cost_usd\":0.005,"
                 "\"unit\":\"request\"}],\"provider_name\":\"Google Vertex\","
                 "\"provider_slug\":\"google-vertex\",\"provider_tag\":"
                 "\"google-vertex/global\",\"supported_parameters\":{},"
                 "\"supports_streaming\":true}],"
                 "\"id\":\"bytedance-seed/seedream-4.5:free\"}");
    assert_int_equal(imagerouter_list_model_endpoints(e->client,
                                                      "bytedance-seed",
                                                      "seedream-4.5:free",
                                                      NULL, &l, NULL),
                     IMAGEROUTER_OK);
    assert_string_equal(ts_request(e->srv, 0)->path,
                        "/api/v1/images/models/bytedance-seed/"
                        "seedream-4.5%3Afree/endpoints");
    assert_string_equal(l->id, "bytedance-seed/seedream-4.5:free");
    assert_int_equal(l->count, 2);
    ep = &l->endpoints[0];
    assert_string_equal(ep->provider_name, "Bytedance");
    assert_string_equal(ep->provider_slug, "bytedance");
    assert_null(ep->provider_tag);
    assert_int_equal(ep->allowed_passthrough_parameter_count, 0);
    assert_int_equal(ep->pricing_count, 1);
    assert_string_equal(ep->pricing[0].billable, "output_image");
    assert_string_equal(ep->pricing[0].unit, "image");
    assert_true(ep->pricing[0].cost_usd == 0.05);
    assert_null(ep->pricing[0].variant);
    assert_int_equal(ep->supported_parameter_count, 1);
    assert_false(ep->supports_streaming);
    ep = &l->endpoints[1];
    assert_string_equal(ep->provider_tag, "google-vertex/global");
    assert_int_equal(ep->allowed_passthrough_parameter_count, 2);
    assert_string_equal(ep->allowed_passthrough_parameters[1], "guidance");
    assert_int_equal(ep->pricing_count, 2);
    assert_string_equal(ep->pricing[0].variant, "2k");
    assert_string_equal(ep->pricing[1].unit, "request");
    assert_true(ep->supports_streaming);
    imagerouter_endpoint_list_free(l);
}

static void
test_escaping_and_errors(void **state)
{
    struct tu_env *e = *state;
    imagerouter_endpoint_list *l = NULL;
    imagerouter_model_list *ml = NULL;
    imagerouter_error *err = NULL;

    ts_push_json(e->srv, 404,
                 "{\"error\":{\"code\":404,\"message\":\"Resource not "
                 "found\"}}");
    assert_int_equal(imagerouter_list_model_endpoints(e->client, "a b/c",
                                                      "x?y#z~_.-", NULL, &l,
                                                      &err),
                     IMAGEROUTER_ERR_NOT_FOUND);
    assert_null(l);
    assert_string_equal(ts_request(e->srv, 0)->path,
                        "/api/v1/images/models/a%20b%2Fc/x%3Fy%23z~_.-/"
                        "endpoints");
    assert_string_equal(imagerouter_error_message(err), "Resource not found");
    imagerouter_error_free(err);

    assert_int_equal(imagerouter_list_model_endpoints(e->client, "", "x",
                                                      NULL, &l, &err),
                     IMAGEROUTER_ERR_INVALID_ARGUMENT);
    imagerouter_error_free(err);

    ts_push_json(e->srv, 200, "{\"data\":{}}");
    assert_int_equal(imagerouter_list_models(e->client, NULL, &ml, &err),
                     IMAGEROUTER_ERR_DECODE);
    imagerouter_error_free(err);
    ts_push_json(e->srv, 200, "{\"data\":[{\"name\":\"no id\"}]}");
    assert_int_equal(imagerouter_list_models(e->client, NULL, &ml, &err),
                     IMAGEROUTER_ERR_DECODE);
    assert_non_null(strstr(imagerouter_error_message(err), "data[0]"));
    imagerouter_error_free(err);
    ts_push(e->srv, 200, "Content-Type: text/html\r\n", "<html/>");
    assert_int_equal(imagerouter_list_models(e->client, NULL, &ml, &err),
                     IMAGEROUTER_ERR_DECODE);
    imagerouter_error_free(err);
    ts_push_json(e->srv, 200, "{\"id\":\"x/y\"}");
    assert_int_equal(imagerouter_list_model_endpoints(e->client, "x", "y",
                                                      NULL, &l, &err),
                     IMAGEROUTER_ERR_DECODE);
    imagerouter_error_free(err);
    ts_push_json(e->srv, 500, "{\"error\":{\"code\":500,\"message\":"
                              "\"Internal Server Error\"}}");
    assert_int_equal(imagerouter_list_models(e->client, NULL, &ml, &err),
                     IMAGEROUTER_ERR_INTERNAL);
    imagerouter_error_free(err);
    assert_null(ml);
}

/* Empty lists are fine (some live models have no endpoints). */
static void
test_empty(void **state)
{
    struct tu_env *e = *state;
    imagerouter_endpoint_list *l = NULL;
    imagerouter_model_list *ml = NULL;

    ts_push_json(e->srv, 200, "{\"data\":[]}");
    assert_int_equal(imagerouter_list_models(e->client, NULL, &ml, NULL),
                     IMAGEROUTER_OK);
    assert_int_equal(ml->count, 0);
    imagerouter_model_list_free(ml);
    ts_push_json(e->srv, 200, "{\"id\":\"meta/muse-image\",\"endpoints\":[]}");
    assert_int_equal(imagerouter_list_model_endpoints(e->client, "meta",
                                                      "muse-image", NULL, &l,
                                                      NULL),
                     IMAGEROUTER_OK);
    assert_int_equal(l->count, 0);
    imagerouter_endpoint_list_free(l);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tu_setup, tu_teardown)
    const struct CMUnitTest tests[] = {
        T(test_list_models),
        T(test_list_endpoints),
        T(test_escaping_and_errors),
        T(test_empty),
    };
#undef T

    return cmocka_run_group_tests(tests, NULL, NULL);
}
