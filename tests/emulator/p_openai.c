/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/p_openai.c - OpenAI Images API (and Azure OpenAI's
 * deployment paths): POST /v1/images/generations (JSON) and
 * /v1/images/edits (multipart), b64/url answers with usage, SSE partial
 * images. Follows providers/sync-family.md sections 1 and 2.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "files.h"
#include "gen.h"
#include "multipart.h"
#include "providers.h"
#include "util.h"

struct oai {
    bool azure, edits, gpt, dalle2, dalle3, gpt2;
    const char *model, *prompt, *size, *quality, *background, *format;
    const char *response_format;
    long n, partials;
    bool stream;
    int w, h, nrefs;
    json_t *params;                /* owned */
};

static const char *const oai_models[] = {
    "gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "gpt-image-2",
    "gpt-image-2-2026-04-21", "chatgpt-image-latest", "dall-e-2",
    "dall-e-3", NULL };
static const char *const oai_gen_params[] = {
    "prompt", "model", "n", "size", "quality", "background",
    "output_format", "output_compression", "moderation", "response_format",
    "style", "stream", "partial_images", "user", NULL };
static const char *const oai_edit_params[] = {
    "image", "image[]", "mask", "prompt", "model", "n", "size", "quality",
    "background", "output_format", "output_compression", "stream",
    "partial_images", "user", "response_format", "input_fidelity", NULL };

static void oai_fail(struct emu_ctx *c, int status, const char *type,
                     const char *param, const char *code, const char *fmt,
                     ...) __attribute__((format(printf, 6, 7)));
static bool oai_auth(struct emu_ctx *c, bool azure);
static json_t *oai_edit_params_from(struct emu_ctx *c, struct oai *o);
static bool oai_validate(struct emu_ctx *c, struct oai *o);
static void oai_generate(struct emu_ctx *c, struct oai *o);
static void oai_run(struct emu_ctx *c, bool azure, bool edits,
                    const char *deployment);

static void
oai_request_id(struct emu_ctx *c)
{
    char id[40] = "req_";

    emu_hex_random(id + 4, 16);
    emu_header(c, "x-request-id", id);
}

static void
oai_fail(struct emu_ctx *c, int status, const char *type, const char *param,
         const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    oai_request_id(c);
    emu_reply_json(c, status, json_pack("{s:{s:s, s:s, s:s?, s:s?}}",
                                        "error", "message", msg, "type",
                                        type, "param", param, "code", code));
}

void
emu_openai_error(struct emu_ctx *c, int status, const char *msg,
                 const char *code)
{
    const char *type = "invalid_request_error";

    if (status == 401) {
        code = code ? code : "invalid_api_key";
        msg = msg ? msg : "Incorrect API key provided.";
    } else if (status == 403) {
        code = code ? code : "unsupported_country_region_territory";
        type = "request_forbidden";
        msg = msg ? msg : "Country, region, or territory not supported";
    } else if (status == 429 && code != NULL &&
               strcmp(code, "insufficient_quota") == 0) {
        type = "insufficient_quota";
        msg = msg ? msg : "You exceeded your current quota, please check "
                          "your plan and billing details.";
    } else if (status == 429) {
        type = "requests";
        code = code ? code : "rate_limit_exceeded";
        msg = msg ? msg : "Rate limit reached for images per minute (IPM): "
                          "Limit 5, Used 5, Requested 1. Please try again "
                          "in 12s.";
    } else if (status == 503) {
        type = "service_unavailable_error";
        code = code ? code : "server_is_overloaded";
        msg = msg ? msg : "The server is overloaded, please try again later.";
    } else if (status >= 500) {
        type = "server_error";
        msg = msg ? msg : "The server had an error while processing your "
                          "request. Sorry about that!";
    }
    oai_fail(c, status, type, NULL, code, "%s", msg ? msg : "Bad request");
}

void
emu_azure_error(struct emu_ctx *c, int status, const char *msg,
                const char *code)
{
    char num[16];

    snprintf(num, sizeof(num), "%d", status);
    if (msg == NULL) {
        switch (status) {
        case 401:
            msg = "Access denied due to invalid subscription key or wrong "
                  "API endpoint. Make sure to provide a valid key for an "
                  "active subscription and use a correct regional API "
                  "endpoint for your resource.";
            break;
        case 404: msg = "Resource not found"; break;
        case 429:
            msg = "Requests to the ImageGenerations_Create Operation under "
                  "Azure OpenAI API have exceeded call rate limit of your "
                  "current pricing tier. Please retry after 3 seconds.";
            break;
        default: msg = "The server had an error processing your request.";
        }
    }
    emu_reply_json(c, status, json_pack("{s:{s:s, s:s}}", "error", "code",
                                        code ? code : num, "message", msg));
}

