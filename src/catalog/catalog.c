/* SPDX-License-Identifier: Apache-2.0
 * catalog/catalog.c - loads the model catalog from JSON and resolves each
 * endpoint's adapter, credentials and base URL from the environment.
 *
 * An endpoint is available (listed and routable) when its adapter needs no
 * key or its key variable is set, and every ${VAR} its config references
 * is set. Secrets are copied out of the environment once, at load.
 */
#include "catalog/catalog.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/pricing.h"
#include "providers/provider.h"
#include "util/buf.h"
#include "util/mem.h"

extern const char ir_catalog_default_json[];
extern const size_t ir_catalog_default_json_len;

static ir_err catalog_parse_model(json_t *jm, struct ir_model *m,
                                  ir_catalog_env_fn *env, void *env_arg,
                                  struct ir_diag *d) IR_MUST_CHECK;
static ir_err catalog_parse_endpoint(json_t *je, const char *model_id,
                                     struct ir_endpoint *ep,
                                     ir_catalog_env_fn *env, void *env_arg,
                                     struct ir_diag *d) IR_MUST_CHECK;
static ir_err catalog_expand_config(json_t *config, ir_catalog_env_fn *env,
                                    void *env_arg, bool *complete)
    IR_MUST_CHECK;
static ir_err catalog_read_credentials(struct ir_endpoint *ep,
                                       ir_catalog_env_fn *env, void *env_arg,
                                       struct ir_diag *d) IR_MUST_CHECK;

/* The tiers an endpoint declares (its resolution enum) bound which tier
 * an explicit WxH size is priced and sized as. */
static void
catalog_fill_tiers(struct ir_endpoint *ep)
{
    const json_t *res = json_object_get(ep->supported_parameters,
                                        "resolution"); /* borrowed */
    const json_t *vals = json_object_get(res, "values");   /* borrowed */
    size_t i;

    if (ep->geom.ntiers > 0 || !json_is_array(vals))
        return;
    for (i = 0; i < json_array_size(vals) && ep->geom.ntiers <
                                                 IR_GEOM_MAX_TIERS; i++) {
        const char *t = json_string_value(json_array_get(vals, i));

        if (t != NULL && strlen(t) < sizeof ep->geom.tiers[0])
            (void)snprintf(ep->geom.tiers[ep->geom.ntiers++],
                           sizeof ep->geom.tiers[0], "%s", t);
    }
}

static const char *
catalog_str(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key); /* borrowed */

    return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *
