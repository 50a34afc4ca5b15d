/* SPDX-License-Identifier: Apache-2.0
 * tests/client/test_errors.c - every documented status to its error kind,
 * message and metadata from the envelope, plain-text bodies, string codes,
 * connection failures, and the name/description tables.
 */
#include "testutil.h"

#include <stdio.h>

static const struct {
    int status;
    int code;
    const char *name;
} statuses[] = {
    {400, IMAGEROUTER_ERR_BAD_REQUEST, "BAD_REQUEST"},
    {401, IMAGEROUTER_ERR_UNAUTHORIZED, "UNAUTHORIZED"},
    {402, IMAGEROUTER_ERR_PAYMENT_REQUIRED, "PAYMENT_REQUIRED"},
    {403, IMAGEROUTER_ERR_FORBIDDEN, "FORBIDDEN"},
    {404, IMAGEROUTER_ERR_NOT_FOUND, "NOT_FOUND"},
    {413, IMAGEROUTER_ERR_PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE"},
    {429, IMAGEROUTER_ERR_TOO_MANY_REQUESTS, "TOO_MANY_REQUESTS"},
    {500, IMAGEROUTER_ERR_INTERNAL, "INTERNAL"},
    {502, IMAGEROUTER_ERR_BAD_GATEWAY, "BAD_GATEWAY"},
    {524, IMAGEROUTER_ERR_TIMEOUT, "TIMEOUT"},
    {529, IMAGEROUTER_ERR_OVERLOADED, "OVERLOADED"},
    {408, IMAGEROUTER_ERR_OTHER, "OTHER"},
    {409, IMAGEROUTER_ERR_OTHER, "OTHER"},
    {422, IMAGEROUTER_ERR_OTHER, "OTHER"},
    {503, IMAGEROUTER_ERR_OTHER, "OTHER"},
    {504, IMAGEROUTER_ERR_OTHER, "OTHER"},
};

static imagerouter_error *
generate_err(struct tu_env *e, int want_code)
{
    imagerouter_request req;
    imagerouter_result *res = (imagerouter_result *)1;
    imagerouter_error *err = NULL;

    tu_request(&req);
    assert_int_equal(imagerouter_generate(e->client, &req, NULL, &res, &err),
                     want_code);
    assert_null(res);
    assert_non_null(err);
    assert_int_equal(imagerouter_error_code(err), want_code);
    return err;
}

static void
test_every_status(void **state)
{
    struct tu_env *e = *state;
    imagerouter_error *err;
    char body[256], msg[64];
    size_t i;

    for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        snprintf(msg, sizeof(msg), "message for %d", statuses[i].status);
        snprintf(body, sizeof(body),
                 "{\"error\":{\"code\":%d,\"message\":\"%s\",\"metadata\":{"
                 "\"error_type\":\"t%d\"}},\"user_id\":null}",
                 statuses[i].status, msg, statuses[i].status);
        ts_push_json(e->srv, statuses[i].status, body);
        err = generate_err(e, statuses[i].code);
        assert_int_equal(imagerouter_error_status(err), statuses[i].status);
        assert_string_equal(imagerouter_error_message(err), msg);
        assert_string_equal(imagerouter_error_name(statuses[i].code),
                            statuses[i].name);
        snprintf(msg, sizeof(msg), "{\"error_type\":\"t%d\"}",
                 statuses[i].status);
        assert_string_equal(imagerouter_error_metadata(err), msg);
        assert_null(imagerouter_error_server_code(err));
        assert_string_equal(imagerouter_error_body(err), body);
        assert_int_equal(imagerouter_error_retry_after_ms(err), -1);
        assert_int_equal(imagerouter_error_attempts(err), 1);
        assert_int_equal(imagerouter_code_for_status(statuses[i].status),
                         statuses[i].code);
        imagerouter_error_free(err);
    }
}

