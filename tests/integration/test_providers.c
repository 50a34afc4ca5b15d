/* SPDX-License-Identifier: Apache-2.0
 * tests/integration/test_providers.c - every provider adapter through the
 * whole router against the emulator of its wire format: success, each
 * failure class, a reference image, a format conversion, and OpenAI's
 * streamed partial images reaching the client as they arrive.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "emu.h"
#include "harness.h"
#include "image/base64.h"
#include "image/image.h"

static struct th_emu emu;
static struct th_server srv;

struct prov {
    const char *emu_name;  /* the emulator's provider name */
    const char *slug;      /* provider.only */
    const char *model;
    const char *format;    /* what a default request returns */
    bool refs;             /* the emulator serves this provider's refs */
};

static const struct prov provs[] = {
    {"openai", "openai", "openai/gpt-image-1", "png", true},
    {"azure", "azure", "openai/gpt-image-1", "png", true},
    {"gemini", "google-ai-studio", "google/gemini-3-pro-image", "png", true},
    {"vertex", "google-vertex", "google/gemini-3.1-flash-image", "png", true},
    {"seedream", "seed", "bytedance-seed/seedream-4.5", "jpeg", true},
    {"bfl", "black-forest-labs", "black-forest-labs/flux.2-pro", "jpeg",
     true},
    {"xai", "xai", "x-ai/grok-imagine-image", "jpeg", true},
    {"recraft", "recraft", "recraft/recraft-v3", "webp", true},
};
#define NPROVS (sizeof provs / sizeof provs[0])

static int
group_setup(void **state)
{
    const char *args[] = {"--first-byte-timeout", "3", NULL};

    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (ir_image_init("itest") != IR_OK)
        return -1;
    th_emu_start(&emu, NULL);
    th_server_start(&srv, args, emu.envp);
    return 0;
}

static int
group_teardown(void **state)
{
    int rc;

    (void)state;
    rc = th_server_stop(&srv);
    th_emu_stop(&emu);
    ir_image_shutdown();
    curl_global_cleanup();
    return rc == 0 ? 0 : -1;
}

static void
gen(const struct prov *p, const char *extra, struct th_resp *r)
{
    char body[4096];

    (void)snprintf(body, sizeof body,
                   "{\"model\":\"%s\",\"prompt\":\"a lighthouse\","
                   "\"provider\":{\"only\":[\"%s\"]}%s%s}",
                   p->model, p->slug, extra ? "," : "", extra ? extra : "");
    th_post_json(&srv, "/api/v1/images", srv.key, body, r);
}

static const char *
err_message(const struct th_resp *r)
{
    const char *m = json_string_value(
        json_object_get(json_object_get(r->json, "error"), "message"));

    return m ? m : "";
}

/* ---- success, per provider ----------------------------------------- */

static void
test_success_each_provider(void **state)
{
    struct th_resp r;
    char why[256], name[128];
    size_t i;

    (void)state;
    for (i = 0; i < NPROVS; i++) {
        const struct prov *p = &provs[i];
        json_t *reqs, *auth;
        const char *b64;

        th_emu_reset(&emu);
        gen(p, NULL, &r);
        if (r.status != 200)
            fail_msg("%s: %ld %s", p->slug, r.status, r.body);
        b64 = json_string_value(json_object_get(
            json_array_get(json_object_get(r.json, "data"), 0), "b64_json"));
        if (!th_check_image(b64, p->format, 0, 0, why, sizeof why))
            fail_msg("%s: %s", p->slug, why);
        assert_non_null(th_header(&r, "X-Provider-Name", name, sizeof name));
        assert_true(json_is_number(
            json_object_get(json_object_get(r.json, "usage"), "cost")));
        /* The upstream request carried our credentials the provider's
         * way. */
        reqs = th_emu_requests(&emu, p->emu_name);
        assert_true(json_array_size(reqs) >= 1);
        auth = json_object_get(json_array_get(reqs, 0), "headers");
        assert_true(json_object_get(auth, "authorization") != NULL ||
                    json_object_get(auth, "x-goog-api-key") != NULL ||
                    json_object_get(auth, "api-key") != NULL ||
                    json_object_get(auth, "x-key") != NULL);
        json_decref(reqs);
        th_resp_free(&r);
    }
}

/* ---- failure classes -------------------------------------------------- */

struct fail_case {
    const char *action;  /* emulator script action */
    long status;         /* what the router answers */
    const char *needle;  /* in the message, or NULL */
};

