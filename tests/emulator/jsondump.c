/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/jsondump.c - json_dumps(JSON_COMPACT) with the long
 * base64 strings (the images) spliced in rather than escaped.
 *
 * Why: jansson walks every character of a string through its UTF-8
 * decoder and escaper when dumping, which for a 1 KB image was a third of
 * the emulator's CPU per request, and the emulator is the upstream of the
 * throughput benchmark. A string made only of base64 characters needs no
 * escaping, so it can be dumped as a short placeholder and copied in
 * afterwards: the output is byte for byte what json_dumps gives.
 */
#include "jsondump.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DUMP_MIN 256          /* shorter strings are cheap to escape */
#define DUMP_MAX_RAW 64       /* strings spliced per document */

static const char dump_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_";

struct dump_raw {
    json_t *orig;             /* own reference to the original string */
    char mark[32];            /* the placeholder's text */
    size_t mark_len;
};

struct dump_state {
    struct dump_raw raw[DUMP_MAX_RAW];
    size_t n;
};

/* A replacement string for v when it qualifies, else NULL. */
static json_t *
dump_mark(struct dump_state *st, json_t *v)
{
    struct dump_raw *r;
    const char *s;
    size_t len;
    int n;

    if (!json_is_string(v) || st->n == DUMP_MAX_RAW)
        return NULL;
    len = json_string_length(v);
    s = json_string_value(v);
    if (len < DUMP_MIN || strspn(s, dump_b64) != len)
        return NULL;
    r = &st->raw[st->n];
    /* \x01 never occurs unescaped in a dump, so the mark is unique. */
    n = snprintf(r->mark, sizeof(r->mark), "\x01%zu\x01", st->n);
    if (n < 0 || (size_t)n >= sizeof(r->mark))
        return NULL;
    r->mark_len = (size_t)n;
    r->orig = json_incref(v);
    st->n++;
    /* Dumped as "\u0001N\u0001": find it by that text later. */
    return json_stringn_nocheck(r->mark, r->mark_len);
}

static void
dump_walk(struct dump_state *st, json_t *j)
{
    const char *key;
    json_t *v, *m;
    size_t i;

    /* A container someone else also holds (the request body echoed back,
     * say) is dumped as it is: replacing its members would change the
     * other holder's copy too. */
    if (j->refcount > 1)
        return;
    if (json_is_object(j)) {
        json_object_foreach(j, key, v) {
            if ((m = dump_mark(st, v)) != NULL)
                json_object_set_new(j, key, m);
            else
                dump_walk(st, v);
        }
    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v) {
            if ((m = dump_mark(st, v)) != NULL)
                json_array_set_new(j, i, m);
            else
                dump_walk(st, v);
        }
    }
}

/* Where each mark is in the dump, in output order; false if one is
 * missing (cannot happen unless jansson changes its escaping). */
static bool
dump_find(struct dump_state *st, const char *s, const char **at,
          size_t *esc_len, size_t *order)
{
    size_t i, k;

    for (i = 0; i < st->n; i++) {
        char esc[48];
        int n = snprintf(esc, sizeof(esc), "\\u0001%zu\\u0001", i);
        if (n < 0 || (size_t)n >= sizeof(esc) ||
            (at[i] = strstr(s, esc)) == NULL)
            return false;
        esc_len[i] = (size_t)n;
        /* Insertion sort by position: a handful of entries. */
        for (k = i; k > 0 && at[order[k - 1]] > at[i]; k--)
            order[k] = order[k - 1];
        order[k] = i;
    }
    return true;
}

char *
emu_json_dump(json_t *j)
{
    struct dump_state st;
    const char *at[DUMP_MAX_RAW], *p;
    size_t esc_len[DUMP_MAX_RAW], order[DUMP_MAX_RAW];
    char *s, *out = NULL, *o;
    size_t total, i;

    st.n = 0;
    dump_walk(&st, j);
    s = json_dumps(j, JSON_COMPACT);
    if (s == NULL || st.n == 0)
        return s;
    if (!dump_find(&st, s, at, esc_len, order))
        goto done;
    total = strlen(s) + 1;
    for (i = 0; i < st.n; i++)
        total += json_string_length(st.raw[i].orig);
    out = malloc(total);
    if (out == NULL)
        goto done;
    p = s;
    o = out;
    for (i = 0; i < st.n; i++) {
        size_t k = order[i];
        memcpy(o, p, (size_t)(at[k] - p));
        o += at[k] - p;
        memcpy(o, json_string_value(st.raw[k].orig),
               json_string_length(st.raw[k].orig));
        o += json_string_length(st.raw[k].orig);
        p = at[k] + esc_len[k];
    }
    memcpy(o, p, strlen(p) + 1);
done:
    for (i = 0; i < st.n; i++)
        json_decref(st.raw[i].orig);
    free(s);
    return out;
}
