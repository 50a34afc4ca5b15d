/* SPDX-License-Identifier: Apache-2.0
 * image/vipsmod.c - imagerouter-vips.so: the only code that calls libvips
 * and GLib. Built as a module the router dlopens on its first image
 * operation (image/vipsmod_load.c); it exports one symbol, the table.
 * Input bytes only ever reach the loader image.c picked from the magic
 * bytes; vips' "untrusted" loaders (svg, pdf, magick...) are blocked.
 */
#include "image/vipsmod_load.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vips/vips.h>

#include "core/limits.h"

/* Set once by init, before any other entry point can run. */
static const struct ir_image_vipsmod_host *vipsmod_host;

static void vipsmod_log_cb(const gchar *domain, GLogLevelFlags level,
                           const gchar *msg, gpointer arg);
static void vipsmod_diag(struct ir_diag *d, const char *what);
static ir_err vipsmod_load(const void *bytes, size_t len,
                           enum ir_image_kind kind, int shrink, VipsImage **out,
                           struct ir_diag *d) IR_MUST_CHECK;
static ir_err vipsmod_load_capped(const void *bytes, size_t len,
                                  enum ir_image_kind kind, long long max_pixels,
                                  VipsImage **out,
                                  struct ir_diag *d) IR_MUST_CHECK;
static ir_err vipsmod_normalise(VipsImage *in, bool opaque, VipsImage **out,
                                struct ir_diag *d) IR_MUST_CHECK;
static ir_err vipsmod_save(VipsImage *in, enum ir_format fmt, int compression,
                           unsigned char **out, size_t *len,
                           struct ir_diag *d) IR_MUST_CHECK;
static ir_err vipsmod_save_buffer(VipsImage *img, enum ir_format fmt,
                                  int compression, void **buf, size_t *n,
                                  struct ir_diag *d) IR_MUST_CHECK;
static ir_err vipsmod_to_pixels(VipsImage *img, struct ir_pixels *px,
                                struct ir_diag *d) IR_MUST_CHECK;
static ir_err vipsmod_init(const struct ir_image_vipsmod_host *host,
                           const char *argv0, struct ir_diag *d);
static void vipsmod_shutdown(void);
static ir_err vipsmod_probe(const void *bytes, size_t len,
                            enum ir_image_kind kind, int *w, int *h,
                            struct ir_diag *d);
static ir_err vipsmod_encode(const struct ir_pixels *px, enum ir_format fmt,
                             int compression, unsigned char **out, size_t *len,
                             struct ir_diag *d);
static ir_err vipsmod_decode(const void *bytes, size_t len,
                             enum ir_image_kind kind, long long max_pixels,
                             struct ir_pixels *out, struct ir_diag *d);
static ir_err vipsmod_transcode(const void *bytes, size_t len,
                                enum ir_image_kind kind, enum ir_format to,
                                int compression, bool opaque,
                                unsigned char **out, size_t *outlen,
                                struct ir_diag *d);
static ir_err vipsmod_thumbnail(const void *bytes, size_t len,
                                enum ir_image_kind kind, long long max_pixels,
                                int side, struct ir_pixels *out,
                                struct ir_diag *d);

static const struct ir_image_vipsmod_ops vipsmod_ops = {
    .abi = IR_IMAGE_VIPSMOD_ABI,
    .init = vipsmod_init,
    .shutdown = vipsmod_shutdown,
    .probe = vipsmod_probe,
    .encode = vipsmod_encode,
    .decode = vipsmod_decode,
    .transcode = vipsmod_transcode,
    .thumbnail = vipsmod_thumbnail,
};

/* The module's one exported symbol (the rest is hidden at build). */
__attribute__((visibility("default"))) const struct ir_image_vipsmod_ops *
ir_image_vipsmod_ops(void);

const struct ir_image_vipsmod_ops *
ir_image_vipsmod_ops(void)
{
    return &vipsmod_ops;
}

/* vips warns about every damaged input; the failure itself reaches the
 * caller through the diag, so these are debug detail. */
