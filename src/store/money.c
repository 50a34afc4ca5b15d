/* SPDX-License-Identifier: Apache-2.0
 * store/money.c - credit reservations, settlement, the expiry sweep and
 * the account's credit.
 *
 * A request reserves the most it can cost before the provider call; the
 * hold counts against the key's limit (and the account's credit) at once,
 * so concurrent requests never overdraw, on one instance or several.
 * Settling turns the hold into usage and records the generation in the
 * same transaction. Every hold has an expiry and names its instance: if
 * the process dies between reserve and settle, its restart gives the
 * credit back at once (ir_store_claim), and otherwise the sweep (at
 * startup and periodically, on any instance) does when the hold expires.
 *
 * Lock order, the same in every transaction so PostgreSQL never
 * deadlocks: reservation row, then key row, then the account row.
 */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/backend.h"
#include "util/mem.h"
#include "util/rand.h"

/* Expired holds released per sweep transaction, so one sweep never holds
 * many locks for long. */
#define MONEY_SWEEP_BATCH 500

struct money_reserve {
    const char *hash;
    int64_t amount;
    unsigned ttl_s;
    char *id;
    const char *reason;
};

struct money_settle {
    const char *id;
    int64_t actual;
    const struct ir_generation *g;
};

struct money_account {
    bool capped;
    int64_t total, usage, reserved;
};

struct money_hold {
    char key_hash[IR_KEY_HASH_LEN + 1];
    int64_t amount;
};

struct money_holds {
    struct money_hold *v;
    size_t n, cap;
};

/* One sweep transaction: expired holds, or (owner set) one owner's. */
struct money_sweep {
    const char *owner;
    size_t batch;
};

struct money_open {
    int64_t n, sum;
};

static ir_err money_reserve_tx(struct ir_store_conn *c, void *arg,
                               struct ir_diag *d) IR_MUST_CHECK;
static ir_err money_settle_tx(struct ir_store_conn *c, void *arg,
                              struct ir_diag *d) IR_MUST_CHECK;
static ir_err money_sweep_tx(struct ir_store_conn *c, void *arg,
                             struct ir_diag *d) IR_MUST_CHECK;
static ir_err money_account_cb(const struct ir_store_row *r, void *arg);
static ir_err money_account_get(struct ir_store_conn *c, bool lock,
                                struct money_account *a, struct ir_diag *d)
    IR_MUST_CHECK;
static ir_err money_hold_cb(const struct ir_store_row *r, void *arg);
static int money_hold_cmp(const void *a, const void *b);
static ir_err money_sweep_all(struct ir_store_conn *c, const char *owner,
                              size_t *released, struct ir_diag *d)
    IR_MUST_CHECK;
static ir_err money_open_cb(const struct ir_store_row *r, void *arg);
static ir_err money_charge(struct ir_store_conn *c, const char *key_hash,
                           int64_t held, int64_t actual, struct ir_diag *d)
    IR_MUST_CHECK;

/* ---- reserve ------------------------------------------------------ */

ir_err
ir_store_reserve(struct ir_store_conn *c, const char *key_hash,
                 int64_t amount_nanos, unsigned ttl_s,
                 char out_id[IR_STORE_RESERVATION_ID_LEN + 1],
                 const char **reason, struct ir_diag *d)
{
    struct money_reserve r = {key_hash, amount_nanos, ttl_s, out_id, NULL};
    ir_err err;

    *reason = NULL;
    out_id[0] = '\0';
    if (amount_nanos < 0 || ttl_s == 0) {
        ir_diag_set(d, "reserve: bad amount or ttl");
        return IR_EINVAL;
    }
    err = ir_store_db_tx(c, money_reserve_tx, &r, d);
    *reason = r.reason;
    if (err)
        out_id[0] = '\0';
    return err;
}

/* The key's lazy period reset (ir_store_key_roll) as SQL, for updates
 * that apply it without reading the row first. $D, $W and $M are the
 * starts of the current day, week and month (money_starts). */
#define MONEY_START(D, W, M)                                              \
    "(CASE limit_reset WHEN 'daily' THEN CAST(" D " AS BIGINT) "          \
    "WHEN 'weekly' THEN CAST(" W " AS BIGINT) "                           \
    "WHEN 'monthly' THEN CAST(" M " AS BIGINT) ELSE 0 END)"
