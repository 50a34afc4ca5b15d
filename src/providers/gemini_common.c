/* SPDX-License-Identifier: Apache-2.0
 * providers/gemini_common.c - generateContent bodies for image output,
 * responses (inline images, usageMetadata, HTTP-200 safety blocks) and
 * google.rpc error classification.
 */
#include "providers/gemini_common.h"

#include <stdlib.h>
#include <string.h>

#include "providers/common.h"
#include "util/buf.h"
#include "util/mem.h"

static ir_err gemini_parts(const struct ir_call *c, const char *prov,
                           json_t *parts, struct ir_error *err)
    IR_MUST_CHECK;
static ir_err gemini_gen_config(const struct ir_call *c, bool vertex,
                                json_t *gc) IR_MUST_CHECK;
static ir_err gemini_options(const struct ir_call *c, json_t *root,
                             json_t *gc) IR_MUST_CHECK;
static void gemini_failure(const json_t *root, struct ir_providers_failure *f);
static void gemini_usage(const json_t *um, bool images, struct ir_usage *u);
static ir_err gemini_candidates(const struct ir_http_resp *r,
                                const json_t *root, struct ir_gen_result *out,
                                struct ir_buf *text) IR_MUST_CHECK;
static void gemini_blocked(const struct ir_call *c,
                           const struct ir_http_resp *r, const char *prov,
                           const json_t *root, const char *text,
                           struct ir_error *err);
static bool gemini_in(const char *s, const char *const *list);

/* generationConfig fields callers may pass through provider.options. */
static const char *const gemini_gc_keys[] = {
    "temperature", "topP", "topK", "maxOutputTokens", "thinkingConfig",
    "candidateCount", "responseModalities", "presencePenalty",
    "frequencyPenalty", "mediaResolution", "seed", NULL,
};
static const char *const gemini_image_keys[] = {
    "personGeneration", "prominentPeople", "imageOutputOptions", NULL,
};
static const char *const gemini_policy_finish[] = {
    "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "PROHIBITED_CONTENT",
    "SAFETY", "BLOCKLIST", "SPII", "IMAGE_RECITATION", "RECITATION",
    "MODEL_ARMOR", "JAILBREAK", NULL,
};

