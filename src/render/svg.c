/* SPDX-License-Identifier: Apache-2.0
 * render/svg.c - writes a scene as SVG: the same composition the raster
 * paints, as gradients, circles, paths, rects and lines. Numbers are
 * formatted by hand so the markup never depends on the C locale.
 */
#include "render/render.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "render/scene.h"
#include "util/buf.h"
#include "util/mem.h"

/* A scene has at most IR_RENDER_SCENE_MAX_SHAPES elements of < 400
 * bytes each; this ceiling is generous and still bounded. */
#define SVG_MAX_BYTES (1024u * 1024)
#define SVG_PI 3.14159265358979323846

/* A number as text, two decimals at most: "12.5", "-3", "0.07". */
struct svg_num {
    char s[32];
};

static struct svg_num svg_n(double v);
static struct svg_num svg_opacity(int alpha);
static ir_err svg_defs(struct ir_buf *b,
                       const struct ir_render_scene *s) IR_MUST_CHECK;
static ir_err svg_blob(struct ir_buf *b, const struct ir_render_shape *sh,
                       size_t id) IR_MUST_CHECK;
static ir_err svg_ring(struct ir_buf *b,
                       const struct ir_render_shape *sh) IR_MUST_CHECK;
static ir_err svg_shape(struct ir_buf *b, const struct ir_render_scene *s,
                        const struct ir_render_shape *sh,
                        size_t id) IR_MUST_CHECK;

static struct svg_num
svg_n(double v)
{
    struct svg_num n;
    long long c;
    unsigned long long a;
    int k;

    /* Scene coordinates are bounded; this only guards llround. */
    if (!isfinite(v) || fabs(v) > 1e12)
        v = 0;
    c = llround(v * 100);
    a = c < 0 ? (unsigned long long)-c : (unsigned long long)c;
    k = snprintf(n.s, sizeof n.s, "%s%llu", c < 0 && a ? "-" : "", a / 100);
    if (a % 100 != 0 && k > 0 && (size_t)k < sizeof n.s - 4) {
        (void)snprintf(n.s + k, sizeof n.s - (size_t)k, ".%02llu", a % 100);
        if (n.s[k + 2] == '0')
            n.s[k + 2] = '\0';
    }
    return n;
}

static struct svg_num
svg_opacity(int alpha)
{
    struct svg_num n;
    int m = (alpha * 1000 + 127) / 255;

    if (m >= 1000)
        (void)snprintf(n.s, sizeof n.s, "1");
    else
        (void)snprintf(n.s, sizeof n.s, "0.%03d", m);
    return n;
}

/* Background only (transparent scenes have none). The gradient in
 * bounding-box units matches the raster's
 * (u, v) gradient exactly; the vignette is a black radial overlay whose
 * opacity grows with the square of the distance, as in the raster. */
static ir_err
svg_defs(struct ir_buf *b, const struct ir_render_scene *s)
{
    double ca = cos(s->bg_angle), sa = sin(s->bg_angle);
    double k = (fabs(ca) + fabs(sa)) / 2;
    const uint8_t *c0 = s->pal.bg[0], *c1 = s->pal.bg[1];
    int i;
    ir_err e;

    e = ir_buf_addf(b,
                    "<linearGradient id=\"bg\" x1=\"%s\" y1=\"%s\" "
                    "x2=\"%s\" y2=\"%s\">"
                    "<stop offset=\"0\" stop-color=\"#%02x%02x%02x\"/>"
                    "<stop offset=\"1\" stop-color=\"#%02x%02x%02x\"/>"
                    "</linearGradient>\n",
                    svg_n(0.5 - ca * k).s, svg_n(0.5 - sa * k).s,
                    svg_n(0.5 + ca * k).s, svg_n(0.5 + sa * k).s, c0[0], c0[1],
                    c0[2], c1[0], c1[1], c1[2]);
    if (e != IR_OK)
        return e;
    e = ir_buf_adds(b, "<radialGradient id=\"vg\" r=\"0.7071\">");
    for (i = 0; i <= 4 && e == IR_OK; i++)
        e = ir_buf_addf(
            b,
            "<stop offset=\"%s\" stop-color=\"#000\" "
            "stop-opacity=\"%s\"/>",
            svg_n(i / 4.0).s,
            svg_opacity((int)lround(255 * s->vignette * i * i / 16.0)).s);
    if (e == IR_OK)
        e = ir_buf_adds(b, "</radialGradient>\n");
    return e;
}

