/* SPDX-License-Identifier: Apache-2.0
 * api/models.c - GET /api/v1/images/models and
 * GET /api/v1/images/models/{author}/{slug}/endpoints. Public (no key),
 * as the reference service is in practice. Only endpoints that can serve
 * (credentials configured) are shown.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/api.h"
#include "api/reply.h"
#include "catalog/capability.h"
#include "catalog/catalog.h"
#include "server/http_server.h"
#include "util/mem.h"

#define MODELS_PREFIX "/api/v1/images/models/"
#define ENDPOINTS_SUFFIX "/endpoints"

static json_t *
models_item(const struct ir_model *m)
{
    json_t *o = json_object(); /* owned, returned */
    char url[512];
    bool streams = false;
    size_t i;

    if (o == NULL)
        return NULL;
    for (i = 0; i < m->nendpoints; i++)
        if (m->endpoints[i].available && m->endpoints[i].supports_streaming)
            streams = true;
    (void)snprintf(url, sizeof url, "/api/v1/images/models/%s/endpoints",
                   m->id);
    json_object_set_new(o, "id", json_string(m->id));
    json_object_set_new(o, "name", ir_api_json_string(m->name));
    json_object_set_new(o, "description", ir_api_json_string(m->description));
    json_object_set_new(o, "created", json_integer(m->created));
    if (m->architecture != NULL)
        json_object_set(o, "architecture", m->architecture);
    else
        json_object_set_new(o, "architecture",
                            json_pack("{s:[s],s:[s]}", "input_modalities",
                                      "text", "output_modalities", "image"));
    json_object_set_new(o, "supported_parameters",
                        ir_catalog_capability_union(m));
    json_object_set_new(o, "supports_streaming", json_boolean(streams));
    json_object_set_new(o, "endpoints", json_string(url));
    return o;
}

/* The list never changes while running: render it once. */
static ir_err
models_render_list(struct ir_server *srv)
{
    json_t *root, *data; /* owned, borrowed */
    char *s;
    size_t i;

    root = json_object();
    data = json_array();
    if (root == NULL || data == NULL) {
        json_decref(root);
        json_decref(data);
        return IR_ENOMEM;
    }
    json_object_set_new(root, "data", data);
    for (i = 0; i < srv->catalog->nmodels; i++) {
        const struct ir_model *m = &srv->catalog->models[i];

        if (ir_catalog_model_available(m))
            json_array_append_new(data, models_item(m));
    }
    s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (s == NULL)
        return IR_ENOMEM;
    srv->api->models_json = s;
    srv->api->models_len = strlen(s);
    return IR_OK;
}

static void
models_list_cb(struct ir_exchange *x, void *arg)
{
    struct ir_server *srv = arg;

    ir_exchange_reply(x, 200, "application/json", srv->api->models_json,
                      srv->api->models_len);
}

static json_t *
models_endpoint_json(const struct ir_endpoint *ep)
{
    return json_pack("{s:s,s:s,s:o?,s:O,s:O,s:b,s:O}", "provider_name",
                     ep->provider_name, "provider_slug", ep->provider_slug,
                     "provider_tag",
                     ep->provider_tag ? json_string(ep->provider_tag) : NULL,
                     "supported_parameters", ep->supported_parameters,
                     "allowed_passthrough_parameters", ep->passthrough,
                     "supports_streaming", ep->supports_streaming,
                     "pricing", ep->pricing);
}

static void
models_endpoints_cb(struct ir_exchange *x, void *arg)
{
    struct ir_server *srv = arg;
    const char *path = ir_exchange_path(x);
    size_t plen = strlen(path), pre = strlen(MODELS_PREFIX),
           suf = strlen(ENDPOINTS_SUFFIX);
    const struct ir_model *m = NULL;
    json_t *root, *eps; /* owned, borrowed */
    char id[256];
    size_t i;

    if (plen <= pre + suf ||
        strcmp(path + plen - suf, ENDPOINTS_SUFFIX) != 0 ||
        plen - pre - suf >= sizeof id) {
        ir_api_reply_status(x, 404, NULL, "Resource not found");
        return;
    }
    memcpy(id, path + pre, plen - pre - suf);
    id[plen - pre - suf] = '\0';
    if (strchr(id, '/') != NULL)
        m = ir_catalog_find(srv->catalog, id);
    if (m == NULL || !ir_catalog_model_available(m)) {
        ir_api_reply_status(x, 404, "model_not_found",
                            "Model '%s' not found", id);
        return;
    }
    root = json_pack("{s:s,s:[]}", "id", m->id, "endpoints");
    if (root == NULL) {
        ir_api_reply_status(x, 500, "server", "out of memory");
        return;
    }
    eps = json_object_get(root, "endpoints");
    for (i = 0; i < m->nendpoints; i++)
        if (m->endpoints[i].available)
            json_array_append_new(eps,
                                  models_endpoint_json(&m->endpoints[i]));
    ir_api_reply_json(x, 200, root);
}

ir_err
ir_api_models_install(struct ir_server *srv)
{
    ir_err err;

    if ((err = models_render_list(srv)) != IR_OK)
        return err;
    if ((err = ir_http_server_route(srv->http, "GET", "/api/v1/images/models",
                                    models_list_cb, srv)) != IR_OK)
        return err;
    return ir_http_server_route(srv->http, "GET", MODELS_PREFIX "*",
                                models_endpoints_cb, srv);
}
