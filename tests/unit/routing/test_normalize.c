/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/routing/test_normalize.c - routing/normalize.c with the
 * adapters' parse and the answer renderer around it: a big provider image
 * kept as base64 comes out byte for byte as the provider sent it (no
 * decode, header read from its head), a different format still
 * transcodes, and unreadable, garbled or non-canonical images behave as
 * before; an adopted base64 block renders the same answer as a copy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "api/image_response.h"
#include "image/base64.h"
#include "image/image.h"
#include "providers/gemini_common.h"
#include "providers/json_big.h"
#include "providers/openai_common.h"
#include "routing/normalize.h"
#include "util/buf.h"
#include "util/mem.h"

struct nt {
    struct ir_request req;
    struct ir_call call;
    struct ir_geom_target geom;
    struct ir_http_resp resp;
    struct ir_gen_result res;
    struct ir_error err;
    char *body;
};

static int
setup(void **state)
{
    (void)state;
    return ir_image_init("test_normalize") == IR_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    ir_image_shutdown();
    return 0;
}

/* A noisy w x h image (it does not compress: big base64). */
static void
encode(int w, int h, enum ir_format f, unsigned char **out, size_t *len)
{
    struct ir_pixels px;
    struct ir_diag d;
    uint32_t x = 12345;
    size_t i;

    assert_int_equal(ir_pixels_alloc(&px, w, h, 3), IR_OK);
    for (i = 0; i < (size_t)w * h * 3; i++) {
        x = x * 1103515245u + 12345u;
        px.data[i] = (unsigned char)(x >> 16);
    }
    assert_int_equal(ir_image_encode(&px, f, -1, out, len, &d), IR_OK);
    ir_pixels_cleanup(&px);
}

static char *
b64_of(const unsigned char *b, size_t len)
{
    char *s;
    size_t n;

    assert_int_equal(ir_base64_encode(b, len, &s, &n), IR_OK);
    return s;
}

static void
nt_init(struct nt *t, enum ir_format want)
{
    memset(t, 0, sizeof *t);
    t->req.prompt = (char *)"a fox";
    t->req.n = 1;
    t->req.output_format = want;
    t->call.req = &t->req;
    t->call.n = 1;
    t->geom.w = t->geom.h = 1024;
    ir_error_init(&t->err);
}

static void
nt_cleanup(struct nt *t)
{
    ir_gen_result_cleanup(&t->res);
    ir_error_cleanup(&t->err);
    ir_free(t->body);
}

/* A Gemini answer with this image string (already JSON-escaped). */
static void
nt_gemini(struct nt *t, const char *data)
{
    size_t n = strlen(data) + 512;

    t->body = ir_malloc(n);
    assert_non_null(t->body);
    (void)snprintf(t->body, n,
                   "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":"
                   "\"here\"},{\"inlineData\":{\"mimeType\":\"image/png\","
                   "\"data\":\"%s\"}}]},\"finishReason\":\"STOP\"}],"
                   "\"usageMetadata\":{\"promptTokenCount\":5}}",
                   data);
    t->resp.status = 200;
    t->resp.body = t->body;
    t->resp.len = strlen(t->body);
}

/* Parses like the engine: the body is handed over when borrowed. */
static ir_err
nt_parse_gemini(struct nt *t)
{
    ir_err e = ir_providers_gemini_common_parse(&t->call, "Google", &t->resp,
                                                &t->res, &t->err);

    if (e == IR_OK && ir_gen_result_borrows(&t->res)) {
        assert_int_equal(ir_gen_result_own_b64(&t->res, t->body,
                                               t->resp.len), IR_OK);
        t->body = NULL; /* the image owns it now */
        t->resp.body = NULL;
    }
    return e;
}

/* The answer's data[0].b64_json, checked to be our JSON. */
static char *
nt_render(struct nt *t)
{
    struct ir_api_usage u = {0};
    struct ir_buf b;
    size_t skip;
    json_t *root;
    char *s;

    ir_buf_init(&b, 1u << 30);
    assert_int_equal(ir_api_render_json(IR_API_OPENROUTER, &t->req, 7,
                                        &t->res, &u, &b, &skip), IR_OK);
    assert_true(skip <= b.len);
    root = json_loadb(b.data + skip, b.len - skip, 0, NULL);
    assert_non_null(root);
    assert_int_equal(json_integer_value(json_object_get(root, "created")),
                     7);
    s = ir_strdup(json_string_value(json_object_get(
        json_array_get(json_object_get(root, "data"), 0), "b64_json")));
    assert_non_null(s);
    json_decref(root);
    ir_buf_cleanup(&b);
    return s;
}

