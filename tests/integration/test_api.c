/* SPDX-License-Identifier: Apache-2.0
 * tests/integration/test_api.c - the Image API end to end on the built-in
 * renderer: statuses, every request field, streaming framing, discovery
 * shapes, and a decode of every returned image.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "harness.h"
#include "image/base64.h"
#include "image/image.h"

static struct th_server srv;

static int
group_setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (ir_image_init("itest") != IR_OK)
        return -1;
    th_server_start(&srv, NULL, NULL);
    return 0;
}

static int
group_teardown(void **state)
{
    int rc;

    (void)state;
    rc = th_server_stop(&srv);
    ir_image_shutdown();
    curl_global_cleanup();
    return rc == 0 ? 0 : -1;
}

/* ---- helpers --------------------------------------------------------- */

static void
assert_error(const struct th_resp *r, long status, const char *needle)
{
    json_t *err, *code, *msg;
    char ct[128];

    if (r->status != status)
        fail_msg("status %ld, want %ld: %s", r->status, status, r->body);
    assert_non_null(th_header(r, "Content-Type", ct, sizeof ct));
    assert_non_null(strstr(ct, "application/json"));
    assert_non_null(r->json);
    err = json_object_get(r->json, "error");
    assert_true(json_is_object(err));
    code = json_object_get(err, "code");
    msg = json_object_get(err, "message");
    assert_true(json_is_integer(code));
    assert_int_equal(json_integer_value(code), status);
    assert_true(json_is_string(msg));
    if (needle != NULL && strstr(json_string_value(msg), needle) == NULL)
        fail_msg("message '%s' does not mention '%s'",
                 json_string_value(msg), needle);
}

static void
generate(const char *body, struct th_resp *r)
{
    th_post_json(&srv, "/api/v1/images", srv.key, body, r);
}

static const char *
image_b64(const struct th_resp *r, size_t i)
{
    json_t *d = json_array_get(json_object_get(r->json, "data"), i);

    return json_string_value(json_object_get(d, "b64_json"));
}

static const char *
image_media_type(const struct th_resp *r, size_t i)
{
    json_t *d = json_array_get(json_object_get(r->json, "data"), i);

    return json_string_value(json_object_get(d, "media_type"));
}

static void
assert_image(const char *b64, const char *fmt, int w, int h)
{
    char why[256];

    assert_non_null(b64);
    if (!th_check_image(b64, fmt, w, h, why, sizeof why))
        fail_msg("image check (%s %dx%d): %s", fmt, w, h, why);
}

/* ---- status codes ---------------------------------------------------- */

static void
test_health(void **state)
{
    struct th_resp r;

    (void)state;
    th_get(&srv, "/health", NULL, &r);
    assert_int_equal(r.status, 200);
    th_resp_free(&r);
}

static void
test_unauthorized(void **state)
{
    struct th_resp r;
    const char *body = "{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\"}";

    (void)state;
    th_post_json(&srv, "/api/v1/images", NULL, body, &r);
    assert_error(&r, 401, "Authentication");
    th_resp_free(&r);
    th_post_json(&srv, "/api/v1/images", "sk-ir-v1-nope", body, &r);
    assert_error(&r, 401, "Invalid API key");
    th_resp_free(&r);
    /* Management keys administer; they do not generate. */
    th_post_json(&srv, "/api/v1/images", srv.mgmt_key, body, &r);
    assert_error(&r, 403, "Management");
    th_resp_free(&r);
}

/* The key is judged before the body, whichever path the request takes
 * (a valid body: key and credit hold in one store job; an invalid one:
 * authentication first, then validation). */
static void
test_auth_before_validation(void **state)
{
    static const char *const bodies[] = {
        "{\"model\":\"imagerouter/abstract\"}",          /* no prompt */
        "{\"model\":\"no/such-model\",\"prompt\":\"x\"}", /* unknown */
        "{\"model\":",                                     /* not JSON */
    };
    struct th_resp r;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        th_post_json(&srv, "/api/v1/images", NULL, bodies[i], &r);
        assert_error(&r, 401, "Authentication");
        th_resp_free(&r);
        th_post_json(&srv, "/api/v1/images", "sk-ir-v1-nope", bodies[i], &r);
        assert_error(&r, 401, "Invalid API key");
        th_resp_free(&r);
        th_post_json(&srv, "/api/v1/images", srv.mgmt_key, bodies[i], &r);
        assert_error(&r, 403, "Management");
        th_resp_free(&r);
        th_post_json(&srv, "/api/v1/images", srv.key, bodies[i], &r);
        assert_int_equal(r.status, 400);
        th_resp_free(&r);
        th_post_json(&srv, "/v1/images/generations", "sk-ir-v1-nope",
                     bodies[i], &r);
        assert_int_equal(r.status, 401);
        th_resp_free(&r);
    }
    /* A valid body with a valid key still generates. */
    th_post_json(&srv, "/api/v1/images", srv.key,
                 "{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\"}",
                 &r);
    assert_int_equal(r.status, 200);
    th_resp_free(&r);
}

