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

/* The pieces of ir_api_auth, for a caller that looks the key up inside
 * a store job of its own (POST /images: key and credit hold together). */

/* The bearer token's key hash into hash; false once x has been answered
 * (401: no or malformed Authorization header). */
bool ir_api_auth_bearer(struct ir_exchange *x,
                        char hash[IR_KEY_HASH_LEN + 1]) IR_MUST_CHECK;

enum ir_auth_verdict {
    IR_AUTH_OK,
    IR_AUTH_UNKNOWN,        /* no such key: 401 */
    IR_AUTH_STORE_ERROR,    /* 500 */
    IR_AUTH_DISABLED,       /* 401 */
    IR_AUTH_EXPIRED,        /* 401 */
    IR_AUTH_NOT_MANAGEMENT, /* 403 */
    IR_AUTH_IS_MANAGEMENT,  /* 403 */
};

/* Whether a key looked up with result lookup will do for need at now
 * (unix s). Pure: any thread. */
enum ir_auth_verdict ir_api_auth_judge(ir_err lookup,
                                       const struct ir_key *key,
                                       enum ir_auth_need need, int64_t now);
/* Answers x for a verdict other than IR_AUTH_OK. */
void ir_api_auth_refuse(struct ir_exchange *x, enum ir_auth_verdict v,
                        const struct ir_key *key);

#endif
