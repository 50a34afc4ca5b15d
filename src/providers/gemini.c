/* SPDX-License-Identifier: Apache-2.0
 * providers/gemini.c - Gemini image models on Google AI Studio (the
 * Gemini Developer API): POST {base}/v1beta/models/{model}:generateContent
 * with an x-goog-api-key header. config: "api_version" (default v1beta),
 * "response_modalities" (default "TEXT,IMAGE").
 */
#include "providers/provider.h"

#include "providers/common.h"
#include "providers/gemini_common.h"
#include "providers/registry.h"

#define GEMINI_NAME "Google AI Studio"

static ir_err gemini_build(const struct ir_call *c, struct ir_http_req *out,
                           struct ir_error *err) IR_MUST_CHECK;
static ir_err gemini_parse(const struct ir_call *c,
                           const struct ir_http_resp *r,
                           struct ir_gen_result *out, struct ir_error *err)
    IR_MUST_CHECK;

const struct ir_provider ir_provider_gemini = {
    .name = "gemini",
    .mode = IR_ENGINE_SYNC,
    .default_key_env = "GEMINI_API_KEY",
    .default_base_url_env = "GEMINI_BASE_URL",
    .default_base_url = "https://generativelanguage.googleapis.com",
    .build = gemini_build,
    .parse = gemini_parse,
};

static ir_err
gemini_build(const struct ir_call *c, struct ir_http_req *out,
             struct ir_error *err)
{
    const char *prov = ir_providers_common_provider_name(c, GEMINI_NAME);
    const char *ver = ir_providers_common_config_str(c, "api_version",
                                                     "v1beta");
    ir_err e;

    if (!ir_providers_common_path_safe(c->upstream_model) ||
        !ir_providers_common_path_safe(ver)) {
        ir_providers_common_misconfigured(prov, "bad model id", err);
        return IR_EINVAL;
    }
    if ((e = ir_providers_gemini_common_body(c, prov, false, out, err)))
        return e;
    if ((e = ir_providers_common_url(out, "POST",
                                     "%s/%s/models/%s:generateContent",
                                     c->base_url, ver, c->upstream_model)))
        return e;
    if (c->api_key != NULL &&
        (e = ir_http_req_header(out, "x-goog-api-key", "%s", c->api_key)))
        return e;
    return ir_http_req_header(out, "Accept", "application/json");
}

static ir_err
gemini_parse(const struct ir_call *c, const struct ir_http_resp *r,
             struct ir_gen_result *out, struct ir_error *err)
{
    return ir_providers_gemini_common_parse(
        c, ir_providers_common_provider_name(c, GEMINI_NAME), r, out, err);
}
