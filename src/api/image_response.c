/* SPDX-License-Identifier: Apache-2.0
 * api/image_response.c - response bodies and SSE events for generations.
 */
#include "api/image_response.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/reply.h"
#include "image/base64.h"
#include "image/image.h"
#include "util/mem.h"

void
ir_api_format_usd(int64_t nanos, char *buf, size_t size)
{
    int64_t whole = nanos / IR_NANOS_PER_USD;
    int64_t frac = nanos % IR_NANOS_PER_USD;
    size_t n;

    if (frac < 0)
        frac = -frac;
    (void)snprintf(buf, size, "%s%" PRId64 ".%09" PRId64,
                   nanos < 0 && whole == 0 ? "-" : "", whole, frac);
    n = strlen(buf);
    while (n > 0 && buf[n - 1] == '0')
        buf[--n] = '\0';
    if (n > 0 && buf[n - 1] == '.')
        buf[n - 1] = '\0';
}

/* Appends s as a JSON string literal. */
static ir_err
resp_add_json_string(struct ir_buf *b, const char *s)
{
    json_t *j = ir_api_json_string(s); /* owned */
    char *enc = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    ir_err err;

    json_decref(j);
    if (enc == NULL)
        return ir_buf_adds(b, "\"\"");
    err = ir_buf_adds(b, enc);
    free(enc); /* jansson allocates with malloc */
    return err;
}

static ir_err
resp_add_b64(struct ir_buf *b, const unsigned char *bytes, size_t len)
{
    size_t n = ir_base64_encoded_len(len);
    ir_err err;

    if ((err = ir_buf_reserve(b, n)) != IR_OK)
        return err;
    ir_base64_encode_to(bytes, len, b->data + b->len);
    b->len += n;
    b->data[b->len] = '\0';
    return IR_OK;
}

/* An image's base64: the provider's own when kept (no transcode), else
 * encoded from the bytes. */
static size_t
resp_b64_len(const struct ir_gen_image *im)
{
    return im->b64 != NULL ? im->b64_len : ir_base64_encoded_len(im->len);
}

static ir_err
resp_add_image(struct ir_buf *b, const struct ir_gen_image *im)
{
    if (im->b64 != NULL)
        return ir_buf_add(b, im->b64, im->b64_len);
    return resp_add_b64(b, im->bytes, im->len);
}

static ir_err
resp_add_usage_openrouter(struct ir_buf *b, const struct ir_api_usage *u)
{
    const struct ir_usage *t = &u->tokens;
    char cost[40], pc[40], cc[40];
    long long prompt = t->prompt_tokens, comp = t->completion_tokens;

    if (u->cost.known) {
        ir_api_format_usd(u->cost.total_nanos, cost, sizeof cost);
        ir_api_format_usd(u->cost.prompt_nanos, pc, sizeof pc);
        ir_api_format_usd(u->cost.completion_nanos, cc, sizeof cc);
    } else {
        (void)snprintf(cost, sizeof cost, "null");
        (void)snprintf(pc, sizeof pc, "null");
        (void)snprintf(cc, sizeof cc, "null");
    }
    return ir_buf_addf(
        b,
        "{\"prompt_tokens\":%lld,\"completion_tokens\":%lld,"
        "\"total_tokens\":%lld,\"cost\":%s,\"is_byok\":false,"
        "\"prompt_tokens_details\":{\"cached_tokens\":%lld},"
        "\"completion_tokens_details\":{\"reasoning_tokens\":%lld,"
        "\"image_tokens\":%lld},"
        "\"cost_details\":{\"upstream_inference_cost\":%s,"
        "\"upstream_inference_prompt_cost\":%s,"
        "\"upstream_inference_completions_cost\":%s}}",
        prompt, comp, prompt + comp, cost, t->cached_tokens,
        t->reasoning_tokens, t->image_tokens, cost, pc, cc);
}

static ir_err
resp_add_usage_openai(struct ir_buf *b, const struct ir_api_usage *u)
{
    const struct ir_usage *t = &u->tokens;
    long long text = t->prompt_text_tokens, img = t->prompt_image_tokens;

    if (text == 0 && img == 0)
        text = t->prompt_tokens;
    return ir_buf_addf(b,
                       "{\"input_tokens\":%lld,\"input_tokens_details\":{"
                       "\"image_tokens\":%lld,\"text_tokens\":%lld},"
                       "\"output_tokens\":%lld,\"total_tokens\":%lld}",
                       t->prompt_tokens, img, text, t->completion_tokens,
                       t->prompt_tokens + t->completion_tokens);
}

