/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/core/test_pricing.c - core/pricing.c: every pricing shape
 * (token, image, megapixel, request; hidden rates; tier, quality x tier
 * and high_resolution variants; empty pricing), behavior.md 6.2's worked
 * examples to the nano-dollar, rounding, estimates and validation. Each
 * expected figure is worked out by hand in the comment beside it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/pricing.h"
#include "util/mem.h"

static json_t *
js(const char *s)
{
    json_error_t e;
    json_t *v = json_loads(s, JSON_DECODE_ANY, &e); /* owned */

    if (v == NULL)
        fail_msg("bad test JSON %s: %s", s, e.text);
    return v;
}

/* Prices one generation; pricing and config are JSON text. */
static struct ir_cost
cost(const char *pricing, const char *config, const struct ir_price_input *in)
{
    json_t *p = js(pricing), *c = js(config); /* owned */
    struct ir_cost out;

    assert_int_equal(ir_core_pricing_cost(p, c, in, &out), IR_OK);
    json_decref(p);
    json_decref(c);
    return out;
}

static void
input(struct ir_price_input *in, const char *tier, size_t nimages, int w,
      int h)
{
    size_t i;

    memset(in, 0, sizeof *in);
    in->tier = tier;
    in->nimages = nimages;
    for (i = 0; i < nimages; i++) {
        in->sizes[i].w = w;
        in->sizes[i].h = h;
    }
}

static void
tokens(struct ir_price_input *in, long long prompt_text,
       long long prompt_image, long long completion, long long image)
{
    in->usage.has_tokens = true;
    in->usage.prompt_text_tokens = prompt_text;
    in->usage.prompt_image_tokens = prompt_image;
    in->usage.prompt_tokens = prompt_text + prompt_image;
    in->usage.completion_tokens = completion;
    in->usage.image_tokens = image;
}

#define GEMINI_FLASH                                                       \
    "[{\"billable\":\"output_image\",\"unit\":\"token\","                  \
    "\"cost_usd\":0.00006}]"
#define GEMINI_FLASH_CFG                                                   \
    "{\"hidden_rates\":{\"input_text_token\":0.0000005,"                   \
    "\"output_text_token\":0.000003}}"
#define GPT_IMAGE_2                                                        \
    "[{\"billable\":\"input_image\",\"unit\":\"token\",\"cost_usd\":0.000008}," \
    "{\"billable\":\"input_text\",\"unit\":\"token\",\"cost_usd\":0.000005}," \
    "{\"billable\":\"output_image\",\"unit\":\"token\",\"cost_usd\":0.00003}]"
#define GEMINI_PRO                                                         \
    "[{\"billable\":\"input_image\",\"unit\":\"token\",\"cost_usd\":0.000002}," \
    "{\"billable\":\"output_image\",\"unit\":\"token\",\"cost_usd\":0.00012}]"
#define GEMINI_PRO_CFG                                                     \
    "{\"hidden_rates\":{\"input_text_token\":0.000002,"                    \
    "\"output_text_token\":0.000012}}"

/* behavior.md 6.2: gemini-3.1-flash-image, 512, 1:1. */
static void
test_worked_gemini_flash(void **state)
{
    struct ir_price_input in;
    struct ir_cost c;

    (void)state;
    input(&in, "512", 1, 512, 512);
    tokens(&in, 11, 0, 747, 747);
    c = cost(GEMINI_FLASH, GEMINI_FLASH_CFG, &in);
    assert_true(c.known);
    /* 747 x 60000 = 44820000; 11 x 500 (hidden $0.50/M) = 5500 */
    assert_int_equal(c.completion_nanos, 44820000);
    assert_int_equal(c.prompt_nanos, 5500);
    assert_int_equal(c.total_nanos, 44825500);
    assert_true(ir_core_pricing_usd(c.total_nanos) == 0.0448255);
}

