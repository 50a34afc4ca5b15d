/* SPDX-License-Identifier: Apache-2.0
 * providers/seedream.c - ByteDance Seedream on BytePlus ModelArk (or
 * Volcengine Ark): POST {base}/images/generations, Bearer key, one
 * synchronous JSON answer. size is "WxH" within the model's pixel bounds
 * (or a tier keyword); references go as URLs or data URLs in "image";
 * n > 1 uses sequential_image_generation "auto" with max_images n; the
 * default watermark is switched off.
 */
#include "providers/provider.h"

#include <stdio.h>
#include <string.h>

#include "providers/common.h"
#include "providers/registry.h"
#include "util/mem.h"

#define SEED_NAME "Seed"

static ir_err seed_build(const struct ir_call *c, struct ir_http_req *out,
                         struct ir_error *err) IR_MUST_CHECK;
static ir_err seed_parse(const struct ir_call *c,
                         const struct ir_http_resp *r,
                         struct ir_gen_result *out, struct ir_error *err)
    IR_MUST_CHECK;
static ir_err seed_body(const struct ir_call *c, json_t *b) IR_MUST_CHECK;
static ir_err seed_refs(const struct ir_call *c, json_t *b) IR_MUST_CHECK;
static void seed_failure(const json_t *err_obj, const json_t *root,
                         struct ir_providers_failure *f);
static bool seed_has(const char *s, const char *const *words);

const struct ir_provider ir_provider_seedream = {
    .name = "seedream",
    .mode = IR_ENGINE_SYNC,
    .default_key_env = "ARK_API_KEY",
    .default_base_url_env = "ARK_BASE_URL",
    .default_base_url = "https://ark.ap-southeast.bytepluses.com/api/v3",
    .ref_urls_ok = true, /* it fetches http(s) references itself */
    .build = seed_build,
    .parse = seed_parse,
};

static const char *const seed_policy_words[] = {
    "SensitiveContent", "PolicyViolation", "PrivacyInformation", NULL,
};
static const char *const seed_quota_words[] = {
    "QuotaExceeded", "SetLimitExceeded", "Overdue", NULL,
};
static const char *const seed_overload_words[] = {
    "ServerOverloaded", "RequestBurstTooFast", NULL,
};

static bool
seed_has(const char *s, const char *const *words)
{
    size_t i;

    if (s == NULL)
        return false;
    for (i = 0; words[i] != NULL; i++)
        if (strstr(s, words[i]) != NULL)
            return true;
    return false;
}

static ir_err
seed_refs(const struct ir_call *c, json_t *b)
{
    long long max = ir_providers_common_max_refs(c);
    size_t i, nrefs = c->req->nrefs;
    json_t *arr; /* owned */
    char *u = NULL;

    if ((long long)nrefs > max)
        nrefs = max > 0 ? (size_t)max : 0;
    if (nrefs == 0)
        return IR_OK;
    if ((arr = json_array()) == NULL)
        return IR_ENOMEM;
    for (i = 0; i < nrefs; i++) {
        if (ir_providers_common_ref_url(&c->req->refs[i], &u) != IR_OK ||
            json_array_append_new(arr, json_string_nocheck(u)) != 0) {
            ir_free(u);
            json_decref(arr);
            return IR_ENOMEM;
        }
        ir_free(u);
        u = NULL;
    }
    if (nrefs == 1) {
        json_t *one = json_incref(json_array_get(arr, 0));

        json_decref(arr);
        arr = one;
    }
    return ir_providers_common_set(b, "image", arr);
}

static ir_err
seed_body(const struct ir_call *c, json_t *b)
{
    const struct ir_request *q = c->req;
    char size[32];
    const char *fmt;
    int64_t seed;

    if (ir_providers_common_set(b, "model", json_string(c->upstream_model)) ||
        ir_providers_common_set(b, "prompt", json_string(q->prompt)))
        return IR_ENOMEM;
    size[0] = '\0';
    if (c->geom.w > 0 && c->geom.h > 0)
        (void)snprintf(size, sizeof size, "%dx%d", c->geom.w, c->geom.h);
    else if (c->geom.tier[0] != '\0')
        (void)snprintf(size, sizeof size, "%s", c->geom.tier);
    if (size[0] != '\0' &&
        ir_providers_common_set(b, "size", json_string(size)) != IR_OK)
        return IR_ENOMEM;
    if (ir_providers_common_declared(c, "seed") && q->seed_set) {
        seed = q->seed + c->image_offset;
        if (seed < -1 || seed > 2147483647)
            seed = (seed % 2147483648LL + 2147483648LL) % 2147483648LL;
        if (ir_providers_common_set(b, "seed", json_integer(seed)) != IR_OK)
            return IR_ENOMEM;
    }
    if (c->n > 1) {
        if (ir_providers_common_set(b, "sequential_image_generation",
                                    json_string("auto")) ||
            ir_providers_common_set(b, "sequential_image_generation_options",
                                    json_pack("{s:i}", "max_images", c->n)))
            return IR_ENOMEM;
    } else if (ir_providers_common_set(b, "sequential_image_generation",
                                       json_string("disabled")) != IR_OK) {
        return IR_ENOMEM;
    }
    fmt = ir_providers_common_declared(c, "output_format") &&
                  (q->output_format == IR_FORMAT_PNG ||
                   q->output_format == IR_FORMAT_JPEG)
              ? ir_providers_common_format(q->output_format)
              : NULL;
    if (fmt != NULL &&
        ir_providers_common_set(b, "output_format", json_string(fmt)))
        return IR_ENOMEM;
    /* Ark's default stamps "AI generated" on every image. */
    if (ir_providers_common_set(b, "watermark", json_false()) ||
        ir_providers_common_set(b, "response_format",
                                json_string("b64_json")) ||
        ir_providers_common_set(b, "stream", json_false()) ||
        seed_refs(c, b) != IR_OK)
        return IR_ENOMEM;
    return ir_providers_common_merge_options(c, b);
}

