/* SPDX-License-Identifier: Apache-2.0
 * api/account.h - what the account surfaces (key.c, keys.c, credits.c,
 * activity.c) share: one authenticated store operation per request, USD
 * amounts and ISO times in JSON, and the JSON reply.
 */
#ifndef IR_API_ACCOUNT_H
#define IR_API_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "api/auth.h"
#include "server/exchange.h"
#include "server/server.h"
#include "store/store.h"

struct ir_api_account_op;

/* On the loop, once the store work is done: answer op->x. */
typedef void ir_api_account_finish_fn(struct ir_api_account_op *op);
/* On the loop, once the key checks out and before the store work:
 * validate the request; false = it has answered (a 400). */
typedef bool ir_api_account_prepare_fn(struct ir_api_account_op *op);

/* The head of every account request's state; the handler's own struct
 * embeds it first and is allocated with ir_calloc. */
struct ir_api_account_op {
    struct ir_server *srv;
    struct ir_exchange *x;
    struct ir_key caller;              /* the authenticated key */
    ir_api_account_prepare_fn *prepare; /* optional */
    ir_store_fn *work;                 /* on a store thread */
    ir_api_account_finish_fn *finish;  /* on the loop; must reply */
    ir_err err;                        /* for work to set */
    char diag[256];                    /* for work to set */
};

/* Checks the caller's key (answering 401/403 itself), runs op->prepare,
 * op->work on a store thread, then op->finish on the loop, then frees op
 * (ir_free). op is consumed in every case. */
void ir_api_account_run(struct ir_server *srv, struct ir_exchange *x,
                        enum ir_auth_need need,
                        struct ir_api_account_op *op);

/* A USD number from nanos; IR_NANOS_NONE gives null. */
json_t *ir_api_account_usd(int64_t nanos);
/* "2027-12-31T23:59:59Z" from unix seconds; 0 gives null. */
json_t *ir_api_account_time(int64_t unix_s);
/* The key's per-key request limit: OpenRouter's legacy rate_limit shape
 * (requests, interval, note) plus our interval_s. */
json_t *ir_api_account_rate_limit(const struct ir_key *k);

/* Sets the fields a key shares between GET /key and the /keys objects:
 * limit, limit_remaining, limit_reset, include_byok_in_limit, usage,
 * usage_daily/weekly/monthly, byok_usage* (0), expires_at,
 * creator_user_id, workspace_id, rate_limit. false on out of memory. */
bool ir_api_account_key_fields(json_t *o, const struct ir_key *k,
                               const struct ir_key_usage *u);

/* ISO 8601 UTC ("2027-12-31T23:59:59Z", optional fraction, "Z" or
 * "+00:00") into unix seconds. false for anything else, incl. other
 * time zones. */
bool ir_api_account_parse_time(const char *s, int64_t *out);
/* "YYYY-MM-DD" into the unix seconds of that UTC midnight. */
bool ir_api_account_parse_date(const char *s, int64_t *out);
/* A JSON number of USD (>= 0, at most 9 decimals) into nanos. */
bool ir_api_account_parse_usd(const json_t *v, int64_t *out_nanos);

/* The request body as a JSON object, or a 400 sent (and NULL). */
json_t *ir_api_account_body(struct ir_exchange *x);

/* Replies with owned_json (consumed). Numbers print with 15 significant
 * digits, so USD amounts read back as the decimals they are (exact below
 * one million dollars at nano precision). */
void ir_api_account_reply(struct ir_exchange *x, int status,
                          json_t *owned_json);

#endif
