/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/p_bfl.c - Black Forest Labs FLUX API: POST /v1/{model}
 * with x-key answers {id, polling_url, cost, input_mp, output_mp}; GET
 * polling_url answers Pending N times, then Ready with result.sample, a
 * signed-looking URL on this emulator that serves the image (10 minutes).
 * Moderation comes back through the poll status. Follows
 * providers/async-family.md section 1.
 */
#include "bfl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "image.h"
#include "imgcache.h"
#include "providers.h"
#include "util.h"

#define BFL_TASKS 1024

struct bfl_task {
    char id[37];
    char prompt_head[256];
    int w, h;
    const char *fmt;               /* requested output_format */
    const char *forced_fmt;        /* scripted image_format, or NULL */
    bool tiny, no_image;
    uint32_t seed;
    long long seed_shown;
    int pending_left;
    const char *final;             /* terminal status; "Ready" normally */
    int64_t created_ms;
    char sample[512];
};

struct emu_bfl {
    struct bfl_task ring[BFL_TASKS];
    size_t next;
};

struct bfl_model {
    const char *name;
    int kind;                      /* 2: FLUX.2, 11: pro-1.1/dev, 12: ultra,
                                      13: kontext, 14: fill/expand */
    double first, extra;           /* credits (cents) */
};

static const struct bfl_model bfl_models[] = {
    { "flux-2-pro", 2, 3, 1.5 }, { "flux-2-max", 2, 7, 3 },
    { "flux-2-flex", 2, 5, 5 }, { "flux-2-klein-4b", 2, 1.4, 0.1 },
    { "flux-2-klein-9b", 2, 1.5, 0.2 }, { "flux-2-pro-preview", 2, 3, 1.5 },
    { "flux-2-klein-9b-preview", 2, 1.5, 0.2 },
    { "flux-pro-1.1", 11, 4, 0 }, { "flux-dev", 11, 2.5, 0 },
    { "flux-pro", 11, 5, 0 }, { "flux-pro-1.1-ultra", 12, 6, 0 },
    { "flux-kontext-pro", 13, 4, 0 }, { "flux-kontext-max", 13, 8, 0 },
    { "flux-pro-1.0-fill", 14, 5, 0 }, { "flux-pro-1.0-expand", 14, 5, 0 },
};

struct emu_bfl *
emu_bfl_new(void)
{
    return calloc(1, sizeof(struct emu_bfl));
}

void
emu_bfl_free(struct emu_bfl *b)
{
    free(b);
}

void
emu_bfl_error(struct emu_ctx *c, int status, const char *msg,
              const char *code)
{
    (void)code;
    if (msg == NULL) {
        switch (status) {
        case 401: msg = "Not authenticated"; break;
        case 402: msg = "Insufficient credits. Please add credits to your "
                        "account."; break;
        case 403: msg = "Forbidden"; break;
        case 404: msg = "Not Found"; break;
        case 429: msg = "You have reached the maximum number of active "
                        "tasks. Please wait for a task to finish."; break;
        case 503: msg = "Service temporarily unavailable. Please retry."; break;
        default: msg = status >= 500 ? "Internal Server Error"
                                     : "Bad Request";
        }
    }
    emu_reply_json(c, status, json_pack("{s:s}", "detail", msg));
}

