/* SPDX-License-Identifier: Apache-2.0
 * render/scene.h - a composition as data: background, palette and an
 * ordered list of shapes in full-size pixel coordinates. Built once from
 * the params, then painted at any scale (previews, final) or written as
 * SVG, so every output of one request shows the same picture.
 */
#ifndef IR_RENDER_SCENE_H
#define IR_RENDER_SCENE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "render/palette.h"
#include "render/render.h"
#include "util/err.h"

#define IR_RENDER_SCENE_MAX_SHAPES 256

enum ir_render_shape_kind {
    IR_RENDER_SHAPE_BLOB, /* soft radial glow, alpha falls to 0 at r */
    IR_RENDER_SHAPE_DISC,
    IR_RENDER_SHAPE_RING, /* stroked circle, optionally cut to an arc */
    IR_RENDER_SHAPE_BAND, /* strip across the whole canvas */
    IR_RENDER_SHAPE_LINE, /* round-capped segment */
};

struct ir_render_shape {
    enum ir_render_shape_kind kind;
    double x, y;   /* centre; band: a point on its axis; line: start */
    double x2, y2; /* line: end */
    double r;      /* radius (ring: of the stroke's middle); band and
                      line: half width */
    double stroke; /* ring: stroke width */
    double angle;  /* band: direction along the strip, radians */
    bool arc;      /* ring: keep only points p with (p-c).n >= cut */
    double nx, ny; /* ring: unit normal of the cut */
    double cut;    /* ring: signed distance of the cut from the centre */
    uint8_t rgb[3];
    uint8_t alpha; /* peak opacity */
};

struct ir_render_scene {
    int w, h;
    bool transparent; /* no background; shapes form a centred emblem */
    struct ir_render_palette pal;
    double bg_angle; /* background gradient direction, radians */
    double vignette; /* corner darkening, 0..0.4 */
    uint32_t grain_seed;
    int grain; /* grain amplitude in 8-bit levels; 0 = none */
    size_t nshapes;
    struct ir_render_shape shapes[IR_RENDER_SCENE_MAX_SHAPES];
};

/* Fails with IR_EINVAL when the size is out of range. */
ir_err ir_render_scene_build(const struct ir_render_params *p,
                             struct ir_render_scene *out) IR_MUST_CHECK;

#endif