/* alpha * (1 - t^2)^2 sampled at six stops, like paint_blob. */
static ir_err
svg_blob(struct ir_buf *b, const struct ir_render_shape *sh, size_t id)
{
    static const double stops[] = {0, 0.2, 0.35, 0.5, 0.7, 0.85, 1};
    size_t i;
    ir_err e;

    e = ir_buf_addf(b,
                    "<radialGradient id=\"g%zu\" "
                    "gradientUnits=\"userSpaceOnUse\" cx=\"%s\" cy=\"%s\" "
                    "r=\"%s\">",
                    id, svg_n(sh->x).s, svg_n(sh->y).s, svg_n(sh->r).s);
    for (i = 0; i < sizeof stops / sizeof stops[0] && e == IR_OK; i++) {
        double t = 1 - stops[i] * stops[i];

        e = ir_buf_addf(b,
                        "<stop offset=\"%s\" stop-color=\"#%02x%02x%02x\" "
                        "stop-opacity=\"%s\"/>",
                        svg_n(stops[i]).s, sh->rgb[0], sh->rgb[1], sh->rgb[2],
                        svg_opacity((int)lround(sh->alpha * t * t)).s);
    }
    if (e != IR_OK)
        return e;
    return ir_buf_addf(b,
                       "</radialGradient><circle cx=\"%s\" cy=\"%s\" "
                       "r=\"%s\" fill=\"url(#g%zu)\"/>\n",
                       svg_n(sh->x).s, svg_n(sh->y).s, svg_n(sh->r).s, id);
}

/* A whole ring is a stroked circle; a cut ring is the arc on the kept
 * side of the cut, between the two points where the cut crosses it. */
static ir_err
svg_ring(struct ir_buf *b, const struct ir_render_shape *sh)
{
    double phi, half, c;

    if (!sh->arc)
        return ir_buf_addf(b,
                           "<circle cx=\"%s\" cy=\"%s\" r=\"%s\" "
                           "fill=\"none\" stroke=\"#%02x%02x%02x\" "
                           "stroke-width=\"%s\" stroke-opacity=\"%s\"/>\n",
                           svg_n(sh->x).s, svg_n(sh->y).s, svg_n(sh->r).s,
                           sh->rgb[0], sh->rgb[1], sh->rgb[2],
                           svg_n(sh->stroke).s, svg_opacity(sh->alpha).s);
    phi = atan2(sh->ny, sh->nx);
    c = sh->cut / sh->r;
    half = acos(c < -1 ? -1 : c > 1 ? 1 : c);
    return ir_buf_addf(b,
                       "<path d=\"M%s %sA%s %s 0 %d 1 %s %s\" fill=\"none\" "
                       "stroke=\"#%02x%02x%02x\" stroke-width=\"%s\" "
                       "stroke-opacity=\"%s\"/>\n",
                       svg_n(sh->x + sh->r * cos(phi - half)).s,
                       svg_n(sh->y + sh->r * sin(phi - half)).s, svg_n(sh->r).s,
                       svg_n(sh->r).s, 2 * half > SVG_PI ? 1 : 0,
                       svg_n(sh->x + sh->r * cos(phi + half)).s,
                       svg_n(sh->y + sh->r * sin(phi + half)).s, sh->rgb[0],
                       sh->rgb[1], sh->rgb[2], svg_n(sh->stroke).s,
                       svg_opacity(sh->alpha).s);
}