static bool
oai_auth(struct emu_ctx *c, bool azure)
{
    const char *k;

    if (azure) {
        k = emu_req_header(c, "api-key");
        if (k == NULL)
            k = emu_bearer(c);
        if (emu_key_ok(c, EMU_P_AZURE, k))
            return true;
        emu_azure_error(c, 401, NULL, NULL);
        return false;
    }
    k = emu_bearer(c);
    if (emu_key_ok(c, EMU_P_OPENAI, k))
        return true;
    if (k == NULL || *k == '\0') {
        oai_fail(c, 401, "invalid_request_error", NULL, NULL,
                 "You didn't provide an API key. You need to provide your "
                 "API key in an Authorization header using Bearer auth "
                 "(i.e. Authorization: Bearer YOUR_KEY), or as the password "
                 "field (with blank username) if you're accessing the API "
                 "from your browser and are prompted for a username and "
                 "password. You can obtain an API key from "
                 "https://platform.openai.com/account/api-keys.");
        return false;
    }
    oai_fail(c, 401, "invalid_request_error", NULL, "invalid_api_key",
             "Incorrect API key provided: %.3s***%s. You can find your API "
             "key at https://platform.openai.com/account/api-keys.", k,
             strlen(k) > 4 ? k + strlen(k) - 4 : "");
    return false;
}

/* Multipart scalars become a JSON object so both endpoints validate alike;
 * numbers and booleans arrive as text. */
static json_t *
oai_edit_params_from(struct emu_ctx *c, struct oai *o)
{
    struct emu_multipart m;
    json_t *p;                     /* owned, returned */
    size_t i;

    if (!emu_multipart_parse(c->content_type, c->body, c->body_len, &m)) {
        oai_fail(c, 400, "invalid_request_error", NULL, NULL,
                 "Invalid Content-Type header (%s), expected "
                 "multipart/form-data. (HINT: If you're using curl, you can "
                 "pass -H 'Content-Type: multipart/form-data')",
                 c->content_type ? c->content_type : "none");
        return NULL;
    }
    p = json_object();
    for (i = 0; i < m.n; i++) {
        struct emu_part *pt = &m.parts[i];
        char *v, *end;
        long num;
        if (strcmp(pt->name, "image") == 0 ||
            strcmp(pt->name, "image[]") == 0) {
            const char *sn = emu_sniff(pt->data, pt->len);
            const char *ct = pt->ctype ? pt->ctype : "application/octet-stream";
            if (strcmp(ct, "image/png") != 0 && strcmp(ct, "image/jpeg") != 0
                && strcmp(ct, "image/webp") != 0) {
                char param[32];
                snprintf(param, sizeof(param), "image[%d]", o->nrefs);
                oai_fail(c, 400, "invalid_request_error", param,
                         "unsupported_file_mimetype",
                         "Invalid file '%s': unsupported mimetype ('%s'). "
                         "Supported file formats are 'image/jpeg', "
                         "'image/png', and 'image/webp'.", param, ct);
                goto fail;
            }
            if (sn == NULL) {
                oai_fail(c, 400, "invalid_request_error", "image",
                         "invalid_image_file",
                         "Invalid image file or mode for image %d, please "
                         "check your image file.", o->nrefs + 1);
                goto fail;
            }
            o->nrefs++;
            json_object_set_new(p, "image", json_true());
            continue;
        }
        if (pt->filename != NULL) {
            json_object_set_new(p, pt->name, json_true());
            continue;
        }
        v = strndup((const char *)pt->data, pt->len);
        num = strtol(v, &end, 10);
        if ((strcmp(pt->name, "n") == 0 ||
             strcmp(pt->name, "output_compression") == 0 ||
             strcmp(pt->name, "partial_images") == 0) && *v && !*end)
            json_object_set_new(p, pt->name, json_integer(num));
        else if (strcmp(pt->name, "stream") == 0)
            json_object_set_new(p, pt->name,
                                json_boolean(strcmp(v, "true") == 0));
        else
            json_object_set_new(p, pt->name, json_string(v));
        free(v);
    }
    emu_multipart_cleanup(&m);
    return p;
fail:
    emu_multipart_cleanup(&m);
    json_decref(p);
    return NULL;
}

