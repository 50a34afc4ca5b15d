/* SPDX-License-Identifier: Apache-2.0
 * render/scene.c - composes an abstract picture from prompt cues and a
 * seeded PRNG. The prompt picks the palette and one of four styles; the
 * seed lays the shapes out. All sizes are fractions of the shorter side
 * (u), so a composition keeps its look at every resolution and aspect.
 */
#include "render/scene.h"

#include <math.h>
#include <string.h>

#include "core/limits.h"
#include "render/prng.h"
#include "render/prompt.h"

#define SCENE_PI 3.14159265358979323846
/* Transparent mode: shapes stay inside this radius (in u) around the
 * centre, so the corners are always empty. */
#define SCENE_EMBLEM_R 0.46
#define SCENE_MAX_NODES 64

struct scene_ctx {
    struct ir_render_scene *s;
    struct ir_render_prng rng;
    double u;      /* the shorter side, pixels */
    double cx, cy; /* canvas centre */
    double R;      /* emblem radius (transparent mode), pixels */
    double spread; /* > 1 on long canvases: more scattered shapes */
    double detail; /* shape-count factor from quality */
};

static double scene_rand(struct scene_ctx *c, double lo, double hi);
static int scene_count(struct scene_ctx *c, int lo, int hi, bool spread);
static struct ir_render_shape *scene_add(struct scene_ctx *c,
                                         enum ir_render_shape_kind kind,
                                         int colour, int alpha);
static void scene_point(struct scene_ctx *c, double extent, double *x,
                        double *y);
static void scene_blob(struct scene_ctx *c, double x, double y, double r,
                       int colour, int alpha);
static void scene_disc(struct scene_ctx *c, double x, double y, double r,
                       int colour, int alpha);
static struct ir_render_shape *scene_ring(struct scene_ctx *c, double x,
                                          double y, double r, double stroke,
                                          int colour);
static void scene_line(struct scene_ctx *c, double x1, double y1, double x2,
                       double y2, double hw, int colour, int alpha);
static void scene_chord(struct scene_ctx *c, double angle, double offset,
                        double hw, int colour, int alpha);
static void scene_band(struct scene_ctx *c, double x, double y, double angle,
                       double hw, int colour, int alpha);
static void scene_blobs(struct scene_ctx *c, int lo, int hi);
static void scene_orbits(struct scene_ctx *c);
static void scene_strata(struct scene_ctx *c);
static void scene_constellation(struct scene_ctx *c);
static void scene_bloom(struct scene_ctx *c);
static void scene_details(struct scene_ctx *c);

static double
scene_rand(struct scene_ctx *c, double lo, double hi)
{
    return ir_render_prng_range(&c->rng, lo, hi);
}

static int
scene_count(struct scene_ctx *c, int lo, int hi, bool spread)
{
    double n = ir_render_prng_int(&c->rng, lo, hi) * c->detail;

    if (spread)
        n *= c->spread;
    return (int)lround(n);
}

/* colour: 0..ACCENTS-1 an accent, -1 a random accent, -2 the second
 * background colour. Returns NULL once the scene is full: extra detail
 * is dropped rather than failing the render. */
static struct ir_render_shape *
scene_add(struct scene_ctx *c, enum ir_render_shape_kind kind, int colour,
          int alpha)
{
    struct ir_render_scene *s = c->s;
    struct ir_render_shape *sh;

    if (colour == -1)
        colour = ir_render_prng_int(&c->rng, 0, IR_RENDER_PALETTE_ACCENTS - 1);
    if (s->nshapes >= IR_RENDER_SCENE_MAX_SHAPES)
        return NULL;
    sh = &s->shapes[s->nshapes++];
    memset(sh, 0, sizeof *sh);
    sh->kind = kind;
    memcpy(sh->rgb, colour == -2 ? s->pal.bg[1] : s->pal.accent[colour], 3);
    sh->alpha = (uint8_t)(alpha < 0 ? 0 : alpha > 255 ? 255 : alpha);
    return sh;
}