/* No format asked, or the provider's own: the base64 goes through as it
 * came, never decoded whole. */
static void
test_passthrough(void **state)
{
    static const enum ir_format wants[] = {IR_FORMAT_UNSET, IR_FORMAT_PNG};
    unsigned char *png;
    size_t len, k;
    char *b64, *out;
    struct nt t;

    (void)state;
    encode(300, 200, IR_FORMAT_PNG, &png, &len);
    b64 = b64_of(png, len);
    assert_true(strlen(b64) > IR_JSON_BIG_MIN);
    for (k = 0; k < 2; k++) {
        nt_init(&t, wants[k]);
        nt_gemini(&t, b64);
        assert_int_equal(nt_parse_gemini(&t), IR_OK);
        assert_int_equal(t.res.nimages, 1);
        assert_null(t.res.images[0].bytes);
        assert_non_null(t.res.images[0].b64);
        assert_string_equal(t.res.text, "here");
        assert_int_equal(ir_routing_normalize(&t.req, &t.geom, "Google",
                                              &t.res, &t.err), IR_OK);
        assert_null(t.res.images[0].bytes);
        assert_int_equal(t.res.images[0].format, IR_FORMAT_PNG);
        assert_int_equal(t.res.images[0].w, 300);
        assert_int_equal(t.res.images[0].h, 200);
        assert_int_equal(t.res.images[0].len, len);
        out = nt_render(&t);
        assert_string_equal(out, b64);
        ir_free(out);
        nt_cleanup(&t);
    }
    ir_free(b64);
    ir_free(png);
}

/* A different format asked: decoded and transcoded as before. */
static void
test_transcode(void **state)
{
    unsigned char *png, *dec;
    size_t len, dlen;
    char *b64, *out;
    struct nt t;

    (void)state;
    encode(300, 200, IR_FORMAT_PNG, &png, &len);
    b64 = b64_of(png, len);
    nt_init(&t, IR_FORMAT_JPEG);
    nt_gemini(&t, b64);
    assert_int_equal(nt_parse_gemini(&t), IR_OK);
    assert_int_equal(ir_routing_normalize(&t.req, &t.geom, "Google", &t.res,
                                          &t.err), IR_OK);
    assert_non_null(t.res.images[0].bytes);
    assert_null(t.res.images[0].b64);
    assert_int_equal(t.res.images[0].format, IR_FORMAT_JPEG);
    assert_int_equal(t.res.images[0].w, 300);
    out = nt_render(&t);
    assert_int_equal(ir_base64_decode(out, strlen(out), &dec, &dlen), IR_OK);
    assert_int_equal(ir_image_sniff(dec, dlen), IR_FORMAT_JPEG);
    ir_free(dec);
    ir_free(out);
    nt_cleanup(&t);
    ir_free(b64);
    ir_free(png);
}

/* OpenAI data[] with "\/" escapes, two images of one body, and a JPEG
 * whose frame header lies past the first decoded head. */
