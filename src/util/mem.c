/* SPDX-License-Identifier: Apache-2.0
 * util/mem.c - the only place that calls the C allocator directly.
 * Every allocation can be made to fail from tests, so error paths get run.
 */
#include "util/mem.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Blocks this big get transparent huge pages. */
#define MEM_HUGE_MIN ((size_t)8 << 20)

static _Thread_local unsigned long mem_fail_countdown;

static int
mem_should_fail(void)
{
    if (mem_fail_countdown == 0)
        return 0;
    return --mem_fail_countdown == 0;
}

/* A big block (an image, its base64, an answer around it) is written
 * front to back once: with 2 MB pages that is a few dozen page faults
 * instead of ten thousand 4 KB ones, which cost ~16 us each on a VM (180
 * ms for 45 MB). Only a hint, on the block's 2 MB-aligned interior. */
static void *
mem_hint_huge(void *p, size_t n)
{
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1);
    uintptr_t e = ((uintptr_t)p + n) & ~(huge - 1);

    if (p != NULL && n >= MEM_HUGE_MIN && e > a)
        (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
    return p;
}

void
ir_mem_fail_at(unsigned long n)
{
    mem_fail_countdown = n;
}

void *
ir_malloc(size_t n)
{
    if (mem_should_fail())
        return NULL;
    return mem_hint_huge(malloc(n == 0 ? 1 : n), n);
}

void *
ir_calloc(size_t count, size_t n)
{
    if (mem_should_fail())
        return NULL;
    return mem_hint_huge(calloc(count == 0 ? 1 : count, n == 0 ? 1 : n),
                         n != 0 && count > SIZE_MAX / n ? 0 : count * n);
}

void *
ir_realloc(void *p, size_t n)
{
    if (mem_should_fail())
        return NULL;
    return mem_hint_huge(realloc(p, n == 0 ? 1 : n), n);
}

char *
ir_strndup(const char *s, size_t n)
{
    char *d;

    if (s == NULL)
        return NULL;
    /* At most n bytes, and never past the string's end. */
    n = strnlen(s, n);
    d = ir_malloc(n + 1);
    if (d == NULL)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *
ir_strdup(const char *s)
{
    return s == NULL ? NULL : ir_strndup(s, strlen(s));
}

size_t
ir_mem_usable(const void *p)
{
    return p == NULL ? 0 : malloc_usable_size((void *)p);
}

void
ir_free(void *p)
{
    free(p);
}

void
ir_mem_trim(void)
{
    malloc_trim(0);
}
