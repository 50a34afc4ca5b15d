/* SPDX-License-Identifier: Apache-2.0
 * core/pricing.h - the cost of one generation from an endpoint's pricing
 * lines, in integer nano-dollars (1 USD = 1e9), exactly.
 *
 * Pricing line: {"billable": output_image|input_image|input_reference|
 * input_text|input_font, "unit": image|megapixel|token|request,
 * "cost_usd": number, "variant": optional string}. A variant line applies
 * when its variant matches the request's tier ("1k","2k","4k","512"), or
 * quality_tier ("low_1k"), or "high_resolution" above 2.36 MP; otherwise
 * the unvarianted line applies. Megapixel = 1,000,000 pixels.
 * The endpoint's "config.hidden_rates" {"input_text_token": usd,
 * "output_text_token": usd} price tokens the public lines leave out.
 */
#ifndef IR_CORE_PRICING_H
#define IR_CORE_PRICING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/geometry.h"
#include "core/request.h"
#include "providers/provider.h"

#define IR_NANOS_PER_USD 1000000000LL

struct ir_cost {
    bool known;                 /* false: no pricing lines (cost null) */
    int64_t total_nanos;
    int64_t prompt_nanos;       /* inputs: text, references, input images */
    int64_t completion_nanos;   /* outputs */
};

/* What happened, for the final cost. */
struct ir_price_input {
    const char *tier;           /* resolved tier ("" when none) */
    enum ir_quality quality;
    size_t nimages;             /* images returned */
    struct ir_geom_size sizes[IR_MAX_N]; /* their real pixel sizes */
    size_t nrefs;               /* input references sent */
    struct ir_geom_size ref_sizes[IR_MAX_REFS]; /* 0x0 when unknown */
    struct ir_usage usage;      /* provider-reported tokens */
};

/* Actual cost of a finished generation. */
ir_err ir_core_pricing_cost(const json_t *pricing, const json_t *config,
                            const struct ir_price_input *in,
                            struct ir_cost *out) IR_MUST_CHECK;

/* The most this request can cost at this endpoint (for the credit
 * reservation): n images at the target geometry, token-priced outputs at
 * the endpoint's config "max_output_image_tokens" per image (or 10,000),
 * prompt tokens bounded by prompt bytes. */
ir_err ir_core_pricing_estimate(const json_t *pricing, const json_t *config,
                                const struct ir_request *req,
                                const struct ir_geom_target *geom, int n,
                                struct ir_cost *out) IR_MUST_CHECK;

/* Checks a pricing array (for the catalog loader): known billables and
 * units, cost_usd a finite number from 0 to 1e6. */
ir_err ir_core_pricing_validate(const json_t *pricing, struct ir_diag *d)
    IR_MUST_CHECK;

/* nanos -> USD double for JSON (exact to 1e-9 for amounts < $9e6). */
double ir_core_pricing_usd(int64_t nanos);

#endif
