/* SPDX-License-Identifier: Apache-2.0
 * providers/gemini_common.h - the Gemini generateContent wire format for
 * image models, shared by the gemini (AI Studio) and vertex adapters.
 */
#ifndef IR_PROVIDERS_GEMINI_COMMON_H
#define IR_PROVIDERS_GEMINI_COMMON_H

#include <stdbool.h>

#include "providers/provider.h"

/* Sets the JSON body (the caller sets URL, method and auth). vertex adds
 * the Vertex-only imageConfig.imageOutputOptions for output_format. */
ir_err ir_providers_gemini_common_body(const struct ir_call *c,
                                       const char *prov, bool vertex,
                                       struct ir_http_req *out,
                                       struct ir_error *err) IR_MUST_CHECK;

/* Images from candidates[].content.parts[].inlineData; content blocks
 * (HTTP 200 with promptFeedback.blockReason or a safety finishReason)
 * become 400 content_policy_violation. */
ir_err ir_providers_gemini_common_parse(const struct ir_call *c,
                                        const char *prov,
                                        const struct ir_http_resp *r,
                                        struct ir_gen_result *out,
                                        struct ir_error *err) IR_MUST_CHECK;

#endif
