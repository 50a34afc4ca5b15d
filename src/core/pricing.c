/* SPDX-License-Identifier: Apache-2.0
 * core/pricing.c - the cost of one generation, and the most it can cost,
 * from an endpoint's pricing lines, in exact integer nano-dollars.
 *
 * Each cost_usd is turned into nanos once (llround(cost * 1e9); catalog
 * prices have at most 9 decimals, so this is exact), then multiplied by
 * integer quantities. A megapixel line sums nanos/MP x pixels over its
 * images and divides by 1e6 once, rounding half up.
 *
 * Quantities (behavior.md 6.2): output_image/image -> images returned;
 * output_image/megapixel -> their pixels; output_image/token -> image
 * tokens (all completion tokens when the provider does not split them);
 * input_image|input_reference/image -> references; /megapixel -> their
 * pixels (1 MP when unknown); /token -> prompt image tokens;
 * input_text/token -> prompt text tokens; any billable /request -> 1;
 * input_font other than /request -> 0 (no font inputs exist yet).
 * config.hidden_rates prices what the public lines leave out: prompt text
 * tokens when no input_text/token line exists, and completion tokens that
 * are not image tokens (thinking, text). Those three rates reproduce every
 * worked example in behavior.md 6.2.
 *
 * Variant choice, per (billable, unit) group and per output image: lines
 * whose variant matches (tier "2k"; quality_tier "low_1k"; or
 * "high_resolution" above 2.36 MP) win; else the unvarianted lines; else
 * the variant line of the smallest tier at or above the request's, of the
 * quality named if one is (of any quality else; the dearest on a tie);
 * else the dearest line. Never billing below what the provider might
 * charge is the point of the last two.
 *
 * When a token-priced provider reports no token counts, output images are
 * billed at the estimate's per-image token figure rather than at zero.
 * The estimate (the credit reservation) prices n images at the target
 * geometry with config "max_output_image_tokens" (10000) per image,
 * "max_output_text_tokens" (2048), "max_input_image_tokens" (4096) and
 * "max_input_pixels" (2048^2) per reference, and prompt bytes + 256
 * template tokens of prompt text.
 */
#include "core/pricing.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define PRICING_MAX_LINES 64
#define PRICING_HIGH_RES_PIXELS 2360000LL /* Seedream's "high_resolution" */
#define PRICING_PX_PER_MP 1000000LL
#define PRICING_DEFAULT_OUT_IMAGE_TOKENS 10000 /* per image, estimate */
#define PRICING_DEFAULT_OUT_TEXT_TOKENS 2048   /* per call, estimate */
#define PRICING_DEFAULT_IN_IMAGE_TOKENS 4096   /* per reference, estimate */
#define PRICING_DEFAULT_IN_PIXELS (2048LL * 2048) /* per reference */
#define PRICING_PROMPT_OVERHEAD 256 /* template tokens around a prompt */

enum pricing_billable {
    PRICING_OUTPUT_IMAGE,
    PRICING_INPUT_IMAGE,
    PRICING_INPUT_REFERENCE,
    PRICING_INPUT_TEXT,
    PRICING_INPUT_FONT,
};

enum pricing_unit {
    PRICING_UNIT_IMAGE,
    PRICING_UNIT_MEGAPIXEL,
    PRICING_UNIT_TOKEN,
    PRICING_UNIT_REQUEST,
};

struct pricing_line {
    enum pricing_billable billable;
    enum pricing_unit unit;
    int64_t nanos;       /* per unit */
    const char *variant; /* borrowed; "" when none */
};

struct pricing_lines {
    struct pricing_line v[PRICING_MAX_LINES];
    size_t n;
};

/* What variant choice looks at. */
struct pricing_ctx {
    const char *tier;
    enum ir_quality quality;
    long long pixels; /* of the image being priced */
};

/* Hidden per-token rates from config.hidden_rates. */
struct pricing_hidden {
    int64_t in_text, out_text;
};

static ir_err pricing_parse(const json_t *pricing, struct pricing_lines *out,
                            struct ir_diag *d) IR_MUST_CHECK;