#define MONEY_ROLLED_USAGE(D, W, M)                                       \
    "(CASE WHEN period_start < " MONEY_START(D, W, M)                     \
    " THEN 0 ELSE usage_nanos END)"
#define MONEY_ROLLED_START(D, W, M)                                       \
    "(CASE WHEN period_start < " MONEY_START(D, W, M) " THEN "            \
    MONEY_START(D, W, M) " ELSE period_start END)"

static void
money_starts(int64_t now, struct ir_store_val *v)
{
    v[0] = IR_SV_INT(ir_store_period_start("daily", now));
    v[1] = IR_SV_INT(ir_store_period_start("weekly", now));
    v[2] = IR_SV_INT(ir_store_period_start("monthly", now));
}

/* Takes the hold on the key: one conditional UPDATE that checks and
 * books it under the row's write lock (PostgreSQL re-evaluates the WHERE
 * on the newest row version after waiting for a concurrent writer, so
 * the check stays authoritative). Only when it matched no row is the key
 * read, to tell why. */
static ir_err
money_reserve_key(struct ir_store_conn *c, struct money_reserve *r,
                  int64_t now, struct ir_diag *d)
{
    struct ir_store_val v[6] = {IR_SV_TEXT(r->hash), IR_SV_INT(r->amount),
                                IR_SV_INT(now)};
    int64_t changes = 0;
    struct ir_key k;
    ir_err err;

    money_starts(now, v + 3);
    err = ir_store_db_query(
        c,
        "UPDATE keys SET reserved_nanos = reserved_nanos + CAST($2 AS "
        "BIGINT), usage_nanos = " MONEY_ROLLED_USAGE("$4", "$5", "$6")
        ", period_start = " MONEY_ROLLED_START("$4", "$5", "$6")
        " WHERE hash = $1 AND disabled = 0 AND (expires_at = 0 OR "
        "expires_at > CAST($3 AS BIGINT)) AND (limit_nanos IS NULL OR "
        "CAST($2 AS BIGINT) <= limit_nanos - reserved_nanos - "
        MONEY_ROLLED_USAGE("$4", "$5", "$6") ")",
        v, 6, NULL, NULL, &changes, d);
    if (err || changes == 1)
        return err;
    err = ir_store_key_fetch(c, r->hash, true, &k, d);
    if (err)
        return err;
    (void)ir_store_key_roll(&k, now);
    if (k.disabled)
        r->reason = "key_disabled";
    else if (k.expires_at != 0 && k.expires_at <= now)
        r->reason = "key_expired";
    else if (k.limit_nanos != IR_NANOS_NONE &&
             r->amount > k.limit_nanos - k.usage_nanos - k.reserved_nanos)
        r->reason = "key_limit_exceeded";
    if (r->reason != NULL) {
        ir_diag_set(d, "%s", r->reason);
        return IR_EDENIED;
    }
    /* A concurrent settle or key update freed room in between; the row
     * is locked now, so the check above holds. */
    return ir_store_db_query(
        c,
        "UPDATE keys SET reserved_nanos = reserved_nanos + $2, "
        "usage_nanos = $3, period_start = $4 WHERE hash = $1",
        (struct ir_store_val[]){IR_SV_TEXT(k.hash), IR_SV_INT(r->amount),
                                IR_SV_INT(k.usage_nanos),
                                IR_SV_INT(k.period_start)},
        4, NULL, NULL, NULL, d);
}