/* behavior.md 5 and 6.2: gpt-image-2, low, 3:4 (1152x1536). */
static void
test_worked_gpt_image_2(void **state)
{
    struct ir_price_input in;
    struct ir_cost c;

    (void)state;
    input(&in, "1K", 1, 1152, 1536);
    in.quality = IR_QUALITY_LOW;
    tokens(&in, 27, 0, 181, 181);
    c = cost(GPT_IMAGE_2, "{}", &in);
    /* 181 x 30000 = 5430000; 27 x 5000 = 135000 */
    assert_int_equal(c.completion_nanos, 5430000);
    assert_int_equal(c.prompt_nanos, 135000);
    assert_int_equal(c.total_nanos, 5565000);
    assert_true(ir_core_pricing_usd(c.total_nanos) == 0.005565);
    /* A hidden input rate never doubles a public input_text line. */
    c = cost(GPT_IMAGE_2, GEMINI_FLASH_CFG, &in);
    assert_int_equal(c.total_nanos, 5565000);
}

/* behavior.md 6.2: gemini-3-pro-image, 2K: 1120 image tokens x $120/M =
 * 0.1344, 87 text tokens x hidden $12/M = 0.001044, 279 prompt tokens x
 * hidden $2/M (the same as its public input_image/token line) = 0.000558;
 * 0.1344 + 0.001044 + 0.000558 = 0.136002. */
static void
test_worked_gemini_pro(void **state)
{
    struct ir_price_input in;
    struct ir_cost c;

    (void)state;
    input(&in, "2K", 1, 2048, 2048);
    tokens(&in, 279, 0, 1207, 1120);
    c = cost(GEMINI_PRO, GEMINI_PRO_CFG, &in);
    assert_int_equal(c.completion_nanos, 134400000 + 1044000);
    assert_int_equal(c.prompt_nanos, 558000);
    assert_int_equal(c.total_nanos, 136002000);
    assert_true(ir_core_pricing_usd(c.total_nanos) == 0.136002);
}

static void
test_token_split_fallbacks(void **state)
{
    struct ir_price_input in;
    struct ir_cost c;

    (void)state;
    /* No image_tokens split: all 181 completion tokens are image tokens;
     * no prompt_text split: prompt - prompt_image = 20 text tokens. */
    input(&in, "1K", 1, 1024, 1024);
    in.usage.has_tokens = true;
    in.usage.prompt_tokens = 30;
    in.usage.prompt_image_tokens = 10;
    in.usage.completion_tokens = 181;
    c = cost(GPT_IMAGE_2, "{}", &in);
    /* 181 x 30000 + 20 x 5000 + 10 x 8000 */
    assert_int_equal(c.completion_nanos, 5430000);
    assert_int_equal(c.prompt_nanos, 100000 + 80000);
    assert_int_equal(c.total_nanos, 5610000);

    /* A token-priced provider that reported nothing: the estimate's
     * per-image token figure, 5000 x 30000 per image. */
    input(&in, "1K", 2, 1024, 1024);
    c = cost(GPT_IMAGE_2, "{\"max_output_image_tokens\":5000}", &in);
    assert_int_equal(c.total_nanos, 2 * 150000000LL);
    c = cost(GPT_IMAGE_2, "{}", &in);
    assert_int_equal(c.total_nanos, 2 * 300000000LL);
}

#define FLUX_PRO                                                           \
    "[{\"billable\":\"output_image\",\"unit\":\"megapixel\","              \
    "\"cost_usd\":0.03}]"
#define FLUX_FLEX                                                          \
    "[{\"billable\":\"input_image\",\"unit\":\"megapixel\","               \
    "\"cost_usd\":0.06},{\"billable\":\"output_image\","                   \
    "\"unit\":\"megapixel\",\"cost_usd\":0.06}]"

static void
test_megapixel(void **state)
{
    struct ir_price_input in;
    struct ir_cost c;

    (void)state;
    /* 30000000 nanos/MP x 1048576 px / 1e6 = 31457280 */
    input(&in, "1K", 1, 1024, 1024);
    c = cost(FLUX_PRO, "{}", &in);
    assert_int_equal(c.total_nanos, 31457280);
    assert_int_equal(c.completion_nanos, 31457280);
    /* klein: 14000000 x 1048576 / 1e6 = 14680064 (a megapixel is 1e6
     * pixels, so a 1024^2 image is 1.048576 MP) */
    c = cost("[{\"billable\":\"output_image\",\"unit\":\"megapixel\","
             "\"cost_usd\":0.014}]",
             "{}", &in);
    assert_int_equal(c.total_nanos, 14680064);
    /* flex: 1 reference 1024x1024 in (62914560) + 1024x768 out:
     * 60000000 x 786432 / 1e6 = 47185920 */
    input(&in, "1K", 1, 1024, 768);
    in.nrefs = 1;
    in.ref_sizes[0].w = 1024;
    in.ref_sizes[0].h = 1024;
    c = cost(FLUX_FLEX, "{}", &in);
    assert_int_equal(c.prompt_nanos, 62914560);
    assert_int_equal(c.completion_nanos, 47185920);
    assert_int_equal(c.total_nanos, 110100480);
    /* A reference of unknown size counts as 1 MP: 60000000. */
    in.ref_sizes[0].w = in.ref_sizes[0].h = 0;
    c = cost(FLUX_FLEX, "{}", &in);
    assert_int_equal(c.prompt_nanos, 60000000);
    /* Output size unknown: the tier's budget, 1K = 1048576 px. */
    input(&in, "1K", 1, 0, 0);
    c = cost(FLUX_PRO, "{}", &in);
    assert_int_equal(c.total_nanos, 31457280);
}

