/* SPDX-License-Identifier: Apache-2.0
 * api/account.c - the shell of the account surfaces: authenticate, run
 * one store operation off the loop, answer; and their JSON helpers.
 */
#include "api/account.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/reply.h"
#include "core/money.h"
#include "core/pricing.h"
#include "util/mem.h"

static void account_authed(struct ir_exchange *x, const struct ir_key *key,
                           void *arg);
static void account_done(void *arg);

/* ---- the shell ---------------------------------------------------- */

void
ir_api_account_run(struct ir_server *srv, struct ir_exchange *x,
                   enum ir_auth_need need, struct ir_api_account_op *op)
{
    op->srv = srv;
    op->x = x;
    ir_api_auth(srv, x, need, account_authed, op);
}

static void
account_authed(struct ir_exchange *x, const struct ir_key *key, void *arg)
{
    struct ir_api_account_op *op = arg;

    if (key == NULL) {
        ir_free(op); /* answered: 401/403 */
        return;
    }
    op->caller = *key;
    if (op->prepare != NULL && !op->prepare(op)) {
        ir_free(op);
        return;
    }
    if (ir_store_run(op->srv->store, op->work, account_done, op) != IR_OK) {
        ir_api_reply_status(x, 500, "server", "store unavailable");
        ir_free(op);
    }
}

static void
account_done(void *arg)
{
    struct ir_api_account_op *op = arg;

    op->finish(op);
    ir_free(op);
}

/* ---- JSON out ------------------------------------------------------ */

json_t *
ir_api_account_usd(int64_t nanos)
{
    if (nanos == IR_NANOS_NONE)
        return json_null();
    /* Integral amounts print as integers ("limit": 100, as OpenRouter). */
    if (nanos % IR_NANOS_PER_USD == 0)
        return json_integer(nanos / IR_NANOS_PER_USD);
    return json_real(ir_core_pricing_usd(nanos));
}

json_t *
ir_api_account_time(int64_t unix_s)
{
    char buf[40];
    struct tm tm;
    time_t t = (time_t)unix_s;

    if (unix_s == 0 || gmtime_r(&t, &tm) == NULL ||
        strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return json_null();
    return json_string(buf);
}

json_t *
ir_api_account_rate_limit(const struct ir_key *k)
{
    char interval[32], note[160];
    int req = k->rate_limit_requests, secs = k->rate_limit_interval_s;

    if (req <= 0 || secs <= 0)
        return json_pack("{s:i,s:s,s:i,s:s}", "requests", -1, "interval",
                         "10s", "interval_s", 0, "note",
                         "No per-key request rate limit is set.");
    if (snprintf(interval, sizeof interval, "%ds", secs) < 0 ||
        snprintf(note, sizeof note,
                 "imagerouter allows this key %d generation requests per "
                 "%d s, then answers 429 with Retry-After.",
                 req, secs) < 0)
        return NULL;
    return json_pack("{s:i,s:s,s:i,s:s}", "requests", req, "interval",
                     interval, "interval_s", secs, "note", note);
}

bool
ir_api_account_key_fields(json_t *o, const struct ir_key *k,
                          const struct ir_key_usage *u)
{
    int64_t left = IR_NANOS_NONE;
    int fails = 0;

    if (k->limit_nanos != IR_NANOS_NONE) {
        /* What the current period has left; holds of requests in flight
         * are not spending yet. */
        left = k->limit_nanos - k->usage_nanos;
        if (left < 0)
            left = 0;
    }
#define ACCOUNT_SET(name, v) \
    fails += json_object_set_new(o, (name), (v)) != 0
    ACCOUNT_SET("limit", ir_api_account_usd(k->limit_nanos));
    ACCOUNT_SET("limit_remaining", ir_api_account_usd(left));
    ACCOUNT_SET("limit_reset", k->limit_reset[0]
                                   ? json_string(k->limit_reset)
                                   : json_null());
    ACCOUNT_SET("include_byok_in_limit",
                json_boolean(k->include_byok_in_limit));
    ACCOUNT_SET("usage", ir_api_account_usd(u->total_nanos));
    ACCOUNT_SET("usage_daily", ir_api_account_usd(u->daily_nanos));
    ACCOUNT_SET("usage_weekly", ir_api_account_usd(u->weekly_nanos));
    ACCOUNT_SET("usage_monthly", ir_api_account_usd(u->monthly_nanos));
    /* No bring-your-own-key billing in imagerouter. */
    ACCOUNT_SET("byok_usage", json_integer(0));
    ACCOUNT_SET("byok_usage_daily", json_integer(0));
    ACCOUNT_SET("byok_usage_weekly", json_integer(0));
    ACCOUNT_SET("byok_usage_monthly", json_integer(0));
    ACCOUNT_SET("expires_at", ir_api_account_time(k->expires_at));
    ACCOUNT_SET("creator_user_id", json_null());
    ACCOUNT_SET("workspace_id", json_string("default"));
    ACCOUNT_SET("rate_limit", ir_api_account_rate_limit(k));
#undef ACCOUNT_SET
    return fails == 0;
}

void
ir_api_account_reply(struct ir_exchange *x, int status, json_t *owned_json)
{
    char *s;

    s = owned_json ? json_dumps(owned_json,
                                JSON_COMPACT | JSON_REAL_PRECISION(15))
                   : NULL;
    json_decref(owned_json);
    if (s == NULL) {
        ir_api_reply_status(x, 500, "server", "out of memory");
        return;
    }
    /* json_dumps allocates with malloc; ir_free is free(). */
    ir_exchange_reply_owned(x, status, "application/json", s, strlen(s));
}

/* ---- input ---------------------------------------------------------- */

/* Reads exactly n digits into *v. */
static bool
account_digits(const char **p, int n, int *v)
{
    int i;

    *v = 0;
    for (i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return false;
        *v = *v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    return true;
}

static bool
account_civil(int y, int mo, int d, int h, int mi, int s, int64_t *out)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30,
                                31, 31, 30, 31, 30, 31};
    struct tm tm;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
        d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) || h > 23 ||
        mi > 59 || s > 59)
        return false;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    *out = (int64_t)timegm(&tm);
    return true;
}

