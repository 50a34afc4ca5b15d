/* SPDX-License-Identifier: Apache-2.0
 * routing/health.h - observed health of each (provider, model) endpoint:
 * recent failures, cooldown after repeated failures with a single probe,
 * and latency/throughput figures for provider.sort.
 *
 * Health is advisory and per process: it only reorders candidates, so
 * instances sharing a database need not agree on it.
 */
#ifndef IR_ROUTING_HEALTH_H
#define IR_ROUTING_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

struct ir_health;

enum ir_health_state {
    IR_HEALTH_OK,        /* no failure in the recent window */
    IR_HEALTH_DEGRADED,  /* failures in the last window: goes last */
    IR_HEALTH_COOLING,   /* repeated failures: skipped until probe time */
    IR_HEALTH_PROBE,     /* cooling over: one request may probe it */
};

ir_err ir_routing_health_new(struct ir_health **out) IR_MUST_CHECK;
void ir_routing_health_free(struct ir_health *h);

enum ir_health_state ir_routing_health_state(struct ir_health *h,
                                             const char *slug,
                                             const char *model,
                                             int64_t now_ms);
/* Marks the probe as taken so only one request probes. */
void ir_routing_health_probe_taken(struct ir_health *h, const char *slug,
                                   const char *model, int64_t now_ms);
void ir_routing_health_record(struct ir_health *h, const char *slug,
                              const char *model, bool ok, int64_t latency_ms,
                              int64_t bytes, int64_t now_ms);
/* Exponentially weighted latency (ms) and throughput (bytes/s); -1 when
 * nothing was observed yet. */
double ir_routing_health_latency(struct ir_health *h, const char *slug,
                                 const char *model);
double ir_routing_health_throughput(struct ir_health *h, const char *slug,
                                    const char *model);

#endif
