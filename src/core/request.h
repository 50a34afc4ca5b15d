/* SPDX-License-Identifier: Apache-2.0
 * core/request.h - an image generation request, parsed and validated.
 * Schema-level checks only (types, global enums, limits, size/resolution
 * consistency); checks against one endpoint's capabilities live in
 * catalog/capability.c.
 */
#ifndef IR_CORE_REQUEST_H
#define IR_CORE_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/error.h"
#include "core/limits.h"

enum ir_quality {
    IR_QUALITY_UNSET,
    IR_QUALITY_AUTO,
    IR_QUALITY_LOW,
    IR_QUALITY_MEDIUM,
    IR_QUALITY_HIGH,
    IR_QUALITY_XHIGH,
    IR_QUALITY_MAX,
};

enum ir_background {
    IR_BACKGROUND_UNSET,
    IR_BACKGROUND_AUTO,
    IR_BACKGROUND_TRANSPARENT,
    IR_BACKGROUND_OPAQUE,
};

enum ir_format {
    IR_FORMAT_UNSET,
    IR_FORMAT_PNG,
    IR_FORMAT_JPEG,
    IR_FORMAT_WEBP,
    IR_FORMAT_SVG,
};

enum ir_size_kind {
    IR_SIZE_UNSET,
    IR_SIZE_AUTO,   /* "auto" */
    IR_SIZE_TIER,   /* "2K": same as resolution */
    IR_SIZE_PIXELS, /* "1024x768": authoritative */
};

enum ir_sort {
    IR_SORT_NONE,
    IR_SORT_PRICE,
    IR_SORT_LATENCY,
    IR_SORT_THROUGHPUT,
};

/* One reference image. A data: URL is decoded at parse time. */
struct ir_ref {
    char *url;          /* owned; the URL as given (http(s) only if !bytes) */
    unsigned char *bytes; /* owned; decoded data: URL payload, or NULL */
    size_t len;
    char media_type[48]; /* from the data: URL header, or "" */
};

struct ir_string_list {
    char **items; /* owned */
    size_t count;
};

struct ir_provider_prefs {
    struct ir_string_list order, only, ignore;
    bool allow_fallbacks;   /* default true */
    enum ir_sort sort;
    json_t *options;        /* owned; provider.options object, or NULL */
};

/* Per-app attribution, from request headers. */
struct ir_attribution {
    char *referer;    /* HTTP-Referer, owned or NULL */
    char *title;      /* X-OpenRouter-Title (or X-Title), owned or NULL */
    char *categories; /* X-OpenRouter-Categories, filtered, owned or NULL */
};

struct ir_request {
    char *model;  /* owned, "author/slug" */
    char *prompt; /* owned, non-empty */

    int n;        /* 1..10; 1 when not given */
    bool n_set;
    char resolution[8];   /* "" when not given; a known tier otherwise */
    char aspect_ratio[8]; /* "" when not given; a known ratio or "auto" */
    enum ir_size_kind size_kind;
    char size[24];        /* as given */
    int size_w, size_h;   /* for IR_SIZE_PIXELS */
    enum ir_quality quality;
    enum ir_background background;
    enum ir_format output_format;
    int output_compression; /* 0..100 */
    bool output_compression_set;
    int64_t seed;
    bool seed_set;
    bool stream;
    int partial_images;   /* OpenAI route: 0..3; -1 when not given */
    struct ir_ref *refs;  /* owned; nrefs of them, NULL when none */
    size_t nrefs;
    struct ir_provider_prefs provider;
    char *user;           /* owned or NULL */
    struct ir_attribution attribution;
};

void ir_request_init(struct ir_request *r);
void ir_request_cleanup(struct ir_request *r);

/* Parses and validates a POST /api/v1/images body. On failure fills err
 * with a 400 (or 413) naming the field, the value received and what would
 * be accepted, and returns non-OK. The request must be cleaned up in
 * either case. */
ir_err ir_core_request_parse(const char *body, size_t len,
                             struct ir_request *out, struct ir_error *err)
    IR_MUST_CHECK;

/* The same, from an already parsed object (used by the OpenAI route,
 * which maps its own fields first). */
ir_err ir_core_request_from_json(json_t *root, struct ir_request *out,
                                 struct ir_error *err) IR_MUST_CHECK;

/* The resolution tier in effect ("" when none): resolution, or a tier
 * size. */
const char *ir_core_request_tier(const struct ir_request *r);

const char *ir_core_request_format_name(enum ir_format f);
const char *ir_core_request_quality_name(enum ir_quality q);
const char *ir_core_request_background_name(enum ir_background b);

/* The global enums accepted before any endpoint is consulted. */
extern const char *const ir_core_request_resolutions[];
extern const char *const ir_core_request_aspect_ratios[];

#endif
