/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/core/test_geometry.c - core/geometry.c: profile parsing,
 * tier budgets and ratios, and tier x aspect -> pixels for a sizes
 * profile (OpenAI), two bounds profiles and a tiers profile (Gemini),
 * clamping of unlisted ratios, explicit sizes. Every expected size was
 * worked out by hand from the rules in geometry.c's header.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/geometry.h"
#include "util/mem.h"

static const char *const gpt_aspects[] = {
    "1:1", "3:2", "2:3", "4:3", "3:4", "16:9", "9:16", "21:9", "auto",
};
static const char *const gemini_aspects[] = {
    "1:1", "1:4", "1:8", "2:3", "3:2", "3:4", "4:1",
    "4:3", "4:5", "5:4", "8:1", "9:16", "16:9", "21:9",
};
#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
profile(const char *json, struct ir_geom_profile *p)
{
    struct ir_diag d = {{0}};
    json_error_t jerr;
    json_t *obj = json_loads(json, 0, &jerr); /* owned */

    assert_non_null(obj);
    if (ir_core_geometry_profile_parse(obj, p, &d) != IR_OK)
        fail_msg("profile %s: %s", json, d.msg);
    json_decref(obj);
}

static void
request(struct ir_request *r, const char *tier, const char *aspect)
{
    ir_request_init(r);
    (void)snprintf(r->resolution, sizeof r->resolution, "%s", tier);
    (void)snprintf(r->aspect_ratio, sizeof r->aspect_ratio, "%s", aspect);
}

static void
pixel_request(struct ir_request *r, int w, int h, const char *tier)
{
    ir_request_init(r);
    r->size_kind = IR_SIZE_PIXELS;
    (void)snprintf(r->size, sizeof r->size, "%dx%d", w, h);
    r->size_w = w;
    r->size_h = h;
    (void)snprintf(r->resolution, sizeof r->resolution, "%s", tier);
}

struct geom_case {
    const char *tier, *aspect; /* request */
    int w, h;
    const char *out_tier, *out_aspect;
};

static void
run_cases(const struct ir_geom_profile *p, const char *const *aspects,
          size_t naspects, const struct geom_case *cases, size_t n)
{
    struct ir_geom_target t;
    struct ir_request r;
    struct ir_error e;
    size_t i;

    for (i = 0; i < n; i++) {
        request(&r, cases[i].tier, cases[i].aspect);
        ir_error_init(&e);
        if (ir_core_geometry_resolve(&r, p, aspects, naspects, &t, &e) !=
            IR_OK)
            fail_msg("case %zu (%s %s): %s", i, cases[i].tier,
                     cases[i].aspect, e.message);
        if (t.w != cases[i].w || t.h != cases[i].h ||
            strcmp(t.tier, cases[i].out_tier) != 0 ||
            strcmp(t.aspect, cases[i].out_aspect) != 0)
            fail_msg("case %zu (%s %s): got %dx%d %s '%s', want %dx%d %s "
                     "'%s'",
                     i, cases[i].tier, cases[i].aspect, t.w, t.h, t.tier,
                     t.aspect, cases[i].w, cases[i].h, cases[i].out_tier,
                     cases[i].out_aspect);
        ir_error_cleanup(&e);
        ir_request_cleanup(&r);
    }
}

