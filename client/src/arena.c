/* SPDX-License-Identifier: Apache-2.0
 * client/arena.c - bump allocator over a list of blocks; large requests get
 * a block of their own.
 */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK 8192

static void *arena_alloc_raw(struct irc_arena *a, size_t n);

struct irc_arena_block {
    struct irc_arena_block *next;
    size_t used;
    size_t cap;
    alignas(max_align_t) unsigned char mem[];
};

void
irc_arena_init(struct irc_arena *a)
{
    a->head = NULL;
}

void
irc_arena_cleanup(struct irc_arena *a)
{
    struct irc_arena_block *b = a->head, *next;

    while (b) {
        next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
}

static void *
arena_alloc_raw(struct irc_arena *a, size_t n)
{
    const size_t align = alignof(max_align_t);
    struct irc_arena_block *b = a->head;
    size_t off, cap;
    void *p;

    if (n == 0)
        n = 1;
    if (n > SIZE_MAX - align - sizeof *b)
        return NULL;
    n = (n + align - 1) & ~(align - 1);
    if (!b || b->cap - b->used < n) {
        cap = n > ARENA_BLOCK / 2 ? n : ARENA_BLOCK;
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->used = 0;
        b->cap = cap;
        if (n > ARENA_BLOCK / 2 && a->head) {
            /* A big block goes second, so the current block keeps
             * serving small requests. */
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    off = b->used;
    b->used += n;
    p = b->mem + off;
    return p;
}

void *
irc_arena_alloc(struct irc_arena *a, size_t n)
{
    void *p = arena_alloc_raw(a, n);

    if (p)
        memset(p, 0, n ? n : 1);
    return p;
}

void *
irc_arena_memdup(struct irc_arena *a, const void *p, size_t n)
{
    void *q = arena_alloc_raw(a, n);

    if (q && n)
        memcpy(q, p, n);
    return q;
}

char *
irc_arena_strdup(struct irc_arena *a, const char *s)
{
    if (!s)
        return NULL;
    return irc_arena_memdup(a, s, strlen(s) + 1);
}
