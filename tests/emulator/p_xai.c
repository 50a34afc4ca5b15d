/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/p_xai.c - xAI Grok Imagine: POST /v1/images/generations
 * and /v1/images/edits (both JSON, Bearer). Errors are {code, error} with
 * gRPC-style code texts; a bad key is a 400. Follows
 * providers/sync-family.md section 4.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "files.h"
#include "gen.h"
#include "providers.h"
#include "util.h"

#define XAI_TICKS_PER_IMAGE 200000000LL   /* $0.02 at 1e-10 USD a tick */

static const char *const xai_ratios[] = {
    "1:1", "3:4", "4:3", "9:16", "16:9", "2:3", "3:2", "9:19.5", "19.5:9",
    "9:20", "20:9", "1:2", "2:1", "auto", NULL };

static void xai_fail(struct emu_ctx *c, int status, const char *code,
                     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
xai_fail(struct emu_ctx *c, int status, const char *code, const char *fmt,
         ...)
{
    char msg[768];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    emu_reply_json(c, status, json_pack("{s:s, s:s}", "code", code, "error",
                                        msg));
}

void
emu_xai_error(struct emu_ctx *c, int status, const char *msg,
              const char *code)
{
    const char *dc = "Client specified an invalid argument";
    const char *dm = "Invalid request.";

    switch (status) {
    case 401: case 403: dc = "The caller does not have permission to "
                             "execute the specified operation";
        dm = "Your team does not have permission to use this model."; break;
    case 404: dc = "Some requested entity was not found";
        dm = "The requested resource was not found."; break;
    case 429: dc = "Some resource has been exhausted";
        dm = "Your team has exceeded its rate limit. Please retry later.";
        break;
    case 500: dc = "Internal error"; dm = "Internal server error."; break;
    case 503: dc = "The service is currently unavailable";
        dm = "The service is currently unavailable. Please retry later.";
        break;
    default: break;
    }
    xai_fail(c, status, code ? code : dc, "%s", msg ? msg : dm);
}

static bool
xai_auth(struct emu_ctx *c)
{
    const char *k = emu_bearer(c);

    if (emu_key_ok(c, EMU_P_XAI, k))
        return true;
    if (k == NULL || *k == '\0')
        xai_fail(c, 400, "Client specified an invalid argument",
                 "No API key provided. You can obtain an API key from "
                 "https://console.x.ai.");
    else
        xai_fail(c, 400, "Client specified an invalid argument",
                 "Incorrect API key provided: %.2s***%s. You can obtain an "
                 "API key from https://console.x.ai.", k,
                 strlen(k) > 2 ? k + strlen(k) - 2 : "");
    return false;
}

/* Edit sources: image {type:image_url,url} or images [...], at most 3. */
static bool
xai_sources(struct emu_ctx *c, int *count)
{
    json_t *one = json_object_get(c->json, "image");    /* borrowed */
    json_t *many = json_object_get(c->json, "images");  /* borrowed */
    json_t *v;
    size_t i, n = 0;

    if (one != NULL && many != NULL) {
        xai_fail(c, 400, "Client specified an invalid argument",
                 "Only one of `image` or `images` may be set.");
        return false;
    }
    if (one != NULL)
        many = json_pack("[O]", one);
    else if (json_is_array(many))
        json_incref(many);
    else {
        xai_fail(c, 400, "Client specified an invalid argument",
                 "An input image is required for image edits.");
        return false;
    }
    json_array_foreach(many, i, v) {
        const char *u = json_string_value(json_object_get(v, "url"));
        if (u == NULL || (strncmp(u, "data:image/", 11) != 0 &&
                          strncmp(u, "https://", 8) != 0 &&
                          strncmp(u, "http://", 7) != 0)) {
            xai_fail(c, 400, "Client specified an invalid argument",
                     "Invalid image url at index %zu.", i);
            json_decref(many);
            return false;
        }
        n++;
    }
    json_decref(many);
    if (n == 0 || n > 3) {
        xai_fail(c, 400, "Client specified an invalid argument",
                 "Between 1 and 3 input images are supported, got %zu.", n);
        return false;
    }
    *count = (int)n;
    return true;
}

struct xai_req {
    const char *model, *prompt, *ar, *res, *rf;
    long n;
    int refs;
};

/* Body checks in the order xAI applies them; false once a 400 is sent. */
static bool
xai_validate(struct emu_ctx *c, bool edits, struct xai_req *x)
{
    static const char *const known[] = { "grok-imagine-image",
        "grok-imagine-image-quality", "grok-imagine-image-2.0",
        "grok-imagine-image-pro", "grok-2-image", "grok-2-image-1212",
        "grok-imagine-image-beta", "grok-2-image-latest", NULL };
    const char *bad = "Client specified an invalid argument";
    json_t *v;                     /* borrowed */

    if (!json_is_object(c->json)) {
        xai_fail(c, 400, bad, "Failed to deserialize the JSON body into the "
                 "target type: expected an application/json body.");
        return false;
    }
    x->model = json_string_value(json_object_get(c->json, "model"));
    x->prompt = json_string_value(json_object_get(c->json, "prompt"));
    if (x->model == NULL)
        x->model = "grok-imagine-image";
    if (!emu_str_in(x->model, known)) {
        xai_fail(c, 404, "Some requested entity was not found", "The model "
                 "%s does not exist or your team does not have access to "
                 "it.", x->model);
        return false;
    }
    if (x->prompt == NULL) {
        xai_fail(c, 400, bad, "Failed to deserialize the JSON body into the "
                 "target type: missing field `prompt`.");
        return false;
    }
    if (json_object_get(c->json, "size") != NULL ||
        json_object_get(c->json, "style") != NULL) {
        xai_fail(c, 400, bad, "Argument not supported: %s",
                 json_object_get(c->json, "size") ? "size" : "style");
        return false;
    }
    v = json_object_get(c->json, "n");
    if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 1 ||
                      json_integer_value(v) > 10)) {
        xai_fail(c, 400, bad, "n must be between 1 and 10.");
        return false;
    }
    x->n = v != NULL ? (long)json_integer_value(v) : 1;
    x->ar = "auto";
    x->res = "1k";
    x->rf = "url";
    if ((v = json_object_get(c->json, "aspect_ratio")) != NULL)
        x->ar = json_string_value(v);
    if ((v = json_object_get(c->json, "resolution")) != NULL)
        x->res = json_string_value(v);
    if ((v = json_object_get(c->json, "response_format")) != NULL)
        x->rf = json_string_value(v);
    if (!emu_str_in(x->ar, xai_ratios) || x->res == NULL ||
        (strcmp(x->res, "1k") != 0 && strcmp(x->res, "2k") != 0) ||
        x->rf == NULL ||
        (strcmp(x->rf, "url") != 0 && strcmp(x->rf, "b64_json") != 0)) {
        xai_fail(c, 400, bad, "Invalid aspect_ratio, resolution or "
                 "response_format.");
        return false;
    }
    return !edits || xai_sources(c, &x->refs);
}

