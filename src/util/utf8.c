/* SPDX-License-Identifier: Apache-2.0
 * util/utf8.c - UTF-8 validation (RFC 3629: no overlongs, no surrogates).
 */
#include "util/utf8.h"

#include <string.h>

/* Length of the valid sequence at p (n bytes available), or 0. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
    size_t len, i;
    unsigned cp;

    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        len = 2, cp = p[0] & 0x1F;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        len = 3, cp = p[0] & 0x0F;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        len = 4, cp = p[0] & 0x07;
    else
        return 0;
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

bool
ir_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, k;

    while (i < n) {
        if ((k = utf8_seq(p + i, n - i)) == 0)
            return false;
        i += k;
    }
    return true;
}

void
ir_utf8_sanitize(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t n = strlen(s), i = 0, k;

    while (i < n) {
        if ((k = utf8_seq(p + i, n - i)) == 0) {
            p[i++] = '?';
            continue;
        }
        i += k;
    }
}
