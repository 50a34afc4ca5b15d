/* SPDX-License-Identifier: Apache-2.0
 * providers/json_big.c - JSON parsing with big strings left in the body.
 */
#include "providers/json_big.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/base64.h"
#include "util/buf.h"
#include "util/mem.h"

/* "\u0001big:<body address>:<offset>:<length>:<e|r|b>" (escaped, raw,
 * raw canonical base64): the control byte keeps it apart from any base64
 * or text a provider could mean, and the address (which a provider
 * cannot know) from a placeholder a provider would send itself. */
#define BIG_TAG "\\u0001big:"
#define BIG_TAG_VALUE "\001big:"

/* Any byte below 0x20 or from 0x80 up in [p, p + n)? Eight at a time. */
static bool
big_has_odd_byte(const char *p, size_t n)
{
    const uint64_t hi = 0x8080808080808080ull, k20 = 0x2020202020202020ull;
    uint64_t w, acc = 0;
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        memcpy(&w, p + i, 8);
        /* High bit set, or (for bytes without it) a borrow below 0x20. */
        acc |= (w | ((w - k20) & ~w)) & hi;
    }
    for (; i < n; i++)
        acc |= (unsigned char)p[i] < 0x20 || (unsigned char)p[i] >= 0x80;
    return acc != 0;
}

/* The end of the string whose content starts at s: the index of its
 * closing quote, or len when unterminated. *esc_slash: it has "\/";
 * *esc_other: it has any other escape. */
static size_t
big_string_end(const char *b, size_t len, size_t s, bool *esc_slash,
               bool *esc_other)
{
    const char *q = NULL, *bs;
    size_t j = s;

    *esc_slash = *esc_other = false;
    for (;;) {
        if (q == NULL || (size_t)(q - b) < j) {
            q = j < len ? memchr(b + j, '"', len - j) : NULL;
            if (q == NULL)
                return len;
        }
        bs = memchr(b + j, '\\', (size_t)(q - b) - j);
        if (bs == NULL)
            return (size_t)(q - b);
        if ((size_t)(bs - b) + 1 >= len)
            return len;
        if (bs[1] == '/')
            *esc_slash = true;
        else
            *esc_other = true;
        j = (size_t)(bs - b) + 2;
    }
}

static bool
big_is_key(const char *b, size_t len, size_t after)
{
    while (after < len && (b[after] == ' ' || b[after] == '\t' ||
                           b[after] == '\n' || b[after] == '\r'))
        after++;
    return after < len && b[after] == ':';
}

json_t *
ir_json_big_load(const char *body, size_t len, size_t min)
{
    struct ir_buf out;
    size_t i = 0, from = 0, s, a, e, b64min = IR_JSON_BIG_B64_MIN;
    const char *q;
    bool slash, other, canon;
    json_t *root;

    if (b64min > min)
        b64min = min;
    if (body == NULL || len < b64min)
        return body != NULL ? json_loadb(body, len, 0, NULL) : NULL;
    /* Placeholders are shorter than what they replace unless min is tiny
     * (tests). */
    ir_buf_init(&out, len * 2 + 64);
    while (i < len && (q = memchr(body + i, '"', len - i)) != NULL) {
        s = (size_t)(q - body) + 1;
        /* An image is canonical base64, which also rules out the bytes
         * jansson would refuse: one pass over it finds its end and
         * proves it canonical, instead of one pass for each. */
        a = s + ir_base64_alpha_span(body + s, len - s);
        for (e = a; e < len && e - a < 2 && body[e] == '='; e++)
            ;
        if (e < len && body[e] == '"') {
            slash = other = false;
            canon = e - s >= b64min && (e - s) % 4 == 0;
        } else {
            /* No quote or backslash before a: search on from there. */
            e = big_string_end(body, len, a, &slash, &other);
            canon = false; /* not alphabet bytes, then padding, then end */
        }
        if (e >= len)
            break; /* unterminated: jansson says so below */
        if ((e - s >= min || canon) && !other &&
            !big_is_key(body, len, e + 1) &&
            (canon || !big_has_odd_byte(body + s, e - s))) {
            if (ir_buf_add(&out, body + from, s - from) != IR_OK ||
                ir_buf_addf(&out, BIG_TAG "%" PRIxPTR ":%zu:%zu:%c",
                            (uintptr_t)body, s, e - s,
                            slash ? 'e' : canon ? 'b' : 'r') != IR_OK) {
                ir_buf_cleanup(&out);
                return NULL;
            }
            from = e;
        }
        i = e + 1;
    }
    if (from == 0) {
        ir_buf_cleanup(&out);
        return json_loadb(body, len, 0, NULL);
    }
    if (ir_buf_add(&out, body + from, len - from) != IR_OK) {
        ir_buf_cleanup(&out);
        return NULL;
    }
    root = json_loadb(out.data, out.len, 0, NULL);
    ir_buf_cleanup(&out);
    return root;
}

bool
ir_json_big_get(const char *body, size_t len, const char *s,
                struct ir_json_big_str *out)
{
    uintmax_t addr, off, n;
    char *end, kind;

    if (s == NULL || body == NULL ||
        strncmp(s, BIG_TAG_VALUE, sizeof BIG_TAG_VALUE - 1) != 0)
        return false;
    s += sizeof BIG_TAG_VALUE - 1;
    addr = strtoumax(s, &end, 16);
    if (end == s || *end != ':' || addr != (uintptr_t)body)
        return false;
    s = end + 1;
    off = strtoumax(s, &end, 10);
    if (end == s || *end != ':')
        return false;
    s = end + 1;
    n = strtoumax(s, &end, 10);
    if (end == s || *end != ':')
        return false;
    kind = end[1];
    if ((kind != 'e' && kind != 'r' && kind != 'b') || end[2] != '\0')
        return false;
    /* Only what the loader made: a whole string of this body. A provider
     * echoing a placeholder could point nowhere else. */
    if (off == 0 || off > len || n > len - off || body[off - 1] != '"' ||
        off + n >= len || body[off + n] != '"')
        return false;
    out->p = body + off;
    out->len = (size_t)n;
    out->escaped = kind == 'e';
    out->canonical = kind == 'b';
    return true;
}

char *
ir_json_big_dup(const struct ir_json_big_str *s, size_t *len)
{
    char *d = ir_malloc(s->len + 1);
    size_t i, k = 0;

    if (d == NULL)
        return NULL;
    if (!s->escaped) {
        memcpy(d, s->p, s->len);
        k = s->len;
    } else {
        /* The loader let only "\/" through. */
        for (i = 0; i < s->len; i++) {
            if (s->p[i] == '\\' && i + 1 < s->len)
                i++;
            d[k++] = s->p[i];
        }
    }
    d[k] = '\0';
    if (len != NULL)
        *len = k;
    return d;
}
