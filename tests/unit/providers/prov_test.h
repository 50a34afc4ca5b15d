/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/providers/prov_test.h - shared scaffolding for the adapter
 * tests: hand-built calls and endpoints, fixtures, responses, request
 * inspection. Header-only (each test is its own binary).
 */
#ifndef IR_TESTS_PROV_TEST_H
#define IR_TESTS_PROV_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "catalog/catalog.h"
#include "core/error.h"
#include "providers/common.h"
#include "providers/provider.h"
#include "providers/registry.h"
#include "util/mem.h"

/* "\x89PNG\r\n\x1a\n", the PNG signature, as base64 in the fixtures. */
#define PT_PNG_B64 "iVBORw0KGgo="
static const unsigned char pt_png_sig[8] = {0x89, 'P', 'N', 'G',
                                            '\r', '\n', 0x1a, '\n'};

/* One test's call, endpoint, request and outputs. */
struct pt {
    struct ir_request req;
    struct ir_ref refs[IR_MAX_REFS]; /* req.refs, not owned by req */
    struct ir_endpoint ep;
    struct ir_call call;
    json_t *options;
    struct ir_http_req http;
    json_t *body; /* http.body parsed, when JSON */
    struct ir_gen_result res;
    struct ir_error err;
    struct ir_stream_ev ev;
    char *fixture;
    size_t fixture_len;
};

static inline json_t *
pt_json(const char *s)
{
    json_error_t je;
    json_t *j = json_loads(s, 0, &je);

    if (j == NULL)
        fail_msg("bad test JSON: %s: %s", je.text, s);
    return j;
}

/* Sets up a call: supported_parameters and config are JSON text. */
static inline void
pt_init(struct pt *t, const char *provider_name, const char *model,
        const char *base_url, const char *key, const char *supported,
        const char *config)
{
    memset(t, 0, sizeof *t);
    t->req.prompt = (char *)"a red fox in snow";
    t->req.model = (char *)"test/model";
    t->req.n = 1;
    t->req.partial_images = -1;
    t->req.refs = t->refs;
    t->ep.provider_name = provider_name;
    t->ep.upstream_model = model;
    t->ep.supported_parameters = pt_json(supported ? supported : "{}");
    t->ep.config = pt_json(config ? config : "{}");
    t->call.req = &t->req;
    t->call.ep = &t->ep;
    t->call.base_url = base_url;
    t->call.api_key = key;
    t->call.upstream_model = model;
    t->call.n = 1;
    t->call.partial_images = -1;
    ir_error_init(&t->err);
}

static inline void
pt_options(struct pt *t, const char *json)
{
    t->options = pt_json(json);
    t->call.options = t->options;
}

static inline void
pt_geom(struct pt *t, int w, int h, const char *tier, const char *aspect)
{
    t->call.geom.w = w;
    t->call.geom.h = h;
    (void)snprintf(t->call.geom.tier, sizeof t->call.geom.tier, "%s", tier);
    (void)snprintf(t->call.geom.aspect, sizeof t->call.geom.aspect, "%s",
                   aspect);
}

static inline void
pt_ref_bytes(struct pt *t, const void *bytes, size_t len, const char *mt)
{
    struct ir_ref *r = &t->req.refs[t->req.nrefs++];

    r->bytes = (unsigned char *)bytes;
    r->len = len;
    (void)snprintf(r->media_type, sizeof r->media_type, "%s", mt);
}

static inline void
pt_ref_url(struct pt *t, const char *url)
{
    t->req.refs[t->req.nrefs++].url = (char *)url;
}

static inline void
pt_cleanup(struct pt *t)
{
    ir_http_req_cleanup(&t->http);
    ir_gen_result_cleanup(&t->res);
    ir_stream_ev_cleanup(&t->ev);
    ir_error_cleanup(&t->err);
    json_decref(t->body);
    json_decref(t->options);
    json_decref(t->ep.supported_parameters);
    json_decref(t->ep.config);
    free(t->fixture);
    memset(t, 0, sizeof *t);
}

/* Builds; asserts success and parses a JSON body. */
static inline void
pt_build(struct pt *t, const struct ir_provider *p)
{
    ir_err e = p->build(&t->call, &t->http, &t->err);

    if (e != IR_OK)
        fail_msg("build failed: %s: %s", ir_strerror(e), t->err.message);
    if (t->http.body != NULL && t->http.body_len > 0 &&
        t->http.body[0] == '{') {
        t->body = json_loadb(t->http.body, t->http.body_len, 0, NULL);
        assert_non_null(t->body);
    }
}

static inline const char *
pt_header(const struct ir_http_req *r, const char *name)
{
    size_t i, n = strlen(name);

    for (i = 0; i < r->nheaders; i++)
        if (strncasecmp(r->headers[i], name, n) == 0 &&
            r->headers[i][n] == ':')
            return r->headers[i] + n + 2;
    return NULL;
}

#define pt_assert_header(t, name, value)                                     \
    do {                                                                     \
        const char *pt_h_ = pt_header(&(t)->http, (name));                   \
        assert_non_null(pt_h_);                                              \
        assert_string_equal(pt_h_, (value));                                 \
    } while (0)

