/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/util/test_ct.c - constant-time equality gives memcmp's
 * answer wherever the bytes differ; the wipe zeroes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/ct.h"

static void
test_equal(void **state)
{
    unsigned char a[64], b[64];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof a; i++)
        a[i] = b[i] = (unsigned char)(i * 7);
    assert_true(ir_ct_equal(a, b, sizeof a));
    assert_true(ir_ct_equal(a, b, 0));
    for (i = 0; i < sizeof a; i++) {
        b[i] ^= 0x80;
        assert_false(ir_ct_equal(a, b, sizeof a));
        /* Only the first i bytes compared: still equal. */
        assert_true(ir_ct_equal(a, b, i));
        b[i] ^= 0x80;
    }
}

static void
test_wipe(void **state)
{
    unsigned char a[33];
    size_t i;

    (void)state;
    memset(a, 0xff, sizeof a);
    ir_ct_wipe(a, 32);
    for (i = 0; i < 32; i++)
        assert_int_equal(a[i], 0);
    assert_int_equal(a[32], 0xff);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal),
        cmocka_unit_test(test_wipe),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