static ir_err
seed_build(const struct ir_call *c, struct ir_http_req *out,
           struct ir_error *err)
{
    json_t *b; /* owned */
    ir_err e;

    (void)err;
    if ((b = json_object()) == NULL)
        return IR_ENOMEM;
    e = seed_body(c, b);
    if (e == IR_OK)
        e = ir_providers_common_json_body(out, b);
    json_decref(b);
    if (e != IR_OK)
        return e;
    if ((e = ir_providers_common_url(out, "POST", "%s/images/generations",
                                     c->base_url)))
        return e;
    if (c->api_key != NULL &&
        (e = ir_http_req_header(out, "Authorization", "Bearer %s",
                                c->api_key)))
        return e;
    return ir_http_req_header(out, "Accept", "application/json");
}

/* err_obj is {"code","message",...}: the top-level error or one image's. */
static void
seed_failure(const json_t *err_obj, const json_t *root,
             struct ir_providers_failure *f)
{
    if (err_obj != NULL) {
        f->message = json_string_value(json_object_get(err_obj, "message"));
        f->code = json_string_value(json_object_get(err_obj, "code"));
    } else {
        ir_providers_common_error_fields(root, &f->message, &f->code);
    }
    f->content_policy = seed_has(f->code, seed_policy_words);
    f->quota = seed_has(f->code, seed_quota_words);
    f->overloaded = seed_has(f->code, seed_overload_words);
    f->credentials = f->code != NULL &&
                     (strcmp(f->code, "AuthenticationError") == 0 ||
                      strcmp(f->code, "InvalidAccountStatus") == 0);
}

static ir_err
seed_parse(const struct ir_call *c, const struct ir_http_resp *r,
           struct ir_gen_result *out, struct ir_error *err)
{
    const char *prov = ir_providers_common_provider_name(c, SEED_NAME);
    struct ir_providers_failure f = {0};
    json_t *root = ir_providers_common_json(r); /* owned */
    const json_t *it, *ie, *first_err = NULL, *usage; /* borrowed */
    const char *s;
    size_t i;
    ir_err e = IR_EUPSTREAM;

    if (!ir_providers_common_ok(r)) {
        seed_failure(json_object_get(root, "error"), root, &f);
        ir_providers_common_fail(c, r, prov, &f, err);
        goto out;
    }
    if (!ir_providers_common_check_body(c, r, prov, root, err))
        goto out;
    json_array_foreach(json_object_get(root, "data"), i, it) {
        e = IR_OK;
        if ((s = json_string_value(json_object_get(it, "b64_json")))) {
            e = ir_providers_common_add_b64_str(out, r, s);
        } else if ((s = json_string_value(json_object_get(it, "url")))) {
            char *big; /* a data: URL can be big */

            s = ir_providers_common_str(r, s, &big);
            e = s != NULL ? ir_providers_common_add_url(out, s) : IR_ENOMEM;
            ir_free(big);
        } else if ((ie = json_object_get(it, "error")) != NULL &&
                   first_err == NULL) {
            first_err = ie;
        }
        if (e == IR_EPARSE) {
            f.message = "an image is not valid base64";
            ir_providers_common_fail(c, r, prov, &f, err);
            e = IR_EUPSTREAM;
        }
        if (e != IR_OK)
            goto out;
    }
    usage = json_object_get(root, "usage");
    if (json_is_object(usage)) {
        out->usage.has_tokens = true;
        out->usage.completion_tokens =
            json_integer_value(json_object_get(usage, "output_tokens"));
        out->usage.image_tokens = out->usage.completion_tokens;
    }
    if (out->nimages == 0) {
        if (first_err != NULL || json_object_get(root, "error") != NULL)
            seed_failure(first_err, root, &f);
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
