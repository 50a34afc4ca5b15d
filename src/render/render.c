/* SPDX-License-Identifier: Apache-2.0
 * render/render.c - the raster entry point: builds the scene once, paints
 * coarse previews (low resolution, scaled up) and then the
 * final image at full size with grain.
 */
#include "render/render.h"

#include <string.h>

#include "render/paint.h"
#include "render/prng.h"
#include "render/scene.h"
#include "util/mem.h"

#define RENDER_MAX_PARTIALS 3

static ir_err render_partial(const struct ir_render_scene *s, int index,
                             int npartials,
                             struct ir_pixels *full) IR_MUST_CHECK;

uint64_t
ir_render_prompt_seed(const char *prompt)
{
    if (prompt == NULL)
        prompt = "";
    return ir_render_prng_hash(prompt, strlen(prompt));
}

/* Preview index of npartials: 1/16, 1/8, 1/4 of the size for three
 * (1/8, 1/4 for two; 1/4 for one), scaled up into full, the final
 * image's buffer: a blurry whole that sharpens, like a diffusion
 * preview. Holding some shapes back for later previews was tried and
 * made previews drift away from the final as often as towards it. */
static ir_err
render_partial(const struct ir_render_scene *s, int index, int npartials,
               struct ir_pixels *full)
{
    struct ir_pixels small;
    int f = 1 << (npartials + 1 - index);
    int w = (s->w + f / 2) / f, h = (s->h + f / 2) / f;
    ir_err e;

    e = ir_pixels_alloc(&small, w > 0 ? w : 1, h > 0 ? h : 1, full->bands);
    if (e != IR_OK)
        return e;
    ir_render_paint_scene(s, false, &small);
    /* Scale while premultiplied, so edges do not pick up dark fringes
     * from transparent neighbours. */
    ir_render_paint_upscale(&small, full);
    ir_render_paint_unpremultiply(full);
    ir_pixels_cleanup(&small);
    return IR_OK;
}

ir_err
ir_render_raster(const struct ir_render_params *p, int npartials,
                 ir_render_partial_cb *partial_cb, void *arg,
                 struct ir_pixels *out)
{
    struct ir_render_scene *s;
    int i;
    ir_err e;

    memset(out, 0, sizeof *out);
    /* ~30 KB: too big for a worker thread's stack. */
    s = ir_malloc(sizeof *s);
    if (s == NULL)
        return IR_ENOMEM;
    e = ir_render_scene_build(p, s);
    if (e != IR_OK)
        goto out;
    e = ir_pixels_alloc(out, s->w, s->h, s->transparent ? 4 : 3);
    if (e != IR_OK)
        goto out;
    if (partial_cb == NULL || npartials < 0)
        npartials = 0;
    if (npartials > RENDER_MAX_PARTIALS)
        npartials = RENDER_MAX_PARTIALS;
    for (i = 0; i < npartials; i++) {
        e = render_partial(s, i, npartials, out);
        if (e != IR_OK)
            goto out;
        partial_cb(out, i, arg);
    }
    ir_render_paint_scene(s, true, out);
    ir_render_paint_unpremultiply(out);
out:
    if (e != IR_OK)
        ir_pixels_cleanup(out);
    ir_free(s);
    return e;
}
