/* SPDX-License-Identifier: Apache-2.0
 * core/money.h - USD amounts that clients send (key limits, credit
 * grants), turned into exact integer nano-dollars (1 USD = 1e9).
 */
#ifndef IR_CORE_MONEY_H
#define IR_CORE_MONEY_H

#include <stdint.h>

#include "util/err.h"

/* The largest amount accepted: one billion dollars, far from int64's
 * 9.2e18 nanos so sums of many amounts cannot overflow either. */
#define IR_MONEY_MAX_USD 1000000000LL

/* Decimal text ("5", "0.25", "$1.000000001") into nanos, exactly.
 * IR_EINVAL for signs, exponents, more than 9 decimals, or more than
 * IR_MONEY_MAX_USD. */
ir_err ir_core_money_parse(const char *s, int64_t *out_nanos) IR_MUST_CHECK;

/* A JSON number (a double, as the parser gives it) into nanos: the
 * decimal with at most 9 places that the client wrote, recovered
 * exactly. IR_EINVAL for a negative, non-finite or too large value, or
 * one that needs more than 9 decimals (finer than a nano-dollar). */
ir_err ir_core_money_from_double(double usd, int64_t *out_nanos)
    IR_MUST_CHECK;

#endif
