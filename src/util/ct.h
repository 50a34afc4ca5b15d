/* SPDX-License-Identifier: Apache-2.0
 * util/ct.h - comparisons and wipes for secrets: time independent of the
 * bytes compared, and not optimised away.
 */
#ifndef IR_UTIL_CT_H
#define IR_UTIL_CT_H

#include <stdbool.h>
#include <stddef.h>

/* Are a[0..n-1] and b[0..n-1] equal? Reads all n bytes whatever they
 * hold (like CRYPTO_memcmp), so the time says nothing about where they
 * differ. */
bool ir_ct_equal(const void *a, const void *b, size_t n);
/* Zeroes p[0..n-1] even if p is never read again. */
void ir_ct_wipe(void *p, size_t n);

#endif