struct bad_case {
    const char *body;
    const char *needle; /* the field the message must name */
};

static void
test_validation_400(void **state)
{
    static const struct bad_case cases[] = {
        {"{\"model\":\"imagerouter/abstract\"}", "prompt"},
        {"{\"model\":\"imagerouter/abstract\",\"prompt\":\"\"}", "prompt"},
        {"{\"prompt\":\"x\"}", "model"},
        {"{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\",\"n\":11}",
         "n"},
        {"{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\",\"n\":0}",
         "n"},
        {"{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\","
         "\"resolution\":\"3K\"}", "resolution"},
        {"{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\","
         "\"aspect_ratio\":\"7:5\"}", "aspect_ratio"},
        {"{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\","
         "\"quality\":\"ultra\"}", "quality"},
        {"{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\","
         "\"background\":\"green\"}", "background"},
        {"{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\","
         "\"output_format\":\"gif\"}", "output_format"},
        {"{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\","
         "\"output_compression\":101}", "output_compression"},
        {"{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\","
         "\"size\":\"big\"}", "size"},
        {"{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\","
         "\"size\":\"2K\",\"resolution\":\"4K\"}", "size"},
        {"{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\","
         "\"size\":\"1024x1024\",\"aspect_ratio\":\"16:9\"}", "aspect_ratio"},
        {"{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\","
         "\"background\":\"transparent\",\"output_format\":\"jpeg\"}",
         "background"},
        {"{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\","
         "\"input_references\":[\"https://example.com/a.png\"]}",
         "input_references"},
        {"{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\","
         "\"input_references\":[{\"type\":\"image_url\",\"image_url\":"
         "{\"url\":\"data:image/png;base64,!!!\"}}]}", "input_references"},
        {"{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\",\"n\":\"2\"}",
         "n"},
        {"{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\","
         "\"seed\":1.5}", "seed"},
        {"{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\","
         "\"stream\":\"yes\"}", "stream"},
        {"{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\","
         "\"provider\":{\"only\":\"local\"}}", "only"},
        {"{\"model\":\"imagerouter/abstract\",\"prompt\":42}", "prompt"},
        {"[1,2]", "object"},
        /* The SVG model only makes SVG: capability filter. */
        {"{\"model\":\"imagerouter/abstract-vector\",\"prompt\":\"x\","
         "\"output_format\":\"png\"}", "output_format"},
    };
    struct th_resp r;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        generate(cases[i].body, &r);
        if (r.status != 400)
            fail_msg("case %zu (%s): status %ld: %s", i, cases[i].body,
                     r.status, r.body);
        assert_error(&r, 400, cases[i].needle);
        /* Errors carry no generation id. */
        {
            char buf[128];

            assert_null(th_header(&r, "X-Generation-Id", buf, sizeof buf));
        }
        th_resp_free(&r);
    }
}

static void
test_invalid_json_line_column(void **state)
{
    struct th_resp r;

    (void)state;
    generate("{\"model\":\"imagerouter/abstract\",\n \"prompt\": }", &r);
    assert_error(&r, 400, "line 2");
    assert_non_null(strstr(json_string_value(json_object_get(
                               json_object_get(r.json, "error"), "message")),
                           "column"));
    th_resp_free(&r);
}

static void
test_unknown_model(void **state)
{
    struct th_resp r;
    json_t *meta;

    (void)state;
    generate("{\"model\":\"nobody/nothing\",\"prompt\":\"x\"}", &r);
    assert_error(&r, 400, "nobody/nothing");
    meta = json_object_get(json_object_get(r.json, "error"), "metadata");
    assert_string_equal(json_string_value(json_object_get(meta, "error_type")),
                        "model_not_found");
    th_resp_free(&r);
}

static void
test_provider_only_nothing_left(void **state)
{
    struct th_resp r;

    (void)state;
    generate("{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\","
             "\"provider\":{\"only\":[\"openai\"]}}", &r);
    assert_error(&r, 404, "openai");
    th_resp_free(&r);
}

static void
test_body_too_large(void **state)
{
    struct th_server small;
    const char *args[] = {"--max-body", "4096", NULL};
    struct th_resp r;
    char *body = malloc(20000);

    (void)state;
    th_server_start(&small, args, NULL);
    memset(body, ' ', 19999);
    body[19999] = '\0';
    memcpy(body, "{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\"", 44);
    body[19998] = '}';
    th_post_json(&small, "/api/v1/images", small.key, body, &r);
    assert_error(&r, 413, "too large");
    th_resp_free(&r);
    free(body);
    assert_int_equal(th_server_stop(&small), 0);
}

