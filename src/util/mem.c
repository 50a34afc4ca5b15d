/* SPDX-License-Identifier: Apache-2.0
 * util/mem.c - the only place that calls the C allocator directly.
 * Every allocation can be made to fail from tests, so error paths get run.
 */
#include "util/mem.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local unsigned long mem_fail_countdown;

static int
mem_should_fail(void)
{
    if (mem_fail_countdown == 0)
        return 0;
    return --mem_fail_countdown == 0;
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
    return malloc(n == 0 ? 1 : n);
}

void *
ir_calloc(size_t count, size_t n)
{
    if (mem_should_fail())
        return NULL;
    return calloc(count == 0 ? 1 : count, n == 0 ? 1 : n);
}

void *
ir_realloc(void *p, size_t n)
{
    if (mem_should_fail())
        return NULL;
    return realloc(p, n == 0 ? 1 : n);
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
