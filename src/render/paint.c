/* SPDX-License-Identifier: Apache-2.0
 * render/paint.c - scanline painting of the scene's shapes with analytic
 * anti-aliasing: coverage comes from the distance to the edge, never
 * from supersampling. Spans are solved per row so a thin diagonal line
 * costs its length, not its bounding box.
 */
#include "render/paint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "render/prng.h"

/* One ring or disc, prepared for its row spans. */
struct paint_ring {
    double cx, cy, rin, rout; /* rin <= 0: a disc */
    double ro2;               /* outer reach (with the AA fringe) squared */
    double full_out2;         /* inside this (and outside full_in2) the */
    double full_in2;          /* coverage is 1: no sqrt needed */
    bool arc;
    double nx, ny, cut;
    const uint8_t *rgb;
    double alpha;
};

struct paint_scale {
    double sx, sy, sr; /* x, y and length scale from scene to canvas */
};

static int paint_clampi(double v, int lo, int hi);
static void paint_put(unsigned char *p, int bands, const uint8_t *rgb, int a);
static void paint_background(const struct ir_render_scene *s,
                             struct ir_pixels *cv);
static void paint_blob(const struct ir_render_shape *sh,
                       const struct paint_scale *k, struct ir_pixels *cv);
static void paint_ring_span(const struct paint_ring *rg, int y, double dy2,
                            double xa, double xb, struct ir_pixels *cv);
static void paint_ring(const struct ir_render_shape *sh,
                       const struct paint_scale *k, struct ir_pixels *cv);
static bool paint_row_span(double nx, double c, double lim, int w, int *x0,
                           int *x1);
static void paint_band(const struct ir_render_shape *sh,
                       const struct paint_scale *k, struct ir_pixels *cv);
static void paint_line(const struct ir_render_shape *sh,
                       const struct paint_scale *k, struct ir_pixels *cv);
static void paint_grain(const struct ir_render_scene *s, struct ir_pixels *cv);
static void paint_src_pos(int i, int dst, int src, int *i0, int *i1, int *wt);

/* NaN-safe clamp to an int range (NaN maps to lo). */
static int
paint_clampi(double v, int lo, int hi)
{
    if (!(v > lo))
        return lo;
    if (v > hi)
        return hi;
    return (int)v;
}

/* v / 255 rounded, exact for v <= 255 * 255 + 255. */
static inline unsigned
paint_div255(unsigned v)
{
    v += 128;
    return (v + (v >> 8)) >> 8;
}

/* "over" with straight source colour into a premultiplied destination:
 * the same lerp serves RGB and RGBA. */
static void
paint_put(unsigned char *p, int bands, const uint8_t *rgb, int a)
{
    unsigned ia = 255u - (unsigned)a, ua = (unsigned)a;

    p[0] = (unsigned char)paint_div255(rgb[0] * ua + p[0] * ia);
    p[1] = (unsigned char)paint_div255(rgb[1] * ua + p[1] * ia);
    p[2] = (unsigned char)paint_div255(rgb[2] * ua + p[2] * ia);
    if (bands == 4)
        p[3] = (unsigned char)paint_div255(255u * ua + p[3] * ia);
}

/* Linear gradient between the background colours, its ends on the
 * canvas corners whatever the angle, darkened towards the corners. */
static void
paint_background(const struct ir_render_scene *s, struct ir_pixels *cv)
{
    const uint8_t *c0 = s->pal.bg[0], *c1 = s->pal.bg[1];
    double ca = cos(s->bg_angle), sa = sin(s->bg_angle);
    double k = fabs(ca) + fabs(sa), du = 1.0 / cv->w, dv = 1.0 / cv->h;
    int x, y, b;

    for (y = 0; y < cv->h; y++) {
        unsigned char *p = cv->data + (size_t)y * cv->w * cv->bands;
        double v = (y + 0.5) * dv - 0.5, u = 0.5 * du - 0.5;

        for (x = 0; x < cv->w; x++, u += du, p += cv->bands) {
            double t = 0.5 + (u * ca + v * sa) / k;
            double f = 1 - s->vignette * 2 * (u * u + v * v);
            int ti = paint_clampi(t * 256, 0, 256);
            int fi = paint_clampi(f * 256, 0, 256);

            for (b = 0; b < 3; b++)
                p[b] =
                    (unsigned char)(((c0[b] * (256 - ti) + c1[b] * ti) * fi) >>
                                    16);
            if (cv->bands == 4)
                p[3] = 255;
        }
    }
}