static void
test_openai_escaped(void **state)
{
    unsigned char *jpg, *big;
    size_t len, blen, seg = 60000, i, n;
    char *b64, *esc, *out, *body;
    struct nt t;
    ir_err e;

    (void)state;
    encode(100, 50, IR_FORMAT_JPEG, &jpg, &len);
    /* SOI, two 60000-byte APPn segments, then the rest. */
    blen = len + 2 * (seg + 2);
    big = ir_malloc(blen);
    assert_non_null(big);
    memcpy(big, jpg, 2);
    for (i = 0; i < 2; i++) {
        unsigned char *p = big + 2 + i * (seg + 2);

        p[0] = 0xFF;
        p[1] = (unsigned char)(0xE1 + i);
        p[2] = (unsigned char)(seg >> 8);
        p[3] = (unsigned char)(seg & 0xff);
        memset(p + 4, 'j', seg - 2);
    }
    memcpy(big + 2 + 2 * (seg + 2), jpg + 2, len - 2);
    b64 = b64_of(big, blen);
    esc = ir_malloc(2 * strlen(b64) + 1);
    assert_non_null(esc);
    for (i = 0, n = 0; b64[i] != '\0'; i++) {
        if (b64[i] == '/')
            esc[n++] = '\\';
        esc[n++] = b64[i];
    }
    esc[n] = '\0';
    assert_non_null(strchr(esc, '\\'));
    nt_init(&t, IR_FORMAT_UNSET);
    t.call.n = 2;
    n = strlen(esc) + strlen(b64) + 256;
    body = t.body = ir_malloc(n);
    assert_non_null(body);
    (void)snprintf(body, n, "{\"created\":1,\"data\":[{\"b64_json\":\"%s\"},"
                   "{\"b64_json\":\"%s\"}],\"usage\":{\"input_tokens\":3}}",
                   esc, b64);
    t.resp.status = 200;
    t.resp.body = body;
    t.resp.len = strlen(body);
    e = ir_providers_openai_common_parse(&t.call, "OpenAI", &t.resp, &t.res,
                                         &t.err);
    assert_int_equal(e, IR_OK);
    assert_int_equal(t.res.nimages, 2);
    assert_true(ir_gen_result_borrows(&t.res));
    assert_int_equal(ir_gen_result_own_b64(&t.res, body, t.resp.len), IR_OK);
    t.body = NULL;
    assert_false(ir_gen_result_borrows(&t.res));
    assert_int_equal(ir_routing_normalize(&t.req, &t.geom, "OpenAI", &t.res,
                                          &t.err), IR_OK);
    for (i = 0; i < 2; i++) {
        assert_int_equal(t.res.images[i].format, IR_FORMAT_JPEG);
        assert_int_equal(t.res.images[i].w, 100);
        assert_int_equal(t.res.images[i].h, 50);
        assert_int_equal(t.res.images[i].b64_len, strlen(b64));
        assert_memory_equal(t.res.images[i].b64, b64, strlen(b64));
    }
    out = nt_render(&t);
    assert_string_equal(out, b64);
    ir_free(out);
    nt_cleanup(&t);
    ir_free(esc);
    ir_free(b64);
    ir_free(big);
    ir_free(jpg);
}

/* Big but not canonical (unpadded, or broken into lines): decoded by the
 * tolerant decoder as before; the answer is canonical base64. */
static void
test_noncanonical(void **state)
{
    unsigned char *png;
    size_t len, n, i, k;
    char *b64, *mod, *out;
    struct nt t;

    (void)state;
    encode(200, 100, IR_FORMAT_PNG, &png, &len);
    for (len = len - (len % 3 == 0); len % 3 == 0; len--)
        ; /* a length that needs padding */
    b64 = b64_of(png, len);
    n = strlen(b64);
    mod = ir_malloc(2 * n + 1);
    assert_non_null(mod);
    /* Unpadded. */
    memcpy(mod, b64, n + 1);
    while (mod[strlen(mod) - 1] == '=')
        mod[strlen(mod) - 1] = '\0';
    nt_init(&t, IR_FORMAT_UNSET);
    nt_gemini(&t, mod);
    assert_int_equal(nt_parse_gemini(&t), IR_OK);
    assert_non_null(t.res.images[0].bytes);
    assert_null(t.res.images[0].b64);
    /* The truncated PNG still has its header. */
    assert_int_equal(ir_routing_normalize(&t.req, &t.geom, "Google", &t.res,
                                          &t.err), IR_OK);
    assert_int_equal(t.res.images[0].w, 200);
    out = nt_render(&t);
    assert_string_equal(out, b64);
    ir_free(out);
    nt_cleanup(&t);
    /* Lines of 76 ("\n" escapes make it jansson's string). */
    for (i = 0, k = 0; i < n; i++) {
        if (i > 0 && i % 76 == 0) {
            mod[k++] = '\\';
            mod[k++] = 'n';
        }
        mod[k++] = b64[i];
    }
    mod[k] = '\0';
    nt_init(&t, IR_FORMAT_UNSET);
    nt_gemini(&t, mod);
    assert_int_equal(nt_parse_gemini(&t), IR_OK);
    assert_non_null(t.res.images[0].bytes);
    assert_int_equal(ir_routing_normalize(&t.req, &t.geom, "Google", &t.res,
                                          &t.err), IR_OK);
    out = nt_render(&t);
    assert_string_equal(out, b64);
    ir_free(out);
    nt_cleanup(&t);
    ir_free(mod);
    ir_free(b64);
    ir_free(png);
}

