/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/p_gemini.c - Gemini image models on AI Studio
 * (POST /v1beta/models/{m}:generateContent, x-goog-api-key) and on Vertex
 * (POST /v1/projects/{p}/locations/{l}/publishers/google/models/{m}:
 * generateContent, OAuth Bearer). Safety blocks are HTTP 200s. Follows
 * providers/sync-family.md section 3 (3.1-3.7).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "oauth.h"
#include "providers.h"
#include "util.h"

struct gem {
    bool vertex, stream, sse, want_image, want_text, thoughts;
    char model[128];
    const char *aspect, *size, *fmt;
    char prompt[4096];
    int nrefs, w, h;
    bool has_seed;
    long long seed;
};

static json_t *gem_get(json_t *o, const char *camel, const char *snake);
static bool gem_auth(struct emu_ctx *c, bool vertex);
static bool gem_parse_path(struct emu_ctx *c, struct gem *g);
static bool gem_parse_body(struct emu_ctx *c, struct gem *g);
static void gem_answer(struct emu_ctx *c, struct gem *g);

static const char *
gem_status_name(int status)
{
    switch (status) {
    case 400: return "INVALID_ARGUMENT";
    case 401: return "UNAUTHENTICATED";
    case 403: return "PERMISSION_DENIED";
    case 404: return "NOT_FOUND";
    case 409: return "ABORTED";
    case 429: return "RESOURCE_EXHAUSTED";
    case 499: return "CANCELLED";
    case 501: return "UNIMPLEMENTED";
    case 503: return "UNAVAILABLE";
    case 504: return "DEADLINE_EXCEEDED";
    default: return status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
    }
}

/* google.rpc.Status body; `details` (owned) may be NULL. */
static void
gem_fail(struct emu_ctx *c, int status, const char *msg, json_t *details)
{
    json_t *e = json_pack("{s:i, s:s, s:s}", "code", status, "message", msg,
                          "status", gem_status_name(status));

    if (details != NULL)
        json_object_set_new(e, "details", details);
    emu_reply_json(c, status, json_pack("{s:o}", "error", e));
}

void
emu_google_error(struct emu_ctx *c, int status, const char *msg,
                 const char *code)
{
    bool vertex = c->provider == EMU_P_VERTEX;
    long ra = emu_action_int(c, "retry_after", -1);
    json_t *details = NULL;        /* owned, passed on */

    (void)code;
    if (msg == NULL) {
        switch (status) {
        case 429:
            msg = vertex ? "Resource exhausted. Please try again later. "
                           "Please refer to https://cloud.google.com/"
                           "vertex-ai/generative-ai/docs/error-code-429 for "
                           "more details."
                         : "You exceeded your current quota, please check "
                           "your plan and billing details.";
            break;
        case 503: msg = "The model is overloaded. Please try again later.";
                  break;
        case 504: msg = "The request timed out. Please try again."; break;
        case 500: msg = "An internal error has occurred. Please retry or "
                        "report in https://developers.generativeai.google/"
                        "guide/troubleshooting"; break;
        case 403: msg = "The caller does not have permission"; break;
        case 404: msg = "Requested entity was not found."; break;
        default: msg = "Request contains an invalid argument.";
        }
    }
    if (status == 429 && !vertex) {
        char delay[32];
        details = json_array();
        json_array_append_new(details, json_pack(
            "{s:s, s:[{s:s, s:s}]}", "@type",
            "type.googleapis.com/google.rpc.QuotaFailure", "violations",
            "quotaMetric", "generativelanguage.googleapis.com/"
            "generate_content_free_tier_requests", "quotaId",
            "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"));
        snprintf(delay, sizeof(delay), "%lds", ra >= 0 ? ra : 37);
        json_array_append_new(details, json_pack(
            "{s:s, s:s}", "@type", "type.googleapis.com/google.rpc.RetryInfo",
            "retryDelay", delay));
    }
    gem_fail(c, status, msg, details);
}

static json_t *
gem_get(json_t *o, const char *camel, const char *snake)
{
    json_t *v = json_object_get(o, camel);   /* borrowed */

    return v != NULL ? v : json_object_get(o, snake);
}

