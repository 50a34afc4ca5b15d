/* SPDX-License-Identifier: Apache-2.0
 * api/reply.h - JSON replies and errors shared by the API handlers.
 */
#ifndef IR_API_REPLY_H
#define IR_API_REPLY_H

#include <jansson.h>

#include "core/error.h"
#include "server/exchange.h"

/* Replies with owned_json (consumed) rendered compactly. */
void ir_api_reply_json(struct ir_exchange *x, int status, json_t *owned_json);
/* Replies with an error built in place. */
void ir_api_reply_status(struct ir_exchange *x, int status,
                         const char *error_type, const char *fmt, ...)
    IR_PRINTF(4, 5);
/* A json_string that never fails on invalid UTF-8 (bytes become U+FFFD). */
json_t *ir_api_json_string(const char *s);

#endif
