/* SPDX-License-Identifier: Apache-2.0
 * core/geometry.c - resolution tier, aspect ratio and size to what one
 * endpoint is asked for, from the endpoint's catalog geometry profile.
 * Pure arithmetic: no I/O, no allocation.
 *
 * Rules (the catalog says which profile applies):
 * - tier = resolution or a tier size, else the profile's default_tier,
 *   else "1K". Budget P: 512^2, 768^2, 1024^2, 1536^2, 2048^2, 4096^2.
 * - aspect = aspect_ratio, else default_aspect. A ratio the endpoint's
 *   enum lacks is clamped to the nearest listed one by |log a - log b|.
 *   "auto" (or nothing, without a default) is passed on as "auto" when
 *   the enum has it (or there is no enum), else as "" (provider default);
 *   pixels are then computed for default_aspect, or 1:1.
 * - sizes: the listed size nearest in aspect (within 0.01 in log), then
 *   nearest in area. bounds: the aspect clamped to its range (area kept),
 *   scaled into the pixel range, then into the side range, each side
 *   rounded to the multiple, then nudged one multiple at a time (the
 *   side that keeps the aspect truest) back under max_pixels. tiers: the
 *   tier and aspect strings are what the provider takes; w x h is only
 *   the ideal, for reporting (0 x 0 when the aspect is left to it).
 * - An explicit WxH is the target instead of the tier: fitted the same
 *   way; its tier is the resolution given, else the smallest covering
 *   tier (ir_core_geometry_tier_for_pixels); its aspect the nearest
 *   listed (or global) ratio.
 */
#include "core/geometry.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Sizes whose aspects differ by less than this (in log) tie on aspect. */
#define GEOMETRY_ASPECT_TIE 0.01
/* A tier "covers" an area up to this factor over its budget. */
#define GEOMETRY_TIER_SLACK 1.1

struct geometry_aspect {
    char name[8]; /* "" or "auto" when left to the provider */
    double value; /* always > 0: what pixels are computed for */
};

static ir_err geometry_parse_bounds(const json_t *obj,
                                    struct ir_geom_profile *p,
                                    struct ir_diag *d) IR_MUST_CHECK;
static ir_err geometry_parse_sizes(const json_t *obj,
                                   struct ir_geom_profile *p,
                                   struct ir_diag *d) IR_MUST_CHECK;
static ir_err geometry_parse_common(const json_t *obj,
                                    struct ir_geom_profile *p,
                                    struct ir_diag *d) IR_MUST_CHECK;
static ir_err geometry_fit_bounds(const struct ir_geom_profile *p, double w,
                                  double h, struct ir_geom_target *out,
                                  struct ir_error *err) IR_MUST_CHECK;
static ir_err geometry_fail(struct ir_error *err, const char *param,
                            const char *fmt, ...) IR_PRINTF(3, 4)
    IR_MUST_CHECK;

static const struct {
    const char *name;
    long long pixels;
} geometry_tiers[] = {
    {"512", 512LL * 512},   {"768", 768LL * 768},   {"1K", 1024LL * 1024},
    {"1.5K", 1536LL * 1536}, {"2K", 2048LL * 2048}, {"4K", 4096LL * 4096},
};

#define GEOMETRY_NTIERS (sizeof geometry_tiers / sizeof geometry_tiers[0])

long long
ir_core_geometry_tier_pixels(const char *tier)
{
    size_t i;

    if (tier == NULL)
        return 0;
    for (i = 0; i < GEOMETRY_NTIERS; i++) {
        if (strcasecmp(tier, geometry_tiers[i].name) == 0)
            return geometry_tiers[i].pixels;
    }
    return 0;
}

/* The canonical spelling of a tier, or NULL. */
static const char *
geometry_tier_name(const char *tier)
{
    size_t i;

    for (i = 0; i < GEOMETRY_NTIERS; i++) {
        if (strcasecmp(tier, geometry_tiers[i].name) == 0)
            return geometry_tiers[i].name;
    }
    return NULL;
}

/* digits[.digits]; -1 on anything else. Hand-rolled so the result does
 * not depend on the process locale's decimal point. */
