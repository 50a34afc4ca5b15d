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
static char env_own[4][256];
static const char *env[48];
static char catalog[512];

static int
group_setup(void **state)
{
    const char *emu_args[] = {"--tiny", NULL};
    const char *src = getenv("IR_SOURCE_DIR");
    size_t n = 0, i;

    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    (void)snprintf(catalog, sizeof catalog,
                   "%s/tests/integration/routing_catalog.json",
                   src ? src : ".");
    th_emu_start(&emu, emu_args);
    for (i = 0; emu.envp[i] != NULL; i++)
        env[n++] = emu.envp[i];
    (void)snprintf(env_own[0], sizeof env_own[0], "IR_TEST_EMU_KEY=tk");
    for (i = 0; i < 3; i++)
        (void)snprintf(env_own[i + 1], sizeof env_own[i + 1],
                       "IR_TEST_EMU_%c=%s/openai/v1", "ABC"[i], emu.base);
    for (i = 0; i < 4; i++)
        env[n++] = env_own[i];
    env[n] = NULL;
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

/* Is a shared object whose file name contains name mapped by pid? */
static bool
idle_mapped(pid_t pid, const char *name)
{
    char path[64], line[1024];
    bool found = false;
    FILE *f;

    (void)snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    f = fopen(path, "r");
    assert_non_null(f);
    while (!found && fgets(line, sizeof line, f) != NULL)
        found = strstr(line, name) != NULL;
    fclose(f);
    return found;
}

static void
test_idle_maps_no_lazy_library(void **state)
{
    static const char *const lazy[] = {"libcurl", "libpq", "libcrypto",
                                       "libssl", "libgnutls", "libldap",
                                       "libvips"};
    const char *args[] = {"--catalog", catalog, NULL};
    struct th_server s;
    struct th_resp r;
    size_t i;

    (void)state;
    th_server_start(&s, args, env);
    /* Health, a key lookup and the models list need none of them. */
    th_get(&s, "/health", NULL, &r);
    assert_int_equal(r.status, 200);
    th_resp_free(&r);
    th_get(&s, "/api/v1/key", s.key, &r);
    assert_int_equal(r.status, 200);
    th_resp_free(&r);
    for (i = 0; i < sizeof lazy / sizeof lazy[0]; i++)
        if (idle_mapped(s.pid, lazy[i]))
            fail_msg("idle router has %s mapped", lazy[i]);
    /* The first generation loads libcurl, and works. */
    th_post_json(&s, "/api/v1/images", s.key, BODY, &r);
    if (r.status != 200)
        fail_msg("status %ld: %s", r.status, r.body);
    th_resp_free(&r);
    assert_true(idle_mapped(s.pid, "libcurl"));
    assert_false(idle_mapped(s.pid, "libpq"));
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