static ir_err
money_reserve_tx(struct ir_store_conn *c, void *arg, struct ir_diag *d)
{
    struct money_reserve *r = arg;
    int64_t now = ir_store_db_now(c), changes = 0;
    ir_err err;

    r->reason = NULL;
    /* Key row, then account row: the lock order of every transaction. */
    err = money_reserve_key(c, r, now, d);
    if (err)
        return err;
    err = ir_store_db_query(
        c,
        "UPDATE account SET reserved_nanos = reserved_nanos + CAST($1 AS "
        "BIGINT) WHERE id = 1 AND (total_credits_nanos IS NULL OR "
        "CAST($1 AS BIGINT) <= total_credits_nanos - usage_nanos - "
        "reserved_nanos)",
        (struct ir_store_val[]){IR_SV_INT(r->amount)}, 1, NULL, NULL,
        &changes, d);
    if (err)
        return err;
    if (changes != 1) {
        r->reason = "insufficient_credits";
        ir_diag_set(d, "%s", r->reason);
        return IR_EDENIED; /* the key's hold rolls back with the tx */
    }
    memcpy(r->id, "rsv-", 4);
    err = ir_rand_alnum(r->id + 4, IR_STORE_RESERVATION_ID_LEN - 4);
    if (err)
        return err;
    return ir_store_db_query(
        c,
        "INSERT INTO reservations (id, key_hash, amount_nanos, owner, "
        "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        (struct ir_store_val[]){IR_SV_TEXT(r->id), IR_SV_TEXT(r->hash),
                                IR_SV_INT(r->amount), IR_SV_TEXT(c->owner),
                                IR_SV_INT(now),
                                IR_SV_INT(now + (int64_t)r->ttl_s)},
        6, NULL, NULL, NULL, d);
}

/* ---- settle and release ------------------------------------------ */

ir_err
ir_store_settle(struct ir_store_conn *c, const char *reservation_id,
                int64_t actual_nanos, const struct ir_generation *g,
                struct ir_diag *d)
{
    struct money_settle s = {reservation_id, actual_nanos, g};

    if (actual_nanos < 0 || reservation_id == NULL) {
        ir_diag_set(d, "settle: bad amount or reservation");
        return IR_EINVAL;
    }
    return ir_store_db_tx(c, money_settle_tx, &s, d);
}

ir_err
ir_store_release(struct ir_store_conn *c, const char *reservation_id,
                 const struct ir_generation *g, struct ir_diag *d)
{
    return ir_store_settle(c, reservation_id, 0, g, d);
}

static ir_err
money_settle_tx(struct ir_store_conn *c, void *arg, struct ir_diag *d)
{
    struct money_settle *s = arg;
    struct money_holds h = {NULL, 0, 0};
    struct money_hold hold = {"", 0};
    ir_err err;

    err = ir_store_db_query(
        c,
        "DELETE FROM reservations WHERE id = $1 "
        "RETURNING key_hash, amount_nanos",
        (struct ir_store_val[]){IR_SV_TEXT(s->id)}, 1, money_hold_cb, &h,
        NULL, d);
    if (err)
        goto out;
    if (h.n > 0) {
        hold = h.v[0];
    } else if (s->g != NULL) {
        /* The hold ran out and was swept; the generation was still
         * delivered, so its cost still lands on its key. */
        memcpy(hold.key_hash, s->g->key_hash, sizeof hold.key_hash);
    } else {
        ir_diag_set(d, "no reservation %s", s->id);
        err = IR_ENOTFOUND;
        goto out;
    }
    if (hold.amount != 0 || s->actual != 0) {
        err = money_charge(c, hold.key_hash, hold.amount, s->actual, d);
        if (err)
            goto out;
    }
    if (s->g != NULL)
        err = ir_store_generation_put(c, s->g, d);
out:
    ir_free(h.v);
    return err;
}

/* Moves a hold of held into a charge of actual on the key and account,
 * without reading the key: the period roll is part of the UPDATE. */
static ir_err
money_charge(struct ir_store_conn *c, const char *key_hash, int64_t held,
             int64_t actual, struct ir_diag *d)
{
    struct ir_store_val v[6] = {IR_SV_TEXT(key_hash), IR_SV_INT(held),
                                IR_SV_INT(actual)};
    ir_err err;

    money_starts(ir_store_db_now(c), v + 3);
    /* No row: the key was deleted meanwhile; the account still counts. */
    err = ir_store_db_query(
        c,
        "UPDATE keys SET reserved_nanos = reserved_nanos - CAST($2 AS "
        "BIGINT), usage_nanos = " MONEY_ROLLED_USAGE("$4", "$5", "$6")
        " + CAST($3 AS BIGINT), period_start = "
        MONEY_ROLLED_START("$4", "$5", "$6")
        ", usage_total_nanos = usage_total_nanos + CAST($3 AS BIGINT) "
        "WHERE hash = $1",
        v, 6, NULL, NULL, NULL, d);
    if (err)
        return err;
    return ir_store_db_query(
        c,
        "UPDATE account SET reserved_nanos = reserved_nanos - $1, "
        "usage_nanos = usage_nanos + $2 WHERE id = 1",
        (struct ir_store_val[]){IR_SV_INT(held), IR_SV_INT(actual)}, 2, NULL,
        NULL, NULL, d);
}

