/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/p_recraft.c - Recraft: POST /v1/images/generations (and
 * /raster, /vector) and /v1/images/imageToImage (JSON), Bearer. Model-specific size tables, `credits` in
 * every answer, SVG from vector models, 401 as text/plain. Follows
 * providers/sync-family.md section 5.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "files.h"
#include "gen.h"
#include "providers.h"
#include "util.h"

struct rc_size {
    const char *ar;
    int w, h;
};

static const struct rc_size rc_v3[] = {
    { "1:1", 1024, 1024 }, { "2:1", 2048, 1024 }, { "1:2", 1024, 2048 },
    { "3:2", 1536, 1024 }, { "2:3", 1024, 1536 }, { "4:3", 1365, 1024 },
    { "3:4", 1024, 1365 }, { "5:4", 1280, 1024 }, { "4:5", 1024, 1280 },
    { "16:9", 1820, 1024 }, { "9:16", 1024, 1820 }, { "14:10", 1434, 1024 },
    { "10:14", 1024, 1434 }, { "10:6", 1707, 1024 }, { "6:10", 1024, 1707 },
    { NULL, 0, 0 } };
static const struct rc_size rc_v4[] = {
    { "1:1", 1024, 1024 }, { "2:1", 1536, 768 }, { "1:2", 768, 1536 },
    { "3:2", 1280, 832 }, { "2:3", 832, 1280 }, { "4:3", 1216, 896 },
    { "3:4", 896, 1216 }, { "5:4", 1152, 896 }, { "4:5", 896, 1152 },
    { "6:10", 832, 1344 }, { "14:10", 1280, 896 }, { "10:14", 896, 1280 },
    { "16:9", 1344, 768 }, { "9:16", 768, 1344 }, { NULL, 0, 0 } };
static const struct rc_size rc_pro[] = {
    { "1:1", 2048, 2048 }, { "2:1", 3072, 1536 }, { "1:2", 1536, 3072 },
    { "3:2", 2560, 1664 }, { "2:3", 1664, 2560 }, { "4:3", 2432, 1792 },
    { "3:4", 1792, 2432 }, { "5:4", 2304, 1792 }, { "4:5", 1792, 2304 },
    { "6:10", 1664, 2688 }, { "14:10", 2560, 1792 }, { "10:14", 1792, 2560 },
    { "16:9", 2688, 1536 }, { "9:16", 1536, 2688 }, { NULL, 0, 0 } };

static void
rc_fail(struct emu_ctx *c, int status, const char *code, const char *msg)
{
    emu_reply_json(c, status, json_pack("{s:s, s:s}", "code", code,
                                        "message", msg));
}

void
emu_recraft_error(struct emu_ctx *c, int status, const char *msg,
                  const char *code)
{
    if (status == 401) {
        emu_reply_text(c, 401, "text/plain; charset=utf-8",
                       msg ? msg : "request unauthorized");
        return;
    }
    if (status == 404 && msg == NULL) {
        emu_reply_text(c, 404, "text/plain; charset=utf-8",
                       "404 page not found");
        return;
    }
    rc_fail(c, status, code ? code : status == 429 ? "too_many_requests"
            : status == 402 ? "not_enough_credits"
            : status >= 500 ? "internal_error" : "invalid_request",
            msg ? msg : status == 429 ? "Too many requests, please retry "
            "later." : status >= 500 ? "Internal server error."
            : "Invalid request.");
}

