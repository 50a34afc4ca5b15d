/* SPDX-License-Identifier: Apache-2.0
 * routing/fanout.c - a request for more images than an endpoint makes per
 * call, served by parallel calls to that endpoint, merged into one
 * answer with summed usage. n is an upper bound: when some calls fail,
 * the images of those that succeeded are returned; only when all fail
 * does the attempt fail (and the loop may fall back).
 *
 * Each call is a child job with a one-entry plan and no fallback; the
 * parent's attempt waits in JOB_FANOUT until every child has reported.
 */
#include "routing/job_internal.h"

#include <string.h>

#include "util/mem.h"

static void fanout_partial(void *arg, const struct ir_endpoint *ep,
                           int index, char *owned_b64, size_t len);
static void fanout_done(void *arg, struct ir_job_outcome *o);
static void fanout_released(void *arg);

static const struct ir_job_sink fanout_sink = {
    .partial = fanout_partial,
    .done = fanout_done,
    .released = fanout_released,
};


static void
fanout_partial(void *arg, const struct ir_endpoint *ep, int index,
               char *owned_b64, size_t len)
{
    /* Split calls do not stream: previews of one part are not sent. */
    (void)arg;
    (void)ep;
    (void)index;
    (void)len;
    ir_free(owned_b64);
}

static void
fanout_add_usage(struct ir_usage *a, const struct ir_usage *b)
{
    a->has_tokens = a->has_tokens || b->has_tokens;
    a->prompt_tokens += b->prompt_tokens;
    a->prompt_text_tokens += b->prompt_text_tokens;
    a->prompt_image_tokens += b->prompt_image_tokens;
    a->cached_tokens += b->cached_tokens;
    a->completion_tokens += b->completion_tokens;
    a->image_tokens += b->image_tokens;
    a->reasoning_tokens += b->reasoning_tokens;
}

static void
fanout_finish(struct ir_job *j)
{
    if (j->res.nimages > 0) {
        ir_error_cleanup(&j->aerr);
    } else {
        ir_error_move(&j->aerr, &j->fan->child_err);
        if (j->aerr.status == 0)
            ir_error_set(&j->aerr, 502, "no image was made");
    }
    j->phase = JOB_IDLE;
    ir_job_attempt_end(j);
}

static void
fanout_done(void *arg, struct ir_job_outcome *o)
{
    struct ir_job_slot *slot = arg;
    struct ir_job *j = slot->parent;
    size_t i;

    slot->child = NULL; /* freed right after this call */
    j->children_alive--;
    j->children_running--;
    if (o->err.status != 0) {
        ir_error_move(&j->fan->child_err, &o->err);
    } else {
        for (i = 0; i < o->res.nimages && j->res.nimages < IR_MAX_N; i++) {
            j->res.images[j->res.nimages++] = o->res.images[i];
            memset(&o->res.images[i], 0, sizeof o->res.images[i]);
        }
        fanout_add_usage(&j->res.usage, &o->res.usage);
    }
    if (j->children_running == 0 && !j->cancelled)
        fanout_finish(j);
}

static void
fanout_released(void *arg)
{
    struct ir_job_slot *slot = arg;
    struct ir_job *j = slot->parent;

    /* A cancelled child let go of the request; the last one frees the
     * cancelled parent (unless the parent is still in its own cancel,
     * which reaps it on the way out). */
    slot->child = NULL;
    j->children_alive--;
    if (j->children_alive == 0 && j->cancelled && !j->in_cancel)
        ir_job_reap_if_cancelled(j);
}

void
ir_job_fanout(struct ir_job *j, int n_max)
{
    struct ir_job_fan *f = j->fan;
    int left = j->req->n, offset = 0, chunk;

    /* Made on the first split; a later split (a fallback endpoint) comes
     * only after every child of the previous one has reported. */
    if (f == NULL && (f = j->fan = ir_calloc(1, sizeof *f)) == NULL) {
        ir_error_set(&j->aerr, 500, "out of memory");
        ir_job_attempt_end(j);
        return;
    }
    memset(&f->one, 0, sizeof f->one);
    f->one_e = *j->cur;
    f->one.e = &f->one_e;
    f->one.n = 1;
    j->phase = JOB_FANOUT;
    f->nchildren = 0;
    ir_error_cleanup(&f->child_err);
    while (left > 0 && f->nchildren < IR_MAX_N) {
        struct ir_job_slot *slot = &f->children[f->nchildren];

        chunk = left < n_max ? left : n_max;
        slot->parent = j;
        if (ir_job_start(j->srv, j->gen_id, j->req, &f->one, j->deadline_ms,
                         &fanout_sink, slot, chunk, offset, &slot->child) !=
            IR_OK)
            break;
        f->nchildren++;
        j->children_running++;
        j->children_alive++;
        left -= chunk;
        offset += chunk;
    }
    if (f->nchildren == 0) {
        j->phase = JOB_IDLE;
        ir_error_set(&j->aerr, 500, "out of memory");
        ir_job_attempt_end(j);
    }
}

void
ir_job_fanout_cancel(struct ir_job *j)
{
    size_t i;

    if (j->phase != JOB_FANOUT || j->fan == NULL)
        return;
    for (i = 0; i < j->fan->nchildren; i++)
        if (j->fan->children[i].child != NULL)
            ir_routing_job_cancel(j->fan->children[i].child);
}

void
ir_job_fanout_free(struct ir_job *j)
{
    if (j->fan == NULL)
        return;
    ir_error_cleanup(&j->fan->child_err);
    ir_free(j->fan);
    j->fan = NULL;
}