static void
test_megapixel_rounding(void **state)
{
    struct ir_price_input in;
    struct ir_cost c;
    const char *p = "[{\"billable\":\"output_image\",\"unit\":\"megapixel\","
                    "\"cost_usd\":0.000000003}]";

    (void)state;
    /* 3 nanos/MP x 0.5 MP = 1.5 -> 2 (half up) */
    input(&in, "512", 1, 1000, 500);
    c = cost(p, "{}", &in);
    assert_int_equal(c.total_nanos, 2);
    /* Two such images: 3 x 1 MP = 3, rounded once for the line (per-image
     * rounding would give 4). */
    input(&in, "512", 2, 1000, 500);
    c = cost(p, "{}", &in);
    assert_int_equal(c.total_nanos, 3);
    /* 3 x 0.4999 MP = 1.4997 -> 1 */
    input(&in, "512", 1, 4999, 100);
    c = cost(p, "{}", &in);
    assert_int_equal(c.total_nanos, 1);
}

#define SEEDREAM_45                                                        \
    "[{\"billable\":\"output_image\",\"unit\":\"image\",\"cost_usd\":0.04}," \
    "{\"billable\":\"input_image\",\"unit\":\"image\",\"cost_usd\":0}]"
#define SEEDREAM_TIERED                                                    \
    "[{\"billable\":\"output_image\",\"unit\":\"image\",\"cost_usd\":0.04}," \
    "{\"billable\":\"output_image\",\"unit\":\"image\",\"cost_usd\":0.045," \
    "\"variant\":\"2k\"},{\"billable\":\"output_image\",\"unit\":\"image\"," \
    "\"cost_usd\":0.06,\"variant\":\"4k\"}]"

static void
test_per_image_and_tier_variants(void **state)
{
    struct ir_price_input in;
    struct ir_cost c;

    (void)state;
    /* 3 images returned (of n=4 asked) x 0.04; 2 refs x 0 */
    input(&in, "2K", 3, 2048, 2048);
    in.nrefs = 2;
    c = cost(SEEDREAM_45, "{}", &in);
    assert_int_equal(c.total_nanos, 120000000);
    assert_int_equal(c.prompt_nanos, 0);
    /* Tier variants: 2K -> 0.045, 4K -> 0.06, 1K -> the base 0.04 */
    input(&in, "2K", 1, 2048, 2048);
    assert_int_equal(cost(SEEDREAM_TIERED, "{}", &in).total_nanos, 45000000);
    in.tier = "4K";
    assert_int_equal(cost(SEEDREAM_TIERED, "{}", &in).total_nanos, 60000000);
    in.tier = "1K";
    assert_int_equal(cost(SEEDREAM_TIERED, "{}", &in).total_nanos, 40000000);
}

#define RIVERFLOW                                                          \
    "[{\"billable\":\"output_image\",\"unit\":\"image\",\"cost_usd\":0.13," \
    "\"variant\":\"1k\"},{\"billable\":\"output_image\",\"unit\":\"image\"," \
    "\"cost_usd\":0.15,\"variant\":\"2K\"},{\"billable\":\"output_image\"," \
    "\"unit\":\"image\",\"cost_usd\":0.17,\"variant\":\"4k\"}]"

