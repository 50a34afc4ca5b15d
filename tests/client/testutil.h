/* SPDX-License-Identifier: Apache-2.0
 * tests/client/testutil.h - shared fixtures for the SDK tests: a client
 * pointed at a scripted server with retries off, and a tiny PNG.
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "imagerouter.h"
#include "testsrv.h"

/* A 1x1 PNG. */
#define TU_PNG_B64                                                          \
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwAD" \
    "hgGAWjR9awAAAABJRU5ErkJggg=="
#define TU_PNG_LEN 70

struct tu_env {
    struct ts_server *srv;
    imagerouter_client *client;
};

static inline void
tu_clear_env(void)
{
    unsetenv("IMAGEROUTER_API_KEY");
    unsetenv("IMAGEROUTER_BASE_URL");
    unsetenv("http_proxy");
    unsetenv("HTTP_PROXY");
    unsetenv("all_proxy");
    unsetenv("ALL_PROXY");
}

/* Options for srv with key "sk-test" and retries off. */
static inline void
tu_options(imagerouter_options *o, struct ts_server *srv)
{
    imagerouter_options_init(o);
    o->api_key = "sk-test";
    o->base_url = ts_base_url(srv);
    o->retry.strategy = IMAGEROUTER_RETRY_NONE;
    o->timeout_ms = 10000;
}

static inline int
tu_setup(void **state)
{
    struct tu_env *e = calloc(1, sizeof *e);
    imagerouter_options o;

    tu_clear_env();
    assert_non_null(e);
    e->srv = ts_start(0);
    assert_non_null(e->srv);
    tu_options(&o, e->srv);
    assert_int_equal(imagerouter_client_new(&o, &e->client, NULL),
                     IMAGEROUTER_OK);
    *state = e;
    return 0;
}

static inline int
tu_teardown(void **state)
{
    struct tu_env *e = *state;

    imagerouter_client_free(e->client);
    ts_stop(e->srv);
    free(e);
    return 0;
}

static inline void
tu_request(imagerouter_request *r)
{
    imagerouter_request_init(r);
    r->model = "openai/gpt-image-1";
    r->prompt = "a red panda";
}

/* The one-image reply of the spec, with usage. */
#define TU_OK_BODY                                                        \
    "{\"created\":1748372400,\"data\":[{\"b64_json\":\"" TU_PNG_B64      \
    "\",\"media_type\":\"image/png\"}],\"usage\":{\"prompt_tokens\":0,"  \
    "\"completion_tokens\":4175,\"total_tokens\":4175,\"cost\":0.04}}"

#endif