/* 400 with OpenAI's message when `key` holds a value outside `ok`. */
static bool
oai_enum(struct emu_ctx *c, json_t *p, const char *key,
         const char *const *ok, const char **out)
{
    json_t *v = json_object_get(p, key);   /* borrowed */
    char list[512] = "";
    size_t i, n = 0;

    if (v == NULL || json_is_null(v))
        return true;
    if (json_is_string(v) && emu_str_in(json_string_value(v), ok)) {
        *out = json_string_value(v);
        return true;
    }
    while (ok[n] != NULL)
        n++;
    for (i = 0; i < n; i++) {
        size_t l = strlen(list);
        snprintf(list + l, sizeof(list) - l, "%s'%s'",
                 i == 0 ? "" : (i + 1 == n ? (n > 2 ? ", and " : " and ")
                                           : ", "), ok[i]);
    }
    if (!json_is_string(v))
        oai_fail(c, 400, "invalid_request_error", key, "invalid_type",
                 "Invalid type for '%s': expected one of %s, but got %s "
                 "instead.", key, list, json_is_integer(v) ? "an integer"
                                                           : "another type");
    else
        oai_fail(c, 400, "invalid_request_error", key, "invalid_value",
                 "Invalid value: '%s'. Supported values are: %s.",
                 json_string_value(v), list);
    return false;
}

static bool
oai_int(struct emu_ctx *c, json_t *p, const char *key, long lo, long hi,
        long *out)
{
    json_t *v = json_object_get(p, key);   /* borrowed */
    long x;

    if (v == NULL || json_is_null(v))
        return true;
    if (!json_is_integer(v)) {
        oai_fail(c, 400, "invalid_request_error", key, "invalid_type",
                 "Invalid type for '%s': expected an integer, but got %s "
                 "instead.", key, json_is_string(v) ? "a string"
                                                    : "another type");
        return false;
    }
    x = (long)json_integer_value(v);
    if (x < lo) {
        oai_fail(c, 400, "invalid_request_error", key,
                 "integer_below_min_value",
                 "Invalid '%s': integer below minimum value. Expected a "
                 "value >= %ld, but got %ld instead.", key, lo, x);
        return false;
    }
    if (x > hi) {
        oai_fail(c, 400, "invalid_request_error", key,
                 "integer_above_max_value",
                 "Invalid '%s': integer above maximum value. Expected a "
                 "value <= %ld, but got %ld instead.", key, hi, x);
        return false;
    }
    *out = x;
    return true;
}

static bool
oai_size(struct emu_ctx *c, struct oai *o)
{
    static const char *const gpt[] = { "auto", "1024x1024", "1536x1024",
                                       "1024x1536", NULL };
    static const char *const gpt_edit[] = { "256x256", "512x512",
        "1024x1024", "1536x1024", "1024x1536", "auto", NULL };
    static const char *const d2[] = { "256x256", "512x512", "1024x1024",
                                      NULL };
    static const char *const d3[] = { "1024x1024", "1792x1024", "1024x1792",
                                      NULL };
    const char *s = NULL;
    int w, h;

    o->size = o->dalle2 ? "1024x1024" : (o->dalle3 ? "1024x1024" : "auto");
    if (o->gpt2) {
        json_t *v = json_object_get(o->params, "size");
        if (v == NULL || json_is_null(v))
            s = "auto";
        else if ((s = json_string_value(v)) == NULL)
            s = "";
        if (strcmp(s, "auto") != 0 && !(emu_parse_wxh(s, &w, &h) &&
            w % 16 == 0 && h % 16 == 0 && w <= 3840 && h <= 3840 &&
            (long)w * h <= 8294400L && w <= 3 * h && h <= 3 * w)) {
            oai_fail(c, 400, "invalid_request_error", "size",
                     "invalid_value",
                     "Invalid size '%s'. Requested resolution must have "
                     "both edges a multiple of 16, a maximum edge of 3840, "
                     "an aspect ratio between 1:3 and 3:1 and at most "
                     "8294400 pixels.", s);
            return false;
        }
        o->size = s;
    } else if (!oai_enum(c, o->params, "size",
                         o->dalle2 ? d2 : o->dalle3 ? d3
                         : o->edits ? gpt_edit : gpt, &o->size))
        return false;
    if (strcmp(o->size, "auto") == 0) {
        o->w = o->h = 1024;
        o->size = "1024x1024";
    } else {
        emu_parse_wxh(o->size, &o->w, &o->h);
    }
    return true;
}

