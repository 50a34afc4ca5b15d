/* SPDX-License-Identifier: Apache-2.0
 * routing/plan.h - the candidate plan for one request: the model's
 * endpoints filtered by availability, provider.only/ignore and capability,
 * each with its resolved geometry and price estimate, in the order the
 * attempt loop will try them.
 */
#ifndef IR_ROUTING_PLAN_H
#define IR_ROUTING_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "core/error.h"
#include "core/geometry.h"
#include "core/request.h"
#include "routing/health.h"

#define IR_PLAN_MAX 32

struct ir_plan_entry {
    const struct ir_endpoint *ep;
    struct ir_geom_target geom;
    int64_t est_nanos;  /* upper bound of this request's cost here */
    bool est_known;
    bool probe;         /* this attempt probes a cooled-down endpoint */
};

/* Entries are allocated to fit (a held generation keeps its plan, and
 * most models have a few endpoints, not IR_PLAN_MAX). */
struct ir_plan {
    struct ir_plan_entry *e; /* n of them: owned when built here */
    size_t n;
    int64_t max_est_nanos; /* what to reserve: the dearest candidate */
    bool any_unknown_price;
};

/* Does a provider.only/ignore/order item name this endpoint? Slugs,
 * display names and tags match; a base slug matches its variants. */
bool ir_routing_plan_matches(const char *item, const struct ir_endpoint *ep);

/* Builds the plan into out (overwritten: clean up a built one first),
 * which the caller cleans up. On failure err holds the 400/404 (or 500)
 * to return and out owns nothing. rand01 supplies the load-balancing
 * draw (tests pass a fixed one). */
ir_err ir_routing_plan_build(const struct ir_model *m,
                             const struct ir_request *req,
                             struct ir_health *health, int64_t now_ms,
                             double (*rand01)(void), struct ir_plan *out,
                             struct ir_error *err) IR_MUST_CHECK;
/* Frees a built plan's entries; an all-zero plan is fine. */
void ir_routing_plan_cleanup(struct ir_plan *p);

#endif
