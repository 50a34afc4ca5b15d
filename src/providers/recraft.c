/* SPDX-License-Identifier: Apache-2.0
 * providers/recraft.c - Recraft: POST {base}/images/generations (JSON,
 * size from the model's fixed table), or /images/imageToImage with
 * image_url (URL or data URL) and strength when a reference is sent.
 * Vector models answer SVG. config: "response_format" (default
 * "b64_json"; "url" for vector models), "strength" default for
 * image-to-image (0.5).
 */
#include "providers/provider.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "providers/common.h"
#include "providers/registry.h"
#include "util/mem.h"

#define RECRAFT_NAME "Recraft"

static ir_err recraft_build(const struct ir_call *c, struct ir_http_req *out,
                            struct ir_error *err) IR_MUST_CHECK;
static ir_err recraft_parse(const struct ir_call *c,
                            const struct ir_http_resp *r,
                            struct ir_gen_result *out, struct ir_error *err)
    IR_MUST_CHECK;
static ir_err recraft_body(const struct ir_call *c, bool i2i, json_t *b)
    IR_MUST_CHECK;
static void recraft_failure(const struct ir_http_resp *r, const json_t *root,
                            struct ir_providers_failure *f);

const struct ir_provider ir_provider_recraft = {
    .name = "recraft",
    .mode = IR_ENGINE_SYNC,
    .default_key_env = "RECRAFT_API_KEY",
    .default_base_url_env = "RECRAFT_BASE_URL",
    .default_base_url = "https://external.api.recraft.ai/v1",
    .ref_urls_ok = true, /* it fetches http(s) references itself */
    .build = recraft_build,
    .parse = recraft_parse,
};

static ir_err
recraft_body(const struct ir_call *c, bool i2i, json_t *b)
{
    const struct ir_request *q = c->req;
    const char *rf = ir_providers_common_config_str(c, "response_format",
                                                    "b64_json");
    char size[32], *u = NULL;
    ir_err e;

    if (ir_providers_common_set(b, "prompt", json_string(q->prompt)) ||
        ir_providers_common_set(b, "model", json_string(c->upstream_model)) ||
        ir_providers_common_set(b, "n", json_integer(c->n > 0 ? c->n : 1)) ||
        ir_providers_common_set(b, "response_format", json_string(rf)))
        return IR_ENOMEM;
    if (!i2i && c->geom.w > 0 && c->geom.h > 0) {
        (void)snprintf(size, sizeof size, "%dx%d", c->geom.w, c->geom.h);
        if (ir_providers_common_set(b, "size", json_string(size)))
            return IR_ENOMEM;
    }
    if (ir_providers_common_declared(c, "seed") && q->seed_set &&
        ir_providers_common_set(b, "random_seed",
                                json_integer((uint32_t)(q->seed +
                                                        c->image_offset))))
        return IR_ENOMEM;
    if (ir_providers_common_declared(c, "output_format") &&
        (q->output_format == IR_FORMAT_PNG ||
         q->output_format == IR_FORMAT_WEBP) &&
        ir_providers_common_set(b, "image_format", json_string(
            ir_providers_common_format(q->output_format))))
        return IR_ENOMEM;
    if (i2i) {
        if (ir_providers_common_ref_url(&c->req->refs[0], &u) != IR_OK)
            return IR_ENOMEM;
        e = ir_providers_common_set(b, "image_url", json_string_nocheck(u));
        ir_free(u);
        if (e != IR_OK ||
            ir_providers_common_set(b, "strength", json_real(
                ir_providers_common_config_real(c, "strength", 0.5))))
            return IR_ENOMEM;
    }
    return ir_providers_common_merge_options(c, b);
}

static ir_err
recraft_build(const struct ir_call *c, struct ir_http_req *out,
              struct ir_error *err)
{
    bool i2i = c->req->nrefs > 0 && ir_providers_common_max_refs(c) > 0;
    json_t *b; /* owned */
    ir_err e;

    (void)err;
    if ((b = json_object()) == NULL)
        return IR_ENOMEM;
    e = recraft_body(c, i2i, b);
    if (e == IR_OK)
        e = ir_providers_common_json_body(out, b);
    json_decref(b);
    if (e != IR_OK)
        return e;
    if ((e = ir_providers_common_url(out, "POST", "%s/images/%s", c->base_url,
                                     i2i ? "imageToImage" : "generations")))
        return e;
    if (c->api_key != NULL &&
        (e = ir_http_req_header(out, "Authorization", "Bearer %s",
                                c->api_key)))
        return e;
    return ir_http_req_header(out, "Accept", "application/json");
}

static void
recraft_failure(const struct ir_http_resp *r, const json_t *root,
                struct ir_providers_failure *f)
{
    const char *m, *k;
    char body[256];
    size_t n;

    ir_providers_common_error_fields(root, &f->message, &f->code);
    m = f->message != NULL ? f->message : "";
    k = f->code != NULL ? f->code : "";
    /* Errors may be plain text (401 "request unauthorized"). */
    n = r != NULL && r->body != NULL && root == NULL
            ? (r->len < sizeof body - 1 ? r->len : sizeof body - 1)
            : 0;
    memcpy(body, n ? r->body : "", n);
    body[n] = '\0';
    f->content_policy = strstr(k, "prompt_is_improper") != NULL ||
                        strstr(m, "prompt_is_improper") != NULL ||
                        strstr(body, "prompt_is_improper") != NULL ||
                        strcasestr(m, "content filter") != NULL ||
                        strcasestr(body, "content filter") != NULL;
    f->quota = (r != NULL && r->status == 402) ||
               strstr(k, "not_enough") != NULL ||
               strcasestr(m, "not enough") != NULL;
}

static ir_err
recraft_parse(const struct ir_call *c, const struct ir_http_resp *r,
              struct ir_gen_result *out, struct ir_error *err)
{
    const char *prov = ir_providers_common_provider_name(c, RECRAFT_NAME);
    struct ir_providers_failure f = {0};
    json_t *root = ir_providers_common_json(r); /* owned */
    ir_err e = IR_EUPSTREAM;

    if (!ir_providers_common_ok(r)) {
        recraft_failure(r, root, &f);
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
        recraft_failure(NULL, root, &f);
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
