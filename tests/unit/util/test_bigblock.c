/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/util/test_bigblock.c - util/bigblock.c: small sizes are left
 * to the caller, one big block is kept and handed back when it fits (not
 * when it is more than twice too big), a second is freed, and the kept
 * one goes after the idle time or on demand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/bigblock.h"
#include "util/mem.h"
#include "util/time.h"

static void
test_small_left_to_caller(void **state)
{
    char *p;

    (void)state;
    assert_null(ir_bigblock_get(100));
    assert_null(ir_bigblock_get(IR_BIGBLOCK_MIN - 1));
    /* A small block is simply freed. */
    p = ir_malloc(100);
    assert_non_null(p);
    ir_bigblock_put(p);
    assert_int_equal(ir_bigblock_kept(), 0);
    ir_bigblock_put(NULL);
}

static void
test_keep_and_reuse(void **state)
{
    size_t n = IR_BIGBLOCK_MIN + 12345;
    char *a = ir_bigblock_get(n), *b, *c;

    (void)state;
    assert_non_null(a);
    assert_true(ir_mem_usable(a) >= n);
    memset(a, 'x', n);
    b = ir_bigblock_get(n);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    ir_bigblock_put(a);
    assert_true(ir_bigblock_kept() >= n);
    ir_bigblock_put(b); /* one kept already: freed */
    assert_int_equal(ir_bigblock_kept(), ir_mem_usable(a));
    /* Too big a request: a new block; the kept one stays. */
    c = ir_bigblock_get(ir_mem_usable(a) + 1);
    assert_non_null(c);
    assert_ptr_not_equal(c, a);
    ir_free(c);
    /* Less than half its size: not handed out (nor allocated: small). */
    assert_null(ir_bigblock_get(100));
    assert_true(ir_bigblock_kept() > 0);
    /* It fits: the same block, pages and all. */
    c = ir_bigblock_get(n - 1000);
    assert_ptr_equal(c, a);
    assert_int_equal(c[0], 'x');
    assert_int_equal(ir_bigblock_kept(), 0);
    ir_free(c);
}

static void
test_trim(void **state)
{
    int64_t now = ir_time_mono_ms();

    (void)state;
    ir_bigblock_put(ir_bigblock_get(IR_BIGBLOCK_MIN));
    assert_true(ir_bigblock_kept() > 0);
    ir_bigblock_trim(now, 0);
    assert_true(ir_bigblock_kept() > 0);
    ir_bigblock_trim(now + IR_BIGBLOCK_IDLE_MS + 1000, 0);
    assert_int_equal(ir_bigblock_kept(), 0);
    ir_bigblock_put(ir_bigblock_get(IR_BIGBLOCK_MIN));
    ir_bigblock_trim(0, 1);
    assert_int_equal(ir_bigblock_kept(), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_left_to_caller),
        cmocka_unit_test(test_keep_and_reuse),
        cmocka_unit_test(test_trim),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
