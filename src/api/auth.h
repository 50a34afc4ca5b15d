/* SPDX-License-Identifier: Apache-2.0
 * api/auth.h - resolves "Authorization: Bearer <key>" to a stored key, off
 * the event loop, and answers 401/403 itself when the key will not do.
 */
#ifndef IR_API_AUTH_H
#define IR_API_AUTH_H

#include "server/exchange.h"
#include "server/server.h"
#include "store/store.h"

enum ir_auth_need {
    IR_AUTH_ANY,        /* any valid key (GET /key) */
    IR_AUTH_GENERATE,   /* an ordinary key */
    IR_AUTH_MANAGEMENT, /* a management key */
};

/* Runs with the caller's key once it checks out. When it does not, the
 * exchange has been answered (401/403) and cb runs with key == NULL so
 * the caller can free its state. key is borrowed for the call. */
typedef void ir_api_auth_cb(struct ir_exchange *x, const struct ir_key *key,
                            void *arg);

void ir_api_auth(struct ir_server *srv, struct ir_exchange *x,
                 enum ir_auth_need need, ir_api_auth_cb *cb, void *arg);

#endif