static void
test_tiers_and_ratios(void **state)
{
    static const char *const with_auto[] = {"auto", "4:3", "3:4", "1:1"};
    static const char *const only_auto[] = {"auto"};

    (void)state;
    assert_int_equal(ir_core_geometry_tier_pixels("512"), 262144);
    assert_int_equal(ir_core_geometry_tier_pixels("768"), 589824);
    assert_int_equal(ir_core_geometry_tier_pixels("1K"), 1048576);
    assert_int_equal(ir_core_geometry_tier_pixels("1k"), 1048576);
    assert_int_equal(ir_core_geometry_tier_pixels("1.5K"), 2359296);
    assert_int_equal(ir_core_geometry_tier_pixels("2K"), 4194304);
    assert_int_equal(ir_core_geometry_tier_pixels("4K"), 16777216);
    assert_int_equal(ir_core_geometry_tier_pixels("8K"), 0);
    assert_int_equal(ir_core_geometry_tier_pixels(""), 0);

    assert_float_equal(ir_core_geometry_aspect_value("16:9"), 16.0 / 9,
                       1e-12);
    assert_float_equal(ir_core_geometry_aspect_value("9:19.5"), 9 / 19.5,
                       1e-12);
    assert_float_equal(ir_core_geometry_aspect_value("2.35:1"), 2.35, 1e-12);
    assert_float_equal(ir_core_geometry_aspect_value("auto"), 0, 0);
    assert_float_equal(ir_core_geometry_aspect_value("16:"), 0, 0);
    assert_float_equal(ir_core_geometry_aspect_value("0:1"), 0, 0);
    assert_float_equal(ir_core_geometry_aspect_value("a:b"), 0, 0);
    assert_float_equal(ir_core_geometry_aspect_value("16:9x"), 0, 0);
    assert_float_equal(ir_core_geometry_aspect_value(""), 0, 0);

    /* Nearest by |log a - log b|: 4:3 (1.333) is nearer 3:2 than 1:1. */
    assert_string_equal(ir_core_geometry_nearest_aspect(4.0 / 3, gpt_aspects,
                                                        N(gpt_aspects)),
                        "4:3");
    assert_string_equal(ir_core_geometry_nearest_aspect(0.125, gpt_aspects,
                                                        N(gpt_aspects)),
                        "9:16");
    assert_string_equal(ir_core_geometry_nearest_aspect(2.35, gpt_aspects,
                                                        N(gpt_aspects)),
                        "21:9");
    /* 9:21 (0.4286): 9:16 at 0.272 beats 1:4 at 0.539. */
    assert_string_equal(ir_core_geometry_nearest_aspect(9.0 / 21,
                                                        gemini_aspects,
                                                        N(gemini_aspects)),
                        "9:16");
    /* 2:1: 16:9 at 0.118 beats 21:9 at 0.154. */
    assert_string_equal(ir_core_geometry_nearest_aspect(2.0, gemini_aspects,
                                                        N(gemini_aspects)),
                        "16:9");
    /* "auto" is skipped; 4:3 and 3:4 tie around 1:1 and the first listed
     * wins. */
    assert_string_equal(ir_core_geometry_nearest_aspect(1.0, with_auto, 4),
                        "1:1");
    assert_string_equal(ir_core_geometry_nearest_aspect(1.0, with_auto, 3),
                        "4:3");
    assert_string_equal(ir_core_geometry_nearest_aspect(1.0, with_auto + 2,
                                                        1),
                        "3:4");
    assert_null(ir_core_geometry_nearest_aspect(1.0, only_auto, 1));
    assert_null(ir_core_geometry_nearest_aspect(1.0, NULL, 0));
}

static void
test_profile_parse(void **state)
{
    static const char *const bad[] = {
        "[]",
        "{}",
        "{\"kind\":\"pixels\"}",
        "{\"kind\":\"sizes\"}",
        "{\"kind\":\"sizes\",\"sizes\":[]}",
        "{\"kind\":\"sizes\",\"sizes\":[\"1024\"]}",
        "{\"kind\":\"sizes\",\"sizes\":[\"1024x0\"]}",
        "{\"kind\":\"sizes\",\"sizes\":[\"1024x1024px\"]}",
        "{\"kind\":\"sizes\",\"sizes\":[1024]}",
        "{\"kind\":\"bounds\",\"min_side\":2048,\"max_side\":1024}",
        "{\"kind\":\"bounds\",\"min_pixels\":9,\"max_pixels\":8}",
        "{\"kind\":\"bounds\",\"multiple\":-8}",
        "{\"kind\":\"bounds\",\"multiple\":16.5}",
        "{\"kind\":\"bounds\",\"min_aspect\":\"wide\"}",
        "{\"kind\":\"bounds\",\"min_aspect\":4,\"max_aspect\":0.25}",
        "{\"kind\":\"tiers\",\"default_tier\":\"3K\"}",
        "{\"kind\":\"tiers\",\"default_aspect\":\"wide\"}",
        "{\"kind\":\"tiers\",\"tiers\":[\"1K\",\"8K\"]}",
    };
    struct ir_geom_profile p;
    struct ir_diag d;
    json_t *obj; /* owned */
    size_t i;

    (void)state;
    profile("{\"kind\":\"sizes\",\"sizes\":[\"1024x1024\",\"1536x1024\"],"
            "\"default_tier\":\"1k\"}",
            &p);
    assert_int_equal(p.kind, IR_GEOM_SIZES);
    assert_int_equal(p.nsizes, 2);
    assert_int_equal(p.sizes[1].w, 1536);
    assert_int_equal(p.sizes[1].h, 1024);
    assert_string_equal(p.default_tier, "1K");

    profile("{\"kind\":\"bounds\",\"min_side\":64,\"max_side\":4096,"
            "\"min_pixels\":4096,\"max_pixels\":4194304,\"multiple\":16,"
            "\"min_aspect\":\"1:4\",\"max_aspect\":4,"
            "\"default_aspect\":\"1:1\",\"tiers\":[\"1K\",\"2k\"]}",
            &p);
    assert_int_equal(p.kind, IR_GEOM_BOUNDS);
    assert_int_equal(p.min_side, 64);
    assert_int_equal(p.max_side, 4096);
    assert_int_equal(p.min_pixels, 4096);
    assert_int_equal(p.max_pixels, 4194304);
    assert_int_equal(p.multiple, 16);
    assert_float_equal(p.min_aspect, 0.25, 1e-12);
    assert_float_equal(p.max_aspect, 4, 1e-12);
    assert_string_equal(p.default_aspect, "1:1");
    assert_int_equal(p.ntiers, 2);
    assert_string_equal(p.tiers[1], "2K");

    profile("{\"kind\":\"tiers\"}", &p);
    assert_int_equal(p.kind, IR_GEOM_TIERS);
    assert_string_equal(p.default_tier, "");

    for (i = 0; i < N(bad); i++) {
        memset(&d, 0, sizeof d);
        obj = json_loads(bad[i], 0, NULL);
        assert_non_null(obj);
        if (ir_core_geometry_profile_parse(obj, &p, &d) != IR_EPARSE)
            fail_msg("accepted %s", bad[i]);
        assert_non_null(strstr(d.msg, "geometry"));
        json_decref(obj);
    }
    assert_int_equal(ir_core_geometry_profile_parse(NULL, &p, NULL),
                     IR_EPARSE);
}

