/* SPDX-License-Identifier: Apache-2.0
 * image/base64.c - table-driven standard base64 (RFC 4648) and data: URLs.
 * Encoding always pads; decoding is strict about the alphabet but skips
 * whitespace and takes padding as optional, as clients vary in both.
 */
#include "image/base64.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "util/mem.h"

/* Decode table: 0 marks a byte outside the alphabet (so the table can be
 * zero-filled const data), alphabet bytes hold their value + 1. */
#define B64_WS 65  /* skipped: space, tab, CR, LF */
#define B64_PAD 66 /* '=' */
#define B64_BAD 0

static ir_err base64_decode_into(const char *in, size_t n, unsigned char *out,
                                 size_t *outlen, size_t *badpos)
    IR_MUST_CHECK;
static bool base64_is_ws_byte(unsigned char c);

static const char base64_alphabet[64] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static const unsigned char base64_table[256] = {
    [' '] = B64_WS, ['\t'] = B64_WS, ['\r'] = B64_WS, ['\n'] = B64_WS,
    ['='] = B64_PAD,
    ['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,
    ['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,
    ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18,
    ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30,
    ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
    ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
    ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54,
    ['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
    ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

size_t
ir_base64_encoded_len(size_t n)
{
    return (n / 3 + (n % 3 != 0)) * 4;
}

void
ir_base64_encode_to(const void *in, size_t n, char *out)
{
    const unsigned char *p = in;
    size_t i = 0;
    uint32_t v;

    for (; i + 3 <= n; i += 3) {
        v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *out++ = base64_alphabet[v >> 18];
        *out++ = base64_alphabet[(v >> 12) & 63];
        *out++ = base64_alphabet[(v >> 6) & 63];
        *out++ = base64_alphabet[v & 63];
    }
    if (n - i == 1) {
        v = (uint32_t)p[i] << 16;
        *out++ = base64_alphabet[v >> 18];
        *out++ = base64_alphabet[(v >> 12) & 63];
        *out++ = '=';
        *out++ = '=';
    } else if (n - i == 2) {
        v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        *out++ = base64_alphabet[v >> 18];
        *out++ = base64_alphabet[(v >> 12) & 63];
        *out++ = base64_alphabet[(v >> 6) & 63];
        *out++ = '=';
    }
    *out = '\0';
}

ir_err
ir_base64_encode(const void *in, size_t n, char **out, size_t *outlen)
{
    size_t len;
    char *s;

    *out = NULL;
    /* 4 chars per 3 bytes must not wrap size_t (or the NUL). */
    if (n > (SIZE_MAX - 8) / 4 * 3)
        return IR_ETOOBIG;
    len = ir_base64_encoded_len(n);
    s = ir_malloc(len + 1);
    if (s == NULL)
        return IR_ENOMEM;
    ir_base64_encode_to(in, n, s);
    *out = s;
    if (outlen != NULL)
        *outlen = len;
    return IR_OK;
}

/* Is c one of the 64 alphabet bytes (padding not included)? */
static inline bool
base64_is_alpha(unsigned char c)
{
    return base64_table[c] != B64_BAD && base64_table[c] < B64_WS;
}

#if defined(__SSE2__)
/* Bit i set when p[i] is an alphabet byte, for 16 bytes. Letters are
 * case-folded by OR 0x20 ('@' and '`' fold to 0x60, outside a-z); '/'
 * and the digits are one run, 0x2f..0x39. Bytes from 0x80 up are negative
 * in the signed compares, so they fail every range. */
static inline unsigned
base64_alpha_mask16(const unsigned char *p)
{
    __m128i c = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i l = _mm_or_si128(c, _mm_set1_epi8(0x20));
    __m128i az = _mm_and_si128(_mm_cmpgt_epi8(l, _mm_set1_epi8(0x60)),
                               _mm_cmplt_epi8(l, _mm_set1_epi8(0x7b)));
    __m128i d = _mm_and_si128(_mm_cmpgt_epi8(c, _mm_set1_epi8(0x2e)),
                              _mm_cmplt_epi8(c, _mm_set1_epi8(0x3a)));
    __m128i plus = _mm_cmpeq_epi8(c, _mm_set1_epi8(0x2b));

    return (unsigned)_mm_movemask_epi8(
        _mm_or_si128(_mm_or_si128(az, d), plus));
}
#endif

size_t
ir_base64_alpha_span(const char *in, size_t n)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t i = 0;

#if defined(__SSE2__)
    unsigned m0, m1, m2, m3;

    /* 64 bytes a step: one branch per step while all are alphabet. */
    for (; i + 64 <= n; i += 64) {
        m0 = base64_alpha_mask16(p + i);
        m1 = base64_alpha_mask16(p + i + 16);
        m2 = base64_alpha_mask16(p + i + 32);
        m3 = base64_alpha_mask16(p + i + 48);
        if ((m0 & m1 & m2 & m3) != 0xffff) {
            uint64_t bad = ~((uint64_t)m0 | (uint64_t)m1 << 16 |
                             (uint64_t)m2 << 32 | (uint64_t)m3 << 48);

            return i + (size_t)__builtin_ctzll(bad);
        }
    }
    for (; i + 16 <= n; i += 16) {
        m0 = base64_alpha_mask16(p + i);
        if (m0 != 0xffff)
            return i + (size_t)__builtin_ctz(~m0 & 0xffff);
    }
#endif
    while (i < n && base64_is_alpha(p[i]))
        i++;
    return i;
}

bool
ir_base64_canonical(const char *in, size_t n, size_t *outlen)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t body, pads = 0;

    if (n % 4 != 0)
        return false;
    if (n > 0 && p[n - 1] == '=')
        pads = n > 1 && p[n - 2] == '=' ? 2 : 1;
    body = n - pads;
    if (ir_base64_alpha_span(in, body) != body)
        return false;
    if (outlen != NULL)
        *outlen = n / 4 * 3 - pads;
    return true;
}

static bool
base64_is_ws_byte(unsigned char c)
{
    return base64_table[c] == B64_WS;
}

/* Decodes n chars into out (room for n / 4 * 3 + 3 bytes). On a bad byte
 * *badpos is its offset in the input. */
static ir_err
base64_decode_into(const char *in, size_t n, unsigned char *out,
                   size_t *outlen, size_t *badpos)
{
    const unsigned char *p = (const unsigned char *)in;
    unsigned char *o = out;
    uint32_t acc = 0;
    size_t i = 0, pads = 0;
    unsigned q = 0; /* sextets in acc */
    unsigned char c;

    while (i < n) {
        /* Fast path: four alphabet bytes in a row, the common case. A
         * marker or bad byte makes its (entry - 1) 64 or more. */
        if (q == 0 && i + 4 <= n) {
            uint32_t a = base64_table[p[i]] - 1u,
                     b = base64_table[p[i + 1]] - 1u,
                     e = base64_table[p[i + 2]] - 1u,
                     f = base64_table[p[i + 3]] - 1u;

            if ((a | b | e | f) < 64) {
                acc = a << 18 | b << 12 | e << 6 | f;
                *o++ = (unsigned char)(acc >> 16);
                *o++ = (unsigned char)(acc >> 8);
                *o++ = (unsigned char)acc;
                i += 4;
                continue;
            }
        }
        c = base64_table[p[i]];
        if (c == B64_WS) {
            i++;
            continue;
        }
        if (c == B64_PAD)
            break;
        if (c == B64_BAD) {
            *badpos = i;
            return IR_EPARSE;
        }
        acc = acc << 6 | (uint32_t)(c - 1);
        if (++q == 4) {
            *o++ = (unsigned char)(acc >> 16);
            *o++ = (unsigned char)(acc >> 8);
            *o++ = (unsigned char)acc;
            q = 0;
            acc = 0;
        }
        i++;
    }
    /* Padding, if any: only '=' and whitespace may follow, and the count
     * must complete the last quantum exactly. */
    for (; i < n; i++) {
        c = base64_table[p[i]];
        if (c == B64_PAD)
            pads++;
        else if (c != B64_WS) {
            *badpos = i;
            return IR_EPARSE;
        }
    }
    if (q == 1 || (pads != 0 && (q < 2 || q + pads != 4))) {
        *badpos = n;
        return IR_EPARSE;
    }
    /* Left-over bits below the last whole byte are ignored, as most
     * decoders do; rejecting them would refuse real-world images. */
    if (q == 2) {
        *o++ = (unsigned char)(acc >> 4);
    } else if (q == 3) {
        *o++ = (unsigned char)(acc >> 10);
        *o++ = (unsigned char)(acc >> 2);
    }
    *outlen = (size_t)(o - out);
    return IR_OK;
}

ir_err
ir_base64_decode(const char *in, size_t n, unsigned char **out,
                 size_t *outlen)
{
    unsigned char *buf;
    size_t len = 0, bad = 0;
    ir_err err;

    *out = NULL;
    *outlen = 0;
    buf = ir_malloc(n / 4 * 3 + 3);
    if (buf == NULL)
        return IR_ENOMEM;
    err = base64_decode_into(in, n, buf, &len, &bad);
    if (err != IR_OK) {
        ir_free(buf);
        return err;
    }
    *out = buf;
    *outlen = len;
    return IR_OK;
}

ir_err
ir_base64_data_url_parse(const char *url, char *media_type,
                         size_t media_type_size, unsigned char **out,
                         size_t *outlen, struct ir_diag *d)
{
    const char *hdr, *comma, *semi, *param, *end;
    size_t typelen, n, bad = 0, len = 0, i;
    bool is_b64 = false;
    unsigned char *buf;
    ir_err err;

    *out = NULL;
    *outlen = 0;
    if (media_type_size > 0)
        media_type[0] = '\0';
    if (strncasecmp(url, "data:", 5) != 0) {
        ir_diag_set(d, "not a data: URL");
        return IR_EPARSE;
    }
    hdr = url + 5;
    comma = strchr(hdr, ',');
    if (comma == NULL) {
        ir_diag_set(d, "data: URL has no ',' before its payload "
                       "(expected data:<type>;base64,<payload>)");
        return IR_EPARSE;
    }
    /* <type>[;param=value]*[;base64]: base64 must be the last parameter. */
    semi = memchr(hdr, ';', (size_t)(comma - hdr));
    end = semi != NULL ? semi : comma;
    typelen = (size_t)(end - hdr);
    for (param = semi; param != NULL && param < comma;) {
        const char *next = memchr(param + 1, ';', (size_t)(comma - param - 1));
        const char *pend = next != NULL ? next : comma;

        is_b64 = (size_t)(pend - param - 1) == 6 &&
                 strncasecmp(param + 1, "base64", 6) == 0;
        param = next;
    }
    if (!is_b64) {
        ir_diag_set(d, "data: URL is not base64-encoded; only "
                       "data:<type>;base64,<payload> is accepted");
        return IR_EUNSUPPORTED;
    }
    for (i = 0; i < typelen; i++) {
        unsigned char c = (unsigned char)hdr[i];

        if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\') {
            ir_diag_set(d, "data: URL has an invalid media type");
            return IR_EPARSE;
        }
    }
    if (typelen >= media_type_size) {
        ir_diag_set(d, "data: URL media type is longer than %zu bytes",
                    media_type_size > 0 ? media_type_size - 1 : 0);
        return IR_ETOOBIG;
    }
    for (i = 0; i < typelen; i++) {
        char c = hdr[i];

        media_type[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    media_type[typelen] = '\0';

    n = strlen(comma + 1);
    buf = ir_malloc(n / 4 * 3 + 3);
    if (buf == NULL)
        return IR_ENOMEM;
    err = base64_decode_into(comma + 1, n, buf, &len, &bad);
    if (err != IR_OK) {
        if (bad < n && !base64_is_ws_byte((unsigned char)comma[1 + bad]))
            ir_diag_set(d, "data: URL payload is not valid base64 "
                           "(byte 0x%02x at payload offset %zu)",
                        (unsigned char)comma[1 + bad], bad);
        else
            ir_diag_set(d, "data: URL payload is not valid base64 "
                           "(truncated or badly padded)");
        ir_free(buf);
        return err;
    }
    if (len == 0) {
        ir_diag_set(d, "data: URL payload is empty");
        ir_free(buf);
        return IR_EPARSE;
    }
    *out = buf;
    *outlen = len;
    return IR_OK;
}
