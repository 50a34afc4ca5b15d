/* SPDX-License-Identifier: Apache-2.0
 * util/bigblock.c - a one-block cache of big heap blocks, so a big answer
 * reuses pages already faulted in instead of having the kernel zero new
 * ones. One block at most, freed after a short idle time.
 */
#include "util/bigblock.h"

#include <pthread.h>

#include "util/mem.h"
#include "util/time.h"

static pthread_mutex_t bigblock_lock = PTHREAD_MUTEX_INITIALIZER;
static void *bigblock_p;       /* the kept block, or NULL */
static size_t bigblock_size;   /* its usable size */
static int64_t bigblock_at_ms; /* when it was kept */

void *
ir_bigblock_get(size_t n)
{
    void *p = NULL;

    pthread_mutex_lock(&bigblock_lock);
    if (bigblock_p != NULL && bigblock_size >= n &&
        bigblock_size / 2 <= n) {
        p = bigblock_p;
        bigblock_p = NULL;
        bigblock_size = 0;
    }
    pthread_mutex_unlock(&bigblock_lock);
    if (p == NULL && n >= IR_BIGBLOCK_MIN)
        p = ir_malloc(n);
    return p;
}

void
ir_bigblock_put(void *p)
{
    size_t size;

    if (p == NULL)
        return;
    size = ir_mem_usable(p);
    if (size >= IR_BIGBLOCK_MIN) {
        pthread_mutex_lock(&bigblock_lock);
        if (bigblock_p == NULL) {
            bigblock_p = p;
            bigblock_size = size;
            bigblock_at_ms = ir_time_mono_ms();
            p = NULL;
        }
        pthread_mutex_unlock(&bigblock_lock);
    }
    ir_free(p);
}

void
ir_bigblock_trim(int64_t now_ms, int force)
{
    void *p = NULL;

    pthread_mutex_lock(&bigblock_lock);
    if (bigblock_p != NULL &&
        (force || now_ms - bigblock_at_ms >= IR_BIGBLOCK_IDLE_MS)) {
        p = bigblock_p;
        bigblock_p = NULL;
        bigblock_size = 0;
    }
    pthread_mutex_unlock(&bigblock_lock);
    ir_free(p);
}

size_t
ir_bigblock_kept(void)
{
    size_t n;

    pthread_mutex_lock(&bigblock_lock);
    n = bigblock_size;
    pthread_mutex_unlock(&bigblock_lock);
    return n;
}
