/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/p_seedream.c - ByteDance Seedream on BytePlus ModelArk:
 * POST /api/v3/images/generations (Bearer), synchronous JSON or SSE with
 * image_generation.partial_succeeded / completed frames and [DONE].
 * Follows providers/async-family.md section 2.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "files.h"
#include "gen.h"
#include "providers.h"
#include "util.h"

struct sd {
    const char *model, *prompt, *size, *rf, *fmt;
    int w, h, count, nrefs;
    bool stream, has_seed;
    long long seed;
};

static const char *
sd_type(int status)
{
    switch (status) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 429: return "TooManyRequests";
    default: return status >= 500 ? "InternalServerError" : "BadRequest";
    }
}

static void sd_fail(struct emu_ctx *c, int status, const char *code,
                    const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
sd_fail(struct emu_ctx *c, int status, const char *code, const char *fmt,
        ...)
{
    char msg[768], rid[40], full[900];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    emu_hex_random(rid, 16);
    snprintf(full, sizeof(full), "%s Request id: %s", msg, rid);
    emu_header(c, "x-request-id", rid);
    emu_header(c, "x-error-code", code);
    emu_reply_json(c, status, json_pack("{s:{s:s, s:s, s:s, s:s}}", "error",
                                        "code", code, "message", full,
                                        "param", "", "type",
                                        sd_type(status)));
}

void
emu_seedream_error(struct emu_ctx *c, int status, const char *msg,
                   const char *code)
{
    const char *dc = "InvalidParameter", *dm = "The request is invalid.";

    switch (status) {
    case 401: dc = "AuthenticationError";
        dm = "The API key or AK/SK in the request is missing or invalid.";
        break;
    case 403: dc = "AccountOverdueError";
        dm = "The request failed because your account has an overdue "
             "balance."; break;
    case 404: dc = "InvalidEndpointOrModel.NotFound";
        dm = "The model or endpoint does not exist or you do not have "
             "access to it."; break;
    case 429: dc = "ModelAccountRpmRateLimitExceeded";
        dm = "The request has exceeded the rate limit for this model. "
             "Please retry later."; break;
    case 500: dc = "InternalServiceError";
        dm = "The service encountered an unexpected internal error."; break;
    case 503: dc = "ServiceUnavailable";
        dm = "The service is temporarily unavailable."; break;
    default: break;
    }
    sd_fail(c, status, code ? code : dc, "%s", msg ? msg : dm);
}

static int
sd_family(const char *m)
{
    const char *p = strncmp(m, "doubao-", 7) == 0 ? m + 7
                  : strncmp(m, "dola-", 5) == 0 ? m + 5 : m;

    if (strncmp(p, "seedream-4-0", 12) == 0)
        return 40;
    if (strncmp(p, "seedream-4-5", 12) == 0)
        return 45;
    if (strncmp(p, "seedream-5-0-pro", 16) == 0 ||
        strncmp(p, "seedream-5-0-flash", 18) == 0)
        return 51;
    if (strncmp(p, "seedream-5-0", 12) == 0)
        return 50;
    if (strncmp(p, "seedream-3-0", 12) == 0)
        return 30;
    if (strncmp(p, "seededit-3-0", 12) == 0)
        return 31;
    if (strncmp(m, "ep-", 3) == 0)
        return 45;
    return 0;
}

/* size: "1K"/"2K"/"4K" or "WxH" within the model's pixel and aspect
 * bounds (async-family.md 2.4). */
static bool
sd_size(struct emu_ctx *c, struct sd *s, int fam)
{
    long lo = 921600, hi = 16777216, px;

    s->size = json_string_value(json_object_get(c->json, "size"));
    if (s->size == NULL)
        s->size = fam == 30 ? "1024x1024" : fam == 31 ? "adaptive"
                                                     : "2048x2048";
    if (fam == 31) {
        if (strcmp(s->size, "adaptive") != 0)
            goto bad;
        s->w = s->h = 1024;
        return true;
    }
    if (strcmp(s->size, "1K") == 0 && fam == 40)
        s->w = s->h = 1024;
    else if (strcmp(s->size, "2K") == 0 && fam != 30)
        s->w = s->h = 2048;
    else if (strcmp(s->size, "4K") == 0 && fam != 30 && fam != 51)
        s->w = s->h = 4096;
    else if (emu_parse_wxh(s->size, &s->w, &s->h)) {
        if (fam == 30) {
            lo = 512L * 512;
            hi = 2048L * 2048;
        } else if (fam == 45 || fam == 50) {
            lo = 3686400;
        } else if (fam == 51) {
            hi = 4624000;
        }
        px = (long)s->w * s->h;
        if (px < lo || px > hi || s->w > 16 * s->h || s->h > 16 * s->w)
            goto bad;
    } else {
        goto bad;
    }
    return true;
bad:
    sd_fail(c, 400, "InvalidParameter", "The parameter `size` specified in "
            "the request is not valid: %s is not supported by model %s.",
            s->size, s->model);
    return false;
}

static bool
sd_images(struct emu_ctx *c, struct sd *s, int fam)
{
    json_t *img = json_object_get(c->json, "image"), *v;   /* borrowed */
    size_t i;

    if (img == NULL || json_is_null(img))
        return true;
    if (json_is_string(img)) {
        img = json_pack("[O]", img);
    } else if (json_is_array(img)) {
        json_incref(img);
    } else {
        sd_fail(c, 400, "InvalidParameter", "The parameter `image` "
                "specified in the request is not valid.");
        return false;
    }
    json_array_foreach(img, i, v) {
        const char *u = json_string_value(v);
        if (u == NULL || *u == '\0') {
            sd_fail(c, 400, "InvalidImageURL.EmptyURL", "The image URL "
                    "specified in the request is empty.");
            json_decref(img);
            return false;
        }
        if (strncmp(u, "data:image/", 11) == 0) {
            char mime[64];
            size_t n, k;
            unsigned char *raw = emu_gen_parse_data_url(u, &n, mime,
                                                        sizeof(mime));
            bool lower = true;
            for (k = 0; mime[k] != '\0'; k++) {
                if (mime[k] >= 'A' && mime[k] <= 'Z')
                    lower = false;
            }
            if (raw == NULL || !lower || emu_sniff(raw, n) == NULL) {
                free(raw);
                sd_fail(c, 400, "InvalidImageURL.InvalidFormat", "The "
                        "format of the image URL specified in the request "
                        "is not valid.");
                json_decref(img);
                return false;
            }
            free(raw);
        } else if (strncmp(u, "http://", 7) != 0 &&
                   strncmp(u, "https://", 8) != 0) {
            sd_fail(c, 400, "InvalidImageURL.InvalidFormat", "The format of "
                    "the image URL specified in the request is not valid.");
            json_decref(img);
            return false;
        }
    }
    s->nrefs = (int)json_array_size(img);
    json_decref(img);
    if (s->nrefs > (fam == 51 ? 10 : 14)) {
        sd_fail(c, 400, "InvalidParameter", "The parameter `image` "
                "specified in the request is not valid: too many images.");
        return false;
    }
    return true;
}

static bool sd_sequence(struct emu_ctx *c, struct sd *s);

static bool
sd_parse(struct emu_ctx *c, struct sd *s)
{
    json_t *v;                     /* borrowed */
    int fam;

    if (!json_is_object(c->json)) {
        sd_fail(c, 400, "InvalidParameter", "The request body is not valid "
                "JSON.");
        return false;
    }
    s->model = json_string_value(json_object_get(c->json, "model"));
    s->prompt = json_string_value(json_object_get(c->json, "prompt"));
    if (s->model == NULL || s->prompt == NULL) {
        sd_fail(c, 400, "MissingParameter", "The request failed because it "
                "is missing one or multiple required parameters. Missing: "
                "%s.", s->model == NULL ? "model" : "prompt");
        return false;
    }
    fam = sd_family(s->model);
    if (fam == 0) {
        sd_fail(c, 404, "InvalidEndpointOrModel.NotFound", "The model or "
                "endpoint %s does not exist or you do not have access to "
                "it.", s->model);
        return false;
    }
    if (!sd_size(c, s, fam) || !sd_images(c, s, fam))
        return false;
    s->rf = json_string_value(json_object_get(c->json, "response_format"));
    if (s->rf == NULL)
        s->rf = "url";
    if (strcmp(s->rf, "url") != 0 && strcmp(s->rf, "b64_json") != 0) {
        sd_fail(c, 400, "InvalidParameter", "The parameter "
                "`response_format` specified in the request is not valid.");
        return false;
    }
    s->fmt = "jpeg";
    v = json_object_get(c->json, "output_format");
    if (v != NULL && fam >= 50) {
        s->fmt = emu_image_fmt(json_string_value(v));
        if (s->fmt == NULL || strcmp(s->fmt, "webp") == 0) {
            sd_fail(c, 400, "InvalidParameter", "The parameter "
                    "`output_format` specified in the request is not "
                    "valid.");
            return false;
        }
    }
    s->stream = json_is_true(json_object_get(c->json, "stream"));
    if (s->stream && (fam == 51 || fam == 30 || fam == 31)) {
        sd_fail(c, 400, "InvalidParameter", "The parameter `stream` "
                "specified in the request is not valid: streaming is not "
                "supported by model %s.", s->model);
        return false;
    }
    v = json_object_get(c->json, "seed");
    if (json_is_integer(v)) {
        s->seed = json_integer_value(v);
        if (s->seed < -1 || s->seed > 2147483647LL) {
            sd_fail(c, 400, "InvalidParameter", "The parameter `seed` "
                    "specified in the request is not valid.");
            return false;
        }
        s->has_seed = s->seed != -1;
    }
    return sd_sequence(c, s);
}

/* sequential_image_generation: "disabled" (one image) or "auto" with
 * max_images (1..15, counting reference images). */
static bool
sd_sequence(struct emu_ctx *c, struct sd *s)
{
    json_t *v, *opt;               /* borrowed */

    s->count = 1;
    v = json_object_get(c->json, "sequential_image_generation");
    if (json_is_string(v) && strcmp(json_string_value(v), "auto") == 0) {
        opt = json_object_get(json_object_get(c->json,
            "sequential_image_generation_options"), "max_images");
        if (json_is_integer(opt)) {
            s->count = (int)json_integer_value(opt);
            if (s->count < 1 || s->count > 15) {
                sd_fail(c, 400, "InvalidParameter", "The parameter "
                        "`max_images` specified in the request is not "
                        "valid.");
                return false;
            }
            if (s->count + s->nrefs > 15)
                s->count = 15 - s->nrefs;
        }
    } else if (v != NULL && !(json_is_string(v) &&
                              strcmp(json_string_value(v), "disabled") == 0)) {
        sd_fail(c, 400, "InvalidParameter", "The parameter "
                "`sequential_image_generation` specified in the request is "
                "not valid.");
        return false;
    }
    return true;
}

/* One data[] item: {url|b64_json, size}. NULL after a 500 was sent. */
static json_t *
sd_item(struct emu_ctx *c, struct sd *s, int i)
{
    struct emu_image img;
    json_t *item;                  /* owned, returned */
    char sz[32];

    if (!emu_gen_image(c, s->w, s->h, s->fmt,
                       emu_gen_seed(c, s->prompt, s->has_seed, s->seed, i),
                       false, &img))
        return NULL;
    snprintf(sz, sizeof(sz), "%dx%d", s->w, s->h);
    item = json_pack("{s:s}", "size", sz);
    if (strcmp(s->rf, "url") == 0) {
        char url[512];
        emu_files_put(c->emu->files, c, &img, 86400, url, sizeof(url));
        json_object_set_new(item, "url", json_string(url));
    } else {
        char *b64 = emu_gen_b64(c, &img);
        json_object_set_new(item, "b64_json",
                            json_string_nocheck(b64 ? b64 : ""));
        free(b64);
    }
    emu_image_cleanup(&img);
    return item;
}

static json_t *
sd_usage(struct sd *s, int n)
{
    long tok = (long)s->w * s->h / 256 * n;

    return json_pack("{s:i, s:i, s:i}", "generated_images", n,
                     "output_tokens", (json_int_t)tok, "total_tokens",
                     (json_int_t)tok);
}

static void
sd_stream(struct emu_ctx *c, struct sd *s)
{
    int delay = (int)emu_action_int(c, "partial_delay_ms", 0), i, made = 0;
    json_int_t now = (json_int_t)time(NULL);
    json_t *ev;                    /* owned */

    for (i = 0; i < s->count; i++) {
        json_t *item = emu_action_bool(c, "ok_without_image") ? NULL
                     : sd_item(c, s, i);
        if (item == NULL && !emu_action_bool(c, "ok_without_image"))
            return;
        if (item == NULL)
            break;
        ev = json_pack("{s:s, s:s, s:I, s:i}", "type",
                       "image_generation.partial_succeeded", "model",
                       s->model, "created", now, "image_index", i);
        json_object_update(ev, item);
        json_decref(item);
        emu_sse_frame(c, delay, "image_generation.partial_succeeded", ev);
        json_decref(ev);
        made++;
    }
    ev = json_pack("{s:s, s:s, s:I, s:o}", "type",
                   "image_generation.completed", "model", s->model,
                   "created", now, "usage", sd_usage(s, made));
    emu_sse_frame(c, delay, "image_generation.completed", ev);
    json_decref(ev);
    emu_sse_raw(c, 0, "data: [DONE]\n\n");
    emu_sse_send(c);
}

static void
sd_generate(struct emu_ctx *c, struct sd *s)
{
    json_t *data = json_array();   /* owned */
    int i;

    if (s->stream) {
        json_decref(data);
        sd_stream(c, s);
        return;
    }
    for (i = 0; i < s->count && !emu_action_bool(c, "ok_without_image");
         i++) {
        json_t *item = sd_item(c, s, i);
        if (item == NULL) {
            json_decref(data);
            return;
        }
        json_array_append_new(data, item);
    }
    emu_reply_json(c, 200, json_pack("{s:s, s:I, s:o, s:o}", "model",
                   s->model, "created", (json_int_t)time(NULL), "data",
                   data, "usage", sd_usage(s, (int)json_array_size(data))));
}

void
emu_seedream_handle(struct emu_ctx *c)
{
    struct sd s;
    const char *k;
    int pol;

    if (strncmp(c->path, "/delivery/", 10) == 0) {
        emu_files_serve(c->emu->files, c);
        return;
    }
    k = emu_bearer(c);
    if (!emu_key_ok(c, EMU_P_SEEDREAM, k)) {
        emu_seedream_error(c, 401, "The API key or AK/SK in the request is "
                           "missing or invalid.", NULL);
        return;
    }
    if (evhttp_request_get_command(c->req) != EVHTTP_REQ_POST ||
        strcmp(c->path, "/api/v3/images/generations") != 0) {
        sd_fail(c, 404, "NotFound", "The requested resource %s was not "
                "found.", c->path);
        return;
    }
    memset(&s, 0, sizeof(s));
    if (!sd_parse(c, &s))
        return;
    pol = emu_action_policy(c);
    if (pol == 2) {
        sd_fail(c, 400, "OutputImageSensitiveContentDetected", "The request "
                "failed because the output image may contain sensitive "
                "information.");
        return;
    }
    if (pol != 0) {
        sd_fail(c, 400, pol == 3 ? emu_action_str(c, "content_policy")
                                 : "InputTextSensitiveContentDetected",
                "The request failed because the input text may contain "
                "sensitive information.");
        return;
    }
    sd_generate(c, &s);
}
