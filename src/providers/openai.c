/* SPDX-License-Identifier: Apache-2.0
 * providers/openai.c - the OpenAI Images API (api.openai.com, or any
 * OpenAI-compatible server: LocalAI, stable-diffusion.cpp's server):
 * POST {base}/images/generations (JSON), or /images/edits (multipart)
 * when references are sent; native SSE streaming with partial images.
 */
#include "providers/provider.h"

#include "providers/common.h"
#include "providers/openai_common.h"
#include "providers/registry.h"

#define OPENAI_NAME "OpenAI"

static ir_err openai_build(const struct ir_call *c, struct ir_http_req *out,
                           struct ir_error *err) IR_MUST_CHECK;
static ir_err openai_parse(const struct ir_call *c,
                           const struct ir_http_resp *r,
                           struct ir_gen_result *out, struct ir_error *err)
    IR_MUST_CHECK;
static ir_err openai_stream_event(const struct ir_call *c, const char *event,
                                  const char *data, size_t len,
                                  struct ir_stream_ev *out,
                                  struct ir_error *err) IR_MUST_CHECK;

const struct ir_provider ir_provider_openai = {
    .name = "openai",
    .mode = IR_ENGINE_SYNC,
    .default_key_env = "OPENAI_API_KEY",
    .default_base_url_env = "OPENAI_BASE_URL",
    .default_base_url = "https://api.openai.com/v1",
    .build = openai_build,
    .parse = openai_parse,
    .stream_event = openai_stream_event,
};

static ir_err
openai_build(const struct ir_call *c, struct ir_http_req *out,
             struct ir_error *err)
{
    const char *prov = ir_providers_common_provider_name(c, OPENAI_NAME);
    bool edits = false;
    ir_err e;

    if ((e = ir_providers_openai_common_body(c, prov, c->upstream_model,
                                             &edits, out, err)) != IR_OK)
        return e;
    if ((e = ir_providers_common_url(out, "POST", "%s/images/%s",
                                     c->base_url,
                                     edits ? "edits" : "generations")))
        return e;
    /* Local OpenAI-compatible servers may need no key at all. */
    if (c->api_key != NULL && c->api_key[0] != '\0' &&
        (e = ir_http_req_header(out, "Authorization", "Bearer %s",
                                c->api_key)) != IR_OK)
        return e;
    if (c->stream)
        return ir_http_req_header(out, "Accept", "text/event-stream");
    return ir_http_req_header(out, "Accept", "application/json");
}

static ir_err
openai_parse(const struct ir_call *c, const struct ir_http_resp *r,
             struct ir_gen_result *out, struct ir_error *err)
{
    return ir_providers_openai_common_parse(
        c, ir_providers_common_provider_name(c, OPENAI_NAME), r, out, err);
}

static ir_err
openai_stream_event(const struct ir_call *c, const char *event,
                    const char *data, size_t len, struct ir_stream_ev *out,
                    struct ir_error *err)
{
    return ir_providers_openai_common_stream_event(
        c, ir_providers_common_provider_name(c, OPENAI_NAME), event, data,
        len, out, err);
}
