/* SPDX-License-Identifier: Apache-2.0
 * routing/job.c - the attempt loop: try plan entries in order, fall back
 * on retryable failures while nothing has reached the client, enforce
 * the request deadline, log every attempt as one JSON line, and report
 * the outcome to the sink exactly once.
 */
#include "routing/job_internal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "catalog/capability.h"
#include "catalog/catalog.h"
#include "routing/health.h"
#include "routing/metrics.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/time.h"

static void job_next_attempt(struct ir_job *j);

static void
job_free(struct ir_job *j)
{
    if (j->cancelled && j->sink->released != NULL)
        j->sink->released(j->arg);
    if (j->deadline_ev != NULL)
        event_free(j->deadline_ev);
    if (j->start_ev != NULL)
        event_free(j->start_ev);
    if (j->timer != NULL)
        event_free(j->timer);
    ir_upstream_req_free(j->ureq);
    if (j->options != NULL)
        json_decref(j->options);
    ir_gen_result_cleanup(&j->res);
    ir_error_cleanup(&j->aerr);
    ir_error_cleanup(&j->last_err);
    ir_job_fanout_free(j);
    if (j->stream != NULL) {
        if (j->sse_ready)
            ir_sse_cleanup(&j->stream->sse);
        ir_buf_cleanup(&j->stream->errbody);
        ir_free(j->stream);
    }
    ir_free(j->completed_b64);
    ir_free(j->poll_url);
    ir_free(j);
}

bool
ir_job_reap_if_cancelled(struct ir_job *j)
{
    if (!j->cancelled)
        return false;
    /* A worker in flight, or children still holding the request, free
     * the job when they finish. */
    if (j->phase != JOB_WORKER && j->children_alive == 0)
        job_free(j);
    return true;
}

struct ir_job_stream *
ir_job_stream_get(struct ir_job *j)
{
    if (j->stream == NULL) {
        j->stream = ir_calloc(1, sizeof *j->stream);
        if (j->stream != NULL)
            ir_buf_init(&j->stream->errbody, 1024 * 1024);
    }
    return j->stream;
}

bool
ir_job_should_stop(struct ir_job *j)
{
    return j->cancelled || j->finished;
}

void
ir_job_partial(struct ir_job *j, int index, char *owned_b64, size_t len)
{
    if (j->cancelled || j->finished) {
        ir_free(owned_b64);
        return;
    }
    j->partial_sent = true;
    j->sink->partial(j->arg, j->cur->ep, index, owned_b64, len);
}

/* The end of the job: hand the outcome to the sink, then free. */
static void
job_finish(struct ir_job *j, bool success)
{
    struct ir_job_outcome o;

    memset(&o, 0, sizeof o);
    j->finished = true;
    if (success) {
        o.res = j->res;
        memset(&j->res, 0, sizeof j->res);
    } else {
        ir_error_move(&o.err, &j->last_err);
        if (o.err.status == 0)
            ir_error_set(&o.err, 502, "Provider returned error");
    }
    o.ep = j->cur ? j->cur->ep : NULL;
    if (j->cur != NULL)
        o.geom = j->cur->geom;
    o.attempts = j->attempts;
    o.provider_ms = ir_time_mono_ms() - j->attempt_start_ms;
    j->sink->done(j->arg, &o);
    ir_gen_result_cleanup(&o.res);
    ir_error_cleanup(&o.err);
    job_free(j);
}

static void
job_log_attempt(struct ir_job *j, bool ok, int64_t ms)
{
    json_t *o; /* owned */
    char *s;

    o = json_pack("{s:s,s:s,s:s,s:s,s:i,s:b,s:i,s:I,s:I,s:s?}", "event",
                  "attempt", "generation_id", j->gen_id, "model",
                  j->cur->ep->model_id, "provider", j->cur->ep->provider_slug,
                  "attempt", j->attempts, "ok", ok, "status",
                  ok ? 200 : j->aerr.status, "latency_ms", (json_int_t)ms,
                  "bytes_in", (json_int_t)j->bytes_in, "error",
                  ok ? NULL : j->aerr.message);
    if (o == NULL)
        return;
    s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (s != NULL) {
        ir_log_json_line(s);
        free(s);
    }
}

void
ir_job_attempt_end(struct ir_job *j)
{
    bool ok = j->aerr.status == 0;
    int64_t now = ir_time_mono_ms(), ms = now - j->attempt_start_ms;

    j->phase = JOB_IDLE;
    if (ir_job_reap_if_cancelled(j))
        return;
    if (!j->local_failure) {
        ir_routing_health_record(j->srv->health, j->cur->ep->provider_slug,
                                 j->cur->ep->model_id,
                                 ok || !j->aerr.retryable, ms, j->bytes_in,
                                 now);
        ir_routing_metrics_attempt(j->srv->metrics,
                                   j->cur->ep->provider_slug,
                                   ok ? 200 : j->aerr.status, ms);
    }
    job_log_attempt(j, ok, ms);
    if (ok) {
        job_finish(j, true);
        return;
    }
    ir_error_move(&j->last_err, &j->aerr);
    if (!j->last_err.retryable || j->partial_sent ||
        j->next >= j->plan->n || now >= j->deadline_ms) {
        job_finish(j, false);
        return;
    }
    ir_routing_metrics_fallback(j->srv->metrics, j->cur->ep->provider_slug);
    job_next_attempt(j);
}

