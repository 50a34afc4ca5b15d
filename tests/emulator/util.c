/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/util.c - small helpers: clocks, base64, ids, hashing.
 */
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

int64_t
emu_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *
emu_b64_encode(const void *data, size_t len)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1);

    if (out == NULL)
        return NULL;
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

unsigned char *
emu_b64_decode(const char *s, size_t slen, size_t *outlen)
{
    size_t n = 0, i, pad;
    char *t = malloc(slen + 4);
    unsigned char *out = NULL;
    int r;

    if (t == NULL)
        return NULL;
    for (i = 0; i < slen; i++) {
        char ch = s[i];
        if (ch == '\n' || ch == '\r' || ch == '=')
            continue;
        if (ch == '-')
            ch = '+';
        else if (ch == '_')
            ch = '/';
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
              (ch >= '0' && ch <= '9') || ch == '+' || ch == '/'))
            goto out;
        t[n++] = ch;
    }
    if (n % 4 == 1)
        goto out;
    pad = (4 - n % 4) % 4;
    for (i = 0; i < pad; i++) {
        t[n++] = '=';
    }
    out = malloc(n / 4 * 3 + 1);
    if (out == NULL)
        goto out;
    r = n ? EVP_DecodeBlock(out, (unsigned char *)t, (int)n) : 0;
    if (r < 0) {
        free(out);
        out = NULL;
        goto out;
    }
    *outlen = (size_t)r - pad;
out:
    free(t);
    return out;
}

void
emu_hex_random(char *out, size_t nbytes)
{
    unsigned char b[64];
    size_t i;

    if (nbytes > sizeof(b))
        nbytes = sizeof(b);
    RAND_bytes(b, (int)nbytes);
    for (i = 0; i < nbytes; i++) {
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    }
    out[2 * nbytes] = '\0';
}

void
emu_uuid(char out[37])
{
    unsigned char b[16];

    RAND_bytes(b, sizeof(b));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
             b[10], b[11], b[12], b[13], b[14], b[15]);
}

uint32_t
emu_fnv1a(const void *data, size_t len, uint32_t h)
{
    const unsigned char *p = data;
    size_t i;

    if (h == 0)
        h = 2166136261u;
    for (i = 0; i < len; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return h;
}

const char *
emu_sniff(const unsigned char *p, size_t len)
{
    if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "png";
    if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
        return "jpeg";
    if (len >= 12 && memcmp(p, "RIFF", 4) == 0 &&
        memcmp(p + 8, "WEBP", 4) == 0)
        return "webp";
    if (len >= 6 && memcmp(p, "GIF8", 4) == 0)
        return "gif";
    return NULL;
}

bool
emu_parse_wxh(const char *s, int *w, int *h)
{
    char *end;
    long a, b;

    if (s == NULL)
        return false;
    a = strtol(s, &end, 10);
    if (end == s || (*end != 'x' && *end != 'X'))
        return false;
    s = end + 1;
    b = strtol(s, &end, 10);
    if (end == s || *end != '\0' || a <= 0 || b <= 0 || a > 100000 ||
        b > 100000)
        return false;
    *w = (int)a;
    *h = (int)b;
    return true;
}

bool
emu_parse_ratio(const char *s, double *ratio)
{
    char *end;
    double a, b;

    if (s == NULL)
        return false;
    a = strtod(s, &end);
    if (end == s || *end != ':')
        return false;
    s = end + 1;
    b = strtod(s, &end);
    if (end == s || *end != '\0' || a <= 0 || b <= 0)
        return false;
    *ratio = a / b;
    return true;
}

int
emu_round_to(double v, int m)
{
    int r = (int)lround(v / m) * m;

    return r < m ? m : r;
}

bool
emu_str_in(const char *s, const char *const *list)
{
    if (s == NULL)
        return false;
    for (; *list != NULL; list++) {
        if (strcmp(s, *list) == 0)
            return true;
    }
    return false;
}
