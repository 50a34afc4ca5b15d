/* SPDX-License-Identifier: Apache-2.0
 * util/workers.c - thread pool whose completions run on the event loop.
 *
 * Jobs go on a FIFO guarded by one mutex. A worker runs the job, then puts
 * a completion record on the done list and activates one libevent event;
 * the loop drains the list. Intermediate messages (partial images) travel
 * the same list, so a job's messages always arrive before its completion.
 * Threads start on demand, when a job finds no idle one, up to the pool's
 * size: an idle router starts none, and a pool that only ever has one
 * job at a time runs one thread (with one malloc arena).
 */
#include "util/workers.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "util/mem.h"

struct ir_work {
    ir_work_fn *fn;
    ir_work_done_cb *done;
    ir_work_post_cb *post_cb;
    void *arg;
    struct ir_workers *ws;
    struct ir_work *next;
};

struct workers_msg {
    struct ir_work *work; /* the job; freed when is_done */
    void *msg;            /* for post messages */
    int is_done;
    struct workers_msg *next;
};

struct ir_workers {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct ir_work *head, *tail;   /* queued jobs */
    struct workers_msg *dhead, *dtail; /* completions for the loop */
    struct event *done_ev;
    pthread_t *threads;                /* max_threads slots */
    unsigned nthreads, max_threads;    /* started, allowed */
    unsigned idle;                     /* started, waiting for a job */
    size_t queued;                     /* jobs on head..tail */
    size_t pending;
    int stopping;
};

static void *workers_thread(void *arg);
static void workers_drain_cb(evutil_socket_t fd, short what, void *arg);
static ir_err workers_push_msg(struct ir_workers *ws, struct ir_work *w,
                               void *msg, int is_done);
static bool workers_spawn_locked(struct ir_workers *ws);

ir_err
ir_workers_new(struct event_base *base, unsigned nthreads,
               struct ir_workers **out)
{
    struct ir_workers *ws;

    /* libevent must be told about threads before events are activated
     * from other threads; calling it twice is harmless. */
    if (evthread_use_pthreads() != 0)
        return IR_EINTERNAL;
    ws = ir_calloc(1, sizeof *ws);
    if (ws == NULL)
        return IR_ENOMEM;
    pthread_mutex_init(&ws->mu, NULL);
    pthread_cond_init(&ws->cv, NULL);
    ws->max_threads = nthreads;
    ws->done_ev = event_new(base, -1, 0, workers_drain_cb, ws);
    ws->threads = ir_calloc(nthreads ? nthreads : 1, sizeof *ws->threads);
    if (ws->done_ev == NULL || ws->threads == NULL) {
        ir_workers_free(ws);
        return IR_ENOMEM;
    }
    *out = ws;
    return IR_OK;
}

/* One more thread when every started one is busy (or about to be, with
 * the jobs already queued) and the pool is not full; false only when
 * one was needed and could not be started. */
static bool
workers_spawn_locked(struct ir_workers *ws)
{
    if (ws->queued < ws->idle || ws->nthreads >= ws->max_threads)
        return true;
    if (pthread_create(&ws->threads[ws->nthreads], NULL, workers_thread,
                       ws) != 0)
        return false;
    ws->nthreads++;
    return true;
}

void
ir_workers_free(struct ir_workers *ws)
{
    struct workers_msg *m, *mn;
    struct ir_work *w, *wn;
    unsigned i;

    if (ws == NULL)
        return;
    pthread_mutex_lock(&ws->mu);
    ws->stopping = 1;
    pthread_cond_broadcast(&ws->cv);
    pthread_mutex_unlock(&ws->mu);
    /* No thread starts any more: submit runs on the loop, as does this. */
    for (i = 0; i < ws->nthreads; i++)
        pthread_join(ws->threads[i], NULL);
    for (w = ws->head; w != NULL; w = wn) {
        wn = w->next;
        ir_free(w);
    }
    for (m = ws->dhead; m != NULL; m = mn) {
        mn = m->next;
        if (m->is_done)
            ir_free(m->work);
        ir_free(m);
    }
    if (ws->done_ev != NULL)
        event_free(ws->done_ev);
    ir_free(ws->threads);
    pthread_cond_destroy(&ws->cv);
    pthread_mutex_destroy(&ws->mu);
    ir_free(ws);
}

