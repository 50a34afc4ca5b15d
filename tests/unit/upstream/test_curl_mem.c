/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/upstream/test_curl_mem.c - libcurl's allocator: big blocks
 * are header-free mappings, small ones malloc; realloc across the
 * threshold keeps the bytes; pointers it did not map go to free().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <unistd.h>

#include "upstream/curl_mem.h"

#define BIG IR_CURL_MEM_BIG

static int
aligned(const void *p)
{
    return ((uintptr_t)p & ((uintptr_t)sysconf(_SC_PAGESIZE) - 1)) == 0;
}

static void
fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 31 + seed);
}

static int
same(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(i * 31 + seed))
            return 0;
    return 1;
}

static void
test_small_and_big(void **state)
{
    size_t live = ir_upstream_curl_mem_big_live();
    unsigned char *s = ir_upstream_curl_mem_malloc(100);
    unsigned char *b = ir_upstream_curl_mem_malloc(BIG);
    unsigned char *r = ir_upstream_curl_mem_malloc(256 * 1024 + 1);

    (void)state;
    assert_non_null(s);
    assert_non_null(b);
    assert_non_null(r);
    assert_true(aligned(b)); /* no header in front */
    assert_true(aligned(r));
    assert_int_equal(ir_upstream_curl_mem_big_live(), live + 2);
    memset(s, 1, 100);
    memset(b, 2, BIG);
    memset(r, 3, 256 * 1024 + 1);
    ir_upstream_curl_mem_free(s);
    ir_upstream_curl_mem_free(b);
    ir_upstream_curl_mem_free(r);
    ir_upstream_curl_mem_free(NULL);
    assert_int_equal(ir_upstream_curl_mem_big_live(), live);
    /* Just below the threshold is malloc's. */
    s = ir_upstream_curl_mem_malloc(BIG - 1);
    assert_non_null(s);
    assert_int_equal(ir_upstream_curl_mem_big_live(), live);
    ir_upstream_curl_mem_free(s);
}

static void
test_realloc_across(void **state)
{
    size_t live = ir_upstream_curl_mem_big_live();
    unsigned char *p = ir_upstream_curl_mem_realloc(NULL, 1000);

    (void)state;
    assert_non_null(p);
    fill(p, 1000, 7);
    /* small -> big: moves to a mapping, bytes kept */
    p = ir_upstream_curl_mem_realloc(p, BIG * 2);
    assert_non_null(p);
    assert_true(aligned(p));
    assert_true(same(p, 1000, 7));
    assert_int_equal(ir_upstream_curl_mem_big_live(), live + 1);
    fill(p, BIG * 2, 9);
    /* big -> bigger (mremap) and back down, still big */
    p = ir_upstream_curl_mem_realloc(p, BIG * 40);
    assert_non_null(p);
    assert_true(same(p, BIG * 2, 9));
    p[BIG * 40 - 1] = 5;
    p = ir_upstream_curl_mem_realloc(p, BIG + 10);
    assert_non_null(p);
    assert_true(same(p, BIG + 10, 9));
    assert_int_equal(ir_upstream_curl_mem_big_live(), live + 1);
    /* big -> small: back to malloc, the first bytes kept */
    p = ir_upstream_curl_mem_realloc(p, 500);
    assert_non_null(p);
    assert_true(same(p, 500, 9));
    assert_int_equal(ir_upstream_curl_mem_big_live(), live);
    /* small -> small: realloc */
    p = ir_upstream_curl_mem_realloc(p, 5000);
    assert_non_null(p);
    assert_true(same(p, 500, 9));
    ir_upstream_curl_mem_free(p);
    assert_int_equal(ir_upstream_curl_mem_big_live(), live);
}

