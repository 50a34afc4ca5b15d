/* SPDX-License-Identifier: Apache-2.0
 * client/response.c - parse buffered image replies, usage and error
 * envelopes; own the result object.
 */
#include "response.h"

#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "error.h"

static long long usage_int(json_t *obj, const char *key);
static double usage_num(json_t *obj, const char *key, bool *has);

struct irc_result *
irc_result_new(void)
{
    struct irc_result *r = calloc(1, sizeof *r);

    if (!r)
        return NULL;
    irc_arena_init(&r->arena);
    r->pub.usage.image_tokens = -1;
    r->pub.usage.reasoning_tokens = -1;
    r->pub.usage.cached_tokens = -1;
    return r;
}

void
irc_result_destroy(struct irc_result *r)
{
    if (!r)
        return;
    irc_arena_cleanup(&r->arena);
    free(r->images);
    free(r);
}

void
imagerouter_result_free(imagerouter_result *pub)
{
    /* pub is the first member of struct irc_result. */
    irc_result_destroy((struct irc_result *)pub);
}

const imagerouter_image *
irc_result_add_b64(struct irc_result *r, const char *b64, size_t len,
                   const char *media_type, bool *bad)
{
    imagerouter_image *img;
    unsigned char *bytes;
    size_t n;

    *bad = false;
    if (r->pub.image_count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 4;
        imagerouter_image *p = realloc(r->images, cap * sizeof *p);

        if (!p)
            return NULL;
        r->images = p;
        r->cap = cap;
        r->pub.images = p;
    }
    bytes = irc_arena_alloc(&r->arena, irc_base64_decoded_max(len));
    if (!bytes)
        return NULL;
    if (!irc_base64_decode(b64, len, bytes, &n)) {
        *bad = true;
        return NULL;
    }
    if (!media_type || !*media_type)
        media_type = imagerouter_media_type_sniff(bytes, n);
    img = &r->images[r->pub.image_count];
    img->data = bytes;
    img->len = n;
    img->media_type = NULL;
    if (media_type) {
        img->media_type = irc_arena_strdup(&r->arena, media_type);
        if (!img->media_type)
            return NULL;
    }
    r->pub.image_count++;
    return img;
}

bool
irc_result_set_headers(struct irc_result *r, const struct irc_http_resp *resp)
{
    if (resp->generation_id) {
        r->pub.generation_id = irc_arena_strdup(&r->arena, resp->generation_id);
        if (!r->pub.generation_id)
            return false;
    }
    if (resp->provider_name) {
        r->pub.provider_name = irc_arena_strdup(&r->arena, resp->provider_name);
        if (!r->pub.provider_name)
            return false;
    }
    return true;
}

char *
irc_response_dump(json_t *v, struct irc_arena *a)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY), *copy;

    if (!s)
        return NULL;
    copy = irc_arena_strdup(a, s);
    free(s);
    return copy;
}

/* An integer member, or -1 when absent or not an integer. */
static long long
usage_int(json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

    return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

static double
usage_num(json_t *obj, const char *key, bool *has)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

    *has = json_is_number(v);
    return *has ? json_number_value(v) : 0;
}

bool
irc_response_usage(json_t *usage, struct irc_arena *a, imagerouter_usage *u)
{
    json_t *pt, *ct, *tt, *cd;
    bool has;

    memset(u, 0, sizeof *u);
    u->image_tokens = u->reasoning_tokens = u->cached_tokens = -1;
    if (!json_is_object(usage))
        return usage == NULL || json_is_null(usage);
    pt = json_object_get(usage, "prompt_tokens");
    ct = json_object_get(usage, "completion_tokens");
    tt = json_object_get(usage, "total_tokens");
    if (!pt && !ct) {
        /* OpenAI's shape, from an OpenAI-style base URL. */
        pt = json_object_get(usage, "input_tokens");
        ct = json_object_get(usage, "output_tokens");
    }
    if (!json_is_integer(pt) || !json_is_integer(ct) ||
        (tt && !json_is_integer(tt)))
        return false;
    u->present = true;
    u->prompt_tokens = json_integer_value(pt);
    u->completion_tokens = json_integer_value(ct);
    u->total_tokens = tt ? json_integer_value(tt)
                         : u->prompt_tokens + u->completion_tokens;
    u->cost = usage_num(usage, "cost", &u->has_cost);
    u->is_byok = json_is_true(json_object_get(usage, "is_byok"));
    u->image_tokens = usage_int(
        json_object_get(usage, "completion_tokens_details"), "image_tokens");
    u->reasoning_tokens =
        usage_int(json_object_get(usage, "completion_tokens_details"),
                  "reasoning_tokens");
    u->cached_tokens = usage_int(
        json_object_get(usage, "prompt_tokens_details"), "cached_tokens");
    cd = json_object_get(usage, "cost_details");
    if (json_is_object(cd)) {
        u->has_cost_details = true;
        u->upstream_inference_cost = usage_num(cd, "upstream_inference_cost",
                                               &u->has_upstream_inference_cost);
        u->upstream_inference_prompt_cost =
            usage_num(cd, "upstream_inference_prompt_cost", &has);
        u->upstream_inference_completions_cost =
            usage_num(cd, "upstream_inference_completions_cost", &has);
    }
    u->json = irc_response_dump(usage, a);
    return u->json != NULL;
}

