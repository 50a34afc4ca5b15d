/* SPDX-License-Identifier: Apache-2.0
 * image/image.c - image bytes in and out through libvips: magic-byte
 * sniffing, header probes, encode, decode, transcode and palettes.
 * Input bytes only ever reach a loader chosen here from the magic bytes;
 * vips' "untrusted" loaders (svg, pdf, magick...) are blocked, so SVG is
 * probed by a small attribute reader and never rasterised from input.
 */
#include "image/image.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <vips/vips.h>

#include "core/limits.h"
#include "util/log.h"
#include "util/mem.h"

/* SVG: how far into the bytes the root element may start. */
#define IMAGE_SVG_SNIFF 4096
/* Palette: the thumbnail side colours are counted on. */
#define IMAGE_PALETTE_SIDE 64
/* Palette: 4 bits per channel. */
#define IMAGE_PALETTE_BUCKETS 4096
/* Palette: candidate colours kept after merging near-duplicates. */
#define IMAGE_PALETTE_CANDIDATES 64
/* Palette: buckets closer than this (RGB distance squared) are one
 * colour; 4-bit buckets are 16 levels wide, so neighbours merge. */
#define IMAGE_PALETTE_MERGE_DIST2 (40 * 40)
/* Palette inputs are reference photos, which may be larger than any
 * output we make; the header check still stops decompression bombs. */
#define IMAGE_PALETTE_MAX_PIXELS (IR_MAX_PIXELS * 4)

/* Everything we can recognise, including formats enum ir_format lacks. */
enum image_kind {
    IMAGE_KIND_UNKNOWN,
    IMAGE_KIND_PNG,
    IMAGE_KIND_JPEG,
    IMAGE_KIND_WEBP,
    IMAGE_KIND_GIF,
    IMAGE_KIND_HEIC,
    IMAGE_KIND_AVIF,
    IMAGE_KIND_HEIF,
    IMAGE_KIND_SVG,
};

struct image_bucket {
    uint64_t n, r, g, b; /* pixels, and channel sums */
    uint32_t key;        /* bucket index: r4 g4 b4 */
};

static void image_log_cb(const gchar *domain, GLogLevelFlags level,
                         const gchar *msg, gpointer arg);
static enum image_kind image_sniff_kind(const unsigned char *p, size_t len);
static enum image_kind image_sniff_ftyp(const unsigned char *brand);
static bool image_starts(const unsigned char *p, size_t len,
                         const char *prefix);
static bool image_sniff_svg(const unsigned char *p, size_t len);
static ir_err image_svg_probe(const void *bytes, size_t len, int *w, int *h,
                              struct ir_diag *d) IR_MUST_CHECK;
static bool image_svg_attr(const char *tag, const char *end, const char *name,
                           double *v);
static void image_vips_diag(struct ir_diag *d, const char *what);
static ir_err image_load(const void *bytes, size_t len, int shrink,
                         VipsImage **out, struct ir_diag *d) IR_MUST_CHECK;
static ir_err image_load_capped(const void *bytes, size_t len,
                                long long max_pixels, VipsImage **out,
                                struct ir_diag *d) IR_MUST_CHECK;
static ir_err image_normalise(VipsImage *in, bool opaque, VipsImage **out,
                              struct ir_diag *d) IR_MUST_CHECK;
static ir_err image_save(VipsImage *in, enum ir_format fmt, int compression,
                         unsigned char **out, size_t *len,
                         struct ir_diag *d) IR_MUST_CHECK;
static ir_err image_save_buffer(VipsImage *img, enum ir_format fmt,
                                int compression, void **buf, size_t *n,
                                struct ir_diag *d) IR_MUST_CHECK;
static ir_err image_to_pixels(VipsImage *img, struct ir_pixels *px,
                              struct ir_diag *d) IR_MUST_CHECK;
static int image_bucket_cmp(const void *a, const void *b);
static uint64_t image_bucket_dist2(const struct image_bucket *x,
                                   const struct image_bucket *y);
static size_t image_palette_pick(const struct ir_pixels *px, uint8_t (*rgb)[3],
                                 size_t max, struct image_bucket *buckets);