/* Soft glow: alpha * (1 - d^2/r^2)^2, no sqrt per pixel. */
static void
paint_blob(const struct ir_render_shape *sh, const struct paint_scale *k,
           struct ir_pixels *cv)
{
    double cx = sh->x * k->sx, cy = sh->y * k->sy, r = sh->r * k->sr;
    double r2 = r * r, inv, half, dx, t;
    int y, x, x0, x1;
    unsigned char *p;

    if (r < 0.5)
        return;
    inv = 1.0 / r2;
    for (y = paint_clampi(cy - r, 0, cv->h - 1);
         y <= paint_clampi(cy + r + 1, 0, cv->h - 1); y++) {
        double dy = y + 0.5 - cy, dy2 = dy * dy;

        if (dy2 >= r2)
            continue;
        half = sqrt(r2 - dy2);
        if (cx + half < 0 || cx - half > cv->w)
            continue;
        x0 = paint_clampi(cx - half, 0, cv->w - 1);
        x1 = paint_clampi(cx + half + 1, 0, cv->w - 1);
        p = cv->data + ((size_t)y * cv->w + x0) * cv->bands;
        dx = x0 + 0.5 - cx;
        for (x = x0; x <= x1; x++, dx += 1, p += cv->bands) {
            t = 1 - (dx * dx + dy2) * inv;
            if (t > 0)
                paint_put(p, cv->bands, sh->rgb,
                          (int)(sh->alpha * t * t + 0.5));
        }
    }
}

static void
paint_ring_span(const struct paint_ring *rg, int y, double dy2, double xa,
                double xb, struct ir_pixels *cv)
{
    int x, x0, x1;
    double dx, dy = y + 0.5 - rg->cy, d2, d, cov, s;
    unsigned char *p;

    if (xb < 0 || xa > cv->w)
        return;
    x0 = paint_clampi(xa, 0, cv->w - 1);
    x1 = paint_clampi(xb + 1, 0, cv->w - 1);
    p = cv->data + ((size_t)y * cv->w + x0) * cv->bands;
    dx = x0 + 0.5 - rg->cx;
    for (x = x0; x <= x1; x++, dx += 1, p += cv->bands) {
        d2 = dx * dx + dy2;
        if (d2 >= rg->ro2)
            continue;
        if (d2 <= rg->full_out2 && d2 >= rg->full_in2) {
            cov = 1;
        } else {
            d = sqrt(d2);
            cov = fmin(1, rg->rout + 0.5 - d);
            if (rg->rin > 0)
                cov *= fmin(1, fmax(0, d - rg->rin + 0.5));
        }
        if (rg->arc) {
            s = dx * rg->nx + dy * rg->ny - rg->cut;
            if (s <= -0.5)
                continue;
            if (s < 0.5)
                cov *= s + 0.5;
        }
        if (cov > 0)
            paint_put(p, cv->bands, rg->rgb, (int)(rg->alpha * cov + 0.5));
    }
}

/* Discs and rings: per row, the span inside the outer circle minus the
 * hole, so a large thin ring costs its circumference. */
static void
paint_ring(const struct ir_render_shape *sh, const struct paint_scale *k,
           struct ir_pixels *cv)
{
    struct paint_ring rg;
    double r = sh->r * k->sr, ro, ri, xo, xi, dy, dy2;
    int y;

    memset(&rg, 0, sizeof rg);
    rg.cx = sh->x * k->sx;
    rg.cy = sh->y * k->sy;
    if (sh->kind == IR_RENDER_SHAPE_RING) {
        double half = fmax(sh->stroke * k->sr, 0.35) / 2;

        rg.rin = r - half;
        rg.rout = r + half;
    } else {
        rg.rout = r;
    }
    ro = rg.rout + 0.5;
    ri = rg.rin - 0.5;
    rg.ro2 = ro * ro;
    rg.full_out2 = rg.rout > 0.5 ? (rg.rout - 0.5) * (rg.rout - 0.5) : -1;
    rg.full_in2 = rg.rin > 0 ? (rg.rin + 0.5) * (rg.rin + 0.5) : 0;
    rg.arc = sh->arc;
    rg.nx = sh->nx;
    rg.ny = sh->ny;
    rg.cut = sh->cut * k->sr;
    rg.rgb = sh->rgb;
    rg.alpha = sh->alpha;
    for (y = paint_clampi(rg.cy - ro, 0, cv->h - 1);
         y <= paint_clampi(rg.cy + ro + 1, 0, cv->h - 1); y++) {
        dy = y + 0.5 - rg.cy;
        dy2 = dy * dy;
        if (dy2 >= rg.ro2)
            continue;
        xo = sqrt(rg.ro2 - dy2);
        if (ri > 0 && dy2 < ri * ri) {
            xi = sqrt(ri * ri - dy2);
            paint_ring_span(&rg, y, dy2, rg.cx - xo, rg.cx - xi, cv);
            paint_ring_span(&rg, y, dy2, rg.cx + xi, rg.cx + xo, cv);
        } else {
            paint_ring_span(&rg, y, dy2, rg.cx - xo, rg.cx + xo, cv);
        }
    }
}

