/* SPDX-License-Identifier: Apache-2.0
 * image/image.h - image bytes in and out: sniff, probe, encode, transcode,
 * palette extraction. libvips stays behind this header, in a module
 * loaded on first use; callers see struct ir_pixels and encoded bytes.
 * Every function is thread-safe and meant for worker threads (never the
 * event loop for large images).
 */
#ifndef IR_IMAGE_IMAGE_H
#define IR_IMAGE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/request.h" /* enum ir_format */
#include "util/err.h"

/* 8-bit interleaved pixels, 3 (RGB) or 4 (RGBA) bands. */
struct ir_pixels {
    int w, h, bands;
    unsigned char *data; /* owned, w*h*bands bytes */
};

void ir_pixels_cleanup(struct ir_pixels *px);
ir_err ir_pixels_alloc(struct ir_pixels *px, int w, int h, int bands)
    IR_MUST_CHECK;

/* Process-wide image start/stop; main() and tests call these once.
 * init only records argv0 and checks that the libvips module
 * (imagerouter-vips.so, see image/vipsmod_load.h) can be found - a
 * warning if not, never a failure; libvips itself is loaded and started
 * by the first probe/encode/decode/transcode/palette, on the thread that
 * makes it. Without the module those calls fail with IR_EUNSUPPORTED and
 * a diag naming the paths tried; sniffing and SVG probes still work. */
ir_err ir_image_init(const char *argv0) IR_MUST_CHECK;
void ir_image_shutdown(void);

/* Format from magic bytes; IR_FORMAT_UNSET when unknown. SVG is
 * recognised by an <svg or <?xml prefix. */
enum ir_format ir_image_sniff(const void *bytes, size_t len);
/* Media type from magic bytes, also for formats enum ir_format lacks
 * ("image/gif", "image/heic", "image/avif", "image/heif"); NULL when
 * unknown. */
const char *ir_image_sniff_media_type(const void *bytes, size_t len);
/* "image/png" etc.; NULL for IR_FORMAT_UNSET. */
const char *ir_image_media_type(enum ir_format f);
/* From a media type or extension-like name ("image/jpeg", "jpg"). */
enum ir_format ir_image_format_from_name(const char *name);

/* Width and height from the header without decoding pixels. */
ir_err ir_image_probe(const void *bytes, size_t len, int *w, int *h,
                      enum ir_format *fmt, struct ir_diag *d) IR_MUST_CHECK;

/* Encodes pixels. compression is 0..100 (jpeg/webp quality: 100 = best;
 * png: zlib effort) or -1 for the codec default. */
ir_err ir_image_encode(const struct ir_pixels *px, enum ir_format fmt,
                       int compression, unsigned char **out, size_t *len,
                       struct ir_diag *d) IR_MUST_CHECK;

/* Decodes to 8-bit RGB/RGBA pixels. max_pixels (<= 0: IR_MAX_PIXELS)
 * is checked on the header, before any pixel is decoded: IR_ETOOBIG.
 * Input SVG is never rasterised (IR_EUNSUPPORTED), nor are formats other
 * than png, jpeg, webp, gif and heif/avif. Truncated input fails. */
ir_err ir_image_decode(const void *bytes, size_t len, long long max_pixels,
                       struct ir_pixels *out, struct ir_diag *d)
    IR_MUST_CHECK;

/* Re-encodes an image in another raster format. opaque drops alpha
 * (flattening on white) - used for jpeg or background:opaque. */
ir_err ir_image_transcode(const void *bytes, size_t len, enum ir_format to,
                          int compression, bool opaque, unsigned char **out,
                          size_t *outlen, struct ir_diag *d) IR_MUST_CHECK;

/* Up to max dominant colours of an image, most common first; nearly
 * transparent pixels do not count (*count may be 0). */
ir_err ir_image_palette(const void *bytes, size_t len, uint8_t (*rgb)[3],
                        size_t max, size_t *count, struct ir_diag *d)
    IR_MUST_CHECK;

#endif
