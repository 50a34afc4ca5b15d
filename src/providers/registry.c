/* SPDX-License-Identifier: Apache-2.0
 * providers/registry.c - the table of adapters, by the name a catalog
 * endpoint gives in "adapter".
 */
#include "providers/provider.h"

#include <string.h>

#include "providers/registry.h"

static const struct ir_provider *const registry_table[] = {
    &ir_provider_local,   &ir_provider_openai, &ir_provider_azure,
    &ir_provider_gemini,  &ir_provider_vertex, &ir_provider_seedream,
    &ir_provider_bfl,     &ir_provider_xai,    &ir_provider_recraft,
};

const struct ir_provider *
ir_providers_find(const char *name)
{
    size_t i;

    if (name == NULL)
        return NULL;
    for (i = 0; i < sizeof registry_table / sizeof registry_table[0]; i++)
        if (strcmp(registry_table[i]->name, name) == 0)
            return registry_table[i];
    return NULL;
}
