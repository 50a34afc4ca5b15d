/* SPDX-License-Identifier: Apache-2.0
 * image/header.h - format, width and height of a PNG, JPEG or WebP read
 * from its first bytes, without libvips: the router checks every
 * provider image this way and needs libvips only to transcode.
 */
#ifndef IR_IMAGE_HEADER_H
#define IR_IMAGE_HEADER_H

#include <stddef.h>

#include "core/request.h" /* enum ir_format */
#include "util/err.h"

/* Reads the PNG IHDR, the JPEG SOFn frame header (skipping the markers
 * before it) or the WebP VP8/VP8L/VP8X header. IR_OK fills fmt, w, h.
 * IR_EUNSUPPORTED: none of those formats (*fmt IR_FORMAT_UNSET; SVG is
 * the caller's business). IR_EPARSE: a garbled header, or one cut short;
 * then *need, when not NULL, is 0 for garbled or, for a cut, how many
 * bytes from the start would let the read go on (callers holding more of
 * the image try again with at least that many). d may be NULL. */
ir_err ir_image_header(const void *bytes, size_t len, enum ir_format *fmt,
                       int *w, int *h, size_t *need, struct ir_diag *d)
    IR_MUST_CHECK;

#endif
