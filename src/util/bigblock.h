/* SPDX-License-Identifier: Apache-2.0
 * util/bigblock.h - keeps the last freed big heap block (a provider answer
 * of tens of megabytes) for the next one, for a short while: a fresh
 * block costs the kernel zeroing every page of it again, which for a
 * 45 MB image was the largest part of the router's CPU per request.
 */
#ifndef IR_UTIL_BIGBLOCK_H
#define IR_UTIL_BIGBLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Blocks smaller than this are never kept. */
#define IR_BIGBLOCK_MIN ((size_t)4 * 1024 * 1024)
/* A kept block unused this long is freed by ir_bigblock_trim. */
#define IR_BIGBLOCK_IDLE_MS 2000

/* A block of at least n bytes (usable, from ir_malloc), or NULL: the kept
 * one when it is big enough and not more than twice as big, else a new
 * one when n is at least IR_BIGBLOCK_MIN; NULL otherwise (the caller
 * allocates as usual). */
void *ir_bigblock_get(size_t n);
/* Frees p (from ir_malloc/ir_realloc), or keeps it when it is big and no
 * block is kept yet. NULL is a no-op. */
void ir_bigblock_put(void *p);
/* Frees the kept block once it has been idle IR_BIGBLOCK_IDLE_MS (now_ms:
 * ir_time_mono_ms()), or at once when force is set. */
void ir_bigblock_trim(int64_t now_ms, int force);
/* The kept block's usable size (0: none), for tests and stats. */
size_t ir_bigblock_kept(void);

#endif