static void
test_failure_classes(void **state)
{
    static const struct fail_case cases[] = {
        {"{\"content_policy\":true}", 400, NULL},
        {"{\"provider_error\":429,\"retry_after\":7}", 429, NULL},
        {"{\"provider_error\":529}", 529, NULL},
        {"{\"provider_error\":503}", 529, NULL},
        {"{\"provider_error\":500}", 502, NULL},
        {"{\"hang\":true}", 524, NULL},
        {"{\"ok_without_image\":true}", 502, NULL},
        {"{\"malformed_json\":true}", 502, NULL},
        {"{\"truncate\":true}", 502, NULL},
    };
    struct th_resp r;
    char script[512], ra[32];
    size_t i, k;

    (void)state;
    for (i = 0; i < NPROVS; i++) {
        const struct prov *p = &provs[i];

        for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
            const struct fail_case *c = &cases[k];
            json_t *meta;

            th_emu_reset(&emu);
            (void)snprintf(script, sizeof script,
                           "{\"match\":{\"provider\":\"%s\"},\"times\":-1,"
                           "\"action\":%s}",
                           p->emu_name, c->action);
            th_emu_script(&emu, script);
            gen(p, NULL, &r);
            if (r.status != c->status)
                fail_msg("%s %s: got %ld, want %ld: %s", p->slug, c->action,
                         r.status, c->status, r.body);
            assert_true(json_is_integer(
                json_object_get(json_object_get(r.json, "error"), "code")));
            meta = json_object_get(json_object_get(r.json, "error"),
                                   "metadata");
            if (c->status == 429)
                assert_non_null(th_header(&r, "Retry-After", ra, sizeof ra));
            if (c->status == 400)
                assert_string_equal(
                    json_string_value(json_object_get(meta, "error_type")),
                    "content_policy_violation");
            /* Nothing secret or bulky leaks into the error. */
            assert_null(strstr(r.body, "Bearer"));
            assert_null(strstr(r.body, "\"tk\""));
            assert_true(strlen(err_message(&r)) > 0);
            th_resp_free(&r);
        }
    }
}

/* Provider errors carry the provider's identity in metadata. */
static void
test_error_metadata(void **state)
{
    struct th_resp r;
    json_t *meta;

    (void)state;
    th_emu_reset(&emu);
    th_emu_script(&emu, "{\"match\":{\"provider\":\"openai\"},\"action\":"
                        "{\"provider_error\":429,\"retry_after\":2}}");
    gen(&provs[0], NULL, &r);
    assert_int_equal(r.status, 429);
    meta = json_object_get(json_object_get(r.json, "error"), "metadata");
    assert_string_equal(json_string_value(json_object_get(meta,
                                                          "provider_name")),
                        "OpenAI");
    assert_non_null(json_object_get(meta, "raw"));
    th_resp_free(&r);
}

/* ---- reference images and conversion ------------------------------- */

static char *
red_data_url(void)
{
    struct ir_pixels px = {0};
    struct ir_diag d = {{0}};
    unsigned char *png;
    char *b64, *url;
    size_t len, i;

    assert_int_equal(ir_pixels_alloc(&px, 32, 32, 3), IR_OK);
    for (i = 0; i < 32 * 32; i++) {
        px.data[i * 3] = 200;
        px.data[i * 3 + 1] = 30;
        px.data[i * 3 + 2] = 30;
    }
    assert_int_equal(ir_image_encode(&px, IR_FORMAT_PNG, -1, &png, &len, &d),
                     IR_OK);
    assert_int_equal(ir_base64_encode(png, len, &b64, &len), IR_OK);
    url = malloc(len + 64);
    sprintf(url, "data:image/png;base64,%s", b64);
    free(b64);
    free(png);
    ir_pixels_cleanup(&px);
    return url;
}

static void
test_reference_images(void **state)
{
    char *url = red_data_url(), *extra;
    struct th_resp r;
    size_t i;

    (void)state;
    extra = malloc(strlen(url) + 256);
    sprintf(extra,
            "\"input_references\":[{\"type\":\"image_url\",\"image_url\":"
            "{\"url\":\"%s\"}}]",
            url);
    for (i = 0; i < NPROVS; i++) {
        const struct prov *p = &provs[i];
        json_t *reqs;
        char *dump;

        if (!p->refs)
            continue;
        th_emu_reset(&emu);
        gen(p, extra, &r);
        if (r.status != 200)
            fail_msg("%s: %ld %s", p->slug, r.status, r.body);
        /* The reference travelled upstream: as a multipart file part, or
         * inline base64 somewhere in the JSON body. */
        reqs = th_emu_requests(&emu, p->emu_name);
        dump = json_dumps(reqs, JSON_COMPACT);
        if (strstr(dump, "\"sniffed\":\"png\"") == NULL &&
            strstr(dump, "iVBORw0KGgo") == NULL)
            fail_msg("%s: the reference is not in the upstream request",
                     p->slug);
        free(dump);
        json_decref(reqs);
        th_resp_free(&r);
    }
    free(extra);
    free(url);
}

