/* SPDX-License-Identifier: Apache-2.0
 * store/ledger.c - the generation ledger: one row per generation, read
 * back by id, summed per key and period, and grouped per app.
 */
#include "store/store.h"

#include <string.h>

#include "store/backend.h"
#include "util/mem.h"

#define LEDGER_GEN_COLS                                                    \
    "id, key_hash, model, provider_name, provider_slug, status, "         \
    "http_status, created_at, latency_ms, generation_ms, cost_nanos, "    \
    "prompt_tokens, completion_tokens, image_tokens, num_images, "        \
    "attempts, streamed, cancelled, referer, title, categories, "         \
    "error_message, upstream_id, finish_reason, user_agent, "             \
    "provider_responses"

struct ledger_rows {
    struct ir_store_app_usage *v;
    size_t n, cap;
};

struct ledger_usage {
    int64_t v[3];
};

static ir_err ledger_gen_cb(const struct ir_store_row *r, void *arg);
static ir_err ledger_app_cb(const struct ir_store_row *r, void *arg);
static ir_err ledger_usage_cb(const struct ir_store_row *r, void *arg);

ir_err
ir_store_generation_put(struct ir_store_conn *c,
                        const struct ir_generation *g, struct ir_diag *d)
{
    if (g->id[0] == '\0') {
        ir_diag_set(d, "generation without an id");
        return IR_EINVAL;
    }
    return ir_store_db_query(
        c,
        "INSERT INTO generations (" LEDGER_GEN_COLS ") VALUES ($1, $2, $3, "
        "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, "
        "$18, $19, $20, $21, $22, $23, $24, $25, $26)",
        (struct ir_store_val[]){
            IR_SV_TEXT(g->id), IR_SV_TEXT(g->key_hash), IR_SV_TEXT(g->model),
            IR_SV_TEXT(g->provider_name), IR_SV_TEXT(g->provider_slug),
            IR_SV_TEXT(g->status), IR_SV_INT(g->http_status),
            IR_SV_INT(g->created_at), IR_SV_INT(g->latency_ms),
            IR_SV_INT(g->generation_ms), IR_SV_INT(g->cost_nanos),
            IR_SV_INT(g->prompt_tokens), IR_SV_INT(g->completion_tokens),
            IR_SV_INT(g->image_tokens), IR_SV_INT(g->num_images),
            IR_SV_INT(g->attempts), IR_SV_INT(g->streamed),
            IR_SV_INT(g->cancelled), IR_SV_TEXT(g->referer),
            IR_SV_TEXT(g->title), IR_SV_TEXT(g->categories),
            IR_SV_TEXT(g->error_message), IR_SV_TEXT(g->upstream_id),
            IR_SV_TEXT(g->finish_reason), IR_SV_TEXT(g->user_agent),
            IR_SV_TEXT(g->provider_responses)},
        26, NULL, NULL, NULL, d);
}

ir_err
ir_store_generation_insert(struct ir_store_conn *c,
                           const struct ir_generation *g, struct ir_diag *d)
{
    return ir_store_generation_put(c, g, d);
}

static ir_err
ledger_gen_cb(const struct ir_store_row *r, void *arg)
{
    struct ir_generation *g = arg;

    memset(g, 0, sizeof *g);
    ir_store_db_text(r, 0, g->id, sizeof g->id);
    ir_store_db_text(r, 1, g->key_hash, sizeof g->key_hash);
    ir_store_db_text(r, 2, g->model, sizeof g->model);
    ir_store_db_text(r, 3, g->provider_name, sizeof g->provider_name);
    ir_store_db_text(r, 4, g->provider_slug, sizeof g->provider_slug);
    ir_store_db_text(r, 5, g->status, sizeof g->status);
    g->http_status = (int)ir_store_db_int(r, 6);
    g->created_at = ir_store_db_int(r, 7);
    g->latency_ms = ir_store_db_int(r, 8);
    g->generation_ms = ir_store_db_int(r, 9);
    g->cost_nanos = ir_store_db_int(r, 10);
    g->prompt_tokens = ir_store_db_int(r, 11);
    g->completion_tokens = ir_store_db_int(r, 12);
    g->image_tokens = ir_store_db_int(r, 13);
    g->num_images = (int)ir_store_db_int(r, 14);
    g->attempts = (int)ir_store_db_int(r, 15);
    g->streamed = ir_store_db_int(r, 16) != 0;
    g->cancelled = ir_store_db_int(r, 17) != 0;
    ir_store_db_text(r, 18, g->referer, sizeof g->referer);
    ir_store_db_text(r, 19, g->title, sizeof g->title);
    ir_store_db_text(r, 20, g->categories, sizeof g->categories);
    ir_store_db_text(r, 21, g->error_message, sizeof g->error_message);
    ir_store_db_text(r, 22, g->upstream_id, sizeof g->upstream_id);
    ir_store_db_text(r, 23, g->finish_reason, sizeof g->finish_reason);
    ir_store_db_text(r, 24, g->user_agent, sizeof g->user_agent);
    ir_store_db_text(r, 25, g->provider_responses,
                     sizeof g->provider_responses);
    return IR_OK;
}

ir_err
ir_store_generation_get(struct ir_store_conn *c, const char *id,
                        struct ir_generation *out, struct ir_diag *d)
{
    ir_err err;