/* OpenAI gpt-image-1/2: three sizes; nearest aspect, then nearest area. */
static void
test_sizes_profile(void **state)
{
    static const struct geom_case cases[] = {
        {"1K", "1:1", 1024, 1024, "1K", "1:1"},
        {"2K", "1:1", 1024, 1024, "2K", "1:1"},
        {"4K", "16:9", 1536, 1024, "4K", "16:9"},
        {"1K", "9:16", 1024, 1536, "1K", "9:16"},
        {"1K", "3:2", 1536, 1024, "1K", "3:2"},
        {"1K", "4:3", 1536, 1024, "1K", "4:3"},  /* 0.118 vs 0.288 */
        {"1K", "3:4", 1024, 1536, "1K", "3:4"},
        {"512", "21:9", 1536, 1024, "512", "21:9"},
        /* Clamped to gpt-image-2's enum first. */
        {"1K", "1:8", 1024, 1536, "1K", "9:16"},
        {"1K", "2.35:1", 1536, 1024, "1K", "21:9"},
        {"1K", "5:4", 1536, 1024, "1K", "4:3"},
        {"1K", "4:5", 1024, 1536, "1K", "3:4"},
        /* auto is in the enum: passed on; pixels for 1:1. */
        {"1K", "auto", 1024, 1024, "1K", "auto"},
        /* Nothing asked: profile default tier, no aspect. */
        {"", "", 1024, 1024, "1K", ""},
    };
    struct ir_geom_profile p;

    (void)state;
    profile("{\"kind\":\"sizes\",\"sizes\":[\"1024x1024\",\"1536x1024\","
            "\"1024x1536\"],\"default_tier\":\"1K\"}",
            &p);
    run_cases(&p, gpt_aspects, N(gpt_aspects), cases, N(cases));
}

static void
test_sizes_area_tiebreak(void **state)
{
    /* dall-e-2 style: one aspect, three areas; the tier picks the area. */
    static const struct geom_case cases[] = {
        {"512", "1:1", 512, 512, "512", "1:1"},
        {"1K", "1:1", 1024, 1024, "1K", "1:1"},
        {"4K", "16:9", 1024, 1024, "4K", "16:9"},
        {"768", "1:1", 1024, 1024, "768", "1:1"}, /* |ln 1.78| < |ln 2.25| */
    };
    struct ir_geom_profile p;

    (void)state;
    profile("{\"kind\":\"sizes\",\"sizes\":[\"256x256\",\"512x512\","
            "\"1024x1024\"]}",
            &p);
    run_cases(&p, NULL, 0, cases, N(cases));
}