void
ir_pixels_cleanup(struct ir_pixels *px)
{
    if (px == NULL)
        return;
    ir_free(px->data);
    memset(px, 0, sizeof *px);
}

ir_err
ir_pixels_alloc(struct ir_pixels *px, int w, int h, int bands)
{
    memset(px, 0, sizeof *px);
    /* The product cap keeps w*h*bands far from size_t overflow. */
    if (w <= 0 || h <= 0 || (bands != 3 && bands != 4) ||
        (long long)w * h > (1ll << 40))
        return IR_EINVAL;
    px->data = ir_malloc((size_t)w * (size_t)h * (size_t)bands);
    if (px->data == NULL)
        return IR_ENOMEM;
    px->w = w;
    px->h = h;
    px->bands = bands;
    return IR_OK;
}

/* vips warns on stderr about every damaged input; the failure itself
 * reaches the caller through the diag, so these are debug detail. */
static void
image_log_cb(const gchar *domain, GLogLevelFlags level, const gchar *msg,
             gpointer arg)
{
    (void)arg;
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
        ir_log_warn("%s: %s", domain, msg);
    else
        ir_log_debug("%s: %s", domain, msg);
}

ir_err
ir_image_init(const char *argv0)
{
    if (VIPS_INIT(argv0 != NULL ? argv0 : "imagerouter") != 0)
        return IR_EIMAGE;
    /* The operation cache keys on input pointers; our buffers are freed
     * after each call, so cached results could never be reused. */
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    /* Parallelism comes from the worker pool, one image per worker;
     * vips' own thread pool on top would only oversubscribe the cores. */
    vips_concurrency_set(1);
    /* Only the loaders image_load picks may run on client bytes. */
    vips_block_untrusted_set(TRUE);
    (void)g_log_set_handler(
        "VIPS", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
        image_log_cb, NULL);
    return IR_OK;
}

void
ir_image_shutdown(void)
{
    vips_shutdown();
}

static enum image_kind
image_sniff_ftyp(const unsigned char *brand)
{
    static const struct {
        const char brand[5];
        enum image_kind kind;
    } brands[] = {
        {"heic", IMAGE_KIND_HEIC}, {"heix", IMAGE_KIND_HEIC},
        {"hevc", IMAGE_KIND_HEIC}, {"hevx", IMAGE_KIND_HEIC},
        {"avif", IMAGE_KIND_AVIF}, {"avis", IMAGE_KIND_AVIF},
        {"mif1", IMAGE_KIND_HEIF}, {"msf1", IMAGE_KIND_HEIF},
    };
    size_t i;

    for (i = 0; i < sizeof brands / sizeof brands[0]; i++)
        if (memcmp(brand, brands[i].brand, 4) == 0)
            return brands[i].kind;
    return IMAGE_KIND_UNKNOWN;
}

static bool
image_starts(const unsigned char *p, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);

    return len >= n && memcmp(p, prefix, n) == 0;
}

static bool
image_sniff_svg(const unsigned char *p, size_t len)
{
    size_t i = 0, lim;

    if (image_starts(p, len, "\xEF\xBB\xBF"))
        i = 3;
    while (i < len && isspace(p[i]))
        i++;
    if (image_starts(p + i, len - i, "<svg") && len - i > 4 &&
        (isspace(p[i + 4]) || p[i + 4] == '>'))
        return true;
    /* An XML declaration, comment or doctype may come first; then the
     * root element must still be an <svg near the start. */
    if (!image_starts(p + i, len - i, "<?xml") &&
        !image_starts(p + i, len - i, "<!--") &&
        !image_starts(p + i, len - i, "<!DOCTYPE"))
        return false;
    lim = len < IMAGE_SVG_SNIFF ? len : IMAGE_SVG_SNIFF;
    return i < lim && memmem(p + i, lim - i, "<svg", 4) != NULL;
}

