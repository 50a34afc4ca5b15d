/* SPDX-License-Identifier: Apache-2.0
 * render/palette.h - the colours one composition uses: two background
 * gradient ends and accents, from reference colours when given, else
 * from the prompt (named colours first, then a hue scheme from its hash).
 */
#ifndef IR_RENDER_PALETTE_H
#define IR_RENDER_PALETTE_H

#include <stdbool.h>
#include <stdint.h>

#include "render/prng.h"
#include "render/prompt.h"
#include "render/render.h"

#define IR_RENDER_PALETTE_ACCENTS 5

struct ir_render_palette {
    uint8_t bg[2][3];                             /* gradient ends */
    uint8_t accent[IR_RENDER_PALETTE_ACCENTS][3]; /* shape colours */
    bool dark;                                    /* background is dark */
};

/* rng (seeded from prompt and seed) adds small per-seed variation. */
void ir_render_palette_build(const struct ir_render_params *p,
                             const struct ir_render_prompt *cues,
                             struct ir_render_prng *rng,
                             struct ir_render_palette *out);

#endif
