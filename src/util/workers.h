/* SPDX-License-Identifier: Apache-2.0
 * util/workers.h - a thread pool for blocking work (rendering, libvips,
 * SQLite) whose completions run back on the event loop.
 */
#ifndef IR_UTIL_WORKERS_H
#define IR_UTIL_WORKERS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct event_base;
struct ir_workers;
struct ir_work;

/* Runs on a worker thread. Must not touch loop-owned state. */
typedef void ir_work_fn(struct ir_work *w, void *arg);
/* Runs on the loop thread once ir_work_fn returned. */
typedef void ir_work_done_cb(void *arg);
/* Runs on the loop thread for each ir_workers_post() from a worker. */
typedef void ir_work_post_cb(void *msg, void *arg);

/* A pool of up to nthreads threads. None runs yet: each starts when a
 * submitted job finds every started thread busy. */
ir_err ir_workers_new(struct event_base *base, unsigned nthreads,
                      struct ir_workers **out) IR_MUST_CHECK;
/* Waits for running jobs, runs no more callbacks, joins the threads. */
void ir_workers_free(struct ir_workers *ws);

/* Queue fn(arg) on a worker; done(arg) later runs on the loop exactly once.
 * post_cb receives intermediate messages sent with ir_workers_post(). */
ir_err ir_workers_submit(struct ir_workers *ws, ir_work_fn *fn,
                         ir_work_done_cb *done, ir_work_post_cb *post_cb,
                         void *arg) IR_MUST_CHECK;

/* From inside ir_work_fn: deliver msg to post_cb on the loop (in order,
 * before done). Ownership of msg passes to post_cb. */
ir_err ir_workers_post(struct ir_work *w, void *msg) IR_MUST_CHECK;

/* From inside ir_work_fn: true once the loop asked this job to stop. */
bool ir_workers_cancelled(struct ir_work *w);

/* Number of jobs queued or running (loop thread). */
size_t ir_workers_pending(struct ir_workers *ws);

#endif