static void
test_format_conversion(void **state)
{
    struct th_resp r;
    char why[256];
    const char *mt, *b64;

    (void)state;
    /* Seedream answers JPEG; the caller asked for WebP. */
    th_emu_reset(&emu);
    gen(&provs[4], "\"output_format\":\"webp\"", &r);
    /* Seedream does not declare output_format: the router converts. */
    if (r.status != 200)
        fail_msg("%ld %s", r.status, r.body);
    mt = json_string_value(json_object_get(
        json_array_get(json_object_get(r.json, "data"), 0), "media_type"));
    b64 = json_string_value(json_object_get(
        json_array_get(json_object_get(r.json, "data"), 0), "b64_json"));
    assert_string_equal(mt, "image/webp");
    assert_true(th_check_image(b64, "webp", 0, 0, why, sizeof why));
    th_resp_free(&r);

    /* OpenAI asked for png but the provider sent jpeg bytes. */
    th_emu_reset(&emu);
    th_emu_script(&emu, "{\"match\":{\"provider\":\"openai\"},\"action\":"
                        "{\"image_format\":\"jpeg\"}}");
    gen(&provs[0], "\"output_format\":\"png\"", &r);
    assert_int_equal(r.status, 200);
    mt = json_string_value(json_object_get(
        json_array_get(json_object_get(r.json, "data"), 0), "media_type"));
    assert_string_equal(mt, "image/png");
    th_resp_free(&r);
}

static void
test_bfl_polls_until_ready(void **state)
{
    struct th_resp r;
    json_t *reqs, *q;
    size_t i, polls = 0;

    (void)state;
    th_emu_reset(&emu);
    th_emu_script(&emu, "{\"match\":{\"provider\":\"bfl\"},\"action\":"
                        "{\"pending_polls\":3}}");
    gen(&provs[5], NULL, &r);
    if (r.status != 200)
        fail_msg("%ld %s", r.status, r.body);
    reqs = th_emu_requests(&emu, "bfl");
    json_array_foreach(reqs, i, q)
        if (strstr(json_string_value(json_object_get(q, "path")),
                   "get_result") != NULL)
            polls++;
    assert_true(polls >= 4); /* 3 Pending, then Ready */
    json_decref(reqs);
    th_resp_free(&r);
}

/* ---- OpenAI streaming ----------------------------------------------- */

struct stream_probe {
    char *buf;
    size_t len;
    bool checked;        /* looked at the emulator on the first partial */
    bool upstream_open;  /* the upstream request was still running then */
};

static size_t
stream_probe_cb(char *p, size_t size, size_t n, void *arg)
{
    struct stream_probe *s = arg;
    size_t len = size * n;

    s->buf = realloc(s->buf, s->len + len + 1);
    memcpy(s->buf + s->len, p, len);
    s->len += len;
    s->buf[s->len] = '\0';
    if (!s->checked && strstr(s->buf, "partial_image") != NULL) {
        json_t *stats = th_emu_stats(&emu);

        /* The provider is still streaming: the partial came through as
         * it arrived, not after the whole answer. */
        s->checked = true;
        s->upstream_open =
            json_integer_value(json_object_get(stats, "in_flight")) >= 1;
        json_decref(stats);
    }
    return len;
}

static void
test_openai_streaming_partials(void **state)
{
    struct stream_probe s = {0};
    struct curl_slist *h = NULL;
    char url[256], auth[256];
    const char *body = "{\"model\":\"openai/gpt-image-1\",\"prompt\":\"s\","
                       "\"stream\":true,\"provider\":{\"only\":[\"openai\"]},"
                       "\"size\":\"1024x1024\"}";
    CURL *c = curl_easy_init();
    long status = 0;
    int partials = 0;
    const char *p;

    (void)state;
    th_emu_reset(&emu);
    th_emu_script(&emu, "{\"match\":{\"provider\":\"openai\"},\"action\":"
                        "{\"partials\":2,\"partial_delay_ms\":700}}");
    (void)snprintf(url, sizeof url, "%s/api/v1/images", srv.base);
    (void)snprintf(auth, sizeof auth, "Authorization: Bearer %s", srv.key);
    h = curl_slist_append(h, auth);
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Accept: text/event-stream");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, stream_probe_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    assert_int_equal(status, 200);
    assert_true(s.checked);
    assert_true(s.upstream_open);
    for (p = s.buf; (p = strstr(p, "image_generation.partial_image")); p++)
        partials++;
    assert_int_equal(partials, 2);
    assert_non_null(strstr(s.buf, "image_generation.completed"));
    assert_non_null(strstr(s.buf, "data: [DONE]"));
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(s.buf);
}

/* ---- Vertex with a service account -------------------------------- */

