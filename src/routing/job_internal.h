/* SPDX-License-Identifier: Apache-2.0
 * routing/job_internal.h - the job's state, shared by job.c and the
 * engines (engine_local.c, engine_http.c). Not for other modules.
 */
#ifndef IR_ROUTING_JOB_INTERNAL_H
#define IR_ROUTING_JOB_INTERNAL_H

#include <jansson.h>

#include "routing/job.h"
#include "upstream/client.h"
#include "upstream/sse.h"
#include "util/buf.h"

struct event;
struct ir_work;

enum job_phase {
    JOB_IDLE,
    JOB_WORKER,    /* a worker job runs (local render, parse, normalize) */
    JOB_UPSTREAM,  /* an HTTP transfer is in flight */
    JOB_POLL_WAIT, /* waiting to poll again */
    JOB_FANOUT,    /* child jobs make the images in parallel */
};

/* A streamed call's state: only jobs that stream carry it. */
struct ir_job_stream {
    struct ir_sse sse;
    struct ir_buf errbody;        /* a non-200 body in stream mode */
};

/* A split attempt's state: only jobs that fan out carry it. */
struct ir_job_fan {
    struct ir_plan one;           /* the children's one-entry plan */
    struct ir_plan_entry one_e;   /* one.e: borrowed, not allocated */
    struct ir_job_slot {
        struct ir_job *parent;
        struct ir_job *child;     /* NULL once it reported or let go */
    } children[IR_MAX_N];
    size_t nchildren;
    struct ir_error child_err;    /* the last child failure */
};

/* Thousands of jobs wait on providers at once, so what a job holds for
 * its whole life is kept small: the plan is the caller's, and the state
 * of streaming and of split attempts is allocated only when used. */
struct ir_job {
    struct ir_server *srv;
    char gen_id[64];
    const struct ir_request *req;
    const struct ir_plan *plan;   /* borrowed, like req */
    size_t next;                  /* next plan entry to try */
    int64_t deadline_ms;
    const struct ir_job_sink *sink;
    void *arg;
    enum job_phase phase;
    bool cancelled;
    _Atomic bool stop_local;      /* tells a running local render to stop */
    bool partial_sent;            /* bytes reached the client: no fallback */
    bool finished;
    int attempts;
    struct ir_error last_err;
    struct event *deadline_ev;
    struct event *start_ev;

    /* the current attempt */
    const struct ir_plan_entry *cur;
    struct ir_call call;
    json_t *options;              /* owned: filtered provider.options */
    int64_t attempt_start_ms;
    int conn_retries;             /* same-endpoint retries after a
                                     connection failure */
    struct ir_upstream_req *ureq;
    struct ir_gen_result res;
    struct ir_error aerr;         /* the attempt's error */
    bool local_failure;           /* aerr is the router's own shortage
                                     (descriptors, memory), not the
                                     provider's: health is not touched */
    struct ir_work *work;
    struct event *timer;          /* poll wait, retry backoff */
    int polls;
    char *poll_url;               /* owned: the URL being polled */
    size_t download_next;         /* next image URL to download */
    bool parse_needed;            /* the worker must parse ureq's body */
    /* streaming */
    struct ir_job_stream *stream; /* owned; NULL until a call streams */
    bool sse_ready;               /* stream->sse is initialised */
    bool stream_done;             /* a completed event arrived */
    char *completed_b64;          /* owned */
    struct ir_usage stream_usage;
    int64_t bytes_in;

    /* n above the endpoint's per-call maximum: parallel child jobs */
    int n_override;               /* a child: images this call asks for */
    int image_offset;             /* a child: its first image's index */
    struct ir_job_fan *fan;       /* owned; NULL until an attempt splits */
    bool in_cancel;               /* inside ir_routing_job_cancel */
    size_t children_running;      /* done not yet reported */
    size_t children_alive;        /* not yet freed */
};

/* job.c: starts a job; child jobs carry n_override and image_offset. */
ir_err ir_job_start(struct ir_server *srv, const char *gen_id,
                    const struct ir_request *req, const struct ir_plan *plan,
                    int64_t deadline_ms, const struct ir_job_sink *sink,
                    void *arg, int n_override, int image_offset,
                    struct ir_job **out) IR_MUST_CHECK;

/* job.c: the stream state, made on first use; NULL when out of memory. */
struct ir_job_stream *ir_job_stream_get(struct ir_job *j);

/* fanout.c: splits the current attempt into parallel child jobs of at
 * most n_max images each; the attempt ends when all have reported. */
void ir_job_fanout(struct ir_job *j, int n_max);
/* fanout.c: cancels the children of a split attempt. */
void ir_job_fanout_cancel(struct ir_job *j);
/* fanout.c: frees the split state (the children are gone). */
void ir_job_fanout_free(struct ir_job *j);

/* job.c: end of one attempt (success when aerr.status == 0). */
void ir_job_attempt_end(struct ir_job *j);
/* job.c: true when the job must stop (cancelled or past deadline). */
bool ir_job_should_stop(struct ir_job *j);
/* job.c: frees the job if cancelled and nothing is in flight. */
bool ir_job_reap_if_cancelled(struct ir_job *j);
/* job.c: hands a partial image to the sink. */
void ir_job_partial(struct ir_job *j, int index, char *owned_b64,
                    size_t len);

/* engine_local.c */
void ir_job_engine_local(struct ir_job *j);
/* engine_http.c */
void ir_job_engine_http(struct ir_job *j);
void ir_job_engine_http_cancel(struct ir_job *j);
/* engine_http.c: parse (if needed) + normalize on a worker, then end. */
void ir_job_finish_on_worker(struct ir_job *j);

#endif
