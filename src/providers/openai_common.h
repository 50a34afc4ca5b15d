/* SPDX-License-Identifier: Apache-2.0
 * providers/openai_common.h - the OpenAI Images wire format, shared by the
 * openai adapter (api.openai.com and any OpenAI-compatible server) and the
 * azure adapter, which differ only in URL and auth header.
 */
#ifndef IR_PROVIDERS_OPENAI_COMMON_H
#define IR_PROVIDERS_OPENAI_COMMON_H

#include <stdbool.h>

#include "providers/provider.h"

/* Builds the body: JSON for /images/generations, or multipart for
 * /images/edits when the call carries reference images (*edits true).
 * The caller sets URL, method and auth. model is sent unless NULL. */
ir_err ir_providers_openai_common_body(const struct ir_call *c,
                                       const char *prov, const char *model,
                                       bool *edits, struct ir_http_req *out,
                                       struct ir_error *err) IR_MUST_CHECK;

ir_err ir_providers_openai_common_parse(const struct ir_call *c,
                                        const char *prov,
                                        const struct ir_http_resp *r,
                                        struct ir_gen_result *out,
                                        struct ir_error *err) IR_MUST_CHECK;

ir_err ir_providers_openai_common_stream_event(const struct ir_call *c,
                                               const char *prov,
                                               const char *event,
                                               const char *data, size_t len,
                                               struct ir_stream_ev *out,
                                               struct ir_error *err)
    IR_MUST_CHECK;

#endif