static double
geometry_number(const char **sp)
{
    const char *s = *sp;
    double v = 0, scale = 1;
    bool any = false;

    for (; *s >= '0' && *s <= '9'; s++, any = true)
        v = v * 10 + (*s - '0');
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++, any = true) {
            scale /= 10;
            v += (*s - '0') * scale;
        }
    }
    *sp = s;
    return any ? v : -1;
}

double
ir_core_geometry_aspect_value(const char *aspect)
{
    const char *s = aspect;
    double a, b;

    if (s == NULL || strlen(s) > 16)
        return 0;
    a = geometry_number(&s);
    if (a <= 0 || *s++ != ':')
        return 0;
    b = geometry_number(&s);
    if (b <= 0 || *s != '\0')
        return 0;
    return a / b;
}

const char *
ir_core_geometry_nearest_aspect(double a, const char *const *allowed,
                                size_t nallowed)
{
    const char *best = NULL;
    double bestd = INFINITY, v, dist;
    size_t i;

    if (a <= 0)
        a = 1.0;
    for (i = 0; i < nallowed; i++) {
        v = ir_core_geometry_aspect_value(allowed[i]);
        if (v <= 0)
            continue; /* "auto" or junk */
        dist = fabs(log(v) - log(a));
        if (dist < bestd) {
            bestd = dist;
            best = allowed[i];
        }
    }
    return best;
}

const char *
ir_core_geometry_tier_for_pixels(const struct ir_geom_profile *p,
                                 long long px)
{
    const char *best = NULL, *largest = NULL, *name;
    long long bestp = 0, largestp = 0, tp;
    size_t i, n = p != NULL && p->ntiers > 0 ? p->ntiers : GEOMETRY_NTIERS;

    for (i = 0; i < n; i++) {
        name = p != NULL && p->ntiers > 0 ? p->tiers[i]
                                          : geometry_tiers[i].name;
        tp = ir_core_geometry_tier_pixels(name);
        if (tp > largestp) {
            largestp = tp;
            largest = name;
        }
        if ((double)tp * GEOMETRY_TIER_SLACK >= (double)px &&
            (best == NULL || tp < bestp)) {
            bestp = tp;
            best = name;
        }
    }
    return best != NULL ? best : largest != NULL ? largest : "1K";
}

/* ---- profile parsing ------------------------------------------------- */

static ir_err
geometry_get_int(const json_t *obj, const char *key, long long min,
                 long long max, long long *out, struct ir_diag *d)
{
    const json_t *v = json_object_get(obj, key); /* borrowed */

    *out = 0;
    if (v == NULL || json_is_null(v))
        return IR_OK;
    if (!json_is_integer(v) || json_integer_value(v) < min ||
        json_integer_value(v) > max) {
        ir_diag_set(d, "geometry: \"%s\" must be an integer from %lld to "
                       "%lld",
                    key, min, max);
        return IR_EPARSE;
    }
    *out = (long long)json_integer_value(v);
    return IR_OK;
}

/* A number (w/h) or a ratio string "1:4". */
static ir_err
geometry_get_aspect(const json_t *obj, const char *key, double *out,
                    struct ir_diag *d)
{
    const json_t *v = json_object_get(obj, key); /* borrowed */

    *out = 0;
    if (v == NULL || json_is_null(v))
        return IR_OK;
    if (json_is_number(v))
        *out = json_number_value(v);
    else if (json_is_string(v))
        *out = ir_core_geometry_aspect_value(json_string_value(v));
    if (!(*out > 0) || !isfinite(*out)) {
        ir_diag_set(d, "geometry: \"%s\" must be a positive number (w/h) "
                       "or a ratio such as \"1:4\"",
                    key);
        return IR_EPARSE;
    }
    return IR_OK;
}

static ir_err
geometry_parse_common(const json_t *obj, struct ir_geom_profile *p,
                      struct ir_diag *d)
{
    const json_t *v, *item; /* borrowed */
    const char *name;
    size_t i;