bool
ir_api_account_parse_date(const char *s, int64_t *out)
{
    int y, mo, d;

    if (!account_digits(&s, 4, &y) || *s++ != '-' ||
        !account_digits(&s, 2, &mo) || *s++ != '-' ||
        !account_digits(&s, 2, &d) || *s != '\0')
        return false;
    return account_civil(y, mo, d, 0, 0, 0, out);
}

bool
ir_api_account_parse_time(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, sec;

    if (!account_digits(&s, 4, &y) || *s++ != '-' ||
        !account_digits(&s, 2, &mo) || *s++ != '-' ||
        !account_digits(&s, 2, &d) || (*s != 'T' && *s != 't'))
        return false;
    s++;
    if (!account_digits(&s, 2, &h) || *s++ != ':' ||
        !account_digits(&s, 2, &mi) || *s++ != ':' ||
        !account_digits(&s, 2, &sec))
        return false;
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++)
            ; /* a fraction of a second is dropped */
        if (s[-1] == '.')
            return false;
    }
    if ((*s == 'Z' || *s == 'z') && s[1] == '\0')
        ;
    else if (strcmp(s, "+00:00") != 0)
        return false; /* "Must be UTC, other timezones will be rejected" */
    return account_civil(y, mo, d, h, mi, sec, out);
}

bool
ir_api_account_parse_usd(const json_t *v, int64_t *out_nanos)
{
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);

        if (i < 0 || i > IR_MONEY_MAX_USD)
            return false;
        *out_nanos = (int64_t)i * IR_NANOS_PER_USD;
        return true;
    }
    return json_is_real(v) &&
           ir_core_money_from_double(json_real_value(v), out_nanos) == IR_OK;
}

json_t *
ir_api_account_body(struct ir_exchange *x)
{
    json_error_t e;
    size_t len;
    const char *body = ir_exchange_body(x, &len);
    json_t *j; /* owned */

    if (body == NULL || len == 0) {
        ir_api_reply_status(x, 400, "invalid_request",
                            "A JSON object body is required");
        return NULL;
    }
    j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &e);
    if (j == NULL) {
        ir_api_reply_status(x, 400, "invalid_request",
                            "Invalid JSON at line %d, column %d: %s", e.line,
                            e.column, e.text);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        ir_api_reply_status(x, 400, "invalid_request",
                            "The body must be a JSON object");
        return NULL;
    }
    return j;
}