/* OpenAI echoes the settings it used. */
static ir_err
resp_add_openai_echo(struct ir_buf *b, const struct ir_request *req,
                     enum ir_format fmt, int w, int h)
{
    const char *bg = req->background == IR_BACKGROUND_TRANSPARENT
                         ? "transparent" : "opaque";
    const char *q = req->quality == IR_QUALITY_UNSET
                        ? "auto" : ir_core_request_quality_name(req->quality);

    return ir_buf_addf(b,
                       "\"background\":\"%s\",\"output_format\":\"%s\","
                       "\"quality\":\"%s\",\"size\":\"%dx%d\"",
                       bg, ir_core_request_format_name(fmt), q, w, h);
}

/* Most bytes of the provider's answer an adopted block may keep before
 * ours (sent around, not moved away). */
#define RESP_SKIP_MAX (64 * 1024)

/* The answer built around the only image's base64 in its own heap block
 * (the provider's answer body); the image gives up its base64. The prefix
 * goes in the body right before the base64 when it fits there, and the
 * answer starts *skip bytes into out: nothing of the 45 MB moves. Else
 * the base64 is moved down to follow the prefix (memory already
 * resident: a fraction of copying it into fresh pages). False (nothing
 * changed) when that cannot be done. */
static bool
resp_adopt(struct ir_buf *out, struct ir_gen_image *im, const char *prefix,
           size_t plen, size_t *skip)
{
    size_t off, n = im->b64_len, size, start = 0;
    char *p;

    if (out->data != NULL || im->b64_buf == NULL || im->b64 == NULL ||
        plen + n + 1024 > out->max)
        return false;
    off = (size_t)(im->b64 - im->b64_buf);
    if (off >= plen && off - plen <= RESP_SKIP_MAX &&
        off + n + 1024 <= out->max)
        start = off - plen;
    size = start + plen + n + 1024 + 1;
    if (size < off + n + 1)
        size = off + n + 1;
    /* Large blocks are mmapped: realloc remaps pages, it does not copy. */
    if ((p = ir_realloc(im->b64_buf, size)) == NULL)
        return false;
    if (start + plen != off)
        memmove(p + plen, p + off, n);
    memcpy(p + start, prefix, plen);
    out->data = p;
    out->len = start + plen + n;
    out->cap = size;
    p[out->len] = '\0';
    *skip = start;
    im->b64 = im->b64_buf = NULL;
    im->b64_len = 0;
    return true;
}

ir_err
ir_api_render_json(enum ir_api_flavor f, const struct ir_request *req,
                   int64_t created, struct ir_gen_result *res,
                   const struct ir_api_usage *u, struct ir_buf *out,
                   size_t *skip)
{
    size_t i, total = 64;
    char head[96];
    int hlen;
    bool adopted = false;
    ir_err err;

    hlen = snprintf(head, sizeof head, "{\"created\":%lld,\"data\":[{"
                    "\"b64_json\":\"", (long long)created);
    if (hlen < 0 || (size_t)hlen >= sizeof head)
        return IR_EINVAL;
    *skip = 0;
    if (res->nimages == 1)
        adopted = resp_adopt(out, &res->images[0], head, (size_t)hlen, skip);
    if (!adopted) {
        for (i = 0; i < res->nimages; i++)
            total += resp_b64_len(&res->images[i]) + 64;
        if ((err = ir_buf_reserve(out, total + 1024)) != IR_OK)
            return err;
        if ((err = ir_buf_addf(out, "{\"created\":%lld,\"data\":[",
                               (long long)created)))
            return err;
    }
    for (i = 0; i < res->nimages; i++) {
        const struct ir_gen_image *im = &res->images[i];
        const char *mt = ir_image_media_type(im->format);

        if (!adopted &&
            ((err = ir_buf_adds(out, i ? ",{\"b64_json\":\""
                                       : "{\"b64_json\":\"")) ||
             (err = resp_add_image(out, im))))
            return err;
        if ((err = ir_buf_addc(out, '"')))
            return err;
        if (mt != NULL &&
            (err = ir_buf_addf(out, ",\"media_type\":\"%s\"", mt)))
            return err;
        if (f == IR_API_OPENAI && req->prompt &&
            (err = ir_buf_adds(out, ",\"revised_prompt\":")) == IR_OK)
            err = resp_add_json_string(out, req->prompt);
        if (err || (err = ir_buf_addc(out, '}')))
            return err;
    }
    if ((err = ir_buf_adds(out, "],\"usage\":")))
        return err;
    if (f == IR_API_OPENAI) {
        const struct ir_gen_image *im0 = &res->images[0];

        if ((err = resp_add_usage_openai(out, u)) ||
            (err = ir_buf_addc(out, ',')) ||
            (err = resp_add_openai_echo(out, req, im0->format, im0->w,
                                        im0->h)))
            return err;
    } else if ((err = resp_add_usage_openrouter(out, u))) {
        return err;
    }
    return ir_buf_addc(out, '}');
}

