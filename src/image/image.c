/* SPDX-License-Identifier: Apache-2.0
 * image/image.c - image bytes in and out: magic-byte sniffing, header
 * probes, encode, decode, transcode and palettes. Sniffing, SVG probes
 * and palette picking are plain C here; pixel work goes through the
 * libvips module (image/vipsmod.c), loaded on the first such call, so a
 * router that never transcodes never maps libvips. Input bytes only ever
 * reach a loader chosen here from the magic bytes, and SVG is probed by
 * a small attribute reader and never rasterised from input.
 */
#include "image/image.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/limits.h"
#include "image/header.h"
#include "image/vipsmod_load.h"
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

struct image_bucket {
    uint64_t n, r, g, b; /* pixels, and channel sums */
    uint32_t key;        /* bucket index: r4 g4 b4 */
};

static enum ir_image_kind image_sniff_kind(const unsigned char *p, size_t len);
static enum ir_image_kind image_sniff_ftyp(const unsigned char *brand);
static bool image_starts(const unsigned char *p, size_t len,
                         const char *prefix);
static bool image_sniff_svg(const unsigned char *p, size_t len);
static ir_err image_svg_probe(const void *bytes, size_t len, int *w, int *h,
                              struct ir_diag *d) IR_MUST_CHECK;
static bool image_svg_attr(const char *tag, const char *end, const char *name,
                           double *v);
static ir_err image_vips(const struct ir_image_vipsmod_ops **ops,
                         struct ir_diag *d) IR_MUST_CHECK;
static bool image_compression_ok(int compression, struct ir_diag *d);
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

/* Cheap on purpose (the router calls it before it listens): libvips is
 * loaded by the first operation that needs it, on that worker. A
 * missing module is only a warning here; image operations then fail. */
ir_err
ir_image_init(const char *argv0)
{
    char paths[IR_IMAGE_VIPSMOD_MAX_CANDIDATES][IR_IMAGE_VIPSMOD_PATH_MAX];
    size_t i, n;

    ir_image_vipsmod_load_set_argv0(argv0 != NULL ? argv0 : "imagerouter");
    n = ir_image_vipsmod_load_candidates(paths,
                                         IR_IMAGE_VIPSMOD_MAX_CANDIDATES);
    for (i = 0; i < n; i++)
        if (access(paths[i], R_OK) == 0)
            return IR_OK;
    ir_log_warn("image module " IR_IMAGE_VIPSMOD_FILE " not found (tried %zu "
                "path(s), first %s): transcoding and the built-in renderer "
                "will fail",
                n, n > 0 ? paths[0] : "none");
    return IR_OK;
}

void
ir_image_shutdown(void)
{
    ir_image_vipsmod_load_shutdown();
}

static ir_err
image_vips(const struct ir_image_vipsmod_ops **ops, struct ir_diag *d)
{
    return ir_image_vipsmod_load_get(ops, d);
}

