/* SPDX-License-Identifier: Apache-2.0
 * core/money.c - USD amounts from clients into exact nano-dollars, with
 * no floating-point arithmetic on the amount itself.
 */
#include "core/money.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define MONEY_NANOS 1000000000LL

ir_err
ir_core_money_parse(const char *s, int64_t *out_nanos)
{
    int64_t whole = 0, frac = 0, scale = MONEY_NANOS / 10;
    bool digits = false;

    if (s == NULL)
        return IR_EINVAL;
    if (*s == '$')
        s++;
    for (; *s >= '0' && *s <= '9'; s++) {
        whole = whole * 10 + (*s - '0');
        if (whole > IR_MONEY_MAX_USD)
            return IR_EINVAL;
        digits = true;
    }
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++) {
            /* Past nano precision only zeros can be represented. */
            if (scale == 0 && *s != '0')
                return IR_EINVAL;
            frac += (*s - '0') * scale;
            scale /= 10;
            digits = true;
        }
    }
    if (!digits || *s != '\0')
        return IR_EINVAL;
    if (whole == IR_MONEY_MAX_USD && frac > 0)
        return IR_EINVAL;
    *out_nanos = whole * MONEY_NANOS + frac;
    return IR_OK;
}

ir_err
ir_core_money_from_double(double usd, int64_t *out_nanos)
{
    char text[64];
    int n;

    if (!isfinite(usd) || usd < 0 || usd > (double)IR_MONEY_MAX_USD)
        return IR_EINVAL;
    /* The JSON parser rounded the client's decimal to the nearest double.
     * Printing that double with 9 decimals gives the decimal back when it
     * had at most 9 places; reading the text again must give the same
     * double, or the client wrote something finer than a nano. */
    n = snprintf(text, sizeof text, "%.9f", usd);
    if (n < 0 || (size_t)n >= sizeof text || strtod(text, NULL) != usd)
        return IR_EINVAL;
    return ir_core_money_parse(text, out_nanos);
}
