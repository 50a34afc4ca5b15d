/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/image.c - synthesize real PNG/JPEG/WebP/SVG images of a
 * requested size: a smooth gradient picked by a seed, encoded by libvips.
 * A 4x4 image of seeded colours is upscaled with a linear kernel, which is
 * cheap at any size and makes different seeds look different.
 */
#include "image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vips/vips.h>

static bool image_svg(int w, int h, uint32_t seed, struct emu_image *out);
static VipsImage *image_render(int w, int h, uint32_t seed, bool alpha);
static bool image_encode(VipsImage *img, const char *fmt,
                         struct emu_image *out);

const char *
emu_image_fmt(const char *s)
{
    if (s == NULL)
        return NULL;
    if (strcmp(s, "png") == 0)
        return "png";
    if (strcmp(s, "jpeg") == 0 || strcmp(s, "jpg") == 0)
        return "jpeg";
    if (strcmp(s, "webp") == 0)
        return "webp";
    if (strcmp(s, "svg") == 0)
        return "svg";
    return NULL;
}

const char *
emu_image_mime(const char *fmt)
{
    if (strcmp(fmt, "jpeg") == 0)
        return "image/jpeg";
    if (strcmp(fmt, "webp") == 0)
        return "image/webp";
    if (strcmp(fmt, "svg") == 0)
        return "image/svg+xml";
    return "image/png";
}

static bool
image_svg(int w, int h, uint32_t seed, struct emu_image *out)
{
    char *s = NULL;
    int n;

    n = asprintf(&s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
        "height=\"%d\" viewBox=\"0 0 %d %d\">"
        "<rect width=\"%d\" height=\"%d\" fill=\"#%06x\"/>"
        "<circle cx=\"%d\" cy=\"%d\" r=\"%d\" fill=\"#%06x\"/>"
        "<path d=\"M0 %d L%d 0 L%d %d Z\" fill=\"#%06x\"/></svg>\n",
        w, h, w, h, w, h, seed & 0xffffff, w / 2, h / 2,
        (w < h ? w : h) / 3, (seed >> 8) & 0xffffff, h, w / 2, w, h,
        (seed * 2654435761u) & 0xffffff);
    if (n < 0)
        return false;
    out->data = (unsigned char *)s;
    out->len = (size_t)n;
    return true;
}

static VipsImage *
image_render(int w, int h, uint32_t seed, bool alpha)
{
    unsigned char px[4 * 4 * 4];
    int bands = alpha ? 4 : 3, i;
    uint32_t x = seed ? seed : 0x9e3779b9u;
    VipsImage *small, *big = NULL, *exact = NULL;

    for (i = 0; i < 16 * bands; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        px[i] = (unsigned char)(x >> 24);
        if (alpha && i % 4 == 3)
            px[i] = (unsigned char)(64 + (i * 11) % 160);
    }
    small = vips_image_new_from_memory_copy(px, (size_t)(16 * bands), 4, 4,
                                            bands, VIPS_FORMAT_UCHAR);
    if (small == NULL)
        return NULL;
    if (vips_resize(small, &big, w / 4.0, "vscale", h / 4.0, "kernel",
                    VIPS_KERNEL_LINEAR, NULL) != 0)
        goto out;
    /* Rounding in resize may be one pixel off: pin the exact size. */
    if (vips_embed(big, &exact, 0, 0, w, h, "extend", VIPS_EXTEND_COPY,
                   NULL) != 0)
        exact = NULL;
out:
    g_object_unref(small);
    if (big != NULL)
        g_object_unref(big);
    return exact;
}

static bool
image_encode(VipsImage *img, const char *fmt, struct emu_image *out)
{
    void *buf = NULL;
    size_t len = 0;
    int r;

    if (strcmp(fmt, "jpeg") == 0) {
        VipsImage *flat = NULL;
        if (vips_image_hasalpha(img)) {
            if (vips_flatten(img, &flat, NULL) != 0)
                return false;
            img = flat;
        }
        r = vips_jpegsave_buffer(img, &buf, &len, "Q", 80, NULL);
        if (flat != NULL)
            g_object_unref(flat);
    } else if (strcmp(fmt, "webp") == 0) {
        r = vips_webpsave_buffer(img, &buf, &len, "Q", 60, "effort", 0,
                                 NULL);
    } else {
        r = vips_pngsave_buffer(img, &buf, &len, "compression", 1, NULL);
    }
    if (r != 0)
        return false;
    out->data = malloc(len);
    if (out->data == NULL) {
        g_free(buf);
        return false;
    }
    memcpy(out->data, buf, len);
    out->len = len;
    g_free(buf);
    return true;
}

bool
emu_image_make(int w, int h, const char *fmt, uint32_t seed, bool alpha,
               bool tiny, struct emu_image *out)
{
    VipsImage *img;
    bool ok;

    memset(out, 0, sizeof *out);
    fmt = emu_image_fmt(fmt);
    if (fmt == NULL)
        fmt = "png";
    if (tiny) {
        w = h = 24;
        seed = 1;
    }
    if (w < 1 || h < 1 || w > 16384 || h > 16384)
        return false;
    out->fmt = fmt;
    out->mime = emu_image_mime(fmt);
    out->w = w;
    out->h = h;
    if (strcmp(fmt, "svg") == 0)
        return image_svg(w, h, seed, out);
    img = image_render(w, h, seed, alpha && strcmp(fmt, "jpeg") != 0);
    if (img == NULL) {
        vips_error_clear();
        return false;
    }
    ok = image_encode(img, fmt, out);
    g_object_unref(img);
    if (!ok)
        vips_error_clear();
    return ok;
}

void
emu_image_cleanup(struct emu_image *img)
{
    free(img->data);
    img->data = NULL;
    img->len = 0;
}