/* Pixels of a row where |x * nx + c| < lim, as [x0, x1]; false if none. */
static bool
paint_row_span(double nx, double c, double lim, int w, int *x0, int *x1)
{
    double a, b;

    if (fabs(nx) < 1e-9) {
        if (fabs(c) >= lim)
            return false;
        *x0 = 0;
        *x1 = w - 1;
        return true;
    }
    a = (-lim - c) / nx;
    b = (lim - c) / nx;
    if (a > b) {
        double t = a;

        a = b;
        b = t;
    }
    if (b < -1 || a > w)
        return false;
    *x0 = paint_clampi(a - 1, 0, w - 1);
    *x1 = paint_clampi(b + 1, 0, w - 1);
    return true;
}

static void
paint_band(const struct ir_render_shape *sh, const struct paint_scale *k,
           struct ir_pixels *cv)
{
    double nx = -sin(sh->angle), ny = cos(sh->angle);
    double px = sh->x * k->sx, py = sh->y * k->sy;
    double lim = fmax(sh->r * k->sr, 0.25) + 0.5, c, d;
    int x, y, x0, x1;
    unsigned char *p;

    for (y = 0; y < cv->h; y++) {
        /* signed distance of pixel x in this row: x * nx + c */
        c = (y + 0.5 - py) * ny + (0.5 - px) * nx;
        if (!paint_row_span(nx, c, lim, cv->w, &x0, &x1))
            continue;
        p = cv->data + ((size_t)y * cv->w + x0) * cv->bands;
        for (x = x0; x <= x1; x++, p += cv->bands) {
            d = lim - fabs(x * nx + c);
            if (d > 0)
                paint_put(p, cv->bands, sh->rgb,
                          (int)(sh->alpha * fmin(1, d) + 0.5));
        }
    }
}

/* Capsule: distance to the segment, on the rows and spans of the strip
 * around its infinite line, clipped to its bounding box. */
static void
paint_line(const struct ir_render_shape *sh, const struct paint_scale *k,
           struct ir_pixels *cv)
{
    double ax = sh->x * k->sx, ay = sh->y * k->sy;
    double bx = sh->x2 * k->sx, by = sh->y2 * k->sy;
    double hw = fmax(sh->r * k->sr, 0.25), lim = hw + 0.5;
    double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy, len;
    double nx, ny, c, t, ex, ey, cov;
    int x, y, x0, x1, bx0, bx1;
    unsigned char *p;

    if (len2 < 1e-9)
        return;
    len = sqrt(len2);
    nx = -dy / len;
    ny = dx / len;
    bx0 = paint_clampi(fmin(ax, bx) - lim - 1, 0, cv->w - 1);
    bx1 = paint_clampi(fmax(ax, bx) + lim + 1, 0, cv->w - 1);
    for (y = paint_clampi(fmin(ay, by) - lim - 1, 0, cv->h - 1);
         y <= paint_clampi(fmax(ay, by) + lim + 1, 0, cv->h - 1); y++) {
        c = (y + 0.5 - ay) * ny + (0.5 - ax) * nx;
        if (!paint_row_span(nx, c, lim, cv->w, &x0, &x1))
            continue;
        x0 = x0 > bx0 ? x0 : bx0;
        x1 = x1 < bx1 ? x1 : bx1;
        p = cv->data + ((size_t)y * cv->w + x0) * cv->bands;
        for (x = x0; x <= x1; x++, p += cv->bands) {
            ex = x + 0.5 - ax;
            ey = y + 0.5 - ay;
            t = (ex * dx + ey * dy) / len2;
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            ex -= t * dx;
            ey -= t * dy;
            cov = lim - sqrt(ex * ex + ey * ey);
            if (cov > 0)
                paint_put(p, cv->bands, sh->rgb,
                          (int)(sh->alpha * fmin(1, cov) + 0.5));
        }
    }
}

