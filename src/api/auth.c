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

static void
auth_done(void *arg)
{
    struct auth_job *j = arg;
    struct ir_exchange *x = j->x;
    const struct ir_key *ok = NULL;
    int64_t now = ir_time_unix();

    if (ir_exchange_aborted(x))
        ir_exchange_reply(x, 499, NULL, NULL, 0); /* nobody listens */
    else if (j->err == IR_ENOTFOUND)
        ir_api_reply_status(x, 401, "authentication",
                            "Invalid API key: no such key");
    else if (j->err != IR_OK)
        ir_api_reply_status(x, 500, "server", "store error");
    else if (j->key.disabled)
        ir_api_reply_status(x, 401, "authentication",
                            "API key %s is disabled", j->key.label);
    else if (j->key.expires_at != 0 && j->key.expires_at <= now)
        ir_api_reply_status(x, 401, "authentication",
                            "API key %s has expired", j->key.label);
    else if (j->need == IR_AUTH_MANAGEMENT && !j->key.management)
        ir_api_reply_status(x, 403, "permission_denied",
                            "Only management keys can perform this "
                            "operation");
    else if (j->need == IR_AUTH_GENERATE && j->key.management)
        ir_api_reply_status(x, 403, "permission_denied",
                            "Management keys administer keys and cannot "
                            "generate images; use an ordinary key");
    else
        ok = &j->key;
    j->cb(ok ? x : NULL, ok, j->arg);
    ir_free(j);
}

void
ir_api_auth(struct ir_server *srv, struct ir_exchange *x,
            enum ir_auth_need need, ir_api_auth_cb *cb, void *arg)
{
    const char *h = ir_exchange_header(x, "Authorization");
    struct auth_job *j;

    while (h != NULL && (*h == ' ' || *h == '\t'))
        h++;
    if (h == NULL || h[0] == '\0') {
        ir_api_reply_status(x, 401, "authentication",
                            "Missing Authentication header: send "
                            "'Authorization: Bearer <key>'");
        cb(NULL, NULL, arg);
        return;
    }
    if (strncasecmp(h, "Bearer ", 7) != 0 || h[7] == '\0') {
        ir_api_reply_status(x, 401, "authentication",
                            "Malformed Authorization header: expected "
                            "'Bearer <key>'");
        cb(NULL, NULL, arg);
        return;
    }
    h += 7;
    while (*h == ' ')
        h++;
    j = ir_calloc(1, sizeof *j);
    if (j == NULL) {
        ir_api_reply_status(x, 500, "server", "out of memory");
        cb(NULL, NULL, arg);
        return;
    }
    j->x = x;
    j->need = need;
    j->cb = cb;
    j->arg = arg;
    ir_store_key_hash(h, j->hash);
    if (ir_store_run(srv->store, auth_lookup, auth_done, j) != IR_OK) {
        ir_free(j);
        ir_api_reply_status(x, 500, "server", "store unavailable");
        cb(NULL, NULL, arg);
    }
}