/* BFL-like: multiple of 16, sides 64..4096, at most 4 MP (2048^2). */
static void
test_bounds_profile_16(void **state)
{
    static const struct geom_case cases[] = {
        {"1K", "1:1", 1024, 1024, "1K", "1:1"},
        {"512", "1:1", 512, 512, "512", "1:1"},
        /* 1365.33 x 768 -> 1360 x 768 */
        {"1K", "16:9", 1360, 768, "1K", "16:9"},
        /* 2730.67 x 1536 -> 2736 x 1536 = 4202496 > max -> 2720 x 1536 */
        {"2K", "16:9", 2720, 1536, "2K", "16:9"},
        /* 16.7 MP scaled to 4 MP */
        {"4K", "1:1", 2048, 2048, "4K", "1:1"},
        {"4K", "9:16", 1536, 2720, "4K", "9:16"},
        /* 3128.5 x 1340.8 -> 3136 x 1344 (over) -> 3120 x 1344 */
        {"2K", "21:9", 3120, 1344, "2K", "21:9"},
        /* 362.04 x 2896.3 -> 368 x 2896 */
        {"1K", "1:8", 368, 2896, "1K", "1:8"},
        /* 4 MP at 1:8 is 724 x 5793: the long side caps at 4096 */
        {"4K", "1:8", 512, 4096, "4K", "1:8"},
        /* 1.5K 3:2: 1881.1 x 1254.1 -> 1888 x 1248 */
        {"1.5K", "3:2", 1888, 1248, "1.5K", "3:2"},
    };
    struct ir_geom_profile p;

    (void)state;
    profile("{\"kind\":\"bounds\",\"min_side\":64,\"max_side\":4096,"
            "\"max_pixels\":4194304,\"multiple\":16}",
            &p);
    run_cases(&p, NULL, 0, cases, N(cases));
}

/* The built-in renderer's: multiple of 8, sides 64..8192, 4096^2 max. */
static void
test_bounds_profile_8(void **state)
{
    static const struct geom_case cases[] = {
        /* 5461.33 x 3072 -> 5464 x 3072 (over) -> 5456 x 3072 */
        {"4K", "16:9", 5456, 3072, "4K", "16:9"},
        {"4K", "1:1", 4096, 4096, "4K", "1:1"},
        /* 1182.4 x 886.8 -> 1184 x 888 */
        {"1K", "4:3", 1184, 888, "1K", "4:3"},
        /* 1672.2 x 2508.3 -> 1672 x 2512 */
        {"2K", "2:3", 1672, 2512, "2K", "2:3"},
        /* 9:19.5: 695.7 x 1507.3 -> 696 x 1504 */
        {"1K", "9:19.5", 696, 1504, "1K", "9:19.5"},
        /* Nothing asked: default tier 1K, default aspect 1:1. */
        {"", "", 1024, 1024, "1K", "1:1"},
        /* auto, no enum: passed on as auto, pixels for 1:1. */
        {"2K", "auto", 2048, 2048, "2K", "auto"},
    };
    struct ir_geom_profile p;

    (void)state;
    profile("{\"kind\":\"bounds\",\"min_side\":64,\"max_side\":8192,"
            "\"multiple\":8,\"max_pixels\":16777216,\"default_tier\":\"1K\","
            "\"default_aspect\":\"1:1\"}",
            &p);
    run_cases(&p, NULL, 0, cases, N(cases));
}

static void
test_bounds_aspect_and_min(void **state)
{
    static const struct geom_case cases[] = {
        /* 1:8 clamped to the 1:4 floor, area kept: 512 x 2048 */
        {"1K", "1:8", 512, 2048, "1K", "1:8"},
        /* 512 tier is below min_pixels 1 MP: scaled up to 1024 x 1024 */
        {"512", "1:1", 1024, 1024, "512", "1:1"},
        /* 8:1 clamped to 4:1 at 4 MP: 4096 x 1024 */
        {"2K", "8:1", 4096, 1024, "2K", "8:1"},
    };
    struct ir_geom_profile p;

    (void)state;
    profile("{\"kind\":\"bounds\",\"min_side\":256,\"max_side\":4096,"
            "\"min_pixels\":1048576,\"max_pixels\":4194304,\"multiple\":64,"
            "\"min_aspect\":\"1:4\",\"max_aspect\":\"4:1\"}",
            &p);
    run_cases(&p, NULL, 0, cases, N(cases));
}