static void
test_tier_variants_without_base(void **state)
{
    struct ir_price_input in;

    (void)state;
    input(&in, "1K", 1, 1024, 1024);
    assert_int_equal(cost(RIVERFLOW, "{}", &in).total_nanos, 130000000);
    in.tier = "2k"; /* variants and tiers match case-insensitively */
    assert_int_equal(cost(RIVERFLOW, "{}", &in).total_nanos, 150000000);
    /* A tier with no line: the smallest priced tier above it. */
    in.tier = "1.5K";
    assert_int_equal(cost(RIVERFLOW, "{}", &in).total_nanos, 150000000);
    in.tier = "512";
    assert_int_equal(cost(RIVERFLOW, "{}", &in).total_nanos, 130000000);
    /* Above every priced tier (riverflow-v2.5-fast has 1K and 2K): the
     * dearest line. */
    in.tier = "4K";
    assert_int_equal(cost("[{\"billable\":\"output_image\",\"unit\":"
                          "\"image\",\"cost_usd\":0.019,\"variant\":"
                          "\"1k\"},{\"billable\":\"output_image\","
                          "\"unit\":\"image\",\"cost_usd\":0.021,"
                          "\"variant\":\"2k\"}]",
                          "{}", &in)
                         .total_nanos,
                     21000000);
}

#define GROK_2                                                             \
    "[{\"billable\":\"output_image\",\"unit\":\"image\",\"cost_usd\":0.04," \
    "\"variant\":\"low_1k\"},{\"billable\":\"output_image\","              \
    "\"unit\":\"image\",\"cost_usd\":0.06,\"variant\":\"medium_1k\"},"     \
    "{\"billable\":\"output_image\",\"unit\":\"image\",\"cost_usd\":0.06," \
    "\"variant\":\"low_2k\"},{\"billable\":\"output_image\","              \
    "\"unit\":\"image\",\"cost_usd\":0.08,\"variant\":\"medium_2k\"},"     \
    "{\"billable\":\"input_image\",\"unit\":\"image\",\"cost_usd\":0.01}]"

static void
test_quality_tier_variants(void **state)
{
    struct ir_price_input in;
    struct ir_cost c;

    (void)state;
    /* low 1K + 1 reference: 0.04 + 0.01 */
    input(&in, "1K", 1, 1024, 1024);
    in.quality = IR_QUALITY_LOW;
    in.nrefs = 1;
    c = cost(GROK_2, "{}", &in);
    assert_int_equal(c.completion_nanos, 40000000);
    assert_int_equal(c.prompt_nanos, 10000000);
    assert_int_equal(c.total_nanos, 50000000);
    /* medium 2K */
    in.nrefs = 0;
    in.tier = "2K";
    in.quality = IR_QUALITY_MEDIUM;
    assert_int_equal(cost(GROK_2, "{}", &in).total_nanos, 80000000);
    /* low 2K */
    in.quality = IR_QUALITY_LOW;
    assert_int_equal(cost(GROK_2, "{}", &in).total_nanos, 60000000);
    /* No quality named at 1K: the dearest 1K line (medium_1k). */
    in.tier = "1K";
    in.quality = IR_QUALITY_UNSET;
    assert_int_equal(cost(GROK_2, "{}", &in).total_nanos, 60000000);
    in.quality = IR_QUALITY_AUTO;
    assert_int_equal(cost(GROK_2, "{}", &in).total_nanos, 60000000);
    /* A quality the provider lacks: still the tier's dearest line. */
    in.quality = IR_QUALITY_HIGH;
    assert_int_equal(cost(GROK_2, "{}", &in).total_nanos, 60000000);
    /* Two images at low 1K */
    input(&in, "1K", 2, 1024, 1024);
    in.quality = IR_QUALITY_LOW;
    assert_int_equal(cost(GROK_2, "{}", &in).total_nanos, 80000000);
}

#define SEEDREAM_5_PRO                                                     \
    "[{\"billable\":\"output_image\",\"unit\":\"image\",\"cost_usd\":0.045}," \
    "{\"billable\":\"output_image\",\"unit\":\"image\",\"cost_usd\":0.09,"  \
    "\"variant\":\"high_resolution\"},{\"billable\":\"input_image\","      \
    "\"unit\":\"image\",\"cost_usd\":0.003}]"