static bool
gem_auth(struct emu_ctx *c, bool vertex)
{
    const char *k;
    char *qk = NULL;
    int st;

    if (vertex) {
        k = emu_bearer(c);
        if (k == NULL) {
            gem_fail(c, 401, "Request is missing required authentication "
                     "credential. Expected OAuth 2 access token, login "
                     "cookie or other valid authentication credential. See "
                     "https://developers.google.com/identity/sign-in/web/"
                     "devconsole-project.", json_pack("[{s:s, s:s, s:s}]",
                     "@type", "type.googleapis.com/google.rpc.ErrorInfo",
                     "reason", "CREDENTIALS_MISSING", "domain",
                     "googleapis.com"));
            return false;
        }
        if (c->emu->cfg.keys[EMU_P_VERTEX] != NULL &&
            emu_key_ok(c, EMU_P_VERTEX, k))
            return true;
        st = emu_tokens_check(c->emu->tokens, k);
        if (st == 0)
            return true;
        if (st == 2) {
            gem_fail(c, 403, "Request had insufficient authentication "
                     "scopes.", json_pack("[{s:s, s:s, s:s}]", "@type",
                     "type.googleapis.com/google.rpc.ErrorInfo", "reason",
                     "ACCESS_TOKEN_SCOPE_INSUFFICIENT", "domain",
                     "googleapis.com"));
            return false;
        }
        gem_fail(c, 401, "Request had invalid authentication credentials. "
                 "Expected OAuth 2 access token, login cookie or other "
                 "valid authentication credential. See https://developers."
                 "google.com/identity/sign-in/web/devconsole-project.",
                 json_pack("[{s:s, s:s, s:s}]", "@type",
                           "type.googleapis.com/google.rpc.ErrorInfo",
                           "reason", "ACCESS_TOKEN_TYPE_UNSUPPORTED",
                           "domain", "googleapis.com"));
        return false;
    }
    k = emu_req_header(c, "x-goog-api-key");
    if (k == NULL)
        k = qk = emu_query_param(c, "key");
    if (k == NULL) {
        gem_fail(c, 403, "Method doesn't allow unregistered callers "
                 "(callers without established identity). Please use API "
                 "Key or other form of API consumer identity to call this "
                 "API.", NULL);
        return false;
    }
    if (emu_key_ok(c, EMU_P_GEMINI, k)) {
        free(qk);
        return true;
    }
    free(qk);
    gem_fail(c, 400, "API key not valid. Please pass a valid API key.",
             json_pack("[{s:s, s:s, s:s, s:{s:s}}, {s:s, s:s, s:s}]",
                       "@type", "type.googleapis.com/google.rpc.ErrorInfo",
                       "reason", "API_KEY_INVALID", "domain",
                       "googleapis.com", "metadata", "service",
                       "generativelanguage.googleapis.com",
                       "@type", "type.googleapis.com/google.rpc."
                       "LocalizedMessage", "locale", "en-US", "message",
                       "API key not valid. Please pass a valid API key."));
    return false;
}

static bool
gem_parse_path(struct emu_ctx *c, struct gem *g)
{
    const char *m = strstr(c->path, "/models/"), *colon;
    char msg[512];

    if (m == NULL || (g->vertex && strstr(c->path,
                                          "/publishers/google/") == NULL)) {
        gem_fail(c, 404, "Requested entity was not found.", NULL);
        return false;
    }
    m += 8;
    colon = strchr(m, ':');
    if (colon == NULL || (size_t)(colon - m) >= sizeof(g->model)) {
        gem_fail(c, 404, "Requested entity was not found.", NULL);
        return false;
    }
    snprintf(g->model, sizeof(g->model), "%.*s", (int)(colon - m), m);
    if (strcmp(colon, ":streamGenerateContent") == 0) {
        char *alt = emu_query_param(c, "alt");
        g->stream = true;
        g->sse = alt != NULL && strcmp(alt, "sse") == 0;
        free(alt);
    } else if (strcmp(colon, ":generateContent") != 0) {
        gem_fail(c, 404, "Requested entity was not found.", NULL);
        return false;
    }
    if (strstr(g->model, "image") == NULL &&
        strstr(g->model, "nano-banana") == NULL) {
        if (g->vertex)
            snprintf(msg, sizeof(msg), "Publisher Model `%.*s` was not found "
                     "or your project does not have access to it. Please "
                     "ensure you are using a valid model version.",
                     (int)(colon - c->path - 1), c->path + 1);
        else
            snprintf(msg, sizeof(msg), "models/%s is not found for API "
                     "version v1beta, or is not supported for "
                     "generateContent. Call ListModels to see the list of "
                     "available models and their supported methods.",
                     g->model);
        gem_fail(c, 404, msg, NULL);
        return false;
    }
    return true;
}

