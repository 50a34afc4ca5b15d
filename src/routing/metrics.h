/* SPDX-License-Identifier: Apache-2.0
 * routing/metrics.h - counters and histograms served as Prometheus text
 * on GET /metrics: requests by outcome, attempts and fallbacks by
 * provider, upstream latency, in-flight requests, bytes out.
 */
#ifndef IR_ROUTING_METRICS_H
#define IR_ROUTING_METRICS_H

#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

struct ir_metrics;

ir_err ir_routing_metrics_new(struct ir_metrics **out) IR_MUST_CHECK;
void ir_routing_metrics_free(struct ir_metrics *m);

void ir_routing_metrics_request(struct ir_metrics *m, int status,
                                int64_t bytes_out);
void ir_routing_metrics_attempt(struct ir_metrics *m, const char *provider,
                                int status, int64_t latency_ms);
void ir_routing_metrics_fallback(struct ir_metrics *m, const char *provider);
void ir_routing_metrics_inflight(struct ir_metrics *m, int delta);

/* Appends the exposition text to b. */
ir_err ir_routing_metrics_render(const struct ir_metrics *m, struct ir_buf *b)
    IR_MUST_CHECK;

#endif
