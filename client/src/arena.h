/* SPDX-License-Identifier: Apache-2.0
 * client/arena.h - one allocation pool per returned object (result, model
 * list), so the object is freed in one call whatever its shape.
 */
#ifndef IRC_ARENA_H
#define IRC_ARENA_H

#include <stddef.h>

struct irc_arena_block;

struct irc_arena {
    struct irc_arena_block *head;
};

void irc_arena_init(struct irc_arena *a);
void irc_arena_cleanup(struct irc_arena *a);
/* Zeroed, max-aligned memory; NULL when out of memory. */
void *irc_arena_alloc(struct irc_arena *a, size_t n);
void *irc_arena_memdup(struct irc_arena *a, const void *p, size_t n);
/* NULL in, NULL out; NULL also when out of memory. */
char *irc_arena_strdup(struct irc_arena *a, const char *s);

#endif
