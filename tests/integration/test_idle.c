/* SPDX-License-Identifier: Apache-2.0
 * tests/integration/test_idle.c - what an idle router has mapped: none of
 * the libraries it loads on first use (libcurl, libpq, libcrypto, and
 * what they pull in) until a request needs them; a generation then
 * loads libcurl and succeeds; the router never links them (a regression
 * here would put ~6 MB back in the idle footprint).
 *
 * Uses routing_catalog.json (model rt/fallback, prov-a first by price,
 * on the emulator's OpenAI mount).
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

#define BODY                                                                  \
    "{\"model\":\"rt/fallback\",\"prompt\":\"a lighthouse\","                 \
    "\"provider\":{\"sort\":\"price\"}}"

static struct th_emu emu;
static struct th_routing_env renv;

static int
group_setup(void **state)
{
    const char *emu_args[] = {"--tiny", NULL};

    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    th_emu_start(&emu, emu_args);
    th_routing_env_init(&renv, &emu);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    th_emu_stop(&emu);
    curl_global_cleanup();
    return 0;
}

static void
test_idle_maps_no_lazy_library(void **state)
{
    static const char *const lazy[] = {"libcurl", "libpq", "libcrypto",
                                       "libssl", "libgnutls", "libldap",
                                       "libvips"};
    const char *args[] = {"--catalog", renv.catalog, NULL};
    struct th_server s;
    struct th_resp r;
    size_t i;

    (void)state;
    th_server_start(&s, args, renv.env);
    /* Health, a key lookup and the models list need none of them. */
    th_get(&s, "/health", NULL, &r);
    assert_int_equal(r.status, 200);
    th_resp_free(&r);
    th_get(&s, "/api/v1/key", s.key, &r);
    assert_int_equal(r.status, 200);
    th_resp_free(&r);
    for (i = 0; i < sizeof lazy / sizeof lazy[0]; i++)
        if (th_maps_have(s.pid, lazy[i]))
            fail_msg("idle router has %s mapped", lazy[i]);
    /* The first generation loads libcurl, and works. */
    th_post_json(&s, "/api/v1/images", s.key, BODY, &r);
    if (r.status != 200)
        fail_msg("status %ld: %s", r.status, r.body);
    th_resp_free(&r);
    assert_true(th_maps_have(s.pid, "libcurl"));
    assert_false(th_maps_have(s.pid, "libpq"));
    th_post_json(&s, "/api/v1/images", s.key, BODY, &r);
    assert_int_equal(r.status, 200);
    th_resp_free(&r);
    assert_int_equal(th_server_stop(&s), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_maps_no_lazy_library),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