static enum image_kind
image_sniff_kind(const unsigned char *p, size_t len)
{
    if (p == NULL)
        return IMAGE_KIND_UNKNOWN;
    if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
        return IMAGE_KIND_PNG;
    if (len >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        return IMAGE_KIND_JPEG;
    if (len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
        return IMAGE_KIND_WEBP;
    if (len >= 6 &&
        (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
        return IMAGE_KIND_GIF;
    if (len >= 12 && memcmp(p + 4, "ftyp", 4) == 0)
        return image_sniff_ftyp(p + 8);
    if (image_sniff_svg(p, len))
        return IMAGE_KIND_SVG;
    return IMAGE_KIND_UNKNOWN;
}

enum ir_format
ir_image_sniff(const void *bytes, size_t len)
{
    switch (image_sniff_kind(bytes, len)) {
    case IMAGE_KIND_PNG:
        return IR_FORMAT_PNG;
    case IMAGE_KIND_JPEG:
        return IR_FORMAT_JPEG;
    case IMAGE_KIND_WEBP:
        return IR_FORMAT_WEBP;
    case IMAGE_KIND_SVG:
        return IR_FORMAT_SVG;
    default:
        return IR_FORMAT_UNSET;
    }
}

const char *
ir_image_sniff_media_type(const void *bytes, size_t len)
{
    /* clang-format off */
    static const char *const types[] = {
        [IMAGE_KIND_UNKNOWN] = NULL,
        [IMAGE_KIND_PNG] = "image/png",
        [IMAGE_KIND_JPEG] = "image/jpeg",
        [IMAGE_KIND_WEBP] = "image/webp",
        [IMAGE_KIND_GIF] = "image/gif",
        [IMAGE_KIND_HEIC] = "image/heic",
        [IMAGE_KIND_AVIF] = "image/avif",
        [IMAGE_KIND_HEIF] = "image/heif",
        [IMAGE_KIND_SVG] = "image/svg+xml",
    };
    /* clang-format on */

    return types[image_sniff_kind(bytes, len)];
}

const char *
ir_image_media_type(enum ir_format f)
{
    switch (f) {
    case IR_FORMAT_PNG:
        return "image/png";
    case IR_FORMAT_JPEG:
        return "image/jpeg";
    case IR_FORMAT_WEBP:
        return "image/webp";
    case IR_FORMAT_SVG:
        return "image/svg+xml";
    default:
        return NULL;
    }
}

enum ir_format
ir_image_format_from_name(const char *name)
{
    static const struct {
        const char *name;
        enum ir_format f;
    } names[] = {
        {"png", IR_FORMAT_PNG},         {"image/png", IR_FORMAT_PNG},
        {"jpeg", IR_FORMAT_JPEG},       {"jpg", IR_FORMAT_JPEG},
        {"image/jpeg", IR_FORMAT_JPEG}, {"image/jpg", IR_FORMAT_JPEG},
        {"webp", IR_FORMAT_WEBP},       {"image/webp", IR_FORMAT_WEBP},
        {"svg", IR_FORMAT_SVG},         {"image/svg+xml", IR_FORMAT_SVG},
        {"svg+xml", IR_FORMAT_SVG},
    };
    size_t i, n;

    if (name == NULL)
        return IR_FORMAT_UNSET;
    if (*name == '.')
        name++;
    /* A media type may carry parameters: "image/png; q=1". */
    n = strcspn(name, "; \t");
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == n &&
            strncasecmp(names[i].name, name, n) == 0)
            return names[i].f;
    return IR_FORMAT_UNSET;
}

/* Reads a numeric attribute of the root tag; "100%" or "10em" fail so
 * the caller falls back to the viewBox. */
static bool
image_svg_attr(const char *tag, const char *end, const char *name, double *v)
{
    size_t nlen = strlen(name);
    const char *p = tag;
    char num[64], *e;
    size_t k;

    while ((p = memmem(p, (size_t)(end - p), name, nlen)) != NULL) {
        const char *q = p + nlen;

        /* Whole attribute names only: not "stroke-width". */
        if (p == tag || !isspace((unsigned char)p[-1])) {
            p = q;
            continue;
        }
        while (q < end && isspace((unsigned char)*q))
            q++;
        if (q >= end || *q != '=') {
            p = q;
            continue;
        }
        q++;
        while (q < end && isspace((unsigned char)*q))
            q++;
        if (q >= end || (*q != '"' && *q != '\''))
            return false;
        q++;
        for (k = 0;
             q + k < end && q[k] != '"' && q[k] != '\'' && k < sizeof num - 1;
             k++)
            num[k] = q[k];
        num[k] = '\0';
        *v = strtod(num, &e);
        while (*e == ' ')
            e++;
        return e != num && (*e == '\0' || strcmp(e, "px") == 0) && *v > 0 &&
               *v < 1e7;
    }
    return false;
}

static ir_err
image_svg_probe(const void *bytes, size_t len, int *w, int *h,
                struct ir_diag *d)
{
    const char *p = bytes, *tag, *end;
    double fw = 0, fh = 0, vb[4];
    char box[128];
    size_t lim = len < IMAGE_SVG_SNIFF ? len : IMAGE_SVG_SNIFF;

    tag = memmem(p, lim, "<svg", 4);
    end = tag != NULL ? memchr(tag, '>', len - (size_t)(tag - p)) : NULL;
    if (end == NULL) {
        ir_diag_set(d, "svg: no root element");
        return IR_EPARSE;
    }
    if (image_svg_attr(tag, end, "width", &fw) &&
        image_svg_attr(tag, end, "height", &fh))
        goto done;
    tag = memmem(tag, (size_t)(end - tag), " viewBox", 8);
    if (tag != NULL) {
        const char *q = memchr(tag, '"', (size_t)(end - tag));
        size_t k = 0;

        if (q == NULL)
            q = memchr(tag, '\'', (size_t)(end - tag));
        for (q = q != NULL ? q + 1 : end;
             q < end && *q != '"' && *q != '\'' && k < sizeof box - 1; q++)
            box[k++] = *q == ',' ? ' ' : *q;
        box[k] = '\0';
        if (sscanf(box, "%lf %lf %lf %lf", &vb[0], &vb[1], &vb[2], &vb[3]) ==
            4) {
            fw = vb[2];
            fh = vb[3];
        }
    }
done:
    if (!(fw >= 1 && fh >= 1 && fw < 1e7 && fh < 1e7)) {
        ir_diag_set(d, "svg: no usable width/height or viewBox");
        return IR_EPARSE;
    }
    *w = (int)lround(fw);
    *h = (int)lround(fh);
    return IR_OK;
}

/* Moves vips' (process-wide) error text into d. Under concurrency the
 * text may include another thread's error; it is advisory only. */
static void
image_vips_diag(struct ir_diag *d, const char *what)
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
image_load(const void *bytes, size_t len, int shrink, VipsImage **out,
           struct ir_diag *d)
{
    /* vips takes a non-const pointer but never writes through it. */
    void *buf = (void *)(uintptr_t)bytes;
    VipsAccess seq = VIPS_ACCESS_SEQUENTIAL;
    /* A cut-off image is an error, not a picture with a grey bottom. */
    VipsFailOn fail = VIPS_FAIL_ON_TRUNCATED;
    int r;

    *out = NULL;
    switch (image_sniff_kind(bytes, len)) {
    case IMAGE_KIND_PNG:
        r = vips_pngload_buffer(buf, len, out, "access", seq, "fail_on", fail,
                                NULL);
        break;
    case IMAGE_KIND_JPEG:
        r = vips_jpegload_buffer(buf, len, out, "access", seq, "fail_on", fail,
                                 "shrink", shrink > 1 ? shrink : 1, NULL);
        break;
    case IMAGE_KIND_WEBP:
        r = vips_webpload_buffer(buf, len, out, "access", seq, "fail_on", fail,
                                 NULL);
        break;
    case IMAGE_KIND_GIF:
        r = vips_gifload_buffer(buf, len, out, "access", seq, "fail_on", fail,
                                NULL);
        break;
    case IMAGE_KIND_HEIC:
    case IMAGE_KIND_AVIF:
    case IMAGE_KIND_HEIF:
        r = vips_heifload_buffer(buf, len, out, "access", seq, "fail_on", fail,
                                 NULL);
        break;
    case IMAGE_KIND_SVG:
        ir_diag_set(d, "svg input is not rasterised");
        return IR_EUNSUPPORTED;
    default:
        ir_diag_set(d, "unrecognised image format");
        return IR_EUNSUPPORTED;
    }
    if (r != 0) {
        image_vips_diag(d, "decode");
        *out = NULL;
        return IR_EIMAGE;
    }
    return IR_OK;
}

static ir_err
image_load_capped(const void *bytes, size_t len, long long max_pixels,
                  VipsImage **out, struct ir_diag *d)
{
    VipsImage *img;
    long long px;
    ir_err e;

    e = image_load(bytes, len, 1, &img, d);
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

ir_err
ir_image_probe(const void *bytes, size_t len, int *w, int *h,
               enum ir_format *fmt, struct ir_diag *d)
{
    VipsImage *img;
    ir_err e;

    if (fmt != NULL)
        *fmt = ir_image_sniff(bytes, len);
    if (image_sniff_kind(bytes, len) == IMAGE_KIND_SVG)
        return image_svg_probe(bytes, len, w, h, d);
    e = image_load(bytes, len, 1, &img, d);
    if (e != IR_OK)
        return e;
    *w = vips_image_get_width(img);
    *h = vips_image_get_height(img);
    g_object_unref(img);
    return IR_OK;
}

/* To 8-bit sRGB with 3 or 4 bands; opaque flattens alpha onto white. */
static ir_err
image_normalise(VipsImage *in, bool opaque, VipsImage **out, struct ir_diag *d)
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
        image_vips_diag(d, "convert");
    if (white != NULL)
        vips_area_unref(VIPS_AREA(white));
    g_object_unref(ctx);
    return e;
}

static ir_err
image_save_buffer(VipsImage *img, enum ir_format fmt, int compression,
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
        image_vips_diag(d, "encode");
        return IR_EIMAGE;
    }
    return IR_OK;
}

/* Encodes an sRGB image; JPEG has no alpha, so it is flattened. The
 * bytes are copied so the caller frees them with ir_free. */
static ir_err
image_save(VipsImage *in, enum ir_format fmt, int compression,
           unsigned char **out, size_t *len, struct ir_diag *d)
{
    VipsImage *img = NULL;
    void *buf = NULL;
    size_t n = 0;
    ir_err e;

    *out = NULL;
    *len = 0;
    if (compression < -1 || compression > 100) {
        ir_diag_set(d, "compression %d is not in 0..100", compression);
        return IR_EINVAL;
    }
    e = image_normalise(in, fmt == IR_FORMAT_JPEG, &img, d);
    if (e != IR_OK)
        return e;
    e = image_save_buffer(img, fmt, compression, &buf, &n, d);
    if (e != IR_OK)
        goto out;
    *out = ir_malloc(n);
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

ir_err
ir_image_encode(const struct ir_pixels *px, enum ir_format fmt, int compression,
                unsigned char **out, size_t *len, struct ir_diag *d)
{
    VipsImage *raw, *img = NULL;
    size_t size;
    ir_err e;

    *out = NULL;
    *len = 0;
    if (px == NULL || px->data == NULL || px->w <= 0 || px->h <= 0 ||
        (px->bands != 3 && px->bands != 4)) {
        ir_diag_set(d, "encode: no pixels or bad band count");
        return IR_EINVAL;
    }
    size = (size_t)px->w * (size_t)px->h * (size_t)px->bands;
    raw = vips_image_new_from_memory(px->data, size, px->w, px->h, px->bands,
                                     VIPS_FORMAT_UCHAR);
    if (raw == NULL) {
        image_vips_diag(d, "encode");
        return IR_EIMAGE;
    }
    /* Wraps the caller's memory: no copy, only the colour meaning. */
    if (vips_copy(raw, &img, "interpretation", VIPS_INTERPRETATION_sRGB,
                  NULL) != 0) {
        image_vips_diag(d, "encode");
        g_object_unref(raw);
        return IR_EIMAGE;
    }
    e = image_save(img, fmt, compression, out, len, d);
    g_object_unref(img);
    g_object_unref(raw);
    return e;
}

static ir_err
image_to_pixels(VipsImage *img, struct ir_pixels *px, struct ir_diag *d)
{
    void *mem;
    size_t size = 0;
    ir_err e;

    mem = vips_image_write_to_memory(img, &size);
    if (mem == NULL) {
        image_vips_diag(d, "decode");
        return IR_EIMAGE;
    }
    e = ir_pixels_alloc(px, img->Xsize, img->Ysize, img->Bands);
    if (e == IR_OK && size != (size_t)px->w * px->h * px->bands) {
        ir_diag_set(d, "decode: short pixel buffer");
        ir_pixels_cleanup(px);
        e = IR_EIMAGE;
    }
    if (e == IR_OK)
        memcpy(px->data, mem, size);
    g_free(mem);
    return e;
}

ir_err
ir_image_decode(const void *bytes, size_t len, long long max_pixels,
                struct ir_pixels *out, struct ir_diag *d)
{
    VipsImage *img = NULL, *norm = NULL;
    ir_err e;

    memset(out, 0, sizeof *out);
    if (max_pixels <= 0)
        max_pixels = IR_MAX_PIXELS;
    e = image_load_capped(bytes, len, max_pixels, &img, d);
    if (e != IR_OK)
        return e;
    e = image_normalise(img, false, &norm, d);
    if (e != IR_OK)
        goto out;
    e = image_to_pixels(norm, out, d);
out:
    if (norm != NULL)
        g_object_unref(norm);
    g_object_unref(img);
    return e;
}

ir_err
ir_image_transcode(const void *bytes, size_t len, enum ir_format to,
                   int compression, bool opaque, unsigned char **out,
                   size_t *outlen, struct ir_diag *d)
{
    VipsImage *img = NULL, *norm = NULL;
    ir_err e;

    *out = NULL;
    *outlen = 0;
    if (to != IR_FORMAT_PNG && to != IR_FORMAT_JPEG && to != IR_FORMAT_WEBP) {
        ir_diag_set(d, "transcode: target must be png, jpeg or webp");
        return IR_EUNSUPPORTED;
    }
    e = image_load_capped(bytes, len, IR_MAX_PIXELS, &img, d);
    if (e != IR_OK)
        return e;
    e = image_normalise(img, opaque || to == IR_FORMAT_JPEG, &norm, d);
    if (e != IR_OK)
        goto out;
    e = image_save(norm, to, compression, out, outlen, d);
out:
    if (norm != NULL)
        g_object_unref(norm);
    g_object_unref(img);
    return e;
}

/* Most pixels first; equal counts keep bucket order, so it is stable. */
static int
image_bucket_cmp(const void *a, const void *b)
{
    const struct image_bucket *x = a, *y = b;

    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return x->key < y->key ? -1 : x->key > y->key;
}

static uint64_t
image_bucket_dist2(const struct image_bucket *x, const struct image_bucket *y)
{
    int64_t dr = (int64_t)(x->r / x->n) - (int64_t)(y->r / y->n);
    int64_t dg = (int64_t)(x->g / x->n) - (int64_t)(y->g / y->n);
    int64_t db = (int64_t)(x->b / x->n) - (int64_t)(y->b / y->n);

    return (uint64_t)(dr * dr + dg * dg + db * db);
}

/* Counts colours in 4-bit-per-channel buckets (transparent pixels do
 * not count), then folds each bucket, most common first, into the
 * nearest candidate colour when close enough, else starts a new one. */
static size_t
image_palette_pick(const struct ir_pixels *px, uint8_t (*rgb)[3], size_t max,
                   struct image_bucket *buckets)
{
    struct image_bucket cand[IMAGE_PALETTE_CANDIDATES];
    size_t i, j, ncand = 0, npx = (size_t)px->w * px->h;
    const unsigned char *p = px->data;

    for (i = 0; i < IMAGE_PALETTE_BUCKETS; i++)
        buckets[i].key = (uint32_t)i;
    for (i = 0; i < npx; i++, p += px->bands) {
        struct image_bucket *b;

        if (px->bands == 4 && p[3] < 128)
            continue;
        b = &buckets[(p[0] >> 4) << 8 | (p[1] >> 4) << 4 | p[2] >> 4];
        b->n++;
        b->r += p[0];
        b->g += p[1];
        b->b += p[2];
    }
    qsort(buckets, IMAGE_PALETTE_BUCKETS, sizeof *buckets, image_bucket_cmp);
    for (i = 0; i < IMAGE_PALETTE_BUCKETS && buckets[i].n > 0; i++) {
        const struct image_bucket *b = &buckets[i];
        uint64_t bestd = UINT64_MAX, dist;
        size_t near = 0;

        for (j = 0; j < ncand; j++) {
            dist = image_bucket_dist2(b, &cand[j]);
            if (dist < bestd) {
                bestd = dist;
                near = j;
            }
        }
        if (bestd < IMAGE_PALETTE_MERGE_DIST2) {
            cand[near].n += b->n;
            cand[near].r += b->r;
            cand[near].g += b->g;
            cand[near].b += b->b;
        } else if (ncand < IMAGE_PALETTE_CANDIDATES) {
            cand[ncand++] = *b;
        }
    }
    /* Merging changed the counts: order again (insertion sort, stable). */
    for (i = 1; i < ncand; i++) {
        struct image_bucket c = cand[i];

        for (j = i; j > 0 && cand[j - 1].n < c.n; j--)
            cand[j] = cand[j - 1];
        cand[j] = c;
    }
    for (i = 0; i < ncand && i < max; i++) {
        rgb[i][0] = (uint8_t)((cand[i].r + cand[i].n / 2) / cand[i].n);
        rgb[i][1] = (uint8_t)((cand[i].g + cand[i].n / 2) / cand[i].n);
        rgb[i][2] = (uint8_t)((cand[i].b + cand[i].n / 2) / cand[i].n);
    }
    return i;
}

ir_err
ir_image_palette(const void *bytes, size_t len, uint8_t (*rgb)[3], size_t max,
                 size_t *count, struct ir_diag *d)
{
    VipsImage *img = NULL, *thumb = NULL, *norm = NULL;
    struct image_bucket *buckets = NULL;
    struct ir_pixels px = {0};
    int side, shrink = 1;
    ir_err e;

    *count = 0;
    e = image_load_capped(bytes, len, IMAGE_PALETTE_MAX_PIXELS, &img, d);
    if (e != IR_OK)
        return e;
    /* Big JPEGs: let libjpeg decode at 1/2..1/8 scale instead. */
    side = VIPS_MIN(img->Xsize, img->Ysize);
    while (shrink < 8 && side / (shrink * 2) >= IMAGE_PALETTE_SIDE)
        shrink *= 2;
    if (shrink > 1 && ir_image_sniff(bytes, len) == IR_FORMAT_JPEG) {
        g_object_unref(img);
        e = image_load(bytes, len, shrink, &img, d);
        if (e != IR_OK)
            return e;
    }
    if (vips_thumbnail_image(img, &thumb, IMAGE_PALETTE_SIDE, "height",
                             IMAGE_PALETTE_SIDE, "size", VIPS_SIZE_DOWN,
                             NULL) != 0) {
        image_vips_diag(d, "palette");
        e = IR_EIMAGE;
        goto out;
    }
    e = image_normalise(thumb, false, &norm, d);
    if (e != IR_OK)
        goto out;
    e = image_to_pixels(norm, &px, d);
    if (e != IR_OK)
        goto out;
    buckets = ir_calloc(IMAGE_PALETTE_BUCKETS, sizeof *buckets);
    if (buckets == NULL) {
        e = IR_ENOMEM;
        goto out;
    }
    *count = image_palette_pick(&px, rgb, max, buckets);
out:
    ir_free(buckets);
    ir_pixels_cleanup(&px);
    if (norm != NULL)
        g_object_unref(norm);
    if (thumb != NULL)
        g_object_unref(thumb);
    g_object_unref(img);
    return e;
}