/* Resolve the model (body, Azure deployment, or the SDK's defaults) and
 * the model family flags. */
static bool
oai_model(struct emu_ctx *c, struct oai *o)
{
    json_t *p = o->params, *v;     /* borrowed */

    v = json_object_get(p, "model");
    if (v != NULL && !json_is_null(v) && !json_is_string(v)) {
        oai_fail(c, 400, "invalid_request_error", "model", "invalid_type",
                 "Invalid type for 'model': expected a string, but got "
                 "another type instead.");
        return false;
    }
    if (v != NULL && !json_is_null(v)) {
        o->model = json_string_value(v);
        if (!o->azure && !emu_str_in(o->model, oai_models)) {
            oai_fail(c, 400, "invalid_request_error", "model",
                     "invalid_value", "Invalid value: '%s'. Supported "
                     "values are: 'gpt-image-1', 'gpt-image-1-mini', "
                     "'gpt-image-1.5', 'gpt-image-2', 'dall-e-2', and "
                     "'dall-e-3'.", o->model ? o->model : "");
            return false;
        }
    } else if (o->model == NULL) {
        o->model = o->edits ? "gpt-image-1.5" : "dall-e-2";
        if (!o->edits && (json_object_get(p, "background") ||
                          json_object_get(p, "output_format") ||
                          json_object_get(p, "output_compression") ||
                          json_object_get(p, "moderation") ||
                          json_object_get(p, "stream")))
            o->model = "gpt-image-1";
    }
    o->dalle2 = strcmp(o->model, "dall-e-2") == 0;
    o->dalle3 = strcmp(o->model, "dall-e-3") == 0;
    o->gpt2 = strncmp(o->model, "gpt-image-2", 11) == 0;
    o->gpt = !o->dalle2 && !o->dalle3;
    if (o->edits && o->dalle3) {
        oai_fail(c, 400, "invalid_request_error", "model", "invalid_value",
                 "Invalid value: 'dall-e-3'. Supported values are: "
                 "'dall-e-2', 'gpt-image-1', 'gpt-image-1-mini', "
                 "'gpt-image-1.5', and 'gpt-image-2'.");
        return false;
    }
    return true;
}

/* prompt (required, length per model) and the edit's reference count. */
static bool
oai_prompt(struct emu_ctx *c, struct oai *o)
{
    long maxlen;

    o->prompt = json_string_value(json_object_get(o->params, "prompt"));
    if (o->prompt == NULL) {
        oai_fail(c, 400, "invalid_request_error", "prompt",
                 "missing_required_parameter",
                 "Missing required parameter: 'prompt'.");
        return false;
    }
    maxlen = o->gpt ? 32000 : o->dalle3 ? 4000 : 1000;
    if ((long)strlen(o->prompt) > maxlen) {
        oai_fail(c, 400, "invalid_request_error", "prompt",
                 "string_above_max_length", "Invalid 'prompt': string too "
                 "long. Expected a string with maximum length %ld, but got "
                 "a string with length %zu instead.", maxlen,
                 strlen(o->prompt));
        return false;
    }
    if (o->edits && o->nrefs == 0) {
        oai_fail(c, 400, "invalid_request_error", "image",
                 "missing_required_parameter",
                 "Missing required parameter: 'image'.");
        return false;
    }
    if (o->edits && o->nrefs > (o->dalle2 ? 1 : 16)) {
        oai_fail(c, 400, "invalid_request_error", "image", "invalid_value",
                 "Invalid 'image': too many images. Expected at most %d.",
                 o->dalle2 ? 1 : 16);
        return false;
    }
    return true;
}

