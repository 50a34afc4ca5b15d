/* SPDX-License-Identifier: Apache-2.0
 * routing/plan.c - filter and order a model's endpoints for one request
 * (behavior.md sections 3 and 4).
 *
 * Order of precedence: provider.order, else provider.sort, else
 * price-weighted load balancing (probability ~ 1/price^2) among healthy
 * endpoints with the rest as fallbacks by price. Endpoints with recent
 * failures go after healthy ones; cooling ones go last, except that a
 * cooled-down endpoint due for its probe is tried first, once.
 */
#include "routing/plan.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "catalog/capability.h"
#include "core/pricing.h"
#include "util/buf.h"
#include "util/mem.h"

#define IR_PLAN_MAX_ASPECTS 32

bool
ir_routing_plan_matches(const char *item, const struct ir_endpoint *ep)
{
    size_t n = strlen(item);

    if (strcasecmp(item, ep->provider_slug) == 0 ||
        strcasecmp(item, ep->provider_name) == 0)
        return true;
    if (ep->provider_tag == NULL)
        return false;
    if (strcasecmp(item, ep->provider_tag) == 0)
        return true;
    /* A base slug matches its variants ("google-vertex" matches
     * "google-vertex/global"), but not service tiers. */
    return strncasecmp(item, ep->provider_tag, n) == 0 &&
           ep->provider_tag[n] == '/' &&
           strcmp(ep->provider_tag + n + 1, "flex") != 0 &&
           strcmp(ep->provider_tag + n + 1, "priority") != 0;
}

static bool
plan_listed(const struct ir_string_list *l, const struct ir_endpoint *ep)
{
    size_t i;

    for (i = 0; i < l->count; i++)
        if (ir_routing_plan_matches(l->items[i], ep))
            return true;
    return false;
}

static void
plan_list_names(const struct ir_string_list *l, struct ir_buf *b)
{
    size_t i;

    for (i = 0; i < l->count; i++)
        if (ir_buf_addf(b, "%s%s", i ? ", " : "", l->items[i]) != IR_OK)
            return; /* the list is only for the message */
}

static double
plan_price(const struct ir_plan_entry *e, double fallback)
{
    return e->est_known ? (double)e->est_nanos : fallback;
}

/* Sorts entries [lo, hi) by key ascending (insertion sort: n is small). */
static void
plan_sort(struct ir_plan_entry *e, size_t lo, size_t hi,
          double (*key)(const struct ir_plan_entry *, void *), void *arg)
{
    size_t i, j;

    for (i = lo + 1; i < hi; i++) {
        struct ir_plan_entry t = e[i];
        double k = key(&t, arg);

        for (j = i; j > lo && key(&e[j - 1], arg) > k; j--)
            e[j] = e[j - 1];
        e[j] = t;
    }
}

struct plan_ctx {
    const struct ir_request *req;
    struct ir_health *health;
    int64_t now_ms;
    double mean_price;
};

static int
plan_health_rank(const struct ir_plan_entry *e, struct plan_ctx *c)
{
    switch (ir_routing_health_state(c->health, e->ep->provider_slug,
                                    e->ep->model_id, c->now_ms)) {
    case IR_HEALTH_PROBE:
        return 0;
    case IR_HEALTH_OK:
        return 1;
    case IR_HEALTH_DEGRADED:
        return 2;
    case IR_HEALTH_COOLING:
        return 3;
    }
    return 1;
}

static double
plan_key_price(const struct ir_plan_entry *e, void *arg)
{
    struct plan_ctx *c = arg;

    return plan_health_rank(e, c) * 1e18 + plan_price(e, c->mean_price);
}

static double
plan_key_latency(const struct ir_plan_entry *e, void *arg)
{
    struct plan_ctx *c = arg;
    double l = ir_routing_health_latency(c->health, e->ep->provider_slug,
                                         e->ep->model_id);

    /* Unobserved endpoints sort after observed ones, by price. */
    return plan_health_rank(e, c) * 1e18 +
           (l < 0 ? 1e15 + plan_price(e, c->mean_price) : l);
}