/* provider.options[slug], keeping only the endpoint's allowlist. */
static json_t *
job_filter_options(const struct ir_request *req, const struct ir_endpoint *ep)
{
    json_t *mine, *out, *v; /* borrowed, owned, borrowed */
    const char *k;
    size_t i;

    if (req->provider.options == NULL)
        return NULL;
    mine = json_object_get(req->provider.options, ep->provider_slug);
    if (!json_is_object(mine))
        return NULL;
    out = json_object();
    if (out == NULL)
        return NULL;
    json_object_foreach(mine, k, v)
        for (i = 0; i < json_array_size(ep->passthrough); i++)
            if (strcmp(k, json_string_value(
                              json_array_get(ep->passthrough, i))) == 0)
                json_object_set(out, k, v);
    return out;
}

static void
job_next_attempt(struct ir_job *j)
{
    const struct ir_endpoint *ep;

    j->cur = &j->plan->e[j->next++];
    ep = j->cur->ep;
    j->attempts++;
    j->attempt_start_ms = ir_time_mono_ms();
    j->conn_retries = 0;
    j->local_failure = false;
    j->polls = 0;
    ir_free(j->poll_url);
    j->poll_url = NULL;
    j->bytes_in = 0;
    j->stream_done = false;
    ir_free(j->completed_b64);
    j->completed_b64 = NULL;
    ir_gen_result_cleanup(&j->res);
    ir_error_cleanup(&j->aerr);
    if (j->options != NULL)
        json_decref(j->options);
    j->options = job_filter_options(j->req, ep);

    memset(&j->call, 0, sizeof j->call);
    j->call.req = j->req;
    j->call.ep = ep;
    j->call.geom = j->cur->geom;
    j->call.base_url = ep->base_url;
    j->call.api_key = ep->api_key;
    j->call.upstream_model = ep->upstream_model;
    j->call.options = j->options;
    j->call.cancelled = &j->stop_local;
    j->call.n = j->req->n;
    j->call.stream = j->req->stream && ep->supports_streaming;
    if (j->n_override > 0) {
        /* One part of a split request. */
        j->call.n = j->n_override;
        j->call.image_offset = j->image_offset;
        j->call.stream = false;
    } else if (j->req->n > ir_catalog_capability_n_max(ep)) {
        ir_job_fanout(j, ir_catalog_capability_n_max(ep));
        return;
    }
    j->call.partial_images = j->req->partial_images;
    if (j->call.partial_images < 0 && j->options != NULL &&
        json_is_integer(json_object_get(j->options, "partial_images")))
        j->call.partial_images = (int)json_integer_value(
            json_object_get(j->options, "partial_images"));

    if (ep->adapter->mode == IR_ENGINE_LOCAL)
        ir_job_engine_local(j);
    else
        ir_job_engine_http(j);
}

static void
job_start_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    job_next_attempt(arg);
}

static void
job_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    struct ir_job *j = arg;

    (void)fd;
    (void)what;
    if (j->cancelled || j->finished)
        return;
    ir_error_cleanup(&j->last_err);
    ir_error_set(&j->last_err, 524,
                 "Request timed out: no provider answered within the "
                 "request deadline");
    ir_error_meta_str(&j->last_err, "error_type", "timeout");
    if (j->phase == JOB_FANOUT) {
        /* Each child has the same deadline and ends itself with 524. */
        j->next = j->plan->n;
        return;
    }
    if (j->phase == JOB_WORKER) {
        /* A local render stops at its next image; the result is dropped
         * either way. */
        atomic_store(&j->stop_local, true);
        j->next = j->plan->n;
        j->partial_sent = true; /* no fallback after this */
        return;
    }
    ir_job_engine_http_cancel(j);
    j->phase = JOB_IDLE;
    job_finish(j, false);
}

ir_err
ir_routing_job_start(struct ir_server *srv, const char *gen_id,
                     const struct ir_request *req, const struct ir_plan *plan,
                     int64_t deadline_ms, const struct ir_job_sink *sink,
                     void *arg, struct ir_job **out)
{
    return ir_job_start(srv, gen_id, req, plan, deadline_ms, sink, arg, 0, 0,
                        out);
}

ir_err
ir_job_start(struct ir_server *srv, const char *gen_id,
             const struct ir_request *req, const struct ir_plan *plan,
             int64_t deadline_ms, const struct ir_job_sink *sink, void *arg,
             int n_override, int image_offset, struct ir_job **out)
{
    struct ir_job *j = ir_calloc(1, sizeof *j);
    struct timeval tv;
    int64_t left = deadline_ms - ir_time_mono_ms();

    if (j == NULL)
        return IR_ENOMEM;
    j->srv = srv;
    (void)snprintf(j->gen_id, sizeof j->gen_id, "%s", gen_id);
    j->req = req;
    j->plan = plan;
    j->deadline_ms = deadline_ms;
    j->sink = sink;
    j->arg = arg;
    j->n_override = n_override;
    j->image_offset = image_offset;
    j->deadline_ev = evtimer_new(srv->base, job_deadline_cb, j);
    j->start_ev = evtimer_new(srv->base, job_start_cb, j);
    if (j->deadline_ev == NULL || j->start_ev == NULL || plan->n == 0) {
        ir_err err = plan->n == 0 ? IR_EINVAL : IR_ENOMEM;

        job_free(j);
        return err;
    }
    if (left < 0)
        left = 0;
    tv.tv_sec = left / 1000;
    tv.tv_usec = (left % 1000) * 1000;
    evtimer_add(j->deadline_ev, &tv);
    *out = j;
    /* Start on the next loop turn: the sink never runs inside this call. */
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    evtimer_add(j->start_ev, &tv);
    return IR_OK;
}

void
ir_routing_job_cancel(struct ir_job *j)
{
    j->cancelled = true;
    atomic_store(&j->stop_local, true);
    j->in_cancel = true; /* children letting go must not free us here */
    ir_job_engine_http_cancel(j);
    ir_job_fanout_cancel(j);
    if (j->timer != NULL)
        evtimer_del(j->timer);
    j->in_cancel = false;
    ir_job_reap_if_cancelled(j);
}
