/* SPDX-License-Identifier: Apache-2.0
 * util/rand.c - identifiers from the kernel's CSPRNG (getrandom(2)), so
 * no crypto library is initialised just to name a request.
 */
#include "util/rand.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

/* Bytes drawn per getrandom call of ir_rand_alnum, so an id takes one
 * system call, not one per char. */
#define RAND_CHUNK 64

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
            if (ir_rand_bytes(r, have) != IR_OK)
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

    if (ir_rand_bytes(&v, sizeof v) != IR_OK)
        v = 0x9e3779b97f4a7c15ULL;
    return (double)(v >> 11) / 9007199254740992.0;
}