static void
test_high_resolution_variant(void **state)
{
    struct ir_price_input in;
    struct ir_cost c;

    (void)state;
    /* 2 x 2048^2 (4.19 MP > 2.36 MP): 2 x 0.09; 1 ref x 0.003 */
    input(&in, "2K", 2, 2048, 2048);
    in.nrefs = 1;
    c = cost(SEEDREAM_5_PRO, "{}", &in);
    assert_int_equal(c.completion_nanos, 180000000);
    assert_int_equal(c.prompt_nanos, 3000000);
    assert_int_equal(c.total_nanos, 183000000);
    /* 1K: the base line */
    input(&in, "1K", 1, 1024, 1024);
    assert_int_equal(cost(SEEDREAM_5_PRO, "{}", &in).total_nanos, 45000000);
    /* Per image: 2048^2 is high, 1536^2 (2359296 <= 2360000) is not */
    input(&in, "2K", 2, 2048, 2048);
    in.sizes[1].w = in.sizes[1].h = 1536;
    assert_int_equal(cost(SEEDREAM_5_PRO, "{}", &in).total_nanos,
                     90000000 + 45000000);
    /* Size unknown: the 2K budget (4.19 MP) decides. */
    input(&in, "2K", 1, 0, 0);
    assert_int_equal(cost(SEEDREAM_5_PRO, "{}", &in).total_nanos, 90000000);
}

#define RECRAFT_STYLES                                                     \
    "[{\"billable\":\"output_image\",\"unit\":\"image\",\"cost_usd\":0.035}," \
    "{\"billable\":\"input_reference\",\"unit\":\"request\","              \
    "\"cost_usd\":0.005}]"

static void
test_request_line(void **state)
{
    struct ir_price_input in;
    struct ir_cost c;

    (void)state;
    /* 2 images x 0.035 + one 0.005 style fee whatever the ref count */
    input(&in, "1K", 2, 1024, 1024);
    in.nrefs = 3;
    c = cost(RECRAFT_STYLES, "{}", &in);
    assert_int_equal(c.completion_nanos, 70000000);
    assert_int_equal(c.prompt_nanos, 5000000);
    assert_int_equal(c.total_nanos, 75000000);
    /* output_image/request and input_font/request also count once;
     * input_font per image has no quantity. */
    c = cost("[{\"billable\":\"output_image\",\"unit\":\"request\","
             "\"cost_usd\":0.01},{\"billable\":\"input_font\","
             "\"unit\":\"request\",\"cost_usd\":0.002},"
             "{\"billable\":\"input_font\",\"unit\":\"image\","
             "\"cost_usd\":5}]",
             "{}", &in);
    assert_int_equal(c.completion_nanos, 10000000);
    assert_int_equal(c.prompt_nanos, 2000000);
}

static void
test_input_reference_lines(void **state)
{
    struct ir_price_input in;
    struct ir_cost c;

    (void)state;
    /* Riverflow v2: 0.06/image out + 0.20 per reference image */
    input(&in, "1K", 1, 1024, 1024);
    in.nrefs = 2;
    c = cost("[{\"billable\":\"output_image\",\"unit\":\"image\","
             "\"cost_usd\":0.06},{\"billable\":\"input_reference\","
             "\"unit\":\"image\",\"cost_usd\":0.2}]",
             "{}", &in);
    assert_int_equal(c.total_nanos, 60000000 + 400000000);
    /* MAI 2.6: tokens in (image 0.000008, text 0.000005), out 0.000038 */
    tokens(&in, 40, 1000, 4000, 4000);
    c = cost("[{\"billable\":\"output_image\",\"unit\":\"token\","
             "\"cost_usd\":0.000038},{\"billable\":\"input_image\","
             "\"unit\":\"token\",\"cost_usd\":0.000008},"
             "{\"billable\":\"input_text\",\"unit\":\"token\","
             "\"cost_usd\":0.000005}]",
             "{}", &in);
    /* 4000 x 38000 = 152000000; 1000 x 8000 + 40 x 5000 = 8200000 */
    assert_int_equal(c.completion_nanos, 152000000);
    assert_int_equal(c.prompt_nanos, 8200000);
}

static void
test_unknown_pricing(void **state)
{
    struct ir_price_input in;
    struct ir_cost c;

    (void)state;
    input(&in, "1K", 1, 1024, 1024);
    c = cost("[]", "{}", &in);
    assert_false(c.known);
    assert_int_equal(c.total_nanos, 0);
    assert_int_equal(ir_core_pricing_cost(NULL, NULL, &in, &c), IR_OK);
    assert_false(c.known);
    /* Free is known: cost 0, not null. */
    c = cost("[{\"billable\":\"output_image\",\"unit\":\"image\","
             "\"cost_usd\":0}]",
             "{}", &in);
    assert_true(c.known);
    assert_int_equal(c.total_nanos, 0);
}

