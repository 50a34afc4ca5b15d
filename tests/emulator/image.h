/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/image.h - synthesize real PNG/JPEG/WebP/SVG images of a
 * requested size: a smooth gradient picked by a seed, encoded by libvips.
 */
#ifndef EMU_IMAGE_H
#define EMU_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct emu_image {
    unsigned char *data;   /* owned (malloc) */
    size_t len;
    const char *fmt;       /* "png", "jpeg", "webp", "svg" */
    const char *mime;
    int w, h;
};

/* fmt: png, jpeg (or jpg), webp, svg. tiny: ignore w/h and return a fixed
 * 24x24 image of that format (about 1 KB). alpha: a translucent image (png/webp). */
bool emu_image_make(int w, int h, const char *fmt, uint32_t seed,
                    bool alpha, bool tiny, struct emu_image *out);
void emu_image_cleanup(struct emu_image *img);
/* Canonical format name for an alias ("jpg" -> "jpeg"), NULL if unknown. */
const char *emu_image_fmt(const char *s);
const char *emu_image_mime(const char *fmt);

#endif