static ir_err pricing_compute(const struct pricing_lines *lines,
                              const json_t *config,
                              const struct ir_price_input *in,
                              int64_t fallback_image_tokens,
                              struct ir_cost *out) IR_MUST_CHECK;
static ir_err pricing_add(int64_t *acc, int64_t nanos, long long qty)
    IR_MUST_CHECK;

static const char *const pricing_billable_names[] = {
    "output_image", "input_image", "input_reference", "input_text",
    "input_font",
};
static const char *const pricing_unit_names[] = {
    "image", "megapixel", "token", "request",
};

static int
pricing_lookup(const char *s, const char *const *names, size_t n)
{
    size_t i;

    for (i = 0; s != NULL && i < n; i++) {
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    }
    return -1;
}

static ir_err
pricing_usd_to_nanos(const json_t *v, int64_t *out)
{
    double usd;

    if (!json_is_number(v))
        return IR_EINVAL;
    usd = json_number_value(v);
    if (!isfinite(usd) || usd < 0 || usd > 1e6)
        return IR_EINVAL;
    *out = (int64_t)llround(usd * (double)IR_NANOS_PER_USD);
    return IR_OK;
}

static ir_err
pricing_parse(const json_t *pricing, struct pricing_lines *out,
              struct ir_diag *d)
{
    const json_t *jl, *var; /* borrowed */
    struct pricing_line *l;
    int b, u;
    size_t i;

    out->n = 0;
    if (pricing == NULL || json_is_null(pricing))
        return IR_OK;
    if (!json_is_array(pricing) ||
        json_array_size(pricing) > PRICING_MAX_LINES) {
        ir_diag_set(d, "pricing must be an array of at most %d lines",
                    PRICING_MAX_LINES);
        return IR_EINVAL;
    }
    json_array_foreach(pricing, i, jl) {
        l = &out->v[i];
        b = pricing_lookup(json_string_value(json_object_get(jl, "billable")),
                           pricing_billable_names, 5);
        u = pricing_lookup(json_string_value(json_object_get(jl, "unit")),
                           pricing_unit_names, 4);
        var = json_object_get(jl, "variant");
        if (b < 0 || u < 0 ||
            pricing_usd_to_nanos(json_object_get(jl, "cost_usd"),
                                 &l->nanos) != IR_OK ||
            (var != NULL && !json_is_null(var) && !json_is_string(var))) {
            ir_diag_set(d, "pricing[%zu]: needs billable (output_image, "
                           "input_image, input_reference, input_text, "
                           "input_font), unit (image, megapixel, token, "
                           "request), cost_usd from 0 to 1e6 and an "
                           "optional string variant",
                        i);
            return IR_EINVAL;
        }
        l->billable = (enum pricing_billable)b;
        l->unit = (enum pricing_unit)u;
        l->variant = json_is_string(var) ? json_string_value(var) : "";
        out->n = i + 1;
    }
    return IR_OK;
}

ir_err
ir_core_pricing_validate(const json_t *pricing, struct ir_diag *d)
{
    struct pricing_lines lines;

    return pricing_parse(pricing, &lines, d);
}

/* ---- variant choice -------------------------------------------------- */

static bool
pricing_quality_named(enum ir_quality q)
{
    return q != IR_QUALITY_UNSET && q != IR_QUALITY_AUTO;
}

/* The tier part of a variant ("2k", "low_2k" -> 2K budget); 0 if none. */
static long long
pricing_variant_tier_pixels(const char *v)
{
    const char *us = strrchr(v, '_');

    return ir_core_geometry_tier_pixels(us != NULL ? us + 1 : v);
}

/* Does the variant name exactly this request (and this image)? */
static bool
pricing_variant_exact(const char *v, const struct pricing_ctx *c)
{
    const char *us, *qname;
    size_t qlen;

    if (strcasecmp(v, "high_resolution") == 0)
        return c->pixels > PRICING_HIGH_RES_PIXELS;
    if (strcasecmp(v, c->tier) == 0)
        return true;
    us = strrchr(v, '_');
    if (us == NULL || strcasecmp(us + 1, c->tier) != 0 ||
        !pricing_quality_named(c->quality))
        return false;
    qname = ir_core_request_quality_name(c->quality);
    qlen = strlen(qname);
    return (size_t)(us - v) == qlen && strncasecmp(v, qname, qlen) == 0;
}

