/* SPDX-License-Identifier: Apache-2.0
 * util/rand.c - identifiers from OpenSSL's CSPRNG.
 */
#include "util/rand.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

/* Bytes drawn per RAND_bytes call of ir_rand_alnum. Each call costs a
 * lock and a DRBG step, so an id takes one call, not one per char. */
#define RAND_CHUNK 64

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
            if (RAND_bytes(r, (int)have) != 1)
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

    if (RAND_bytes((unsigned char *)&v, sizeof v) != 1)
        v = 0x9e3779b97f4a7c15ULL;
    return (double)(v >> 11) / 9007199254740992.0;
}
