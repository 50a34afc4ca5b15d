/* SPDX-License-Identifier: Apache-2.0
 * providers/azure.c - OpenAI image models through an Azure OpenAI
 * deployment: {endpoint}/openai/deployments/{deployment}/images/
 * generations?api-version=..., "api-key" header; bodies, responses and
 * streaming as OpenAI's. config: "deployment" (default: upstream_model),
 * "api_version" (default 2025-04-01-preview; "v1" selects the
 * {endpoint}/openai/v1/images/... surface with the deployment as model).
 */
#include "providers/provider.h"

#include <string.h>

#include "providers/common.h"
#include "providers/openai_common.h"
#include "providers/registry.h"

#define AZURE_NAME "Azure"
#define AZURE_API_VERSION "2025-04-01-preview"

static ir_err azure_build(const struct ir_call *c, struct ir_http_req *out,
                          struct ir_error *err) IR_MUST_CHECK;
static ir_err azure_parse(const struct ir_call *c,
                          const struct ir_http_resp *r,
                          struct ir_gen_result *out, struct ir_error *err)
    IR_MUST_CHECK;
static ir_err azure_stream_event(const struct ir_call *c, const char *event,
                                 const char *data, size_t len,
                                 struct ir_stream_ev *out,
                                 struct ir_error *err) IR_MUST_CHECK;

const struct ir_provider ir_provider_azure = {
    .name = "azure",
    .mode = IR_ENGINE_SYNC,
    .default_key_env = "AZURE_OPENAI_API_KEY",
    .default_base_url_env = "AZURE_OPENAI_ENDPOINT",
    .default_base_url = NULL, /* per resource: no default */
    .build = azure_build,
    .parse = azure_parse,
    .stream_event = azure_stream_event,
};

static ir_err
azure_build(const struct ir_call *c, struct ir_http_req *out,
            struct ir_error *err)
{
    const char *prov = ir_providers_common_provider_name(c, AZURE_NAME);
    const char *dep, *ver;
    bool edits = false, v1;
    ir_err e;

    dep = ir_providers_common_config_str(c, "deployment", c->upstream_model);
    ver = ir_providers_common_config_str(c, "api_version", AZURE_API_VERSION);
    if (c->base_url == NULL || c->base_url[0] == '\0') {
        ir_providers_common_misconfigured(prov, "no endpoint URL", err);
        return IR_EINVAL;
    }
    if (!ir_providers_common_path_safe(dep) ||
        !ir_providers_common_path_safe(ver)) {
        ir_providers_common_misconfigured(prov, "bad deployment or "
                                          "api_version", err);
        return IR_EINVAL;
    }
    v1 = strcmp(ver, "v1") == 0;
    if ((e = ir_providers_openai_common_body(c, prov, v1 ? dep : NULL,
                                             &edits, out, err)) != IR_OK)
        return e;
    if (v1)
        e = ir_providers_common_url(out, "POST", "%s/openai/v1/images/%s",
                                    c->base_url,
                                    edits ? "edits" : "generations");
    else
        e = ir_providers_common_url(out, "POST",
                                    "%s/openai/deployments/%s/images/%s"
                                    "?api-version=%s", c->base_url, dep,
                                    edits ? "edits" : "generations", ver);
    if (e != IR_OK)
        return e;
    if (c->api_key != NULL && c->api_key[0] != '\0')
        e = ir_http_req_header(out, "api-key", "%s", c->api_key);
    else if (c->access_token != NULL)
        e = ir_http_req_header(out, "Authorization", "Bearer %s",
                               c->access_token);
    if (e != IR_OK)
        return e;
    return ir_http_req_header(out, "Accept", c->stream ? "text/event-stream"
                                                       : "application/json");
}

static ir_err
azure_parse(const struct ir_call *c, const struct ir_http_resp *r,
            struct ir_gen_result *out, struct ir_error *err)
{
    return ir_providers_openai_common_parse(
        c, ir_providers_common_provider_name(c, AZURE_NAME), r, out, err);
}

static ir_err
azure_stream_event(const struct ir_call *c, const char *event,
                   const char *data, size_t len, struct ir_stream_ev *out,
                   struct ir_error *err)
{
    return ir_providers_openai_common_stream_event(
        c, ir_providers_common_provider_name(c, AZURE_NAME), event, data,
        len, out, err);
}
