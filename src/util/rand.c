/* SPDX-License-Identifier: Apache-2.0
 * util/rand.c - identifiers from OpenSSL's CSPRNG.
 */
#include "util/rand.h"

#include <openssl/rand.h>

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
    unsigned char r;
    size_t i = 0;

    while (i < n) {
        if (RAND_bytes(&r, 1) != 1)
            return IR_EINTERNAL;
        /* 62 * 4 = 248: reject the top bytes so every char is equally likely */
        if (r >= 248)
            continue;
        out[i++] = set[r % 62];
    }
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
