/* SPDX-License-Identifier: Apache-2.0
 * providers/bfl.c - Black Forest Labs FLUX: submit, then poll. Submit is
 * POST {base}/v1/{model} with an x-key header and width/height (or an
 * aspect_ratio string when config "size_mode" is "aspect"); its answer's
 * polling_url is polled exactly as given until the status is Ready, and
 * result.sample is handed to the engine to download.
 * Poll answers that are still pending come back as IR_PARSE_POLL with
 * poll_url NULL: poll the same URL again.
 */
#include "providers/provider.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "providers/common.h"
#include "providers/registry.h"
#include "util/buf.h"
#include "util/mem.h"

#define BFL_NAME "Black Forest Labs"
#define BFL_MAX_REFS 8

static ir_err bfl_build(const struct ir_call *c, struct ir_http_req *out,
                        struct ir_error *err) IR_MUST_CHECK;
static ir_err bfl_parse(const struct ir_call *c, const struct ir_http_resp *r,
                        struct ir_gen_result *out, struct ir_error *err)
    IR_MUST_CHECK;
static ir_err bfl_poll_build(const struct ir_call *c, const char *url,
                             struct ir_http_req *out, struct ir_error *err)
    IR_MUST_CHECK;
static ir_err bfl_body(const struct ir_call *c, json_t *b) IR_MUST_CHECK;
static ir_err bfl_refs(const struct ir_call *c, json_t *b) IR_MUST_CHECK;
static ir_err bfl_status(const struct ir_call *c, const struct ir_http_resp *r,
                         const char *prov, const json_t *root,
                         const char *status, struct ir_gen_result *out,
                         struct ir_error *err) IR_MUST_CHECK;
static bool bfl_host(const char *url, char *buf, size_t size);
static bool bfl_trusted(const struct ir_call *c, const char *url);

const struct ir_provider ir_provider_bfl = {
    .name = "bfl",
    .mode = IR_ENGINE_POLL,
    .default_key_env = "BFL_API_KEY",
    .default_base_url_env = "BFL_BASE_URL",
    .default_base_url = "https://api.bfl.ai",
    .ref_urls_ok = true, /* it fetches http(s) references itself */
    .build = bfl_build,
    .parse = bfl_parse,
    .poll_build = bfl_poll_build,
};

static ir_err
bfl_refs(const struct ir_call *c, json_t *b)
{
    long long max = ir_providers_common_max_refs(c);
    size_t i, nrefs = c->req->nrefs;
    char key[40], *v = NULL;
    ir_err e;

    if ((long long)nrefs > max)
        nrefs = max > 0 ? (size_t)max : 0;
    if (nrefs > BFL_MAX_REFS)
        nrefs = BFL_MAX_REFS;
    for (i = 0; i < nrefs; i++) {
        const struct ir_ref *ref = &c->req->refs[i];

        if (i == 0)
            (void)snprintf(key, sizeof key, "input_image");
        else
            (void)snprintf(key, sizeof key, "input_image_%zu", i + 1);
        /* A URL is fetched by BFL; bytes go as plain base64. */
        e = ref->bytes != NULL ? ir_providers_common_ref_b64(ref, &v)
                               : ir_providers_common_ref_url(ref, &v);
        if (e != IR_OK)
            return e;
        e = ir_providers_common_set(b, key, json_string_nocheck(v));
        ir_free(v);
        if (e != IR_OK)
            return e;
    }
    return IR_OK;
}

static ir_err
bfl_body(const struct ir_call *c, json_t *b)
{
    const struct ir_request *q = c->req;
    const char *mode = ir_providers_common_config_str(c, "size_mode",
                                                      "pixels");

    if (ir_providers_common_set(b, "prompt", json_string(q->prompt)))
        return IR_ENOMEM;
    if (strcmp(mode, "aspect") == 0) {
        if (c->geom.aspect[0] != '\0' && strcmp(c->geom.aspect, "auto") &&
            ir_providers_common_set(b, "aspect_ratio",
                                    json_string(c->geom.aspect)))
            return IR_ENOMEM;
    } else if (c->geom.w > 0 && c->geom.h > 0) {
        if (ir_providers_common_set(b, "width", json_integer(c->geom.w)) ||
            ir_providers_common_set(b, "height", json_integer(c->geom.h)))
            return IR_ENOMEM;
    }
    if (ir_providers_common_declared(c, "seed") && q->seed_set &&
        ir_providers_common_set(b, "seed",
                                json_integer(q->seed + c->image_offset)))
        return IR_ENOMEM;
    if (ir_providers_common_declared(c, "output_format") &&
        q->output_format != IR_FORMAT_UNSET &&
        q->output_format != IR_FORMAT_SVG &&
        ir_providers_common_set(b, "output_format", json_string(
            ir_providers_common_format(q->output_format))))
        return IR_ENOMEM;
    if (bfl_refs(c, b) != IR_OK)
        return IR_ENOMEM;
    return ir_providers_common_merge_options(c, b);
}

