/* SPDX-License-Identifier: Apache-2.0
 * api/keys.c - the key management API (management keys only):
 * GET/POST /api/v1/keys, GET/PATCH/DELETE /api/v1/keys/{hash}, shaped as
 * OpenRouter's. A created key's plaintext is in the POST answer only.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/account.h"
#include "api/api.h"
#include "api/reply.h"
#include "server/http_server.h"
#include "util/ct.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/time.h"

#define KEYS_PAGE 100         /* keys per GET /api/v1/keys page */
#define KEYS_MAX_OFFSET 1000000000L
#define KEYS_MAX_RATE_REQUESTS 1000000000L
#define KEYS_MAX_RATE_INTERVAL 31536000L /* a year */
#define KEYS_PREFIX "/api/v1/keys/"

enum keys_op { KEYS_LIST, KEYS_CREATE, KEYS_GET, KEYS_UPDATE, KEYS_DELETE };

struct keys_job {
    struct ir_api_account_op op; /* first: the shell frees the job */
    enum keys_op what;
    char hash[IR_KEY_HASH_LEN + 1];
    /* GET /keys */
    size_t offset;
    bool include_disabled;
    struct ir_key *list;          /* ir_free */
    struct ir_key_usage *usage;   /* ir_free, one per list entry */
    size_t n;
    /* POST / PATCH: what the body asks for */
    struct ir_key_update u;
    char name[128];
    char limit_reset[16];
    /* the answer */
    struct ir_key key;
    struct ir_key_usage key_usage;
    char plain[80];               /* POST only; cleansed after */
};

static void keys_bad(struct ir_exchange *x, const char *param,
                     const char *fmt, ...) IR_PRINTF(3, 4);
static bool keys_parse_body(struct keys_job *j, bool create);
static json_t *keys_render(const struct ir_key *k,
                           const struct ir_key_usage *u);

/* ---- input ---------------------------------------------------------- */

/* A 400 naming the field (metadata.param) and what it accepts. */
static void
keys_bad(struct ir_exchange *x, const char *param, const char *fmt, ...)
{
    struct ir_error e;
    va_list ap;

    ir_error_init(&e);
    e.status = 400;
    va_start(ap, fmt);
    (void)vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    ir_error_meta_str(&e, "error_type", "invalid_request");
    if (param != NULL)
        ir_error_meta_str(&e, "param", param);
    ir_exchange_reply_error(x, &e);
    ir_error_cleanup(&e);
}

static bool
keys_parse_name(struct keys_job *j, const json_t *v, bool create)
{
    const char *s = json_string_value(v);
    size_t len = s ? strlen(s) : 0;

    if (v == NULL && !create)
        return true;
    if (v == NULL || s == NULL || len == 0 || len >= sizeof j->name) {
        keys_bad(j->op.x, "name",
                 "name %s: a non-empty string of at most %zu bytes",
                 v == NULL ? "is required" : "must be", sizeof j->name - 1);
        return false;
    }
    memcpy(j->name, s, len + 1);
    j->u.name = j->name;
    j->u.fields |= IR_KEY_SET_NAME;
    return true;
}

static bool
keys_parse_limit(struct keys_job *j, const json_t *v)
{
    if (v == NULL)
        return true;
    if (json_is_null(v)) {
        j->u.limit_nanos = IR_NANOS_NONE;
    } else if (!ir_api_account_parse_usd(v, &j->u.limit_nanos)) {
        keys_bad(j->op.x, "limit",
                 "limit must be an amount in USD from 0 to 1000000000 with "
                 "at most 9 decimals (e.g. 50 or 0.25), or null for no "
                 "limit");
        return false;
    }
    j->u.fields |= IR_KEY_SET_LIMIT;
    return true;
}

static bool
keys_parse_reset(struct keys_job *j, const json_t *v)
{
    const char *s = json_string_value(v);

    if (v == NULL)
        return true;
    if (!json_is_null(v) &&
        (s == NULL || s[0] == '\0' || !ir_store_limit_reset_valid(s))) {
        keys_bad(j->op.x, "limit_reset",
                 "limit_reset must be \"daily\", \"weekly\", \"monthly\" "
                 "or null (no reset); resets happen at midnight UTC, weeks "
                 "start on Monday");
        return false;
    }
    (void)snprintf(j->limit_reset, sizeof j->limit_reset, "%s",
                   s ? s : "");
    j->u.limit_reset = j->limit_reset;
    j->u.fields |= IR_KEY_SET_LIMIT_RESET;
    return true;
}

static bool
keys_parse_bool(struct keys_job *j, const json_t *v, const char *name,
                unsigned field, bool *dst)
{
    if (v == NULL)
        return true;
    if (!json_is_boolean(v)) {
        keys_bad(j->op.x, name, "%s must be true or false", name);
        return false;
    }
    *dst = json_is_true(v);
    j->u.fields |= field;
    return true;
}

