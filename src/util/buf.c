/* SPDX-License-Identifier: Apache-2.0
 * util/buf.c - growable byte buffer with a ceiling.
 */
#include "util/buf.h"

#include <stdio.h>
#include <string.h>

#include "util/mem.h"

void
ir_buf_init(struct ir_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void
ir_buf_cleanup(struct ir_buf *b)
{
    ir_free(b->data);
    ir_buf_init(b, b->max);
}

void
ir_buf_reset(struct ir_buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

ir_err
ir_buf_reserve(struct ir_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (extra > b->max || b->len > b->max - extra)
        return IR_ETOOBIG;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return IR_OK;
    cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
    p = ir_realloc(b->data, cap);
    if (p == NULL)
        return IR_ENOMEM;
    b->data = p;
    b->cap = cap;
    return IR_OK;
}

ir_err
ir_buf_add(struct ir_buf *b, const void *p, size_t n)
{
    ir_err err;

    if ((err = ir_buf_reserve(b, n)) != IR_OK)
        return err;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return IR_OK;
}

ir_err
ir_buf_adds(struct ir_buf *b, const char *s)
{
    return ir_buf_add(b, s, strlen(s));
}

ir_err
ir_buf_addc(struct ir_buf *b, char c)
{
    return ir_buf_add(b, &c, 1);
}

ir_err
ir_buf_addf(struct ir_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    ir_err err;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return IR_EINVAL;
    if ((err = ir_buf_reserve(b, (size_t)n)) != IR_OK)
        return err;
    va_start(ap, fmt);
    (void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return IR_OK;
}

char *
ir_buf_take(struct ir_buf *b, size_t *len)
{
    char *p = b->data;

    if (len != NULL)
        *len = b->len;
    ir_buf_init(b, b->max);
    return p;
}