/* Pixel size for aspectRatio x imageSize: Google's 1K tables (Gemini 2.5
 * and Gemini 3 differ slightly), scaled x0.5 / x2 / x4. */
static bool
gem_dims(struct gem *g)
{
    static const struct { const char *ar; int w, h, w3, h3; } t[] = {
        { "1:1", 1024, 1024, 1024, 1024 }, { "2:3", 832, 1248, 848, 1264 },
        { "3:2", 1248, 832, 1264, 848 }, { "3:4", 864, 1184, 896, 1200 },
        { "4:3", 1184, 864, 1200, 896 }, { "4:5", 896, 1152, 928, 1152 },
        { "5:4", 1152, 896, 1152, 928 }, { "9:16", 768, 1344, 768, 1376 },
        { "16:9", 1344, 768, 1376, 768 }, { "21:9", 1536, 672, 1584, 672 },
        { "1:4", 512, 2048, 512, 2048 }, { "4:1", 2048, 512, 2048, 512 },
        { "1:8", 384, 3072, 384, 3072 }, { "8:1", 3072, 384, 3072, 384 } };
    bool v3 = strstr(g->model, "2.5") == NULL &&
              strstr(g->model, "2.0") == NULL;
    double mul = 1;
    size_t i;

    if (strcmp(g->size, "2K") == 0)
        mul = 2;
    else if (strcmp(g->size, "4K") == 0)
        mul = 4;
    else if (strcmp(g->size, "512") == 0)
        mul = 0.5;
    else if (strcmp(g->size, "1K") != 0)
        return false;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (strcmp(t[i].ar, g->aspect) == 0) {
            g->w = (int)((v3 ? t[i].w3 : t[i].w) * mul);
            g->h = (int)((v3 ? t[i].h3 : t[i].h) * mul);
            return true;
        }
    }
    return false;
}

static bool
gem_parse_config(struct emu_ctx *c, struct gem *g, json_t *gc)
{
    static const char *const studio_img[] = { "aspectRatio", "imageSize",
        "aspect_ratio", "image_size", NULL };
    json_t *mods = gem_get(gc, "responseModalities", "response_modalities");
    json_t *ic = gem_get(gc, "imageConfig", "image_config");
    json_t *v, *tc;                /* borrowed */
    const char *key;
    char msg[512];
    size_t i;

    g->want_image = g->want_text = true;
    if (json_is_array(mods)) {
        g->want_image = g->want_text = false;
        json_array_foreach(mods, i, v) {
            const char *s = json_string_value(v);
            if (s != NULL && strcmp(s, "IMAGE") == 0)
                g->want_image = true;
            if (s != NULL && strcmp(s, "TEXT") == 0)
                g->want_text = true;
        }
    }
    v = gem_get(gc, "candidateCount", "candidate_count");
    if (json_is_integer(v) && json_integer_value(v) > 1) {
        gem_fail(c, 400, "Multiple candidates is not enabled for this "
                 "model.", NULL);
        return false;
    }
    v = json_object_get(gc, "seed");
    if (json_is_integer(v)) {
        g->has_seed = true;
        g->seed = json_integer_value(v);
    }
    tc = gem_get(gc, "thinkingConfig", "thinking_config");
    g->thoughts = json_is_true(gem_get(tc, "includeThoughts",
                                       "include_thoughts"));
    json_object_foreach(ic, key, v) {
        if (!g->vertex && !emu_str_in(key, studio_img)) {
            snprintf(msg, sizeof(msg), "Invalid JSON payload received. "
                     "Unknown name \"%s\" at 'generation_config."
                     "image_config': Cannot find field.", key);
            gem_fail(c, 400, msg, NULL);
            return false;
        }
    }
    g->aspect = json_string_value(gem_get(ic, "aspectRatio", "aspect_ratio"));
    g->size = json_string_value(gem_get(ic, "imageSize", "image_size"));
    if (g->aspect == NULL)
        g->aspect = "1:1";
    if (g->size == NULL)
        g->size = "1K";
    if (!gem_dims(g)) {
        snprintf(msg, sizeof(msg), "* GenerateContentRequest.generation_"
                 "config.image_config: unsupported aspect_ratio '%s' or "
                 "image_size '%s'\n", g->aspect, g->size);
        gem_fail(c, 400, msg, NULL);
        return false;
    }
    v = json_object_get(json_object_get(ic, "imageOutputOptions"),
                        "mimeType");
    g->fmt = "png";
    if (json_is_string(v) && strcmp(json_string_value(v), "image/jpeg") == 0)
        g->fmt = "jpeg";
    return true;
}

