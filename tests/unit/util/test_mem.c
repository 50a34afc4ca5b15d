/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/util/test_mem.c - checked allocation and string copies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/mem.h"

static void
test_strndup_bounds(void **state)
{
    const char raw[4] = {'a', 'b', 'c', 'd'}; /* not NUL-terminated */
    char *s;

    (void)state;
    /* n larger than the string: stop at its end (ASan checks the read). */
    s = ir_strndup("short", 255);
    assert_string_equal(s, "short");
    ir_free(s);
    s = ir_strndup("abcdef", 3);
    assert_string_equal(s, "abc");
    ir_free(s);
    s = ir_strndup(raw, sizeof raw);
    assert_string_equal(s, "abcd");
    ir_free(s);
    assert_null(ir_strndup(NULL, 3));
}

static void
test_fail_at(void **state)
{
    void *a, *b;

    (void)state;
    ir_mem_fail_at(2);
    a = ir_malloc(8);
    b = ir_malloc(8);
    assert_non_null(a);
    assert_null(b);
    ir_free(a);
    a = ir_strdup("again"); /* the hook fired once; it is off now */
    assert_non_null(a);
    ir_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strndup_bounds),
        cmocka_unit_test(test_fail_at),
    };

    return cmocka_run_group_tests_name("util.mem", tests, NULL, NULL);
}
