/* SPDX-License-Identifier: Apache-2.0
 * routing/normalize.h - a provider's images made into what the caller
 * asked for: format sniffed from the bytes, real pixel size probed, and a
 * transcode when the caller asked for a format the provider did not
 * return. Runs on a worker thread.
 */
#ifndef IR_ROUTING_NORMALIZE_H
#define IR_ROUTING_NORMALIZE_H

#include "core/error.h"
#include "core/request.h"
#include "providers/provider.h"

ir_err ir_routing_normalize(const struct ir_request *req,
                            const struct ir_geom_target *geom,
                            const char *provider_name,
                            struct ir_gen_result *res, struct ir_error *err)
    IR_MUST_CHECK;

#endif