/* A centre for a shape reaching extent pixels out: anywhere (a little
 * past the edges) when opaque, inside the emblem when transparent. */
static void
scene_point(struct scene_ctx *c, double extent, double *x, double *y)
{
    double a, d;

    if (!c->s->transparent) {
        *x = scene_rand(c, -0.05, 1.05) * c->s->w;
        *y = scene_rand(c, -0.05, 1.05) * c->s->h;
        return;
    }
    a = scene_rand(c, 0, 2 * SCENE_PI);
    /* sqrt: uniform over the disc's area, not bunched at the centre. */
    d = sqrt(scene_rand(c, 0, 1)) * fmax(0, c->R - extent);
    *x = c->cx + d * cos(a);
    *y = c->cy + d * sin(a);
}

static void
scene_blob(struct scene_ctx *c, double x, double y, double r, int colour,
           int alpha)
{
    struct ir_render_shape *sh =
        scene_add(c, IR_RENDER_SHAPE_BLOB, colour, alpha);

    if (sh == NULL)
        return;
    sh->x = x;
    sh->y = y;
    sh->r = r;
}

static void
scene_disc(struct scene_ctx *c, double x, double y, double r, int colour,
           int alpha)
{
    struct ir_render_shape *sh =
        scene_add(c, IR_RENDER_SHAPE_DISC, colour, alpha);

    if (sh == NULL)
        return;
    sh->x = x;
    sh->y = y;
    sh->r = r;
}

static struct ir_render_shape *
scene_ring(struct scene_ctx *c, double x, double y, double r, double stroke,
           int colour)
{
    int alpha = ir_render_prng_int(&c->rng, 150, 240);
    struct ir_render_shape *sh =
        scene_add(c, IR_RENDER_SHAPE_RING, colour, alpha);

    if (sh == NULL)
        return NULL;
    sh->x = x;
    sh->y = y;
    sh->r = r;
    sh->stroke = stroke;
    return sh;
}

static void
scene_line(struct scene_ctx *c, double x1, double y1, double x2, double y2,
           double hw, int colour, int alpha)
{
    struct ir_render_shape *sh =
        scene_add(c, IR_RENDER_SHAPE_LINE, colour, alpha);

    if (sh == NULL)
        return;
    sh->x = x1;
    sh->y = y1;
    sh->x2 = x2;
    sh->y2 = y2;
    sh->r = hw;
}

/* A segment of direction angle, offset from the emblem's centre along
 * its normal, clipped to the emblem: the transparent-mode band. */
static void
scene_chord(struct scene_ctx *c, double angle, double offset, double hw,
            int colour, int alpha)
{
    double half = c->R * c->R - offset * offset;
    double dx = cos(angle), dy = sin(angle);
    double mx = c->cx - dy * offset, my = c->cy + dx * offset;

    if (half <= 0)
        return;
    half = sqrt(half) - hw;
    if (half <= hw)
        return;
    scene_line(c, mx - dx * half, my - dy * half, mx + dx * half,
               my + dy * half, hw, colour, alpha);
}

static void
scene_band(struct scene_ctx *c, double x, double y, double angle, double hw,
           int colour, int alpha)
{
    struct ir_render_shape *sh;

    if (c->s->transparent) {
        scene_chord(c, angle,
                    (x - c->cx) * -sin(angle) + (y - c->cy) * cos(angle), hw,
                    colour, alpha);
        return;
    }
    sh = scene_add(c, IR_RENDER_SHAPE_BAND, colour, alpha);
    if (sh == NULL)
        return;
    sh->x = x;
    sh->y = y;
    sh->angle = angle;
    sh->r = hw;
}

static void
scene_blobs(struct scene_ctx *c, int lo, int hi)
{
    int i, n = scene_count(c, lo, hi, true);
    double x, y, r;

    for (i = 0; i < n; i++) {
        r = scene_rand(c, 0.3, 0.7) * c->u;
        if (c->s->transparent)
            r = fmin(r, c->R * scene_rand(c, 0.5, 1));
        scene_point(c, r, &x, &y);
        scene_blob(c, x, y, r, -1, ir_render_prng_int(&c->rng, 80, 160));
    }
}