/* Garbled header, truncated image, not an image at all, invalid base64:
 * the same 502s as before, big or small. */
static void
test_unreadable(void **state)
{
    unsigned char *png, *junk;
    size_t len, i;
    char *b64;
    struct nt t;

    (void)state;
    encode(200, 100, IR_FORMAT_PNG, &png, &len);
    png[12] = 'X'; /* IHDR -> XHDR */
    b64 = b64_of(png, len);
    nt_init(&t, IR_FORMAT_UNSET);
    nt_gemini(&t, b64);
    assert_int_equal(nt_parse_gemini(&t), IR_OK);
    assert_non_null(t.res.images[0].b64);
    assert_int_not_equal(ir_routing_normalize(&t.req, &t.geom, "Google",
                                              &t.res, &t.err), IR_OK);
    assert_int_equal(t.err.status, 502);
    assert_non_null(strstr(t.err.message, "unreadable image"));
    nt_cleanup(&t);
    ir_free(b64);
    /* Cut to 20 bytes (small: decoded in parse). */
    b64 = b64_of(png, 20);
    nt_init(&t, IR_FORMAT_UNSET);
    nt_gemini(&t, b64);
    assert_int_equal(nt_parse_gemini(&t), IR_OK);
    assert_int_not_equal(ir_routing_normalize(&t.req, &t.geom, "Google",
                                              &t.res, &t.err), IR_OK);
    assert_int_equal(t.err.status, 502);
    assert_non_null(strstr(t.err.message, "unreadable image"));
    assert_non_null(strstr(t.err.message, "cut short"));
    nt_cleanup(&t);
    ir_free(b64);
    /* Not an image. */
    junk = ir_malloc(100000);
    assert_non_null(junk);
    for (i = 0; i < 100000; i++)
        junk[i] = (unsigned char)(i * 31);
    b64 = b64_of(junk, 100000);
    nt_init(&t, IR_FORMAT_UNSET);
    nt_gemini(&t, b64);
    assert_int_equal(nt_parse_gemini(&t), IR_OK);
    assert_int_not_equal(ir_routing_normalize(&t.req, &t.geom, "Google",
                                              &t.res, &t.err), IR_OK);
    assert_int_equal(t.err.status, 502);
    assert_non_null(strstr(t.err.message, "not a PNG, JPEG, WebP or SVG"));
    nt_cleanup(&t);
    /* A big string that is not base64: the adapter's own 502. */
    b64[5000] = '*';
    nt_init(&t, IR_FORMAT_UNSET);
    nt_gemini(&t, b64);
    assert_int_equal(nt_parse_gemini(&t), IR_EUPSTREAM);
    assert_int_equal(t.err.status, 502);
    assert_non_null(strstr(t.err.message, "not valid base64"));
    nt_cleanup(&t);
    ir_free(b64);
    ir_free(junk);
    ir_free(png);
}

/* Big strings that are not images: text parts, revised prompts and data:
 * URLs read whole, as before. */