ir_err
ir_workers_submit(struct ir_workers *ws, ir_work_fn *fn,
                  ir_work_done_cb *done, ir_work_post_cb *post_cb, void *arg)
{
    struct ir_work *w = ir_calloc(1, sizeof *w);

    if (w == NULL)
        return IR_ENOMEM;
    w->fn = fn;
    w->done = done;
    w->post_cb = post_cb;
    w->arg = arg;
    w->ws = ws;
    pthread_mutex_lock(&ws->mu);
    /* A thread that cannot start is fatal only when there is none to
     * run the job later; otherwise it waits for a busy one. */
    if (!workers_spawn_locked(ws) && ws->nthreads == 0) {
        pthread_mutex_unlock(&ws->mu);
        ir_free(w);
        return IR_ENOMEM;
    }
    if (ws->tail != NULL)
        ws->tail->next = w;
    else
        ws->head = w;
    ws->tail = w;
    ws->queued++;
    ws->pending++;
    pthread_mutex_unlock(&ws->mu);
    /* After the unlock: a thread woken with the mutex still held would
     * only block on it again (two more context switches per job). */
    pthread_cond_signal(&ws->cv);
    return IR_OK;
}

ir_err
ir_workers_post(struct ir_work *w, void *msg)
{
    return workers_push_msg(w->ws, w, msg, 0);
}

bool
ir_workers_cancelled(struct ir_work *w)
{
    int stopping;

    pthread_mutex_lock(&w->ws->mu);
    stopping = w->ws->stopping;
    pthread_mutex_unlock(&w->ws->mu);
    return stopping != 0;
}

size_t
ir_workers_pending(struct ir_workers *ws)
{
    size_t n;

    pthread_mutex_lock(&ws->mu);
    n = ws->pending;
    pthread_mutex_unlock(&ws->mu);
    return n;
}

static ir_err
workers_push_msg(struct ir_workers *ws, struct ir_work *w, void *msg,
                 int is_done)
{
    struct workers_msg *m = ir_calloc(1, sizeof *m);

    if (m == NULL)
        return IR_ENOMEM;
    m->work = w;
    m->msg = msg;
    m->is_done = is_done;
    pthread_mutex_lock(&ws->mu);
    if (ws->dtail != NULL)
        ws->dtail->next = m;
    else
        ws->dhead = m;
    ws->dtail = m;
    pthread_mutex_unlock(&ws->mu);
    event_active(ws->done_ev, 0, 0);
    return IR_OK;
}

static void *
workers_thread(void *arg)
{
    struct ir_workers *ws = arg;
    struct ir_work *w;

    for (;;) {
        pthread_mutex_lock(&ws->mu);
        ws->idle++;
        while (ws->head == NULL && !ws->stopping)
            pthread_cond_wait(&ws->cv, &ws->mu);
        ws->idle--;
        if (ws->stopping) {
            pthread_mutex_unlock(&ws->mu);
            return NULL;
        }
        w = ws->head;
        ws->head = w->next;
        if (ws->head == NULL)
            ws->tail = NULL;
        ws->queued--;
        pthread_mutex_unlock(&ws->mu);

        w->fn(w, w->arg);
        /* If even this small allocation fails there is no way to tell the
         * loop; spin until memory frees up rather than lose the job. */
        while (workers_push_msg(ws, w, NULL, 1) != IR_OK)
            sched_yield();
    }
}

static void
workers_drain_cb(evutil_socket_t fd, short what, void *arg)
{
    struct ir_workers *ws = arg;
    struct workers_msg *list, *m, *next;

    (void)fd;
    (void)what;
    pthread_mutex_lock(&ws->mu);
    list = ws->dhead;
    ws->dhead = ws->dtail = NULL;
    pthread_mutex_unlock(&ws->mu);
    for (m = list; m != NULL; m = next) {
        next = m->next;
        if (m->is_done) {
            pthread_mutex_lock(&ws->mu);
            ws->pending--;
            pthread_mutex_unlock(&ws->mu);
            if (m->work->done != NULL)
                m->work->done(m->work->arg);
            ir_free(m->work);
        } else if (m->work->post_cb != NULL) {
            m->work->post_cb(m->msg, m->work->arg);
        }
        ir_free(m);
    }
}
