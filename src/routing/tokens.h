/* SPDX-License-Identifier: Apache-2.0
 * routing/tokens.h - OAuth access tokens obtained by the engine for
 * endpoints configured with credentials files, cached until shortly
 * before they expire. Per process: any instance can get its own token.
 */
#ifndef IR_ROUTING_TOKENS_H
#define IR_ROUTING_TOKENS_H

#include <stdint.h>

#include "util/err.h"

struct ir_tokens;

ir_err ir_routing_tokens_new(struct ir_tokens **out) IR_MUST_CHECK;
void ir_routing_tokens_free(struct ir_tokens *t);
/* The cached token for these credentials, or NULL when none is valid at
 * now_ms (monotonic). Borrowed until the next put. */
const char *ir_routing_tokens_get(struct ir_tokens *t,
                                  const char *credentials, int64_t now_ms);
/* Caches owned_token (consumed) until expires_ms (monotonic). */
ir_err ir_routing_tokens_put(struct ir_tokens *t, const char *credentials,
                             char *owned_token, int64_t expires_ms)
    IR_MUST_CHECK;

#endif