    out->id[0] = '\0';
    err = ir_store_db_query(
        c, "SELECT " LEDGER_GEN_COLS " FROM generations WHERE id = $1",
        (struct ir_store_val[]){IR_SV_TEXT(id)}, 1, ledger_gen_cb, out, NULL,
        d);
    if (err == IR_OK && out->id[0] == '\0') {
        ir_diag_set(d, "Generation %.64s not found", id);
        return IR_ENOTFOUND;
    }
    return err;
}

/* ---- per-key period sums ------------------------------------------ */

static ir_err
ledger_usage_cb(const struct ir_store_row *r, void *arg)
{
    struct ledger_usage *u = arg;
    int i;

    for (i = 0; i < 3; i++)
        u->v[i] = ir_store_db_null(r, i) ? 0 : ir_store_db_int(r, i);
    return IR_OK;
}

ir_err
ir_store_key_usage(struct ir_store_conn *c, const char *hash,
                   struct ir_key_usage *out, struct ir_diag *d)
{
    int64_t now = ir_store_db_now(c);
    int64_t day = ir_store_period_start("daily", now);
    int64_t week = ir_store_period_start("weekly", now);
    int64_t month = ir_store_period_start("monthly", now);
    int64_t from = week < month ? week : month;
    struct ledger_usage u = {{0, 0, 0}};
    struct ir_key k;
    ir_err err;

    memset(out, 0, sizeof *out);
    err = ir_store_key_fetch(c, hash, false, &k, d);
    if (err)
        return err;
    /* Served by generations_key_created: one range scan from the older of
     * the week's and the month's start. Unknown costs (-1) are skipped. */
    err = ir_store_db_query(
        c,
        "SELECT SUM(CASE WHEN created_at >= $3 THEN cost_nanos ELSE 0 END), "
        "SUM(CASE WHEN created_at >= $4 THEN cost_nanos ELSE 0 END), "
        "SUM(CASE WHEN created_at >= $5 THEN cost_nanos ELSE 0 END) "
        "FROM generations WHERE key_hash = $1 AND created_at >= $2 "
        "AND cost_nanos > 0",
        (struct ir_store_val[]){IR_SV_TEXT(hash), IR_SV_INT(from),
                                IR_SV_INT(day), IR_SV_INT(week),
                                IR_SV_INT(month)},
        5, ledger_usage_cb, &u, NULL, d);
    if (err)
        return err;
    out->total_nanos = k.usage_total_nanos;
    out->daily_nanos = u.v[0];
    out->weekly_nanos = u.v[1];
    out->monthly_nanos = u.v[2];
    return IR_OK;
}

/* ---- attribution --------------------------------------------------- */

static ir_err
ledger_app_cb(const struct ir_store_row *r, void *arg)
{
    struct ledger_rows *l = arg;
    struct ir_store_app_usage *a;

    if (l->n >= IR_STORE_MAX_ROWS)
        return IR_ETOOBIG;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        struct ir_store_app_usage *v;

        v = ir_realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            return IR_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    a = &l->v[l->n++];
    memset(a, 0, sizeof *a);
    a->day = ir_store_db_int(r, 0);
    ir_store_db_text(r, 1, a->referer, sizeof a->referer);
    ir_store_db_text(r, 2, a->title, sizeof a->title);
    ir_store_db_text(r, 3, a->categories, sizeof a->categories);
    ir_store_db_text(r, 4, a->model, sizeof a->model);
    ir_store_db_text(r, 5, a->provider_name, sizeof a->provider_name);
    a->requests = ir_store_db_int(r, 6);
    a->images = ir_store_db_int(r, 7);
    a->cost_nanos = ir_store_db_int(r, 8);
    a->prompt_tokens = ir_store_db_int(r, 9);
    a->completion_tokens = ir_store_db_int(r, 10);
    a->image_tokens = ir_store_db_int(r, 11);
    return IR_OK;
}

ir_err
ir_store_app_usage(struct ir_store_conn *c, int64_t from, int64_t to,
                   const char *key_hash, struct ir_store_app_usage **out,
                   size_t *n, struct ir_diag *d)
{
    struct ledger_rows l = {NULL, 0, 0};
    ir_err err;

    *out = NULL;
    *n = 0;
    /* created_at is never negative, so created_at % 86400 is the time
     * of day in both dialects. The created_at index serves the range. */
    err = ir_store_db_query(
        c,
        "SELECT created_at - created_at % 86400, referer, title, "
        "categories, model, provider_name, COUNT(*), SUM(num_images), "
        "SUM(CASE WHEN cost_nanos > 0 THEN cost_nanos ELSE 0 END), "
        "SUM(prompt_tokens), SUM(completion_tokens), SUM(image_tokens) "
        "FROM generations WHERE created_at >= $1 AND created_at < $2 "
        "AND status = 'success' AND ($3 = '' OR key_hash = $3) "
        "GROUP BY created_at - created_at % 86400, referer, title, "
        "categories, model, provider_name "
        "ORDER BY 1, 2, 3, 4, 5, 6",
        (struct ir_store_val[]){IR_SV_INT(from), IR_SV_INT(to),
                                IR_SV_TEXT(key_hash ? key_hash : "")},
        3, ledger_app_cb, &l, NULL, d);
    if (err) {
        ir_free(l.v);
        return err;
    }
    *out = l.v;
    *n = l.n;
    return IR_OK;
}
