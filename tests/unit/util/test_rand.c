/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/util/test_rand.c - random identifiers: length, alphabet, an
 * even spread over it, no repeats across a fork; raw bytes of any length,
 * and unit doubles.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/rand.h"

static const char alnum[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static void
test_alnum_length_and_alphabet(void **state)
{
    /* 0, short ids, the store's 24, and more than one internal draw. */
    static const size_t lens[] = {0, 1, 12, 20, 24, 63, 64, 65, 300};
    char buf[302];
    size_t i, j;

    (void)state;
    for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        memset(buf, 0x7f, sizeof buf);
        assert_int_equal(ir_rand_alnum(buf, lens[i]), IR_OK);
        assert_int_equal(strlen(buf), lens[i]);
        for (j = 0; j < lens[i]; j++)
            assert_non_null(memchr(alnum, buf[j], 62));
        assert_int_equal((unsigned char)buf[lens[i] + 1], 0x7f);
    }
}

static void
test_alnum_spread(void **state)
{
    /* 62 * 4000 chars: each symbol's count is binomial with mean 4000 and
     * sd ~63, so [3400, 4600] is ~9.5 sd wide and a fair draw never
     * leaves it. byte % 62 without the rejection would give the first 8
     * symbols 5/256 each (~4840) and the rest 4/256 (~3870). */
    enum { PER = 4000, N = 62 * PER };
    static char buf[N + 1];
    size_t count[62] = {0};
    size_t i, first8 = 0, rest = 0;

    (void)state;
    for (i = 0; i < N; i += 124)
        assert_int_equal(ir_rand_alnum(buf + i, 124), IR_OK);
    for (i = 0; i < N; i++) {
        const char *p = memchr(alnum, buf[i], 62);

        assert_non_null(p);
        count[p - alnum]++;
    }
    for (i = 0; i < 62; i++) {
        assert_in_range(count[i], PER - 600, PER + 600);
        if (i < 8)
            first8 += count[i];
        else
            rest += count[i];
    }
    /* The same bias, summed: it would make the first 8 symbols' mean 25 %
     * above the rest's; a fair draw stays within ~0.6 % (1 sd), so a 5 %
     * bound is ~8 sd. */
    assert_true((double)first8 / 8.0 < (double)rest / 54.0 * 1.05);
}

static void
test_alnum_differs(void **state)
{
    char a[25], b[25];

    (void)state;
    assert_int_equal(ir_rand_alnum(a, 24), IR_OK);
    assert_int_equal(ir_rand_alnum(b, 24), IR_OK);
    assert_string_not_equal(a, b);
}

static void
test_bytes_lengths(void **state)
{
    /* Past getrandom's 256-byte whole-read size and a large ask that may
     * come in pieces: every byte is written (a 0x00 fill would stay in a
     * long run if a piece were skipped) and nothing past n. */
    static const size_t lens[] = {0, 1, 8, 255, 256, 257, 4096, 100000};
    static unsigned char buf[100001];
    size_t i, j, zrun, maxzrun;

    (void)state;
    for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        memset(buf, 0, sizeof buf);
        buf[lens[i]] = 0xa5;
        assert_int_equal(ir_rand_bytes(buf, lens[i]), IR_OK);
        assert_int_equal(buf[lens[i]], 0xa5);
        zrun = maxzrun = 0;
        for (j = 0; j < lens[i]; j++) {
            zrun = buf[j] == 0 ? zrun + 1 : 0;
            if (zrun > maxzrun)
                maxzrun = zrun;
        }
        /* 6 zero bytes in a row: p ~ 1e5 * 2^-48 for the largest. */
        assert_true(maxzrun < 6);
    }
}

static void
test_unit_range(void **state)
{
    double sum = 0, v;
    int i;

    (void)state;
    for (i = 0; i < 10000; i++) {
        v = ir_rand_unit();
        assert_true(v >= 0.0 && v < 1.0);
        sum += v;
    }
    /* Mean of 10000 uniforms: sd ~0.0029, so +-0.03 is ~10 sd. */
    assert_true(sum / 10000 > 0.47 && sum / 10000 < 0.53);
}

/* Ids come from a per-thread pool: a forked child must not hand out
 * the bytes its parent still holds. */
static void
test_fork_differs(void **state)
{
    char mine[25], theirs[25];
    int fds[2], status;
    pid_t pid;

    (void)state;
    assert_int_equal(ir_rand_alnum(mine, 24), IR_OK); /* fills the pool */
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char id[25];

        close(fds[0]);
        if (ir_rand_alnum(id, 24) != IR_OK ||
            write(fds[1], id, 24) != 24)
            _exit(1);
        _exit(0);
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], theirs, 24), 24);
    theirs[24] = '\0';
    close(fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(ir_rand_alnum(mine, 24), IR_OK);
    assert_string_not_equal(mine, theirs);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alnum_length_and_alphabet),
        cmocka_unit_test(test_alnum_spread),
        cmocka_unit_test(test_alnum_differs),
        cmocka_unit_test(test_bytes_lengths),
        cmocka_unit_test(test_unit_range),
        cmocka_unit_test(test_fork_differs),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
