/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/core/test_money.c - USD text and JSON numbers into exact
 * nano-dollars.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "core/money.h"

#define USD 1000000000LL

static int64_t
parse_ok(const char *s)
{
    int64_t v = -1;

    if (ir_core_money_parse(s, &v) != IR_OK)
        fail_msg("'%s' did not parse", s);
    return v;
}

static int64_t
double_ok(const char *json_text)
{
    int64_t v = -1;
    double d = strtod(json_text, NULL); /* what a JSON parser gives */

    if (ir_core_money_from_double(d, &v) != IR_OK)
        fail_msg("%s did not convert", json_text);
    return v;
}

static void
test_parse_text(void **state)
{
    int64_t v;

    (void)state;
    assert_int_equal(parse_ok("5"), 5 * USD);
    assert_int_equal(parse_ok("0.25"), USD / 4);
    assert_int_equal(parse_ok("$1.000000001"), USD + 1);
    assert_int_equal(parse_ok(".5"), USD / 2);
    assert_int_equal(parse_ok("0.0448255"), 44825500);
    assert_int_equal(parse_ok("1.5000000000"), USD + USD / 2);
    assert_int_equal(parse_ok("1000000000"), 1000000000LL * USD);
    assert_int_equal(ir_core_money_parse("1000000000.1", &v), IR_EINVAL);
    assert_int_equal(ir_core_money_parse("1000000001", &v), IR_EINVAL);
    assert_int_equal(ir_core_money_parse("0.0000000001", &v), IR_EINVAL);
    assert_int_equal(ir_core_money_parse("-1", &v), IR_EINVAL);
    assert_int_equal(ir_core_money_parse("1e3", &v), IR_EINVAL);
    assert_int_equal(ir_core_money_parse("", &v), IR_EINVAL);
    assert_int_equal(ir_core_money_parse(".", &v), IR_EINVAL);
    assert_int_equal(ir_core_money_parse("1 ", &v), IR_EINVAL);
    assert_int_equal(ir_core_money_parse(NULL, &v), IR_EINVAL);
    assert_int_equal(ir_core_money_parse("99999999999999999999999", &v),
                     IR_EINVAL);
}

static void
test_from_double(void **state)
{
    int64_t v;

    (void)state;
    /* Decimals a double cannot hold exactly still come back exact. */
    assert_int_equal(double_ok("0.07"), 70000000);
    assert_int_equal(double_ok("0.1"), USD / 10);
    assert_int_equal(double_ok("0.3"), 3 * USD / 10);
    assert_int_equal(double_ok("0.01"), USD / 100);
    assert_int_equal(double_ok("0.000000001"), 1);
    assert_int_equal(double_ok("0.0448255"), 44825500);
    assert_int_equal(double_ok("123456.123456789"),
                     123456 * USD + 123456789);
    assert_int_equal(double_ok("50"), 50 * USD);
    assert_int_equal(double_ok("0"), 0);
    assert_int_equal(double_ok("1000000000"), 1000000000LL * USD);
    /* Finer than a nano-dollar, negative, too large, not finite. */
    assert_int_equal(ir_core_money_from_double(0.0000000001, &v), IR_EINVAL);
    assert_int_equal(ir_core_money_from_double(0.1234567891, &v), IR_EINVAL);
    assert_int_equal(ir_core_money_from_double(-0.5, &v), IR_EINVAL);
    assert_int_equal(ir_core_money_from_double(1e10, &v), IR_EINVAL);
    assert_int_equal(ir_core_money_from_double(NAN, &v), IR_EINVAL);
    assert_int_equal(ir_core_money_from_double(INFINITY, &v), IR_EINVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_text),
        cmocka_unit_test(test_from_double),
    };

    return cmocka_run_group_tests_name("core.money", tests, NULL, NULL);
}