    v = json_object_get(obj, "default_tier");
    if (v != NULL && !json_is_null(v)) {
        name = json_is_string(v) ? geometry_tier_name(json_string_value(v))
                                 : NULL;
        if (name == NULL) {
            ir_diag_set(d, "geometry: \"default_tier\" must be one of 512, "
                           "768, 1K, 1.5K, 2K, 4K");
            return IR_EPARSE;
        }
        (void)snprintf(p->default_tier, sizeof p->default_tier, "%s", name);
    }
    v = json_object_get(obj, "default_aspect");
    if (v != NULL && !json_is_null(v)) {
        if (!json_is_string(v) ||
            json_string_length(v) >= sizeof p->default_aspect ||
            (strcmp(json_string_value(v), "auto") != 0 &&
             ir_core_geometry_aspect_value(json_string_value(v)) <= 0)) {
            ir_diag_set(d, "geometry: \"default_aspect\" must be a ratio "
                           "such as \"1:1\" or \"auto\"");
            return IR_EPARSE;
        }
        (void)snprintf(p->default_aspect, sizeof p->default_aspect, "%s",
                       json_string_value(v));
    }
    v = json_object_get(obj, "tiers");
    if (v == NULL || json_is_null(v))
        return IR_OK;
    if (!json_is_array(v) || json_array_size(v) > IR_GEOM_MAX_TIERS) {
        ir_diag_set(d, "geometry: \"tiers\" must be an array of at most %d "
                       "tiers",
                    IR_GEOM_MAX_TIERS);
        return IR_EPARSE;
    }
    json_array_foreach(v, i, item) {
        name = json_is_string(item)
                   ? geometry_tier_name(json_string_value(item))
                   : NULL;
        if (name == NULL) {
            ir_diag_set(d, "geometry: \"tiers\"[%zu] is not a known tier",
                        i);
            return IR_EPARSE;
        }
        (void)snprintf(p->tiers[i], sizeof p->tiers[i], "%s", name);
        p->ntiers = i + 1;
    }
    return IR_OK;
}

static ir_err
geometry_parse_sizes(const json_t *obj, struct ir_geom_profile *p,
                     struct ir_diag *d)
{
    const json_t *v = json_object_get(obj, "sizes"), *item; /* borrowed */
    const char *s;
    char *end;
    long w, h;
    size_t i;

    if (!json_is_array(v) || json_array_size(v) == 0 ||
        json_array_size(v) > IR_GEOM_MAX_SIZES) {
        ir_diag_set(d, "geometry: kind \"sizes\" needs \"sizes\", an array "
                       "of 1 to %d \"WxH\" strings",
                    IR_GEOM_MAX_SIZES);
        return IR_EPARSE;
    }
    json_array_foreach(v, i, item) {
        s = json_is_string(item) ? json_string_value(item) : "";
        w = *s >= '0' && *s <= '9' ? strtol(s, &end, 10) : 0;
        h = w > 0 && *end == 'x' && end[1] >= '0' && end[1] <= '9'
                ? strtol(end + 1, &end, 10)
                : 0;
        if (w < 1 || h < 1 || w > IR_MAX_SIDE || h > IR_MAX_SIDE ||
            *end != '\0') {
            ir_diag_set(d, "geometry: sizes[%zu] must be \"WxH\" with sides "
                           "from 1 to %d",
                        i, IR_MAX_SIDE);
            return IR_EPARSE;
        }
        p->sizes[i].w = (int)w;
        p->sizes[i].h = (int)h;
        p->nsizes = i + 1;
    }
    return IR_OK;
}

static ir_err
geometry_parse_bounds(const json_t *obj, struct ir_geom_profile *p,
                      struct ir_diag *d)
{
    long long v;
    ir_err e;

    if ((e = geometry_get_int(obj, "min_side", 0, IR_MAX_SIDE, &v, d)))
        return e;
    p->min_side = (int)v;
    if ((e = geometry_get_int(obj, "max_side", 0, IR_MAX_SIDE, &v, d)))
        return e;
    p->max_side = (int)v;
    if ((e = geometry_get_int(obj, "multiple", 0, 1024, &v, d)))
        return e;
    p->multiple = (int)v;
    if ((e = geometry_get_int(obj, "min_pixels", 0, IR_MAX_PIXELS,
                              &p->min_pixels, d)) ||
        (e = geometry_get_int(obj, "max_pixels", 0, IR_MAX_PIXELS,
                              &p->max_pixels, d)) ||
        (e = geometry_get_aspect(obj, "min_aspect", &p->min_aspect, d)) ||
        (e = geometry_get_aspect(obj, "max_aspect", &p->max_aspect, d)))
        return e;
    if ((p->max_side && p->min_side > p->max_side) ||
        (p->max_pixels && p->min_pixels > p->max_pixels) ||
        (p->max_aspect > 0 && p->min_aspect > p->max_aspect) ||
        (p->max_side && p->multiple > p->max_side)) {
        ir_diag_set(d, "geometry: bounds contradict each other (a minimum "
                       "above its maximum, or a multiple above max_side)");
        return IR_EPARSE;
    }
    return IR_OK;
}

