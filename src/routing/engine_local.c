/* SPDX-License-Identifier: Apache-2.0
 * routing/engine_local.c - runs an in-process provider (the built-in
 * renderer) on a worker thread. Previews travel back to the loop as
 * worker posts, already base64-encoded, so the loop only writes them.
 */
#include "routing/job_internal.h"

#include <string.h>

#include "catalog/catalog.h"
#include "image/base64.h"
#include "routing/normalize.h"
#include "util/mem.h"
#include "util/workers.h"

struct local_partial {
    int index;
    char *b64; /* owned */
    size_t len;
};

static void
local_partial_cb(const unsigned char *bytes, size_t len, enum ir_format fmt,
                 int index, void *arg)
{
    struct ir_job *j = arg;
    struct local_partial *p;

    (void)fmt;
    p = ir_calloc(1, sizeof *p);
    if (p == NULL)
        return; /* a preview is optional */
    p->index = index;
    if (ir_base64_encode(bytes, len, &p->b64, &p->len) != IR_OK ||
        ir_workers_post(j->work, p) != IR_OK) {
        ir_free(p->b64);
        ir_free(p);
    }
}

static void
local_work(struct ir_work *w, void *arg)
{
    struct ir_job *j = arg;
    const struct ir_endpoint *ep = j->cur->ep;

    j->work = w;
    if (ep->adapter->local_run(&j->call, j->call.stream ? local_partial_cb
                                                        : NULL,
                               j, &j->res, &j->aerr) != IR_OK) {
        if (j->aerr.status == 0)
            ir_error_set(&j->aerr, 500, "the built-in renderer failed");
        return;
    }
    if (ir_routing_normalize(j->req, &j->call.geom, ep->provider_name,
                             &j->res, &j->aerr) != IR_OK &&
        j->aerr.status == 0)
        ir_error_set(&j->aerr, 500, "normalizing the rendered image failed");
}

static void
local_post(void *msg, void *arg)
{
    struct ir_job *j = arg;
    struct local_partial *p = msg;

    ir_job_partial(j, p->index, p->b64, p->len);
    ir_free(p);
}

static void
local_done(void *arg)
{
    struct ir_job *j = arg;

    j->work = NULL;
    j->phase = JOB_IDLE;
    if (ir_job_reap_if_cancelled(j))
        return;
    ir_job_attempt_end(j);
}

void
ir_job_engine_local(struct ir_job *j)
{
    j->phase = JOB_WORKER;
    if (ir_workers_submit(j->srv->workers, local_work, local_done,
                          local_post, j) != IR_OK) {
        j->phase = JOB_IDLE;
        ir_error_set(&j->aerr, 500, "out of memory");
        ir_job_attempt_end(j);
    }
}
