/* SPDX-License-Identifier: Apache-2.0
 * catalog/capability.h - a request against one endpoint's capability
 * descriptors ({"type":"enum"|"range"|"boolean"}), and the model-level
 * union shown by GET /api/v1/images/models.
 *
 * A declared parameter whose value falls outside its enum or range makes
 * the endpoint ineligible; an undeclared parameter is dropped for that
 * endpoint (behavior.md 3.2). input_references counts against its range,
 * including a minimum when the endpoint requires references.
 */
#ifndef IR_CATALOG_CAPABILITY_H
#define IR_CATALOG_CAPABILITY_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "catalog/catalog.h"
#include "core/error.h"
#include "core/request.h"

/* Why one endpoint cannot serve a request. */
struct ir_cap_reject {
    char param[32];     /* "resolution" */
    char value[64];     /* "4K" (counts for ranges: "11") */
    char accepted[256]; /* "512, 1K, 2K" or "1-10" */
    /* The same, structured, so several rejections can be merged. */
    bool is_range;      /* accepted is min..max, not a list */
    long long min, max; /* when is_range */
    const json_t *values; /* borrowed enum values array, when !is_range */
    const char *model_id; /* borrowed from the endpoint */
    const char *provider; /* borrowed: the endpoint's provider tag/slug */
};

/* True when ep can serve req. When it cannot, *why says which parameter. */
bool ir_catalog_capability_check(const struct ir_request *req,
                                 const struct ir_endpoint *ep,
                                 struct ir_cap_reject *why);

/* Images one call to the endpoint can make (its n range's max; 1 when it
 * does not declare n). A request for more is split into parallel calls. */
int ir_catalog_capability_n_max(const struct ir_endpoint *ep);

/* Is a parameter declared by the endpoint (and so forwarded)? */
bool ir_catalog_capability_declared(const struct ir_endpoint *ep,
                                    const char *param);

/* The string values of param's enum descriptor, borrowed from the
 * catalog, into out[0..max); how many were stored (0 when the parameter is
 * undeclared or not an enum). For example the endpoint's aspect_ratio
 * list, which ir_core_geometry_resolve clamps to. */
size_t ir_catalog_capability_enum(const struct ir_endpoint *ep,
                                  const char *param, const char **out,
                                  size_t max);

/* The 400 for "no endpoint can serve these parameters": names the
 * parameter(s), the values received and the union of what would work. */
void ir_catalog_capability_error(const struct ir_cap_reject *whys,
                                 size_t n, struct ir_error *err);

/* Union of the supported_parameters of the model's available endpoints:
 * enum values unioned, ranges widened, booleans present if any. New ref;
 * NULL on allocation failure. */
json_t *ir_catalog_capability_union(const struct ir_model *m);

#endif