/* The service account's public half, for the emulator to verify. */
static void
write_public_key(EVP_PKEY *key, const char *path)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(PEM_write_PUBKEY(f, key), 1);
    fclose(f);
}

/* A service-account key file as Google issues them, naming token_uri. */
static void
write_service_account(EVP_PKEY *key, const char *token_uri, const char *path)
{
    BIO *mem = BIO_new(BIO_s_mem());
    char *pem, *esc, *q;
    const char *p;
    long n;
    FILE *f;

    assert_int_equal(PEM_write_bio_PrivateKey(mem, key, NULL, NULL, 0, NULL,
                                              NULL), 1);
    n = BIO_get_mem_data(mem, &pem);
    esc = malloc((size_t)n * 2 + 1);
    for (p = pem, q = esc; p < pem + n; p++) {
        if (*p == '\n') {
            *q++ = '\\';
            *q++ = 'n';
        } else {
            *q++ = *p;
        }
    }
    *q = '\0';
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f,
            "{\"type\":\"service_account\",\"project_id\":\"proj-1\","
            "\"private_key_id\":\"k1\",\"private_key\":\"%s\","
            "\"client_email\":\"router@proj-1.iam.gserviceaccount.com\","
            "\"token_uri\":\"%s\"}",
            esc, token_uri);
    fclose(f);
    free(esc);
    BIO_free(mem);
}

static void
test_vertex_service_account(void **state)
{
    char dir[] = "/tmp/ir-vertex-XXXXXX", sa[64], pub[64], token_uri[128];
    char env_sa[128], env_url[128], env_proj[] = "VERTEX_PROJECT=proj-1";
    const char *env[4] = {env_sa, env_proj, env_url, NULL};
    const char *emu_args[] = {"--vertex-public-key", pub,
                              "--vertex-client-email",
                              "router@proj-1.iam.gserviceaccount.com", NULL};
    EVP_PKEY *key = EVP_RSA_gen(2048);
    struct th_emu e2;
    struct th_server s2;
    struct th_resp r;
    json_t *reqs, *q;
    size_t i, tokens = 0, calls = 0;
    int k;

    (void)state;
    assert_non_null(key);
    assert_non_null(mkdtemp(dir));
    (void)snprintf(sa, sizeof sa, "%s/sa.json", dir);
    (void)snprintf(pub, sizeof pub, "%s/pub.pem", dir);
    write_public_key(key, pub);
    th_emu_start(&e2, emu_args); /* verifies RS256 with pub.pem */
    (void)snprintf(token_uri, sizeof token_uri, "%s/token", e2.base);
    write_service_account(key, token_uri, sa);
    (void)snprintf(env_sa, sizeof env_sa, "GOOGLE_APPLICATION_CREDENTIALS=%s",
                   sa);
    (void)snprintf(env_url, sizeof env_url, "VERTEX_BASE_URL=%s/vertex",
                   e2.base);
    th_server_start(&s2, NULL, env); /* no VERTEX_ACCESS_TOKEN */
    for (k = 0; k < 2; k++) {
        th_post_json(&s2, "/api/v1/images", s2.key,
                     "{\"model\":\"google/gemini-3.1-flash-image\","
                     "\"prompt\":\"sa\",\"provider\":{\"only\":"
                     "[\"google-vertex\"]}}", &r);
        if (r.status != 200)
            fail_msg("%ld %s", r.status, r.body);
        th_resp_free(&r);
    }
    /* One token exchange; both calls carry the cached token. */
    reqs = th_emu_requests(&e2, NULL);
    json_array_foreach(reqs, i, q) {
        const char *prov = json_string_value(json_object_get(q, "provider"));

        if (strcmp(prov, "google_oauth") == 0)
            tokens++;
        if (strcmp(prov, "vertex") == 0) {
            const char *auth = json_string_value(json_object_get(
                json_object_get(q, "headers"), "authorization"));

            calls++;
            assert_non_null(auth);
            assert_memory_equal(auth, "Bearer ", 7);
        }
    }
    assert_int_equal(tokens, 1);
    assert_int_equal(calls, 2);
    json_decref(reqs);
    assert_int_equal(th_server_stop(&s2), 0);
    th_emu_stop(&e2);
    EVP_PKEY_free(key);
    unlink(sa);
    unlink(pub);
    rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_success_each_provider),
        cmocka_unit_test(test_failure_classes),
        cmocka_unit_test(test_error_metadata),
        cmocka_unit_test(test_reference_images),
        cmocka_unit_test(test_format_conversion),
        cmocka_unit_test(test_bfl_polls_until_ready),
        cmocka_unit_test(test_openai_streaming_partials),
        cmocka_unit_test(test_vertex_service_account),
    };

    return cmocka_run_group_tests_name("integration.providers", tests,
                                       group_setup, group_teardown);
}