static double
plan_key_throughput(const struct ir_plan_entry *e, void *arg)
{
    struct plan_ctx *c = arg;
    double t = ir_routing_health_throughput(c->health, e->ep->provider_slug,
                                            e->ep->model_id);

    return plan_health_rank(e, c) * 1e18 +
           (t < 0 ? 1e15 + plan_price(e, c->mean_price) : 1e12 - t);
}

/* Default routing: one primary drawn with weight 1/price^2 among the
 * best-health group, then everything else by health and price. */
static void
plan_balance(struct ir_plan *p, struct plan_ctx *c, double (*rand01)(void))
{
    size_t i, group = 0;
    double total = 0, draw, acc = 0, w;
    int best;

    plan_sort(p->e, 0, p->n, plan_key_price, c);
    if (p->n < 2)
        return;
    best = plan_health_rank(&p->e[0], c);
    if (best == 0)
        return; /* a probe goes first, as is */
    while (group < p->n && plan_health_rank(&p->e[group], c) == best)
        group++;
    for (i = 0; i < group; i++) {
        /* Free endpoints weigh as if they cost one nano-dollar. */
        w = 1.0 / pow(fmax(plan_price(&p->e[i], c->mean_price), 1.0), 2);
        total += w;
    }
    draw = rand01() * total;
    for (i = 0; i < group; i++) {
        w = 1.0 / pow(fmax(plan_price(&p->e[i], c->mean_price), 1.0), 2);
        acc += w;
        if (draw < acc || i == group - 1) {
            struct ir_plan_entry t = p->e[i];

            memmove(&p->e[1], &p->e[0], i * sizeof t);
            p->e[0] = t;
            return;
        }
    }
}

/* provider.order items first, in their order; the rest after, or
 * dropped when fallbacks are off. */
static void
plan_apply_order(struct ir_plan *p, const struct ir_provider_prefs *pr)
{
    struct ir_plan_entry out[IR_PLAN_MAX];
    bool used[IR_PLAN_MAX] = {false};
    size_t i, j, n = 0;

    for (i = 0; i < pr->order.count; i++)
        for (j = 0; j < p->n; j++)
            if (!used[j] &&
                ir_routing_plan_matches(pr->order.items[i], p->e[j].ep)) {
                out[n++] = p->e[j];
                used[j] = true;
            }
    if (pr->allow_fallbacks || n == 0)
        for (j = 0; j < p->n; j++)
            if (!used[j])
                out[n++] = p->e[j];
    memcpy(p->e, out, n * sizeof out[0]);
    p->n = n;
}

ir_err
ir_routing_plan_build(const struct ir_model *m, const struct ir_request *req,
                      struct ir_health *health, int64_t now_ms,
                      double (*rand01)(void), struct ir_plan *out,
                      struct ir_error *err)
{
    const struct ir_provider_prefs *pr = &req->provider;
    struct ir_plan_entry ents[IR_PLAN_MAX], *owned;
    struct ir_cap_reject whys[IR_PLAN_MAX];
    struct plan_ctx ctx = {req, health, now_ms, 0};
    struct ir_error gerr;
    struct ir_cost cost;
    const char *aspects[IR_PLAN_MAX_ASPECTS];
    size_t i, nwhy = 0, nfilt = 0, nknown = 0, naspects;
    double sum = 0;