static struct ir_cost
estimate(const char *pricing, const char *config, const char *prompt, int n,
         size_t nrefs, const char *tier, int w, int h)
{
    json_t *p = js(pricing), *c = js(config); /* owned */
    struct ir_geom_target g;
    struct ir_request r;
    struct ir_cost out;

    ir_request_init(&r);
    r.prompt = (char *)prompt;
    r.nrefs = nrefs;
    memset(&g, 0, sizeof g);
    (void)snprintf(g.tier, sizeof g.tier, "%s", tier);
    g.w = w;
    g.h = h;
    assert_int_equal(ir_core_pricing_estimate(p, c, &r, &g, n, &out), IR_OK);
    json_decref(p);
    json_decref(c);
    return out;
}

static void
test_estimates(void **state)
{
    struct ir_cost c;

    (void)state;
    /* gpt-image-2, n=2: 2 x 10000 tokens x 30000 = 600000000; prompt
     * "a red panda" 11 bytes + 256 = 267 x 5000 = 1335000 */
    c = estimate(GPT_IMAGE_2, "{}", "a red panda", 2, 0, "1K", 1024, 1024);
    assert_int_equal(c.completion_nanos, 600000000);
    assert_int_equal(c.prompt_nanos, 1335000);
    assert_int_equal(c.total_nanos, 601335000);
    /* ... with 2 references: + 2 x 4096 x 8000 = 65536000 */
    c = estimate(GPT_IMAGE_2, "{}", "a red panda", 2, 2, "1K", 1024, 1024);
    assert_int_equal(c.prompt_nanos, 1335000 + 65536000);
    /* gemini-3-pro with catalog caps: 2000 x 120000 = 240000000 image,
     * 1000 x 12000 = 12000000 text out, (1 + 256) x 2000 = 514000 in */
    c = estimate(GEMINI_PRO,
                 "{\"hidden_rates\":{\"input_text_token\":0.000002,"
                 "\"output_text_token\":0.000012},"
                 "\"max_output_image_tokens\":2000,"
                 "\"max_output_text_tokens\":1000}",
                 "x", 1, 0, "2K", 0, 0);
    assert_int_equal(c.total_nanos, 240000000 + 12000000 + 514000);
    /* Seedream 5 pro, n=4 at 2K (size left to the provider: the 2K budget
     * is high resolution) + 2 refs: 4 x 0.09 + 2 x 0.003 */
    c = estimate(SEEDREAM_5_PRO, "{}", "p", 4, 2, "2K", 0, 0);
    assert_int_equal(c.total_nanos, 360000000 + 6000000);
    /* flux.2-flex at 1024x768 with 1 ref at the 2048^2 default cap:
     * 47185920 + 60000000 x 4194304 / 1e6 = 251658240 */
    c = estimate(FLUX_FLEX, "{}", "p", 1, 1, "1K", 1024, 768);
    assert_int_equal(c.total_nanos, 47185920 + 251658240);
    /* Recraft styles, n=6: 6 x 0.035 + 0.005 */
    c = estimate(RECRAFT_STYLES, "{}", "p", 6, 1, "1K", 1024, 1024);
    assert_int_equal(c.total_nanos, 215000000);
    /* n is clamped to 1..IR_MAX_N */
    c = estimate(SEEDREAM_45, "{}", "p", 0, 0, "1K", 1024, 1024);
    assert_int_equal(c.total_nanos, 40000000);
    c = estimate(SEEDREAM_45, "{}", "p", 99, 0, "1K", 1024, 1024);
    assert_int_equal(c.total_nanos, 400000000);
    /* Unknown pricing estimates as unknown. */
    c = estimate("[]", "{}", "p", 1, 0, "1K", 1024, 1024);
    assert_false(c.known);
}

static void
test_estimate_covers_cost(void **state)
{
    struct ir_price_input in;
    struct ir_cost est, act;

    (void)state;
    /* The reservation for one gpt-image-2 call covers the worked
     * example's actual charge. */
    est = estimate(GPT_IMAGE_2, "{}", "a red panda", 1, 0, "1K", 1152, 1536);
    input(&in, "1K", 1, 1152, 1536);
    tokens(&in, 27, 0, 181, 181);
    act = cost(GPT_IMAGE_2, "{}", &in);
    assert_true(est.total_nanos >= act.total_nanos);
}

