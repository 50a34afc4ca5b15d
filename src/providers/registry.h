/* SPDX-License-Identifier: Apache-2.0
 * providers/registry.h - every adapter's exported table.
 */
#ifndef IR_PROVIDERS_REGISTRY_H
#define IR_PROVIDERS_REGISTRY_H

#include "providers/provider.h"

extern const struct ir_provider ir_provider_local;

#endif
