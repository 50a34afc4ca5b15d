/* SPDX-License-Identifier: Apache-2.0
 * store/keys.c - API keys (created, looked up, listed, changed, deleted),
 * their limit periods, and the per-key fixed-window rate limit.
 *
 * Only the SHA-256 of a key is stored. The plaintext is "sk-ir-v1-" and 48
 * hex characters from the CSPRNG, shown once at creation.
 */
#include "store/store.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/backend.h"
#include "util/ct.h"
#include "util/mem.h"
#include "util/rand.h"
#include "util/sha256.h"

#define KEYS_PREFIX "sk-ir-v1-"
#define KEYS_PREFIX_LEN 9
#define KEYS_SECRET_BYTES 24 /* 48 hex characters */
#define KEYS_PLAIN_LEN (KEYS_PREFIX_LEN + 2 * KEYS_SECRET_BYTES)

struct keys_list {
    struct ir_key *v;
    size_t n, cap;
};

struct keys_window {
    int64_t hits, start;
};

struct keys_update_tx {
    const char *hash;
    const struct ir_key_update *u;
    struct ir_key k;
};

static ir_err keys_list_cb(const struct ir_store_row *r, void *arg);
static ir_err keys_window_cb(const struct ir_store_row *r, void *arg);
static ir_err keys_update_tx(struct ir_store_conn *c, void *arg,
                             struct ir_diag *d) IR_MUST_CHECK;
static ir_err keys_restart_period(struct ir_store_conn *c, struct ir_key *k,
                                  int64_t now, struct ir_diag *d)
    IR_MUST_CHECK;
static ir_err keys_write(struct ir_store_conn *c, const struct ir_key *k,
                         struct ir_diag *d) IR_MUST_CHECK;

/* ---- hashing and the key's shape ------------------------------------ */

