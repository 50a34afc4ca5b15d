/* SPDX-License-Identifier: Apache-2.0
 * catalog/catalog.h - models, their endpoints, capability descriptors,
 * geometry profiles and pricing lines, loaded from JSON (the built-in
 * default_catalog.json, or --catalog FILE).
 */
#ifndef IR_CATALOG_CATALOG_H
#define IR_CATALOG_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/geometry.h"
#include "util/err.h"

struct ir_provider;

struct ir_endpoint {
    const char *model_id;        /* borrowed from the catalog */
    const char *provider_slug;   /* "openai" */
    const char *provider_name;   /* "OpenAI" */
    const char *provider_tag;    /* "openai", "google-vertex/global", NULL */
    const char *adapter_name;
    const struct ir_provider *adapter;
    const char *upstream_model;  /* provider's model id */
    char *base_url;              /* owned, resolved */
    char *api_key;               /* owned secret, resolved; NULL if none */
    char *credentials;           /* owned: a credentials file's contents
                                    (config "credentials_env" names the
                                    variable holding its path), for
                                    adapters with an OAuth step */
    size_t credentials_len;
    bool available;              /* credentials present: routable+listed */
    bool supports_streaming;
    json_t *supported_parameters; /* borrowed object */
    json_t *pricing;              /* borrowed array */
    json_t *passthrough;          /* borrowed array of strings */
    json_t *config;               /* borrowed object: adapter extras */
    struct ir_geom_profile geom;
};

struct ir_model {
    const char *id, *name, *description;
    long long created;
    json_t *architecture;        /* borrowed */
    struct ir_endpoint *endpoints;
    size_t nendpoints;
};

struct ir_catalog {
    json_t *root;                /* owned: everything above points in */
    struct ir_model *models;
    size_t nmodels;
};

/* Looks up an environment variable (getenv in production). */
typedef const char *ir_catalog_env_fn(const char *name, void *arg);

/* Parses a catalog document. Endpoints whose adapter is unknown fail the
 * load; endpoints whose credentials are missing load as unavailable. */
ir_err ir_catalog_load(const char *json, size_t len, ir_catalog_env_fn *env,
                       void *env_arg, struct ir_catalog **out,
                       struct ir_diag *d) IR_MUST_CHECK;
/* The built-in catalog merged with an optional file (file models replace
 * built-in ones of the same id, and add new ones). */
ir_err ir_catalog_load_default(const char *extra_path, ir_catalog_env_fn *env,
                               void *env_arg, struct ir_catalog **out,
                               struct ir_diag *d) IR_MUST_CHECK;
void ir_catalog_free(struct ir_catalog *c);

const struct ir_model *ir_catalog_find(const struct ir_catalog *c,
                                       const char *id);
/* A model is listed when at least one endpoint is available. */
bool ir_catalog_model_available(const struct ir_model *m);

#endif
