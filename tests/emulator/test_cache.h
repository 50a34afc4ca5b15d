/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/test_cache.h - emulator.wire's in-process checks of the
 * emulator's hot-path shortcuts: the image cache and the JSON splice.
 */
#ifndef EMU_TEST_CACHE_H
#define EMU_TEST_CACHE_H

/* A cached image is byte-identical to a fresh render, and images that
 * differ in size, seed, format or alpha never share an entry. */
void test_image_cache(void);
/* emu_json_dump gives exactly json_dumps(JSON_COMPACT)'s bytes. */
void test_json_dump(void);

#endif
