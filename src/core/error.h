/* SPDX-License-Identifier: Apache-2.0
 * core/error.h - an API error: HTTP status, message, metadata. Rendered
 * as {"error":{"code":N,"message":"...","metadata":{...}}}.
 */
#ifndef IR_CORE_ERROR_H
#define IR_CORE_ERROR_H

#include <stdbool.h>

#include <jansson.h>

#include "util/err.h"

struct ir_error {
    int status;          /* HTTP status == error.code; 0 = no error */
    char message[512];
    json_t *metadata;    /* owned, object or NULL */
    bool retryable;      /* may the router try another endpoint? */
    int retry_after_s;   /* from the provider; 0 = none */
};

void ir_error_init(struct ir_error *e);
void ir_error_cleanup(struct ir_error *e);
/* Sets status and message; keeps metadata already set. */
void ir_error_set(struct ir_error *e, int status, const char *fmt, ...)
    IR_PRINTF(3, 4);
/* metadata[key] = value (string); no-op on allocation failure. */
void ir_error_meta_str(struct ir_error *e, const char *key, const char *val);
void ir_error_meta_int(struct ir_error *e, const char *key, long long val);
/* metadata[key] = owned_val (any JSON value); owned_val is consumed. */
void ir_error_meta_json(struct ir_error *e, const char *key, json_t *owned_val);
/* Moves src into dst (dst cleaned first); src is left empty. */
void ir_error_move(struct ir_error *dst, struct ir_error *src);
/* The response body; caller frees with ir_free. Masks 500 messages. */
char *ir_error_to_json(const struct ir_error *e);

#endif