ir_err
ir_core_geometry_profile_parse(const json_t *obj, struct ir_geom_profile *out,
                               struct ir_diag *d)
{
    const json_t *kind; /* borrowed */
    const char *k;

    memset(out, 0, sizeof *out);
    if (!json_is_object(obj)) {
        ir_diag_set(d, "geometry must be an object with a \"kind\"");
        return IR_EPARSE;
    }
    kind = json_object_get(obj, "kind");
    k = json_is_string(kind) ? json_string_value(kind) : "";
    if (strcmp(k, "sizes") == 0)
        out->kind = IR_GEOM_SIZES;
    else if (strcmp(k, "bounds") == 0)
        out->kind = IR_GEOM_BOUNDS;
    else if (strcmp(k, "tiers") == 0)
        out->kind = IR_GEOM_TIERS;
    else {
        ir_diag_set(d, "geometry: \"kind\" must be \"sizes\", \"bounds\" or "
                       "\"tiers\"");
        return IR_EPARSE;
    }
    if (out->kind == IR_GEOM_SIZES) {
        ir_err e = geometry_parse_sizes(obj, out, d);

        if (e != IR_OK)
            return e;
    } else if (out->kind == IR_GEOM_BOUNDS) {
        ir_err e = geometry_parse_bounds(obj, out, d);

        if (e != IR_OK)
            return e;
    }
    return geometry_parse_common(obj, out, d);
}

/* ---- resolving ------------------------------------------------------- */

static ir_err
geometry_fail(struct ir_error *err, const char *param, const char *fmt, ...)
{
    va_list ap;

    ir_error_cleanup(err);
    err->status = 400;
    va_start(ap, fmt);
    (void)vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    ir_error_meta_str(err, "error_type", "unsupported_parameter");
    ir_error_meta_str(err, "param", param);
    return IR_EINVAL;
}

static bool
geometry_listed(const char *s, const char *const *allowed, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (allowed[i] != NULL && strcmp(allowed[i], s) == 0)
            return true;
    }
    return false;
}

/* Any concrete ratio in the enum? An enum of only "auto" clamps
 * nothing. */
static bool
geometry_has_ratios(const char *const *allowed, size_t n)
{
    return ir_core_geometry_nearest_aspect(1.0, allowed, n) != NULL;
}

static void
geometry_pick_aspect(const struct ir_request *req,
                     const struct ir_geom_profile *p,
                     const char *const *allowed, size_t nallowed,
                     struct geometry_aspect *out)
{
    const char *want = req->aspect_ratio, *near;
    bool is_auto = strcmp(want, "auto") == 0;

    if (want[0] == '\0')
        want = p->default_aspect; /* may itself be "" or "auto" */
    if (want[0] != '\0' && strcmp(want, "auto") != 0) {
        out->value = ir_core_geometry_aspect_value(want);
        if (geometry_has_ratios(allowed, nallowed) &&
            !geometry_listed(want, allowed, nallowed)) {
            near = ir_core_geometry_nearest_aspect(out->value, allowed,
                                                   nallowed);
            want = near;
            out->value = ir_core_geometry_aspect_value(near);
        }
        (void)snprintf(out->name, sizeof out->name, "%s", want);
        return;
    }
    /* Left to the provider. Pixels still need a shape. */
    is_auto = is_auto || strcmp(want, "auto") == 0;
    out->value = ir_core_geometry_aspect_value(p->default_aspect);
    if (out->value <= 0)
        out->value = 1.0;
    if (is_auto &&
        (nallowed == 0 || geometry_listed("auto", allowed, nallowed)))
        (void)snprintf(out->name, sizeof out->name, "auto");
    else
        out->name[0] = '\0';
}

/* The listed size nearest in aspect, then in area. */
static void
geometry_fit_sizes(const struct ir_geom_profile *p, double a, double area,
                   struct ir_geom_target *out)
{
    double da, bestda = INFINITY, dp, bestdp = INFINITY;
    size_t i, best = 0;

