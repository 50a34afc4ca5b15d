/* SPDX-License-Identifier: Apache-2.0
 * util/url.h - percent-decoding and query strings.
 */
#ifndef IR_UTIL_URL_H
#define IR_UTIL_URL_H

#include <stdbool.h>
#include <stddef.h>

/* Decodes %XX (and '+' as space when plus_space) from src[0..n) into dst,
 * which must hold n + 1 bytes. Returns false on a bad escape or a NUL. */
bool ir_url_decode(char *dst, const char *src, size_t n, bool plus_space);

/* Finds name in a raw query string ("a=1&b=2"), decodes its value into
 * buf. Returns buf, or NULL when absent or it does not fit. */
const char *ir_url_query_get(const char *query, const char *name, char *buf,
                             size_t size);

#endif