static ir_err
bfl_build(const struct ir_call *c, struct ir_http_req *out,
          struct ir_error *err)
{
    const char *prov = ir_providers_common_provider_name(c, BFL_NAME);
    json_t *b; /* owned */
    ir_err e;

    if (!ir_providers_common_path_safe(c->upstream_model)) {
        ir_providers_common_misconfigured(prov, "bad model id", err);
        return IR_EINVAL;
    }
    if ((b = json_object()) == NULL)
        return IR_ENOMEM;
    e = bfl_body(c, b);
    if (e == IR_OK)
        e = ir_providers_common_json_body(out, b);
    json_decref(b);
    if (e != IR_OK)
        return e;
    if ((e = ir_providers_common_url(out, "POST", "%s/v1/%s", c->base_url,
                                     c->upstream_model)))
        return e;
    if (c->api_key != NULL &&
        (e = ir_http_req_header(out, "x-key", "%s", c->api_key)))
        return e;
    return ir_http_req_header(out, "Accept", "application/json");
}

/* The lower-case host of an http(s) URL. */
static bool
bfl_host(const char *url, char *buf, size_t size)
{
    const char *p, *end;
    size_t n, i;

    if (url == NULL)
        return false;
    if (strncasecmp(url, "https://", 8) == 0)
        p = url + 8;
    else if (strncasecmp(url, "http://", 7) == 0)
        p = url + 7;
    else
        return false;
    end = p + strcspn(p, "/?#");
    if (memchr(p, '@', (size_t)(end - p)) != NULL)
        return false; /* no userinfo tricks */
    n = strcspn(p, ":/?#");
    if (n == 0 || n >= size)
        return false;
    for (i = 0; i < n; i++)
        buf[i] = (char)tolower((unsigned char)p[i]);
    buf[n] = '\0';
    return true;
}

/* The key goes only to BFL's own hosts (or the configured base's). */
static bool
bfl_trusted(const struct ir_call *c, const char *url)
{
    static const char *const suffixes[] = {".bfl.ai", ".bfl.ml"};
    char host[256], base[256];
    size_t i, n, k;

    if (!bfl_host(url, host, sizeof host))
        return false;
    if (bfl_host(c->base_url, base, sizeof base) && strcmp(host, base) == 0)
        return true;
    n = strlen(host);
    for (i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        k = strlen(suffixes[i]);
        if (n > k && strcmp(host + n - k, suffixes[i]) == 0)
            return true;
    }
    return false;
}

static ir_err
bfl_poll_build(const struct ir_call *c, const char *url,
               struct ir_http_req *out, struct ir_error *err)
{
    const char *prov = ir_providers_common_provider_name(c, BFL_NAME);
    char host[256];
    ir_err e;

    if (!bfl_host(url, host, sizeof host)) {
        ir_error_set(err, 502, "%s: the polling URL is not an http(s) URL",
                     prov);
        err->retryable = true;
        ir_error_meta_str(err, "provider_name", prov);
        return IR_EINVAL;
    }
    if ((e = ir_providers_common_url(out, "GET", "%s", url)))
        return e;
    if (c->api_key != NULL && bfl_trusted(c, url) &&
        (e = ir_http_req_header(out, "x-key", "%s", c->api_key)))
        return e;
    return ir_http_req_header(out, "Accept", "application/json");
}

