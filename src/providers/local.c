/* SPDX-License-Identifier: Apache-2.0
 * providers/local.c - the built-in "local" provider: runs the procedural
 * renderer on a worker thread. "abstract" gives png/jpeg/webp, "abstract-
 * vector" gives SVG; reference images tint the palette; when streaming,
 * coarse-to-fine previews go out through the partial callback.
 */
#include "providers/registry.h"

#include <stdint.h>
#include <stdatomic.h>
#include <string.h>

#include "image/image.h"
#include "render/render.h"
#include "util/log.h"
#include "util/mem.h"

#define LOCAL_DEFAULT_SIDE 1024
#define LOCAL_DEFAULT_PARTIALS 2
#define LOCAL_MAX_PARTIALS 3
/* Colours taken from one reference image. */
#define LOCAL_REF_COLOURS 6

/* How one call is rendered, read from the call and request once. */
struct local_plan {
    bool vector;
    int w, h, n;
    uint64_t seed;
    enum ir_format fmt;
    int compression; /* -1: the codec default */
    int npartials;   /* previews of the first image */
};

/* Carries the engine's callback through the renderer's callback. */
struct local_partial {
    const struct local_plan *plan;
    ir_local_partial_cb *cb;
    void *cbarg;
    ir_err e; /* first failure; later previews are skipped */
    struct ir_diag d;
};

static ir_err local_run(const struct ir_call *c, ir_local_partial_cb *cb,
                        void *cbarg, struct ir_gen_result *out,
                        struct ir_error *err);
static ir_err local_plan(const struct ir_call *c, struct local_plan *plan,
                         struct ir_error *err) IR_MUST_CHECK;
static void local_params(const struct ir_call *c, const struct local_plan *plan,
                         struct ir_render_params *p);
static void local_ref_palette(const struct ir_request *req,
                              struct ir_render_params *p);
static void local_on_partial(const struct ir_pixels *px, int index, void *arg);
static ir_err local_render_one(const struct local_plan *plan,
                               const struct ir_render_params *p,
                               struct local_partial *lp,
                               struct ir_gen_image *img,
                               struct ir_diag *d) IR_MUST_CHECK;

const struct ir_provider ir_provider_local = {
    .name = "local",
    .mode = IR_ENGINE_LOCAL,
    .local_run = local_run,
};

static ir_err
local_plan(const struct ir_call *c, struct local_plan *plan,
           struct ir_error *err)
{
    const struct ir_request *req = c->req;
    const char *model = c->upstream_model != NULL ? c->upstream_model : "";

    memset(plan, 0, sizeof *plan);
    if (strcmp(model, "abstract-vector") == 0) {
        plan->vector = true;
    } else if (strcmp(model, "abstract") != 0) {
        ir_error_set(err, 500, "local provider: unknown model \"%.64s\"",
                     model);
        return IR_EINVAL;
    }
    plan->w = c->geom.w > 0 ? c->geom.w : LOCAL_DEFAULT_SIDE;
    plan->h = c->geom.h > 0 ? c->geom.h : LOCAL_DEFAULT_SIDE;
    if (plan->w > IR_MAX_SIDE || plan->h > IR_MAX_SIDE ||
        (long long)plan->w * plan->h > IR_MAX_PIXELS) {
        ir_error_set(err, 400, "size %dx%d is over the %lld pixel limit",
                     plan->w, plan->h, (long long)IR_MAX_PIXELS);
        return IR_ETOOBIG;
    }
    plan->n = c->n < 1 ? 1 : c->n > IR_MAX_N ? IR_MAX_N : c->n;
    plan->seed = (req->seed_set ? (uint64_t)req->seed
                                : ir_render_prompt_seed(req->prompt)) +
                 (uint64_t)c->image_offset;
    plan->fmt = req->output_format;
    if (plan->vector || plan->fmt == IR_FORMAT_SVG) {
        plan->vector = true;
        plan->fmt = IR_FORMAT_SVG;
    } else if (plan->fmt == IR_FORMAT_UNSET) {
        plan->fmt = IR_FORMAT_PNG;
    }
    plan->compression =
        req->output_compression_set ? req->output_compression : -1;
    /* SVG is produced whole; there is nothing coarse to preview. */
    if (c->stream && !plan->vector) {
        plan->npartials =
            c->partial_images > 0 ? c->partial_images : LOCAL_DEFAULT_PARTIALS;
        if (plan->npartials > LOCAL_MAX_PARTIALS)
            plan->npartials = LOCAL_MAX_PARTIALS;
    }
    return IR_OK;
}

/* Each reference adds its commonest colours (a fair share of the
 * palette, at least two), in reference order. References that cannot
 * be read only lose their tint: the picture does not depend on them. */
