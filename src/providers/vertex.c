/* SPDX-License-Identifier: Apache-2.0
 * providers/vertex.c - Gemini image models on Vertex AI:
 * POST {base}/v1/projects/{project}/locations/{location}/publishers/google/
 * models/{model}:generateContent with "Authorization: Bearer <token>".
 * The token is the engine's OAuth access token (c->access_token, from a
 * service account through vertex_auth.c) or a static one (c->api_key,
 * VERTEX_ACCESS_TOKEN). config: "project" (required), "location"
 * (default "global"), "api_version" (default v1). Without an explicit
 * base URL the host follows the location: aiplatform.googleapis.com for
 * global, {location}-aiplatform.googleapis.com otherwise.
 */
#include "providers/provider.h"
#include "providers/vertex_auth.h"

#include <stdio.h>
#include <string.h>

#include "providers/common.h"
#include "providers/gemini_common.h"
#include "providers/registry.h"

#define VERTEX_NAME "Google Vertex"
#define VERTEX_GLOBAL_HOST "https://aiplatform.googleapis.com"

static ir_err vertex_build(const struct ir_call *c, struct ir_http_req *out,
                           struct ir_error *err) IR_MUST_CHECK;
static ir_err vertex_parse(const struct ir_call *c,
                           const struct ir_http_resp *r,
                           struct ir_gen_result *out, struct ir_error *err)
    IR_MUST_CHECK;

/* Signs a JWT with the service account's key and asks its token_uri. */
static ir_err
vertex_auth_build(const char *credentials, size_t len, long long now,
                  struct ir_http_req *out, struct ir_error *err)
{
    struct ir_vertex_sa sa;
    struct ir_diag d = {{0}};
    ir_err e;

    memset(&sa, 0, sizeof sa);
    if ((e = ir_providers_vertex_auth_sa_parse(credentials, len, &sa, &d)) ==
        IR_OK)
        e = ir_providers_vertex_auth_build(&sa, now, out, &d);
    ir_providers_vertex_auth_sa_cleanup(&sa);
    if (e != IR_OK) {
        ir_error_set(err, 502, "Google Vertex: service-account credentials "
                               "unusable: %s", d.msg);
        err->retryable = true;
    }
    return e;
}

const struct ir_provider ir_provider_vertex = {
    .name = "vertex",
    .mode = IR_ENGINE_SYNC,
    .default_key_env = "VERTEX_ACCESS_TOKEN",
    .default_base_url_env = "VERTEX_BASE_URL",
    .default_base_url = VERTEX_GLOBAL_HOST,
    .build = vertex_build,
    .parse = vertex_parse,
    .auth_build = vertex_auth_build,
    .auth_parse = ir_providers_vertex_auth_parse,
};

static ir_err
vertex_build(const struct ir_call *c, struct ir_http_req *out,
             struct ir_error *err)
{
    const char *prov = ir_providers_common_provider_name(c, VERTEX_NAME);
    const char *project = ir_providers_common_config_str(c, "project", NULL);
    const char *loc = ir_providers_common_config_str(c, "location", "global");
    const char *ver = ir_providers_common_config_str(c, "api_version", "v1");
    const char *token = c->access_token != NULL ? c->access_token
                                                : c->api_key;
    char host[160];
    const char *base = c->base_url;
    ir_err e;

    if (!ir_providers_common_path_safe(project) ||
        !ir_providers_common_path_safe(loc) ||
        !ir_providers_common_path_safe(ver) ||
        !ir_providers_common_path_safe(c->upstream_model)) {
        ir_providers_common_misconfigured(prov, "project, location or model "
                                          "missing or malformed", err);
        return IR_EINVAL;
    }
    if (token == NULL || token[0] == '\0') {
        ir_providers_common_misconfigured(prov, "no access token", err);
        return IR_EINVAL;
    }
    /* Regional locations live on their own host. */
    if ((base == NULL || base[0] == '\0' ||
         strcmp(base, VERTEX_GLOBAL_HOST) == 0) &&
        strcmp(loc, "global") != 0) {
        (void)snprintf(host, sizeof host, "https://%s-aiplatform.googleapis"
                       ".com", loc);
        base = host;
    } else if (base == NULL || base[0] == '\0') {
        base = VERTEX_GLOBAL_HOST;
    }
    if ((e = ir_providers_gemini_common_body(c, prov, true, out, err)))
        return e;
    if ((e = ir_providers_common_url(out, "POST",
                                     "%s/%s/projects/%s/locations/%s/"
                                     "publishers/google/models/%s:"
                                     "generateContent", base, ver, project,
                                     loc, c->upstream_model)))
        return e;
    if ((e = ir_http_req_header(out, "Authorization", "Bearer %s", token)))
        return e;
    return ir_http_req_header(out, "Accept", "application/json");
}

static ir_err
vertex_parse(const struct ir_call *c, const struct ir_http_resp *r,
             struct ir_gen_result *out, struct ir_error *err)
{
    return ir_providers_gemini_common_parse(
        c, ir_providers_common_provider_name(c, VERTEX_NAME), r, out, err);
}
