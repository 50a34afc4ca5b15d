/* SPDX-License-Identifier: Apache-2.0
 * util/rand.h - CSPRNG-backed identifiers and random numbers.
 */
#ifndef IR_UTIL_RAND_H
#define IR_UTIL_RAND_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* Fills out[0..n-1] with [A-Za-z0-9] and NUL-terminates at out[n]. */
ir_err ir_rand_alnum(char *out, size_t n) IR_MUST_CHECK;
ir_err ir_rand_bytes(void *out, size_t n) IR_MUST_CHECK;
/* A uniform double in [0, 1); falls back to a weaker source on failure. */
double ir_rand_unit(void);

#endif
