/* SPDX-License-Identifier: Apache-2.0
 * providers/xai.c - xAI Grok Imagine: POST {base}/images/generations, or
 * /images/edits (JSON, sources as image_url objects: https URLs or data
 * URIs) when references are sent. aspect_ratio and a lower-case
 * resolution ("1k", "2k") replace OpenAI's size.
 */
#include "providers/provider.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "providers/common.h"
#include "providers/registry.h"
#include "util/mem.h"

#define XAI_NAME "xAI"

static ir_err xai_build(const struct ir_call *c, struct ir_http_req *out,
                        struct ir_error *err) IR_MUST_CHECK;
static ir_err xai_parse(const struct ir_call *c, const struct ir_http_resp *r,
                        struct ir_gen_result *out, struct ir_error *err)
    IR_MUST_CHECK;
static ir_err xai_body(const struct ir_call *c, size_t nrefs, json_t *b)
    IR_MUST_CHECK;
static ir_err xai_refs(const struct ir_call *c, size_t nrefs, json_t *b)
    IR_MUST_CHECK;
static void xai_failure(const json_t *root, struct ir_providers_failure *f);

const struct ir_provider ir_provider_xai = {
    .name = "xai",
    .mode = IR_ENGINE_SYNC,
    .default_key_env = "XAI_API_KEY",
    .default_base_url_env = "XAI_BASE_URL",
    .default_base_url = "https://api.x.ai/v1",
    .ref_urls_ok = true, /* it fetches http(s) references itself */
    .build = xai_build,
    .parse = xai_parse,
};

static ir_err
xai_refs(const struct ir_call *c, size_t nrefs, json_t *b)
{
    json_t *arr, *one; /* owned */
    char *u = NULL;
    size_t i;

    if ((arr = json_array()) == NULL)
        return IR_ENOMEM;
    for (i = 0; i < nrefs; i++) {
        if (ir_providers_common_ref_url(&c->req->refs[i], &u) != IR_OK)
            goto nomem;
        one = json_pack("{s:s,s:o}", "type", "image_url", "url",
                        json_string_nocheck(u));
        ir_free(u);
        u = NULL;
        if (one == NULL || json_array_append_new(arr, one) != 0)
            goto nomem;
    }
    if (nrefs == 1) {
        one = json_incref(json_array_get(arr, 0));
        json_decref(arr);
        return ir_providers_common_set(b, "image", one);
    }
    return ir_providers_common_set(b, "images", arr);
nomem:
    json_decref(arr);
    return IR_ENOMEM;
}

static ir_err
xai_body(const struct ir_call *c, size_t nrefs, json_t *b)
{
    const struct ir_request *q = c->req;
    char res[8];
    size_t i;

    if (ir_providers_common_set(b, "model", json_string(c->upstream_model)) ||
        ir_providers_common_set(b, "prompt", json_string(q->prompt)) ||
        ir_providers_common_set(b, "n", json_integer(c->n > 0 ? c->n : 1)) ||
        ir_providers_common_set(b, "response_format",
                                json_string("b64_json")))
        return IR_ENOMEM;
    if (c->geom.aspect[0] != '\0' &&
        ir_providers_common_set(b, "aspect_ratio",
                                json_string(c->geom.aspect)))
        return IR_ENOMEM;
    if (ir_providers_common_declared(c, "resolution") &&
        c->geom.tier[0] != '\0') {
        (void)snprintf(res, sizeof res, "%s", c->geom.tier);
        for (i = 0; res[i] != '\0'; i++)
            res[i] = (char)tolower((unsigned char)res[i]);
        if (ir_providers_common_set(b, "resolution", json_string(res)))
            return IR_ENOMEM;
    }
    if (ir_providers_common_declared(c, "quality") &&
        ir_providers_common_quality(q->quality) != NULL &&
        ir_providers_common_set(b, "quality", json_string(
            ir_providers_common_quality(q->quality))))
        return IR_ENOMEM;
    if (nrefs > 0 && xai_refs(c, nrefs, b) != IR_OK)
        return IR_ENOMEM;
    return ir_providers_common_merge_options(c, b);
}

static ir_err
xai_build(const struct ir_call *c, struct ir_http_req *out,
          struct ir_error *err)
{
    long long max = ir_providers_common_max_refs(c);
    size_t nrefs = c->req->nrefs;
    json_t *b; /* owned */
    ir_err e;

    (void)err;
    if ((long long)nrefs > max)
        nrefs = max > 0 ? (size_t)max : 0;
    if ((b = json_object()) == NULL)
        return IR_ENOMEM;
    e = xai_body(c, nrefs, b);
    if (e == IR_OK)
        e = ir_providers_common_json_body(out, b);
    json_decref(b);
    if (e != IR_OK)
        return e;
    if ((e = ir_providers_common_url(out, "POST", "%s/images/%s", c->base_url,
                                     nrefs > 0 ? "edits" : "generations")))
        return e;
    if (c->api_key != NULL &&
        (e = ir_http_req_header(out, "Authorization", "Bearer %s",
                                c->api_key)))
        return e;
    return ir_http_req_header(out, "Accept", "application/json");
}

/* Bodies are {"code": "...", "error": "..."} or OpenAI-like. */
static void
xai_failure(const json_t *root, struct ir_providers_failure *f)
{
    const char *m, *k;

    ir_providers_common_error_fields(root, &f->message, &f->code);
    m = f->message != NULL ? f->message : "";
    k = f->code != NULL ? f->code : "";
    f->content_policy = strcasestr(m, "content moderation") != NULL ||
                        strstr(k, "content-moderated") != NULL;
    f->credentials = strcasestr(m, "API key") != NULL;
    f->quota = strcasestr(m, "credits") != NULL ||
               strcasestr(m, "spending limit") != NULL;
}

static ir_err
xai_parse(const struct ir_call *c, const struct ir_http_resp *r,
          struct ir_gen_result *out, struct ir_error *err)
{
    const char *prov = ir_providers_common_provider_name(c, XAI_NAME);
    struct ir_providers_failure f = {0};
    json_t *root = ir_providers_common_json(r); /* owned */
    ir_err e = IR_EUPSTREAM;

    if (!ir_providers_common_ok(r)) {
        xai_failure(root, &f);
        ir_providers_common_fail(c, r, prov, &f, err);
        goto out;
    }
    if (!ir_providers_common_check_body(c, r, prov, root, err))
        goto out;
    if ((e = ir_providers_common_add_data(c, r, prov,
                                          json_object_get(root, "data"), out,
                                          &f, err)) != IR_OK)
        goto out;
    if (out->nimages == 0) {
        xai_failure(root, &f);
        f.no_image = !f.content_policy;
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