/* Luminance grain with a triangular distribution: it breaks up the
 * gradient banding 8 bits would show and gives the print-like texture.
 * Scaled by alpha, so transparent pixels stay transparent. */
static void
paint_grain(const struct ir_render_scene *s, struct ir_pixels *cv)
{
    int x, y, b, n, a, v;
    unsigned char *p = cv->data;
    uint32_t h;

    for (y = 0; y < cv->h; y++)
        for (x = 0; x < cv->w; x++, p += cv->bands) {
            a = cv->bands == 4 ? p[3] : 255;
            if (a == 0)
                continue;
            h = ir_render_prng_pixel((uint32_t)x, (uint32_t)y, s->grain_seed);
            n = (int)(h & 0xFF) + (int)(h >> 8 & 0xFF) - 255;
            n = n * s->grain * a / (255 * 255);
            for (b = 0; b < 3; b++) {
                v = p[b] + n;
                p[b] = (unsigned char)(v < 0 ? 0 : v > a ? a : v);
            }
        }
}

void
ir_render_paint_scene(const struct ir_render_scene *s, bool grain,
                      struct ir_pixels *cv)
{
    struct paint_scale k;
    size_t i;

    k.sx = (double)cv->w / s->w;
    k.sy = (double)cv->h / s->h;
    k.sr = sqrt(k.sx * k.sy);
    if (s->transparent)
        memset(cv->data, 0, (size_t)cv->w * cv->h * cv->bands);
    else
        paint_background(s, cv);
    for (i = 0; i < s->nshapes; i++) {
        const struct ir_render_shape *sh = &s->shapes[i];

        switch (sh->kind) {
        case IR_RENDER_SHAPE_BLOB:
            paint_blob(sh, &k, cv);
            break;
        case IR_RENDER_SHAPE_DISC:
        case IR_RENDER_SHAPE_RING:
            paint_ring(sh, &k, cv);
            break;
        case IR_RENDER_SHAPE_BAND:
            paint_band(sh, &k, cv);
            break;
        case IR_RENDER_SHAPE_LINE:
            paint_line(sh, &k, cv);
            break;
        }
    }
    if (grain && s->grain > 0)
        paint_grain(s, cv);
}

/* Source position of destination pixel i, in 1/256 pixels: the centre
 * of i mapped back, minus half a pixel. Integer, so exact everywhere. */
static void
paint_src_pos(int i, int dst, int src, int *i0, int *i1, int *wt)
{
    long long f = (2ll * i + 1) * src * 128 / dst - 128;

    if (f < 0)
        f = 0;
    *i0 = (int)(f >> 8);
    *wt = (int)(f & 0xFF);
    if (*i0 >= src - 1) {
        *i0 = src - 1;
        *wt = 0;
    }
    *i1 = *i0 + 1 < src ? *i0 + 1 : *i0;
}

void
ir_render_paint_upscale(const struct ir_pixels *src, struct ir_pixels *dst)
{
    int x, y, b, x0, x1, y0, y1, wx, wy, top, bot, bands = dst->bands;
    const unsigned char *r0, *r1;
    unsigned char *p;

    for (y = 0; y < dst->h; y++) {
        paint_src_pos(y, dst->h, src->h, &y0, &y1, &wy);
        r0 = src->data + (size_t)y0 * src->w * bands;
        r1 = src->data + (size_t)y1 * src->w * bands;
        p = dst->data + (size_t)y * dst->w * bands;
        for (x = 0; x < dst->w; x++, p += bands) {
            paint_src_pos(x, dst->w, src->w, &x0, &x1, &wx);
            for (b = 0; b < bands; b++) {
                top = r0[x0 * bands + b] * (256 - wx) + r0[x1 * bands + b] * wx;
                bot = r1[x0 * bands + b] * (256 - wx) + r1[x1 * bands + b] * wx;
                p[b] = (unsigned char)((top * (256 - wy) + bot * wy + 32768) >>
                                       16);
            }
        }
    }
}

void
ir_render_paint_unpremultiply(struct ir_pixels *cv)
{
    size_t i, n = (size_t)cv->w * cv->h;
    unsigned char *p = cv->data;
    unsigned a, b, v;

    if (cv->bands != 4)
        return;
    for (i = 0; i < n; i++, p += 4) {
        a = p[3];
        if (a == 255)
            continue;
        for (b = 0; b < 3; b++) {
            v = a == 0 ? 0 : (p[b] * 255u + a / 2) / a;
            p[b] = (unsigned char)(v > 255 ? 255 : v);
        }
    }
}
