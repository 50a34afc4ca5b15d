/* SPDX-License-Identifier: Apache-2.0
 * util/url.c - percent-decoding and query strings.
 */
#include "util/url.h"

#include <string.h>

static int
url_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool
ir_url_decode(char *dst, const char *src, size_t n, bool plus_space)
{
    size_t i, o = 0;
    int hi, lo;

    for (i = 0; i < n; i++) {
        char c = src[i];

        if (c == '%') {
            if (i + 2 >= n)
                return false;
            hi = url_hex(src[i + 1]);
            lo = url_hex(src[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return false;
            dst[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_space) {
            dst[o++] = ' ';
        } else {
            dst[o++] = c;
        }
    }
    dst[o] = '\0';
    return true;
}

const char *
ir_url_query_get(const char *query, const char *name, char *buf, size_t size)
{
    size_t nlen = strlen(name), vlen;
    const char *p = query, *amp, *v;

    while (p != NULL && *p != '\0') {
        amp = strchr(p, '&');
        if (strncmp(p, name, nlen) == 0 && (p[nlen] == '=' ||
                                             p[nlen] == '&' ||
                                             p[nlen] == '\0')) {
            v = p[nlen] == '=' ? p + nlen + 1 : p + nlen;
            vlen = amp ? (size_t)(amp - v) : strlen(v);
            if (vlen >= size || !ir_url_decode(buf, v, vlen, true))
                return NULL;
            return buf;
        }
        p = amp ? amp + 1 : NULL;
    }
    return NULL;
}