    /* Built on the stack, copied out to fit once the count is known. */
    memset(out, 0, sizeof *out);
    out->e = ents;
    ir_error_init(&gerr);
    for (i = 0; i < m->nendpoints && out->n < IR_PLAN_MAX; i++) {
        const struct ir_endpoint *ep = &m->endpoints[i];
        struct ir_plan_entry *e = &out->e[out->n];

        if (!ep->available)
            continue;
        if (pr->only.count > 0 && !plan_listed(&pr->only, ep))
            continue;
        if (plan_listed(&pr->ignore, ep))
            continue;
        nfilt++;
        if (!ir_catalog_capability_check(req, ep, &whys[nwhy])) {
            nwhy++;
            continue;
        }
        ir_error_cleanup(&gerr);
        /* An aspect the endpoint lacks is clamped to its nearest one. */
        naspects = ir_catalog_capability_enum(ep, "aspect_ratio", aspects,
                                              IR_PLAN_MAX_ASPECTS);
        if (ir_core_geometry_resolve(req, &ep->geom,
                                     naspects ? aspects : NULL, naspects,
                                     &e->geom, &gerr) != IR_OK)
            continue;
        e->ep = ep;
        if (ir_core_pricing_estimate(ep->pricing, ep->config, req, &e->geom,
                                     req->n, &cost) == IR_OK &&
            cost.known) {
            e->est_known = true;
            e->est_nanos = cost.total_nanos;
            sum += (double)cost.total_nanos;
            nknown++;
        }
        out->n++;
    }
    if (out->n == 0) {
        if (nfilt == 0) {
            struct ir_buf b;

            ir_buf_init(&b, 512);
            plan_list_names(&pr->only, &b);
            ir_error_set(err, 404,
                         "No endpoint of model %s is left after the "
                         "provider preferences (only: [%s])",
                         m->id, b.data ? b.data : "");
            ir_error_meta_str(err, "error_type", "no_endpoints");
            ir_buf_cleanup(&b);
        } else if (nwhy > 0) {
            ir_catalog_capability_error(whys, nwhy, err);
        } else {
            ir_error_move(err, &gerr);
        }
        ir_error_cleanup(&gerr);
        memset(out, 0, sizeof *out);
        return IR_EINVAL;
    }
    ir_error_cleanup(&gerr);
    ctx.mean_price = nknown ? sum / (double)nknown : 1e9;

    if (pr->order.count > 0) {
        /* Explicit order wins over health; the rest go by price. */
        plan_sort(out->e, 0, out->n, plan_key_price, &ctx);
        plan_apply_order(out, pr);
    } else if (pr->sort == IR_SORT_PRICE) {
        plan_sort(out->e, 0, out->n, plan_key_price, &ctx);
    } else if (pr->sort == IR_SORT_LATENCY) {
        plan_sort(out->e, 0, out->n, plan_key_latency, &ctx);
    } else if (pr->sort == IR_SORT_THROUGHPUT) {
        plan_sort(out->e, 0, out->n, plan_key_throughput, &ctx);
    } else {
        plan_balance(out, &ctx, rand01);
    }
    if (!pr->allow_fallbacks && pr->order.count == 0)
        out->n = 1;
    /* Reserve for the dearest endpoint the request may end up on. */
    out->max_est_nanos = 0;
    out->any_unknown_price = false;
    for (i = 0; i < out->n; i++) {
        if (!out->e[i].est_known)
            out->any_unknown_price = true;
        else if (out->e[i].est_nanos > out->max_est_nanos)
            out->max_est_nanos = out->e[i].est_nanos;
    }
    owned = ir_malloc(out->n * sizeof *owned);
    if (owned == NULL) {
        memset(out, 0, sizeof *out);
        ir_error_cleanup(err);
        ir_error_set(err, 500, "out of memory while planning the request");
        return IR_ENOMEM;
    }
    memcpy(owned, ents, out->n * sizeof *owned);
    out->e = owned;
    if (ir_routing_health_state(health, out->e[0].ep->provider_slug,
                                out->e[0].ep->model_id,
                                now_ms) == IR_HEALTH_PROBE) {
        out->e[0].probe = true;
        ir_routing_health_probe_taken(health, out->e[0].ep->provider_slug,
                                      out->e[0].ep->model_id, now_ms);
    }
    return IR_OK;
}

void
ir_routing_plan_cleanup(struct ir_plan *p)
{
    ir_free(p->e);
    memset(p, 0, sizeof *p);
}