static bool
oai_validate(struct emu_ctx *c, struct oai *o)
{
    static const char *const q_gpt[] = { "auto", "high", "medium", "low",
                                         NULL };
    static const char *const q_edit[] = { "standard", "low", "medium",
                                          "high", "auto", NULL };
    static const char *const q_d3[] = { "standard", "hd", NULL };
    static const char *const q_d2[] = { "standard", NULL };
    static const char *const bg[] = { "transparent", "opaque", "auto", NULL };
    static const char *const fmt[] = { "png", "jpeg", "webp", NULL };
    static const char *const mod[] = { "auto", "low", NULL };
    static const char *const rf[] = { "url", "b64_json", NULL };
    static const char *const style[] = { "vivid", "natural", NULL };
    static const char *const fid[] = { "high", "low", NULL };
    json_t *p = o->params, *v;     /* borrowed */
    const char *key, *ignore = NULL;
    long comp = 100;

    json_object_foreach(p, key, v) {
        if (!emu_str_in(key, o->edits ? oai_edit_params : oai_gen_params)) {
            oai_fail(c, 400, "invalid_request_error", key,
                     "unknown_parameter", "Unknown parameter: '%s'.", key);
            return false;
        }
    }
    if (!oai_model(c, o))
        return false;
    if (!oai_prompt(c, o))
        return false;
    o->n = 1;
    o->quality = o->gpt ? "auto" : "standard";
    o->background = "auto";
    o->format = "png";
    o->response_format = o->gpt ? "b64_json" : "url";
    if (!oai_int(c, p, "n", 1, 10, &o->n) ||
        !oai_size(c, o) ||
        !oai_enum(c, p, "quality", o->dalle3 ? q_d3 : o->dalle2 ? q_d2
                  : o->edits ? q_edit : q_gpt, &o->quality) ||
        !oai_enum(c, p, "background", bg, &o->background) ||
        !oai_enum(c, p, "output_format", fmt, &o->format) ||
        !oai_enum(c, p, "moderation", mod, &ignore) ||
        !oai_enum(c, p, "response_format", rf, &o->response_format) ||
        !oai_enum(c, p, "style", style, &ignore) ||
        !oai_enum(c, p, "input_fidelity", fid, &ignore) ||
        !oai_int(c, p, "output_compression", 0, 100, &comp) ||
        !oai_int(c, p, "partial_images", 0, 3, &o->partials))
        return false;
    if (o->dalle3 && o->n != 1) {
        oai_fail(c, 400, "invalid_request_error", "n", "invalid_value",
                 "Invalid 'n': dall-e-3 only supports n=1.");
        return false;
    }
    if (o->gpt && json_object_get(p, "response_format") &&
        c->emu->cfg.openai_reject_response_format) {
        oai_fail(c, 400, "invalid_request_error", "response_format",
                 "unknown_parameter", "Unknown parameter: "
                 "'response_format'.");
        return false;
    }
    if (o->gpt)
        o->response_format = "b64_json";
    if (strcmp(o->background, "transparent") == 0 &&
        strcmp(o->format, "jpeg") == 0) {
        oai_fail(c, 400, "invalid_request_error", "background",
                 "invalid_value", "Transparent background is not supported "
                 "for the jpeg output format. Use png or webp.");
        return false;
    }
    o->stream = json_is_true(json_object_get(p, "stream"));
    if (o->stream && !o->gpt) {
        oai_fail(c, 400, "invalid_request_error", "stream", "invalid_value",
                 "Streaming is not supported for model '%s'.", o->model);
        return false;
    }
    return true;
}

static long
oai_out_tokens(const struct oai *o)
{
    double base = 1056;            /* medium (and auto) at 1024x1024 */

    if (strcmp(o->quality, "low") == 0)
        base = 272;
    else if (strcmp(o->quality, "high") == 0)
        base = 4160;
    return (long)(base * o->w * o->h / (1024.0 * 1024.0) + 0.5);
}

static json_t *
oai_usage(const struct oai *o, bool details)
{
    long text = (long)strlen(o->prompt) / 4 + 1;
    long img = o->nrefs * 388L;
    long out = oai_out_tokens(o) * o->n;
    json_t *u = json_pack("{s:i, s:{s:i, s:i}, s:i, s:i}",
                          "input_tokens", (json_int_t)(text + img),
                          "input_tokens_details", "text_tokens",
                          (json_int_t)text, "image_tokens", (json_int_t)img,
                          "output_tokens", (json_int_t)out,
                          "total_tokens", (json_int_t)(text + img + out));

    if (details)
        json_object_set_new(u, "output_tokens_details",
                            json_pack("{s:i, s:i}", "image_tokens",
                                      (json_int_t)out, "text_tokens", 0));
    return u;
}

