/* SPDX-License-Identifier: Apache-2.0
 * util/rand.c - identifiers from OpenSSL's CSPRNG.
 */
#include "util/rand.h"

#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

/* Bytes taken from the pool at a time by ir_rand_alnum. */
#define RAND_CHUNK 64
/* Identifiers and draws come from a per-thread pool of CSPRNG bytes,
 * refilled this many at a time: OpenSSL 3's RAND_bytes costs a context
 * lookup, locks, a getpid() and a DRBG step per call, which was 3.5% of
 * the router's CPU for the two ids and the draw of each generation.
 * Secrets (ir_rand_bytes) still come straight from RAND_bytes. */
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
    OPENSSL_cleanse(&rand_pool, sizeof rand_pool);
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
        if (RAND_bytes(p->b, RAND_POOL) != 1)
            return IR_EINTERNAL;
        p->used = 0;
        p->filled = 1;
    }
    memcpy(out, p->b + p->used, n);
    OPENSSL_cleanse(p->b + p->used, n);
    p->used += n;
    return IR_OK;
}

ir_err
ir_rand_bytes(void *out, size_t n)
{
    return RAND_bytes(out, (int)n) == 1 ? IR_OK : IR_EINTERNAL;
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
    OPENSSL_cleanse(r, sizeof r);
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
