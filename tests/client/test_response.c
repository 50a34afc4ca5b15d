/* SPDX-License-Identifier: Apache-2.0
 * tests/client/test_response.c - buffered replies into results: images,
 * media types, usage, identity headers, and the replies that are refused
 * (the same strictness as @openrouter/sdk's schema).
 */
#include "testutil.h"

#include <stdio.h>

static void
test_full_reply(void **state)
{
    struct tu_env *e = *state;
    imagerouter_request req;
    imagerouter_result *res = NULL;
    const imagerouter_usage *u;

    ts_push(e->srv, 200,
            "Content-Type: application/json; charset=utf-8\r\n"
            "X-Generation-Id: gen-img-1790829263-IsDxAD6HYDnBBhQ96S7m\r\n"
            "X-Provider-Name: Google AI Studio\r\n",
            "{\"created\":1790829353,\"extra_top\":1,\"data\":["
            "{\"b64_json\":\"" TU_PNG_B64 "\",\"media_type\":\"image/png\","
            "\"revised_prompt\":\"x\",\"url\":null},"
            "{\"b64_json\":\"/9j/4A==\"},"
            "{\"b64_json\":\"YWJj\",\"media_type\":\"image/x-custom\"}],"
            "\"usage\":{\"prompt_tokens\":27,\"completion_tokens\":181,"
            "\"total_tokens\":208,\"cost\":0.005565,\"is_byok\":true,"
            "\"prompt_tokens_details\":{\"cached_tokens\":3},"
            "\"completion_tokens_details\":{\"reasoning_tokens\":0,"
            "\"image_tokens\":181},\"cost_details\":{"
            "\"upstream_inference_cost\":0.005565,"
            "\"upstream_inference_prompt_cost\":0.000135,"
            "\"upstream_inference_completions_cost\":0.00543},"
            "\"extra_usage\":true}}");
    tu_request(&req);
    assert_int_equal(imagerouter_generate(e->client, &req, NULL, &res, NULL),
                     IMAGEROUTER_OK);
    assert_int_equal(res->created, 1790829353);
    assert_int_equal(res->image_count, 3);
    assert_int_equal(res->images[0].len, TU_PNG_LEN);
    assert_memory_equal(res->images[0].data, "\x89PNG", 4);
    assert_string_equal(res->images[0].media_type, "image/png");
    /* No media_type: sniffed. Unknown bytes: the reply's type is kept. */
    assert_int_equal(res->images[1].len, 4);
    assert_string_equal(res->images[1].media_type, "image/jpeg");
    assert_memory_equal(res->images[2].data, "abc", 3);
    assert_string_equal(res->images[2].media_type, "image/x-custom");
    assert_string_equal(res->generation_id,
                        "gen-img-1790829263-IsDxAD6HYDnBBhQ96S7m");
    assert_string_equal(res->provider_name, "Google AI Studio");
    assert_false(res->streamed);
    assert_int_equal(res->attempts, 1);
    u = &res->usage;
    assert_true(u->present);
    assert_int_equal(u->prompt_tokens, 27);
    assert_int_equal(u->completion_tokens, 181);
    assert_int_equal(u->total_tokens, 208);
    assert_true(u->has_cost);
    assert_true(u->cost > 0.005564 && u->cost < 0.005566);
    assert_true(u->is_byok);
    assert_int_equal(u->image_tokens, 181);
    assert_int_equal(u->reasoning_tokens, 0);
    assert_int_equal(u->cached_tokens, 3);
    assert_true(u->has_cost_details);
    assert_true(u->has_upstream_inference_cost);
    assert_true(u->upstream_inference_prompt_cost > 0.000134 &&
                u->upstream_inference_prompt_cost < 0.000136);
    assert_true(u->upstream_inference_completions_cost > 0.00542);
    assert_non_null(strstr(u->json, "\"extra_usage\":true"));
    imagerouter_result_free(res);
}

static void
test_usage_optional(void **state)
{
    struct tu_env *e = *state;
    imagerouter_request req;
    imagerouter_result *res = NULL;

    tu_request(&req);
    ts_push_json(e->srv, 200,
                 "{\"created\":0,\"data\":[{\"b64_json\":\"" TU_PNG_B64
                 "\"}]}");
    assert_int_equal(imagerouter_generate(e->client, &req, NULL, &res, NULL),
                     IMAGEROUTER_OK);
    assert_false(res->usage.present);
    assert_false(res->usage.has_cost);
    assert_null(res->usage.json);
    assert_int_equal(res->usage.image_tokens, -1);
    assert_null(res->generation_id);
    assert_null(res->provider_name);
    imagerouter_result_free(res);

    /* usage with cost null; OpenAI's input/output token names. */
    ts_push_json(e->srv, 200,
                 "{\"created\":1,\"data\":[],\"usage\":{\"input_tokens\":9,"
                 "\"output_tokens\":272,\"total_tokens\":281,\"cost\":null}}");
    assert_int_equal(imagerouter_generate(e->client, &req, NULL, &res, NULL),
                     IMAGEROUTER_OK);
    assert_int_equal(res->image_count, 0);
    assert_true(res->usage.present);
    assert_int_equal(res->usage.prompt_tokens, 9);
    assert_int_equal(res->usage.completion_tokens, 272);
    assert_false(res->usage.has_cost);
    imagerouter_result_free(res);
}

static void
expect_decode(struct tu_env *e, const char *ctype, const char *body,
              const char *needle)
{
    imagerouter_request req;
    imagerouter_result *res = NULL;
    imagerouter_error *err = NULL;
    char headers[256];

    snprintf(headers, sizeof(headers), "Content-Type: %s\r\n", ctype);
    ts_push(e->srv, 200, headers, body);
    tu_request(&req);
    assert_int_equal(imagerouter_generate(e->client, &req, NULL, &res, &err),
                     IMAGEROUTER_ERR_DECODE);
    assert_null(res);
    assert_int_equal(imagerouter_error_code(err), IMAGEROUTER_ERR_DECODE);
    if (!strstr(imagerouter_error_message(err), needle))
        fail_msg("\"%s\" lacks \"%s\"", imagerouter_error_message(err),
                 needle);
    imagerouter_error_free(err);
}

static void
test_refused_replies(void **state)
{
    struct tu_env *e = *state;
    const char *json = "application/json";

    expect_decode(e, json, "{\"data\":[]}", "created");
    expect_decode(e, json, "{\"created\":1748372400.5,\"data\":[]}",
                  "created");
    expect_decode(e, json, "{\"created\":\"1\",\"data\":[]}", "created");
    expect_decode(e, json, "{\"created\":1}", "data");
    expect_decode(e, json, "{\"created\":1,\"data\":[{\"url\":\"https://x\"}]}",
                  "b64_json");
    expect_decode(e, json, "{\"created\":1,\"data\":[{\"b64_json\":\"@@\"}]}",
                  "base64");
    expect_decode(e, json,
                  "{\"created\":1,\"data\":[],\"usage\":{\"prompt_tokens\":"
                  "\"1\",\"completion_tokens\":1,\"total_tokens\":2}}",
                  "usage");
    expect_decode(e, json, "{not json", "not JSON");
    expect_decode(e, "text/html", "<html>hi</html>", "text/html");
    expect_decode(e, "text/plain", "{\"created\":1,\"data\":[]}",
                  "text/plain");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full_reply, tu_setup,
                                        tu_teardown),
        cmocka_unit_test_setup_teardown(test_usage_optional, tu_setup,
                                        tu_teardown),
        cmocka_unit_test_setup_teardown(test_refused_replies, tu_setup,
                                        tu_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