catalog_env(ir_catalog_env_fn *env, void *env_arg, const char *name)
{
    const char *v;

    if (name == NULL || name[0] == '\0')
        return NULL;
    v = env(name, env_arg);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

ir_err
ir_catalog_load(const char *json, size_t len, ir_catalog_env_fn *env,
                void *env_arg, struct ir_catalog **out, struct ir_diag *d)
{
    struct ir_catalog *c;
    json_error_t jerr;
    json_t *models; /* borrowed */
    size_t i;
    ir_err err;

    c = ir_calloc(1, sizeof *c);
    if (c == NULL)
        return IR_ENOMEM;
    c->root = json_loadb(json, len, 0, &jerr);
    if (c->root == NULL) {
        ir_diag_set(d, "catalog: invalid JSON at line %d, column %d: %s",
                    jerr.line, jerr.column, jerr.text);
        err = IR_EPARSE;
        goto fail;
    }
    models = json_object_get(c->root, "models");
    if (!json_is_array(models)) {
        ir_diag_set(d, "catalog: \"models\" must be an array");
        err = IR_EPARSE;
        goto fail;
    }
    c->models = ir_calloc(json_array_size(models), sizeof *c->models);
    if (c->models == NULL) {
        err = IR_ENOMEM;
        goto fail;
    }
    for (i = 0; i < json_array_size(models); i++) {
        err = catalog_parse_model(json_array_get(models, i), &c->models[i],
                                  env, env_arg, d);
        c->nmodels++; /* parsed or half-parsed: free either way */
        if (err != IR_OK)
            goto fail;
    }
    *out = c;
    return IR_OK;
fail:
    ir_catalog_free(c);
    return err;
}

static ir_err
catalog_parse_model(json_t *jm, struct ir_model *m, ir_catalog_env_fn *env,
                    void *env_arg, struct ir_diag *d)
{
    json_t *eps; /* borrowed */
    size_t i;
    ir_err err;

    m->id = catalog_str(jm, "id");
    if (m->id == NULL || strchr(m->id, '/') == NULL) {
        ir_diag_set(d, "catalog: a model has no \"id\" of the form "
                       "author/slug");
        return IR_EPARSE;
    }
    m->name = catalog_str(jm, "name");
    m->description = catalog_str(jm, "description");
    if (m->name == NULL)
        m->name = m->id;
    if (m->description == NULL)
        m->description = "";
    m->created = json_integer_value(json_object_get(jm, "created"));
    m->architecture = json_object_get(jm, "architecture");
    eps = json_object_get(jm, "endpoints");
    if (!json_is_array(eps)) {
        ir_diag_set(d, "catalog: model %s: \"endpoints\" must be an array",
                    m->id);
        return IR_EPARSE;
    }
    m->endpoints = ir_calloc(json_array_size(eps), sizeof *m->endpoints);
    if (m->endpoints == NULL)
        return IR_ENOMEM;
    for (i = 0; i < json_array_size(eps); i++) {
        err = catalog_parse_endpoint(json_array_get(eps, i), m->id,
                                     &m->endpoints[i], env, env_arg, d);
        m->nendpoints++;
        if (err != IR_OK)
            return err;
    }
    return IR_OK;
}

static ir_err
catalog_parse_endpoint(json_t *je, const char *model_id,
                       struct ir_endpoint *ep, ir_catalog_env_fn *env,
                       void *env_arg, struct ir_diag *d)
{
    const char *key_env, *url_env, *url, *key;
    json_t *geom, *tag; /* borrowed */
    bool config_ok = true;
    size_t n;
    ir_err err;

    ep->model_id = model_id;
    ep->provider_slug = catalog_str(je, "provider_slug");
    ep->provider_name = catalog_str(je, "provider_name");
    tag = json_object_get(je, "provider_tag");
    ep->provider_tag = json_is_string(tag) ? json_string_value(tag) : NULL;
    ep->adapter_name = catalog_str(je, "adapter");
    ep->upstream_model = catalog_str(je, "upstream_model");
    if (ep->provider_slug == NULL || ep->adapter_name == NULL) {
        ir_diag_set(d, "catalog: model %s: an endpoint lacks "
                       "\"provider_slug\" or \"adapter\"", model_id);
        return IR_EPARSE;
    }
    if (ep->provider_name == NULL)
        ep->provider_name = ep->provider_slug;
    if (ep->upstream_model == NULL)
        ep->upstream_model = model_id;
    ep->adapter = ir_providers_find(ep->adapter_name);
    if (ep->adapter == NULL) {
        ir_diag_set(d, "catalog: model %s: unknown adapter \"%s\"", model_id,
                    ep->adapter_name);
        return IR_EPARSE;
    }
    ep->supports_streaming =
        json_is_true(json_object_get(je, "supports_streaming"));
    ep->supported_parameters = json_object_get(je, "supported_parameters");
    ep->pricing = json_object_get(je, "pricing");
    ep->passthrough = json_object_get(je, "allowed_passthrough_parameters");
    ep->config = json_object_get(je, "config");
    if (!json_is_object(ep->supported_parameters) ||
        !json_is_array(ep->pricing) || !json_is_array(ep->passthrough)) {
        ir_diag_set(d, "catalog: model %s, provider %s: needs "
                       "\"supported_parameters\" (object), \"pricing\" and "
                       "\"allowed_passthrough_parameters\" (arrays)",
                    model_id, ep->provider_slug);
        return IR_EPARSE;
    }
    if (ep->config == NULL) {
        /* Adapters read config unconditionally: give them an object. */
        if (json_object_set_new(je, "config", json_object()) != 0)
            return IR_ENOMEM;
        ep->config = json_object_get(je, "config");
    }
    geom = json_object_get(je, "geometry");
    if (geom == NULL) {
        ir_diag_set(d, "catalog: model %s, provider %s: no \"geometry\"",
                    model_id, ep->provider_slug);
        return IR_EPARSE;
    }
    if ((err = ir_core_geometry_profile_parse(geom, &ep->geom, d)) != IR_OK)
        return err;
    catalog_fill_tiers(ep);
    if ((err = ir_core_pricing_validate(ep->pricing, d)) != IR_OK) {
        char why[sizeof d->msg];

        memcpy(why, d->msg, sizeof why);
        ir_diag_set(d, "catalog: model %s, provider %s: %s", model_id,
                    ep->provider_slug, why);
        return err;
    }

    /* Credentials and base URL: the record's names, else the adapter's. */
    key_env = catalog_str(je, "api_key_env");
    if (key_env == NULL)
        key_env = ep->adapter->default_key_env;
    /* The record's own variable, then its own URL; only then the
     * adapter's variable (so OPENAI_BASE_URL does not redirect a LocalAI
     * entry that names its URL), then the adapter's default. */
    url_env = catalog_str(je, "base_url_env");
    url = catalog_env(env, env_arg, url_env);
    if (url == NULL)
        url = catalog_str(je, "base_url");
    if (url == NULL)
        url = catalog_env(env, env_arg, ep->adapter->default_base_url_env);
    if (url == NULL)
        url = ep->adapter->default_base_url;
    if (url != NULL) {
        ep->base_url = ir_strdup(url);
        if (ep->base_url == NULL)
            return IR_ENOMEM;
        n = strlen(ep->base_url);
        while (n > 0 && ep->base_url[n - 1] == '/')
            ep->base_url[--n] = '\0';
    }
    key = catalog_env(env, env_arg, key_env);
    if (key != NULL && (ep->api_key = ir_strdup(key)) == NULL)
        return IR_ENOMEM;
    if ((err = catalog_expand_config(ep->config, env, env_arg, &config_ok)) !=
        IR_OK)
        return err;
    if ((err = catalog_read_credentials(ep, env, env_arg, d)) != IR_OK)
        return err;
    ep->available = config_ok &&
                    (key_env == NULL || key_env[0] == '\0' ||
                     ep->api_key != NULL || ep->credentials != NULL) &&
                    (ep->adapter->mode == IR_ENGINE_LOCAL ||
                     ep->base_url != NULL);
    return IR_OK;
}

/* config "credentials_env" names a variable holding a credentials file's
 * path (a service-account key). Read once, at load. */
static ir_err
catalog_read_credentials(struct ir_endpoint *ep, ir_catalog_env_fn *env,
                         void *env_arg, struct ir_diag *d)
{
    const char *path = catalog_env(env, env_arg,
                                   catalog_str(ep->config,
                                               "credentials_env"));
    struct ir_buf b;
    char chunk[4096];
    size_t n;
    FILE *f;

    if (path == NULL || ep->adapter->auth_build == NULL)
        return IR_OK;
    f = fopen(path, "rb");
    if (f == NULL) {
        ir_diag_set(d, "catalog: model %s, provider %s: cannot read "
                       "credentials file %s: %s",
                    ep->model_id, ep->provider_slug, path, strerror(errno));
        return IR_EIO;
    }
    ir_buf_init(&b, 1024 * 1024);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (ir_buf_add(&b, chunk, n) != IR_OK)
            break;
    fclose(f);
    ep->credentials = ir_buf_take(&b, &ep->credentials_len);
    return ep->credentials != NULL ? IR_OK : IR_ENOMEM;
}

/* Replaces ${VAR} (or ${VAR:-default}) in every string of config
 * (recursively) with the variable's value; *complete turns false when one
 * is unset. */
static ir_err
catalog_expand_config(json_t *config, ir_catalog_env_fn *env, void *env_arg,
                      bool *complete)
{
    const char *key, *s, *p, *close, *val;
    struct ir_buf b;
    char name[128], *dflt;
    json_t *v; /* borrowed */
    size_t i;
    ir_err err = IR_OK;

    if (json_is_array(config)) {
        json_array_foreach(config, i, v)
            if ((err = catalog_expand_config(v, env, env_arg, complete)))
                return err;
        return IR_OK;
    }
    if (json_is_object(config)) {
        json_object_foreach(config, key, v)
            if ((err = catalog_expand_config(v, env, env_arg, complete)))
                return err;
        return IR_OK;
    }
    if (!json_is_string(config))
        return IR_OK;
    s = json_string_value(config);
    if (strstr(s, "${") == NULL)
        return IR_OK;
    ir_buf_init(&b, 64 * 1024);
    for (p = s; *p != '\0';) {
        if (p[0] != '$' || p[1] != '{' || (close = strchr(p, '}')) == NULL) {
            if ((err = ir_buf_addc(&b, *p++)) != IR_OK)
                goto out;
            continue;
        }
        (void)snprintf(name, sizeof name, "%.*s", (int)(close - p - 2), p + 2);
        dflt = strstr(name, ":-");
        if (dflt != NULL) {
            *dflt = '\0';
            dflt += 2;
        }
        val = catalog_env(env, env_arg, name);
        if (val == NULL)
            val = dflt;
        if (val == NULL)
            *complete = false;
        else if ((err = ir_buf_adds(&b, val)) != IR_OK)
            goto out;
        p = close + 1;
    }
    if (json_string_set(config, b.data ? b.data : "") != 0)
        err = IR_ENOMEM;
out:
    ir_buf_cleanup(&b);
    return err;
}

void
ir_catalog_free(struct ir_catalog *c)
{
    size_t i, j;

    if (c == NULL)
        return;
    for (i = 0; i < c->nmodels; i++) {
        for (j = 0; j < c->models[i].nendpoints; j++) {
            struct ir_endpoint *ep = &c->models[i].endpoints[j];

            ir_free(ep->base_url);
            if (ep->credentials != NULL) {
                memset(ep->credentials, 0, ep->credentials_len);
                ir_free(ep->credentials);
            }
            if (ep->api_key != NULL) {
                /* Secrets do not linger in freed memory. */
                memset(ep->api_key, 0, strlen(ep->api_key));
                ir_free(ep->api_key);
            }
        }
        ir_free(c->models[i].endpoints);
    }
    ir_free(c->models);
    if (c->root != NULL)
        json_decref(c->root);
    ir_free(c);
}

const struct ir_model *
ir_catalog_find(const struct ir_catalog *c, const char *id)
{
    size_t i;

    for (i = 0; i < c->nmodels; i++)
        if (strcmp(c->models[i].id, id) == 0)
            return &c->models[i];
    return NULL;
}

bool
ir_catalog_model_available(const struct ir_model *m)
{
    size_t i;

    for (i = 0; i < m->nendpoints; i++)
        if (m->endpoints[i].available)
            return true;
    return false;
}

/* Merges extra's models into base's: same id replaces, new ids append. */
static ir_err
catalog_merge(json_t *base, json_t *extra, struct ir_diag *d)
{
    json_t *bm = json_object_get(base, "models");  /* borrowed */
    json_t *em = json_object_get(extra, "models"); /* borrowed */
    json_t *m, *b;                                 /* borrowed */
    const char *id;
    size_t i, j;

    if (!json_is_array(em)) {
        ir_diag_set(d, "catalog file: \"models\" must be an array");
        return IR_EPARSE;
    }
    json_array_foreach(em, i, m) {
        id = catalog_str(m, "id");
        if (id == NULL) {
            ir_diag_set(d, "catalog file: model %zu has no \"id\"", i);
            return IR_EPARSE;
        }
        json_array_foreach(bm, j, b) {
            const char *bid = catalog_str(b, "id");

            if (bid != NULL && strcmp(bid, id) == 0)
                break;
        }
        if (j < json_array_size(bm)) {
            if (json_array_set(bm, j, m) != 0)
                return IR_ENOMEM;
        } else if (json_array_append(bm, m) != 0) {
            return IR_ENOMEM;
        }
    }
    return IR_OK;
}

ir_err
ir_catalog_load_default(const char *extra_path, ir_catalog_env_fn *env,
                        void *env_arg, struct ir_catalog **out,
                        struct ir_diag *d)
{
    json_t *base = NULL, *extra = NULL; /* owned */
    json_error_t jerr;
    char *doc = NULL;
    ir_err err;

    if (extra_path == NULL)
        return ir_catalog_load(ir_catalog_default_json,
                               ir_catalog_default_json_len, env, env_arg, out,
                               d);
    base = json_loadb(ir_catalog_default_json, ir_catalog_default_json_len, 0,
                      &jerr);
    if (base == NULL) {
        ir_diag_set(d, "built-in catalog: %s", jerr.text);
        return IR_EINTERNAL;
    }
    extra = json_load_file(extra_path, 0, &jerr);
    if (extra == NULL) {
        ir_diag_set(d, "%s: line %d, column %d: %s", extra_path, jerr.line,
                    jerr.column, jerr.text);
        err = IR_EPARSE;
        goto out;
    }
    if ((err = catalog_merge(base, extra, d)) != IR_OK)
        goto out;
    doc = json_dumps(base, JSON_COMPACT);
    if (doc == NULL) {
        err = IR_ENOMEM;
        goto out;
    }
    err = ir_catalog_load(doc, strlen(doc), env, env_arg, out, d);
out:
    free(doc); /* jansson allocates with the C allocator */
    json_decref(base);
    json_decref(extra);
    return err;
}