    for (i = 0; i < p->nsizes; i++) {
        da = fabs(log((double)p->sizes[i].w / p->sizes[i].h) - log(a));
        if (da < bestda)
            bestda = da;
    }
    for (i = 0; i < p->nsizes; i++) {
        da = fabs(log((double)p->sizes[i].w / p->sizes[i].h) - log(a));
        dp = fabs(log((double)p->sizes[i].w * p->sizes[i].h / area));
        if (da <= bestda + GEOMETRY_ASPECT_TIE && dp < bestdp) {
            bestdp = dp;
            best = i;
        }
    }
    out->w = p->sizes[best].w;
    out->h = p->sizes[best].h;
}

static long
geometry_round(double v, long m)
{
    long r = lround(v / (double)m) * m;

    return r < m ? m : r;
}

/* How far w x h strays from aspect a, in log. */
static double
geometry_skew(long w, long h, double a)
{
    return fabs(log((double)w / (double)h) - log(a));
}

static ir_err
geometry_fit_bounds(const struct ir_geom_profile *p, double w, double h,
                    struct ir_geom_target *out, struct ir_error *err)
{
    long m = p->multiple > 1 ? p->multiple : 1;
    long lo, hi, wi, hi_h;
    double a = w / h, px = w * h, s;

    /* Aspect range first, keeping the area. */
    if (p->min_aspect > 0 && a < p->min_aspect)
        a = p->min_aspect;
    if (p->max_aspect > 0 && a > p->max_aspect)
        a = p->max_aspect;
    w = sqrt(px * a);
    h = sqrt(px / a);
    if (p->max_pixels > 0 && px > (double)p->max_pixels)
        s = sqrt((double)p->max_pixels / px);
    else if (p->min_pixels > 0 && px < (double)p->min_pixels)
        s = sqrt((double)p->min_pixels / px);
    else
        s = 1.0;
    w *= s;
    h *= s;
    hi = p->max_side > 0 ? p->max_side : IR_MAX_SIDE;
    if (fmax(w, h) > hi) {
        s = hi / fmax(w, h);
        w *= s;
        h *= s;
    }
    if (p->min_side > 0 && fmin(w, h) < p->min_side) {
        s = p->min_side / fmin(w, h);
        w *= s;
        h *= s;
    }
    /* Sides on the grid, inside [lo, hi] on the grid too. */
    hi = hi / m * m;
    lo = p->min_side > 0 ? (p->min_side + m - 1) / m * m : m;
    wi = geometry_round(fmin(fmax(w, (double)lo), (double)hi), m);
    hi_h = geometry_round(fmin(fmax(h, (double)lo), (double)hi), m);
    wi = wi > hi ? hi : wi;
    hi_h = hi_h > hi ? hi : hi_h;
    /* Rounding may overshoot the pixel range: step back one multiple on
     * whichever side keeps the aspect truest. */
    while (p->max_pixels > 0 && (long long)wi * hi_h > p->max_pixels) {
        bool cw = wi - m >= lo, ch = hi_h - m >= lo;

        if (!cw && !ch)
            break;
        if (cw && (!ch || geometry_skew(wi - m, hi_h, a) <=
                              geometry_skew(wi, hi_h - m, a)))
            wi -= m;
        else
            hi_h -= m;
    }
    while (p->min_pixels > 0 && (long long)wi * hi_h < p->min_pixels) {
        bool cw = wi + m <= hi, ch = hi_h + m <= hi;

        if (!cw && !ch)
            break;
        if (cw && (!ch || geometry_skew(wi + m, hi_h, a) <=
                              geometry_skew(wi, hi_h + m, a)))
            wi += m;
        else
            hi_h += m;
    }
    if (wi < lo || hi_h < lo || wi > hi || hi_h > hi ||
        (p->max_pixels > 0 && (long long)wi * hi_h > p->max_pixels) ||
        (p->min_pixels > 0 && (long long)wi * hi_h < p->min_pixels))
        return geometry_fail(err, "size",
                             "this endpoint cannot produce an image of "
                             "about %.0fx%.0f: its sides must be %ld-%ld "
                             "pixels and its area %lld-%lld pixels",
                             w, h, lo, hi, p->min_pixels,
                             p->max_pixels > 0 ? p->max_pixels
                                               : (long long)hi * hi);
    out->w = (int)wi;
    out->h = (int)hi_h;
    return IR_OK;
}

