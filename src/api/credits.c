/* SPDX-License-Identifier: Apache-2.0
 * api/credits.c - the account's credit (management keys only):
 * GET /api/v1/credits as OpenRouter's getCredits, and our admin
 * extension POST /api/v1/credits to grant credit ({"amount": USD}) or
 * set the total ({"total": USD or null}; null removes the cap).
 */
#include <stdio.h>
#include <string.h>

#include "api/account.h"
#include "api/api.h"
#include "api/reply.h"
#include "core/money.h"
#include "server/http_server.h"
#include "util/mem.h"

enum credits_change { CREDITS_READ, CREDITS_ADD, CREDITS_SET };

struct credits_job {
    struct ir_api_account_op op; /* first: the shell frees the job */
    enum credits_change change;
    int64_t amount;               /* ADD: > 0; SET: or IR_NANOS_NONE */
    int64_t total, usage;         /* the answer */
};

static bool
credits_prepare_post(struct ir_api_account_op *op)
{
    struct credits_job *j = (struct credits_job *)op;
    json_t *b = ir_api_account_body(op->x); /* owned */
    const json_t *amount, *total;            /* borrowed */
    bool ok = false;

    if (b == NULL)
        return false;
    amount = json_object_get(b, "amount");
    total = json_object_get(b, "total");
    if ((amount == NULL) == (total == NULL)) {
        ir_api_reply_status(op->x, 400, "invalid_request",
                            "Send exactly one of \"amount\" (USD to add to "
                            "the account's credit) or \"total\" (USD to set "
                            "it to, or null for no account-wide cap)");
    } else if (amount != NULL) {
        j->change = CREDITS_ADD;
        ok = ir_api_account_parse_usd(amount, &j->amount) && j->amount > 0;
        if (!ok)
            ir_api_reply_status(op->x, 400, "invalid_request",
                                "amount must be a positive amount in USD, "
                                "at most %lld, with at most 9 decimals "
                                "(e.g. 25 or 0.5)",
                                (long long)IR_MONEY_MAX_USD);
    } else {
        j->change = CREDITS_SET;
        j->amount = IR_NANOS_NONE;
        ok = json_is_null(total) ||
             ir_api_account_parse_usd(total, &j->amount);
        if (!ok)
            ir_api_reply_status(op->x, 400, "invalid_request",
                                "total must be an amount in USD from 0 to "
                                "%lld with at most 9 decimals, or null to "
                                "remove the account-wide cap",
                                (long long)IR_MONEY_MAX_USD);
    }
    json_decref(b);
    return ok;
}

static void
credits_work(struct ir_store_conn *c, void *arg)
{
    struct credits_job *j = arg;
    struct ir_diag d = {""};

    j->op.err = IR_OK;
    if (j->change == CREDITS_ADD)
        j->op.err = ir_store_credits_add(c, j->amount, &d);
    else if (j->change == CREDITS_SET)
        j->op.err = ir_store_credits_set(c, j->amount, &d);
    if (j->op.err == IR_OK)
        j->op.err = ir_store_credits_get(c, &j->total, &j->usage, &d);
    (void)snprintf(j->op.diag, sizeof j->op.diag, "%s", d.msg);
}

static void
credits_finish(struct ir_api_account_op *op)
{
    struct credits_job *j = (struct credits_job *)op;
    bool capped = j->total != IR_NANOS_NONE;

    if (op->err != IR_OK) {
        ir_api_reply_status(op->x, 500, "server", "store error");
        return;
    }
    /* Until credit is first granted there is no account-wide cap: the
     * total reads 0 and "capped" (ours) says it is not enforced. */
    ir_api_account_reply(
        op->x, 200,
        json_pack("{s:{s:o,s:o,s:b}}", "data", "total_credits",
                  ir_api_account_usd(capped ? j->total : 0), "total_usage",
                  ir_api_account_usd(j->usage), "capped", capped));
}

static void
credits_start(struct ir_server *srv, struct ir_exchange *x,
              ir_api_account_prepare_fn *prepare)
{
    struct credits_job *j = ir_calloc(1, sizeof *j);

    if (j == NULL) {
        ir_api_reply_status(x, 500, "server", "out of memory");
        return;
    }
    j->change = CREDITS_READ;
    j->op.prepare = prepare;
    j->op.work = credits_work;
    j->op.finish = credits_finish;
    ir_api_account_run(srv, x, IR_AUTH_MANAGEMENT, &j->op);
}

static void
credits_get_cb(struct ir_exchange *x, void *arg)
{
    credits_start(arg, x, NULL);
}

static void
credits_post_cb(struct ir_exchange *x, void *arg)
{
    credits_start(arg, x, credits_prepare_post);
}

ir_err
ir_api_credits_install(struct ir_server *srv)
{
    ir_err err;

    if ((err = ir_http_server_route(srv->http, "GET", "/api/v1/credits",
                                    credits_get_cb, srv)))
        return err;
    return ir_http_server_route(srv->http, "POST", "/api/v1/credits",
                                credits_post_cb, srv);
}