static bool
gem_parse_parts(struct emu_ctx *c, struct gem *g, json_t *parts)
{
    json_t *p, *v;                 /* borrowed */
    size_t i;

    json_array_foreach(parts, i, p) {
        json_t *inl = gem_get(p, "inlineData", "inline_data");
        if ((v = json_object_get(p, "text")) != NULL && json_is_string(v)) {
            size_t l = strlen(g->prompt);
            snprintf(g->prompt + l, sizeof(g->prompt) - l, "%s",
                     json_string_value(v));
        }
        if (inl != NULL) {
            const char *d = json_string_value(json_object_get(inl, "data"));
            size_t n;
            unsigned char *raw = d ? emu_b64_decode(d, strlen(d), &n) : NULL;
            if (raw == NULL) {
                gem_fail(c, 400, "Invalid value at 'contents[0].parts[1]."
                         "inline_data.data' (TYPE_BYTES), Base64 decoding "
                         "failed", NULL);
                return false;
            }
            free(raw);
            g->nrefs++;
        }
    }
    return true;
}

static bool
gem_parse_body(struct emu_ctx *c, struct gem *g)
{
    json_t *contents, *ct;         /* borrowed */
    size_t i;

    if (!json_is_object(c->json)) {
        gem_fail(c, 400, "Invalid JSON payload received. Unexpected token.",
                 NULL);
        return false;
    }
    contents = json_object_get(c->json, "contents");
    if (!json_is_array(contents) || json_array_size(contents) == 0) {
        gem_fail(c, 400, "* GenerateContentRequest.contents: contents is "
                 "not specified\n", NULL);
        return false;
    }
    json_array_foreach(contents, i, ct) {
        if (!gem_parse_parts(c, g, json_object_get(ct, "parts")))
            return false;
    }
    return gem_parse_config(c, g, gem_get(c->json, "generationConfig",
                                          "generation_config"));
}

static json_t *
gem_usage(struct gem *g, long out_tokens)
{
    long text = (long)strlen(g->prompt) / 4 + 1, img = g->nrefs * 258L;
    json_t *u = json_pack("{s:i, s:i, s:i, s:[{s:s, s:i}]}",
                          "promptTokenCount", (json_int_t)(text + img),
                          "candidatesTokenCount", (json_int_t)out_tokens,
                          "totalTokenCount",
                          (json_int_t)(text + img + out_tokens),
                          "promptTokensDetails", "modality", "TEXT",
                          "tokenCount", (json_int_t)text);

    if (img > 0)
        json_array_append_new(json_object_get(u, "promptTokensDetails"),
                              json_pack("{s:s, s:i}", "modality", "IMAGE",
                                        "tokenCount", (json_int_t)img));
    if (out_tokens > 0)
        json_object_set_new(u, "candidatesTokensDetails",
                            json_pack("[{s:s, s:i}]", "modality",
                                      g->want_image ? "IMAGE" : "TEXT",
                                      "tokenCount", (json_int_t)out_tokens));
    if (g->vertex)
        json_object_set_new(u, "trafficType", json_string("ON_DEMAND"));
    return u;
}

static long
gem_out_tokens(struct gem *g)
{
    if (strstr(g->model, "2.5") != NULL)
        return 1290;
    if (strcmp(g->size, "4K") == 0)
        return 2000;
    return 1120;
}

