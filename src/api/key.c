/* SPDX-License-Identifier: Apache-2.0
 * api/key.c - GET /api/v1/key: the calling key's limit and usage, shaped
 * as OpenRouter's getCurrentKey (any valid key may ask about itself).
 */
#include <stdio.h>
#include <string.h>

#include "api/account.h"
#include "api/api.h"
#include "api/reply.h"
#include "server/http_server.h"
#include "util/mem.h"

struct key_job {
    struct ir_api_account_op op; /* first: the shell frees the job */
    struct ir_key key;
    struct ir_key_usage usage;
};

static void
key_work(struct ir_store_conn *c, void *arg)
{
    struct key_job *j = arg;
    struct ir_diag d = {""};

    /* Read again: the auth lookup's copy may predate a settle. */
    j->op.err = ir_store_key_get(c, j->op.caller.hash, &j->key, &d);
    if (j->op.err == IR_OK)
        j->op.err = ir_store_key_usage(c, j->key.hash, &j->usage, &d);
    (void)snprintf(j->op.diag, sizeof j->op.diag, "%s", d.msg);
}

static json_t *
key_render(const struct key_job *j)
{
    const struct ir_key *k = &j->key;
    json_t *o = json_object(); /* owned */

    if (o == NULL || !ir_api_account_key_fields(o, k, &j->usage) ||
        json_object_set_new(o, "label", json_string(k->label)) ||
        json_object_set_new(o, "is_management_key",
                            json_boolean(k->management)) ||
        json_object_set_new(o, "is_provisioning_key",
                            json_boolean(k->management)) ||
        json_object_set_new(o, "is_free_tier", json_false()) ||
        /* Fields the current @openrouter/sdk requires beyond the spec. */
        json_object_set_new(o, "organization_id", json_null()) ||
        json_object_set_new(o, "allowed_data_regions", json_array()) ||
        json_object_set_new(o, "free_model_daily_requests",
                            json_pack("{s:i,s:i,s:i}", "limit", 0,
                                      "remaining", 0, "used", 0))) {
        json_decref(o);
        return NULL;
    }
    return json_pack("{s:o}", "data", o);
}

static void
key_finish(struct ir_api_account_op *op)
{
    struct key_job *j = (struct key_job *)op;

    if (op->err == IR_ENOTFOUND)
        ir_api_reply_status(op->x, 401, "authentication",
                            "Invalid API key: no such key");
    else if (op->err != IR_OK)
        ir_api_reply_status(op->x, 500, "server", "store error");
    else
        ir_api_account_reply(op->x, 200, key_render(j));
}

static void
key_cb(struct ir_exchange *x, void *arg)
{
    struct key_job *j = ir_calloc(1, sizeof *j);

    if (j == NULL) {
        ir_api_reply_status(x, 500, "server", "out of memory");
        return;
    }
    j->op.work = key_work;
    j->op.finish = key_finish;
    ir_api_account_run(arg, x, IR_AUTH_ANY, &j->op);
}

ir_err
ir_api_key_install(struct ir_server *srv)
{
    return ir_http_server_route(srv->http, "GET", "/api/v1/key", key_cb,
                                srv);
}
