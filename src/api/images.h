/* SPDX-License-Identifier: Apache-2.0
 * api/images.h - one generation request from HTTP to response, shared by
 * the OpenRouter route and the OpenAI-compatible one (which differ only
 * in how the body is read and the answer written).
 */
#ifndef IR_API_IMAGES_H
#define IR_API_IMAGES_H

#include "api/image_response.h"
#include "core/error.h"
#include "core/request.h"
#include "server/exchange.h"
#include "server/server.h"

typedef ir_err ir_api_images_parse_fn(const char *body, size_t len,
                                      struct ir_request *out,
                                      struct ir_error *err);

void ir_api_images_handle(struct ir_server *srv, struct ir_exchange *x,
                          enum ir_api_flavor flavor,
                          ir_api_images_parse_fn *parse);

#endif