void
ir_store_key_hash(const char *plain, char out[IR_KEY_HASH_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[IR_SHA256_LEN];
    int i;

    ir_sha256(plain, strlen(plain), md);
    for (i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[IR_KEY_HASH_LEN] = '\0';
}

bool
ir_store_key_plain_valid(const char *plain)
{
    size_t i;

    if (strncmp(plain, KEYS_PREFIX, KEYS_PREFIX_LEN) != 0 ||
        strlen(plain) != KEYS_PLAIN_LEN)
        return false;
    for (i = KEYS_PREFIX_LEN; i < KEYS_PLAIN_LEN; i++)
        if (!((plain[i] >= '0' && plain[i] <= '9') ||
              (plain[i] >= 'a' && plain[i] <= 'f')))
            return false;
    return true;
}

bool
ir_store_limit_reset_valid(const char *r)
{
    return r == NULL || r[0] == '\0' || strcmp(r, "daily") == 0 ||
           strcmp(r, "weekly") == 0 || strcmp(r, "monthly") == 0;
}

/* ---- limit periods ------------------------------------------------ */

int64_t
ir_store_period_start(const char *limit_reset, int64_t now)
{
    int64_t day = now >= 0 ? now / 86400 : -((-now + 86399) / 86400);
    struct tm tm;
    time_t t = (time_t)now;

    if (limit_reset == NULL || limit_reset[0] == '\0')
        return 0;
    if (!ir_store_limit_reset_valid(limit_reset))
        return -1;
    /* Weeks run Monday to Sunday (accounts OpenAPI, limit_reset). Day 0,
     * 1970-01-01, was a Thursday: three days after a Monday. */
    if (strcmp(limit_reset, "weekly") == 0)
        return (day - ((day % 7 + 7 + 3) % 7)) * 86400;
    if (strcmp(limit_reset, "monthly") == 0) {
        if (gmtime_r(&t, &tm) == NULL)
            return day * 86400;
        return (day - (tm.tm_mday - 1)) * 86400;
    }
    return day * 86400; /* "daily" */
}

bool
ir_store_key_roll(struct ir_key *k, int64_t now)
{
    int64_t start = ir_store_period_start(k->limit_reset, now);

    if (start <= 0 || k->period_start >= start)
        return false;
    k->usage_nanos = 0;
    k->period_start = start;
    return true;
}

/* ---- rows --------------------------------------------------------- */

ir_err
ir_store_key_row_cb(const struct ir_store_row *r, void *arg)
{
    struct ir_key *k = arg;

    memset(k, 0, sizeof *k);
    ir_store_db_text(r, 0, k->hash, sizeof k->hash);
    ir_store_db_text(r, 1, k->label, sizeof k->label);
    ir_store_db_text(r, 2, k->name, sizeof k->name);
    k->management = ir_store_db_int(r, 3) != 0;
    k->disabled = ir_store_db_int(r, 4) != 0;
    k->limit_nanos =
        ir_store_db_null(r, 5) ? IR_NANOS_NONE : ir_store_db_int(r, 5);
    ir_store_db_text(r, 6, k->limit_reset, sizeof k->limit_reset);
    k->usage_nanos = ir_store_db_int(r, 7);
    k->usage_total_nanos = ir_store_db_int(r, 8);
    k->reserved_nanos = ir_store_db_int(r, 9);
    k->period_start = ir_store_db_int(r, 10);
    k->created_at = ir_store_db_int(r, 11);
    k->updated_at = ir_store_db_int(r, 12);
    k->expires_at = ir_store_db_int(r, 13);
    k->rate_limit_requests = (int)ir_store_db_int(r, 14);
    k->rate_limit_interval_s = (int)ir_store_db_int(r, 15);
    k->include_byok_in_limit = ir_store_db_int(r, 16) != 0;
    return IR_OK;
}

ir_err
ir_store_key_fetch(struct ir_store_conn *c, const char *hash, bool lock,
                   struct ir_key *out, struct ir_diag *d)
{
    char sql[512];
    ir_err err;

    (void)snprintf(sql, sizeof sql,
                   "SELECT " IR_STORE_KEY_COLS " FROM keys WHERE hash = $1%s",
                   lock ? c->be->for_update : "");
    out->hash[0] = '\0';
    err = ir_store_db_query(c, sql, (struct ir_store_val[]){IR_SV_TEXT(hash)},
                            1, ir_store_key_row_cb, out, NULL, d);
    if (err)
        return err;
    /* The database matched on the hash; compare again in constant time
     * so no code path of ours branches early on a near-miss. */
    if (out->hash[0] == '\0' || strlen(hash) != IR_KEY_HASH_LEN ||
        !ir_ct_equal(out->hash, hash, IR_KEY_HASH_LEN)) {
        ir_diag_set(d, "no such key");
        return IR_ENOTFOUND;
    }
    return IR_OK;
}

/* ---- create, read, list ------------------------------------------ */

ir_err
ir_store_key_create(struct ir_store_conn *c, const char *name,
                    bool management, int64_t limit_nanos,
                    const char *limit_reset, int64_t expires_at,
                    char *out_plain, size_t plain_size, struct ir_key *out,
                    struct ir_diag *d)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char secret[KEYS_SECRET_BYTES];
    char plain[KEYS_PLAIN_LEN + 1];
    struct ir_key k;
    int64_t now = ir_store_db_now(c);
    ir_err err;
    size_t i;

    if (name == NULL || plain_size < sizeof plain ||
        !ir_store_limit_reset_valid(limit_reset) ||
        (limit_nanos < 0 && limit_nanos != IR_NANOS_NONE) || expires_at < 0) {
        ir_diag_set(d, "invalid key parameters");
        return IR_EINVAL;
    }
    err = ir_rand_bytes(secret, sizeof secret);
    if (err) {
        ir_diag_set(d, "no randomness for a key");
        return err;
    }
    memcpy(plain, KEYS_PREFIX, KEYS_PREFIX_LEN);
    for (i = 0; i < sizeof secret; i++) {
        plain[KEYS_PREFIX_LEN + 2 * i] = hex[secret[i] >> 4];
        plain[KEYS_PREFIX_LEN + 2 * i + 1] = hex[secret[i] & 15];
    }
    plain[KEYS_PLAIN_LEN] = '\0';
    ir_ct_wipe(secret, sizeof secret);

    memset(&k, 0, sizeof k);
    ir_store_key_hash(plain, k.hash);
    (void)snprintf(k.label, sizeof k.label, KEYS_PREFIX "%.3s...%s",
                   plain + KEYS_PREFIX_LEN, plain + KEYS_PLAIN_LEN - 3);
    (void)snprintf(k.name, sizeof k.name, "%s", name);
    k.management = management;
    k.limit_nanos = limit_nanos;
    (void)snprintf(k.limit_reset, sizeof k.limit_reset, "%s",
                   limit_reset ? limit_reset : "");
    k.created_at = now;
    k.expires_at = expires_at;
    k.period_start = ir_store_period_start(k.limit_reset, now);
    if (k.period_start == 0)
        k.period_start = now;
    err = ir_store_db_query(
        c,
        "INSERT INTO keys (hash, label, name, management, disabled, "
        "limit_nanos, limit_reset, period_start, created_at, expires_at) "
        "VALUES ($1, $2, $3, $4, 0, $5, $6, $7, $8, $9)",
        (struct ir_store_val[]){
            IR_SV_TEXT(k.hash), IR_SV_TEXT(k.label), IR_SV_TEXT(k.name),
            IR_SV_INT(management),
            limit_nanos == IR_NANOS_NONE ? IR_SV_NULL : IR_SV_INT(limit_nanos),
            IR_SV_TEXT(k.limit_reset), IR_SV_INT(k.period_start),
            IR_SV_INT(now), IR_SV_INT(expires_at)},
        9, NULL, NULL, NULL, d);
    if (err == IR_OK) {
        memcpy(out_plain, plain, sizeof plain);
        if (out != NULL)
            *out = k;
    }
    ir_ct_wipe(plain, sizeof plain);
    return err;
}

ir_err
ir_store_key_get(struct ir_store_conn *c, const char *hash,
                 struct ir_key *out, struct ir_diag *d)
{
    ir_err err = ir_store_key_fetch(c, hash, false, out, d);

    /* Show the period as it stands now, even if no write has rolled it. */
    if (err == IR_OK)
        (void)ir_store_key_roll(out, ir_store_db_now(c));
    return err;
}

ir_err
ir_store_key_auth(struct ir_store_conn *c, const char *plain,
                  struct ir_key *out, const char **reason, struct ir_diag *d)
{
    char hash[IR_KEY_HASH_LEN + 1];
    int64_t now = ir_store_db_now(c);
    ir_err err;

    *reason = NULL;
    if (plain == NULL || !ir_store_key_plain_valid(plain)) {
        ir_diag_set(d, "malformed key");
        return IR_ENOTFOUND;
    }
    ir_store_key_hash(plain, hash);
    err = ir_store_key_get(c, hash, out, d);
    if (err)
        return err;
    if (out->disabled)
        *reason = "key_disabled";
    else if (out->expires_at != 0 && out->expires_at <= now)
        *reason = "key_expired";
    if (*reason != NULL) {
        ir_diag_set(d, "%s", *reason);
        return IR_EDENIED;
    }
    return IR_OK;
}

static ir_err
keys_list_cb(const struct ir_store_row *r, void *arg)
{
    struct keys_list *l = arg;

    if (l->n >= IR_STORE_MAX_ROWS)
        return IR_ETOOBIG;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        struct ir_key *v;

        v = ir_realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            return IR_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    return ir_store_key_row_cb(r, &l->v[l->n++]);
}

ir_err
ir_store_key_list_page(struct ir_store_conn *c, size_t offset, size_t limit,
                       bool include_disabled, struct ir_key **out, size_t *n,
                       struct ir_diag *d)
{
    struct keys_list l = {NULL, 0, 0};
    int64_t now = ir_store_db_now(c);
    ir_err err;
    size_t i;

    *out = NULL;
    *n = 0;
    if (limit > IR_STORE_MAX_ROWS)
        limit = IR_STORE_MAX_ROWS;
    err = ir_store_db_query(
        c,
        "SELECT " IR_STORE_KEY_COLS " FROM keys WHERE disabled = 0 OR $1 = 1"
        " ORDER BY created_at DESC, hash LIMIT $2 OFFSET $3",
        (struct ir_store_val[]){IR_SV_INT(include_disabled),
                                IR_SV_INT((int64_t)limit),
                                IR_SV_INT((int64_t)offset)},
        3, keys_list_cb, &l, NULL, d);
    if (err) {
        ir_free(l.v);
        return err;
    }
    for (i = 0; i < l.n; i++)
        (void)ir_store_key_roll(&l.v[i], now);
    *out = l.v;
    *n = l.n;
    return IR_OK;
}

ir_err
ir_store_key_list(struct ir_store_conn *c, struct ir_key **out, size_t *n,
                  struct ir_diag *d)
{
    return ir_store_key_list_page(c, 0, IR_STORE_MAX_ROWS, true, out, n, d);
}

ir_err
ir_store_key_count(struct ir_store_conn *c, size_t *n, struct ir_diag *d)
{
    int64_t v = 0;
    ir_err err = ir_store_db_query(c, "SELECT COUNT(*) FROM keys", NULL, 0,
                                   ir_store_db_int_cb, &v, NULL, d);

    *n = err ? 0 : (size_t)v;
    return err;
}

/* ---- update and delete -------------------------------------------- */

ir_err
ir_store_key_update(struct ir_store_conn *c, const char *hash,
                    const struct ir_key_update *u, struct ir_key *out,
                    struct ir_diag *d)
{
    struct keys_update_tx t;
    ir_err err;

    memset(&t, 0, sizeof t);
    t.hash = hash;
    t.u = u;
    if (((u->fields & IR_KEY_SET_NAME) && u->name == NULL) ||
        ((u->fields & IR_KEY_SET_LIMIT_RESET) &&
         !ir_store_limit_reset_valid(u->limit_reset)) ||
        ((u->fields & IR_KEY_SET_LIMIT) && u->limit_nanos < 0 &&
         u->limit_nanos != IR_NANOS_NONE) ||
        ((u->fields & IR_KEY_SET_RATE_LIMIT) &&
         (u->rate_limit_requests < 0 || u->rate_limit_interval_s < 0)) ||
        ((u->fields & IR_KEY_SET_EXPIRES) && u->expires_at < 0)) {
        ir_diag_set(d, "invalid key update");
        return IR_EINVAL;
    }
    err = ir_store_db_tx(c, keys_update_tx, &t, d);
    if (err == IR_OK && out != NULL)
        *out = t.k;
    return err;
}

static ir_err
keys_update_tx(struct ir_store_conn *c, void *arg, struct ir_diag *d)
{
    struct keys_update_tx *t = arg;
    const struct ir_key_update *u = t->u;
    struct ir_key *k = &t->k;
    int64_t now = ir_store_db_now(c);
    ir_err err;

    err = ir_store_key_fetch(c, t->hash, true, k, d);
    if (err)
        return err;
    (void)ir_store_key_roll(k, now);
    if (u->fields & IR_KEY_SET_NAME)
        (void)snprintf(k->name, sizeof k->name, "%s", u->name);
    if (u->fields & IR_KEY_SET_DISABLED)
        k->disabled = u->disabled;
    if (u->fields & IR_KEY_SET_MANAGEMENT)
        k->management = u->management;
    if (u->fields & IR_KEY_SET_BYOK)
        k->include_byok_in_limit = u->include_byok_in_limit;
    if (u->fields & IR_KEY_SET_LIMIT)
        k->limit_nanos = u->limit_nanos;
    if (u->fields & IR_KEY_SET_EXPIRES)
        k->expires_at = u->expires_at;
    if (u->fields & IR_KEY_SET_RATE_LIMIT) {
        k->rate_limit_requests = u->rate_limit_requests;
        k->rate_limit_interval_s = u->rate_limit_interval_s;
    }
    if ((u->fields & IR_KEY_SET_LIMIT_RESET) &&
        strcmp(k->limit_reset, u->limit_reset ? u->limit_reset : "") != 0) {
        (void)snprintf(k->limit_reset, sizeof k->limit_reset, "%s",
                       u->limit_reset ? u->limit_reset : "");
        err = keys_restart_period(c, k, now, d);
        if (err)
            return err;
    }
    k->updated_at = now;
    return keys_write(c, k, d);
}

/* A new reset rule counts what the key spent in the period that holds
 * now, from the ledger: switching to "daily" at noon keeps the morning's
 * spending. With no reset, the limit is against everything ever spent. */
static ir_err
keys_restart_period(struct ir_store_conn *c, struct ir_key *k, int64_t now,
                    struct ir_diag *d)
{
    int64_t start = ir_store_period_start(k->limit_reset, now);

    if (start == 0) {
        k->usage_nanos = k->usage_total_nanos;
        k->period_start = k->created_at;
        return IR_OK;
    }
    k->period_start = start;
    return ir_store_db_query(
        c,
        "SELECT COALESCE(SUM(cost_nanos), 0) FROM generations "
        "WHERE key_hash = $1 AND created_at >= $2 AND cost_nanos > 0",
        (struct ir_store_val[]){IR_SV_TEXT(k->hash), IR_SV_INT(start)}, 2,
        ir_store_db_int_cb, &k->usage_nanos, NULL, d);
}

static ir_err
keys_write(struct ir_store_conn *c, const struct ir_key *k, struct ir_diag *d)
{
    return ir_store_db_query(
        c,
        "UPDATE keys SET name = $2, management = $3, disabled = $4, "
        "limit_nanos = $5, limit_reset = $6, usage_nanos = $7, "
        "period_start = $8, updated_at = $9, expires_at = $10, "
        "rate_limit_requests = $11, rate_limit_interval_s = $12, "
        "include_byok_in_limit = $13 WHERE hash = $1",
        (struct ir_store_val[]){
            IR_SV_TEXT(k->hash), IR_SV_TEXT(k->name),
            IR_SV_INT(k->management), IR_SV_INT(k->disabled),
            k->limit_nanos == IR_NANOS_NONE ? IR_SV_NULL
                                             : IR_SV_INT(k->limit_nanos),
            IR_SV_TEXT(k->limit_reset), IR_SV_INT(k->usage_nanos),
            IR_SV_INT(k->period_start), IR_SV_INT(k->updated_at),
            IR_SV_INT(k->expires_at), IR_SV_INT(k->rate_limit_requests),
            IR_SV_INT(k->rate_limit_interval_s),
            IR_SV_INT(k->include_byok_in_limit)},
        13, NULL, NULL, NULL, d);
}

ir_err
ir_store_key_delete(struct ir_store_conn *c, const char *hash,
                    struct ir_diag *d)
{
    int64_t changes = 0;
    ir_err err;

    /* Open reservations stay: their settle or the sweep still balances
     * the account's reserved total, and a settle still records the
     * generation of a request that was in flight. */
    err = ir_store_db_query(c, "DELETE FROM keys WHERE hash = $1",
                            (struct ir_store_val[]){IR_SV_TEXT(hash)}, 1,
                            NULL, NULL, &changes, d);
    if (err == IR_OK && changes == 0) {
        ir_diag_set(d, "no such key");
        return IR_ENOTFOUND;
    }
    return err;
}

/* ---- rate limit ---------------------------------------------------- */

ir_err
ir_store_rate_hit(struct ir_store_conn *c, const char *bucket, int limit,
                  int interval_s, int64_t now, int *retry_after_s,
                  struct ir_diag *d)
{
    struct keys_window w = {0, 0};
    int64_t start;
    ir_err err;

    *retry_after_s = 0;
    if (limit <= 0 || interval_s <= 0)
        return IR_OK;
    start = now - ((now % interval_s) + interval_s) % interval_s;
    /* One statement, atomic on both backends. An instance whose clock
     * lags never moves a window back: the newer start wins. */
    err = ir_store_db_query(
        c,
        "INSERT INTO rate_windows (bucket, window_start, hits) "
        "VALUES ($1, $2, 1) ON CONFLICT (bucket) DO UPDATE SET "
        "hits = CASE WHEN excluded.window_start > rate_windows.window_start "
        "THEN 1 ELSE rate_windows.hits + 1 END, "
        "window_start = CASE WHEN excluded.window_start > "
        "rate_windows.window_start THEN excluded.window_start "
        "ELSE rate_windows.window_start END "
        "RETURNING hits, window_start",
        (struct ir_store_val[]){IR_SV_TEXT(bucket), IR_SV_INT(start)}, 2,
        keys_window_cb, &w, NULL, d);
    if (err)
        return err;
    if (w.hits <= limit)
        return IR_OK;
    *retry_after_s = (int)(w.start + interval_s - now);
    if (*retry_after_s < 1)
        *retry_after_s = 1;
    ir_diag_set(d, "rate limit: %d requests per %d s", limit, interval_s);
    return IR_EDENIED;
}

static ir_err
keys_window_cb(const struct ir_store_row *r, void *arg)
{
    struct keys_window *w = arg;

    w->hits = ir_store_db_int(r, 0);
    w->start = ir_store_db_int(r, 1);
    return IR_OK;
}