static const char *
oai_quality_out(const struct oai *o)
{
    return strcmp(o->quality, "auto") == 0 ? "medium" : o->quality;
}

static const char *
oai_bg_out(const struct oai *o)
{
    return strcmp(o->background, "transparent") == 0 ? "transparent"
                                                     : "opaque";
}

static void
oai_stream(struct emu_ctx *c, struct oai *o)
{
    const char *pfx = o->edits ? "image_edit" : "image_generation";
    long parts = emu_action_int(c, "partials", o->partials);
    int delay = (int)emu_action_int(c, "partial_delay_ms", 0);
    bool alpha = strcmp(o->background, "transparent") == 0;
    char ev_part[64], ev_done[64];
    long i, k;

    snprintf(ev_part, sizeof(ev_part), "%s.partial_image", pfx);
    snprintf(ev_done, sizeof(ev_done), "%s.completed", pfx);
    for (i = 0; i < o->n; i++) {
        for (k = 0; k <= parts; k++) {
            struct emu_image img;
            char *b64;
            json_t *ev;            /* owned */
            if (!emu_gen_image(c, o->w, o->h, o->format,
                               emu_gen_seed(c, o->prompt, false, 0,
                                            (int)(i * 8 + k)),
                               alpha, &img))
                return;
            b64 = emu_gen_b64(c, &img);
            emu_image_cleanup(&img);
            ev = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s}",
                           "type", k < parts ? ev_part : ev_done,
                           "b64_json", b64 ? b64 : "",
                           "created_at", (json_int_t)time(NULL),
                           "size", o->size, "quality", oai_quality_out(o),
                           "background", oai_bg_out(o),
                           "output_format", o->format);
            free(b64);
            if (k < parts)
                json_object_set_new(ev, "partial_image_index",
                                    json_integer(k));
            else
                json_object_set_new(ev, "usage", oai_usage(o, false));
            emu_sse_frame(c, delay, k < parts ? ev_part : ev_done, ev);
            json_decref(ev);
        }
    }
    if (c->emu->cfg.openai_sse_done)
        emu_sse_raw(c, 0, "data: [DONE]\n\n");
    oai_request_id(c);
    emu_sse_send(c);
}

static void
oai_generate(struct emu_ctx *c, struct oai *o)
{
    json_t *out, *data;            /* owned */
    bool alpha = strcmp(o->background, "transparent") == 0;
    long i;

    if (o->stream) {
        oai_stream(c, o);
        return;
    }
    data = json_array();
    for (i = 0; i < o->n && !emu_action_bool(c, "ok_without_image"); i++) {
        struct emu_image img;
        json_t *item = json_object();
        if (!emu_gen_image(c, o->w, o->h, o->gpt ? o->format : "png",
                           emu_gen_seed(c, o->prompt, false, 0, (int)i),
                           alpha, &img)) {
            json_decref(item);
            json_decref(data);
            return;
        }
        if (strcmp(o->response_format, "url") == 0) {
            char url[512];
            emu_files_put(c->emu->files, c, &img, 3600, url, sizeof(url));
            json_object_set_new(item, "url", json_string(url));
        } else {
            char *b64 = emu_gen_b64(c, &img);
            json_object_set_new(item, "b64_json",
                                json_string_nocheck(b64 ? b64 : ""));
            free(b64);
        }
        if (o->dalle3)
            json_object_set_new(item, "revised_prompt",
                                json_string(o->prompt));
        emu_image_cleanup(&img);
        json_array_append_new(data, item);
    }
    out = json_pack("{s:I, s:o}", "created", (json_int_t)time(NULL), "data",
                    data);
    if (o->gpt) {
        json_object_set_new(out, "background", json_string(oai_bg_out(o)));
        json_object_set_new(out, "output_format", json_string(o->format));
        json_object_set_new(out, "quality", json_string(oai_quality_out(o)));
        json_object_set_new(out, "size", json_string(o->size));
        json_object_set_new(out, "usage", oai_usage(o, true));
    }
    oai_request_id(c);
    emu_reply_json(c, 200, out);
}