static ir_err
money_hold_cb(const struct ir_store_row *r, void *arg)
{
    struct money_holds *h = arg;

    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 8;
        struct money_hold *v = ir_realloc(h->v, cap * sizeof *v);

        if (v == NULL)
            return IR_ENOMEM;
        h->v = v;
        h->cap = cap;
    }
    ir_store_db_text(r, 0, h->v[h->n].key_hash, sizeof h->v[h->n].key_hash);
    h->v[h->n].amount = ir_store_db_int(r, 1);
    h->n++;
    return IR_OK;
}

/* ---- the sweep ----------------------------------------------------- */

ir_err
ir_store_sweep(struct ir_store_conn *c, size_t *released, struct ir_diag *d)
{
    return money_sweep_all(c, NULL, released, d);
}

ir_err
ir_store_release_owner(struct ir_store_conn *c, const char *owner,
                       size_t *released, struct ir_diag *d)
{
    if (owner == NULL || owner[0] == '\0') {
        ir_diag_set(d, "release: no owner");
        return IR_EINVAL;
    }
    return money_sweep_all(c, owner, released, d);
}

static ir_err
money_sweep_all(struct ir_store_conn *c, const char *owner, size_t *released,
                struct ir_diag *d)
{
    struct money_sweep sw = {owner, 0};
    size_t total = 0;
    ir_err err;

    do {
        err = ir_store_db_tx(c, money_sweep_tx, &sw, d);
        total += sw.batch;
    } while (err == IR_OK && sw.batch == MONEY_SWEEP_BATCH);
    if (released != NULL)
        *released = total;
    return err;
}

static ir_err
money_sweep_tx(struct ir_store_conn *c, void *arg, struct ir_diag *d)
{
    struct money_sweep *sw = arg;
    struct money_holds h = {NULL, 0, 0};
    int64_t sum = 0, part;
    char sql[256];
    size_t i, j;
    ir_err err;

    sw->batch = 0;
    if (sw->owner == NULL) {
        err = ir_store_db_query(c, c->be->sweep_sql,
                                (struct ir_store_val[]){
                                    IR_SV_INT(ir_store_db_now(c)),
                                    IR_SV_INT(MONEY_SWEEP_BATCH)},
                                2, money_hold_cb, &h, NULL, d);
    } else {
        /* A dead instance's holds: nobody settles them, so waiting on a
         * row lock (a concurrent sweep) is short. */
        (void)snprintf(sql, sizeof sql,
                       "DELETE FROM reservations WHERE id IN (SELECT id "
                       "FROM reservations WHERE owner = $1 ORDER BY id "
                       "LIMIT $2%s) RETURNING key_hash, amount_nanos",
                       c->be->for_update);
        err = ir_store_db_query(c, sql,
                                (struct ir_store_val[]){
                                    IR_SV_TEXT(sw->owner),
                                    IR_SV_INT(MONEY_SWEEP_BATCH)},
                                2, money_hold_cb, &h, NULL, d);
    }
    if (err || h.n == 0)
        goto out;
    /* Keys in hash order, one update each, so two sweepers (or a sweeper
     * and a settle) always lock keys in the same order. */
    qsort(h.v, h.n, sizeof *h.v, money_hold_cmp);
    for (i = 0; i < h.n; i = j) {
        for (part = 0, j = i; j < h.n &&
             strcmp(h.v[j].key_hash, h.v[i].key_hash) == 0; j++)
            part += h.v[j].amount;
        sum += part;
        err = ir_store_db_query(
            c,
            "UPDATE keys SET reserved_nanos = reserved_nanos - $2 "
            "WHERE hash = $1",
            (struct ir_store_val[]){IR_SV_TEXT(h.v[i].key_hash),
                                    IR_SV_INT(part)},
            2, NULL, NULL, NULL, d);
        if (err)
            goto out;
    }
    err = ir_store_db_query(
        c, "UPDATE account SET reserved_nanos = reserved_nanos - $1 "
           "WHERE id = 1",
        (struct ir_store_val[]){IR_SV_INT(sum)}, 1, NULL, NULL, NULL, d);
    if (err == IR_OK)
        sw->batch = h.n;
out:
    ir_free(h.v);
    return err;
}