static void
xai_generate(struct emu_ctx *c, struct xai_req *x)
{
    json_t *data;                  /* owned */
    double a = 1, px;
    int w, h;
    long i;

    if (strcmp(x->ar, "auto") != 0) {
        const char *colon = strchr(x->ar, ':');
        a = strtod(x->ar, NULL) / strtod(colon + 1, NULL);
    }
    px = strcmp(x->res, "2k") == 0 ? 2048.0 * 2048 : 1024.0 * 1024;
    w = emu_round_to(sqrt(px * a), 16);
    h = emu_round_to(sqrt(px / a), 16);
    data = json_array();
    for (i = 0; i < x->n && !emu_action_bool(c, "ok_without_image"); i++) {
        struct emu_image img;
        json_t *item;
        if (!emu_gen_image(c, w, h, "jpeg", emu_gen_seed(c, x->prompt, false,
                                                         0, (int)i),
                           false, &img)) {
            json_decref(data);
            return;
        }
        item = json_pack("{s:s, s:s}", "mime_type", img.mime,
                         "revised_prompt", "");
        if (strcmp(x->rf, "url") == 0) {
            char url[512];
            emu_files_put(c->emu->files, c, &img, 3600, url, sizeof(url));
            json_object_set_new(item, "url", json_string(url));
        } else {
            char *b64 = emu_gen_b64(c, &img);
            json_object_set_new(item, "b64_json",
                                json_string_nocheck(b64 ? b64 : ""));
            free(b64);
        }
        emu_image_cleanup(&img);
        json_array_append_new(data, item);
    }
    emu_reply_json(c, 200, json_pack("{s:I, s:o, s:{s:I}}", "created",
                   (json_int_t)time(NULL), "data", data, "usage",
                   "cost_in_usd_ticks", (json_int_t)(XAI_TICKS_PER_IMAGE *
                   ((long)json_array_size(data) + x->refs))));
}

static void
xai_run(struct emu_ctx *c, bool edits)
{
    struct xai_req x;

    memset(&x, 0, sizeof(x));
    if (!xai_validate(c, edits, &x))
        return;
    if (emu_action_policy(c) != 0) {
        emu_reply_json(c, 400, json_pack("{s:s, s:s, s:{s:I}}", "code",
                       "Client specified an invalid argument", "error",
                       "Generated image rejected by content moderation.",
                       "usage", "cost_in_usd_ticks",
                       (json_int_t)(XAI_TICKS_PER_IMAGE * x.n)));
        return;
    }
    xai_generate(c, &x);
}

void
emu_xai_handle(struct emu_ctx *c)
{
    bool post = evhttp_request_get_command(c->req) == EVHTTP_REQ_POST;

    if (strncmp(c->path, "/delivery/", 10) == 0) {
        emu_files_serve(c->emu->files, c);
        return;
    }
    if (!xai_auth(c))
        return;
    if (post && strcmp(c->path, "/v1/images/generations") == 0)
        xai_run(c, false);
    else if (post && strcmp(c->path, "/v1/images/edits") == 0)
        xai_run(c, true);
    else
        xai_fail(c, 404, "Some requested entity was not found",
                 "No handler found for %s.", c->path);
}
