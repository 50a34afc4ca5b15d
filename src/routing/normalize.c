/* SPDX-License-Identifier: Apache-2.0
 * routing/normalize.c - sniff, probe and (when asked) transcode a
 * provider's images on a worker thread.
 */
#include "routing/normalize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "image/image.h"
#include "util/mem.h"

/* SVG has no cheap pixel header to probe: read width/height attributes,
 * else fall back to the target geometry. */
static void
normalize_svg_size(const struct ir_gen_image *im, int *w, int *h)
{
    char head[1024];
    size_t n = im->len < sizeof head - 1 ? im->len : sizeof head - 1;
    const char *p;

    memcpy(head, im->bytes, n);
    head[n] = '\0';
    if ((p = strstr(head, " width=\"")) != NULL)
        *w = (int)strtol(p + 8, NULL, 10);
    if ((p = strstr(head, " height=\"")) != NULL)
        *h = (int)strtol(p + 9, NULL, 10);
}

ir_err
ir_routing_normalize(const struct ir_request *req,
                     const struct ir_geom_target *geom,
                     const char *provider_name, struct ir_gen_result *res,
                     struct ir_error *err)
{
    struct ir_diag d = {{0}};
    enum ir_format want = req->output_format, got;
    unsigned char *out;
    size_t i, outlen;
    int w, h;
    bool opaque;

    if (res->nimages == 0) {
        ir_error_set(err, 502, "%s returned no image", provider_name);
        ir_error_meta_str(err, "error_type", "provider_unavailable");
        err->retryable = true;
        return IR_EUPSTREAM;
    }
    for (i = 0; i < res->nimages; i++) {
        struct ir_gen_image *im = &res->images[i];

        if (im->bytes == NULL || im->len == 0) {
            ir_error_set(err, 502, "%s returned an empty image",
                         provider_name);
            err->retryable = true;
            return IR_EUPSTREAM;
        }
        got = ir_image_sniff(im->bytes, im->len);
        if (got == IR_FORMAT_UNSET) {
            ir_error_set(err, 502, "%s returned bytes that are not a "
                                   "PNG, JPEG, WebP or SVG image",
                         provider_name);
            err->retryable = true;
            return IR_EUPSTREAM;
        }
        if (got == IR_FORMAT_SVG) {
            w = geom->w;
            h = geom->h;
            normalize_svg_size(im, &w, &h);
            im->format = got;
            im->w = w;
            im->h = h;
            continue;
        }
        if (ir_image_probe(im->bytes, im->len, &w, &h, &got, &d) != IR_OK) {
            ir_error_set(err, 502, "%s returned an unreadable image: %s",
                         provider_name, d.msg);
            err->retryable = true;
            return IR_EUPSTREAM;
        }
        opaque = want == IR_FORMAT_JPEG ||
                 req->background == IR_BACKGROUND_OPAQUE;
        if (want != IR_FORMAT_UNSET && want != IR_FORMAT_SVG &&
            want != got) {
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