/* Rings around a focal point, some cut to arcs, with a core and
 * "planets" sitting on the visible part of the rings. */
static void
scene_orbits(struct scene_ctx *c)
{
    struct ir_render_scene *s = c->s;
    double fx = s->transparent ? c->cx : scene_rand(c, 0.3, 0.7) * s->w;
    double fy = s->transparent ? c->cy : scene_rand(c, 0.3, 0.7) * s->h;
    double core = scene_rand(c, 0.05, 0.12) * c->u, rmax, r, a;
    int i, n;

    scene_blob(c, fx, fy, s->transparent ? c->R : 0.6 * c->u, 0, 170);
    scene_blobs(c, 1, 3);
    if (!s->transparent && ir_render_prng_int(&c->rng, 0, 1))
        scene_band(c, fx, fy, scene_rand(c, 0, SCENE_PI),
                   scene_rand(c, 0.05, 0.15) * c->u, -1, 60);
    scene_disc(c, fx, fy, core, 1, 255);
    rmax =
        s->transparent ? c->R - 0.03 * c->u : scene_rand(c, 0.42, 0.6) * c->u;
    n = scene_count(c, 3, 6, false);
    for (i = 0; i < n; i++) {
        struct ir_render_shape *ring;

        r = core + 0.03 * c->u +
            (rmax - core - 0.03 * c->u) * (i + scene_rand(c, 0.6, 1)) / n;
        ring = scene_ring(c, fx, fy, r, scene_rand(c, 0.003, 0.025) * c->u, -1);
        if (ring == NULL)
            break;
        a = scene_rand(c, 0, 2 * SCENE_PI);
        if (scene_rand(c, 0, 1) < 0.45) {
            ring->arc = true;
            ring->nx = cos(a);
            ring->ny = sin(a);
            ring->cut = r * scene_rand(c, -0.6, 0.4);
        }
        /* A planet at the arc's middle is always on the visible part. */
        if (scene_rand(c, 0, 1) < 0.6)
            scene_disc(c, fx + r * cos(a), fy + r * sin(a),
                       scene_rand(c, 0.012, 0.035) * c->u, -1, 255);
    }
    n = s->transparent ? 0 : scene_count(c, 0, 2, false);
    for (i = 0; i < n; i++) {
        a = scene_rand(c, 0, SCENE_PI);
        r = scene_rand(c, 0.3, 0.6) * c->u;
        scene_line(c, fx - r * cos(a), fy - r * sin(a),
                   fx + r * cos(a) + 0.2 * c->u, fy + r * sin(a),
                   scene_rand(c, 0.0015, 0.004) * c->u, -1, 220);
    }
}

