/* SPDX-License-Identifier: Apache-2.0
 * util/dlib.c - dlopen a system library by soname on first use and look
 * up its function table, once per process.
 */
#include "util/dlib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* One lock for every library: loads are rare and short. */
static pthread_mutex_t dlib_lock = PTHREAD_MUTEX_INITIALIZER;

static int
dlib_open(struct ir_dlib *d)
{
    void *h;
    size_t i;

    /* RTLD_LOCAL: the library's symbols serve only this table, so they
     * never interpose on anything else in the process. */
    h = dlopen(d->soname, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        snprintf(d->error, sizeof d->error, "%s", dlerror());
        return IR_DLIB_FAILED;
    }
    for (i = 0; i < d->nfns; i++) {
        void *sym = dlsym(h, d->names[i]);

        if (sym == NULL) {
            snprintf(d->error, sizeof d->error, "%s: no %s", d->soname,
                     d->names[i]);
            dlclose(h);
            return IR_DLIB_FAILED;
        }
        /* POSIX: a data pointer from dlsym converts to a function
         * pointer; the memcpy keeps -Wpedantic quiet about it. */
        memcpy(&d->fns[i], &sym, sizeof sym);
    }
    /* The handle is kept for the life of the process. */
    return IR_DLIB_OK;
}

ir_err
ir_dlib_load(struct ir_dlib *d)
{
    int st = atomic_load_explicit(&d->state, memory_order_acquire);

    if (st == 0) {
        pthread_mutex_lock(&dlib_lock);
        st = atomic_load_explicit(&d->state, memory_order_relaxed);
        if (st == 0) {
            st = dlib_open(d);
            /* Only success sticks: a failure may be passing (out of
             * descriptors or memory), so the next call tries again. */
            if (st == IR_DLIB_OK)
                atomic_store_explicit(&d->state, st, memory_order_release);
        }
        pthread_mutex_unlock(&dlib_lock);
    }
    return st == IR_DLIB_OK ? IR_OK : IR_ENOTFOUND;
}

bool
ir_dlib_loaded(struct ir_dlib *d)
{
    return atomic_load_explicit(&d->state, memory_order_acquire) ==
           IR_DLIB_OK;
}
