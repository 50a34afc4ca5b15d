/* SPDX-License-Identifier: Apache-2.0
 * api/activity.c - GET /api/v1/activity (management keys only): spending
 * per UTC day, app (HTTP-Referer, X-OpenRouter-Title, categories), model
 * and provider, from the generation ledger. Rows carry the fields of
 * OpenRouter's activity API plus the app's and the image counts.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/account.h"
#include "api/api.h"
#include "api/reply.h"
#include "server/http_server.h"
#include "util/mem.h"
#include "util/time.h"

#define ACTIVITY_DAY 86400
#define ACTIVITY_DEFAULT_DAYS 30 /* as OpenRouter: the last 30 days */
#define ACTIVITY_MAX_DAYS 366

struct activity_job {
    struct ir_api_account_op op; /* first: the shell frees the job */
    int64_t from, to;             /* [from, to), unix s */
    char key_hash[IR_KEY_HASH_LEN + 1]; /* "" = every key */
    struct ir_store_app_usage *rows; /* ir_free */
    size_t n;
};

static bool
activity_date_param(struct ir_api_account_op *op, const char *name,
                    int64_t *out, bool *given)
{
    char buf[32];
    const char *v = ir_exchange_query_param(op->x, name, buf, sizeof buf);

    *given = v != NULL;
    if (v == NULL || ir_api_account_parse_date(v, out))
        return true;
    ir_api_reply_status(op->x, 400, "invalid_request",
                        "%s must be a UTC date YYYY-MM-DD, e.g. 2026-03-01",
                        name);
    return false;
}

static bool
activity_key_param(struct activity_job *j)
{
    char buf[IR_KEY_HASH_LEN + 8];
    const char *v;
    size_t i;

    v = ir_exchange_query_param(j->op.x, "api_key_hash", buf, sizeof buf);
    if (v == NULL)
        v = ir_exchange_query_param(j->op.x, "key_hash", buf, sizeof buf);
    if (v == NULL)
        return true;
    for (i = 0; i < IR_KEY_HASH_LEN; i++)
        if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
            break;
    if (i != IR_KEY_HASH_LEN || v[i] != '\0') {
        ir_api_reply_status(j->op.x, 400, "invalid_request",
                            "api_key_hash (or key_hash) must be a key's "
                            "hash: 64 hex characters, as GET /api/v1/keys "
                            "lists");
        return false;
    }
    memcpy(j->key_hash, v, sizeof j->key_hash);
    return true;
}

/* date=D is one day; from=D1&to=D2 the days D1..D2 (either may be
 * left out); nothing is the last 30 days up to today. */
static bool
activity_prepare(struct ir_api_account_op *op)
{
    struct activity_job *j = (struct activity_job *)op;
    int64_t today = ir_time_unix() / ACTIVITY_DAY * ACTIVITY_DAY;
    int64_t date = 0, from = 0, to = 0;
    bool has_date, has_from, has_to;

    if (!activity_date_param(op, "date", &date, &has_date) ||
        !activity_date_param(op, "from", &from, &has_from) ||
        !activity_date_param(op, "to", &to, &has_to) ||
        !activity_key_param(j))
        return false;
    if (has_date && (has_from || has_to)) {
        ir_api_reply_status(op->x, 400, "invalid_request",
                            "Give either date or from/to, not both");
        return false;
    }
    if (has_date) {
        from = to = date;
    } else {
        if (!has_to)
            to = today;
        if (!has_from)
            from = to - (ACTIVITY_DEFAULT_DAYS - 1) * ACTIVITY_DAY;
    }
    if (to < from || (to - from) / ACTIVITY_DAY >= ACTIVITY_MAX_DAYS) {
        ir_api_reply_status(op->x, 400, "invalid_request",
                            "from must not be after to, and the range may "
                            "span at most %d days",
                            ACTIVITY_MAX_DAYS);
        return false;
    }
    j->from = from;
    j->to = to + ACTIVITY_DAY;
    return true;
}

static void
activity_work(struct ir_store_conn *c, void *arg)
{
    struct activity_job *j = arg;
    struct ir_diag d = {""};

    j->op.err = ir_store_app_usage(c, j->from, j->to,
                                   j->key_hash[0] ? j->key_hash : NULL,
                                   &j->rows, &j->n, &d);
    (void)snprintf(j->op.diag, sizeof j->op.diag, "%s", d.msg);
}

static json_t *
activity_opt(const char *s)
{
    return s[0] ? ir_api_json_string(s) : json_null();
}

static json_t *
activity_row(const struct ir_store_app_usage *a)
{
    char date[16], endpoint[256];
    struct tm tm;
    time_t t = (time_t)a->day;

    if (gmtime_r(&t, &tm) == NULL ||
        strftime(date, sizeof date, "%Y-%m-%d", &tm) == 0 ||
        snprintf(endpoint, sizeof endpoint, "%s:%s", a->model,
                 a->provider_name) < 0)
        return NULL;
    return json_pack(
        "{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:I,s:o,s:i,s:I,s:I,s:i,s:I}",
        "date", date, "model", ir_api_json_string(a->model),
        "model_permaslug", ir_api_json_string(a->model), "endpoint_id",
        ir_api_json_string(endpoint), "provider_name",
        ir_api_json_string(a->provider_name), "http_referer",
        activity_opt(a->referer), "app_title", activity_opt(a->title),
        "app_categories", activity_opt(a->categories), "requests",
        (json_int_t)a->requests, "images", (json_int_t)a->images, "usage",
        ir_api_account_usd(a->cost_nanos), "byok_usage_inference", 0,
        "prompt_tokens", (json_int_t)a->prompt_tokens, "completion_tokens",
        (json_int_t)a->completion_tokens, "reasoning_tokens", 0,
        "image_tokens", (json_int_t)a->image_tokens);
}

static void
activity_finish(struct ir_api_account_op *op)
{
    struct activity_job *j = (struct activity_job *)op;
    json_t *arr = json_array(); /* owned */
    size_t i;

    if (op->err == IR_ETOOBIG) {
        ir_api_reply_status(op->x, 400, "invalid_request",
                            "More than %d rows: ask for fewer days or one "
                            "key (api_key_hash)", IR_STORE_MAX_ROWS);
        json_decref(arr);
    } else if (op->err != IR_OK) {
        ir_api_reply_status(op->x, 500, "server", "store error");
        json_decref(arr);
    } else {
        for (i = 0; arr != NULL && i < j->n; i++) {
            if (json_array_append_new(arr, activity_row(&j->rows[i])) != 0) {
                json_decref(arr);
                arr = NULL;
            }
        }
        ir_api_account_reply(op->x, 200,
                             arr ? json_pack("{s:o}", "data", arr) : NULL);
    }
    ir_free(j->rows);
}

static void
activity_cb(struct ir_exchange *x, void *arg)
{
    struct activity_job *j = ir_calloc(1, sizeof *j);

    if (j == NULL) {
        ir_api_reply_status(x, 500, "server", "out of memory");
        return;
    }
    j->op.prepare = activity_prepare;
    j->op.work = activity_work;
    j->op.finish = activity_finish;
    ir_api_account_run(arg, x, IR_AUTH_MANAGEMENT, &j->op);
}

ir_err
ir_api_activity_install(struct ir_server *srv)
{
    return ir_http_server_route(srv->http, "GET", "/api/v1/activity",
                                activity_cb, srv);
}
