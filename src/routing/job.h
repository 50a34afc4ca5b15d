/* SPDX-License-Identifier: Apache-2.0
 * routing/job.h - the attempt loop for one generation: walk the plan,
 * run each endpoint through its engine (local worker, HTTP sync, poll or
 * stream), fall back on retryable failures while nothing has reached the
 * client, and report the outcome once.
 */
#ifndef IR_ROUTING_JOB_H
#define IR_ROUTING_JOB_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "core/request.h"
#include "providers/provider.h"
#include "routing/plan.h"
#include "server/server.h"

struct ir_job;

struct ir_job_outcome {
    struct ir_error err;          /* status 0 on success */
    const struct ir_endpoint *ep; /* the endpoint that served (or failed) */
    struct ir_geom_target geom;
    struct ir_gen_result res;     /* images with format and size set */
    int attempts;
    int64_t provider_ms;          /* time spent in the final attempt */
};

struct ir_job_sink {
    /* A partial image to forward now (streaming). owned_b64 is the
     * sink's. Once called, the job never falls back. */
    void (*partial)(void *arg, const struct ir_endpoint *ep, int index,
                    char *owned_b64, size_t len);
    /* The end. o is valid during the call; the sink may move o->res
     * out (then zero it). Runs exactly once unless cancelled. */
    void (*done)(void *arg, struct ir_job_outcome *o);
    /* After ir_routing_job_cancel(): the job no longer touches the
     * borrowed request (a worker may have been using it). */
    void (*released)(void *arg);
};

/* req and plan are borrowed until done runs (or, after a cancel, until
 * released runs);
 * gen_id names the generation in attempt logs. deadline_ms is on the
 * monotonic clock. */
ir_err ir_routing_job_start(struct ir_server *srv, const char *gen_id,
                            const struct ir_request *req,
                            const struct ir_plan *plan, int64_t deadline_ms,
                            const struct ir_job_sink *sink, void *arg,
                            struct ir_job **out) IR_MUST_CHECK;

/* The client went away: stop upstream work now; done will not run,
 * released will (perhaps later, once a worker returns). */
void ir_routing_job_cancel(struct ir_job *j);

#endif
