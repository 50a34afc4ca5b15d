/* SPDX-License-Identifier: Apache-2.0
 * util/ct.c - constant-time compare and a wipe the compiler keeps.
 */
#include "util/ct.h"

#include <string.h>

bool
ir_ct_equal(const void *a, const void *b, size_t n)
{
    const volatile unsigned char *x = a, *y = b;
    unsigned char d = 0;
    size_t i;

    for (i = 0; i < n; i++)
        d |= x[i] ^ y[i];
    return d == 0;
}

void
ir_ct_wipe(void *p, size_t n)
{
    explicit_bzero(p, n);
}
