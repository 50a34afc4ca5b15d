/* SPDX-License-Identifier: Apache-2.0
 * providers/registry.h - every adapter's exported table.
 */
#ifndef IR_PROVIDERS_REGISTRY_H
#define IR_PROVIDERS_REGISTRY_H

#include "providers/provider.h"

extern const struct ir_provider ir_provider_local;
extern const struct ir_provider ir_provider_openai;
extern const struct ir_provider ir_provider_azure;
extern const struct ir_provider ir_provider_gemini;
extern const struct ir_provider ir_provider_vertex;
extern const struct ir_provider ir_provider_seedream;
extern const struct ir_provider ir_provider_bfl;
extern const struct ir_provider ir_provider_xai;
extern const struct ir_provider ir_provider_recraft;

#endif