static void
test_extra_fields_and_empty_cookie(void **state)
{
    const char *h[] = {"Content-Type: application/json", NULL, "Cookie:",
                       "HTTP-Referer: https://example.test/app",
                       "X-OpenRouter-Title: Itest",
                       "X-OpenRouter-Categories: image-gen", NULL};
    char url[256], auth[256];
    const char *body = "{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\","
                       "\"resolution\":\"512\",\"provider_tag\":\"zz\","
                       "\"session_id\":\"s1\",\"trace\":{\"a\":1}}";
    struct th_resp r;

    (void)state;
    (void)snprintf(url, sizeof url, "%s/api/v1/images", srv.base);
    (void)snprintf(auth, sizeof auth, "Authorization: Bearer %s", srv.key);
    h[1] = auth;
    th_request("POST", url, h, body, strlen(body), &r);
    if (r.status != 200)
        fail_msg("status %ld: %s", r.status, r.body);
    th_resp_free(&r);
}

/* ---- successful generations ----------------------------------------- */

static void
test_default_png(void **state)
{
    struct th_resp r;
    char gid[128], prov[128], ct[128];
    json_t *usage;
    long long ts;
    char rnd[64];

    (void)state;
    generate("{\"model\":\"imagerouter/abstract\",\"prompt\":\"a red panda "
             "astronaut\"}", &r);
    if (r.status != 200)
        fail_msg("status %ld: %s", r.status, r.body);
    assert_non_null(th_header(&r, "Content-Type", ct, sizeof ct));
    assert_non_null(strstr(ct, "application/json"));
    assert_non_null(th_header(&r, "X-Generation-Id", gid, sizeof gid));
    assert_int_equal(sscanf(gid, "gen-img-%lld-%63s", &ts, rnd), 2);
    assert_int_equal(strlen(rnd), 20);
    assert_non_null(th_header(&r, "X-Provider-Name", prov, sizeof prov));
    assert_true(json_is_integer(json_object_get(r.json, "created")));
    assert_int_equal(json_array_size(json_object_get(r.json, "data")), 1);
    assert_string_equal(image_media_type(&r, 0), "image/png");
    assert_image(image_b64(&r, 0), "png", 1024, 1024);
    usage = json_object_get(r.json, "usage");
    assert_true(json_is_integer(json_object_get(usage, "prompt_tokens")));
    assert_true(json_is_integer(json_object_get(usage, "completion_tokens")));
    assert_true(json_is_integer(json_object_get(usage, "total_tokens")));
    assert_true(json_is_number(json_object_get(usage, "cost")));
    assert_true(json_number_value(json_object_get(usage, "cost")) == 0.0);
    /* No identity in the body: it is in the headers. */
    assert_null(json_object_get(r.json, "id"));
    th_resp_free(&r);
}

static void
test_tiers_and_aspects(void **state)
{
    static const char *tiers[] = {"512", "1K", "2K", "4K"};
    static const long long budget[] = {512 * 512, 1024 * 1024, 2048 * 2048,
                                       4096LL * 4096};
    static const char *aspects[] = {"1:1", "16:9", "9:16", "3:2", "21:9",
                                    "4:5", "1:4", "9:19.5"};
    struct th_resp r;
    char body[256], why[256];
    size_t t, a;

    (void)state;
    for (t = 0; t < 4; t++) {
        for (a = 0; a < sizeof aspects / sizeof aspects[0]; a++) {
            double want, got, num, den;
            unsigned char *bytes = NULL;
            int w, h;
            struct ir_diag d = {{0}};
            enum ir_format f;
            size_t len;

            /* 4K renders are slow-ish: two aspects are enough there. */
            if (t == 3 && a > 1)
                continue;
            (void)snprintf(body, sizeof body,
                           "{\"model\":\"imagerouter/abstract\",\"prompt\":"
                           "\"tiers\",\"resolution\":\"%s\",\"aspect_ratio\":"
                           "\"%s\",\"output_format\":\"jpeg\"}",
                           tiers[t], aspects[a]);
            generate(body, &r);
            if (r.status != 200)
                fail_msg("%s: %ld %s", body, r.status, r.body);
            assert_true(th_check_image(image_b64(&r, 0), "jpeg", 0, 0, why,
                                       sizeof why));
            assert_int_equal(ir_base64_decode(image_b64(&r, 0),
                                              strlen(image_b64(&r, 0)),
                                              &bytes, &len),
                             IR_OK);
            assert_int_equal(ir_image_probe(bytes, len, &w, &h, &f, &d),
                             IR_OK);
            free(bytes);
            sscanf(aspects[a], "%lf:%lf", &num, &den);
            want = num / den;
            got = (double)w / h;
            /* The pixel budget within 5%, the aspect within 3%, sides
             * multiples of 8 (the renderer's geometry profile). */
            if (fabs((double)w * h / budget[t] - 1) > 0.05 ||
                fabs(got / want - 1) > 0.03 || w % 8 || h % 8)
                fail_msg("%s %s -> %dx%d", tiers[t], aspects[a], w, h);
            th_resp_free(&r);
        }
    }
}

