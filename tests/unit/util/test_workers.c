/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/util/test_workers.c - util/workers.c: no thread before the
 * first job, threads started on demand up to the pool size and never
 * more, jobs run off the loop thread, posts arrive in order before done.
 */
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "util/mem.h"
#include "util/workers.h"

#define POOL 3
#define JOBS 5
#define POSTS 3

struct shared {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int running, most_running, release;
    int done;
};

struct job {
    struct shared *sh;
    pthread_t ran_on;
    int posts[POSTS], nposts;
    bool done_after_posts;
};

static struct event_base *base;

/* Threads of this process. */
static int
count_threads(void)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* A joined thread may linger in /proc for a moment after it exited:
 * waits (boundedly) for the count to come down to want. */
static int
threads_settle(int want)
{
    int i, n = count_threads();

    for (i = 0; i < 5000 && n != want; i++) {
        usleep(1000);
        n = count_threads();
    }
    return n;
}

static int
setup(void **state)
{
    (void)state;
    /* Before the base: only a base made after this is thread-safe. */
    if (evthread_use_pthreads() != 0)
        return -1;
    base = event_base_new();
    return base != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    event_base_free(base);
    return 0;
}

/* Runs on a worker: posts 1..POSTS, then (when blocking) waits for the
 * test to release it, counting how many jobs run at once. */
static void
job_fn(struct ir_work *w, void *arg)
{
    struct job *j = arg;
    struct shared *sh = j->sh;
    int i;

    j->ran_on = pthread_self();
    for (i = 1; i <= POSTS; i++) {
        int *msg = ir_malloc(sizeof *msg);

        assert_non_null(msg);
        *msg = i;
        assert_int_equal(ir_workers_post(w, msg), IR_OK);
    }
    pthread_mutex_lock(&sh->mu);
    sh->running++;
    if (sh->running > sh->most_running)
        sh->most_running = sh->running;
    pthread_cond_broadcast(&sh->cv);
    while (!sh->release)
        pthread_cond_wait(&sh->cv, &sh->mu);
    sh->running--;
    pthread_mutex_unlock(&sh->mu);
}

static void
job_post(void *msg, void *arg)
{
    struct job *j = arg;

    if (j->nposts < POSTS)
        j->posts[j->nposts] = *(int *)msg;
    j->nposts++;
    ir_free(msg);
}

static void
job_done(void *arg)
{
    struct job *j = arg;

    j->done_after_posts = j->nposts == POSTS;
    j->sh->done++; /* loop thread only */
}

static void
shared_init(struct shared *sh, int release)
{
    memset(sh, 0, sizeof *sh);
    pthread_mutex_init(&sh->mu, NULL);
    pthread_cond_init(&sh->cv, NULL);
    sh->release = release;
}

static void
shared_cleanup(struct shared *sh)
{
    pthread_cond_destroy(&sh->cv);
    pthread_mutex_destroy(&sh->mu);
}

static void
run_until_done(struct shared *sh, int n)
{
    while (sh->done < n)
        assert_true(event_base_loop(base, EVLOOP_ONCE) >= 0);
}

static void
test_no_thread_until_work(void **state)
{
    struct ir_workers *ws;
    struct shared sh;
    struct job j = {0};
    int before = count_threads(), i;

    (void)state;
    shared_init(&sh, 1);
    assert_int_equal(ir_workers_new(base, POOL, &ws), IR_OK);
    assert_int_equal(count_threads(), before);
    assert_int_equal(ir_workers_pending(ws), 0);

    j.sh = &sh;
    assert_int_equal(ir_workers_submit(ws, job_fn, job_done, job_post, &j),
                     IR_OK);
    run_until_done(&sh, 1);
    assert_false(pthread_equal(j.ran_on, pthread_self()));
    assert_true(j.done_after_posts);
    for (i = 0; i < POSTS; i++)
        assert_int_equal(j.posts[i], i + 1);
    assert_int_equal(ir_workers_pending(ws), 0);
    /* One job needed one thread of the three. */
    assert_int_equal(count_threads(), before + 1);
    ir_workers_free(ws);
    assert_int_equal(threads_settle(before), before);
    shared_cleanup(&sh);
}

static void
test_grows_to_pool_size(void **state)
{
    struct ir_workers *ws;
    struct shared sh;
    struct job j[JOBS];
    int before = count_threads(), i;

    (void)state;
    shared_init(&sh, 0);
    memset(j, 0, sizeof j);
    assert_int_equal(ir_workers_new(base, POOL, &ws), IR_OK);
    for (i = 0; i < JOBS; i++) {
        j[i].sh = &sh;
        assert_int_equal(
            ir_workers_submit(ws, job_fn, job_done, job_post, &j[i]), IR_OK);
    }
    /* All POOL threads start and hold a job each; the rest wait. */
    pthread_mutex_lock(&sh.mu);
    while (sh.running < POOL)
        pthread_cond_wait(&sh.cv, &sh.mu);
    pthread_mutex_unlock(&sh.mu);
    assert_int_equal(count_threads(), before + POOL);
    assert_int_equal(ir_workers_pending(ws), JOBS);

    pthread_mutex_lock(&sh.mu);
    sh.release = 1;
    pthread_cond_broadcast(&sh.cv);
    pthread_mutex_unlock(&sh.mu);
    run_until_done(&sh, JOBS);
    assert_int_equal(sh.most_running, POOL);
    assert_int_equal(count_threads(), before + POOL);
    for (i = 0; i < JOBS; i++)
        assert_true(j[i].done_after_posts);
    ir_workers_free(ws);
    assert_int_equal(threads_settle(before), before);
    shared_cleanup(&sh);
}

/* Freeing a pool that never ran anything starts and joins nothing. */
static void
test_free_unused(void **state)
{
    struct ir_workers *ws;
    int before = count_threads();

    (void)state;
    assert_int_equal(ir_workers_new(base, POOL, &ws), IR_OK);
    ir_workers_free(ws);
    assert_int_equal(count_threads(), before);
    ir_workers_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_thread_until_work),
        cmocka_unit_test(test_grows_to_pool_size),
        cmocka_unit_test(test_free_unused),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
