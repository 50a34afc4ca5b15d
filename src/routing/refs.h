/* SPDX-License-Identifier: Apache-2.0
 * routing/refs.h - downloads input_references given as http(s) URLs, for
 * providers that need the bytes: public addresses only (unless the
 * operator allows private ones), a size cap, a timeout, image content
 * only. All downloads run in parallel on the loop.
 */
#ifndef IR_ROUTING_REFS_H
#define IR_ROUTING_REFS_H

#include "core/error.h"
#include "core/request.h"
#include "routing/plan.h"
#include "server/server.h"

struct ir_refs_fetch;

/* err.status == 0 on success; then every URL ref of req has bytes. */
typedef void ir_refs_done_cb(struct ir_error *err, void *arg);

/* Does any endpoint of the plan need the router to fetch URL refs? */
bool ir_routing_refs_needed(const struct ir_request *req,
                            const struct ir_plan *plan);

/* Fills req->refs[i].bytes for URL refs. done runs once, later. */
ir_err ir_routing_refs_fetch(struct ir_server *srv, struct ir_request *req,
                             ir_refs_done_cb *done, void *arg,
                             struct ir_refs_fetch **out) IR_MUST_CHECK;
/* Client gone: stop the downloads; done never runs. */
void ir_routing_refs_cancel(struct ir_refs_fetch *f);

#endif
