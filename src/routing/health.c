/* SPDX-License-Identifier: Apache-2.0
 * routing/health.c - per-endpoint failure window, cooldown and EWMA
 * latency. A small array searched linearly: catalogs have tens of
 * endpoints, not thousands.
 */
#include "routing/health.h"

#include <stdio.h>
#include <string.h>

#include "util/mem.h"

#define HEALTH_WINDOW_MS 30000    /* "no outage in the last 30 s" */
#define HEALTH_COOL_AFTER 3       /* consecutive failures before cooldown */
#define HEALTH_COOL_BASE_MS 10000 /* first cooldown; doubles, capped */
#define HEALTH_COOL_MAX_MS 300000
#define HEALTH_EWMA 0.2

struct health_entry {
    char key[192]; /* "slug model" */
    int64_t last_failure_ms;
    int consecutive_failures;
    int64_t cool_until_ms;
    int64_t cool_ms;
    bool probe_out;     /* a probe request is in flight */
    double latency_ms;  /* EWMA, -1 = unknown */
    double throughput;  /* EWMA bytes/s, -1 = unknown */
};

struct ir_health {
    struct health_entry *e;
    size_t n, cap;
};

ir_err
ir_routing_health_new(struct ir_health **out)
{
    *out = ir_calloc(1, sizeof **out);
    return *out ? IR_OK : IR_ENOMEM;
}

void
ir_routing_health_free(struct ir_health *h)
{
    if (h == NULL)
        return;
    ir_free(h->e);
    ir_free(h);
}

static struct health_entry *
health_find(struct ir_health *h, const char *slug, const char *model,
            bool create)
{
    char key[192];
    struct health_entry *e;
    size_t i;

    (void)snprintf(key, sizeof key, "%s %s", slug, model);
    for (i = 0; i < h->n; i++)
        if (strcmp(h->e[i].key, key) == 0)
            return &h->e[i];
    if (!create)
        return NULL;
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 16;

        e = ir_realloc(h->e, cap * sizeof *e);
        if (e == NULL)
            return NULL;
        h->e = e;
        h->cap = cap;
    }
    e = &h->e[h->n++];
    memset(e, 0, sizeof *e);
    memcpy(e->key, key, sizeof key);
    e->latency_ms = -1;
    e->throughput = -1;
    return e;
}

enum ir_health_state
ir_routing_health_state(struct ir_health *h, const char *slug,
                        const char *model, int64_t now_ms)
{
    struct health_entry *e = health_find(h, slug, model, false);

    if (e == NULL)
        return IR_HEALTH_OK;
    if (e->cool_until_ms != 0) {
        if (now_ms < e->cool_until_ms || e->probe_out)
            return IR_HEALTH_COOLING;
        return IR_HEALTH_PROBE;
    }
    if (e->last_failure_ms != 0 &&
        now_ms - e->last_failure_ms < HEALTH_WINDOW_MS)
        return IR_HEALTH_DEGRADED;
    return IR_HEALTH_OK;
}

void
ir_routing_health_probe_taken(struct ir_health *h, const char *slug,
                              const char *model, int64_t now_ms)
{
    struct health_entry *e = health_find(h, slug, model, false);

    (void)now_ms;
    if (e != NULL)
        e->probe_out = true;
}

void
ir_routing_health_record(struct ir_health *h, const char *slug,
                         const char *model, bool ok, int64_t latency_ms,
                         int64_t bytes, int64_t now_ms)
{
    struct health_entry *e = health_find(h, slug, model, true);

    if (e == NULL)
        return;
    e->probe_out = false;
    if (ok) {
        e->consecutive_failures = 0;
        e->cool_until_ms = 0;
        e->cool_ms = 0;
        e->latency_ms = e->latency_ms < 0
                            ? (double)latency_ms
                            : e->latency_ms * (1 - HEALTH_EWMA) +
                                  (double)latency_ms * HEALTH_EWMA;
        if (latency_ms > 0) {
            double tp = (double)bytes * 1000.0 / (double)latency_ms;

            e->throughput = e->throughput < 0
                                ? tp
                                : e->throughput * (1 - HEALTH_EWMA) +
                                      tp * HEALTH_EWMA;
        }
        return;
    }
    e->last_failure_ms = now_ms;
    if (++e->consecutive_failures >= HEALTH_COOL_AFTER) {
        /* A failed probe doubles the cooldown. */
        e->cool_ms = e->cool_ms ? e->cool_ms * 2 : HEALTH_COOL_BASE_MS;
        if (e->cool_ms > HEALTH_COOL_MAX_MS)
            e->cool_ms = HEALTH_COOL_MAX_MS;
        e->cool_until_ms = now_ms + e->cool_ms;
    }
}

double
ir_routing_health_latency(struct ir_health *h, const char *slug,
                          const char *model)
{
    struct health_entry *e = health_find(h, slug, model, false);

    return e ? e->latency_ms : -1;
}

double
ir_routing_health_throughput(struct ir_health *h, const char *slug,
                             const char *model)
{
    struct health_entry *e = health_find(h, slug, model, false);

    return e ? e->throughput : -1;
}
