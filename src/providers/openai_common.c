/* SPDX-License-Identifier: Apache-2.0
 * providers/openai_common.c - OpenAI Images bodies (JSON generations,
 * multipart edits), responses, SSE events and error classification.
 */
#include "providers/openai_common.h"

#include <stdio.h>
#include <string.h>

#include "providers/common.h"
#include "providers/json_big.h"
#include "util/buf.h"
#include "util/mem.h"

#define OPENAI_BOUNDARY "imagerouter-form-boundary-5f3a9c1e7b"

static ir_err openai_fields(const struct ir_call *c, const char *model,
                            json_t **out) IR_MUST_CHECK;
static ir_err openai_size(const struct ir_call *c, json_t *body)
    IR_MUST_CHECK;
static ir_err openai_multipart(const struct ir_call *c, const json_t *fields,
                               struct ir_http_req *out) IR_MUST_CHECK;
static ir_err openai_form_value(const json_t *v, struct ir_buf *b)
    IR_MUST_CHECK;
static bool openai_boundary_free(const struct ir_call *c,
                                 const json_t *fields, const char *bnd);
static void openai_failure(const json_t *root,
                           struct ir_providers_failure *f);
static bool openai_is(const char *s, const char *const *list);

static const char *const openai_policy_codes[] = {
    "moderation_blocked", "content_policy_violation", "content_filter",
    "ResponsibleAIPolicyViolation", NULL,
};
static const char *const openai_quota_words[] = {
    "quota", "spend_limit", "usage_limit", "billing", "credit_balance", NULL,
};

static bool
openai_is(const char *s, const char *const *list)
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
openai_size(const struct ir_call *c, json_t *body)
{
    char size[32];

    if (c->geom.w <= 0 || c->geom.h <= 0 ||
        strcmp(c->geom.aspect, "auto") == 0)
        return ir_providers_common_set(body, "size", json_string("auto"));
    (void)snprintf(size, sizeof size, "%dx%d", c->geom.w, c->geom.h);
    return ir_providers_common_set(body, "size", json_string(size));
}

/* Every scalar field, as JSON; the multipart form is made from it. */
static ir_err
openai_fields(const struct ir_call *c, const char *model, json_t **out)
{
    const struct ir_request *q = c->req;
    const char *fmt = NULL, *rf;
    json_t *b; /* owned */
    ir_err e = IR_ENOMEM;

    if ((b = json_object()) == NULL)
        return IR_ENOMEM;
    if (model != NULL &&
        ir_providers_common_set(b, "model", json_string(model)) != IR_OK)
        goto out;
    if (ir_providers_common_set(b, "prompt", json_string(q->prompt)) ||
        ir_providers_common_set(b, "n", json_integer(c->n > 0 ? c->n : 1)) ||
        openai_size(c, b) != IR_OK)
        goto out;
    if (ir_providers_common_declared(c, "quality") &&
        ir_providers_common_quality(q->quality) != NULL &&
        ir_providers_common_set(b, "quality", json_string(
            ir_providers_common_quality(q->quality))) != IR_OK)
        goto out;
    if (ir_providers_common_declared(c, "background") &&
        ir_providers_common_background(q->background) != NULL &&
        ir_providers_common_set(b, "background", json_string(
            ir_providers_common_background(q->background))) != IR_OK)
        goto out;
    if (ir_providers_common_declared(c, "output_format") &&
        q->output_format != IR_FORMAT_SVG)
        fmt = ir_providers_common_format(q->output_format);
    if (fmt != NULL &&
        ir_providers_common_set(b, "output_format", json_string(fmt)))
        goto out;
    /* Compression applies to jpeg and webp only; png would be a 400. */
    if (ir_providers_common_declared(c, "output_compression") &&
        q->output_compression_set && fmt != NULL && strcmp(fmt, "png") != 0 &&
        ir_providers_common_set(b, "output_compression",
                                json_integer(q->output_compression)))
        goto out;
    /* OpenAI-compatible servers may default to URLs (GPT image models
     * reject the field, so it is sent only when configured). */
    rf = ir_providers_common_config_str(c, "response_format", NULL);
    if (rf != NULL &&
        ir_providers_common_set(b, "response_format", json_string(rf)))
        goto out;
    if (c->stream) {
        if (ir_providers_common_set(b, "stream", json_true()) != IR_OK)
            goto out;
        if (c->partial_images >= 0 && c->partial_images <= 3 &&
            ir_providers_common_set(b, "partial_images",
                                    json_integer(c->partial_images)))
            goto out;
    }
    if (ir_providers_common_merge_options(c, b) != IR_OK)
        goto out;
    *out = b;
    b = NULL;
    e = IR_OK;
out:
    json_decref(b);
    return e;
}

