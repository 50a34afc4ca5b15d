/* SPDX-License-Identifier: Apache-2.0
 * client/base64.c - base64 encode and a lenient decode.
 */
#include "base64.h"

#include <stdint.h>

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(unsigned char c);

static int
b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

size_t
irc_base64_decoded_max(size_t n)
{
    return n / 4 * 3 + 3;
}

bool
irc_base64_decode(const char *s, size_t n, unsigned char *out,
                  size_t *out_len)
{
    uint32_t acc = 0;
    size_t o = 0, i;
    int k = 0, v;
    bool pad = false;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        if (c == '=') {
            pad = true;
            continue;
        }
        v = b64_value(c);
        if (v < 0 || pad)
            return false;   /* bad char, or data after padding */
        acc = acc << 6 | (uint32_t)v;
        if (++k == 4) {
            out[o++] = (unsigned char)(acc >> 16);
            out[o++] = (unsigned char)(acc >> 8);
            out[o++] = (unsigned char)acc;
            acc = 0;
            k = 0;
        }
    }
    if (k == 1)
        return false;
    if (k == 2) {
        out[o++] = (unsigned char)(acc >> 4);
    } else if (k == 3) {
        out[o++] = (unsigned char)(acc >> 10);
        out[o++] = (unsigned char)(acc >> 2);
    }
    *out_len = o;
    return true;
}

size_t
irc_base64_encoded_len(size_t n)
{
    if (n > (SIZE_MAX - 2) / 4 * 3)
        return 0;
    return (n + 2) / 3 * 4;
}

void
irc_base64_encode(const unsigned char *p, size_t n, char *out)
{
    size_t i, o = 0;
    uint32_t v;

    for (i = 0; i + 2 < n; i += 3) {
        v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = b64_alphabet[v >> 18 & 63];
        out[o++] = b64_alphabet[v >> 12 & 63];
        out[o++] = b64_alphabet[v >> 6 & 63];
        out[o++] = b64_alphabet[v & 63];
    }
    if (i < n) {
        v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        out[o++] = b64_alphabet[v >> 18 & 63];
        out[o++] = b64_alphabet[v >> 12 & 63];
        out[o++] = i + 1 < n ? b64_alphabet[v >> 6 & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
}