/* Parallel bands at a shallow angle in front of a sun, like a horizon. */
static void
scene_strata(struct scene_ctx *c)
{
    struct ir_render_scene *s = c->s;
    double a = scene_rand(c, -0.35, 0.35), hw, t, sx, sy, sr;
    int i, n;

    sr = scene_rand(c, 0.1, 0.2) * c->u;
    if (s->transparent) {
        sx = c->cx + scene_rand(c, -0.15, 0.15) * c->u;
        sy = c->cy - scene_rand(c, 0.05, 0.18) * c->u;
    } else {
        sx = scene_rand(c, 0.2, 0.8) * s->w;
        sy = scene_rand(c, 0.15, 0.5) * s->h;
    }
    scene_blob(c, sx, sy, s->transparent ? sr * 1.8 : sr * 2.8, 0, 130);
    scene_blobs(c, 0, 2);
    scene_disc(c, sx, sy, sr, 0, 235);
    n = scene_count(c, 3, 6, false);
    for (i = 0; i < n; i++) {
        hw = scene_rand(c, 0.025, 0.1) * c->u;
        t = (i + scene_rand(c, 0.2, 0.8)) / n;
        if (s->transparent)
            scene_chord(c, a, c->R * (1.5 * t - 0.4), hw,
                        (i + 1) % IR_RENDER_PALETTE_ACCENTS,
                        ir_render_prng_int(&c->rng, 160, 240));
        else
            scene_band(c, s->w / 2.0, s->h * (0.3 + 0.75 * t),
                       a + scene_rand(c, -0.04, 0.04), hw,
                       i % 3 == 2 ? -2 : (i + 1) % IR_RENDER_PALETTE_ACCENTS,
                       ir_render_prng_int(&c->rng, 110, 210));
    }
    n = scene_count(c, 2, 5, false);
    for (i = 0; i < n; i++) {
        hw = scene_rand(c, 0.0015, 0.005) * c->u;
        t = scene_rand(c, 0, 1);
        if (s->transparent)
            scene_chord(c, a, c->R * (1.8 * t - 0.9), hw, -1, 230);
        else
            scene_band(c, s->w / 2.0, s->h * (0.1 + 0.9 * t), a, hw, -1,
                       ir_render_prng_int(&c->rng, 170, 230));
    }
}

/* Dots joined to their nearest earlier neighbour: a tree, so lines
 * rarely cross, with a few rings marking the bigger stars. */
static void
scene_constellation(struct scene_ctx *c)
{
    double nx[SCENE_MAX_NODES], ny[SCENE_MAX_NODES], nr[SCENE_MAX_NODES];
    int i, j, best, n = scene_count(c, 10, 20, true);
    double d, bestd;

    if (n > SCENE_MAX_NODES)
        n = SCENE_MAX_NODES;
    scene_blobs(c, 2, 3);
    for (i = 0; i < n; i++) {
        nr[i] = scene_rand(c, 0, 1) < 0.2 ? scene_rand(c, 0.02, 0.035)
                                          : scene_rand(c, 0.005, 0.014);
        nr[i] *= c->u;
        scene_point(c, nr[i] + 0.02 * c->u, &nx[i], &ny[i]);
        if (!c->s->transparent) {
            /* Keep stars on the canvas: scene_point overshoots edges. */
            nx[i] = fmin(fmax(nx[i], 0.04 * c->s->w), 0.96 * c->s->w);
            ny[i] = fmin(fmax(ny[i], 0.04 * c->s->h), 0.96 * c->s->h);
        }
    }
    for (i = 1; i < n; i++) {
        best = 0;
        bestd = 1e300;
        for (j = 0; j < i; j++) {
            d = (nx[i] - nx[j]) * (nx[i] - nx[j]) +
                (ny[i] - ny[j]) * (ny[i] - ny[j]);
            if (d < bestd) {
                bestd = d;
                best = j;
            }
        }
        scene_line(c, nx[best], ny[best], nx[i], ny[i],
                   scene_rand(c, 0.0012, 0.0025) * c->u, -1,
                   ir_render_prng_int(&c->rng, 130, 200));
    }
    for (i = 0; i < n; i++)
        if (nr[i] > 0.02 * c->u && scene_rand(c, 0, 1) < 0.6)
            (void)scene_ring(c, nx[i], ny[i], nr[i] * 2.2, 0.003 * c->u, -1);
    for (i = 0; i < n; i++)
        scene_disc(c, nx[i], ny[i], nr[i], -1, 255);
}