ir_err
ir_api_render_partial(enum ir_api_flavor f, const struct ir_request *req,
                      int64_t created, int index, const char *b64, size_t len,
                      const struct ir_geom_target *geom, struct ir_buf *out)
{
    ir_err err;
    enum ir_format fmt = req->output_format ? req->output_format
                                            : IR_FORMAT_PNG;

    if (f == IR_API_OPENAI) {
        if ((err = ir_buf_addf(out,
                               "event: image_generation.partial_image\n"
                               "data: {\"type\":\"image_generation.partial_"
                               "image\",\"partial_image_index\":%d,"
                               "\"created_at\":%lld,",
                               index, (long long)created)) ||
            (err = resp_add_openai_echo(out, req, fmt, geom->w, geom->h)) ||
            (err = ir_buf_adds(out, ",\"b64_json\":\"")))
            return err;
    } else if ((err = ir_buf_addf(out,
                                  "data: {\"type\":\"image_generation."
                                  "partial_image\",\"partial_image_index\":"
                                  "%d,\"b64_json\":\"",
                                  index))) {
        return err;
    }
    if ((err = ir_buf_add(out, b64, len)))
        return err;
    return ir_buf_adds(out, "\"}\n\n");
}

ir_err
ir_api_render_completed(enum ir_api_flavor f, const struct ir_request *req,
                        int64_t created, struct ir_gen_image *im,
                        const struct ir_api_usage *u, bool last,
                        struct ir_buf *out, size_t *skip)
{
    const char *mt = ir_image_media_type(im->format);
    struct ir_buf pre;
    bool adopted;
    ir_err err;

    /* The event's start, then the image: adopted when out is empty (as
     * in ir_api_render_json), else copied. */
    ir_buf_init(&pre, 4096);
    if (f == IR_API_OPENAI)
        err = ir_buf_addf(&pre,
                          "event: image_generation.completed\n"
                          "data: {\"type\":\"image_generation."
                          "completed\",\"created_at\":%lld,",
                          (long long)created);
    else
        err = ir_buf_addf(&pre,
                          "data: {\"type\":\"image_generation.completed\","
                          "\"created\":%lld,",
                          (long long)created);
    if (err == IR_OK && f == IR_API_OPENAI)
        err = resp_add_openai_echo(&pre, req, im->format, im->w, im->h);
    if (err == IR_OK)
        err = ir_buf_adds(&pre, f == IR_API_OPENAI ? ",\"b64_json\":\""
                                                   : "\"b64_json\":\"");
    if (err != IR_OK) {
        ir_buf_cleanup(&pre);
        return err;
    }
    adopted = out->data == NULL && resp_adopt(out, im, pre.data, pre.len,
                                              skip);
    if (!adopted &&
        ((err = ir_buf_reserve(out, resp_b64_len(im) + pre.len + 1024)) ||
         (err = ir_buf_add(out, pre.data, pre.len)) ||
         (err = resp_add_image(out, im)))) {
        ir_buf_cleanup(&pre);
        return err;
    }
    ir_buf_cleanup(&pre);
    if (f == IR_API_OPENAI) {
        if ((err = ir_buf_adds(out, "\",\"usage\":")) ||
            (err = resp_add_usage_openai(out, u)))
            return err;
        return ir_buf_adds(out, "}\n\n");
    }
    if ((err = ir_buf_addc(out, '"')))
        return err;
    if (mt != NULL && (err = ir_buf_addf(out, ",\"media_type\":\"%s\"", mt)))
        return err;
    if (last && ((err = ir_buf_adds(out, ",\"usage\":")) ||
                 (err = resp_add_usage_openrouter(out, u))))
        return err;
    return ir_buf_adds(out, "}\n\n");
}

ir_err
ir_api_render_stream_error(enum ir_api_flavor f, int status,
                           const char *message, struct ir_buf *out)
{
    ir_err err;

    if (f == IR_API_OPENAI && (err = ir_buf_adds(out, "event: error\n")))
        return err;
    if ((err = ir_buf_adds(out, "data: {\"type\":\"error\",\"error\":{"
                                "\"message\":")) ||
        (err = resp_add_json_string(out, message)) ||
        (err = ir_buf_addf(out,
                           ",\"code\":\"%s\",\"param\":null,\"type\":\"%s\","
                           "\"status\":%d}}\n\ndata: [DONE]\n\n",
                           status >= 500 ? "upstream_error"
                                         : "invalid_request_error",
                           status >= 500 ? "provider_error"
                                         : "invalid_request_error",
                           status)))
        return err;
    return IR_OK;
}
