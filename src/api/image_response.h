/* SPDX-License-Identifier: Apache-2.0
 * api/image_response.h - renders generation results as response bytes:
 * the OpenRouter JSON body and SSE events, and OpenAI's shapes. Written
 * straight into a buffer, base64 encoded in place (or the provider's
 * base64 copied as it is, when kept): a 4K image is tens of megabytes and
 * is not worth a JSON tree and a copy.
 */
#ifndef IR_API_IMAGE_RESPONSE_H
#define IR_API_IMAGE_RESPONSE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/pricing.h"
#include "core/request.h"
#include "providers/provider.h"
#include "util/buf.h"

enum ir_api_flavor {
    IR_API_OPENROUTER, /* POST /api/v1/images */
    IR_API_OPENAI,     /* POST /v1/images/generations */
};

/* What goes in "usage". */
struct ir_api_usage {
    struct ir_usage tokens;
    struct ir_cost cost;
    size_t nimages;
};

/* USD with up to 9 decimals and no trailing zeros: "0.0448255". */
void ir_api_format_usd(int64_t nanos, char *buf, size_t size);

/* When out is empty and the only image's base64 has a heap block of its
 * own, the answer is built in that block and the image gives it up
 * (b64 NULL afterwards; format, w, h and len stay). The answer is
 * out->data + *skip .. out->len: the bytes before it are the provider's,
 * left where they were (send with ir_exchange_reply_owned_at). */
ir_err ir_api_render_json(enum ir_api_flavor f, const struct ir_request *req,
                          int64_t created, struct ir_gen_result *res,
                          const struct ir_api_usage *u, struct ir_buf *out,
                          size_t *skip) IR_MUST_CHECK;

/* One SSE event "data: {...}\n\n" (OpenAI: with an "event:" line). */
ir_err ir_api_render_partial(enum ir_api_flavor f,
                             const struct ir_request *req, int64_t created,
                             int index, const char *b64, size_t len,
                             const struct ir_geom_target *geom,
                             struct ir_buf *out) IR_MUST_CHECK;
/* The completed event for image i; usage only when last. When out is
 * empty the image's base64 block is adopted as by ir_api_render_json and
 * *skip set; otherwise *skip is left alone (the caller starts it at 0). */
ir_err ir_api_render_completed(enum ir_api_flavor f,
                               const struct ir_request *req, int64_t created,
                               struct ir_gen_image *im,
                               const struct ir_api_usage *u, bool last,
                               struct ir_buf *out, size_t *skip)
    IR_MUST_CHECK;
/* An error event after the stream began, then [DONE]. */
ir_err ir_api_render_stream_error(enum ir_api_flavor f, int status,
                                  const char *message, struct ir_buf *out)
    IR_MUST_CHECK;

#endif
