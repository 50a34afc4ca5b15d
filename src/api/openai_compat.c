/* SPDX-License-Identifier: Apache-2.0
 * api/openai_compat.c - POST /v1/images/generations, OpenAI's Images API
 * shape, so the official openai clients work pointed at this router.
 * The body is mapped onto the OpenRouter request, then served by the same
 * path as /api/v1/images; answers use OpenAI's shapes and event names.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/api.h"
#include "api/images.h"
#include "catalog/catalog.h"
#include "server/http_server.h"

/* Without a model, OpenAI clients get the built-in renderer. */
#define OPENAI_DEFAULT_MODEL "imagerouter/abstract"

/* Maps OpenAI's field values onto ours in place. */
static ir_err
openai_map(json_t *root, struct ir_error *err)
{
    json_t *v, *prov, *opts, *mine; /* borrowed */
    const char *s;

    v = json_object_get(root, "model");
    if (v == NULL || json_is_null(v)) {
        json_object_set_new(root, "model", json_string(OPENAI_DEFAULT_MODEL));
    } else if (json_is_string(v) && strchr(json_string_value(v), '/') ==
                                        NULL) {
        /* "gpt-image-1" is OpenAI's own name for openai/gpt-image-1. */
        char id[256];

        (void)snprintf(id, sizeof id, "openai/%s", json_string_value(v));
        json_object_set_new(root, "model", json_string(id));
    }
    v = json_object_get(root, "response_format");
    if (json_is_string(v) && strcmp(json_string_value(v), "b64_json") != 0) {
        ir_error_set(err, 400,
                     "response_format '%s' is not supported: this router "
                     "returns images inline; use 'b64_json'",
                     json_string_value(v));
        ir_error_meta_str(err, "param", "response_format");
        return IR_EINVAL;
    }
    json_object_del(root, "response_format");
    v = json_object_get(root, "quality");
    if (json_is_string(v)) {
        s = json_string_value(v);
        /* DALL-E's names. */
        if (strcmp(s, "standard") == 0)
            json_object_set_new(root, "quality", json_string("medium"));
        else if (strcmp(s, "hd") == 0)
            json_object_set_new(root, "quality", json_string("high"));
    }
    v = json_object_get(root, "moderation");
    if (v != NULL) {
        /* OpenAI's own knob travels as an openai passthrough option. */
        prov = json_object_get(root, "provider");
        if (prov == NULL) {
            json_object_set_new(root, "provider", json_object());
            prov = json_object_get(root, "provider");
        }
        if (json_is_object(prov)) {
            opts = json_object_get(prov, "options");
            if (opts == NULL) {
                json_object_set_new(prov, "options", json_object());
                opts = json_object_get(prov, "options");
            }
            mine = json_is_object(opts) ? json_object_get(opts, "openai")
                                        : NULL;
            if (json_is_object(opts) && mine == NULL) {
                json_object_set_new(opts, "openai", json_object());
                mine = json_object_get(opts, "openai");
            }
            if (json_is_object(mine))
                json_object_set(mine, "moderation", v);
        }
        json_object_del(root, "moderation");
    }
    /* The "style" of DALL-E 3 has no equivalent: dropped like unknowns. */
    return IR_OK;
}

static ir_err
openai_parse(const char *body, size_t len, struct ir_request *out,
             struct ir_error *err)
{
    json_error_t jerr;
    json_t *root; /* owned */
    ir_err e;

    root = json_loadb(body, len, 0, &jerr);
    if (root == NULL) {
        ir_error_set(err, 400, "Invalid JSON at line %d, column %d: %s",
                     jerr.line, jerr.column, jerr.text);
        return IR_EPARSE;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        ir_error_set(err, 400, "The request body must be a JSON object");
        return IR_EPARSE;
    }
    if ((e = openai_map(root, err)) == IR_OK)
        e = ir_core_request_from_json(root, out, err);
    json_decref(root);
    return e;
}

static void
openai_cb(struct ir_exchange *x, void *arg)
{
    ir_api_images_handle(arg, x, IR_API_OPENAI, openai_parse);
}

ir_err
ir_api_openai_install(struct ir_server *srv)
{
    return ir_http_server_route(srv->http, "POST", "/v1/images/generations",
                                openai_cb, srv);
}