static enum ir_image_kind
image_sniff_ftyp(const unsigned char *brand)
{
    static const struct {
        const char brand[5];
        enum ir_image_kind kind;
    } brands[] = {
        {"heic", IR_IMAGE_KIND_HEIC}, {"heix", IR_IMAGE_KIND_HEIC},
        {"hevc", IR_IMAGE_KIND_HEIC}, {"hevx", IR_IMAGE_KIND_HEIC},
        {"avif", IR_IMAGE_KIND_AVIF}, {"avis", IR_IMAGE_KIND_AVIF},
        {"mif1", IR_IMAGE_KIND_HEIF}, {"msf1", IR_IMAGE_KIND_HEIF},
    };
    size_t i;

    for (i = 0; i < sizeof brands / sizeof brands[0]; i++)
        if (memcmp(brand, brands[i].brand, 4) == 0)
            return brands[i].kind;
    return IR_IMAGE_KIND_UNKNOWN;
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

static enum ir_image_kind
image_sniff_kind(const unsigned char *p, size_t len)
{
    if (p == NULL)
        return IR_IMAGE_KIND_UNKNOWN;
    if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
        return IR_IMAGE_KIND_PNG;
    if (len >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        return IR_IMAGE_KIND_JPEG;
    if (len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
        return IR_IMAGE_KIND_WEBP;
    if (len >= 6 &&
        (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
        return IR_IMAGE_KIND_GIF;
    if (len >= 12 && memcmp(p + 4, "ftyp", 4) == 0)
        return image_sniff_ftyp(p + 8);
    if (image_sniff_svg(p, len))
        return IR_IMAGE_KIND_SVG;
    return IR_IMAGE_KIND_UNKNOWN;
}

enum ir_format
ir_image_sniff(const void *bytes, size_t len)
{
    switch (image_sniff_kind(bytes, len)) {
    case IR_IMAGE_KIND_PNG:
        return IR_FORMAT_PNG;
    case IR_IMAGE_KIND_JPEG:
        return IR_FORMAT_JPEG;
    case IR_IMAGE_KIND_WEBP:
        return IR_FORMAT_WEBP;
    case IR_IMAGE_KIND_SVG:
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
        [IR_IMAGE_KIND_UNKNOWN] = NULL,
        [IR_IMAGE_KIND_PNG] = "image/png",
        [IR_IMAGE_KIND_JPEG] = "image/jpeg",
        [IR_IMAGE_KIND_WEBP] = "image/webp",
        [IR_IMAGE_KIND_GIF] = "image/gif",
        [IR_IMAGE_KIND_HEIC] = "image/heic",
        [IR_IMAGE_KIND_AVIF] = "image/avif",
        [IR_IMAGE_KIND_HEIF] = "image/heif",
        [IR_IMAGE_KIND_SVG] = "image/svg+xml",
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

ir_err
ir_image_probe(const void *bytes, size_t len, int *w, int *h,
               enum ir_format *fmt, struct ir_diag *d)
{
    const struct ir_image_vipsmod_ops *ops;
    enum ir_image_kind kind = image_sniff_kind(bytes, len);
    enum ir_format hfmt;
    ir_err e;

    if (fmt != NULL)
        *fmt = ir_image_sniff(bytes, len);
    if (kind == IR_IMAGE_KIND_SVG)
        return image_svg_probe(bytes, len, w, h, d);
    if (kind == IR_IMAGE_KIND_UNKNOWN) {
        ir_diag_set(d, "unrecognised image format");
        return IR_EUNSUPPORTED;
    }
    /* The header read is exact for PNG, JPEG and WebP and costs no
     * libvips load: pricing probes reference images on the event loop,
     * which must never wait for the module. libvips only gets what the
     * header reader cannot place. */
    if (ir_image_header(bytes, len, &hfmt, w, h, NULL, NULL) == IR_OK)
        return IR_OK;
    if ((e = image_vips(&ops, d)) != IR_OK)
        return e;
    return ops->probe(bytes, len, kind, w, h, d);
}

/* Checked here so bad arguments fail the same with or without the
 * module. */
static bool
image_compression_ok(int compression, struct ir_diag *d)
{
    if (compression >= -1 && compression <= 100)
        return true;
    ir_diag_set(d, "compression %d is not in 0..100", compression);
    return false;
}

ir_err
ir_image_encode(const struct ir_pixels *px, enum ir_format fmt, int compression,
                unsigned char **out, size_t *len, struct ir_diag *d)
{
    const struct ir_image_vipsmod_ops *ops;
    ir_err e;

    *out = NULL;
    *len = 0;
    if (px == NULL || px->data == NULL || px->w <= 0 || px->h <= 0 ||
        (px->bands != 3 && px->bands != 4)) {
        ir_diag_set(d, "encode: no pixels or bad band count");
        return IR_EINVAL;
    }
    if (!image_compression_ok(compression, d))
        return IR_EINVAL;
    if (fmt != IR_FORMAT_PNG && fmt != IR_FORMAT_JPEG &&
        fmt != IR_FORMAT_WEBP) {
        ir_diag_set(d, "cannot encode pixels as %s",
                    fmt == IR_FORMAT_SVG ? "svg" : "this format");
        return IR_EUNSUPPORTED;
    }
    if ((e = image_vips(&ops, d)) != IR_OK)
        return e;
    return ops->encode(px, fmt, compression, out, len, d);
}

ir_err
ir_image_decode(const void *bytes, size_t len, long long max_pixels,
                struct ir_pixels *out, struct ir_diag *d)
{
    const struct ir_image_vipsmod_ops *ops;
    enum ir_image_kind kind = image_sniff_kind(bytes, len);
    ir_err e;

    memset(out, 0, sizeof *out);
    if (max_pixels <= 0)
        max_pixels = IR_MAX_PIXELS;
    if (kind == IR_IMAGE_KIND_SVG) {
        ir_diag_set(d, "svg input is not rasterised");
        return IR_EUNSUPPORTED;
    }
    if (kind == IR_IMAGE_KIND_UNKNOWN) {
        ir_diag_set(d, "unrecognised image format");
        return IR_EUNSUPPORTED;
    }
    if ((e = image_vips(&ops, d)) != IR_OK)
        return e;
    return ops->decode(bytes, len, kind, max_pixels, out, d);
}

ir_err
ir_image_transcode(const void *bytes, size_t len, enum ir_format to,
                   int compression, bool opaque, unsigned char **out,
                   size_t *outlen, struct ir_diag *d)
{
    const struct ir_image_vipsmod_ops *ops;
    enum ir_image_kind kind = image_sniff_kind(bytes, len);
    ir_err e;

    *out = NULL;
    *outlen = 0;
    if (to != IR_FORMAT_PNG && to != IR_FORMAT_JPEG && to != IR_FORMAT_WEBP) {
        ir_diag_set(d, "transcode: target must be png, jpeg or webp");
        return IR_EUNSUPPORTED;
    }
    if (kind == IR_IMAGE_KIND_SVG) {
        ir_diag_set(d, "svg input is not rasterised");
        return IR_EUNSUPPORTED;
    }
    if (kind == IR_IMAGE_KIND_UNKNOWN) {
        ir_diag_set(d, "unrecognised image format");
        return IR_EUNSUPPORTED;
    }
    if (!image_compression_ok(compression, d))
        return IR_EINVAL;
    if ((e = image_vips(&ops, d)) != IR_OK)
        return e;
    return ops->transcode(bytes, len, kind, to, compression, opaque, out,
                          outlen, d);
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
    const struct ir_image_vipsmod_ops *ops;
    enum ir_image_kind kind = image_sniff_kind(bytes, len);
    struct image_bucket *buckets = NULL;
    struct ir_pixels px = {0};
    ir_err e;

    *count = 0;
    if (kind == IR_IMAGE_KIND_SVG || kind == IR_IMAGE_KIND_UNKNOWN) {
        ir_diag_set(d, kind == IR_IMAGE_KIND_SVG ? "svg input is not rasterised"
                                                 : "unrecognised image format");
        return IR_EUNSUPPORTED;
    }
    if ((e = image_vips(&ops, d)) != IR_OK)
        return e;
    e = ops->thumbnail(bytes, len, kind, IMAGE_PALETTE_MAX_PIXELS,
                       IMAGE_PALETTE_SIDE, &px, d);
    if (e != IR_OK)
        return e;
    buckets = ir_calloc(IMAGE_PALETTE_BUCKETS, sizeof *buckets);
    if (buckets == NULL) {
        e = IR_ENOMEM;
        goto out;
    }
    *count = image_palette_pick(&px, rgb, max, buckets);
out:
    ir_free(buckets);
    ir_pixels_cleanup(&px);
    return e;
}
