/* SPDX-License-Identifier: Apache-2.0
 * render/render.h - the built-in procedural renderer. Deterministic: the
 * same params give byte-identical pixels; the prompt and seed steer the
 * composition, the palette (e.g. from reference images) tints it.
 * CPU-bound: call from worker threads.
 */
#ifndef IR_RENDER_RENDER_H
#define IR_RENDER_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/image.h"
#include "util/err.h"

#define IR_RENDER_MAX_PALETTE 16

struct ir_render_params {
    const char *prompt;
    uint64_t seed;
    int w, h;
    bool transparent; /* RGBA with a transparent background */
    uint8_t palette[IR_RENDER_MAX_PALETTE][3]; /* reference colours */
    size_t npalette;                           /* 0 = from prompt/seed */
    int detail; /* 1 low, 2 medium, 3 high (more shapes); 0 = medium */
};

/* The seed used when the caller gives none: a hash of the prompt, so a
 * prompt alone always gives the same picture. prompt may be NULL. */
uint64_t ir_render_prompt_seed(const char *prompt);

/* A coarser rendering of the same image; partial is borrowed. */
typedef void ir_render_partial_cb(const struct ir_pixels *partial,
                                  int index, void *arg);

/* Renders the final image into out (3 or 4 bands). Before that, calls
 * partial_cb npartials times (0..3) with coarse-to-fine previews. */
ir_err ir_render_raster(const struct ir_render_params *p, int npartials,
                        ir_render_partial_cb *partial_cb, void *arg,
                        struct ir_pixels *out) IR_MUST_CHECK;

/* Renders vector art as SVG markup (UTF-8, NUL-terminated) of the same
 * composition as the raster (less grain); caller frees *svg. */
ir_err ir_render_svg(const struct ir_render_params *p, char **svg,
                     size_t *len) IR_MUST_CHECK;

#endif