/* body[path] as a string, path like "a.b.0.c". */
static inline const json_t *
pt_at(const json_t *j, const char *path)
{
    char buf[256], *tok, *save = NULL;

    (void)snprintf(buf, sizeof buf, "%s", path);
    for (tok = strtok_r(buf, ".", &save); tok && j;
         tok = strtok_r(NULL, ".", &save)) {
        if (json_is_array(j))
            j = json_array_get(j, (size_t)atoi(tok));
        else
            j = json_object_get(j, tok);
    }
    return j;
}

#define pt_assert_str(t, path, value)                                        \
    do {                                                                     \
        const json_t *pt_v_ = pt_at((t)->body, (path));                      \
        if (!json_is_string(pt_v_))                                          \
            fail_msg("%s is not a string", (path));                          \
        assert_string_equal(json_string_value(pt_v_), (value));              \
    } while (0)
#define pt_assert_int(t, path, value)                                        \
    do {                                                                     \
        const json_t *pt_v_ = pt_at((t)->body, (path));                      \
        if (!json_is_integer(pt_v_))                                         \
            fail_msg("%s is not an integer", (path));                        \
        assert_int_equal(json_integer_value(pt_v_), (value));                \
    } while (0)
#define pt_assert_absent(t, path)                                            \
    do {                                                                     \
        if (pt_at((t)->body, (path)) != NULL)                                \
            fail_msg("%s should be absent", (path));                         \
    } while (0)

/* A string literal and its length. */
#define PT_LIT(s) (s), (sizeof(s) - 1)

/* The request body contains a string literal. */
#define pt_body_has(t, lit)                                                  \
    do {                                                                     \
        if (memmem((t)->http.body, (t)->http.body_len, (lit),                \
                   sizeof(lit) - 1) == NULL)                                 \
            fail_msg("body lacks %s", (lit));                                \
    } while (0)

static inline void
pt_fixture(struct pt *t, const char *rel)
{
    char path[512];
    FILE *f;
    long n;

    (void)snprintf(path, sizeof path, "%s/tests/providers/fixtures/%s",
                   IR_SOURCE_DIR, rel);
    f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("missing fixture %s", path);
    (void)fseek(f, 0, SEEK_END);
    n = ftell(f);
    (void)fseek(f, 0, SEEK_SET);
    free(t->fixture);
    t->fixture = malloc((size_t)n + 1);
    assert_non_null(t->fixture);
    assert_int_equal(fread(t->fixture, 1, (size_t)n, f), (size_t)n);
    t->fixture[n] = '\0';
    t->fixture_len = (size_t)n;
    (void)fclose(f);
}

/* Parses the fixture as the body of a response with status and headers
 * (NULL-terminated). Returns the adapter's ir_err. */
static inline ir_err
pt_parse_hdrs(struct pt *t, const struct ir_provider *p, int status,
              const char *rel, const char *const *headers)
{
    struct ir_http_resp r = {0};
    size_t n = 0;

    if (rel != NULL)
        pt_fixture(t, rel);
    while (headers != NULL && headers[n] != NULL)
        n++;
    r.status = status;
    r.headers = headers;
    r.nheaders = n;
    r.body = t->fixture;
    r.len = t->fixture_len;
    ir_gen_result_cleanup(&t->res);
    ir_error_cleanup(&t->err);
    return p->parse(&t->call, &r, &t->res, &t->err);
}

static inline ir_err
pt_parse(struct pt *t, const struct ir_provider *p, int status,
         const char *rel)
{
    return pt_parse_hdrs(t, p, status, rel, NULL);
}

/* A raw body (not a fixture file). */
static inline ir_err
pt_parse_raw(struct pt *t, const struct ir_provider *p, int status,
             const char *body, size_t len, bool truncated)
{
    struct ir_http_resp r = {0};

    r.status = status;
    r.body = body;
    r.len = len;
    r.truncated = truncated;
    ir_gen_result_cleanup(&t->res);
    ir_error_cleanup(&t->err);
    return p->parse(&t->call, &r, &t->res, &t->err);
}

static inline const char *
pt_meta(const struct pt *t, const char *key)
{
    return json_string_value(json_object_get(t->err.metadata, key));
}

/* Asserts a classified failure. */
static inline void
pt_assert_fail(const struct pt *t, ir_err e, int status, bool retryable,
               const char *error_type)
{
    if (e == IR_OK)
        fail_msg("expected a failure, got success");
    assert_int_equal(t->err.status, status);
    assert_int_equal(t->err.retryable, retryable);
    if (error_type != NULL) {
        assert_non_null(pt_meta(t, "error_type"));
        assert_string_equal(pt_meta(t, "error_type"), error_type);
    }
    assert_non_null(pt_meta(t, "provider_name"));
}

static inline void
pt_assert_png(const struct ir_gen_image *im)
{
    assert_non_null(im->bytes);
    assert_int_equal(im->len, sizeof pt_png_sig);
    assert_memory_equal(im->bytes, pt_png_sig, sizeof pt_png_sig);
}

/* The raw metadata never carries blobs or our key. */
static inline void
pt_assert_raw_clean(const struct pt *t, const char *key)
{
    const char *raw = pt_meta(t, "raw");

    if (raw == NULL)
        return;
    assert_true(strlen(raw) <= IR_PROVIDERS_RAW_MAX);
    if (key != NULL)
        assert_null(strstr(raw, key));
}

#endif
