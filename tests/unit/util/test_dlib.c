/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/util/test_dlib.c - a library opened on first use: its table
 * filled, loaded once, a missing library or function reported, and a
 * failed load tried again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/dlib.h"

typedef double dlib_test_fn(double);

static void
test_load_ok(void **state)
{
    static const char *const names[] = {"cos", "sqrt"};
    static void (*fns[2])(void);
    static struct ir_dlib d = {.soname = "libm.so.6", .names = names,
                              .fns = fns, .nfns = 2};
    dlib_test_fn *f;

    (void)state;
    assert_false(ir_dlib_loaded(&d));
    assert_int_equal(ir_dlib_load(&d), IR_OK);
    assert_true(ir_dlib_loaded(&d));
    f = (dlib_test_fn *)fns[1];
    assert_true(f(16.0) == 4.0);
    /* Once loaded, again is the same answer. */
    assert_int_equal(ir_dlib_load(&d), IR_OK);
}

static void
test_missing_library(void **state)
{
    static const char *const names[] = {"f"};
    static void (*fns[1])(void);
    static struct ir_dlib d = {.soname = "libir-no-such-lib.so.9",
                              .names = names, .fns = fns, .nfns = 1};

    (void)state;
    assert_int_equal(ir_dlib_load(&d), IR_ENOTFOUND);
    assert_false(ir_dlib_loaded(&d));
    assert_non_null(strstr(d.error, "libir-no-such-lib.so.9"));
    assert_int_equal(ir_dlib_load(&d), IR_ENOTFOUND);
}

static void
test_missing_function(void **state)
{
    static const char *const names[] = {"cos", "ir_no_such_function"};
    static void (*fns[2])(void);
    static struct ir_dlib d = {.soname = "libm.so.6", .names = names,
                              .fns = fns, .nfns = 2};

    (void)state;
    assert_int_equal(ir_dlib_load(&d), IR_ENOTFOUND);
    assert_false(ir_dlib_loaded(&d));
    assert_non_null(strstr(d.error, "ir_no_such_function"));
}

static void
test_failure_not_remembered(void **state)
{
    static const char *const names[] = {"cos"};
    static void (*fns[1])(void);
    static struct ir_dlib d = {.soname = "libir-no-such-lib.so.9",
                              .names = names, .fns = fns, .nfns = 1};

    (void)state;
    assert_int_equal(ir_dlib_load(&d), IR_ENOTFOUND);
    /* What failed (say, for want of a descriptor) may work later. */
    d.soname = "libm.so.6";
    assert_int_equal(ir_dlib_load(&d), IR_OK);
    assert_true(ir_dlib_loaded(&d));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_ok),
        cmocka_unit_test(test_missing_library),
        cmocka_unit_test(test_missing_function),
        cmocka_unit_test(test_failure_not_remembered),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