static bool
keys_parse_expires(struct keys_job *j, const json_t *v)
{
    const char *s = json_string_value(v);

    if (v == NULL)
        return true;
    if (json_is_null(v)) {
        j->u.expires_at = 0;
    } else if (s == NULL || !ir_api_account_parse_time(s, &j->u.expires_at)) {
        keys_bad(j->op.x, "expires_at",
                 "expires_at must be an ISO 8601 UTC time such as "
                 "\"2027-12-31T23:59:59Z\" (other time zones are "
                 "rejected), or null for no expiry");
        return false;
    } else if (j->u.expires_at <= ir_time_unix()) {
        keys_bad(j->op.x, "expires_at",
                 "expires_at must be in the future (got %s)", s);
        return false;
    }
    j->u.fields |= IR_KEY_SET_EXPIRES;
    return true;
}

/* Our extension: {"requests": N, "interval_s": S}, or null (none). */
static bool
keys_parse_rate(struct keys_job *j, const json_t *v)
{
    const json_t *req = json_object_get(v, "requests");
    const json_t *ivl = json_object_get(v, "interval_s");
    json_int_t r = json_integer_value(req), i = json_integer_value(ivl);

    if (v == NULL)
        return true;
    j->u.fields |= IR_KEY_SET_RATE_LIMIT;
    j->u.rate_limit_requests = 0;
    j->u.rate_limit_interval_s = 0;
    if (json_is_null(v))
        return true;
    if (!json_is_object(v) || !json_is_integer(req) || r < 0 ||
        r > KEYS_MAX_RATE_REQUESTS ||
        (r > 0 && (!json_is_integer(ivl) || i < 1 ||
                   i > KEYS_MAX_RATE_INTERVAL)) ||
        (ivl != NULL && !json_is_integer(ivl))) {
        keys_bad(j->op.x, "rate_limit",
                 "rate_limit must be {\"requests\": N, \"interval_s\": S} "
                 "with N from 0 (no limit) to %ld and S from 1 to %ld "
                 "seconds, or null",
                 KEYS_MAX_RATE_REQUESTS, KEYS_MAX_RATE_INTERVAL);
        return false;
    }
    if (r > 0) {
        j->u.rate_limit_requests = (int)r;
        j->u.rate_limit_interval_s = (int)i;
    }
    return true;
}

/* The POST (create) or PATCH body into j->u. Unknown fields, such as
 * OpenRouter's workspace_id and creator_user_id, are ignored. */
static bool
keys_parse_body(struct keys_job *j, bool create)
{
    json_t *b = ir_api_account_body(j->op.x); /* owned */
    bool ok;

    if (b == NULL)
        return false;
    memset(&j->u, 0, sizeof j->u);
    j->u.limit_nanos = IR_NANOS_NONE;
    ok = keys_parse_name(j, json_object_get(b, "name"), create) &&
         keys_parse_limit(j, json_object_get(b, "limit")) &&
         keys_parse_reset(j, json_object_get(b, "limit_reset")) &&
         keys_parse_bool(j, json_object_get(b, "include_byok_in_limit"),
                         "include_byok_in_limit", IR_KEY_SET_BYOK,
                         &j->u.include_byok_in_limit) &&
         keys_parse_expires(j, json_object_get(b, "expires_at")) &&
         keys_parse_rate(j, json_object_get(b, "rate_limit"));
    if (ok && !create)
        ok = keys_parse_bool(j, json_object_get(b, "disabled"), "disabled",
                             IR_KEY_SET_DISABLED, &j->u.disabled);
    json_decref(b);
    return ok;
}

static bool
keys_hash_valid(const char *h)
{
    size_t i;

    for (i = 0; i < IR_KEY_HASH_LEN; i++)
        if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
            return false;
    return h[IR_KEY_HASH_LEN] == '\0';
}

static bool
keys_prepare_one(struct ir_api_account_op *op)
{
    struct keys_job *j = (struct keys_job *)op;
    const char *h = ir_exchange_path(op->x) + strlen(KEYS_PREFIX);

    if (!keys_hash_valid(h)) {
        ir_api_reply_status(op->x, 404, "not_found",
                            "No API key with hash '%.80s': a hash is the "
                            "64 hex characters GET /api/v1/keys lists", h);
        return false;
    }
    memcpy(j->hash, h, sizeof j->hash);
    if (j->what == KEYS_UPDATE)
        return keys_parse_body(j, false);
    return true;
}

static bool
keys_prepare_create(struct ir_api_account_op *op)
{
    return keys_parse_body((struct keys_job *)op, true);
}