/* The aspect name of a pixel size: the nearest listed ratio, else the
 * nearest of the global enum. */
static void
geometry_name_aspect(double a, const char *const *allowed, size_t nallowed,
                     struct ir_geom_target *out)
{
    const char *near = ir_core_geometry_nearest_aspect(a, allowed, nallowed);
    size_t n = 0;

    if (near == NULL) {
        while (ir_core_request_aspect_ratios[n] != NULL)
            n++;
        near = ir_core_geometry_nearest_aspect(
            a, ir_core_request_aspect_ratios, n);
    }
    (void)snprintf(out->aspect, sizeof out->aspect, "%s", near);
}

static ir_err
geometry_resolve_pixels(const struct ir_request *req,
                        const struct ir_geom_profile *p,
                        const char *const *allowed, size_t nallowed,
                        struct ir_geom_target *out, struct ir_error *err)
{
    double w = req->size_w, h = req->size_h;
    const char *tier = ir_core_request_tier(req);
    long long tp;
    ir_err e;

    if (p->kind == IR_GEOM_SIZES) {
        geometry_fit_sizes(p, w / h, w * h, out);
    } else if (p->kind == IR_GEOM_BOUNDS) {
        if ((e = geometry_fit_bounds(p, w, h, out, err)) != IR_OK)
            return e;
    }
    if (p->kind != IR_GEOM_TIERS) {
        geometry_name_aspect((double)out->w / out->h, allowed, nallowed,
                             out);
        if (tier[0] == '\0')
            tier = ir_core_geometry_tier_for_pixels(p, (long long)out->w *
                                                           out->h);
        (void)snprintf(out->tier, sizeof out->tier, "%s", tier);
        return IR_OK;
    }
    /* The provider takes enums: nearest ratio and a covering tier; the
     * pixels reported are that pair's ideal. */
    geometry_name_aspect(w / h, allowed, nallowed, out);
    if (tier[0] == '\0')
        tier = ir_core_geometry_tier_for_pixels(p, (long long)req->size_w *
                                                       req->size_h);
    (void)snprintf(out->tier, sizeof out->tier, "%s", tier);
    tp = ir_core_geometry_tier_pixels(tier);
    w = ir_core_geometry_aspect_value(out->aspect);
    out->w = (int)lround(sqrt((double)tp * w));
    out->h = (int)lround(sqrt((double)tp / w));
    return IR_OK;
}

ir_err
ir_core_geometry_resolve(const struct ir_request *req,
                         const struct ir_geom_profile *p,
                         const char *const *allowed_aspects, size_t nallowed,
                         struct ir_geom_target *out, struct ir_error *err)
{
    struct geometry_aspect asp;
    const char *tier;
    double budget;

    memset(out, 0, sizeof *out);
    if (allowed_aspects == NULL)
        nallowed = 0;
    if (req->size_kind == IR_SIZE_PIXELS && req->size_w > 0 &&
        req->size_h > 0)
        return geometry_resolve_pixels(req, p, allowed_aspects, nallowed,
                                       out, err);
    tier = ir_core_request_tier(req);
    if (tier[0] == '\0')
        tier = p->default_tier[0] != '\0' ? p->default_tier : "1K";
    (void)snprintf(out->tier, sizeof out->tier, "%s", tier);
    geometry_pick_aspect(req, p, allowed_aspects, nallowed, &asp);
    (void)snprintf(out->aspect, sizeof out->aspect, "%s", asp.name);
    budget = (double)ir_core_geometry_tier_pixels(tier);
    switch (p->kind) {
    case IR_GEOM_SIZES:
        geometry_fit_sizes(p, asp.value, budget, out);
        return IR_OK;
    case IR_GEOM_BOUNDS:
        return geometry_fit_bounds(p, sqrt(budget * asp.value),
                                   sqrt(budget / asp.value), out, err);
    case IR_GEOM_TIERS:
        if (asp.name[0] == '\0' || strcmp(asp.name, "auto") == 0)
            return IR_OK; /* the provider picks the shape: 0 x 0 */
        out->w = (int)lround(sqrt(budget * asp.value));
        out->h = (int)lround(sqrt(budget / asp.value));
        return IR_OK;
    }
    return IR_OK;
}
