/* SPDX-License-Identifier: Apache-2.0
 * util/err.c - names for ir_err codes and diagnostic formatting.
 */
#include "util/err.h"

#include <stdio.h>

const char *
ir_strerror(ir_err e)
{
    switch (e) {
    case IR_OK:
        return "ok";
#define IR_ERR_CASE(name, text) \
    case IR_E##name:            \
        return text;
        IR_ERR_MAP(IR_ERR_CASE)
#undef IR_ERR_CASE
    }
    return "unknown error";
}

void
ir_diag_vset(struct ir_diag *d, const char *fmt, va_list ap)
{
    if (d == NULL)
        return;
    /* Truncation is acceptable: the message is advisory and bounded. */
    (void)vsnprintf(d->msg, sizeof d->msg, fmt, ap);
}

void
ir_diag_set(struct ir_diag *d, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    ir_diag_vset(d, fmt, ap);
    va_end(ap);
}