static bool
gemini_in(const char *s, const char *const *list)
{
    size_t i;

    if (s == NULL)
        return false;
    for (i = 0; list[i] != NULL; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

static ir_err
gemini_parts(const struct ir_call *c, const char *prov, json_t *parts,
             struct ir_error *err)
{
    long long max = ir_providers_common_max_refs(c);
    size_t i, nrefs = c->req->nrefs;
    char mt[64], *b64;
    json_t *inl; /* owned */

    if ((long long)nrefs > max)
        nrefs = max > 0 ? (size_t)max : 0;
    if (json_array_append_new(parts, json_pack("{s:s}", "text",
                                               c->req->prompt)) != 0)
        return IR_ENOMEM;
    if (ir_providers_common_refs_need_bytes(c, nrefs, prov, err))
        return IR_EUNSUPPORTED;
    for (i = 0; i < nrefs; i++) {
        const struct ir_ref *ref = &c->req->refs[i];

        if (ir_providers_common_ref_b64(ref, &b64) != IR_OK)
            return IR_ENOMEM;
        (void)ir_providers_common_ref_media_type(ref, mt, sizeof mt);
        inl = json_pack("{s:{s:s,s:o}}", "inlineData", "mimeType", mt,
                        "data", json_string_nocheck(b64));
        ir_free(b64);
        if (inl == NULL || json_array_append_new(parts, inl) != 0)
            return IR_ENOMEM;
    }
    return IR_OK;
}

static ir_err
gemini_gen_config(const struct ir_call *c, bool vertex, json_t *gc)
{
    const struct ir_request *q = c->req;
    const char *mods = ir_providers_common_config_str(c, "response_modalities",
                                                      "TEXT,IMAGE");
    json_t *ic, *arr; /* borrowed once attached */
    const char *p, *comma;

    if ((arr = json_array()) == NULL ||
        ir_providers_common_set(gc, "responseModalities", arr) != IR_OK)
        return IR_ENOMEM;
    for (p = mods; *p != '\0'; p = *comma ? comma + 1 : comma) {
        comma = strchr(p, ',');
        if (comma == NULL)
            comma = p + strlen(p);
        if (comma > p &&
            json_array_append_new(arr, json_stringn(p, (size_t)(comma - p))))
            return IR_ENOMEM;
    }
    if ((ic = json_object()) == NULL ||
        ir_providers_common_set(gc, "imageConfig", ic) != IR_OK)
        return IR_ENOMEM;
    if (c->geom.aspect[0] != '\0' && strcmp(c->geom.aspect, "auto") != 0 &&
        ir_providers_common_set(ic, "aspectRatio",
                                json_string(c->geom.aspect)) != IR_OK)
        return IR_ENOMEM;
    /* imageSize only where the endpoint offers tiers (2.5 is 1K-only). */
    if (ir_providers_common_declared(c, "resolution") &&
        c->geom.tier[0] != '\0' &&
        ir_providers_common_set(ic, "imageSize",
                                json_string(c->geom.tier)) != IR_OK)
        return IR_ENOMEM;
    if (vertex && ir_providers_common_declared(c, "output_format") &&
        (q->output_format == IR_FORMAT_PNG ||
         q->output_format == IR_FORMAT_JPEG ||
         q->output_format == IR_FORMAT_WEBP)) {
        json_t *oo = json_pack("{s:s+}", "mimeType", "image/",
                               ir_providers_common_format(q->output_format));

        if (oo == NULL)
            return IR_ENOMEM;
        if (q->output_format == IR_FORMAT_JPEG && q->output_compression_set &&
            ir_providers_common_declared(c, "output_compression") &&
            ir_providers_common_set(oo, "compressionQuality",
                                    json_integer(q->output_compression))) {
            json_decref(oo);
            return IR_ENOMEM;
        }
        if (ir_providers_common_set(ic, "imageOutputOptions", oo) != IR_OK)
            return IR_ENOMEM;
    }
    if (ir_providers_common_declared(c, "seed") && q->seed_set &&
        ir_providers_common_set(gc, "seed", json_integer(
            (json_int_t)((q->seed + c->image_offset) & 0x7fffffff))) != IR_OK)
        return IR_ENOMEM;
    return IR_OK;
}

/* Pass-through options land where Gemini expects them: generation
 * settings in generationConfig, image settings in its imageConfig, the
 * rest (cachedContent, safetySettings, systemInstruction...) top-level. */
static ir_err
gemini_options(const struct ir_call *c, json_t *root, json_t *gc)
{
    const char *key;
    json_t *v;  /* borrowed */
    json_t *to; /* borrowed */

    if (c->options == NULL || !json_is_object(c->options))
        return IR_OK;
    json_object_foreach((json_t *)c->options, key, v) {
        if (gemini_in(key, gemini_gc_keys))
            to = gc;
        else if (gemini_in(key, gemini_image_keys))
            to = json_object_get(gc, "imageConfig");
        else
            to = root;
        if (ir_providers_common_set(to, key, json_deep_copy(v)) != IR_OK)
            return IR_ENOMEM;
    }
    return IR_OK;
}

ir_err
ir_providers_gemini_common_body(const struct ir_call *c, const char *prov,
                                bool vertex, struct ir_http_req *out,
                                struct ir_error *err)
{
    json_t *root, *parts, *gc; /* owned root; the others borrowed */
    ir_err e = IR_ENOMEM;

    root = json_pack("{s:[{s:s,s:[]}],s:{}}", "contents", "role", "user",
                     "parts", "generationConfig");
    if (root == NULL)
        return IR_ENOMEM;
    parts = json_object_get(json_array_get(json_object_get(root, "contents"),
                                           0), "parts");
    gc = json_object_get(root, "generationConfig");
    if ((e = gemini_parts(c, prov, parts, err)) != IR_OK ||
        (e = gemini_gen_config(c, vertex, gc)) != IR_OK ||
        (e = gemini_options(c, root, gc)) != IR_OK)
        goto out;
    e = ir_providers_common_json_body(out, root);
out:
    json_decref(root);
    return e;
}

static void
gemini_failure(const json_t *root, struct ir_providers_failure *f)
{
    const json_t *e, *d; /* borrowed */
    const char *status, *reason, *t, *delay;
    size_t i;

    if (json_is_array(root))
        root = json_array_get(root, 0);
    ir_providers_common_error_fields(root, &f->message, &f->code);
    e = json_object_get(root, "error");
    status = json_string_value(json_object_get(e, "status"));
    json_array_foreach(json_object_get(e, "details"), i, d) {
        t = json_string_value(json_object_get(d, "@type"));
        reason = json_string_value(json_object_get(d, "reason"));
        delay = json_string_value(json_object_get(d, "retryDelay"));
        if (reason != NULL && (strcmp(reason, "API_KEY_INVALID") == 0 ||
                               strcmp(reason, "API_KEY_SERVICE_BLOCKED") == 0 ||
                               strcmp(reason, "ACCESS_TOKEN_EXPIRED") == 0))
            f->credentials = true;
        if (t != NULL && strstr(t, "RetryInfo") != NULL && delay != NULL)
            f->retry_after_s = (int)(strtod(delay, NULL) + 0.999);
    }
    if (status != NULL && (strcmp(status, "UNAUTHENTICATED") == 0 ||
                           strcmp(status, "PERMISSION_DENIED") == 0))
        f->credentials = true;
    if (status != NULL && strcmp(status, "RESOURCE_EXHAUSTED") == 0)
        f->rate_limited = true;
    if (f->message != NULL && strstr(f->message, "overloaded") != NULL)
        f->overloaded = true;
}

static void
gemini_usage(const json_t *um, bool images, struct ir_usage *u)
{
    const json_t *d; /* borrowed */
    const char *mod;
    long long n;
    bool img_details = false;
    size_t i;

    if (!json_is_object(um))
        return;
    u->has_tokens = true;
    u->prompt_tokens = json_integer_value(json_object_get(um,
                                                          "promptTokenCount"));
    u->cached_tokens =
        json_integer_value(json_object_get(um, "cachedContentTokenCount"));
    u->reasoning_tokens =
        json_integer_value(json_object_get(um, "thoughtsTokenCount"));
    n = json_integer_value(json_object_get(um, "candidatesTokenCount"));
    /* Thinking tokens are billed as output. */
    u->completion_tokens = n + u->reasoning_tokens;
    json_array_foreach(json_object_get(um, "promptTokensDetails"), i, d) {
        mod = json_string_value(json_object_get(d, "modality"));
        if (mod != NULL && strcmp(mod, "TEXT") == 0)
            u->prompt_text_tokens +=
                json_integer_value(json_object_get(d, "tokenCount"));
        else if (mod != NULL && strcmp(mod, "IMAGE") == 0)
            u->prompt_image_tokens +=
                json_integer_value(json_object_get(d, "tokenCount"));
    }
    json_array_foreach(json_object_get(um, "candidatesTokensDetails"), i, d) {
        mod = json_string_value(json_object_get(d, "modality"));
        if (mod != NULL && strcmp(mod, "IMAGE") == 0) {
            u->image_tokens +=
                json_integer_value(json_object_get(d, "tokenCount"));
            img_details = true;
        }
    }
    if (!img_details && images)
        u->image_tokens = n;
}

static ir_err
gemini_candidates(const struct ir_http_resp *r, const json_t *root,
                  struct ir_gen_result *out, struct ir_buf *text)
{
    const json_t *cand, *part, *inl; /* borrowed */
    const char *mt, *data, *t;
    size_t i, j;
    ir_err e;

    json_array_foreach(json_object_get(root, "candidates"), i, cand) {
        json_array_foreach(json_object_get(json_object_get(cand, "content"),
                                           "parts"), j, part) {
            if (json_is_true(json_object_get(part, "thought")))
                continue;
            inl = json_object_get(part, "inlineData");
            if (inl == NULL)
                inl = json_object_get(part, "inline_data");
            mt = json_string_value(json_object_get(inl, "mimeType"));
            if (mt == NULL)
                mt = json_string_value(json_object_get(inl, "mime_type"));
            data = json_string_value(json_object_get(inl, "data"));
            if (data != NULL && mt != NULL && strncmp(mt, "image/", 6) == 0) {
                e = ir_providers_common_add_b64_str(out, r, data);
                if (e != IR_OK)
                    return e;
            }
            t = json_string_value(json_object_get(part, "text"));
            if (t != NULL && t[0] != '\0') {
                char *big;

                t = ir_providers_common_str(r, t, &big);
                e = t == NULL ? IR_ENOMEM
                    : text->len > 0 && ir_buf_addc(text, '\n') != IR_OK
                        ? IR_ENOMEM
                        : ir_buf_adds(text, t);
                ir_free(big);
                if (e != IR_OK)
                    return IR_ENOMEM;
            }
        }
    }
    return IR_OK;
}

/* No image: a safety finish is a content-policy 400, anything else 502. */
static void
gemini_blocked(const struct ir_call *c, const struct ir_http_resp *r,
               const char *prov, const json_t *root, const char *text,
               struct ir_error *err)
{
    struct ir_providers_failure f = {0};
    const json_t *pf = json_object_get(root, "promptFeedback"); /* borrowed */
    const json_t *cand = json_array_get(json_object_get(root, "candidates"),
                                        0);
    const char *block = json_string_value(json_object_get(pf, "blockReason"));
    const char *finish = json_string_value(json_object_get(cand,
                                                           "finishReason"));
    char msg[256];

    if (block != NULL || gemini_in(finish, gemini_policy_finish)) {
        f.content_policy = true;
        f.code = block != NULL ? block : finish;
        f.message = json_string_value(json_object_get(pf,
                                                      "blockReasonMessage"));
        if (f.message == NULL)
            f.message = json_string_value(json_object_get(cand,
                                                          "finishMessage"));
        if (f.message == NULL) {
            (void)snprintf(msg, sizeof msg, "Gemini blocked this request "
                           "through content moderation (%s).", f.code);
            f.message = msg;
        }
    } else {
        f.no_image = true;
        f.code = finish;
        f.message = json_string_value(json_object_get(cand, "finishMessage"));
        /* The model may answer in words instead of drawing. */
        if (f.message == NULL)
            f.message = text;
        if (f.message == NULL && finish != NULL) {
            (void)snprintf(msg, sizeof msg, "finishReason %s", finish);
            f.message = msg;
        }
    }
    ir_providers_common_fail(c, r, prov, &f, err);
    if (finish != NULL)
        ir_error_meta_str(err, "finish_reason", finish);
    if (block != NULL)
        ir_error_meta_str(err, "block_reason", block);
    ir_error_meta_int(err, "candidate_count", (long long)json_array_size(
        json_object_get(root, "candidates")));
}

ir_err
ir_providers_gemini_common_parse(const struct ir_call *c, const char *prov,
                                 const struct ir_http_resp *r,
                                 struct ir_gen_result *out,
                                 struct ir_error *err)
{
    struct ir_providers_failure f = {0};
    json_t *root = ir_providers_common_json(r); /* owned */
    struct ir_buf text;
    ir_err e = IR_EUPSTREAM;

    ir_buf_init(&text, 64 * 1024);
    if (!ir_providers_common_ok(r)) {
        gemini_failure(root, &f);
        ir_providers_common_fail(c, r, prov, &f, err);
        goto out;
    }
    if (!ir_providers_common_check_body(c, r, prov, root, err))
        goto out;
    e = gemini_candidates(r, root, out, &text);
    if (e == IR_EPARSE) {
        f.message = "an image is not valid base64";
        ir_providers_common_fail(c, r, prov, &f, err);
        e = IR_EUPSTREAM;
    }
    if (e != IR_OK)
        goto out;
    gemini_usage(json_object_get(root, "usageMetadata"), out->nimages > 0,
                 &out->usage);
    if (out->nimages == 0) {
        gemini_blocked(c, r, prov, root, text.len > 0 ? text.data : NULL,
                       err);
        e = IR_EUPSTREAM;
        goto out;
    }
    if (text.len > 0)
        out->text = ir_buf_take(&text, NULL);
    out->outcome = IR_PARSE_DONE;
    e = IR_OK;
out:
    ir_buf_cleanup(&text);
    json_decref(root);
    return e;
}
