/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/imgcache.h - a small LRU of rendered images and their
 * base64, so a benchmark asking for the same image again costs a memcpy
 * instead of a libvips render and encode.
 */
#ifndef EMU_IMGCACHE_H
#define EMU_IMGCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"

#define EMU_IMGCACHE_ENTRIES 16
#define EMU_IMGCACHE_BYTES (64u * 1024 * 1024)

struct emu_imgcache;

/* entries 0 or max_bytes 0: a cache that keeps nothing (every call renders). */
struct emu_imgcache *emu_imgcache_new(size_t entries, size_t max_bytes);
void emu_imgcache_free(struct emu_imgcache *ic);
/* emu_image_make with the same arguments and the same bytes; out->data is
 * the caller's own copy (emu_image_cleanup). */
bool emu_imgcache_make(struct emu_imgcache *ic, int w, int h, const char *fmt,
                       uint32_t seed, bool alpha, bool tiny,
                       struct emu_image *out);
/* Base64 of img (caller frees), remembered beside the cached image whose
 * bytes it equals; NULL on allocation failure. */
char *emu_imgcache_b64(struct emu_imgcache *ic, const struct emu_image *img);
/* Counters for /_emu/stats and the test. */
void emu_imgcache_counts(const struct emu_imgcache *ic, long *hits,
                         long *misses, size_t *bytes);

#endif