/* Gemini 3.1 Flash: the provider takes the tier and the ratio. */
static void
test_tiers_profile(void **state)
{
    static const struct geom_case cases[] = {
        {"2K", "3:4", 1774, 2365, "2K", "3:4"},
        {"4K", "21:9", 6257, 2681, "4K", "21:9"},
        {"1K", "16:9", 1365, 768, "1K", "16:9"},
        {"512", "1:1", 512, 512, "512", "1:1"},
        /* Unlisted ratios clamp to the nearest listed. */
        {"1K", "9:21", 768, 1365, "1K", "9:16"},
        {"1K", "2:1", 1365, 768, "1K", "16:9"},
        /* 19.5:9 (2.167): 21:9 at 0.074 beats 16:9 at 0.198 */
        {"1K", "19.5:9", 1564, 670, "1K", "21:9"},
        /* 1:2: 9:16 at 0.118 beats 2:3 at 0.288 and 1:4 at 0.693 */
        {"1K", "1:2", 768, 1365, "1K", "9:16"},
        /* auto, and the enum has no auto: left to the provider. */
        {"2K", "auto", 0, 0, "2K", ""},
        /* Nothing asked: default tier, provider's own shape. */
        {"", "", 0, 0, "1K", ""},
    };
    struct ir_geom_profile p;

    (void)state;
    profile("{\"kind\":\"tiers\"}", &p);
    run_cases(&p, gemini_aspects, N(gemini_aspects), cases, N(cases));
}

static void
test_tiers_defaults(void **state)
{
    static const char *const seedream[] = {"1:1", "16:9", "9:16", "auto"};
    static const struct geom_case with_defaults[] = {
        {"", "", 2048, 2048, "2K", "1:1"},
        {"4K", "", 4096, 4096, "4K", "1:1"},
        /* auto, with auto in the enum: auto, pixels at default 1:1 */
        {"", "auto", 0, 0, "2K", "auto"},
    };
    struct ir_geom_profile p;

    (void)state;
    profile("{\"kind\":\"tiers\",\"default_tier\":\"2K\","
            "\"default_aspect\":\"1:1\"}",
            &p);
    run_cases(&p, seedream, N(seedream), with_defaults, N(with_defaults));
}

struct pixel_case {
    int w, h;
    const char *tier; /* resolution given with the size */
    int ow, oh;
    const char *out_tier, *out_aspect;
};

static void
run_pixel_cases(const struct ir_geom_profile *p, const char *const *aspects,
                size_t naspects, const struct pixel_case *cases, size_t n)
{
    struct ir_geom_target t;
    struct ir_request r;
    struct ir_error e;
    size_t i;

    for (i = 0; i < n; i++) {
        pixel_request(&r, cases[i].w, cases[i].h, cases[i].tier);
        ir_error_init(&e);
        if (ir_core_geometry_resolve(&r, p, aspects, naspects, &t, &e) !=
            IR_OK)
            fail_msg("case %zu: %s", i, e.message);
        if (t.w != cases[i].ow || t.h != cases[i].oh ||
            strcmp(t.tier, cases[i].out_tier) != 0 ||
            strcmp(t.aspect, cases[i].out_aspect) != 0)
            fail_msg("case %zu (%dx%d): got %dx%d %s '%s', want %dx%d %s "
                     "'%s'",
                     i, cases[i].w, cases[i].h, t.w, t.h, t.tier, t.aspect,
                     cases[i].ow, cases[i].oh, cases[i].out_tier,
                     cases[i].out_aspect);
        ir_error_cleanup(&e);
        ir_request_cleanup(&r);
    }
}