/* The variant line of the smallest tier at or above the request's, of
 * the named quality when match_quality (any quality otherwise), dearest
 * on a tie; -1 when none. */
static int
pricing_covering_line(const struct pricing_lines *ls, const bool *group,
                      const struct pricing_ctx *c, bool match_quality)
{
    long long want = ir_core_geometry_tier_pixels(c->tier), tp, bestp = 0;
    const char *v, *us, *qname = ir_core_request_quality_name(c->quality);
    size_t i, qlen = strlen(qname);
    int best = -1;

    for (i = 0; i < ls->n; i++) {
        if (!group[i])
            continue;
        v = ls->v[i].variant;
        tp = pricing_variant_tier_pixels(v);
        us = strrchr(v, '_');
        if (tp == 0 || tp < want)
            continue;
        if (match_quality && us != NULL &&
            ((size_t)(us - v) != qlen || strncasecmp(v, qname, qlen) != 0))
            continue;
        if (best < 0 || tp < bestp ||
            (tp == bestp && ls->v[i].nanos > ls->v[best].nanos)) {
            best = (int)i;
            bestp = tp;
        }
    }
    return best;
}

/* When no line matches and none is unvarianted: the covering tier line
 * (named quality first, then any), else the dearest line of the group. */
static int
pricing_fallback_line(const struct pricing_lines *ls, const bool *group,
                      const struct pricing_ctx *c)
{
    int best = -1;
    size_t i;

    if (pricing_quality_named(c->quality))
        best = pricing_covering_line(ls, group, c, true);
    if (best < 0)
        best = pricing_covering_line(ls, group, c, false);
    if (best >= 0)
        return best;
    for (i = 0; i < ls->n; i++) {
        if (group[i] && (best < 0 || ls->v[i].nanos > ls->v[best].nanos))
            best = (int)i;
    }
    return best;
}

/* Marks in sel[] the lines of group (b, u) that apply under c. */
static void
pricing_select(const struct pricing_lines *ls, enum pricing_billable b,
               enum pricing_unit u, const struct pricing_ctx *c, bool *sel)
{
    bool group[PRICING_MAX_LINES] = {false}, any_exact = false,
         any_plain = false;
    size_t i;
    int fb;

    for (i = 0; i < ls->n; i++) {
        sel[i] = false;
        if (ls->v[i].billable != b || ls->v[i].unit != u)
            continue;
        group[i] = true;
        if (ls->v[i].variant[0] == '\0')
            any_plain = true;
        else if (pricing_variant_exact(ls->v[i].variant, c))
            any_exact = true;
    }
    for (i = 0; i < ls->n; i++) {
        if (!group[i])
            continue;
        if (any_exact)
            sel[i] = ls->v[i].variant[0] != '\0' &&
                     pricing_variant_exact(ls->v[i].variant, c);
        else if (any_plain)
            sel[i] = ls->v[i].variant[0] == '\0';
    }
    if (!any_exact && !any_plain && (fb = pricing_fallback_line(ls, group,
                                                                c)) >= 0)
        sel[fb] = true;
}

/* ---- arithmetic ------------------------------------------------------ */

static ir_err
pricing_add(int64_t *acc, int64_t nanos, long long qty)
{
    int64_t x;

    if (qty <= 0 || nanos == 0)
        return IR_OK;
    if (__builtin_mul_overflow(nanos, (int64_t)qty, &x) ||
        __builtin_add_overflow(*acc, x, acc))
        return IR_ETOOBIG;
    return IR_OK;
}

/* Adds num / 1e6 (nanos x pixels -> nanos), rounded half up. */
static ir_err
pricing_add_rounded(int64_t *acc, int64_t num)
{
    if (num <= 0)
        return IR_OK;
    if (__builtin_add_overflow(num, PRICING_PX_PER_MP / 2, &num))
        return IR_ETOOBIG;
    return pricing_add(acc, num / PRICING_PX_PER_MP, 1);
}

