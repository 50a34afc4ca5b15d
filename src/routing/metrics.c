/* SPDX-License-Identifier: Apache-2.0
 * routing/metrics.c - in-process metrics for one router instance, as
 * Prometheus scrapes expect (each instance is scraped on its own).
 */
#include "routing/metrics.h"

#include <stdio.h>
#include <string.h>

#include "util/mem.h"

#define METRICS_MAX_PROVIDERS 64
static const int64_t metrics_buckets_ms[] = {50,    100,   250,   500,
                                             1000,  2500,  5000,  10000,
                                             30000, 60000, 120000, 300000};
#define METRICS_NBUCKETS \
    (sizeof metrics_buckets_ms / sizeof metrics_buckets_ms[0])

struct metrics_provider {
    char name[64];
    uint64_t attempts_ok, attempts_err, fallbacks;
    uint64_t buckets[METRICS_NBUCKETS + 1]; /* last = +Inf */
    uint64_t count;
    double sum_s;
};

struct ir_metrics {
    uint64_t requests_by_class[6]; /* 1xx..5xx by first digit */
    uint64_t bytes_out;
    int64_t inflight;
    struct metrics_provider p[METRICS_MAX_PROVIDERS];
    size_t np;
};

ir_err
ir_routing_metrics_new(struct ir_metrics **out)
{
    *out = ir_calloc(1, sizeof **out);
    return *out ? IR_OK : IR_ENOMEM;
}

void
ir_routing_metrics_free(struct ir_metrics *m)
{
    ir_free(m);
}

static struct metrics_provider *
metrics_provider(struct ir_metrics *m, const char *name)
{
    size_t i;

    for (i = 0; i < m->np; i++)
        if (strcmp(m->p[i].name, name) == 0)
            return &m->p[i];
    if (m->np == METRICS_MAX_PROVIDERS)
        return NULL;
    (void)snprintf(m->p[m->np].name, sizeof m->p[m->np].name, "%s", name);
    return &m->p[m->np++];
}

void
ir_routing_metrics_request(struct ir_metrics *m, int status,
                           int64_t bytes_out)
{
    int cls = status / 100;

    if (m == NULL)
        return;
    if (cls >= 1 && cls <= 5)
        m->requests_by_class[cls]++;
    if (bytes_out > 0)
        m->bytes_out += (uint64_t)bytes_out;
}

void
ir_routing_metrics_attempt(struct ir_metrics *m, const char *provider,
                           int status, int64_t latency_ms)
{
    struct metrics_provider *p;
    size_t i;

    if (m == NULL || (p = metrics_provider(m, provider)) == NULL)
        return;
    if (status >= 200 && status < 300)
        p->attempts_ok++;
    else
        p->attempts_err++;
    for (i = 0; i < METRICS_NBUCKETS && latency_ms > metrics_buckets_ms[i];)
        i++;
    p->buckets[i]++;
    p->count++;
    p->sum_s += (double)latency_ms / 1000.0;
}

void
ir_routing_metrics_fallback(struct ir_metrics *m, const char *provider)
{
    struct metrics_provider *p;

    if (m != NULL && (p = metrics_provider(m, provider)) != NULL)
        p->fallbacks++;
}

void
ir_routing_metrics_inflight(struct ir_metrics *m, int delta)
{
    if (m != NULL)
        m->inflight += delta;
}

ir_err
ir_routing_metrics_render(const struct ir_metrics *m, struct ir_buf *b)
{
    size_t i, k;
    uint64_t cum;
    ir_err err = IR_OK;

#define ADD(...)                                           \
    do {                                                   \
        if ((err = ir_buf_addf(b, __VA_ARGS__)) != IR_OK)  \
            return err;                                    \
    } while (0)
    ADD("# HELP imagerouter_requests_total Image requests by status "
        "class.\n# TYPE imagerouter_requests_total counter\n");
    for (i = 1; i <= 5; i++)
        ADD("imagerouter_requests_total{class=\"%zuxx\"} %llu\n", i,
            (unsigned long long)m->requests_by_class[i]);
    ADD("# HELP imagerouter_inflight_requests Generations in progress.\n"
        "# TYPE imagerouter_inflight_requests gauge\n"
        "imagerouter_inflight_requests %lld\n", (long long)m->inflight);
    ADD("# HELP imagerouter_response_bytes_total Response body bytes.\n"
        "# TYPE imagerouter_response_bytes_total counter\n"
        "imagerouter_response_bytes_total %llu\n",
        (unsigned long long)m->bytes_out);
    ADD("# HELP imagerouter_attempts_total Provider attempts by outcome.\n"
        "# TYPE imagerouter_attempts_total counter\n");
    for (i = 0; i < m->np; i++)
        ADD("imagerouter_attempts_total{provider=\"%s\",outcome=\"ok\"} "
            "%llu\nimagerouter_attempts_total{provider=\"%s\","
            "outcome=\"error\"} %llu\n",
            m->p[i].name, (unsigned long long)m->p[i].attempts_ok,
            m->p[i].name, (unsigned long long)m->p[i].attempts_err);
    ADD("# HELP imagerouter_fallbacks_total Fallbacks away from a "
        "provider.\n# TYPE imagerouter_fallbacks_total counter\n");
    for (i = 0; i < m->np; i++)
        ADD("imagerouter_fallbacks_total{provider=\"%s\"} %llu\n",
            m->p[i].name, (unsigned long long)m->p[i].fallbacks);
    ADD("# HELP imagerouter_upstream_latency_seconds Provider attempt "
        "latency.\n# TYPE imagerouter_upstream_latency_seconds "
        "histogram\n");
    for (i = 0; i < m->np; i++) {
        for (cum = 0, k = 0; k <= METRICS_NBUCKETS; k++) {
            cum += m->p[i].buckets[k];
            if (k < METRICS_NBUCKETS)
                ADD("imagerouter_upstream_latency_seconds_bucket{provider="
                    "\"%s\",le=\"%g\"} %llu\n",
                    m->p[i].name, (double)metrics_buckets_ms[k] / 1000.0,
                    (unsigned long long)cum);
            else
                ADD("imagerouter_upstream_latency_seconds_bucket{provider="
                    "\"%s\",le=\"+Inf\"} %llu\n",
                    m->p[i].name, (unsigned long long)cum);
        }
        ADD("imagerouter_upstream_latency_seconds_sum{provider=\"%s\"} "
            "%.6f\nimagerouter_upstream_latency_seconds_count{provider="
            "\"%s\"} %llu\n",
            m->p[i].name, m->p[i].sum_s, m->p[i].name,
            (unsigned long long)m->p[i].count);
    }
#undef ADD
    return err;
}