static void
test_explicit_sizes(void **state)
{
    static const struct pixel_case on_sizes[] = {
        /* 0.728: 1024x1536 (0.088) beats 1024x1024 (0.317); area 1.57 MP
         * needs 1.5K (1K + 10% is 1.15 MP) */
        {1328, 1824, "", 1024, 1536, "1.5K", "2:3"},
        {1024, 1024, "", 1024, 1024, "1K", "1:1"},
        {1920, 1080, "2K", 1536, 1024, "2K", "3:2"},
    };
    static const struct pixel_case on_bounds[] = {
        {1328, 1824, "", 1328, 1824, "1.5K", "3:4"},
        /* 15 MP scaled to 4 MP: 2644 x 1586.4 -> 2640 x 1584 */
        {5000, 3000, "", 2640, 1584, "2K", "16:9"},
        /* off the grid: 1000 x 1000 -> 1008 x 1008 */
        {1000, 1000, "1K", 1008, 1008, "1K", "1:1"},
        /* too thin: the long side caps, the short one floors at 64 */
        {8000, 100, "", 4096, 64, "512", "8:1"},
    };
    static const struct pixel_case on_tiers[] = {
        /* 0.728 -> 3:4; 2.42 MP -> 1.5K (2.36 MP + 10% covers it) */
        {1328, 1824, "", 1774, 2365, "2K", "3:4"},
        {1024, 1024, "", 1024, 1024, "1K", "1:1"},
        /* 2:1 -> 16:9; 2.1 MP -> 2K; reported as 2K 16:9's ideal */
        {2048, 1024, "", 2731, 1536, "2K", "16:9"},
        /* a resolution given with the size is the tier */
        {700, 700, "512", 512, 512, "512", "1:1"},
    };
    struct ir_geom_profile p;

    (void)state;
    profile("{\"kind\":\"sizes\",\"sizes\":[\"1024x1024\",\"1536x1024\","
            "\"1024x1536\"]}",
            &p);
    run_pixel_cases(&p, gpt_aspects, N(gpt_aspects), on_sizes, N(on_sizes));
    profile("{\"kind\":\"bounds\",\"min_side\":64,\"max_side\":4096,"
            "\"max_pixels\":4194304,\"multiple\":16}",
            &p);
    run_pixel_cases(&p, NULL, 0, on_bounds, N(on_bounds));
    /* Gemini takes 512/1K/2K/4K only: 2.42 MP needs 2K there. */
    profile("{\"kind\":\"tiers\",\"tiers\":[\"512\",\"1K\",\"2K\",\"4K\"]}",
            &p);
    run_pixel_cases(&p, gemini_aspects, N(gemini_aspects), on_tiers,
                    N(on_tiers));
}

static void
test_tier_for_pixels(void **state)
{
    struct ir_geom_profile p;

    (void)state;
    assert_string_equal(ir_core_geometry_tier_for_pixels(NULL, 1), "512");
    assert_string_equal(ir_core_geometry_tier_for_pixels(NULL, 1048576),
                        "1K");
    /* Gemini 1K at 16:9 is 1376 x 768, 0.8% over: still 1K. */
    assert_string_equal(ir_core_geometry_tier_for_pixels(NULL, 1376 * 768),
                        "1K");
    assert_string_equal(ir_core_geometry_tier_for_pixels(NULL, 1920 * 1080),
                        "1.5K");
    assert_string_equal(ir_core_geometry_tier_for_pixels(NULL, 3840 * 2160),
                        "4K");
    assert_string_equal(ir_core_geometry_tier_for_pixels(NULL, 30000000),
                        "4K");
    profile("{\"kind\":\"tiers\",\"tiers\":[\"2K\",\"1K\"]}", &p);
    assert_string_equal(ir_core_geometry_tier_for_pixels(&p, 1920 * 1080),
                        "2K");
    assert_string_equal(ir_core_geometry_tier_for_pixels(&p, 100), "1K");
    assert_string_equal(ir_core_geometry_tier_for_pixels(&p, 3840 * 2160),
                        "2K");
}

static void
test_unmeetable(void **state)
{
    struct ir_geom_profile p;
    struct ir_geom_target t;
    struct ir_request r;
    struct ir_error e;

    (void)state;
    /* Sides fixed at 1024 but at least 2 MP asked: nothing fits. */
    profile("{\"kind\":\"bounds\",\"min_side\":1024,\"max_side\":1024,"
            "\"min_pixels\":2000000}",
            &p);
    request(&r, "1K", "1:1");
    ir_error_init(&e);
    assert_int_equal(ir_core_geometry_resolve(&r, &p, NULL, 0, &t, &e),
                     IR_EINVAL);
    assert_int_equal(e.status, 400);
    assert_non_null(strstr(e.message, "1024-1024"));
    assert_string_equal(json_string_value(
                            json_object_get(e.metadata, "error_type")),
                        "unsupported_parameter");
    ir_error_cleanup(&e);
    ir_request_cleanup(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiers_and_ratios),
        cmocka_unit_test(test_profile_parse),
        cmocka_unit_test(test_sizes_profile),
        cmocka_unit_test(test_sizes_area_tiebreak),
        cmocka_unit_test(test_bounds_profile_16),
        cmocka_unit_test(test_bounds_profile_8),
        cmocka_unit_test(test_bounds_aspect_and_min),
        cmocka_unit_test(test_tiers_profile),
        cmocka_unit_test(test_tiers_defaults),
        cmocka_unit_test(test_explicit_sizes),
        cmocka_unit_test(test_tier_for_pixels),
        cmocka_unit_test(test_unmeetable),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
