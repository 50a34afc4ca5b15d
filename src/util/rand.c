/* SPDX-License-Identifier: Apache-2.0
 * util/rand.c - identifiers from the kernel's CSPRNG (getrandom(2)), so
 * no crypto library is initialised just to name a request.
 */
#include "util/rand.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/random.h>

#include "util/ct.h"

/* Bytes taken from the pool at a time by ir_rand_alnum. */
#define RAND_CHUNK 64
/* Identifiers and draws come from a per-thread pool of CSPRNG bytes,
 * refilled this many at a time: a call per id (OpenSSL 3's RAND_bytes
 * then, a getrandom system call now) was 3.5% of the router's CPU for
 * the two ids and the draw of each generation. Secrets (ir_rand_bytes)
 * still come straight from getrandom. */
#define RAND_POOL 1024

/* Thread-local, so no lock; emptied in a forked child, so parent and
 * child never hand out the same bytes. */
struct rand_pool {
    unsigned char b[RAND_POOL];
    size_t used; /* b[used..] not handed out yet */
    int filled;
};

static _Thread_local struct rand_pool rand_pool;
static pthread_once_t rand_once = PTHREAD_ONCE_INIT;

static void
rand_forget(void)
{
    ir_ct_wipe(&rand_pool, sizeof rand_pool);
}

static void
rand_init(void)
{
    (void)pthread_atfork(NULL, NULL, rand_forget);
}

/* n (at most RAND_POOL) fresh bytes from this thread's pool. */
static ir_err
rand_take(void *out, size_t n)
{
    struct rand_pool *p = &rand_pool;

    (void)pthread_once(&rand_once, rand_init);
    if (!p->filled || RAND_POOL - p->used < n) {
        if (ir_rand_bytes(p->b, RAND_POOL) != IR_OK)
            return IR_EINTERNAL;
        p->used = 0;
        p->filled = 1;
    }
    memcpy(out, p->b + p->used, n);
    ir_ct_wipe(p->b + p->used, n);
    p->used += n;
    return IR_OK;
}

ir_err
ir_rand_bytes(void *out, size_t n)
{
    unsigned char *p = out;

    /* Up to 256 bytes come whole once the pool is ready; larger asks
     * may come in pieces, and a signal may cut one short. */
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);

        if (got < 0) {
            if (errno == EINTR)
                continue;
            return IR_EINTERNAL;
        }
        p += got;
        n -= (size_t)got;
    }
    return IR_OK;
}

ir_err
ir_rand_alnum(char *out, size_t n)
{
    static const char set[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char r[RAND_CHUNK];
    size_t i = 0, have = 0, used = 0;

    while (i < n) {
        if (used == have) {
            /* A byte is rejected with p = 8/256, so n + n/16 + 8 bytes
             * nearly always suffice for one draw. */
            size_t want = n - i + (n - i) / 16 + 8;

            have = want < sizeof r ? want : sizeof r;
            used = 0;
            if (rand_take(r, have) != IR_OK)
                return IR_EINTERNAL;
        }
        /* 62 * 4 = 248: reject the top bytes so every char is equally
         * likely. */
        if (r[used] < 248)
            out[i++] = set[r[used] % 62];
        used++;
    }
    explicit_bzero(r, sizeof r);
    out[n] = '\0';
    return IR_OK;
}

double
ir_rand_unit(void)
{
    uint64_t v;

    if (rand_take(&v, sizeof v) != IR_OK)
        v = 0x9e3779b97f4a7c15ULL;
    return (double)(v >> 11) / 9007199254740992.0;
}
