/* SPDX-License-Identifier: Apache-2.0
 * client/buf.c - growable byte buffer with a ceiling.
 */
#include "buf.h"

#include <stdlib.h>
#include <string.h>

static bool buf_grow(struct irc_buf *b, size_t need);

void
irc_buf_init(struct irc_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void
irc_buf_cleanup(struct irc_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void
irc_buf_reset(struct irc_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static bool
buf_grow(struct irc_buf *b, size_t need)
{
    size_t cap;
    char *p;

    if (need + 1 <= b->cap)
        return true;
    cap = b->cap ? b->cap : 64;
    while (cap < need + 1)
        cap *= 2;
    p = realloc(b->data, cap);
    if (!p)
        return false;
    b->data = p;
    b->cap = cap;
    return true;
}

bool
irc_buf_add(struct irc_buf *b, const void *p, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return false;
    if (!buf_grow(b, b->len + n))
        return false;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

bool
irc_buf_addc(struct irc_buf *b, char c)
{
    return irc_buf_add(b, &c, 1);
}

bool
irc_buf_adds(struct irc_buf *b, const char *s)
{
    return irc_buf_add(b, s, strlen(s));
}

const char *
irc_buf_str(const struct irc_buf *b)
{
    return b->data ? b->data : "";
}

char *
irc_buf_take(struct irc_buf *b, size_t *len)
{
    char *p = b->data;

    if (!p) {
        p = calloc(1, 1);
        if (!p)
            return NULL;
    }
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
