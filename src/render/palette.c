/* SPDX-License-Identifier: Apache-2.0
 * render/palette.c - builds a composition's colours in HSL, where "same
 * hue, darker" and "the complementary hue" are one-line operations.
 */
#include "render/palette.h"

#include <math.h>
#include <string.h>

/* Hue offsets (degrees) of the accent schemes, cycled over accents. */
static const double palette_schemes[][3] = {
    {0, 30, -30},  /* analogous */
    {0, 180, 20},  /* complementary */
    {0, 120, 240}, /* triad */
    {0, 150, 210}, /* split complementary */
    {0, 0, 15},    /* monochrome */
};

struct palette_hsl {
    double h, s, l; /* h in degrees [0, 360), s and l in [0, 1] */
};

static struct palette_hsl palette_from_rgb(const uint8_t rgb[3]);
static void palette_to_rgb(struct palette_hsl c, uint8_t rgb[3]);
static double palette_clamp(double v, double lo, double hi);
static void palette_from_refs(const struct ir_render_params *p,
                              struct ir_render_prng *rng,
                              struct ir_render_palette *out);
static void palette_from_prompt(const struct ir_render_prompt *cues,
                                struct ir_render_prng *rng,
                                struct ir_render_palette *out);

static double
palette_clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static struct palette_hsl
palette_from_rgb(const uint8_t rgb[3])
{
    double r = rgb[0] / 255.0, g = rgb[1] / 255.0, b = rgb[2] / 255.0;
    double mx = fmax(r, fmax(g, b)), mn = fmin(r, fmin(g, b));
    double d = mx - mn;
    struct palette_hsl c = {0, 0, (mx + mn) / 2};

    if (d < 1e-9)
        return c;
    c.s = d / (1 - fabs(2 * c.l - 1));
    if (mx == r)
        c.h = 60 * fmod((g - b) / d + 6, 6);
    else if (mx == g)
        c.h = 60 * ((b - r) / d + 2);
    else
        c.h = 60 * ((r - g) / d + 4);
    return c;
}

static void
palette_to_rgb(struct palette_hsl c, uint8_t rgb[3])
{
    double h = fmod(fmod(c.h, 360) + 360, 360) / 60;
    double s = palette_clamp(c.s, 0, 1), l = palette_clamp(c.l, 0, 1);
    double ch = (1 - fabs(2 * l - 1)) * s;
    double x = ch * (1 - fabs(fmod(h, 2) - 1)), m = l - ch / 2;
    double r = 0, g = 0, b = 0;

    switch ((int)h) {
    case 0:
        r = ch;
        g = x;
        break;
    case 1:
        r = x;
        g = ch;
        break;
    case 2:
        g = ch;
        b = x;
        break;
    case 3:
        g = x;
        b = ch;
        break;
    case 4:
        r = x;
        b = ch;
        break;
    default:
        r = ch;
        b = x;
        break;
    }
    rgb[0] = (uint8_t)lround((r + m) * 255);
    rgb[1] = (uint8_t)lround((g + m) * 255);
    rgb[2] = (uint8_t)lround((b + m) * 255);
}

/* Reference colours dominate: the background is the commonest one,
 * darkened, fading to the second; accents cycle through all of them with
 * lightness nudged so repeats differ. */
static void
palette_from_refs(const struct ir_render_params *p, struct ir_render_prng *rng,
                  struct ir_render_palette *out)
{
    struct palette_hsl c0 = palette_from_rgb(p->palette[0]), c;
    size_t n = p->npalette < IR_RENDER_MAX_PALETTE ? p->npalette
                                                   : IR_RENDER_MAX_PALETTE;
    size_t i;

    out->dark = c0.l < 0.55;
    c = c0;
    c.l = out->dark ? c0.l * 0.55 : palette_clamp(c0.l * 1.1, 0, 0.95);
    palette_to_rgb(c, out->bg[0]);
    memcpy(out->bg[1], p->palette[n > 1 ? 1 : 0], 3);
    for (i = 0; i < IR_RENDER_PALETTE_ACCENTS; i++) {
        c = palette_from_rgb(p->palette[i % n]);
        if (i >= n) {
            double nudge = ir_render_prng_range(rng, 0.08, 0.2);

            c.l = palette_clamp(c.l + (out->dark ? nudge : -nudge), 0.05, 0.95);
        }
        palette_to_rgb(c, out->accent[i]);
    }
}

static void
palette_from_prompt(const struct ir_render_prompt *cues,
                    struct ir_render_prng *rng, struct ir_render_palette *out)
{
    const double *scheme;
    struct palette_hsl bg, c;
    double base, bgl;
    size_t i;

    /* Prompt-only randomness first, so the seed moves colours only a
     * little: images of one prompt read as a series. */
    base = (double)(cues->hash >> 40 & 0xFFFF) * 360.0 / 65536.0;
    if (cues->ncolours > 0) {
        c = palette_from_rgb(cues->colours[0]);
        if (c.s > 0.15)
            base = c.h;
    }
    scheme = palette_schemes[(cues->hash >> 20) % 5];
    out->dark =
        cues->mood < 0 || (cues->mood == 0 && (cues->hash >> 7) % 5 < 3);
    base += ir_render_prng_range(rng, -12, 12);

    bgl = out->dark ? ir_render_prng_range(rng, 0.07, 0.15)
                    : ir_render_prng_range(rng, 0.84, 0.92);
    bg = (struct palette_hsl){base, ir_render_prng_range(rng, 0.3, 0.6), bgl};
    palette_to_rgb(bg, out->bg[0]);
    bg.h = base + scheme[1] * 0.25 + ir_render_prng_range(rng, -10, 10);
    bg.l = out->dark ? bgl + 0.12 : bgl - 0.12;
    palette_to_rgb(bg, out->bg[1]);
    for (i = 0; i < IR_RENDER_PALETTE_ACCENTS; i++) {
        if (i < cues->ncolours) {
            memcpy(out->accent[i], cues->colours[i], 3);
            continue;
        }
        c.h = base + scheme[i % 3] + ir_render_prng_range(rng, -8, 8);
        c.s = ir_render_prng_range(rng, 0.55, 0.9);
        c.l = out->dark ? ir_render_prng_range(rng, 0.5, 0.7)
                        : ir_render_prng_range(rng, 0.35, 0.55);
        palette_to_rgb(c, out->accent[i]);
    }
}

void
ir_render_palette_build(const struct ir_render_params *p,
                        const struct ir_render_prompt *cues,
                        struct ir_render_prng *rng,
                        struct ir_render_palette *out)
{
    memset(out, 0, sizeof *out);
    if (p->npalette > 0)
        palette_from_refs(p, rng, out);
    else
        palette_from_prompt(cues, rng, out);
}