static void
test_validate(void **state)
{
    static const char *const bad[] = {
        "{}",
        "[{\"billable\":\"output_video\",\"unit\":\"image\",\"cost_usd\":1}]",
        "[{\"billable\":\"output_image\",\"unit\":\"second\",\"cost_usd\":1}]",
        "[{\"billable\":\"output_image\",\"unit\":\"image\",\"cost_usd\":-1}]",
        "[{\"billable\":\"output_image\",\"unit\":\"image\","
        "\"cost_usd\":\"0.04\"}]",
        "[{\"billable\":\"output_image\",\"unit\":\"image\"}]",
        "[{\"billable\":\"output_image\",\"unit\":\"image\",\"cost_usd\":1,"
        "\"variant\":2}]",
        "[{\"billable\":\"output_image\",\"unit\":\"image\","
        "\"cost_usd\":2000000}]",
        "[\"output_image\"]",
    };
    struct ir_diag d;
    struct ir_price_input in;
    struct ir_cost c;
    json_t *p; /* owned */
    size_t i;

    (void)state;
    p = js(RECRAFT_STYLES);
    assert_int_equal(ir_core_pricing_validate(p, &d), IR_OK);
    json_decref(p);
    p = js("[]");
    assert_int_equal(ir_core_pricing_validate(p, &d), IR_OK);
    json_decref(p);
    input(&in, "1K", 1, 1024, 1024);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&d, 0, sizeof d);
        p = js(bad[i]);
        if (ir_core_pricing_validate(p, &d) != IR_EINVAL)
            fail_msg("accepted %s", bad[i]);
        assert_non_null(strstr(d.msg, "pricing"));
        assert_int_equal(ir_core_pricing_cost(p, NULL, &in, &c), IR_EINVAL);
        json_decref(p);
    }
}

static void
test_overflow(void **state)
{
    struct ir_price_input in;
    struct ir_cost c;
    json_t *p = js(GPT_IMAGE_2); /* owned */

    (void)state;
    input(&in, "1K", 1, 1024, 1024);
    tokens(&in, 0, 0, 1LL << 50, 1LL << 50);
    assert_int_equal(ir_core_pricing_cost(p, NULL, &in, &c), IR_ETOOBIG);
    json_decref(p);
}

static void
test_nanos_exact(void **state)
{
    struct ir_price_input in;

    (void)state;
    /* Decimal prices that are inexact in binary still land on the exact
     * nano: 0.000000175/token (175) x 3 = 525; 0.1 + 0.2 per image. */
    input(&in, "1K", 1, 1024, 1024);
    tokens(&in, 0, 0, 3, 3);
    assert_int_equal(cost("[{\"billable\":\"output_image\",\"unit\":"
                          "\"token\",\"cost_usd\":0.000000175}]",
                          "{}", &in)
                         .total_nanos,
                     525);
    assert_int_equal(cost("[{\"billable\":\"output_image\",\"unit\":"
                          "\"image\",\"cost_usd\":0.1},{\"billable\":"
                          "\"output_image\",\"unit\":\"image\","
                          "\"cost_usd\":0.2}]",
                          "{}", &in)
                         .total_nanos,
                     300000000);
    assert_true(ir_core_pricing_usd(300000000) == 0.3);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worked_gemini_flash),
        cmocka_unit_test(test_worked_gpt_image_2),
        cmocka_unit_test(test_worked_gemini_pro),
        cmocka_unit_test(test_token_split_fallbacks),
        cmocka_unit_test(test_megapixel),
        cmocka_unit_test(test_megapixel_rounding),
        cmocka_unit_test(test_per_image_and_tier_variants),
        cmocka_unit_test(test_tier_variants_without_base),
        cmocka_unit_test(test_quality_tier_variants),
        cmocka_unit_test(test_high_resolution_variant),
        cmocka_unit_test(test_request_line),
        cmocka_unit_test(test_input_reference_lines),
        cmocka_unit_test(test_unknown_pricing),
        cmocka_unit_test(test_estimates),
        cmocka_unit_test(test_estimate_covers_cost),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_nanos_exact),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