/* FastAPI/pydantic 422 with one entry in detail[]. */
static void bfl_422(struct emu_ctx *c, const char *where, const char *field,
                    const char *type, json_t *input, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void
bfl_422(struct emu_ctx *c, const char *where, const char *field,
        const char *type, json_t *input, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    emu_reply_json(c, 422, json_pack("{s:[{s:s, s:[s, s], s:s, s:O?}]}",
                                     "detail", "type", type, "loc", where,
                                     field, "msg", msg, "input", input));
}

/* Integer field within [lo, hi] and a multiple of `mult` (0: any). */
static bool
bfl_int(struct emu_ctx *c, const char *key, long lo, long hi, long mult,
        long *out)
{
    json_t *v = json_object_get(c->json, key);   /* borrowed */
    long x;

    if (v == NULL || json_is_null(v))
        return true;
    if (!json_is_integer(v)) {
        bfl_422(c, "body", key, "int_type", v, "Input should be a valid "
                "integer");
        return false;
    }
    x = (long)json_integer_value(v);
    if (x < lo) {
        bfl_422(c, "body", key, "greater_than_equal", v, "Input should be "
                "greater than or equal to %ld", lo);
        return false;
    }
    if (x > hi) {
        bfl_422(c, "body", key, "less_than_equal", v, "Input should be less "
                "than or equal to %ld", hi);
        return false;
    }
    if (mult > 0 && x % mult != 0) {
        bfl_422(c, "body", key, "multiple_of", v, "Input should be a "
                "multiple of %ld", mult);
        return false;
    }
    *out = x;
    return true;
}

static bool
bfl_aspect(struct emu_ctx *c, const char *dflt, double lo, double hi,
           double pixels, struct bfl_task *t)
{
    json_t *v = json_object_get(c->json, "aspect_ratio");   /* borrowed */
    const char *s = json_string_value(v);
    double a;

    if (v == NULL || json_is_null(v))
        s = dflt;
    if (s == NULL || !emu_parse_ratio(s, &a) || a < lo - 1e-9 ||
        a > hi + 1e-9) {
        bfl_422(c, "body", "aspect_ratio", "value_error", v, "Value error, "
                "Aspect ratio must be between 21:9 and 9:21");
        return false;
    }
    t->w = emu_round_to(sqrt(pixels * a), 32);
    t->h = emu_round_to(sqrt(pixels / a), 32);
    return true;
}

static bool
bfl_geometry(struct emu_ctx *c, const struct bfl_model *m,
             struct bfl_task *t)
{
    long w, h;

    switch (m->kind) {
    case 2:
        w = h = 1024;
        if (!bfl_int(c, "width", 64, 100000, 16, &w) ||
            !bfl_int(c, "height", 64, 100000, 16, &h))
            return false;
        if (w * h > 4L * 1024 * 1024) {   /* auto-resized to 4 MP */
            double k = sqrt(4.0 * 1024 * 1024 / ((double)w * h));
            w = emu_round_to(w * k - 8, 16);
            h = emu_round_to(h * k - 8, 16);
        }
        t->w = (int)w;
        t->h = (int)h;
        return true;
    case 11:
        w = 1024;
        h = 768;
        if (!bfl_int(c, "width", 256, 1440, 32, &w) ||
            !bfl_int(c, "height", 256, 1440, 32, &h))
            return false;
        t->w = (int)w;
        t->h = (int)h;
        return true;
    case 12:
        return bfl_aspect(c, "16:9", 9.0 / 21, 21.0 / 9, 4194304, t);
    case 13:
        return bfl_aspect(c, "1:1", 9.0 / 21, 21.0 / 9, 1048576, t);
    default:
        t->w = t->h = 1024;
        return true;
    }
}

static bool
bfl_validate(struct emu_ctx *c, const struct bfl_model *m,
             struct bfl_task *t)
{
    json_t *v;                     /* borrowed */
    long st = 2, x;
    const char *prompt;

    if (!json_is_object(c->json)) {
        bfl_422(c, "body", "body", "model_attributes_type", NULL, "Input "
                "should be a valid dictionary or object to extract fields "
                "from");
        return false;
    }
    v = json_object_get(c->json, "prompt");
    prompt = json_string_value(v);
    if (prompt == NULL && (m->kind == 2 || m->kind == 13)) {
        bfl_422(c, "body", "prompt", "missing", c->json, "Field required");
        return false;
    }
    snprintf(t->prompt_head, sizeof(t->prompt_head), "%s",
             prompt ? prompt : "");
    if (!bfl_geometry(c, m, t) ||
        !bfl_int(c, "safety_tolerance", 0, m->kind == 2 ? 5 : 6, 0, &st) ||
        !bfl_int(c, "steps", 1, 50, 0, &x))
        return false;
    t->fmt = m->kind == 13 ? "png" : "jpeg";
    v = json_object_get(c->json, "output_format");
    if (v != NULL && !json_is_null(v)) {
        const char *f = json_string_value(v);
        if (f == NULL || (strcmp(f, "jpeg") != 0 && strcmp(f, "png") != 0 &&
                          !(m->kind == 2 && strcmp(f, "webp") == 0))) {
            bfl_422(c, "body", "output_format", "enum", v,
                    m->kind == 2 ? "Input should be 'jpeg', 'png' or 'webp'"
                                 : "Input should be 'jpeg' or 'png'");
            return false;
        }
        t->fmt = emu_image_fmt(f);
    }
    v = json_object_get(c->json, "seed");
    if (json_is_integer(v))
        t->seed_shown = json_integer_value(v);
    else
        t->seed_shown = (long long)(emu_fnv1a(&c->id, sizeof(c->id), 0) %
                                    1000000000u);
    t->seed = emu_fnv1a(prompt ? prompt : "", prompt ? strlen(prompt) : 0,
                        (uint32_t)t->seed_shown + 1);
    return true;
}

static double
bfl_input_mp(struct emu_ctx *c)
{
    static const char *const refs[] = { "input_image", "input_image_2",
        "input_image_3", "input_image_4", "input_image_5", "input_image_6",
        "input_image_7", "input_image_8", NULL };
    int i, n = 0;

    for (i = 0; refs[i] != NULL; i++) {
        if (json_is_string(json_object_get(c->json, refs[i])))
            n++;
    }
    return n;
}

static void
bfl_submit(struct emu_ctx *c, const struct bfl_model *m)
{
    struct emu_bfl *b = c->emu->bfl;
    struct bfl_task t;
    char base[300], url[512];
    double out_mp, in_mp, cost;
    int pol;

    memset(&t, 0, sizeof(t));
    if (!bfl_validate(c, m, &t))
        return;
    emu_uuid(t.id);
    t.created_ms = emu_now_ms();
    t.pending_left = (int)emu_action_int(c, "pending_polls",
                                         c->emu->cfg.bfl_pending);
    t.forced_fmt = emu_image_fmt(emu_action_str(c, "image_format"));
    t.tiny = emu_action_bool(c, "tiny");
    t.no_image = emu_action_bool(c, "ok_without_image");
    pol = emu_action_policy(c);
    t.final = pol == 1 ? "Request Moderated" : pol == 2 ? "Content Moderated"
            : "Ready";
    if (pol == 3)
        t.final = strcmp(emu_action_str(c, "content_policy"), "Error") == 0
                ? "Error" : "Content Moderated";
    b->ring[b->next] = t;
    b->next = (b->next + 1) % BFL_TASKS;
    out_mp = round(t.w * (double)t.h / 1048576.0 * 100) / 100;
    in_mp = bfl_input_mp(c);
    cost = m->kind == 2 ? m->first + (out_mp > 1 ? out_mp - 1 : 0) *
           m->extra + in_mp * m->extra : m->first;
    emu_base_url(c, base, sizeof(base));
    snprintf(url, sizeof(url), "%s%s/v1/get_result?id=%s", base, c->prefix,
             t.id);
    emu_reply_json(c, 200, json_pack("{s:s, s:s, s:f, s:f, s:f}", "id", t.id,
                                     "polling_url", url, "cost",
                                     round(cost * 100) / 100, "input_mp",
                                     in_mp, "output_mp", out_mp));
}

static struct bfl_task *
bfl_find(struct emu_bfl *b, const char *id)
{
    size_t i;

    for (i = 0; i < BFL_TASKS; i++) {
        if (b->ring[i].id[0] != '\0' && strcmp(b->ring[i].id, id) == 0)
            return &b->ring[i];
    }
    return NULL;
}

static json_t *
bfl_result(struct bfl_task *t, const char *status)
{
    return json_pack("{s:s, s:s, s:n, s:n, s:n, s:n}", "id", t ? t->id : "",
                     "status", status, "result", "progress", "details",
                     "preview");
}

static void
bfl_ready(struct emu_ctx *c, struct bfl_task *t)
{
    json_t *r = bfl_result(t, "Ready");      /* owned */
    json_t *res;                                /* owned */
    struct emu_image img;
    double dur = (emu_now_ms() - t->created_ms) / 1000.0;

    res = json_pack("{s:s, s:I, s:f, s:f, s:f}", "prompt", t->prompt_head,
                    "seed", (json_int_t)t->seed_shown, "start_time",
                    t->created_ms / 1000.0, "end_time",
                    emu_now_ms() / 1000.0, "duration", dur);
    if (!t->no_image && t->sample[0] == '\0') {
        bool tiny = c->emu->cfg.tiny || t->tiny ||
                    emu_action_bool(c, "tiny");
        if (!emu_imgcache_make(c->emu->imgcache, t->w, t->h,
                               t->forced_fmt ? t->forced_fmt : t->fmt,
                               t->seed, false, tiny, &img)) {
            json_decref(r);
            json_decref(res);
            emu_bfl_error(c, 500, NULL, NULL);
            return;
        }
        emu_files_put(c->emu->files, c, &img, 600, t->sample,
                      sizeof(t->sample));
        emu_image_cleanup(&img);
    }
    if (!t->no_image)
        json_object_set_new(res, "sample", json_string(t->sample));
    json_object_set_new(r, "result", res);
    emu_reply_json(c, 200, r);
}

static void
bfl_poll(struct emu_ctx *c)
{
    char *id = emu_query_param(c, "id");
    struct bfl_task *t;
    json_t *r;                     /* owned */
    int pol = emu_action_policy(c);

    if (id == NULL) {
        bfl_422(c, "query", "id", "missing", NULL, "Field required");
        return;
    }
    t = bfl_find(c->emu->bfl, id);
    free(id);
    if (t == NULL) {
        emu_reply_json(c, 200, bfl_result(NULL, "Task not found"));
        return;
    }
    if (pol != 0)
        t->final = pol == 1 ? "Request Moderated" : "Content Moderated";
    if (t->pending_left > 0 && pol == 0) {
        t->pending_left--;
        r = bfl_result(t, "Pending");
        json_object_set_new(r, "progress", json_real(0.5));
        emu_reply_json(c, 200, r);
        return;
    }
    if (strcmp(t->final, "Ready") == 0) {
        bfl_ready(c, t);
        return;
    }
    r = bfl_result(t, t->final);
    if (strcmp(t->final, "Error") == 0)
        json_object_set_new(r, "details", json_pack("{s:s}", "error",
                            "Internal error while generating the image."));
    else
        json_object_set_new(r, "details", json_pack("{s:[s]}",
                            "Moderation Reasons", "Derivative Works"));
    emu_reply_json(c, 200, r);
}

void
emu_bfl_handle(struct emu_ctx *c)
{
    enum evhttp_cmd_type cmd = evhttp_request_get_command(c->req);
    const char *key;
    size_t i;

    if (strncmp(c->path, "/delivery/", 10) == 0) {
        emu_files_serve(c->emu->files, c);
        return;
    }
    key = emu_req_header(c, "x-key");
    if (!emu_key_ok(c, EMU_P_BFL, key)) {
        /* FastAPI's key header check: 403, not 401. */
        emu_bfl_error(c, 403, key == NULL ? "Not authenticated"
                      : "Not authenticated - Invalid Authentication", NULL);
        return;
    }
    if (cmd == EVHTTP_REQ_GET && strcmp(c->path, "/v1/get_result") == 0) {
        bfl_poll(c);
        return;
    }
    if (cmd == EVHTTP_REQ_GET && strcmp(c->path, "/v1/credits") == 0) {
        emu_reply_json(c, 200, json_pack("{s:f}", "credits", 1000.0));
        return;
    }
    for (i = 0; i < sizeof(bfl_models) / sizeof(bfl_models[0]); i++) {
        if (strncmp(c->path, "/v1/", 4) == 0 &&
            strcmp(c->path + 4, bfl_models[i].name) == 0) {
            if (cmd != EVHTTP_REQ_POST) {
                emu_bfl_error(c, 405, "Method Not Allowed", NULL);
                return;
            }
            bfl_submit(c, &bfl_models[i]);
            return;
        }
    }
    emu_bfl_error(c, 404, NULL, NULL);
}