/* ---- open holds ---------------------------------------------------- */

ir_err
ir_store_reservations(struct ir_store_conn *c, const char *key_hash,
                      size_t *n, int64_t *nanos, struct ir_diag *d)
{
    struct money_open o = {0, 0};
    ir_err err;

    err = ir_store_db_query(
        c,
        "SELECT COUNT(*), COALESCE(SUM(amount_nanos), 0) FROM reservations "
        "WHERE key_hash = $1 OR $2 = 1",
        (struct ir_store_val[]){IR_SV_TEXT(key_hash ? key_hash : ""),
                                IR_SV_INT(key_hash == NULL)},
        2, money_open_cb, &o, NULL, d);
    *n = err ? 0 : (size_t)o.n;
    *nanos = err ? 0 : o.sum;
    return err;
}

static ir_err
money_open_cb(const struct ir_store_row *r, void *arg)
{
    struct money_open *o = arg;

    o->n = ir_store_db_int(r, 0);
    o->sum = ir_store_db_int(r, 1);
    return IR_OK;
}

static int
money_hold_cmp(const void *a, const void *b)
{
    const struct money_hold *x = a, *y = b;

    return strcmp(x->key_hash, y->key_hash);
}

/* ---- account credit ----------------------------------------------- */

static ir_err
money_account_cb(const struct ir_store_row *r, void *arg)
{
    struct money_account *a = arg;

    a->capped = !ir_store_db_null(r, 0);
    a->total = a->capped ? ir_store_db_int(r, 0) : IR_NANOS_NONE;
    a->usage = ir_store_db_int(r, 1);
    a->reserved = ir_store_db_int(r, 2);
    return IR_OK;
}

static ir_err
money_account_get(struct ir_store_conn *c, bool lock,
                  struct money_account *a, struct ir_diag *d)
{
    char sql[256];

    (void)snprintf(sql, sizeof sql,
                   "SELECT total_credits_nanos, usage_nanos, reserved_nanos "
                   "FROM account WHERE id = 1%s",
                   lock ? c->be->for_update : "");
    memset(a, 0, sizeof *a);
    a->total = IR_NANOS_NONE;
    return ir_store_db_query(c, sql, NULL, 0, money_account_cb, a, NULL, d);
}

ir_err
ir_store_credits_get(struct ir_store_conn *c, int64_t *total_nanos,
                     int64_t *usage_nanos, struct ir_diag *d)
{
    struct money_account a;
    ir_err err = money_account_get(c, false, &a, d);

    *total_nanos = err ? IR_NANOS_NONE : a.total;
    *usage_nanos = err ? 0 : a.usage;
    return err;
}

ir_err
ir_store_credits_add(struct ir_store_conn *c, int64_t amount_nanos,
                     struct ir_diag *d)
{
    if (amount_nanos < 0) {
        ir_diag_set(d, "credits: negative amount");
        return IR_EINVAL;
    }
    return ir_store_db_query(
        c,
        "UPDATE account SET total_credits_nanos = "
        "COALESCE(total_credits_nanos, 0) + $1 WHERE id = 1",
        (struct ir_store_val[]){IR_SV_INT(amount_nanos)}, 1, NULL, NULL,
        NULL, d);
}

ir_err
ir_store_credits_set(struct ir_store_conn *c, int64_t total_nanos,
                     struct ir_diag *d)
{
    if (total_nanos < 0 && total_nanos != IR_NANOS_NONE) {
        ir_diag_set(d, "credits: negative amount");
        return IR_EINVAL;
    }
    return ir_store_db_query(
        c, "UPDATE account SET total_credits_nanos = $1 WHERE id = 1",
        (struct ir_store_val[]){total_nanos == IR_NANOS_NONE
                                    ? IR_SV_NULL
                                    : IR_SV_INT(total_nanos)},
        1, NULL, NULL, NULL, d);
}