static bool
keys_prepare_list(struct ir_api_account_op *op)
{
    struct keys_job *j = (struct keys_job *)op;
    char buf[32], *end;
    const char *v;
    long off;

    v = ir_exchange_query_param(op->x, "offset", buf, sizeof buf);
    if (v != NULL) {
        off = strtol(v, &end, 10);
        if (v[0] < '0' || v[0] > '9' || *end != '\0' || off < 0 ||
            off > KEYS_MAX_OFFSET) {
            keys_bad(op->x, "offset",
                     "offset must be a whole number from 0 to %ld",
                     KEYS_MAX_OFFSET);
            return false;
        }
        j->offset = (size_t)off;
    }
    v = ir_exchange_query_param(op->x, "include_disabled", buf, sizeof buf);
    if (v != NULL) {
        if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
            keys_bad(op->x, "include_disabled",
                     "include_disabled must be true or false");
            return false;
        }
        j->include_disabled = strcmp(v, "true") == 0;
    }
    return true;
}

/* ---- store work (store thread) -------------------------------------- */

static void
keys_work_list(struct ir_store_conn *c, struct keys_job *j)
{
    struct ir_diag d = {""};
    size_t i;

    j->op.err = ir_store_key_list_page(c, j->offset, KEYS_PAGE,
                                       j->include_disabled, &j->list, &j->n,
                                       &d);
    if (j->op.err == IR_OK && j->n > 0) {
        j->usage = ir_calloc(j->n, sizeof *j->usage);
        if (j->usage == NULL)
            j->op.err = IR_ENOMEM;
    }
    for (i = 0; j->op.err == IR_OK && i < j->n; i++)
        j->op.err = ir_store_key_usage(c, j->list[i].hash, &j->usage[i], &d);
    (void)snprintf(j->op.diag, sizeof j->op.diag, "%s", d.msg);
}

static void
keys_work_create(struct ir_store_conn *c, struct keys_job *j)
{
    struct ir_key_update rest = j->u;
    struct ir_diag d = {""};

    j->op.err = ir_store_key_create(
        c, j->u.name, false, j->u.limit_nanos,
        (j->u.fields & IR_KEY_SET_LIMIT_RESET) ? j->u.limit_reset : NULL,
        (j->u.fields & IR_KEY_SET_EXPIRES) ? j->u.expires_at : 0, j->plain,
        sizeof j->plain, &j->key, &d);
    rest.fields &= IR_KEY_SET_BYOK | IR_KEY_SET_RATE_LIMIT;
    if (j->op.err == IR_OK && rest.fields != 0) {
        j->op.err = ir_store_key_update(c, j->key.hash, &rest, &j->key, &d);
        /* Nobody will ever see this key's plaintext: take it back. */
        if (j->op.err != IR_OK &&
            ir_store_key_delete(c, j->key.hash, NULL) != IR_OK)
            ir_log_warn("keys: created key %s left behind after a failed "
                        "update", j->key.label);
    }
    memset(&j->key_usage, 0, sizeof j->key_usage);
    (void)snprintf(j->op.diag, sizeof j->op.diag, "%s", d.msg);
}

static void
keys_work(struct ir_store_conn *c, void *arg)
{
    struct keys_job *j = arg;
    struct ir_diag d = {""};

    switch (j->what) {
    case KEYS_LIST:
        keys_work_list(c, j);
        return;
    case KEYS_CREATE:
        keys_work_create(c, j);
        return;
    case KEYS_GET:
        j->op.err = ir_store_key_get(c, j->hash, &j->key, &d);
        break;
    case KEYS_UPDATE:
        j->op.err = ir_store_key_update(c, j->hash, &j->u, &j->key, &d);
        break;
    case KEYS_DELETE:
        j->op.err = ir_store_key_delete(c, j->hash, &d);
        break;
    }
    if (j->op.err == IR_OK && j->what != KEYS_DELETE)
        j->op.err = ir_store_key_usage(c, j->hash, &j->key_usage, &d);
    (void)snprintf(j->op.diag, sizeof j->op.diag, "%s", d.msg);
}

/* ---- answers (loop) -------------------------------------------------- */

