/* SPDX-License-Identifier: Apache-2.0
 * util/mem.h - checked allocation, with a test hook that fails the Nth call.
 */
#ifndef IR_UTIL_MEM_H
#define IR_UTIL_MEM_H

#include <stddef.h>

void *ir_malloc(size_t n);
void *ir_calloc(size_t count, size_t n);
void *ir_realloc(void *p, size_t n);
char *ir_strdup(const char *s);
char *ir_strndup(const char *s, size_t n);
void ir_free(void *p);
/* How many bytes the block at p can hold (at least what was asked). */
size_t ir_mem_usable(const void *p);

/* Gives free heap memory back to the system (glibc's malloc_trim): for
 * after start-up, whose transient allocations would otherwise stay in
 * the idle process's RSS. */
void ir_mem_trim(void);

/* Tests: make the nth allocation from now fail (0 disables). Per thread. */
void ir_mem_fail_at(unsigned long n);

#endif