static void
test_formats_and_background(void **state)
{
    struct th_resp r;
    unsigned char *bytes = NULL;
    size_t len;
    struct ir_pixels px = {0};
    struct ir_diag d = {{0}};

    (void)state;
    generate("{\"model\":\"imagerouter/abstract\",\"prompt\":\"f\","
             "\"resolution\":\"512\",\"output_format\":\"webp\","
             "\"output_compression\":40}", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(image_media_type(&r, 0), "image/webp");
    assert_image(image_b64(&r, 0), "webp", 512, 512);
    th_resp_free(&r);

    generate("{\"model\":\"imagerouter/abstract\",\"prompt\":\"f\","
             "\"resolution\":\"512\",\"output_format\":\"jpeg\","
             "\"output_compression\":10,\"background\":\"opaque\"}", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(image_media_type(&r, 0), "image/jpeg");
    assert_image(image_b64(&r, 0), "jpeg", 512, 512);
    th_resp_free(&r);

    /* Transparent PNG: decoded, it has an alpha band with clear pixels. */
    generate("{\"model\":\"imagerouter/abstract\",\"prompt\":\"f\","
             "\"resolution\":\"512\",\"background\":\"transparent\"}", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(ir_base64_decode(image_b64(&r, 0),
                                      strlen(image_b64(&r, 0)), &bytes, &len),
                     IR_OK);
    assert_int_equal(ir_image_decode(bytes, len, 1 << 24, &px, &d), IR_OK);
    assert_int_equal(px.bands, 4);
    {
        size_t i, clear = 0;

        for (i = 0; i < (size_t)px.w * px.h; i++)
            clear += px.data[i * 4 + 3] == 0;
        assert_true(clear > 0);
    }
    ir_pixels_cleanup(&px);
    free(bytes);
    th_resp_free(&r);
}

static void
test_n_seed_determinism(void **state)
{
    struct th_resp a, b, c;
    const char *body = "{\"model\":\"imagerouter/abstract\",\"prompt\":"
                       "\"seeded\",\"resolution\":\"512\",\"n\":3,"
                       "\"seed\":42}";

    (void)state;
    generate(body, &a);
    generate(body, &b);
    generate("{\"model\":\"imagerouter/abstract\",\"prompt\":\"seeded\","
             "\"resolution\":\"512\",\"n\":1,\"seed\":43}", &c);
    assert_int_equal(a.status, 200);
    assert_int_equal(json_array_size(json_object_get(a.json, "data")), 3);
    for (size_t i = 0; i < 3; i++)
        assert_image(image_b64(&a, i), "png", 512, 512);
    /* Same inputs, same bytes; the n images differ from each other. */
    assert_string_equal(image_b64(&a, 0), image_b64(&b, 0));
    assert_string_equal(image_b64(&a, 2), image_b64(&b, 2));
    assert_string_not_equal(image_b64(&a, 0), image_b64(&a, 1));
    assert_string_not_equal(image_b64(&a, 0), image_b64(&c, 0));
    th_resp_free(&a);
    th_resp_free(&b);
    th_resp_free(&c);
}

static void
test_input_references(void **state)
{
    struct th_resp r;
    struct ir_pixels px = {0};
    unsigned char *png = NULL;
    size_t len, i;
    char *b64 = NULL, *body;
    struct ir_diag d = {{0}};

    (void)state;
    /* A solid red reference image, as a data URL. */
    assert_int_equal(ir_pixels_alloc(&px, 16, 16, 3), IR_OK);
    for (i = 0; i < 16 * 16; i++) {
        px.data[i * 3] = 220;
        px.data[i * 3 + 1] = 20;
        px.data[i * 3 + 2] = 20;
    }
    assert_int_equal(ir_image_encode(&px, IR_FORMAT_PNG, -1, &png, &len, &d),
                     IR_OK);
    assert_int_equal(ir_base64_encode(png, len, &b64, &len), IR_OK);
    body = malloc(strlen(b64) + 512);
    sprintf(body,
            "{\"model\":\"imagerouter/abstract\",\"prompt\":\"ref\","
            "\"resolution\":\"512\",\"input_references\":[{\"type\":"
            "\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,"
            "%s\"}}]}",
            b64);
    generate(body, &r);
    if (r.status != 200)
        fail_msg("%ld %s", r.status, r.body);
    assert_image(image_b64(&r, 0), "png", 512, 512);
    th_resp_free(&r);
    free(body);
    free(b64);
    free(png);
    ir_pixels_cleanup(&px);
}

static void
test_svg_model(void **state)
{
    struct th_resp r;

    (void)state;
    generate("{\"model\":\"imagerouter/abstract-vector\",\"prompt\":\"v\","
             "\"aspect_ratio\":\"16:9\"}", &r);
    if (r.status != 200)
        fail_msg("%ld %s", r.status, r.body);
    assert_string_equal(image_media_type(&r, 0), "image/svg+xml");
    assert_image(image_b64(&r, 0), "svg", 0, 0);
    th_resp_free(&r);
}

/* ---- streaming ------------------------------------------------------- */

static void
test_streaming_framing(void **state)
{
    struct th_resp r;
    char ct[128], gid[128];
    const char *p;
    int partials = 0, completed = 0, done = 0, next_index = 0;

    (void)state;
    generate("{\"model\":\"imagerouter/abstract\",\"prompt\":\"stream\","
             "\"resolution\":\"512\",\"stream\":true}", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(th_header(&r, "Content-Type", ct, sizeof ct));
    assert_non_null(strstr(ct, "text/event-stream"));
    assert_non_null(th_header(&r, "X-Generation-Id", gid, sizeof gid));
    for (p = r.body; p != NULL && *p; ) {
        const char *end = strstr(p, "\n\n");
        char *ev;
        json_t *j, *t;

        assert_non_null(end); /* every event is blank-line framed */
        assert_memory_equal(p, "data: ", 6);
        ev = strndup(p + 6, (size_t)(end - p - 6));
        if (strcmp(ev, "[DONE]") == 0) {
            done++;
            assert_string_equal(end + 2, ""); /* [DONE] is last */
            free(ev);
            break;
        }
        j = json_loads(ev, 0, NULL);
        assert_non_null(j);
        t = json_object_get(j, "type");
        if (strcmp(json_string_value(t), "image_generation.partial_image") ==
            0) {
            assert_int_equal(completed, 0);
            assert_int_equal(json_integer_value(json_object_get(
                                 j, "partial_image_index")), next_index++);
            assert_image(json_string_value(json_object_get(j, "b64_json")),
                         "png", 512, 512);
            partials++;
        } else if (strcmp(json_string_value(t),
                          "image_generation.completed") == 0) {
            assert_true(json_is_integer(json_object_get(j, "created")));
            assert_string_equal(
                json_string_value(json_object_get(j, "media_type")),
                "image/png");
            assert_true(json_is_object(json_object_get(j, "usage")));
            assert_image(json_string_value(json_object_get(j, "b64_json")),
                         "png", 512, 512);
            completed++;
        } else {
            fail_msg("unexpected event %s", ev);
        }
        json_decref(j);
        free(ev);
        p = end + 2;
    }
    assert_true(partials >= 1);
    assert_int_equal(completed, 1);
    assert_int_equal(done, 1);
    th_resp_free(&r);
}

static void
test_stream_on_non_streaming_endpoint_is_json(void **state)
{
    struct th_resp r;
    char ct[128];

    (void)state;
    generate("{\"model\":\"imagerouter/abstract-vector\",\"prompt\":\"v\","
             "\"stream\":true}", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(th_header(&r, "Content-Type", ct, sizeof ct));
    assert_non_null(strstr(ct, "application/json"));
    assert_image(image_b64(&r, 0), "svg", 0, 0);
    th_resp_free(&r);
}

/* ---- discovery --------------------------------------------------------- */

static void
assert_descriptor(json_t *d)
{
    const char *type = json_string_value(json_object_get(d, "type"));

    assert_non_null(type);
    if (strcmp(type, "enum") == 0) {
        json_t *v = json_object_get(d, "values");
        size_t i;

        assert_true(json_is_array(v) && json_array_size(v) > 0);
        for (i = 0; i < json_array_size(v); i++)
            assert_true(json_is_string(json_array_get(v, i)));
    } else if (strcmp(type, "range") == 0) {
        assert_true(json_is_number(json_object_get(d, "min")));
        assert_true(json_is_number(json_object_get(d, "max")));
    } else {
        assert_string_equal(type, "boolean");
    }
}

static void
test_models_list_shape(void **state)
{
    struct th_resp r;
    json_t *data, *m, *sp, *arch, *v;
    const char *k;
    size_t i;
    bool seen = false;

    (void)state;
    th_get(&srv, "/api/v1/images/models", NULL, &r); /* public */
    assert_int_equal(r.status, 200);
    data = json_object_get(r.json, "data");
    assert_true(json_is_array(data));
    json_array_foreach(data, i, m) {
        char want[256];

        /* ImageModelListItem: every required field, typed. */
        assert_true(json_is_string(json_object_get(m, "id")));
        assert_true(json_is_string(json_object_get(m, "name")));
        assert_true(json_is_string(json_object_get(m, "description")));
        assert_true(json_is_integer(json_object_get(m, "created")));
        assert_true(json_is_boolean(json_object_get(m, "supports_streaming")));
        arch = json_object_get(m, "architecture");
        assert_true(json_is_array(json_object_get(arch, "input_modalities")));
        assert_true(json_is_array(json_object_get(arch, "output_modalities")));
        (void)snprintf(want, sizeof want, "/api/v1/images/models/%s/endpoints",
                       json_string_value(json_object_get(m, "id")));
        assert_string_equal(json_string_value(json_object_get(m, "endpoints")),
                            want);
        sp = json_object_get(m, "supported_parameters");
        assert_true(json_is_object(sp));
        json_object_foreach(sp, k, v)
            assert_descriptor(v);
        if (strcmp(json_string_value(json_object_get(m, "id")),
                   "imagerouter/abstract") == 0) {
            seen = true;
            assert_true(json_is_true(json_object_get(m, "supports_streaming")));
        }
        /* No provider has credentials here: only local models listed. */
        assert_non_null(strstr(json_string_value(json_object_get(m, "id")),
                               "imagerouter/"));
    }
    assert_true(seen);
    th_resp_free(&r);
}

static void
test_endpoints_shape(void **state)
{
    struct th_resp r;
    json_t *eps, *e, *p, *v;
    const char *k;
    size_t i, j;

    (void)state;
    th_get(&srv, "/api/v1/images/models/imagerouter/abstract/endpoints", NULL,
           &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "id")),
                        "imagerouter/abstract");
    eps = json_object_get(r.json, "endpoints");
    assert_true(json_array_size(eps) >= 1);
    json_array_foreach(eps, i, e) {
        /* ImageEndpoint: all seven fields are required. */
        assert_true(json_is_string(json_object_get(e, "provider_name")));
        assert_true(json_is_string(json_object_get(e, "provider_slug")));
        v = json_object_get(e, "provider_tag");
        assert_true(json_is_string(v) || json_is_null(v));
        assert_true(json_is_boolean(json_object_get(e, "supports_streaming")));
        assert_true(json_is_array(
            json_object_get(e, "allowed_passthrough_parameters")));
        json_object_foreach(json_object_get(e, "supported_parameters"), k, v)
            assert_descriptor(v);
        assert_true(json_is_array(json_object_get(e, "pricing")));
        json_array_foreach(json_object_get(e, "pricing"), j, p) {
            assert_true(json_is_string(json_object_get(p, "billable")));
            assert_true(json_is_string(json_object_get(p, "unit")));
            assert_true(json_is_number(json_object_get(p, "cost_usd")));
        }
        /* Engine internals stay private. */
        assert_null(json_object_get(e, "geometry"));
        assert_null(json_object_get(e, "config"));
    }
    th_resp_free(&r);

    /* Percent-encoded path parameters, as the SDK sends them. */
    th_get(&srv, "/api/v1/images/models/imagerouter/abstract%2Dvector/endpoints",
           NULL, &r);
    assert_int_equal(r.status, 200);
    th_resp_free(&r);
    th_get(&srv, "/api/v1/images/models/quiver/arrow-2/endpoints", NULL, &r);
    assert_error(&r, 404, "not found");
    th_resp_free(&r);
}

/* ---- generation lookup ------------------------------------------------ */

static void
test_generation_lookup(void **state)
{
    struct th_resp r, g;
    char gid[128], path[256];
    json_t *d;

    (void)state;
    {
        const char *h[] = {"Content-Type: application/json", NULL,
                           "HTTP-Referer: https://apps.example/x",
                           "X-OpenRouter-Title: Lookup App",
                           "X-OpenRouter-Categories: image-gen", NULL};
        char url[256], auth[256];
        const char *body = "{\"model\":\"imagerouter/abstract\",\"prompt\":"
                           "\"lookup\",\"resolution\":\"512\"}";

        (void)snprintf(url, sizeof url, "%s/api/v1/images", srv.base);
        (void)snprintf(auth, sizeof auth, "Authorization: Bearer %s", srv.key);
        h[1] = auth;
        th_request("POST", url, h, body, strlen(body), &r);
    }
    assert_int_equal(r.status, 200);
    assert_non_null(th_header(&r, "X-Generation-Id", gid, sizeof gid));
    (void)snprintf(path, sizeof path, "/api/v1/generation?id=%s", gid);
    th_get(&srv, path, srv.key, &g);
    if (g.status != 200)
        fail_msg("%ld %s", g.status, g.body);
    d = json_object_get(g.json, "data");
    assert_string_equal(json_string_value(json_object_get(d, "id")), gid);
    assert_string_equal(json_string_value(json_object_get(d, "model")),
                        "imagerouter/abstract");
    assert_string_equal(json_string_value(json_object_get(d, "api_type")),
                        "image");
    assert_string_equal(json_string_value(json_object_get(d, "http_referer")),
                        "https://apps.example/x");
    assert_string_equal(json_string_value(json_object_get(d, "app_title")),
                        "Lookup App");
    assert_string_equal(
        json_string_value(json_object_get(d, "app_categories")), "image-gen");
    assert_int_equal(json_integer_value(json_object_get(
                         d, "num_media_completion")), 1);
    assert_true(json_is_integer(json_object_get(d, "latency")));
    assert_true(json_is_number(json_object_get(d, "total_cost")));
    th_resp_free(&g);
    th_resp_free(&r);

    th_get(&srv, "/api/v1/generation?id=gen-img-1-nothere", srv.key, &g);
    assert_error(&g, 404, "not found");
    th_resp_free(&g);
    th_get(&srv, "/api/v1/generation", srv.key, &g);
    assert_error(&g, 400, "id");
    th_resp_free(&g);
    th_get(&srv, "/api/v1/generation?id=x", NULL, &g);
    assert_error(&g, 401, NULL);
    th_resp_free(&g);
}

/* ---- the connection's write path --------------------------------------- */

/* A raw connection to the router; rcvbuf > 0 shrinks its receive buffer
 * (before connect), so that a big response cannot go out at once. */
static int
raw_connect(int rcvbuf)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    if (rcvbuf > 0)
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
                                    sizeof rcvbuf), 0);
    a.sin_port = htons((uint16_t)srv.port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static void
raw_send(int fd, const char *s)
{
    assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

/* Reads until the peer closes or has sent at least want bytes. */
static size_t
raw_read(int fd, char *buf, size_t size, size_t want)
{
    size_t n = 0;
    ssize_t k;

    while (n < want && n < size - 1 &&
           (k = read(fd, buf + n, size - 1 - n)) > 0)
        n += (size_t)k;
    buf[n] = '\0';
    return n;
}

static size_t
count_str(const char *hay, const char *needle)
{
    size_t n = 0;

    while ((hay = strstr(hay, needle)) != NULL) {
        n++;
        hay++;
    }
    return n;
}

/* Small replies are written straight from the handler, large ones (or
 * the rest of one) when the socket takes them: pipelined requests are
 * answered in order, and a reader slower than the response still gets
 * every byte. */
static void
test_write_path(void **state)
{
    static const char body[] =
        "{\"model\":\"imagerouter/abstract\",\"prompt\":\"slow reader\"}";
    char req[1024], *buf, *p;
    size_t n, size = 64u * 1024 * 1024;
    long clen;
    int fd;

    (void)state;
    buf = malloc(size);
    assert_non_null(buf);
    fd = raw_connect(0);
    raw_send(fd, "GET /health HTTP/1.1\r\nHost: t\r\n\r\n"
                 "GET /health HTTP/1.1\r\nHost: t\r\n\r\n"
                 "GET /health HTTP/1.1\r\nHost: t\r\n"
                 "Connection: close\r\n\r\n");
    n = raw_read(fd, buf, size, size);
    assert_true(n > 0);
    assert_int_equal(count_str(buf, "HTTP/1.1 200"), 3);
    close(fd);

    fd = raw_connect(4096);
    (void)snprintf(req, sizeof req,
                   "POST /api/v1/images HTTP/1.1\r\nHost: t\r\n"
                   "Authorization: Bearer %s\r\n"
                   "Content-Type: application/json\r\n"
                   "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                   srv.key, strlen(body), body);
    raw_send(fd, req);
    usleep(300 * 1000); /* let the router fill the socket and wait */
    n = raw_read(fd, buf, size, size);
    assert_non_null(strstr(buf, "HTTP/1.1 200"));
    p = strstr(buf, "Content-Length: ");
    assert_non_null(p);
    clen = strtol(p + 16, NULL, 10);
    p = strstr(buf, "\r\n\r\n");
    assert_non_null(p);
    assert_true(clen > 64 * 1024); /* more than the socket takes at once */
    assert_int_equal((long)(n - (size_t)(p + 4 - buf)), clen);
    close(fd);
    free(buf);
}

/* ---- OpenAI-compatible route ------------------------------------------ */

static void
test_openai_route(void **state)
{
    struct th_resp r;
    json_t *u;
    char ct[128];

    (void)state;
    th_post_json(&srv, "/v1/images/generations", srv.key,
                 "{\"model\":\"imagerouter/abstract\",\"prompt\":\"o\","
                 "\"size\":\"1024x1024\",\"n\":1,\"response_format\":"
                 "\"b64_json\"}", &r);
    if (r.status != 200)
        fail_msg("%ld %s", r.status, r.body);
    assert_image(image_b64(&r, 0), "png", 1024, 1024);
    u = json_object_get(r.json, "usage");
    assert_true(json_is_integer(json_object_get(u, "input_tokens")));
    assert_true(json_is_integer(json_object_get(u, "output_tokens")));
    assert_string_equal(json_string_value(json_object_get(r.json, "size")),
                        "1024x1024");
    th_resp_free(&r);

    th_post_json(&srv, "/v1/images/generations", srv.key,
                 "{\"model\":\"imagerouter/abstract\",\"prompt\":\"o\","
                 "\"size\":\"1024x1024\",\"stream\":true,"
                 "\"partial_images\":2}", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(th_header(&r, "Content-Type", ct, sizeof ct));
    assert_non_null(strstr(ct, "text/event-stream"));
    assert_non_null(strstr(r.body, "event: image_generation.partial_image\n"
                                   "data: {"));
    assert_non_null(strstr(r.body, "event: image_generation.completed\n"));
    assert_non_null(strstr(r.body, "\"partial_image_index\":1"));
    assert_null(strstr(r.body, "\"partial_image_index\":2"));
    th_resp_free(&r);

    th_post_json(&srv, "/v1/images/generations", srv.key,
                 "{\"prompt\":\"o\",\"response_format\":\"url\"}", &r);
    assert_error(&r, 400, "response_format");
    th_resp_free(&r);
}

static void
test_cors_and_unknown_route(void **state)
{
    struct th_resp r;
    char url[256], buf[256];

    (void)state;
    (void)snprintf(url, sizeof url, "%s/api/v1/images", srv.base);
    th_request("OPTIONS", url, NULL, NULL, 0, &r);
    assert_int_equal(r.status, 204);
    assert_non_null(th_header(&r, "Access-Control-Allow-Origin", buf,
                              sizeof buf));
    th_resp_free(&r);
    th_get(&srv, "/api/v1/nothing", NULL, &r);
    assert_error(&r, 404, NULL);
    th_resp_free(&r);
}

static void
test_metrics(void **state)
{
    struct th_resp r;
    char ct[128];
    const char *p;
    long ok2xx = 0, local_ok = 0;

    (void)state;
    th_get(&srv, "/metrics", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(th_header(&r, "Content-Type", ct, sizeof ct));
    assert_non_null(strstr(ct, "text/plain"));
    /* Earlier tests in this group generated images on the renderer. */
    p = strstr(r.body, "imagerouter_requests_total{class=\"2xx\"} ");
    assert_non_null(p);
    ok2xx = strtol(p + strlen("imagerouter_requests_total{class=\"2xx\"} "),
                   NULL, 10);
    p = strstr(r.body, "imagerouter_attempts_total{provider=\"local\","
                       "outcome=\"ok\"} ");
    assert_non_null(p);
    local_ok = strtol(strchr(p, '}') + 2, NULL, 10);
    assert_true(ok2xx >= 5);
    assert_true(local_ok >= 5);
    assert_non_null(strstr(r.body, "imagerouter_upstream_latency_seconds_bucket"
                                   "{provider=\"local\",le=\"+Inf\"}"));
    assert_non_null(strstr(r.body, "imagerouter_inflight_requests 0"));
    th_resp_free(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health),
        cmocka_unit_test(test_unauthorized),
        cmocka_unit_test(test_auth_before_validation),
        cmocka_unit_test(test_validation_400),
        cmocka_unit_test(test_invalid_json_line_column),
        cmocka_unit_test(test_unknown_model),
        cmocka_unit_test(test_provider_only_nothing_left),
        cmocka_unit_test(test_body_too_large),
        cmocka_unit_test(test_extra_fields_and_empty_cookie),
        cmocka_unit_test(test_default_png),
        cmocka_unit_test(test_tiers_and_aspects),
        cmocka_unit_test(test_formats_and_background),
        cmocka_unit_test(test_n_seed_determinism),
        cmocka_unit_test(test_input_references),
        cmocka_unit_test(test_svg_model),
        cmocka_unit_test(test_streaming_framing),
        cmocka_unit_test(test_stream_on_non_streaming_endpoint_is_json),
        cmocka_unit_test(test_models_list_shape),
        cmocka_unit_test(test_endpoints_shape),
        cmocka_unit_test(test_generation_lookup),
        cmocka_unit_test(test_write_path),
        cmocka_unit_test(test_openai_route),
        cmocka_unit_test(test_cors_and_unknown_route),
        cmocka_unit_test(test_metrics),
    };

    return cmocka_run_group_tests_name("integration.api", tests, group_setup,
                                       group_teardown);
}