static void
oai_policy(struct emu_ctx *c, struct oai *o, int kind)
{
    if (o->azure) {
        oai_request_id(c);
        emu_reply_json(c, 400, json_pack(
            "{s:{s:s, s:s, s:s, s:n, s:{s:s, s:{s:{s:b, s:s}}}}}", "error",
            "code", "content_policy_violation", "type",
            "invalid_request_error", "message", "Your request was rejected "
            "as a result of our safety system. Your prompt may contain text "
            "that is not allowed by our safety system.", "param",
            "inner_error", "code", "ResponsibleAIPolicyViolation",
            "content_filter_results", "sexual", "filtered", 1, "severity",
            "high"));
        return;
    }
    if (o->gpt) {
        oai_request_id(c);
        emu_reply_json(c, 400, json_pack(
            "{s:{s:s, s:s, s:n, s:s, s:{s:s, s:[s]}}}", "error", "message",
            "Your request was rejected by the safety system. If you believe "
            "this is an error, contact us at help.openai.com and include "
            "the request ID. safety_violations=[sexual].", "type",
            "image_generation_user_error", "param", "code",
            "moderation_blocked", "moderation_details", "moderation_stage",
            kind == 2 ? "output" : "input", "categories", "sexual"));
        return;
    }
    oai_fail(c, 400, "invalid_request_error", NULL,
             "content_policy_violation", "Your request was rejected as a "
             "result of our safety system. Your prompt may contain text that "
             "is not allowed by our safety system.");
}

static void
oai_run(struct emu_ctx *c, bool azure, bool edits, const char *deployment)
{
    struct oai o;
    int pol;

    memset(&o, 0, sizeof(o));
    o.azure = azure;
    o.edits = edits;
    o.model = deployment;
    if (edits) {
        o.params = oai_edit_params_from(c, &o);
        if (o.params == NULL)
            return;
    } else if (!json_is_object(c->json)) {
        oai_fail(c, 400, "invalid_request_error", NULL, NULL,
                 "We could not parse the JSON body of your request. (HINT: "
                 "This likely means you aren't using your HTTP library "
                 "correctly. The OpenAI API expects a JSON payload, but what "
                 "was sent was not valid JSON.)");
        return;
    } else {
        o.params = json_incref(c->json);
    }
    if (!oai_validate(c, &o))
        goto out;
    if ((pol = emu_action_policy(c)) != 0) {
        oai_policy(c, &o, pol);
        goto out;
    }
    oai_generate(c, &o);
out:
    json_decref(o.params);
}

void
emu_openai_handle(struct emu_ctx *c)
{
    bool post = evhttp_request_get_command(c->req) == EVHTTP_REQ_POST;

    if (strncmp(c->path, "/delivery/", 10) == 0) {
        emu_files_serve(c->emu->files, c);
        return;
    }
    if (!oai_auth(c, false))
        return;
    if (post && strcmp(c->path, "/v1/images/generations") == 0)
        oai_run(c, false, false, NULL);
    else if (post && strcmp(c->path, "/v1/images/edits") == 0)
        oai_run(c, false, true, NULL);
    else
        oai_fail(c, 404, "invalid_request_error", NULL, NULL,
                 "Invalid URL (%s %s)", post ? "POST" : "GET", c->path);
}

/* /openai/deployments/{deployment}/images/{generations|edits}
 * ?api-version=... with an api-key header. */
void
emu_azure_handle(struct emu_ctx *c)
{
    const char *p = c->path + strlen("/openai/deployments/");
    const char *slash = strchr(p, '/');
    char dep[128], *ver;

    if (strncmp(c->path, "/delivery/", 10) == 0) {
        emu_files_serve(c->emu->files, c);
        return;
    }
    if (strncmp(c->path, "/openai/deployments/", 20) != 0 || slash == NULL ||
        (size_t)(slash - p) >= sizeof(dep) || slash == p) {
        emu_azure_error(c, 404, NULL, NULL);
        return;
    }
    snprintf(dep, sizeof(dep), "%.*s", (int)(slash - p), p);
    if (!oai_auth(c, true))
        return;
    ver = emu_query_param(c, "api-version");
    if (ver == NULL || *ver == '\0') {
        free(ver);
        emu_azure_error(c, 404, NULL, NULL);
        return;
    }
    free(ver);
    if (strcmp(slash, "/images/generations") == 0)
        oai_run(c, true, false, dep);
    else if (strcmp(slash, "/images/edits") == 0)
        oai_run(c, true, true, dep);
    else
        emu_azure_error(c, 404, NULL, NULL);
}