static ir_err
svg_shape(struct ir_buf *b, const struct ir_render_scene *s,
          const struct ir_render_shape *sh, size_t id)
{
    const uint8_t *c = sh->rgb;

    switch (sh->kind) {
    case IR_RENDER_SHAPE_BLOB:
        return svg_blob(b, sh, id);
    case IR_RENDER_SHAPE_DISC:
        return ir_buf_addf(b,
                           "<circle cx=\"%s\" cy=\"%s\" r=\"%s\" "
                           "fill=\"#%02x%02x%02x\" fill-opacity=\"%s\"/>\n",
                           svg_n(sh->x).s, svg_n(sh->y).s, svg_n(sh->r).s, c[0],
                           c[1], c[2], svg_opacity(sh->alpha).s);
    case IR_RENDER_SHAPE_RING:
        return svg_ring(b, sh);
    case IR_RENDER_SHAPE_BAND:
        /* Long enough to cross the canvas at any angle. */
        return ir_buf_addf(b,
                           "<rect x=\"%d\" y=\"%s\" width=\"%d\" "
                           "height=\"%s\" transform=\"translate(%s %s) "
                           "rotate(%s)\" fill=\"#%02x%02x%02x\" "
                           "fill-opacity=\"%s\"/>\n",
                           -(s->w + s->h), svg_n(-sh->r).s, 2 * (s->w + s->h),
                           svg_n(2 * sh->r).s, svg_n(sh->x).s, svg_n(sh->y).s,
                           svg_n(sh->angle * 180 / SVG_PI).s, c[0], c[1], c[2],
                           svg_opacity(sh->alpha).s);
    case IR_RENDER_SHAPE_LINE:
        return ir_buf_addf(b,
                           "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" "
                           "stroke=\"#%02x%02x%02x\" stroke-width=\"%s\" "
                           "stroke-linecap=\"round\" "
                           "stroke-opacity=\"%s\"/>\n",
                           svg_n(sh->x).s, svg_n(sh->y).s, svg_n(sh->x2).s,
                           svg_n(sh->y2).s, c[0], c[1], c[2],
                           svg_n(2 * sh->r).s, svg_opacity(sh->alpha).s);
    }
    return IR_EINVAL;
}

ir_err
ir_render_svg(const struct ir_render_params *p, char **svg, size_t *len)
{
    struct ir_render_scene *s;
    struct ir_buf b;
    size_t i;
    ir_err e;

    *svg = NULL;
    *len = 0;
    ir_buf_init(&b, SVG_MAX_BYTES);
    s = ir_malloc(sizeof *s);
    if (s == NULL)
        return IR_ENOMEM;
    e = ir_render_scene_build(p, s);
    if (e != IR_OK)
        goto out;
    e = ir_buf_addf(&b,
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n"
                    "<defs>\n",
                    s->w, s->h, s->w, s->h);
    if (e == IR_OK && !s->transparent)
        e = svg_defs(&b, s);
    if (e == IR_OK)
        e = ir_buf_adds(&b, "</defs>\n");
    if (e == IR_OK && !s->transparent)
        e = ir_buf_adds(&b, "<rect width=\"100%\" height=\"100%\" "
                            "fill=\"url(#bg)\"/>\n"
                            "<rect width=\"100%\" height=\"100%\" "
                            "fill=\"url(#vg)\"/>\n");
    for (i = 0; i < s->nshapes && e == IR_OK; i++)
        e = svg_shape(&b, s, &s->shapes[i], i);
    if (e == IR_OK)
        e = ir_buf_adds(&b, "</svg>\n");
    if (e != IR_OK)
        goto out;
    *svg = ir_buf_take(&b, len);
    if (*svg == NULL)
        e = IR_ENOMEM;
out:
    ir_buf_cleanup(&b);
    ir_free(s);
    return e;
}
