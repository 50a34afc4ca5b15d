/* SPDX-License-Identifier: Apache-2.0
 * tests/integration/test_vipsmod.c - the router binary does not link
 * libvips; it maps the image module only once an image has to be made
 * or converted, and both still work through it; without the module it
 * starts, answers /health, and fails image work naming the path tried.
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
#include "image/image.h"

#define VIPSMOD_MISSING "/nonexistent/ir-itest/imagerouter-vips.so"

static struct th_emu emu;

static int
group_setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (ir_image_init("itest") != IR_OK)
        return -1;
    th_emu_start(&emu, NULL);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    th_emu_stop(&emu);
    ir_image_shutdown();
    curl_global_cleanup();
    return 0;
}

/* Output of a shell command (caller frees), or fails the test. */
static char *
command_output(const char *cmd)
{
    char *out = NULL;
    size_t len = 0, cap = 0, n;
    char buf[4096];
    FILE *f = popen(cmd, "r");

    assert_non_null(f);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            out = realloc(out, cap);
            assert_non_null(out);
        }
        memcpy(out + len, buf, n);
        len += n;
    }
    assert_int_equal(pclose(f), 0);
    if (out == NULL)
        out = calloc(1, 1);
    assert_non_null(out);
    out[len] = '\0';
    return out;
}

static const char *
first_image(const struct th_resp *r, const char **media_type)
{
    json_t *img = json_array_get(json_object_get(r->json, "data"), 0);

    *media_type = json_string_value(json_object_get(img, "media_type"));
    return json_string_value(json_object_get(img, "b64_json"));
}

static void
test_binary_does_not_link_libvips(void **state)
{
    char cmd[1200], *needed, *ldd;

    (void)state;
    (void)snprintf(cmd, sizeof cmd, "readelf -d '%s'", th_bin());
    needed = command_output(cmd);
    assert_non_null(strstr(needed, "(NEEDED)"));
    /* A real listing: libevent is linked (libcurl is dlopened). */
    assert_non_null(strstr(needed, "libevent"));
    if (strstr(needed, "libvips") || strstr(needed, "libglib") ||
        strstr(needed, "libgobject"))
        fail_msg("the router links libvips/GLib:\n%s", needed);
    /* Nor through any library it links. */
    (void)snprintf(cmd, sizeof cmd, "ldd '%s'", th_bin());
    ldd = command_output(cmd);
    assert_non_null(strstr(ldd, "libevent"));
    if (strstr(ldd, "libvips") != NULL)
        fail_msg("libvips among the router's libraries:\n%s", ldd);
    free(needed);
    free(ldd);
}

static void
test_transcode_through_module(void **state)
{
    struct th_server srv;
    struct th_resp r;
    const char *mt, *b64;
    char why[256];

    (void)state;
    th_server_start(&srv, NULL, emu.envp);
    /* Started and answering, and libvips is not in the process. */
    assert_false(th_maps_have(srv.pid, "libvips"));
    assert_false(th_maps_have(srv.pid, "imagerouter-vips.so"));

    /* Seedream answers JPEG and does not take output_format: the
     * router converts on a worker, through the module. */
    th_post_json(&srv, "/api/v1/images", srv.key,
                 "{\"model\":\"bytedance-seed/seedream-4.5\",\"prompt\":"
                 "\"a lighthouse\",\"provider\":{\"only\":[\"seed\"]},"
                 "\"output_format\":\"webp\"}",
                 &r);
    if (r.status != 200)
        fail_msg("%ld %s", r.status, r.body);
    b64 = first_image(&r, &mt);
    assert_string_equal(mt, "image/webp");
    assert_true(th_check_image(b64, "webp", 0, 0, why, sizeof why));
    th_resp_free(&r);
    assert_true(th_maps_have(srv.pid, "imagerouter-vips.so"));
    assert_true(th_maps_have(srv.pid, "libvips"));

    /* The built-in renderer encodes through it too. */
    th_post_json(&srv, "/api/v1/images", srv.key,
                 "{\"model\":\"imagerouter/abstract\",\"prompt\":\"m\","
                 "\"resolution\":\"512\",\"output_format\":\"jpeg\"}",
                 &r);
    if (r.status != 200)
        fail_msg("%ld %s", r.status, r.body);
    b64 = first_image(&r, &mt);
    assert_string_equal(mt, "image/jpeg");
    assert_true(th_check_image(b64, "jpeg", 512, 512, why, sizeof why));
    th_resp_free(&r);
    assert_int_equal(th_server_stop(&srv), 0);
}

static void
test_missing_module(void **state)
{
    static const char *env[] = {"IR_VIPS_MODULE=" VIPSMOD_MISSING, NULL};
    struct th_server srv;
    struct th_resp r;
    char cmd[1200], *log;

    (void)state;
    th_server_start(&srv, NULL, env);
    th_get(&srv, "/health", NULL, &r);
    assert_int_equal(r.status, 200);
    th_resp_free(&r);
    th_post_json(&srv, "/api/v1/images", srv.key,
                 "{\"model\":\"imagerouter/abstract\",\"prompt\":\"m\","
                 "\"resolution\":\"512\"}",
                 &r);
    if (r.status < 500)
        fail_msg("rendering without the module: %ld %s", r.status, r.body);
    th_resp_free(&r);
    /* Still serving after the failure. */
    th_get(&srv, "/health", NULL, &r);
    assert_int_equal(r.status, 200);
    th_resp_free(&r);
    (void)snprintf(cmd, sizeof cmd, "cat '%s'", srv.log_path);
    log = command_output(cmd);
    if (strstr(log, VIPSMOD_MISSING) == NULL)
        fail_msg("the log does not name " VIPSMOD_MISSING ":\n%s", log);
    free(log);
    assert_int_equal(th_server_stop(&srv), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary_does_not_link_libvips),
        cmocka_unit_test(test_transcode_through_module),
        cmocka_unit_test(test_missing_module),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