static ir_err
openai_form_value(const json_t *v, struct ir_buf *b)
{
    char *s;
    ir_err e;

    switch (json_typeof(v)) {
    case JSON_STRING:
        return ir_buf_add(b, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return ir_buf_addf(b, "%lld", (long long)json_integer_value(v));
    case JSON_REAL:
        return ir_buf_addf(b, "%.17g", json_real_value(v));
    case JSON_TRUE:
        return ir_buf_adds(b, "true");
    case JSON_FALSE:
        return ir_buf_adds(b, "false");
    default:
        if ((s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
            return IR_ENOMEM;
        e = ir_buf_adds(b, s);
        free(s);
        return e;
    }
}

static bool
openai_boundary_free(const struct ir_call *c, const json_t *fields,
                     const char *bnd)
{
    const char *key;
    const json_t *v; /* borrowed */
    size_t i, n = strlen(bnd);

    json_object_foreach((json_t *)fields, key, v) {
        if (json_is_string(v) &&
            memmem(json_string_value(v), json_string_length(v), bnd, n))
            return false;
    }
    for (i = 0; i < c->req->nrefs; i++)
        if (c->req->refs[i].bytes != NULL &&
            memmem(c->req->refs[i].bytes, c->req->refs[i].len, bnd, n))
            return false;
    return true;
}

static ir_err
openai_multipart(const struct ir_call *c, const json_t *fields,
                 struct ir_http_req *out)
{
    struct ir_buf b;
    char bnd[64], mt[64];
    const char *key, *ext;
    const json_t *v; /* borrowed */
    size_t i, nrefs = c->req->nrefs;
    unsigned k = 0;
    ir_err e;

    do {
        (void)snprintf(bnd, sizeof bnd, k ? "%s-%u" : "%s", OPENAI_BOUNDARY,
                       k);
    } while (!openai_boundary_free(c, fields, bnd) && ++k < 1000);
    ir_buf_init(&b, IR_MAX_UPSTREAM_BODY);
    json_object_foreach((json_t *)fields, key, v) {
        if ((e = ir_buf_addf(&b, "--%s\r\nContent-Disposition: form-data; "
                             "name=\"%s\"\r\n\r\n", bnd, key)) != IR_OK ||
            (e = openai_form_value(v, &b)) != IR_OK ||
            (e = ir_buf_adds(&b, "\r\n")) != IR_OK)
            goto fail;
    }
    for (i = 0; i < nrefs; i++) {
        const struct ir_ref *ref = &c->req->refs[i];

        (void)ir_providers_common_ref_media_type(ref, mt, sizeof mt);
        ext = strchr(mt, '/') + 1;
        if ((e = ir_buf_addf(&b, "--%s\r\nContent-Disposition: form-data; "
                             "name=\"%s\"; filename=\"image%zu.%s\"\r\n"
                             "Content-Type: %s\r\n\r\n", bnd,
                             nrefs == 1 ? "image" : "image[]", i, ext,
                             mt)) != IR_OK ||
            (e = ir_buf_add(&b, ref->bytes, ref->len)) != IR_OK ||
            (e = ir_buf_adds(&b, "\r\n")) != IR_OK)
            goto fail;
    }
    if ((e = ir_buf_addf(&b, "--%s--\r\n", bnd)) != IR_OK)
        goto fail;
    if ((e = ir_http_req_header(out, "Content-Type",
                                "multipart/form-data; boundary=%s", bnd)))
        goto fail;
    out->body = ir_buf_take(&b, &out->body_len);
    return IR_OK;
fail:
    ir_buf_cleanup(&b);
    return e;
}

ir_err
ir_providers_openai_common_body(const struct ir_call *c, const char *prov,
                                const char *model, bool *edits,
                                struct ir_http_req *out, struct ir_error *err)
{
    json_t *fields = NULL; /* owned */
    size_t nrefs = c->req->nrefs;
    ir_err e;

    if ((long long)nrefs > ir_providers_common_max_refs(c))
        nrefs = (size_t)ir_providers_common_max_refs(c);
    *edits = nrefs > 0;
    if (*edits && ir_providers_common_refs_need_bytes(c, nrefs, prov, err))
        return IR_EUNSUPPORTED;
    if ((e = openai_fields(c, model, &fields)) != IR_OK)
        return e;
    if (*edits) {
        struct ir_call cc = *c;
        struct ir_request rq = *c->req;

        /* Only the references the endpoint declares go out. */
        rq.nrefs = nrefs;
        cc.req = &rq;
        e = openai_multipart(&cc, fields, out);
    } else {
        e = ir_providers_common_json_body(out, fields);
    }
    json_decref(fields);
    return e;
}

static void
openai_failure(const json_t *root, struct ir_providers_failure *f)
{
    const json_t *e = json_object_get(root, "error"); /* borrowed */
    const char *code, *type, *inner, *msg;
    size_t i;

    ir_providers_common_error_fields(root, &f->message, &f->code);
    code = json_string_value(json_object_get(e, "code"));
    type = json_string_value(json_object_get(e, "type"));
    inner = json_string_value(json_object_get(
        json_object_get(e, "inner_error"), "code"));
    msg = f->message != NULL ? f->message : "";
    f->content_policy = openai_is(code, openai_policy_codes) ||
                        openai_is(type, openai_policy_codes) ||
                        openai_is(inner, openai_policy_codes) ||
                        strstr(msg, "safety system") != NULL;
    for (i = 0; openai_quota_words[i] != NULL; i++)
        if ((code && strstr(code, openai_quota_words[i])) ||
            (type && strstr(type, openai_quota_words[i])))
            f->quota = true;
    f->overloaded = (code && strcmp(code, "server_is_overloaded") == 0) ||
                    (type && strcmp(type, "service_unavailable_error") == 0) ||
                    strstr(msg, "overloaded") != NULL;
    f->credentials = code && strcmp(code, "invalid_api_key") == 0;
    if (code == NULL && type != NULL)
        f->code = type;
}

ir_err
ir_providers_openai_common_parse(const struct ir_call *c, const char *prov,
                                 const struct ir_http_resp *r,
                                 struct ir_gen_result *out,
                                 struct ir_error *err)
{
    struct ir_providers_failure f = {0};
    json_t *root = ir_providers_common_json(r); /* owned */
    const json_t *data; /* borrowed */
    ir_err e = IR_EUPSTREAM;

    if (!ir_providers_common_ok(r)) {
        openai_failure(root, &f);
        ir_providers_common_fail(c, r, prov, &f, err);
        goto out;
    }
    if (!ir_providers_common_check_body(c, r, prov, root, err))
        goto out;
    data = json_object_get(root, "data");
    if ((e = ir_providers_common_add_data(c, r, prov, data, out, &f, err)) !=
        IR_OK)
        goto out;
    ir_providers_common_openai_usage(json_object_get(root, "usage"),
                                     &out->usage);
    if (out->nimages == 0) {
        openai_failure(root, &f);
        f.no_image = !json_is_object(json_object_get(root, "error"));
        ir_providers_common_fail(c, r, prov, &f, err);
        e = IR_EUPSTREAM;
        goto out;
    }
    out->outcome = IR_PARSE_DONE;
    e = IR_OK;
out:
    json_decref(root);
    return e;
}

static bool
openai_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);

    return n >= k && strcmp(s + n - k, suffix) == 0;
}

ir_err
ir_providers_openai_common_stream_event(const struct ir_call *c,
                                        const char *prov, const char *event,
                                        const char *data, size_t len,
                                        struct ir_stream_ev *out,
                                        struct ir_error *err)
{
    struct ir_providers_failure f = {0};
    struct ir_http_resp fake = {0};
    json_t *root; /* owned */
    const char *type, *b64;
    ir_err e = IR_OK;

    memset(out, 0, sizeof *out);
    while (len > 0 && (*data == ' ' || *data == '\n' || *data == '\r')) {
        data++;
        len--;
    }
    if (len == 0 || (len >= 6 && strncmp(data, "[DONE]", 6) == 0))
        return IR_OK;
    fake.status = 200;
    fake.body = data;
    fake.len = len;
    /* Partial and final images arrive here as megabytes of base64. */
    if ((root = ir_json_big_load(data, len, IR_JSON_BIG_MIN)) == NULL ||
        !json_is_object(root)) {
        out->type = IR_STREAM_EV_ERROR;
        f.message = "a stream event is not valid JSON";
        ir_providers_common_fail(c, &fake, prov, &f, err);
        json_decref(root);
        return IR_OK;
    }
    type = event != NULL && event[0] != '\0'
               ? event
               : json_string_value(json_object_get(root, "type"));
    if (type == NULL)
        type = "";
    if (strcmp(type, "error") == 0 || openai_suffix(type, ".failed") ||
        json_object_get(root, "error") != NULL) {
        const char *code;

        openai_failure(root, &f);
        code = f.code != NULL ? f.code : "";
        fake.status = f.content_policy ? 400
                      : strstr(code, "rate_limit") ? 429
                      : f.overloaded ? 503
                                     : 500;
        if (f.message == NULL)
            f.message = "the stream failed";
        out->type = IR_STREAM_EV_ERROR;
        ir_providers_common_fail(c, &fake, prov, &f, err);
        goto out;
    }
    b64 = json_string_value(json_object_get(root, "b64_json"));
    if (openai_suffix(type, ".partial_image") && b64 != NULL) {
        out->type = IR_STREAM_EV_PARTIAL;
        out->index = (int)json_integer_value(
            json_object_get(root, "partial_image_index"));
    } else if (openai_suffix(type, ".completed") && b64 != NULL) {
        out->type = IR_STREAM_EV_COMPLETED;
        ir_providers_common_openai_usage(json_object_get(root, "usage"),
                                         &out->usage);
    } else {
        goto out; /* keep-alives and events we do not know */
    }
    {
        struct ir_json_big_str big;

        out->b64 = ir_json_big_get(data, len, b64, &big)
                       ? ir_json_big_dup(&big, NULL)
                       : ir_strdup(b64);
    }
    if (out->b64 == NULL) {
        out->type = IR_STREAM_EV_NONE;
        e = IR_ENOMEM;
    }
out:
    json_decref(root);
    return e;
}
