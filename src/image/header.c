/* SPDX-License-Identifier: Apache-2.0
 * image/header.c - PNG, JPEG and WebP dimensions from header bytes.
 */
#include "image/header.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Largest side any of the three formats can state; bigger is garbage. */
#define HEADER_MAX_SIDE 0x7fffffffL

static uint32_t
header_be16(const unsigned char *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t
header_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

static uint32_t
header_le16(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t
header_le24(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

/* A cut header: report how much would be needed. */
static ir_err
header_short(size_t want, size_t *need, struct ir_diag *d, const char *what)
{
    if (need != NULL)
        *need = want;
    if (d != NULL)
        ir_diag_set(d, "%s header is cut short", what);
    return IR_EPARSE;
}

static ir_err
header_bad(struct ir_diag *d, const char *msg)
{
    if (d != NULL)
        ir_diag_set(d, "%s", msg);
    return IR_EPARSE;
}

static ir_err
header_dims(uint32_t w, uint32_t h, int *ow, int *oh, struct ir_diag *d,
            const char *what)
{
    if (w == 0 || h == 0 || w > HEADER_MAX_SIDE || h > HEADER_MAX_SIDE) {
        if (d != NULL)
            ir_diag_set(d, "%s header states an invalid size %ux%u", what,
                        (unsigned)w, (unsigned)h);
        return IR_EPARSE;
    }
    *ow = (int)w;
    *oh = (int)h;
    return IR_OK;
}

static ir_err
header_png(const unsigned char *p, size_t len, int *w, int *h, size_t *need,
           struct ir_diag *d)
{
    /* Signature, then the first chunk must be IHDR (13 bytes of data). */
    if (len < 24)
        return header_short(24, need, d, "PNG");
    if (header_be32(p + 8) != 13 || memcmp(p + 12, "IHDR", 4) != 0)
        return header_bad(d, "PNG does not start with an IHDR chunk");
    return header_dims(header_be32(p + 16), header_be32(p + 20), w, h, d,
                       "PNG");
}

/* SOF0-3, 5-7, 9-11, 13-15: C4 (DHT), C8 (JPG) and CC (DAC) are not. */
static bool
header_jpeg_sof(unsigned char m)
{
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

static ir_err
header_jpeg(const unsigned char *p, size_t len, int *w, int *h, size_t *need,
            struct ir_diag *d)
{
    size_t i = 2, seglen;
    unsigned char m;

    for (;;) {
        if (i >= len)
            return header_short(i + 1, need, d, "JPEG");
        if (p[i] != 0xFF)
            return header_bad(d, "JPEG marker expected");
        /* Any number of 0xFF fill bytes may precede a marker. */
        while (i < len && p[i] == 0xFF)
            i++;
        if (i >= len)
            return header_short(i + 1, need, d, "JPEG");
        m = p[i++];
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7))
            continue; /* TEM, RSTn: no length */
        if (m == 0x00 || m == 0xD8 || m == 0xD9 || m == 0xDA)
            return header_bad(d, "JPEG has no frame header before its "
                                 "image data");
        if (i + 2 > len)
            return header_short(i + 2, need, d, "JPEG");
        seglen = header_be16(p + i);
        if (seglen < 2)
            return header_bad(d, "JPEG segment length is invalid");
        if (header_jpeg_sof(m)) {
            /* length, precision, height, width, components */
            if (seglen < 8)
                return header_bad(d, "JPEG frame header is too short");
            if (i + 7 > len)
                return header_short(i + 7, need, d, "JPEG");
            return header_dims(header_be16(p + i + 5), header_be16(p + i + 3),
                               w, h, d, "JPEG");
        }
        i += seglen;
    }
}

static ir_err
header_webp(const unsigned char *p, size_t len, int *w, int *h, size_t *need,
            struct ir_diag *d)
{
    const unsigned char *c = p + 20; /* the first chunk's data */

    if (len < 16)
        return header_short(16, need, d, "WebP");
    if (memcmp(p + 12, "VP8 ", 4) == 0) {
        if (len < 30)
            return header_short(30, need, d, "WebP");
        /* Frame tag (bit 0 clear on a key frame), then 9d 01 2a. */
        if ((c[0] & 1) != 0 || c[3] != 0x9d || c[4] != 0x01 || c[5] != 0x2a)
            return header_bad(d, "WebP VP8 key frame header is invalid");
        /* 14-bit sides; the top 2 bits are a scale hint. */
        return header_dims(header_le16(c + 6) & 0x3fff,
                           header_le16(c + 8) & 0x3fff, w, h, d, "WebP");
    }
    if (memcmp(p + 12, "VP8L", 4) == 0) {
        uint32_t bits;

        if (len < 25)
            return header_short(25, need, d, "WebP");
        if (c[0] != 0x2f)
            return header_bad(d, "WebP VP8L signature is invalid");
        bits = (uint32_t)c[1] | (uint32_t)c[2] << 8 | (uint32_t)c[3] << 16 |
               (uint32_t)c[4] << 24;
        return header_dims((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1,
                           w, h, d, "WebP");
    }
    if (memcmp(p + 12, "VP8X", 4) == 0) {
        if (len < 30)
            return header_short(30, need, d, "WebP");
        return header_dims(header_le24(c + 4) + 1, header_le24(c + 7) + 1, w,
                           h, d, "WebP");
    }
    return header_bad(d, "WebP has no VP8, VP8L or VP8X chunk first");
}

ir_err
ir_image_header(const void *bytes, size_t len, enum ir_format *fmt, int *w,
                int *h, size_t *need, struct ir_diag *d)
{
    const unsigned char *p = bytes;

    if (need != NULL)
        *need = 0;
    *fmt = IR_FORMAT_UNSET;
    if (p == NULL)
        len = 0;
    if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0) {
        *fmt = IR_FORMAT_PNG;
        return header_png(p, len, w, h, need, d);
    }
    if (len >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF) {
        *fmt = IR_FORMAT_JPEG;
        return header_jpeg(p, len, w, h, need, d);
    }
    if (len >= 12 && memcmp(p, "RIFF", 4) == 0 &&
        memcmp(p + 8, "WEBP", 4) == 0) {
        *fmt = IR_FORMAT_WEBP;
        return header_webp(p, len, w, h, need, d);
    }
    if (d != NULL)
        ir_diag_set(d, "not a PNG, JPEG or WebP image");
    return IR_EUNSUPPORTED;
}