/* Finish: one JSON body, a JSON array (stream without alt=sse), or SSE. */
static void
gem_send(struct emu_ctx *c, struct gem *g, json_t *owned)
{
    char id[24];

    emu_hex_random(id, 10);
    json_object_set_new(owned, "modelVersion", json_string(g->model));
    json_object_set_new(owned, "responseId", json_string(id));
    if (g->stream && g->sse) {
        emu_sse_frame(c, 0, NULL, owned);
        json_decref(owned);
        emu_sse_send(c);
    } else if (g->stream) {
        emu_reply_json(c, 200, json_pack("[o]", owned));
    } else {
        emu_reply_json(c, 200, owned);
    }
}

static void
gem_answer(struct emu_ctx *c, struct gem *g)
{
    int pol = emu_action_policy(c);
    json_t *parts, *cand, *out;    /* owned until packed */
    struct emu_image img;
    char *b64;

    if (pol == 1) {
        gem_send(c, g, json_pack("{s:{s:s, s:[]}, s:o}", "promptFeedback",
                                 "blockReason", "PROHIBITED_CONTENT",
                                 "safetyRatings", "usageMetadata",
                                 gem_usage(g, 0)));
        return;
    }
    if (pol >= 2) {
        const char *why = pol == 3 ? emu_action_str(c, "content_policy")
                                   : "IMAGE_SAFETY";
        gem_send(c, g, json_pack("{s:[{s:s, s:s, s:i}], s:o}", "candidates",
                                 "finishReason", why, "finishMessage",
                                 "Unable to show the generated image. The "
                                 "image was filtered out because it violated"
                                 " Google's Generative AI Prohibited Use "
                                 "policy.", "index", 0, "usageMetadata",
                                 gem_usage(g, 0)));
        return;
    }
    parts = json_array();
    if (g->thoughts)
        json_array_append_new(parts, json_pack("{s:s, s:b}", "text",
                              "**Composing the scene**\n\nPlanning the "
                              "layout.", "thought", 1));
    if (g->want_text || !g->want_image || emu_action_bool(c,
                                                          "ok_without_image"))
        json_array_append_new(parts, json_pack("{s:s}", "text",
                              g->want_image && !emu_action_bool(c,
                              "ok_without_image") ? "Here is your image."
                              : "I can describe it, but here is text only."));
    if (g->want_image && !emu_action_bool(c, "ok_without_image")) {
        if (!emu_gen_image(c, g->w, g->h, g->fmt,
                           emu_gen_seed(c, g->prompt, g->has_seed, g->seed,
                                        0), false, &img)) {
            json_decref(parts);
            return;
        }
        b64 = emu_gen_b64(c, &img);
        json_array_append_new(parts, json_pack("{s:{s:s, s:o}}",
                              "inlineData", "mimeType", img.mime, "data",
                              json_string_nocheck(b64 ? b64 : "")));
        if (strstr(g->model, "gemini-3") != NULL)
            json_object_set_new(json_array_get(parts,
                                json_array_size(parts) - 1),
                                "thoughtSignature",
                                json_string("ZW11bGF0b3Itc2lnbmF0dXJl"));
        free(b64);
        emu_image_cleanup(&img);
    }
    cand = json_pack("{s:{s:s, s:o}, s:s, s:i}", "content", "role", "model",
                     "parts", parts, "finishReason", "STOP", "index", 0);
    out = json_pack("{s:[o], s:o}", "candidates", cand, "usageMetadata",
                    gem_usage(g, g->want_image ? gem_out_tokens(g) : 12));
    gem_send(c, g, out);
}

void
emu_gemini_handle(struct emu_ctx *c)
{
    struct gem g;

    if (strncmp(c->path, "/delivery/", 10) == 0) {
        emu_reply_text(c, 404, "text/plain", "Not Found");
        return;
    }
    memset(&g, 0, sizeof(g));
    g.vertex = c->provider == EMU_P_VERTEX;
    if (evhttp_request_get_command(c->req) != EVHTTP_REQ_POST) {
        gem_fail(c, 404, "Requested entity was not found.", NULL);
        return;
    }
    if (!gem_auth(c, g.vertex) || !gem_parse_path(c, &g) ||
        !gem_parse_body(c, &g))
        return;
    gem_answer(c, &g);
}