/* Credits (1000 = $1) per image, and the size table, per model. */
static bool
rc_model(const char *m, bool *vector, long *credits,
         const struct rc_size **tab)
{
    char base[64];
    size_t l;

    snprintf(base, sizeof(base), "%s", m);
    l = strlen(base);
    *vector = false;
    if (l > 7 && strcmp(base + l - 7, "_vector") == 0) {
        *vector = true;
        base[l - 7] = '\0';
    } else if (l > 7 && strcmp(base + l - 7, "_raster") == 0) {
        base[l - 7] = '\0';
    }
    *tab = rc_v4;
    if (strcmp(base, "recraftv2") == 0) {
        *credits = *vector ? 44 : 22;
        *tab = rc_v3;
    } else if (strcmp(base, "recraftv3") == 0) {
        *credits = *vector ? 80 : 40;
        *tab = rc_v3;
    } else if (strcmp(base, "recraftv4") == 0 ||
               strcmp(base, "recraftv4_styles") == 0) {
        *credits = *vector ? 80 : 40;
    } else if (strcmp(base, "recraftv4_pro") == 0 ||
               strcmp(base, "recraftv4_styles_pro") == 0) {
        *credits = *vector ? 300 : 250;
        *tab = *vector ? rc_v4 : rc_pro;
    } else if (strcmp(base, "recraftv4_1") == 0 ||
               strcmp(base, "recraftv4_1_utility") == 0) {
        *credits = *vector ? 80 : 35;
    } else if (strcmp(base, "recraftv4_1_pro") == 0 ||
               strcmp(base, "recraftv4_1_utility_pro") == 0) {
        *credits = *vector ? 300 : 210;
        *tab = *vector ? rc_v4 : rc_pro;
    } else if (strcmp(base, "recraftv4_1_flash") == 0 && !*vector) {
        *credits = 7;
    } else {
        return false;
    }
    return true;
}

static const struct rc_size *
rc_find_size(const struct rc_size *tab, const char *s)
{
    int w, h;

    for (; tab->ar != NULL; tab++) {
        if (strcmp(tab->ar, s) == 0)
            return tab;
        if (emu_parse_wxh(s, &w, &h) && w == tab->w && h == tab->h)
            return tab;
    }
    return NULL;
}

struct rc_req {
    const char *model, *prompt, *rf, *fmt;
    const struct rc_size *tab, *sz;
    bool vector;
    long credits, n;
};

static bool
rc_validate_model(struct emu_ctx *c, const char *only, struct rc_req *q)
{
    static const char *const families[] = { "any", "realistic_image",
        "digital_illustration", "vector_illustration", "icon",
        "logo_raster", NULL };
    const char *style;
    char msg[256];

    q->model = json_string_value(json_object_get(c->json, "model"));
    q->prompt = json_string_value(json_object_get(c->json, "prompt"));
    if (q->model == NULL)
        q->model = "recraftv4_1";
    if (!rc_model(q->model, &q->vector, &q->credits, &q->tab)) {
        snprintf(msg, sizeof(msg), "Unknown model: %s", q->model);
        rc_fail(c, 400, "invalid_model", msg);
        return false;
    }
    if (q->prompt == NULL || *q->prompt == '\0' ||
        strlen(q->prompt) > (q->tab == rc_v3 ? 1000u : 10000u)) {
        rc_fail(c, 400, "invalid_prompt", "Prompt is empty or too long.");
        return false;
    }
    style = json_string_value(json_object_get(c->json, "style"));
    if (style != NULL && strcmp(style, "vector_illustration") == 0)
        q->vector = q->vector || q->tab == rc_v3;
    if (style != NULL && emu_str_in(style, families) &&
        ((strcmp(style, "icon") == 0 && strcmp(q->model, "recraftv2") != 0)
         || (strcmp(style, "logo_raster") == 0 &&
             strcmp(q->model, "recraftv3") != 0))) {
        snprintf(msg, sizeof(msg), "Style %s is not supported by model %s",
                 style, q->model);
        rc_fail(c, 400, "invalid_style", msg);
        return false;
    }
    if ((only != NULL && strcmp(only, "vector") == 0 && !q->vector) ||
        (only != NULL && strcmp(only, "raster") == 0 && q->vector)) {
        rc_fail(c, 400, "invalid_model", "Model output type does not match "
                "the endpoint.");
        return false;
    }
    return true;
}

static bool
rc_validate(struct emu_ctx *c, const char *only, struct rc_req *q)
{
    const char *size;
    json_t *v;                     /* borrowed */
    char msg[256];

    if (!json_is_object(c->json)) {
        rc_fail(c, 400, "invalid_json", "Request body must be JSON.");
        return false;
    }
    if (!rc_validate_model(c, only, q))
        return false;
    size = json_string_value(json_object_get(c->json, "size"));
    q->sz = rc_find_size(q->tab, size ? size : "1:1");
    if (q->sz == NULL) {
        snprintf(msg, sizeof(msg), "Image size %s is not supported for "
                 "model %s", size ? size : "", q->model);
        rc_fail(c, 400, "invalid_image_size", msg);
        return false;
    }
    v = json_object_get(c->json, "n");
    if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 1 ||
                      json_integer_value(v) > 6)) {
        rc_fail(c, 400, "invalid_n", "n must be between 1 and 6.");
        return false;
    }
    q->n = v != NULL ? (long)json_integer_value(v) : 1;
    q->rf = json_string_value(json_object_get(c->json, "response_format"));
    q->fmt = json_string_value(json_object_get(c->json, "image_format"));
    if (q->rf == NULL)
        q->rf = "url";
    if (q->fmt == NULL)
        q->fmt = "webp";
    if ((strcmp(q->rf, "url") != 0 && strcmp(q->rf, "b64_json") != 0) ||
        (strcmp(q->fmt, "webp") != 0 && strcmp(q->fmt, "png") != 0)) {
        rc_fail(c, 400, "invalid_request", "Invalid response_format or "
                "image_format.");
        return false;
    }
    return true;
}