static void
test_calloc_strdup(void **state)
{
    unsigned char *p;
    char *s;

    (void)state;
    /* A freed mapping must not come back dirty, nor a small block. */
    for (int round = 0; round < 2; round++) {
        p = ir_upstream_curl_mem_calloc(BIG / 8, 8);
        assert_non_null(p);
        assert_true(aligned(p));
        for (size_t i = 0; i < BIG; i++)
            assert_int_equal(p[i], 0);
        memset(p, 0xff, BIG);
        ir_upstream_curl_mem_free(p);
        p = ir_upstream_curl_mem_calloc(3, 100);
        assert_non_null(p);
        for (size_t i = 0; i < 300; i++)
            assert_int_equal(p[i], 0);
        memset(p, 0xff, 300);
        ir_upstream_curl_mem_free(p);
    }
    assert_null(ir_upstream_curl_mem_calloc(SIZE_MAX / 2, 4));
    s = ir_upstream_curl_mem_strdup("imagerouter");
    assert_non_null(s);
    assert_string_equal(s, "imagerouter");
    ir_upstream_curl_mem_free(s);
}

/* Enough live blocks to grow the side table several times; freed in an
 * order that exercises deletion within probe runs. */
static void
test_many_big(void **state)
{
    enum { N = 2000 };
    static unsigned char *p[N];
    size_t live = ir_upstream_curl_mem_big_live();

    (void)state;
    for (int i = 0; i < N; i++) {
        p[i] = ir_upstream_curl_mem_malloc(BIG + (size_t)i);
        assert_non_null(p[i]);
        p[i][0] = (unsigned char)i;
        p[i][BIG + (size_t)i - 1] = (unsigned char)(i >> 3);
    }
    assert_int_equal(ir_upstream_curl_mem_big_live(), live + N);
    for (int i = 0; i < N; i += 2)
        ir_upstream_curl_mem_free(p[i]);
    for (int i = 1; i < N; i += 2) {
        assert_int_equal(p[i][0], (unsigned char)i);
        assert_int_equal(p[i][BIG + (size_t)i - 1], (unsigned char)(i >> 3));
        p[i] = ir_upstream_curl_mem_realloc(p[i], BIG * 3);
        assert_non_null(p[i]);
        assert_int_equal(p[i][0], (unsigned char)i);
    }
    for (int i = N - 1; i >= 1; i -= 2)
        ir_upstream_curl_mem_free(p[i]);
    assert_int_equal(ir_upstream_curl_mem_big_live(), live);
}

/* Page-aligned blocks from malloc are not ours: they go to free(). */
static void
test_not_ours(void **state)
{
    size_t live = ir_upstream_curl_mem_big_live();
    long page = sysconf(_SC_PAGESIZE);
    void *a = aligned_alloc((size_t)page, (size_t)page);
    void *b = aligned_alloc((size_t)page, BIG * 2);
    unsigned char *c;

    (void)state;
    assert_non_null(a);
    assert_non_null(b);
    ir_upstream_curl_mem_free(a);
    memset(b, 4, 100);
    c = ir_upstream_curl_mem_realloc(b, 200); /* malloc's, shrinks */
    assert_non_null(c);
    assert_int_equal(c[99], 4);
    ir_upstream_curl_mem_free(c);
    assert_int_equal(ir_upstream_curl_mem_big_live(), live);
}

static void *
threads_worker(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    unsigned char *p[16];

    for (int round = 0; round < 200; round++) {
        for (int i = 0; i < 16; i++) {
            p[i] = ir_upstream_curl_mem_malloc(i % 2 ? BIG * 2 : 64);
            if (p[i] == NULL)
                return (void *)1;
            fill(p[i], 64, seed + (unsigned)i);
        }
        for (int i = 0; i < 16; i++) {
            if (!same(p[i], 64, seed + (unsigned)i))
                return (void *)1;
            ir_upstream_curl_mem_free(p[i]);
        }
    }
    return NULL;
}

static void
test_threads(void **state)
{
    pthread_t t[4];
    void *rc;
    size_t live = ir_upstream_curl_mem_big_live();

    (void)state;
    for (uintptr_t i = 0; i < 4; i++)
        assert_int_equal(
            pthread_create(&t[i], NULL, threads_worker, (void *)i), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], &rc), 0);
        assert_null(rc);
    }
    assert_int_equal(ir_upstream_curl_mem_big_live(), live);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_and_big),
        cmocka_unit_test(test_realloc_across),
        cmocka_unit_test(test_calloc_strdup),
        cmocka_unit_test(test_many_big),
        cmocka_unit_test(test_not_ours),
        cmocka_unit_test(test_threads),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