/* nanos/MP x pixels / 1e6, rounded half up. */
static ir_err
pricing_add_mp(int64_t *acc, int64_t nanos, long long pixels)
{
    int64_t num = 0;
    ir_err e;

    if ((e = pricing_add(&num, nanos, pixels)) != IR_OK)
        return e;
    return pricing_add_rounded(acc, num);
}

static int64_t
pricing_config_int(const json_t *config, const char *key, int64_t dflt)
{
    const json_t *v = json_object_get(config, key); /* borrowed */

    return json_is_integer(v) && json_integer_value(v) >= 0
               ? (int64_t)json_integer_value(v)
               : dflt;
}

static void
pricing_hidden_rates(const json_t *config, struct pricing_hidden *h)
{
    const json_t *hr = json_object_get(config, "hidden_rates"); /* borr. */

    h->in_text = h->out_text = 0;
    if (pricing_usd_to_nanos(json_object_get(hr, "input_text_token"),
                             &h->in_text) != IR_OK)
        h->in_text = 0;
    if (pricing_usd_to_nanos(json_object_get(hr, "output_text_token"),
                             &h->out_text) != IR_OK)
        h->out_text = 0;
}

static long long
pricing_image_pixels(const struct ir_price_input *in, size_t i)
{
    long long px = (long long)in->sizes[i].w * in->sizes[i].h;

    if (px > 0)
        return px;
    px = ir_core_geometry_tier_pixels(in->tier);
    return px > 0 ? px : 1024LL * 1024;
}

/* Token counts the lines bill, from what the provider reported. */
struct pricing_tokens {
    long long in_text, in_image, out_image, out_text;
};

static void
pricing_tokens(const struct ir_price_input *in, int64_t fallback_per_image,
               struct pricing_tokens *t)
{
    const struct ir_usage *u = &in->usage;

    memset(t, 0, sizeof *t);
    if (!u->has_tokens) {
        /* A token-priced provider that reported nothing: bill the
         * reservation figure rather than nothing. */
        t->out_image = fallback_per_image * (long long)in->nimages;
        return;
    }
    t->in_image = u->prompt_image_tokens;
    t->in_text = u->prompt_text_tokens > 0
                     ? u->prompt_text_tokens
                     : u->prompt_tokens - u->prompt_image_tokens;
    t->out_image = u->image_tokens > 0 ? u->image_tokens
                                       : u->completion_tokens;
    t->out_text = u->completion_tokens - t->out_image;
    if (t->in_text < 0)
        t->in_text = 0;
    if (t->out_text < 0)
        t->out_text = 0;
}

/* Output lines: chosen per image, since one image may cross the high
 * resolution line and another not. */
static ir_err
pricing_outputs(const struct pricing_lines *ls, const struct ir_price_input *in,
                const struct pricing_tokens *t, int64_t *acc)
{
    struct pricing_ctx c = {in->tier, in->quality, 0};
    int64_t mp_num[PRICING_MAX_LINES] = {0};
    bool sel[PRICING_MAX_LINES];
    long long maxpx = 0, px;
    size_t i, k;
    ir_err e;

    for (k = 0; k < in->nimages && k < IR_MAX_N; k++) {
        c.pixels = px = pricing_image_pixels(in, k);
        maxpx = px > maxpx ? px : maxpx;
        pricing_select(ls, PRICING_OUTPUT_IMAGE, PRICING_UNIT_IMAGE, &c, sel);
        for (i = 0; i < ls->n; i++)
            if (sel[i] && (e = pricing_add(acc, ls->v[i].nanos, 1)))
                return e;
        pricing_select(ls, PRICING_OUTPUT_IMAGE, PRICING_UNIT_MEGAPIXEL, &c,
                       sel);
        for (i = 0; i < ls->n; i++)
            if (sel[i] && (e = pricing_add(&mp_num[i], ls->v[i].nanos, px)))
                return e;
    }
    /* One rounding per line, at its end. */
    for (i = 0; i < ls->n; i++)
        if ((e = pricing_add_rounded(acc, mp_num[i])) != IR_OK)
            return e;
    c.pixels = maxpx;
    pricing_select(ls, PRICING_OUTPUT_IMAGE, PRICING_UNIT_TOKEN, &c, sel);
    for (i = 0; i < ls->n; i++)
        if (sel[i] && (e = pricing_add(acc, ls->v[i].nanos, t->out_image)))
            return e;
    pricing_select(ls, PRICING_OUTPUT_IMAGE, PRICING_UNIT_REQUEST, &c, sel);
    for (i = 0; i < ls->n; i++)
        if (sel[i] && (e = pricing_add(acc, ls->v[i].nanos, 1)))
            return e;
    return IR_OK;
}

