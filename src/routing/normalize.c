/* SPDX-License-Identifier: Apache-2.0
 * routing/normalize.c - sniff, probe and (when asked) transcode a
 * provider's images on a worker thread. Format and size come from the
 * header bytes (image/header.c); libvips is only for transcoding, and an
 * image kept as base64 is decoded only as far as its header.
 */
#include "routing/normalize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "image/base64.h"
#include "image/header.h"
#include "image/image.h"
#include "util/mem.h"

/* Base64 decoded at first to read a header: 48 KB of image, past the
 * usual JPEG EXIF and ICC segments; more only when the header says so. */
#define NORMALIZE_HEAD_B64 (64 * 1024)

/* SVG has no cheap pixel header to probe: read width/height attributes,
 * else fall back to the target geometry. */
static void
normalize_svg_size(const unsigned char *bytes, size_t len, int *w, int *h)
{
    char head[1024];
    size_t n = len < sizeof head - 1 ? len : sizeof head - 1;
    const char *p;

    memcpy(head, bytes, n);
    head[n] = '\0';
    if ((p = strstr(head, " width=\"")) != NULL)
        *w = (int)strtol(p + 8, NULL, 10);
    if ((p = strstr(head, " height=\"")) != NULL)
        *h = (int)strtol(p + 9, NULL, 10);
}

/* Format and size of one image. For a base64 image only a prefix is
 * decoded, into *head (caller frees), grown while the header asks for
 * more. IR_EUNSUPPORTED: not an image we take; IR_EPARSE: unreadable. */
static ir_err
normalize_probe(const struct ir_gen_image *im, const struct ir_geom_target
                *geom, enum ir_format *fmt, int *w, int *h,
                unsigned char **head, struct ir_diag *d)
{
    const unsigned char *p = im->bytes;
    size_t n = im->len, k = NORMALIZE_HEAD_B64, need;
    ir_err e;

    *head = NULL;
    for (;;) {
        if (im->bytes == NULL) {
            /* A prefix of whole quads of canonical base64 has no '='. */
            if (k > im->b64_len)
                k = im->b64_len;
            ir_free(*head);
            *head = NULL;
            if (ir_base64_decode(im->b64, k, head, &n) != IR_OK) {
                ir_diag_set(d, "its base64 is invalid");
                return IR_EPARSE;
            }
            p = *head;
        }
        e = ir_image_header(p, n, fmt, w, h, &need, d);
        if (e != IR_EPARSE || need <= n || im->bytes != NULL ||
            k >= im->b64_len)
            break;
        k = (need / 3 + 1) * 4 > k * 4 ? (need / 3 + 1) * 4 : k * 4;
    }
    if (e == IR_EUNSUPPORTED && ir_image_sniff(p, n) == IR_FORMAT_SVG) {
        *fmt = IR_FORMAT_SVG;
        *w = geom->w;
        *h = geom->h;
        normalize_svg_size(p, n, w, h);
        return IR_OK;
    }
    return e;
}

ir_err
ir_routing_normalize(const struct ir_request *req,
                     const struct ir_geom_target *geom,
                     const char *provider_name, struct ir_gen_result *res,
                     struct ir_error *err)
{
    struct ir_diag d = {{0}};
    enum ir_format want = req->output_format, got;
    unsigned char *out, *head;
    size_t i, outlen;
    int w, h;
    bool opaque;
    ir_err e;

    if (res->nimages == 0) {
        ir_error_set(err, 502, "%s returned no image", provider_name);
        ir_error_meta_str(err, "error_type", "provider_unavailable");
        err->retryable = true;
        return IR_EUPSTREAM;
    }
    for (i = 0; i < res->nimages; i++) {
        struct ir_gen_image *im = &res->images[i];

        if ((im->bytes == NULL || im->len == 0) &&
            (im->b64 == NULL || im->b64_len == 0)) {
            ir_error_set(err, 502, "%s returned an empty image",
                         provider_name);
            err->retryable = true;
            return IR_EUPSTREAM;
        }
        e = normalize_probe(im, geom, &got, &w, &h, &head, &d);
        ir_free(head);
        if (e == IR_EUNSUPPORTED) {
            ir_error_set(err, 502, "%s returned bytes that are not a "
                                   "PNG, JPEG, WebP or SVG image",
                         provider_name);
            err->retryable = true;
            return IR_EUPSTREAM;
        }
        if (e != IR_OK) {
            ir_error_set(err, 502, "%s returned an unreadable image: %s",
                         provider_name, d.msg);
            err->retryable = true;
            return IR_EUPSTREAM;
        }
        opaque = want == IR_FORMAT_JPEG ||
                 req->background == IR_BACKGROUND_OPAQUE;
        if (got != IR_FORMAT_SVG && want != IR_FORMAT_UNSET &&
            want != IR_FORMAT_SVG && want != got) {
            if (im->bytes == NULL) {
                /* The transcode needs the bytes after all. */
                if (ir_base64_decode(im->b64, im->b64_len, &im->bytes,
                                     &im->len) != IR_OK) {
                    ir_error_set(err, 502, "%s returned an unreadable "
                                           "image: its base64 is invalid",
                                 provider_name);
                    err->retryable = true;
                    return IR_EUPSTREAM;
                }
                ir_free(im->b64_buf);
                im->b64 = im->b64_buf = NULL;
                im->b64_len = 0;
            }
            if (ir_image_transcode(im->bytes, im->len, want,
                                   req->output_compression_set
                                       ? req->output_compression : -1,
                                   opaque, &out, &outlen, &d) != IR_OK) {
                ir_error_set(err, 502, "converting %s's image to %s "
                                       "failed: %s",
                             provider_name,
                             ir_core_request_format_name(want), d.msg);
                err->retryable = true;
                return IR_EIMAGE;
            }
            ir_free(im->bytes);
            im->bytes = out;
            im->len = outlen;
            got = want;
        }
        im->format = got;
        im->w = w;
        im->h = h;
    }
    return IR_OK;
}
