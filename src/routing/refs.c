/* SPDX-License-Identifier: Apache-2.0
 * routing/refs.c - parallel, SSRF-guarded download of reference images.
 */
#include "routing/refs.h"

#include <stdio.h>
#include <string.h>

#include "catalog/catalog.h"
#include "core/limits.h"
#include "image/image.h"
#include "providers/provider.h"
#include "upstream/client.h"
#include "util/mem.h"

#define REFS_TIMEOUT_MS 30000

struct refs_one {
    struct ir_refs_fetch *f;
    size_t index;
    struct ir_upstream_req *ureq;
};

struct ir_refs_fetch {
    struct ir_server *srv;
    struct ir_request *req;
    ir_refs_done_cb *done;
    void *arg;
    struct refs_one one[IR_MAX_REFS];
    size_t pending;
    struct ir_error err;
};

bool
ir_routing_refs_needed(const struct ir_request *req,
                       const struct ir_plan *plan)
{
    size_t i;
    bool any_url = false;

    for (i = 0; i < req->nrefs; i++)
        if (req->refs[i].bytes == NULL)
            any_url = true;
    if (!any_url)
        return false;
    for (i = 0; i < plan->n; i++)
        if (!plan->e[i].ep->adapter->ref_urls_ok)
            return true;
    return false;
}

static void
refs_free(struct ir_refs_fetch *f)
{
    size_t i;

    for (i = 0; i < IR_MAX_REFS; i++)
        ir_upstream_req_free(f->one[i].ureq);
    ir_error_cleanup(&f->err);
    ir_free(f);
}

static void
refs_one_done(struct ir_upstream_req *r, void *arg)
{
    struct refs_one *o = arg;
    struct ir_refs_fetch *f = o->f;
    struct ir_ref *ref = &f->req->refs[o->index];
    const struct ir_http_resp *resp = ir_upstream_resp(r);
    enum ir_upstream_fail fail = ir_upstream_failure(r);
    enum ir_format fmt;

    if (f->err.status == 0) {
        if (fail == IR_UPSTREAM_BLOCKED) {
            ir_error_set(&f->err, 400,
                         "input_references[%zu]: the URL resolves to a "
                         "private or loopback address, which this router "
                         "does not fetch", o->index);
        } else if (fail == IR_UPSTREAM_TOO_BIG) {
            ir_error_set(&f->err, 400,
                         "input_references[%zu]: the image is over %u "
                         "bytes", o->index, IR_MAX_REF_BYTES);
        } else if (fail != IR_UPSTREAM_OK) {
            ir_error_set(&f->err, 400,
                         "input_references[%zu]: downloading %s failed: %s",
                         o->index, ref->url, ir_upstream_errmsg(r));
        } else if (resp->status != 200) {
            ir_error_set(&f->err, 400,
                         "input_references[%zu]: %s answered HTTP %d",
                         o->index, ref->url, resp->status);
        } else if ((fmt = ir_image_sniff(resp->body, resp->len)) ==
                       IR_FORMAT_UNSET ||
                   fmt == IR_FORMAT_SVG) {
            ir_error_set(&f->err, 400,
                         "input_references[%zu]: %s is not a PNG, JPEG or "
                         "WebP image", o->index, ref->url);
        } else {
            ref->bytes = (unsigned char *)ir_upstream_take_body(r, &ref->len);
            (void)snprintf(ref->media_type, sizeof ref->media_type, "%s",
                           ir_image_media_type(fmt));
        }
        if (f->err.status != 0) {
            ir_error_meta_str(&f->err, "error_type", "image_download_failed");
            ir_error_meta_str(&f->err, "param", "input_references");
        }
    }
    ir_upstream_req_free(r);
    o->ureq = NULL;
    if (--f->pending == 0) {
        f->done(&f->err, f->arg);
        refs_free(f);
    }
}

ir_err
ir_routing_refs_fetch(struct ir_server *srv, struct ir_request *req,
                      ir_refs_done_cb *done, void *arg,
                      struct ir_refs_fetch **out)
{
    struct ir_refs_fetch *f = ir_calloc(1, sizeof *f);
    struct ir_upstream_opts o = {0};
    size_t i;

    if (f == NULL)
        return IR_ENOMEM;
    f->srv = srv;
    f->req = req;
    f->done = done;
    f->arg = arg;
    o.connect_timeout_ms = 10000;
    o.total_timeout_ms = REFS_TIMEOUT_MS;
    o.max_body = IR_MAX_REF_BYTES;
    o.public_only = !srv->cfg.allow_private_refs;
    for (i = 0; i < req->nrefs; i++) {
        struct ir_http_req hr;

        if (req->refs[i].bytes != NULL)
            continue;
        memset(&hr, 0, sizeof hr);
        (void)snprintf(hr.method, sizeof hr.method, "GET");
        hr.url = ir_strdup(req->refs[i].url);
        if (hr.url == NULL ||
            ir_http_req_header(&hr, "Accept",
                               "image/png, image/jpeg, image/webp") !=
                IR_OK) {
            ir_http_req_cleanup(&hr);
            goto fail;
        }
        f->one[i].f = f;
        f->one[i].index = i;
        if (ir_upstream_send(srv->upstream, &hr, &o, NULL, refs_one_done,
                             &f->one[i], &f->one[i].ureq) != IR_OK)
            goto fail;
        f->pending++;
    }
    if (f->pending == 0) {
        refs_free(f);
        return IR_EINVAL;
    }
    *out = f;
    return IR_OK;
fail:
    refs_free(f);
    return IR_ENOMEM;
}

void
ir_routing_refs_cancel(struct ir_refs_fetch *f)
{
    refs_free(f);
}
