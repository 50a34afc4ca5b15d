/* SPDX-License-Identifier: Apache-2.0
 * api/auth.c - API key check: hash the bearer token, look it up on a store
 * thread, then judge it on the loop (disabled, expired, wrong kind).
 */
#include "api/auth.h"

#include <string.h>
#include <strings.h>

#include "api/reply.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/time.h"

struct auth_job {
    struct ir_exchange *x;
    enum ir_auth_need need;
    ir_api_auth_cb *cb;
    void *arg;
    char hash[IR_KEY_HASH_LEN + 1];
    struct ir_key key;
    ir_err err;
};

static void
auth_lookup(struct ir_store_conn *c, void *arg)
{
    struct auth_job *j = arg;

    j->err = ir_store_key_get(c, j->hash, &j->key, NULL);
}

enum ir_auth_verdict
ir_api_auth_judge(ir_err lookup, const struct ir_key *key,
                  enum ir_auth_need need, int64_t now)
{
    if (lookup == IR_ENOTFOUND)
        return IR_AUTH_UNKNOWN;
    if (lookup != IR_OK)
        return IR_AUTH_STORE_ERROR;
    if (key->disabled)
        return IR_AUTH_DISABLED;
    if (key->expires_at != 0 && key->expires_at <= now)
        return IR_AUTH_EXPIRED;
    if (need == IR_AUTH_MANAGEMENT && !key->management)
        return IR_AUTH_NOT_MANAGEMENT;
    if (need == IR_AUTH_GENERATE && key->management)
        return IR_AUTH_IS_MANAGEMENT;
    return IR_AUTH_OK;
}

void
ir_api_auth_refuse(struct ir_exchange *x, enum ir_auth_verdict v,
                   const struct ir_key *key)
{
    switch (v) {
    case IR_AUTH_OK:
        break;
    case IR_AUTH_UNKNOWN:
        ir_api_reply_status(x, 401, "authentication",
                            "Invalid API key: no such key");
        break;
    case IR_AUTH_STORE_ERROR:
        ir_api_reply_status(x, 500, "server", "store error");
        break;
    case IR_AUTH_DISABLED:
        ir_api_reply_status(x, 401, "authentication",
                            "API key %s is disabled", key->label);
        break;
    case IR_AUTH_EXPIRED:
        ir_api_reply_status(x, 401, "authentication",
                            "API key %s has expired", key->label);
        break;
    case IR_AUTH_NOT_MANAGEMENT:
        ir_api_reply_status(x, 403, "permission_denied",
                            "Only management keys can perform this "
                            "operation");
        break;
    case IR_AUTH_IS_MANAGEMENT:
        ir_api_reply_status(x, 403, "permission_denied",
                            "Management keys administer keys and cannot "
                            "generate images; use an ordinary key");
        break;
    }
}

static void
auth_done(void *arg)
{
    struct auth_job *j = arg;
    struct ir_exchange *x = j->x;
    enum ir_auth_verdict v;

    v = ir_api_auth_judge(j->err, &j->key, j->need, ir_time_unix());
    if (ir_exchange_aborted(x)) {
        ir_exchange_reply(x, 499, NULL, NULL, 0); /* nobody listens */
        v = IR_AUTH_UNKNOWN;
    } else {
        ir_api_auth_refuse(x, v, &j->key);
    }
    j->cb(v == IR_AUTH_OK ? x : NULL, v == IR_AUTH_OK ? &j->key : NULL,
          j->arg);
    ir_free(j);
}

bool
ir_api_auth_bearer(struct ir_exchange *x, char hash[IR_KEY_HASH_LEN + 1])
{
    const char *h = ir_exchange_header(x, "Authorization");

    while (h != NULL && (*h == ' ' || *h == '\t'))
        h++;
    if (h == NULL || h[0] == '\0') {
        ir_api_reply_status(x, 401, "authentication",
                            "Missing Authentication header: send "
                            "'Authorization: Bearer <key>'");
        return false;
    }
    if (strncasecmp(h, "Bearer ", 7) != 0 || h[7] == '\0') {
        ir_api_reply_status(x, 401, "authentication",
                            "Malformed Authorization header: expected "
                            "'Bearer <key>'");
        return false;
    }
    h += 7;
    while (*h == ' ')
        h++;
    ir_store_key_hash(h, hash);
    return true;
}

void
ir_api_auth(struct ir_server *srv, struct ir_exchange *x,
            enum ir_auth_need need, ir_api_auth_cb *cb, void *arg)
{
    struct auth_job *j = ir_calloc(1, sizeof *j);

    if (j == NULL) {
        ir_api_reply_status(x, 500, "server", "out of memory");
        cb(NULL, NULL, arg);
        return;
    }
    if (!ir_api_auth_bearer(x, j->hash)) {
        ir_free(j);
        cb(NULL, NULL, arg);
        return;
    }
    j->x = x;
    j->need = need;
    j->cb = cb;
    j->arg = arg;
    if (ir_store_run(srv->store, auth_lookup, auth_done, j) != IR_OK) {
        ir_free(j);
        ir_api_reply_status(x, 500, "server", "store unavailable");
        cb(NULL, NULL, arg);
    }
}