/* Overlapping translucent discs, largest first, a few rings and lines. */
static void
scene_bloom(struct scene_ctx *c)
{
    double r[24], x, y, a, len;
    int i, j, n = scene_count(c, 5, 9, true);

    if (n > 24)
        n = 24;
    scene_blobs(c, 3, 4);
    for (i = 0; i < n; i++)
        r[i] = scene_rand(c, 0.08, 0.3) * c->u;
    for (i = 1; i < n; i++) /* largest first: small ones stay visible */
        for (j = i; j > 0 && r[j - 1] < r[j]; j--) {
            a = r[j];
            r[j] = r[j - 1];
            r[j - 1] = a;
        }
    for (i = 0; i < n; i++) {
        scene_point(c, r[i], &x, &y);
        scene_disc(c, x, y, r[i], -1, ir_render_prng_int(&c->rng, 110, 190));
    }
    n = scene_count(c, 2, 3, false);
    for (i = 0; i < n; i++) {
        len = scene_rand(c, 0.1, 0.3) * c->u;
        scene_point(c, len, &x, &y);
        (void)scene_ring(c, x, y, len, scene_rand(c, 0.006, 0.02) * c->u, -1);
    }
    n = scene_count(c, 1, 3, false);
    for (i = 0; i < n; i++) {
        a = scene_rand(c, 0, SCENE_PI);
        if (c->s->transparent) {
            scene_chord(c, a, c->R * scene_rand(c, -0.7, 0.7), 0.003 * c->u, -1,
                        230);
            continue;
        }
        scene_point(c, 0, &x, &y);
        len = c->u * scene_rand(c, 0.5, 1.2);
        scene_line(c, x - len * cos(a), y - len * sin(a), x + len * cos(a),
                   y + len * sin(a), scene_rand(c, 0.0015, 0.004) * c->u, -1,
                   220);
    }
}

/* A sprinkle of small dots; how many depends on quality. */
static void
scene_details(struct scene_ctx *c)
{
    int i, n = c->detail < 0.9 ? 0 : scene_count(c, 4, 12, true);
    double x, y, r;

    for (i = 0; i < n; i++) {
        r = scene_rand(c, 0.003, 0.01) * c->u;
        scene_point(c, r, &x, &y);
        scene_disc(c, x, y, r, -1, ir_render_prng_int(&c->rng, 200, 255));
    }
}

ir_err
ir_render_scene_build(const struct ir_render_params *p,
                      struct ir_render_scene *out)
{
    struct ir_render_prompt cues;
    struct scene_ctx c;
    double lo, hi;

    if (p->w <= 0 || p->h <= 0 || p->w > IR_MAX_SIDE || p->h > IR_MAX_SIDE ||
        (long long)p->w * p->h > IR_MAX_PIXELS)
        return IR_EINVAL;
    memset(out, 0, sizeof *out);
    out->w = p->w;
    out->h = p->h;
    out->transparent = p->transparent;
    ir_render_prompt_read(p->prompt, &cues);
    memset(&c, 0, sizeof c);
    c.s = out;
    /* Layout depends on prompt and seed; mixing the seed first keeps
     * seeds n and n+1 (the images of one request) unrelated. */
    ir_render_prng_seed(&c.rng, cues.hash ^ ir_render_prng_mix(p->seed));
    lo = fmin(p->w, p->h);
    hi = fmax(p->w, p->h);
    c.u = lo;
    c.cx = p->w / 2.0;
    c.cy = p->h / 2.0;
    c.R = SCENE_EMBLEM_R * lo;
    c.spread = fmin(sqrt(hi / lo), 2.5);
    c.detail = p->detail == 1 ? 0.6 : p->detail >= 3 ? 1.5 : 1.0;

    ir_render_palette_build(p, &cues, &c.rng, &out->pal);
    out->bg_angle = scene_rand(&c, 0, 2 * SCENE_PI);
    out->vignette = p->transparent ? 0 : scene_rand(&c, 0.15, 0.35);
    out->grain_seed = (uint32_t)ir_render_prng_next(&c.rng);
    out->grain = p->detail == 1 ? 2 : 3;
    switch (cues.style) {
    case IR_RENDER_STYLE_ORBITS:
        scene_orbits(&c);
        break;
    case IR_RENDER_STYLE_STRATA:
        scene_strata(&c);
        break;
    case IR_RENDER_STYLE_CONSTELLATION:
        scene_constellation(&c);
        break;
    default:
        scene_bloom(&c);
        break;
    }
    scene_details(&c);
    return IR_OK;
}