static ir_err
bfl_status(const struct ir_call *c, const struct ir_http_resp *r,
           const char *prov, const json_t *root, const char *status,
           struct ir_gen_result *out, struct ir_error *err)
{
    struct ir_providers_failure f = {0};
    const json_t *details = json_object_get(root, "details"); /* borrowed */
    const json_t *reasons, *v; /* borrowed */
    const char *sample;
    struct ir_buf msg;
    size_t i;
    ir_err e;

    if (strcmp(status, "Ready") == 0) {
        sample = json_string_value(json_object_get(
            json_object_get(root, "result"), "sample"));
        if (sample != NULL && sample[0] != '\0') {
            char *big; /* a data: URL can be big */

            sample = ir_providers_common_str(r, sample, &big);
            e = sample != NULL ? ir_providers_common_add_url(out, sample)
                               : IR_ENOMEM;
            ir_free(big);
            if (e != IR_OK)
                return e;
            out->outcome = IR_PARSE_DONE;
            return IR_OK;
        }
        f.no_image = true;
        f.message = "Ready without result.sample";
    } else if (strcmp(status, "Request Moderated") == 0 ||
               strcmp(status, "Content Moderated") == 0) {
        f.content_policy = true;
        f.code = status;
        ir_buf_init(&msg, 512);
        reasons = json_object_get(details, "Moderation Reasons");
        if (ir_buf_addf(&msg, "%s", status) != IR_OK) {
            ir_buf_cleanup(&msg);
            return IR_ENOMEM;
        }
        json_array_foreach(reasons, i, v) {
            if (json_is_string(v) &&
                ir_buf_addf(&msg, "%s%s", i ? ", " : ": ",
                            json_string_value(v)) != IR_OK)
                break;
        }
        f.message = msg.data;
        ir_providers_common_fail(c, r, prov, &f, err);
        ir_buf_cleanup(&msg);
        if (json_is_array(reasons))
            ir_error_meta_json(err, "moderation_reasons",
                               json_deep_copy(reasons));
        return IR_EUPSTREAM;
    } else if (strcmp(status, "Error") == 0 || strcmp(status, "Failed") == 0 ||
               strcmp(status, "Task not found") == 0) {
        f.code = status;
        f.message = json_string_value(json_object_get(root, "error"));
        if (f.message == NULL)
            f.message = json_string_value(json_object_get(details, "error"));
        if (f.message == NULL)
            f.message = status;
    } else {
        /* Pending, Reasoning, Generating, Queued...: poll again. */
        out->outcome = IR_PARSE_POLL;
        out->poll_after_ms = (int)ir_providers_common_config_int(
            c, "poll_interval_ms", 500);
        return IR_OK;
    }
    ir_providers_common_fail(c, r, prov, &f, err);
    return IR_EUPSTREAM;
}

static ir_err
bfl_parse(const struct ir_call *c, const struct ir_http_resp *r,
          struct ir_gen_result *out, struct ir_error *err)
{
    const char *prov = ir_providers_common_provider_name(c, BFL_NAME);
    struct ir_providers_failure f = {0};
    json_t *root = ir_providers_common_json(r); /* owned */
    const char *poll, *status;
    ir_err e = IR_EUPSTREAM;

    if (!ir_providers_common_ok(r)) {
        ir_providers_common_error_fields(root, &f.message, &f.code);
        f.quota = r->status == 402;
        ir_providers_common_fail(c, r, prov, &f, err);
        goto out;
    }
    if (!ir_providers_common_check_body(c, r, prov, root, err))
        goto out;
    poll = json_string_value(json_object_get(root, "polling_url"));
    status = json_string_value(json_object_get(root, "status"));
    if (status == NULL)
        status = json_string_value(json_object_get(root, "state"));
    if (poll != NULL && poll[0] != '\0') {
        if ((out->poll_url = ir_strdup(poll)) == NULL) {
            e = IR_ENOMEM;
            goto out;
        }
        out->outcome = IR_PARSE_POLL;
        out->poll_after_ms = (int)ir_providers_common_config_int(
            c, "poll_interval_ms", 500);
        e = IR_OK;
    } else if (status != NULL) {
        e = bfl_status(c, r, prov, root, status, out, err);
    } else {
        f.no_image = true;
        f.message = "neither a polling_url nor a status";
        ir_providers_common_fail(c, r, prov, &f, err);
    }
out:
    json_decref(root);
    return e;
}