static void
vipsmod_log_cb(const gchar *domain, GLogLevelFlags level, const gchar *msg,
               gpointer arg)
{
    char line[512];

    (void)arg;
    if (snprintf(line, sizeof line, "%s: %s", domain ? domain : "vips",
                 msg ? msg : "") < 0)
        return;
    vipsmod_host->log((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
                          ? 2 /* IR_LOG_WARN */
                          : 0 /* IR_LOG_DEBUG */,
                      line);
}

static ir_err
vipsmod_init(const struct ir_image_vipsmod_host *host, const char *argv0,
             struct ir_diag *d)
{
    vipsmod_host = host;
    if (VIPS_INIT(argv0) != 0) {
        vipsmod_diag(d, "libvips failed to start");
        return IR_EIMAGE;
    }
    /* The operation cache keys on input pointers; our buffers are freed
     * after each call, so cached results could never be reused. */
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    /* Parallelism comes from the worker pool, one image per worker;
     * vips' own thread pool on top would only oversubscribe the cores. */
    vips_concurrency_set(1);
    /* Only the loaders vipsmod_load picks may run on client bytes. */
    vips_block_untrusted_set(TRUE);
    (void)g_log_set_handler(
        "VIPS", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
        vipsmod_log_cb, NULL);
    return IR_OK;
}

static void
vipsmod_shutdown(void)
{
    vips_shutdown();
}

/* Moves vips' (process-wide) error text into d. Under concurrency the
 * text may include another thread's error; it is advisory only. */
static void
vipsmod_diag(struct ir_diag *d, const char *what)
{
    char *msg = vips_error_buffer_copy();
    size_t n = msg != NULL ? strlen(msg) : 0;

    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    ir_diag_set(d, "%s: %s", what, n > 0 ? msg : "libvips failed");
    g_free(msg);
}

/* Opens bytes lazily: only the header is read until pixels are asked
 * for. shrink > 1 lets the JPEG decoder downscale (palettes only). */
static ir_err
vipsmod_load(const void *bytes, size_t len, enum ir_image_kind kind, int shrink,
             VipsImage **out, struct ir_diag *d)
{
    /* vips takes a non-const pointer but never writes through it. */
    void *buf = (void *)(uintptr_t)bytes;
    VipsAccess seq = VIPS_ACCESS_SEQUENTIAL;
    /* A cut-off image is an error, not a picture with a grey bottom. */
    VipsFailOn fail = VIPS_FAIL_ON_TRUNCATED;
    int r;

    *out = NULL;
    switch (kind) {
    case IR_IMAGE_KIND_PNG:
        r = vips_pngload_buffer(buf, len, out, "access", seq, "fail_on", fail,
                                NULL);
        break;
    case IR_IMAGE_KIND_JPEG:
        r = vips_jpegload_buffer(buf, len, out, "access", seq, "fail_on", fail,
                                 "shrink", shrink > 1 ? shrink : 1, NULL);
        break;
    case IR_IMAGE_KIND_WEBP:
        r = vips_webpload_buffer(buf, len, out, "access", seq, "fail_on", fail,
                                 NULL);
        break;
    case IR_IMAGE_KIND_GIF:
        r = vips_gifload_buffer(buf, len, out, "access", seq, "fail_on", fail,
                                NULL);
        break;
    case IR_IMAGE_KIND_HEIC:
    case IR_IMAGE_KIND_AVIF:
    case IR_IMAGE_KIND_HEIF:
        r = vips_heifload_buffer(buf, len, out, "access", seq, "fail_on", fail,
                                 NULL);
        break;
    case IR_IMAGE_KIND_SVG:
        ir_diag_set(d, "svg input is not rasterised");
        return IR_EUNSUPPORTED;
    default:
        ir_diag_set(d, "unrecognised image format");
        return IR_EUNSUPPORTED;
    }
    if (r != 0) {
        vipsmod_diag(d, "decode");
        *out = NULL;
        return IR_EIMAGE;
    }
    return IR_OK;
}

static ir_err
vipsmod_load_capped(const void *bytes, size_t len, enum ir_image_kind kind,
                    long long max_pixels, VipsImage **out, struct ir_diag *d)
{
    VipsImage *img;
    long long px;
    ir_err e;

    e = vipsmod_load(bytes, len, kind, 1, &img, d);
    if (e != IR_OK)
        return e;
    px = (long long)vips_image_get_width(img) * vips_image_get_height(img);
    if (px > max_pixels) {
        ir_diag_set(d, "image is %dx%d, over the %lld pixel limit",
                    vips_image_get_width(img), vips_image_get_height(img),
                    max_pixels);
        g_object_unref(img);
        return IR_ETOOBIG;
    }
    *out = img;
    return IR_OK;
}

static ir_err
vipsmod_probe(const void *bytes, size_t len, enum ir_image_kind kind, int *w,
              int *h, struct ir_diag *d)
{
    VipsImage *img;
    ir_err e;

    e = vipsmod_load(bytes, len, kind, 1, &img, d);
    if (e != IR_OK)
        return e;
    *w = vips_image_get_width(img);
    *h = vips_image_get_height(img);
    g_object_unref(img);
    return IR_OK;
}

/* To 8-bit sRGB with 3 or 4 bands; opaque flattens alpha onto white. */
static ir_err
vipsmod_normalise(VipsImage *in, bool opaque, VipsImage **out,
                  struct ir_diag *d)
{
    VipsImage *ctx = vips_image_new();
    VipsImage **t = (VipsImage **)vips_object_local_array(VIPS_OBJECT(ctx), 5);
    VipsImage *cur = in;
    VipsArrayDouble *white = NULL;
    ir_err e = IR_EIMAGE;

    if (vips_image_guess_interpretation(cur) != VIPS_INTERPRETATION_sRGB ||
        cur->Bands < 3) {
        if (vips_colourspace(cur, &t[0], VIPS_INTERPRETATION_sRGB, NULL))
            goto out;
        cur = t[0];
    }
    if (cur->BandFmt != VIPS_FORMAT_UCHAR) {
        if (vips_cast_uchar(cur, &t[1], NULL))
            goto out;
        cur = t[1];
    }
    if (cur->Bands > 4) {
        if (vips_extract_band(cur, &t[2], 0, "n", 4, NULL))
            goto out;
        cur = t[2];
    }
    if (opaque && cur->Bands == 4) {
        white = vips_array_double_newv(3, 255.0, 255.0, 255.0);
        if (vips_flatten(cur, &t[3], "background", white, NULL))
            goto out;
        cur = t[3];
        if (cur->BandFmt != VIPS_FORMAT_UCHAR) {
            if (vips_cast_uchar(cur, &t[4], NULL))
                goto out;
            cur = t[4];
        }
    }
    if (cur->Bands != 3 && cur->Bands != 4) {
        ir_diag_set(d, "unexpected band count %d", cur->Bands);
        e = IR_EUNSUPPORTED;
        goto out;
    }
    g_object_ref(cur);
    *out = cur;
    e = IR_OK;
out:
    if (e == IR_EIMAGE)
        vipsmod_diag(d, "convert");
    if (white != NULL)
        vips_area_unref(VIPS_AREA(white));
    g_object_unref(ctx);
    return e;
}

static ir_err
vipsmod_save_buffer(VipsImage *img, enum ir_format fmt, int compression,
                    void **buf, size_t *n, struct ir_diag *d)
{
    int r, q;

    switch (fmt) {
    case IR_FORMAT_PNG:
        /* 0..100 onto zlib's 0..9; 6 is zlib's own default. */
        q = compression < 0 ? 6 : (compression * 9 + 50) / 100;
        r = vips_pngsave_buffer(img, buf, n, "compression", q, "strip", TRUE,
                                NULL);
        break;
    case IR_FORMAT_JPEG:
        q = compression < 0 ? 90 : compression < 1 ? 1 : compression;
        r = vips_jpegsave_buffer(img, buf, n, "Q", q, "strip", TRUE,
                                 "optimize_coding", TRUE, NULL);
        break;
    case IR_FORMAT_WEBP:
        /* 100 means "best": lossless. Anything below is lossy quality;
         * alpha is kept either way. */
        q = compression < 0 ? 90 : compression;
        r = vips_webpsave_buffer(img, buf, n, "Q", q, "lossless",
                                 compression == 100, "strip", TRUE, NULL);
        break;
    default:
        ir_diag_set(d, "cannot encode pixels as %s",
                    fmt == IR_FORMAT_SVG ? "svg" : "this format");
        return IR_EUNSUPPORTED;
    }
    if (r != 0) {
        vipsmod_diag(d, "encode");
        return IR_EIMAGE;
    }
    return IR_OK;
}

/* Encodes an sRGB image; JPEG has no alpha, so it is flattened. The
 * bytes are copied into the router's allocator for the caller. */
static ir_err
vipsmod_save(VipsImage *in, enum ir_format fmt, int compression,
             unsigned char **out, size_t *len, struct ir_diag *d)
{
    VipsImage *img = NULL;
    void *buf = NULL;
    size_t n = 0;
    ir_err e;

    *out = NULL;
    *len = 0;
    e = vipsmod_normalise(in, fmt == IR_FORMAT_JPEG, &img, d);
    if (e != IR_OK)
        return e;
    e = vipsmod_save_buffer(img, fmt, compression, &buf, &n, d);
    if (e != IR_OK)
        goto out;
    *out = vipsmod_host->alloc(n);
    if (*out == NULL) {
        e = IR_ENOMEM;
        goto out;
    }
    memcpy(*out, buf, n);
    *len = n;
out:
    g_free(buf);
    g_object_unref(img);
    return e;
}

static ir_err
vipsmod_encode(const struct ir_pixels *px, enum ir_format fmt, int compression,
               unsigned char **out, size_t *len, struct ir_diag *d)
{
    size_t size = (size_t)px->w * (size_t)px->h * (size_t)px->bands;
    VipsImage *raw, *img = NULL;
    ir_err e;

    *out = NULL;
    *len = 0;
    raw = vips_image_new_from_memory(px->data, size, px->w, px->h, px->bands,
                                     VIPS_FORMAT_UCHAR);
    if (raw == NULL) {
        vipsmod_diag(d, "encode");
        return IR_EIMAGE;
    }
    /* Wraps the caller's memory: no copy, only the colour meaning. */
    if (vips_copy(raw, &img, "interpretation", VIPS_INTERPRETATION_sRGB,
                  NULL) != 0) {
        vipsmod_diag(d, "encode");
        g_object_unref(raw);
        return IR_EIMAGE;
    }
    e = vipsmod_save(img, fmt, compression, out, len, d);
    g_object_unref(img);
    g_object_unref(raw);
    return e;
}

static ir_err
vipsmod_to_pixels(VipsImage *img, struct ir_pixels *px, struct ir_diag *d)
{
    void *mem;
    size_t size = 0;
    ir_err e;

    mem = vips_image_write_to_memory(img, &size);
    if (mem == NULL) {
        vipsmod_diag(d, "decode");
        return IR_EIMAGE;
    }
    e = vipsmod_host->pixels_alloc(px, img->Xsize, img->Ysize, img->Bands);
    if (e == IR_OK && size != (size_t)px->w * px->h * px->bands) {
        ir_diag_set(d, "decode: short pixel buffer");
        vipsmod_host->free(px->data);
        memset(px, 0, sizeof *px);
        e = IR_EIMAGE;
    }
    if (e == IR_OK)
        memcpy(px->data, mem, size);
    g_free(mem);
    return e;
}

static ir_err
vipsmod_decode(const void *bytes, size_t len, enum ir_image_kind kind,
               long long max_pixels, struct ir_pixels *out, struct ir_diag *d)
{
    VipsImage *img = NULL, *norm = NULL;
    ir_err e;

    e = vipsmod_load_capped(bytes, len, kind, max_pixels, &img, d);
    if (e != IR_OK)
        return e;
    e = vipsmod_normalise(img, false, &norm, d);
    if (e != IR_OK)
        goto out;
    e = vipsmod_to_pixels(norm, out, d);
out:
    if (norm != NULL)
        g_object_unref(norm);
    g_object_unref(img);
    return e;
}

static ir_err
vipsmod_transcode(const void *bytes, size_t len, enum ir_image_kind kind,
                  enum ir_format to, int compression, bool opaque,
                  unsigned char **out, size_t *outlen, struct ir_diag *d)
{
    VipsImage *img = NULL, *norm = NULL;
    ir_err e;

    e = vipsmod_load_capped(bytes, len, kind, IR_MAX_PIXELS, &img, d);
    if (e != IR_OK)
        return e;
    e = vipsmod_normalise(img, opaque || to == IR_FORMAT_JPEG, &norm, d);
    if (e != IR_OK)
        goto out;
    e = vipsmod_save(norm, to, compression, out, outlen, d);
out:
    if (norm != NULL)
        g_object_unref(norm);
    g_object_unref(img);
    return e;
}

static ir_err
vipsmod_thumbnail(const void *bytes, size_t len, enum ir_image_kind kind,
                  long long max_pixels, int side, struct ir_pixels *out,
                  struct ir_diag *d)
{
    VipsImage *img = NULL, *thumb = NULL, *norm = NULL;
    int small, shrink = 1;
    ir_err e;

    e = vipsmod_load_capped(bytes, len, kind, max_pixels, &img, d);
    if (e != IR_OK)
        return e;
    /* Big JPEGs: let libjpeg decode at 1/2..1/8 scale instead. */
    small = VIPS_MIN(img->Xsize, img->Ysize);
    while (shrink < 8 && small / (shrink * 2) >= side)
        shrink *= 2;
    if (shrink > 1 && kind == IR_IMAGE_KIND_JPEG) {
        g_object_unref(img);
        e = vipsmod_load(bytes, len, kind, shrink, &img, d);
        if (e != IR_OK)
            return e;
    }
    if (vips_thumbnail_image(img, &thumb, side, "height", side, "size",
                             VIPS_SIZE_DOWN, NULL) != 0) {
        vipsmod_diag(d, "thumbnail");
        e = IR_EIMAGE;
        goto out;
    }
    e = vipsmod_normalise(thumb, false, &norm, d);
    if (e != IR_OK)
        goto out;
    e = vipsmod_to_pixels(norm, out, d);
out:
    if (norm != NULL)
        g_object_unref(norm);
    if (thumb != NULL)
        g_object_unref(thumb);
    g_object_unref(img);
    return e;
}