/* How many units of an input line this generation used. */
static long long
pricing_input_qty(enum pricing_billable b, enum pricing_unit u,
                  const struct ir_price_input *in,
                  const struct pricing_tokens *t)
{
    long long px = 0;
    size_t i;

    if (u == PRICING_UNIT_REQUEST)
        return 1;
    if (b == PRICING_INPUT_TEXT)
        return u == PRICING_UNIT_TOKEN ? t->in_text : 0;
    if (b == PRICING_INPUT_FONT)
        return 0;
    if (u == PRICING_UNIT_IMAGE)
        return (long long)in->nrefs;
    if (u == PRICING_UNIT_TOKEN)
        return t->in_image;
    for (i = 0; i < in->nrefs && i < IR_MAX_REFS; i++) {
        long long p = (long long)in->ref_sizes[i].w * in->ref_sizes[i].h;

        px += p > 0 ? p : PRICING_PX_PER_MP;
    }
    return px; /* megapixel lines take pixels */
}

static ir_err
pricing_inputs(const struct pricing_lines *ls, const struct ir_price_input *in,
               const struct pricing_tokens *t, int64_t *acc)
{
    struct pricing_ctx c = {in->tier, in->quality, 0};
    bool sel[PRICING_MAX_LINES];
    long long qty;
    int b, u;
    size_t i;
    ir_err e;

    for (b = PRICING_INPUT_IMAGE; b <= PRICING_INPUT_FONT; b++) {
        for (u = PRICING_UNIT_IMAGE; u <= PRICING_UNIT_REQUEST; u++) {
            pricing_select(ls, (enum pricing_billable)b,
                           (enum pricing_unit)u, &c, sel);
            qty = pricing_input_qty((enum pricing_billable)b,
                                    (enum pricing_unit)u, in, t);
            for (i = 0; i < ls->n; i++) {
                if (!sel[i])
                    continue;
                e = u == PRICING_UNIT_MEGAPIXEL
                        ? pricing_add_mp(acc, ls->v[i].nanos, qty)
                        : pricing_add(acc, ls->v[i].nanos, qty);
                if (e != IR_OK)
                    return e;
            }
        }
    }
    return IR_OK;
}

static bool
pricing_has(const struct pricing_lines *ls, enum pricing_billable b,
            enum pricing_unit u)
{
    size_t i;

    for (i = 0; i < ls->n; i++)
        if (ls->v[i].billable == b && ls->v[i].unit == u)
            return true;
    return false;
}

static ir_err
pricing_compute(const struct pricing_lines *ls, const json_t *config,
                const struct ir_price_input *in, int64_t fallback_image_tokens,
                struct ir_cost *out)
{
    struct pricing_hidden h;
    struct pricing_tokens t;
    int64_t prompt = 0, completion = 0;
    ir_err e;