int
irc_response_image(const char *body, size_t len, struct irc_result *r,
                   imagerouter_error **err)
{
    json_t *root, *data, *item, *b64, *mt; /* root owned, rest borrowed */
    json_error_t jerr;
    const char *why = NULL;
    size_t i;
    bool bad;
    int rc = IMAGEROUTER_OK;

    root = json_loadb(body, len, 0, &jerr);
    if (!root)
        return irc_fail(err, IMAGEROUTER_ERR_DECODE,
                        "reply is not JSON: %s (line %d)", jerr.text,
                        jerr.line);
    data = json_object_get(root, "data");
    if (!json_is_integer(json_object_get(root, "created")))
        why = "\"created\" is missing or not an integer";
    else if (!json_is_array(data))
        why = "\"data\" is missing or not an array";
    if (why)
        goto bad;
    r->pub.created = json_integer_value(json_object_get(root, "created"));
    json_array_foreach(data, i, item) {
        b64 = json_object_get(item, "b64_json");
        mt = json_object_get(item, "media_type");
        if (!json_is_string(b64)) {
            why = "data[].b64_json is missing or not a string";
            goto bad;
        }
        if (!irc_result_add_b64(r, json_string_value(b64),
                                json_string_length(b64),
                                json_is_string(mt) ? json_string_value(mt)
                                                   : NULL,
                                &bad)) {
            if (!bad) {
                rc = irc_fail(err, IMAGEROUTER_ERR_NO_MEMORY, "out of memory");
                goto out;
            }
            why = "data[].b64_json is not valid base64";
            goto bad;
        }
    }
    if (!irc_response_usage(json_object_get(root, "usage"), &r->arena,
                            &r->pub.usage)) {
        why = "\"usage\" lacks integer token counts";
        goto bad;
    }
    goto out;
bad:
    rc = irc_fail(err, IMAGEROUTER_ERR_DECODE, "unexpected reply: %s", why);
out:
    json_decref(root);
    return rc;
}

imagerouter_error *
irc_response_error(const struct irc_http_resp *resp)
{
    int status = (int)resp->status;
    int code = imagerouter_code_for_status(status);
    const char *body = irc_buf_str(&resp->body);
    json_t *root = NULL, *eobj, *msg, *meta, *scode; /* root owned */
    imagerouter_error *e = NULL;
    char *metadata = NULL;
    size_t blen = resp->body.len;

    if (code == IMAGEROUTER_OK)
        code = IMAGEROUTER_ERR_OTHER;   /* 1xx/3xx: not a success */
    if (blen)
        root = json_loadb(body, blen, 0, NULL);
    eobj = json_object_get(root, "error");
    msg = json_object_get(eobj, "message");
    if (json_is_string(msg) && json_string_length(msg) > 0) {
        e = irc_error_new(code, status, "%s", json_string_value(msg));
    } else if (json_is_string(eobj)) {
        e = irc_error_new(code, status, "%s", json_string_value(eobj));
    } else if (blen && !root) {
        /* Plain text (or HTML) from a proxy: show its start. */
        e = irc_error_new(code, status, "HTTP %d: %.200s", status, body);
    } else {
        e = irc_error_new(code, status, "HTTP %d %s", status,
                          imagerouter_strerror(code));
    }
    if (!e)
        goto out;
    e->retry_after_ms = resp->retry_after_ms;
    meta = json_object_get(eobj, "metadata");
    if (json_is_object(meta)) {
        metadata = json_dumps(meta, JSON_COMPACT);
        if (!metadata)
            goto oom;
        e->metadata = metadata;
    }
    scode = json_object_get(eobj, "code");
    if (json_is_string(scode) &&
        !irc_error_set_str(&e->server_code, json_string_value(scode)))
        goto oom;
    if (blen) {
        e->body = strndup(body, blen < IRC_MAX_ERROR_BODY ? blen
                                                          : IRC_MAX_ERROR_BODY);
        if (!e->body)
            goto oom;
    }
    goto out;
oom:
    imagerouter_error_free(e);
    e = NULL;
out:
    json_decref(root);
    return e;
}