static json_t *
keys_render(const struct ir_key *k, const struct ir_key_usage *u)
{
    json_t *o = json_object(); /* owned */

    if (o == NULL || !ir_api_account_key_fields(o, k, u) ||
        json_object_set_new(o, "hash", json_string(k->hash)) ||
        json_object_set_new(o, "name", ir_api_json_string(k->name)) ||
        json_object_set_new(o, "label", json_string(k->label)) ||
        json_object_set_new(o, "disabled", json_boolean(k->disabled)) ||
        json_object_set_new(o, "created_at",
                            ir_api_account_time(k->created_at)) ||
        json_object_set_new(o, "updated_at",
                            ir_api_account_time(k->updated_at)) ||
        json_object_set_new(o, "external_user", json_null()) ||
        json_object_set_new(o, "is_management_key",
                            json_boolean(k->management))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *
keys_render_list(struct keys_job *j)
{
    json_t *arr = json_array(); /* owned */
    size_t i;

    for (i = 0; arr != NULL && i < j->n; i++) {
        if (json_array_append_new(arr, keys_render(&j->list[i],
                                                   &j->usage[i])) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    return arr ? json_pack("{s:o}", "data", arr) : NULL;
}

static void
keys_finish(struct ir_api_account_op *op)
{
    struct keys_job *j = (struct keys_job *)op;
    json_t *data;

    if (op->err == IR_ENOTFOUND) {
        ir_api_reply_status(op->x, 404, "not_found",
                            "No API key with hash %s", j->hash);
    } else if (op->err != IR_OK) {
        ir_api_reply_status(op->x, 500, "server", "store error");
    } else if (j->what == KEYS_LIST) {
        ir_api_account_reply(op->x, 200, keys_render_list(j));
    } else if (j->what == KEYS_DELETE) {
        ir_api_account_reply(op->x, 200,
                             json_pack("{s:b}", "deleted", 1));
    } else {
        data = keys_render(&j->key, &j->key_usage);
        if (j->what == KEYS_CREATE)
            ir_api_account_reply(op->x, 201,
                                 data ? json_pack("{s:o,s:s}", "data", data,
                                                  "key", j->plain)
                                      : NULL);
        else
            ir_api_account_reply(op->x, 200,
                                 data ? json_pack("{s:o}", "data", data)
                                      : NULL);
    }
    ir_ct_wipe(j->plain, sizeof j->plain);
    ir_free(j->list);
    ir_free(j->usage);
}

/* ---- routes ----------------------------------------------------------- */

static void
keys_start(struct ir_server *srv, struct ir_exchange *x, enum keys_op what,
           ir_api_account_prepare_fn *prepare)
{
    struct keys_job *j = ir_calloc(1, sizeof *j);

    if (j == NULL) {
        ir_api_reply_status(x, 500, "server", "out of memory");
        return;
    }
    j->what = what;
    j->op.prepare = prepare;
    j->op.work = keys_work;
    j->op.finish = keys_finish;
    ir_api_account_run(srv, x, IR_AUTH_MANAGEMENT, &j->op);
}

static void
keys_list_cb(struct ir_exchange *x, void *arg)
{
    keys_start(arg, x, KEYS_LIST, keys_prepare_list);
}

static void
keys_create_cb(struct ir_exchange *x, void *arg)
{
    keys_start(arg, x, KEYS_CREATE, keys_prepare_create);
}

static void
keys_get_cb(struct ir_exchange *x, void *arg)
{
    keys_start(arg, x, KEYS_GET, keys_prepare_one);
}

static void
keys_update_cb(struct ir_exchange *x, void *arg)
{
    keys_start(arg, x, KEYS_UPDATE, keys_prepare_one);
}

static void
keys_delete_cb(struct ir_exchange *x, void *arg)
{
    keys_start(arg, x, KEYS_DELETE, keys_prepare_one);
}

static void
keys_method_cb(struct ir_exchange *x, void *arg)
{
    bool one = strncmp(ir_exchange_path(x), KEYS_PREFIX,
                       strlen(KEYS_PREFIX)) == 0;

    (void)arg;
    if (ir_exchange_header_add(x, "Allow", one ? "GET, PATCH, DELETE"
                                               : "GET, POST") != IR_OK) {
        ir_exchange_reply(x, 500, NULL, NULL, 0);
        return;
    }
    ir_api_reply_status(x, 405, "method_not_allowed",
                        "%s is not allowed on %s; use %s",
                        ir_exchange_method(x), ir_exchange_path(x),
                        one ? "GET, PATCH or DELETE" : "GET or POST");
}

ir_err
ir_api_keys_install(struct ir_server *srv)
{
    struct ir_http_server *h = srv->http;
    ir_err err;

    if ((err = ir_http_server_route(h, "GET", "/api/v1/keys", keys_list_cb,
                                    srv)) ||
        (err = ir_http_server_route(h, "POST", "/api/v1/keys",
                                    keys_create_cb, srv)) ||
        (err = ir_http_server_route(h, NULL, "/api/v1/keys", keys_method_cb,
                                    srv)) ||
        (err = ir_http_server_route(h, "GET", KEYS_PREFIX "*", keys_get_cb,
                                    srv)) ||
        (err = ir_http_server_route(h, "PATCH", KEYS_PREFIX "*",
                                    keys_update_cb, srv)) ||
        (err = ir_http_server_route(h, "DELETE", KEYS_PREFIX "*",
                                    keys_delete_cb, srv)) ||
        (err = ir_http_server_route(h, NULL, KEYS_PREFIX "*", keys_method_cb,
                                    srv)))
        return err;
    return IR_OK;
}