static void
test_non_json_and_odd_bodies(void **state)
{
    struct tu_env *e = *state;
    imagerouter_error *err;

    /* text/plain from a proxy: the kind still follows the status. */
    ts_push(e->srv, 502, "Content-Type: text/plain\r\n", "upstream down");
    err = generate_err(e, IMAGEROUTER_ERR_BAD_GATEWAY);
    assert_string_equal(imagerouter_error_message(err),
                        "HTTP 502: upstream down");
    assert_null(imagerouter_error_metadata(err));
    assert_string_equal(imagerouter_error_body(err), "upstream down");
    imagerouter_error_free(err);

    /* OpenAI-style string code: kept, kind from the status. */
    ts_push_json(e->srv, 401,
                 "{\"error\":{\"code\":\"stub_code\",\"message\":\"bad key\","
                 "\"type\":\"invalid_request_error\"}}");
    err = generate_err(e, IMAGEROUTER_ERR_UNAUTHORIZED);
    assert_string_equal(imagerouter_error_message(err), "bad key");
    assert_string_equal(imagerouter_error_server_code(err), "stub_code");
    imagerouter_error_free(err);

    /* {"error":"text"} */
    ts_push_json(e->srv, 403, "{\"error\":\"nope\"}");
    err = generate_err(e, IMAGEROUTER_ERR_FORBIDDEN);
    assert_string_equal(imagerouter_error_message(err), "nope");
    imagerouter_error_free(err);

    /* Empty body. */
    ts_push(e->srv, 404, NULL, "");
    err = generate_err(e, IMAGEROUTER_ERR_NOT_FOUND);
    assert_string_equal(imagerouter_error_message(err), "HTTP 404 not found");
    assert_null(imagerouter_error_body(err));
    imagerouter_error_free(err);

    /* JSON without error.message. */
    ts_push_json(e->srv, 418, "{\"error\":{\"code\":418}}");
    err = generate_err(e, IMAGEROUTER_ERR_OTHER);
    assert_int_equal(imagerouter_error_status(err), 418);
    assert_string_equal(imagerouter_error_message(err),
                        "HTTP 418 unexpected HTTP status");
    imagerouter_error_free(err);

    /* Retry-After is reported even when not retried. */
    ts_push(e->srv, 429,
            "Content-Type: application/json\r\nRetry-After: 3\r\n",
            "{\"error\":{\"code\":429,\"message\":\"Rate limit exceeded\"}}");
    err = generate_err(e, IMAGEROUTER_ERR_TOO_MANY_REQUESTS);
    assert_int_equal(imagerouter_error_retry_after_ms(err), 3000);
    imagerouter_error_free(err);
}

static void
test_connection_refused(void **state)
{
    struct ts_server *srv = ts_start(0);
    imagerouter_options o;
    imagerouter_client *c = NULL;
    imagerouter_request req;
    imagerouter_result *res = NULL;
    imagerouter_error *err = NULL;

    (void)state;
    tu_options(&o, srv);
    /* The client copies the URL; the server goes, nothing listens now. */
    assert_int_equal(imagerouter_client_new(&o, &c, NULL), IMAGEROUTER_OK);
    ts_stop(srv);
    tu_request(&req);
    assert_int_equal(imagerouter_generate(c, &req, NULL, &res, &err),
                     IMAGEROUTER_ERR_CONNECTION);
    assert_int_equal(imagerouter_error_status(err), 0);
    assert_int_equal(imagerouter_error_attempts(err), 1);
    assert_true(strlen(imagerouter_error_message(err)) > 0);
    imagerouter_error_free(err);
    imagerouter_client_free(c);
}

static void
test_timeout(void **state)
{
    struct tu_env *e = *state;
    imagerouter_call_options co;
    imagerouter_request req;
    imagerouter_result *res = NULL;
    imagerouter_error *err = NULL;

    ts_push_delay(e->srv, 200, "Content-Type: application/json\r\n",
                  TU_OK_BODY, 600);
    imagerouter_call_options_init(&co);
    co.timeout_ms = 150;
    tu_request(&req);
    assert_int_equal(imagerouter_generate(e->client, &req, &co, &res, &err),
                     IMAGEROUTER_ERR_CONNECTION);
    assert_non_null(strstr(imagerouter_error_message(err), "timed out"));
    imagerouter_error_free(err);
}

static void
test_names(void **state)
{
    (void)state;
    assert_string_equal(imagerouter_error_name(IMAGEROUTER_OK), "OK");
    assert_string_equal(imagerouter_error_name(IMAGEROUTER_ERR_CONNECTION),
                        "CONNECTION");
    assert_string_equal(imagerouter_error_name(IMAGEROUTER_ERR_DECODE),
                        "DECODE");
    assert_string_equal(imagerouter_error_name(12345), "UNKNOWN");
    assert_string_equal(imagerouter_strerror(IMAGEROUTER_ERR_TIMEOUT),
                        "provider timed out");
    assert_string_equal(imagerouter_strerror(-999), "unknown error");
    assert_int_equal(imagerouter_code_for_status(200), IMAGEROUTER_OK);
    assert_int_equal(imagerouter_code_for_status(299), IMAGEROUTER_OK);
    assert_int_equal(imagerouter_code_for_status(302), IMAGEROUTER_ERR_OTHER);
    /* NULL error objects are harmless to read and free. */
    assert_int_equal(imagerouter_error_code(NULL), IMAGEROUTER_OK);
    assert_string_equal(imagerouter_error_message(NULL), "");
    imagerouter_error_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_status, tu_setup,
                                        tu_teardown),
        cmocka_unit_test_setup_teardown(test_non_json_and_odd_bodies,
                                        tu_setup, tu_teardown),
        cmocka_unit_test(test_connection_refused),
        cmocka_unit_test_setup_teardown(test_timeout, tu_setup, tu_teardown),
        cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