static void
local_ref_palette(const struct ir_request *req, struct ir_render_params *p)
{
    uint8_t rgb[LOCAL_REF_COLOURS][3];
    size_t i, k, n, usable = 0, share;
    struct ir_diag d;

    for (i = 0; i < req->nrefs; i++)
        usable += req->refs[i].bytes != NULL;
    if (usable == 0)
        return;
    share = IR_RENDER_MAX_PALETTE / usable;
    share = share < 2                   ? 2
            : share > LOCAL_REF_COLOURS ? LOCAL_REF_COLOURS
                                        : share;
    for (i = 0; i < req->nrefs && p->npalette < IR_RENDER_MAX_PALETTE; i++) {
        const struct ir_ref *ref = &req->refs[i];

        if (ref->bytes == NULL)
            continue;
        d.msg[0] = '\0';
        if (ir_image_palette(ref->bytes, ref->len, rgb, share, &n, &d) !=
            IR_OK) {
            ir_log_warn("local: input_references[%zu] ignored: %s", i, d.msg);
            continue;
        }
        for (k = 0; k < n && p->npalette < IR_RENDER_MAX_PALETTE; k++)
            memcpy(p->palette[p->npalette++], rgb[k], 3);
    }
}

static void
local_params(const struct ir_call *c, const struct local_plan *plan,
             struct ir_render_params *p)
{
    const struct ir_request *req = c->req;

    memset(p, 0, sizeof *p);
    p->prompt = req->prompt;
    p->w = plan->w;
    p->h = plan->h;
    /* JPEG cannot carry alpha (validation rejects the combination). */
    p->transparent = req->background == IR_BACKGROUND_TRANSPARENT &&
                     plan->fmt != IR_FORMAT_JPEG;
    switch (req->quality) {
    case IR_QUALITY_LOW:
        p->detail = 1;
        break;
    case IR_QUALITY_HIGH:
    case IR_QUALITY_XHIGH:
    case IR_QUALITY_MAX:
        p->detail = 3;
        break;
    default:
        p->detail = 2;
        break;
    }
    local_ref_palette(req, p);
}

static void
local_on_partial(const struct ir_pixels *px, int index, void *arg)
{
    struct local_partial *lp = arg;
    unsigned char *bytes = NULL;
    size_t len = 0;

    if (lp->e != IR_OK)
        return;
    lp->e = ir_image_encode(px, lp->plan->fmt, lp->plan->compression, &bytes,
                            &len, &lp->d);
    if (lp->e != IR_OK)
        return;
    lp->cb(bytes, len, lp->plan->fmt, index, lp->cbarg);
    ir_free(bytes);
}

static ir_err
local_render_one(const struct local_plan *plan,
                 const struct ir_render_params *p, struct local_partial *lp,
                 struct ir_gen_image *img, struct ir_diag *d)
{
    struct ir_pixels px;
    char *svg = NULL;
    ir_err e;

    img->format = plan->fmt;
    img->w = plan->w;
    img->h = plan->h;
    if (plan->vector) {
        e = ir_render_svg(p, &svg, &img->len);
        if (e != IR_OK) {
            ir_diag_set(d, "svg render: %s", ir_strerror(e));
            return e;
        }
        img->bytes = (unsigned char *)svg;
        return IR_OK;
    }
    e = ir_render_raster(p, lp != NULL ? plan->npartials : 0, local_on_partial,
                         lp, &px);
    if (e != IR_OK) {
        ir_diag_set(d, "render: %s", ir_strerror(e));
        return e;
    }
    if (lp != NULL && lp->e != IR_OK) {
        e = lp->e;
        *d = lp->d;
        goto out;
    }
    e = ir_image_encode(&px, plan->fmt, plan->compression, &img->bytes,
                        &img->len, d);
out:
    ir_pixels_cleanup(&px);
    return e;
}

static ir_err
local_run(const struct ir_call *c, ir_local_partial_cb *cb, void *cbarg,
          struct ir_gen_result *out, struct ir_error *err)
{
    struct local_plan plan;
    struct ir_render_params p;
    struct local_partial lp;
    struct ir_diag d = {{0}};
    int i;
    ir_err e;

    memset(out, 0, sizeof *out);
    out->outcome = IR_PARSE_DONE;
    e = local_plan(c, &plan, err);
    if (e != IR_OK)
        return e;
    local_params(c, &plan, &p);
    memset(&lp, 0, sizeof lp);
    lp.plan = &plan;
    lp.cb = cb;
    lp.cbarg = cbarg;
    for (i = 0; i < plan.n; i++) {
        /* The caller left: stop rather than render images nobody gets. */
        if (c->cancelled != NULL && atomic_load(c->cancelled)) {
            e = IR_ECANCELLED;
            goto out;
        }
        p.seed = plan.seed + (uint64_t)i;
        /* Previews belong to the first image only. */
        e = local_render_one(
            &plan, &p, i == 0 && cb != NULL && plan.npartials > 0 ? &lp : NULL,
            &out->images[i], &d);
        if (e != IR_OK)
            goto out;
        out->nimages++;
    }
out:
    if (e != IR_OK) {
        ir_error_set(err, 500, "local renderer failed: %s",
                     d.msg[0] != '\0' ? d.msg : ir_strerror(e));
        ir_gen_result_cleanup(out);
    }
    return e;
}