static void
rc_generate(struct emu_ctx *c, struct rc_req *q)
{
    json_t *v = json_object_get(c->json, "random_seed");  /* borrowed */
    json_t *data = json_array();                         /* owned */
    long i;

    for (i = 0; i < q->n && !emu_action_bool(c, "ok_without_image"); i++) {
        struct emu_image img;
        json_t *item;
        char id[37];
        if (!emu_gen_image(c, q->sz->w, q->sz->h, q->vector ? "svg" : q->fmt,
                           emu_gen_seed(c, q->prompt, json_is_integer(v),
                                        json_integer_value(v), (int)i),
                           false, &img)) {
            json_decref(data);
            return;
        }
        emu_uuid(id);
        item = json_pack("{s:s}", "image_id", id);
        if (strcmp(q->rf, "url") == 0) {
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
        json_array_append_new(data, item);
    }
    emu_reply_json(c, 200, json_pack("{s:I, s:I, s:o}", "created",
                   (json_int_t)time(NULL), "credits",
                   (json_int_t)(q->credits * (long)json_array_size(data)),
                   "data", data));
}

static void
rc_run(struct emu_ctx *c, const char *only)
{
    struct rc_req q;

    memset(&q, 0, sizeof(q));
    if (!rc_validate(c, only, &q))
        return;
    if (emu_action_policy(c) != 0) {
        rc_fail(c, 400, "prompt_is_improper", "Your prompt was blocked by "
                "our content filter. Please rephrase it.");
        return;
    }
    rc_generate(c, &q);
}

/* POST /v1/images/imageToImage: a generation guided by image_url (a URL
 * or a data: URL) with a required strength in [0, 1] (notes 5.5). */
static void
rc_run_i2i(struct emu_ctx *c)
{
    const json_t *img, *strength; /* borrowed */
    const char *u;

    if (json_is_object(c->json)) {
        img = json_object_get(c->json, "image_url");
        strength = json_object_get(c->json, "strength");
        u = json_string_value(img);
        if (u == NULL || (strncmp(u, "data:image/", 11) != 0 &&
                          strncmp(u, "http://", 7) != 0 &&
                          strncmp(u, "https://", 8) != 0)) {
            rc_fail(c, 400, "invalid_image", "image_url must be an image "
                    "URL or data URL.");
            return;
        }
        if (!json_is_number(strength) || json_number_value(strength) < 0 ||
            json_number_value(strength) > 1) {
            rc_fail(c, 400, "invalid_strength", "strength is required: a "
                    "number from 0 to 1.");
            return;
        }
    }
    rc_run(c, NULL);
}

void
emu_recraft_handle(struct emu_ctx *c)
{
    bool post = evhttp_request_get_command(c->req) == EVHTTP_REQ_POST;

    if (strncmp(c->path, "/delivery/", 10) == 0) {
        emu_files_serve(c->emu->files, c);
        return;
    }
    if (!emu_key_ok(c, EMU_P_RECRAFT, emu_bearer(c))) {
        emu_recraft_error(c, 401, NULL, NULL);
        return;
    }
    if (post && strcmp(c->path, "/v1/images/generations") == 0)
        rc_run(c, NULL);
    else if (post && strcmp(c->path, "/v1/images/generations/raster") == 0)
        rc_run(c, "raster");
    else if (post && strcmp(c->path, "/v1/images/generations/vector") == 0)
        rc_run(c, "vector");
    else if (post && strcmp(c->path, "/v1/images/imageToImage") == 0)
        rc_run_i2i(c);
    else
        emu_recraft_error(c, 404, NULL, NULL);
}
