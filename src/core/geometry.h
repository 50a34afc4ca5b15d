/* SPDX-License-Identifier: Apache-2.0
 * core/geometry.h - from resolution tier, aspect ratio and size to the
 * pixel size (or provider enums) one endpoint will be asked for.
 *
 * A tier is a pixel budget: 512 -> 512^2, 1K -> 1024^2, 2K -> 2048^2,
 * 4K -> 4096^2 (768 and 1.5K likewise). With aspect a the ideal is
 * w = sqrt(P*a), h = sqrt(P/a), then fitted to the endpoint's profile.
 */
#ifndef IR_CORE_GEOMETRY_H
#define IR_CORE_GEOMETRY_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/error.h"
#include "core/request.h"

#define IR_GEOM_MAX_SIZES 32
#define IR_GEOM_MAX_TIERS 8

enum ir_geom_kind {
    IR_GEOM_SIZES,  /* a fixed list of WxH sizes (OpenAI, Recraft) */
    IR_GEOM_BOUNDS, /* free sizes within bounds (BFL, Seedream, local) */
    IR_GEOM_TIERS,  /* the provider takes tier + aspect enums (Gemini, xAI) */
};

struct ir_geom_size {
    int w, h;
};

/* An endpoint's geometry, read from its catalog record "geometry". */
struct ir_geom_profile {
    enum ir_geom_kind kind;
    struct ir_geom_size sizes[IR_GEOM_MAX_SIZES]; /* IR_GEOM_SIZES */
    size_t nsizes;
    int min_side, max_side;           /* IR_GEOM_BOUNDS; 0 = no bound */
    long long min_pixels, max_pixels; /* 0 = no bound */
    int multiple;                     /* sides are multiples of this; 0/1 */
    double min_aspect, max_aspect;    /* w/h bounds; 0 = no bound */
    char default_tier[8];             /* when the request names none */
    char default_aspect[8];           /* when the request names none */
    /* Optional "tiers": the tiers the provider takes, used to name the
     * tier of an explicit WxH size (for the provider and for tiered
     * pricing). None = every tier in ir_core_request_resolutions. */
    char tiers[IR_GEOM_MAX_TIERS][8];
    size_t ntiers;
};

/* The outcome for one endpoint. */
struct ir_geom_target {
    int w, h;          /* pixels to ask for (0 when IR_GEOM_TIERS and auto) */
    char tier[8];      /* tier in effect ("" = provider default) */
    char aspect[8];    /* aspect ratio in effect, from the endpoint's enum
                          when it has one ("" = provider default/auto) */
};

/* Parses a catalog "geometry" object. */
ir_err ir_core_geometry_profile_parse(const json_t *obj,
                                      struct ir_geom_profile *out,
                                      struct ir_diag *d) IR_MUST_CHECK;

/* Pixel budget of a tier ("1K" -> 1048576); 0 for an unknown tier. */
long long ir_core_geometry_tier_pixels(const char *tier);
/* "16:9" -> 1.777..; "9:19.5" works; 0 for "auto" or junk. */
double ir_core_geometry_aspect_value(const char *aspect);
/* From the allowed aspect strings, the one nearest a by |log a - log b|;
 * NULL when the list is empty. "auto" entries are skipped. */
const char *ir_core_geometry_nearest_aspect(double a,
                                            const char *const *allowed,
                                            size_t nallowed);

/* The smallest of the profile's tiers (all tiers when it lists none)
 * whose budget, plus 10% for rounding, covers px pixels; the largest
 * when none does. */
const char *ir_core_geometry_tier_for_pixels(const struct ir_geom_profile *p,
                                             long long px);

/* Resolves the request against one endpoint. allowed_aspects is the
 * endpoint's aspect_ratio enum (NULL/0 when it declares none). Fails with
 * a 400 in err when the request cannot be met by this profile. */
ir_err ir_core_geometry_resolve(const struct ir_request *req,
                                const struct ir_geom_profile *p,
                                const char *const *allowed_aspects,
                                size_t nallowed,
                                struct ir_geom_target *out,
                                struct ir_error *err) IR_MUST_CHECK;

#endif