static void
test_big_text(void **state)
{
    size_t n = IR_JSON_BIG_MIN + 100, i, blen;
    char *text = ir_malloc(n + 1), *url = ir_malloc(n + 32), *body;
    struct nt t;

    (void)state;
    assert_non_null(text);
    assert_non_null(url);
    for (i = 0; i < n; i++)
        text[i] = (char)('a' + i % 26);
    text[n] = '\0';
    (void)snprintf(url, n + 32, "data:image/png;base64,%s", text);
    /* Gemini: a long text part next to a small image. */
    nt_init(&t, IR_FORMAT_UNSET);
    blen = 2 * n + 512;
    t.body = body = ir_malloc(blen);
    assert_non_null(body);
    (void)snprintf(body, blen,
                   "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":"
                   "\"%s\"},{\"inlineData\":{\"mimeType\":\"image/png\","
                   "\"data\":\"iVBORw0KGgo=\"}}]}}]}", text);
    t.resp.status = 200;
    t.resp.body = body;
    t.resp.len = strlen(body);
    assert_int_equal(nt_parse_gemini(&t), IR_OK);
    assert_string_equal(t.res.text, text);
    assert_non_null(t.res.images[0].bytes);
    nt_cleanup(&t);
    /* OpenAI-style: a data: URL and a long revised prompt. */
    nt_init(&t, IR_FORMAT_UNSET);
    t.body = body = ir_malloc(blen + 64);
    assert_non_null(body);
    (void)snprintf(body, blen + 64,
                   "{\"data\":[{\"url\":\"%s\",\"revised_prompt\":\"%s\"}]}",
                   url, text);
    t.resp.status = 200;
    t.resp.body = body;
    t.resp.len = strlen(body);
    assert_int_equal(ir_providers_openai_common_parse(&t.call, "OpenAI",
                                                      &t.resp, &t.res,
                                                      &t.err), IR_OK);
    assert_string_equal(t.res.images[0].url, url);
    assert_string_equal(t.res.text, text);
    nt_cleanup(&t);
    ir_free(url);
    ir_free(text);
}

/* One image rendered three ways: its base64 copied (no block of its own),
 * adopted from a block where it lies at offset off. The answers (from
 * *skip on) are the same bytes, for the JSON body and the SSE completed
 * event of both APIs. */
static void
render_one(int how, const struct ir_request *req, struct ir_gen_image *im,
           struct ir_buf *out, size_t *skip)
{
    struct ir_gen_result res;
    struct ir_api_usage u = {0};

    *skip = 0;
    ir_buf_init(out, 1u << 30);
    if (how == 0) {
        memset(&res, 0, sizeof res);
        res.images[0] = *im;
        res.nimages = 1;
        assert_int_equal(ir_api_render_json(IR_API_OPENROUTER, req, 7, &res,
                                            &u, out, skip), IR_OK);
        *im = res.images[0];
        return;
    }
    assert_int_equal(ir_api_render_completed(how == 1 ? IR_API_OPENROUTER
                                                      : IR_API_OPENAI,
                                             req, 7, im, &u, true, out,
                                             skip), IR_OK);
}

static void
test_render_adopt(void **state)
{
    static const size_t offs[] = {0, 1, 40, 44, 45, 100, 300, 70000};
    const char *b64 = "QUJDREVGR0hJSktMTU5PUA==";
    size_t n = strlen(b64), i, skip, skip2;
    struct ir_request req;
    struct ir_gen_image im, ref;
    struct ir_buf want, got;
    int how;

    (void)state;
    memset(&req, 0, sizeof req);
    req.prompt = (char *)"a cat";
    memset(&ref, 0, sizeof ref);
    ref.b64 = (char *)b64;
    ref.b64_len = n;
    ref.len = 16;
    ref.format = IR_FORMAT_PNG;
    ref.w = ref.h = 4;
    for (how = 0; how < 3; how++) {
        im = ref;
        render_one(how, &req, &im, &want, &skip);
        assert_int_equal(skip, 0);
        for (i = 0; i < sizeof offs / sizeof offs[0]; i++) {
            im = ref;
            im.b64_buf = ir_malloc(offs[i] + n + 1);
            assert_non_null(im.b64_buf);
            memset(im.b64_buf, 'x', offs[i]);
            memcpy(im.b64_buf + offs[i], b64, n + 1);
            im.b64 = im.b64_buf + offs[i];
            render_one(how, &req, &im, &got, &skip2);
            assert_null(im.b64_buf); /* adopted */
            assert_true(skip2 <= got.len);
            if (got.len - skip2 != want.len ||
                memcmp(got.data + skip2, want.data, want.len) != 0)
                fail_msg("render %d, offset %zu: %.*s", how, offs[i],
                         (int)(got.len - skip2), got.data + skip2);
            ir_buf_cleanup(&got);
        }
        ir_buf_cleanup(&want);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passthrough),
        cmocka_unit_test(test_transcode),
        cmocka_unit_test(test_openai_escaped),
        cmocka_unit_test(test_noncanonical),
        cmocka_unit_test(test_unreadable),
        cmocka_unit_test(test_big_text),
        cmocka_unit_test(test_render_adopt),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