    memset(out, 0, sizeof *out);
    if (ls->n == 0)
        return IR_OK; /* unknown price: cost null, nothing charged */
    pricing_hidden_rates(config, &h);
    pricing_tokens(in, fallback_image_tokens, &t);
    if ((e = pricing_outputs(ls, in, &t, &completion)) != IR_OK ||
        (e = pricing_add(&completion, h.out_text, t.out_text)) != IR_OK ||
        (e = pricing_inputs(ls, in, &t, &prompt)) != IR_OK)
        return e;
    if (!pricing_has(ls, PRICING_INPUT_TEXT, PRICING_UNIT_TOKEN) &&
        (e = pricing_add(&prompt, h.in_text, t.in_text)) != IR_OK)
        return e;
    if (__builtin_add_overflow(prompt, completion, &out->total_nanos))
        return IR_ETOOBIG;
    out->known = true;
    out->prompt_nanos = prompt;
    out->completion_nanos = completion;
    return IR_OK;
}

ir_err
ir_core_pricing_cost(const json_t *pricing, const json_t *config,
                     const struct ir_price_input *in, struct ir_cost *out)
{
    struct pricing_lines ls;
    ir_err e;

    memset(out, 0, sizeof *out);
    if ((e = pricing_parse(pricing, &ls, NULL)) != IR_OK)
        return e;
    return pricing_compute(&ls, config, in,
                           pricing_config_int(config,
                                              "max_output_image_tokens",
                                              PRICING_DEFAULT_OUT_IMAGE_TOKENS),
                           out);
}

ir_err
ir_core_pricing_estimate(const json_t *pricing, const json_t *config,
                         const struct ir_request *req,
                         const struct ir_geom_target *geom, int n,
                         struct ir_cost *out)
{
    struct pricing_lines ls;
    struct ir_price_input in;
    struct ir_usage *u = &in.usage;
    int64_t out_tok, text_tok, ref_tok, ref_px;
    size_t i;
    ir_err e;

    memset(out, 0, sizeof *out);
    if ((e = pricing_parse(pricing, &ls, NULL)) != IR_OK)
        return e;
    memset(&in, 0, sizeof in);
    in.tier = geom != NULL && geom->tier[0] != '\0' ? geom->tier
              : ir_core_request_tier(req)[0] != '\0'
                  ? ir_core_request_tier(req)
                  : "1K";
    in.quality = req->quality;
    in.nimages = n < 1 ? 1 : n > IR_MAX_N ? IR_MAX_N : (size_t)n;
    for (i = 0; i < in.nimages; i++) {
        in.sizes[i].w = geom != NULL ? geom->w : 0;
        in.sizes[i].h = geom != NULL ? geom->h : 0;
    }
    in.nrefs = req->nrefs;
    ref_px = pricing_config_int(config, "max_input_pixels",
                                PRICING_DEFAULT_IN_PIXELS);
    ref_px = ref_px > IR_MAX_PIXELS ? IR_MAX_PIXELS : ref_px;
    for (i = 0; i < in.nrefs && i < IR_MAX_REFS; i++) {
        /* Dimensions are unknown before decoding: assume the cap. */
        in.ref_sizes[i].w = (int)ref_px;
        in.ref_sizes[i].h = 1;
    }
    out_tok = pricing_config_int(config, "max_output_image_tokens",
                                 PRICING_DEFAULT_OUT_IMAGE_TOKENS);
    text_tok = pricing_config_int(config, "max_output_text_tokens",
                                  PRICING_DEFAULT_OUT_TEXT_TOKENS);
    ref_tok = pricing_config_int(config, "max_input_image_tokens",
                                 PRICING_DEFAULT_IN_IMAGE_TOKENS);
    /* A token is at least one byte of prompt, plus the template. */
    u->has_tokens = true;
    u->prompt_text_tokens = (long long)(req->prompt != NULL
                                            ? strlen(req->prompt)
                                            : 0) +
                            PRICING_PROMPT_OVERHEAD;
    u->prompt_image_tokens = ref_tok * (long long)in.nrefs;
    u->prompt_tokens = u->prompt_text_tokens + u->prompt_image_tokens;
    u->image_tokens = out_tok * (long long)in.nimages;
    u->completion_tokens = u->image_tokens + text_tok;
    return pricing_compute(&ls, config, &in, out_tok, out);
}

double
ir_core_pricing_usd(int64_t nanos)
{
    return (double)nanos / (double)IR_NANOS_PER_USD;
}
