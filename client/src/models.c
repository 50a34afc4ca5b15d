/* SPDX-License-Identifier: Apache-2.0
 * client/models.c - GET /images/models and .../{author}/{slug}/endpoints
 * into typed lists (one arena each).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "arena.h"
#include "call.h"
#include "error.h"
#include "response.h"

struct irc_model_list {
    imagerouter_model_list pub;   /* first: the caller's pointer */
    struct irc_arena arena;
};

struct irc_endpoint_list {
    imagerouter_endpoint_list pub;
    struct irc_arena arena;
};

static int models_get(imagerouter_client *c, const char *path,
                      const imagerouter_call_options *opts, json_t **root,
                      char **body, imagerouter_error **err);
static const char *models_str(struct irc_arena *a, json_t *o, const char *key,
                              bool *ok);
static const char *const *models_strings(struct irc_arena *a, json_t *arr,
                                         size_t *count, bool *ok);
static const imagerouter_capability *models_caps(struct irc_arena *a,
                                                 json_t *obj, size_t *count,
                                                 bool *ok);
static bool models_model(struct irc_arena *a, json_t *o, imagerouter_model *m);
static bool models_endpoint(struct irc_arena *a, json_t *o,
                            imagerouter_endpoint *e);
static char *models_escape(const char *s);

/* A string member copied to the arena; NULL when absent or null. A
 * present value of another type, or OOM, clears *ok. */
static const char *
models_str(struct irc_arena *a, json_t *o, const char *key, bool *ok)
{
    json_t *v = json_object_get(o, key);
    const char *s;

    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        *ok = false;
        return NULL;
    }
    s = irc_arena_strdup(a, json_string_value(v));
    if (!s)
        *ok = false;
    return s;
}

static const char *const *
models_strings(struct irc_arena *a, json_t *arr, size_t *count, bool *ok)
{
    const char **v;
    json_t *item;
    size_t i;

    *count = 0;
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return NULL;
    v = irc_arena_alloc(a, json_array_size(arr) * sizeof *v);
    if (!v) {
        *ok = false;
        return NULL;
    }
    json_array_foreach(arr, i, item) {
        if (!json_is_string(item))
            continue;   /* tolerate; open enums may grow */
        v[*count] = irc_arena_strdup(a, json_string_value(item));
        if (!v[*count]) {
            *ok = false;
            return NULL;
        }
        (*count)++;
    }
    return v;
}

static const imagerouter_capability *
models_caps(struct irc_arena *a, json_t *obj, size_t *count, bool *ok)
{
    imagerouter_capability *caps, *cap;
    const char *key, *type;
    json_t *d;

    *count = 0;
    if (!json_is_object(obj) || json_object_size(obj) == 0)
        return NULL;
    caps = irc_arena_alloc(a, json_object_size(obj) * sizeof *caps);
    if (!caps) {
        *ok = false;
        return NULL;
    }
    json_object_foreach(obj, key, d) {
        if (!json_is_object(d))
            continue;
        cap = &caps[(*count)++];
        cap->name = irc_arena_strdup(a, key);
        cap->json = irc_response_dump(d, a);
        if (!cap->name || !cap->json)
            *ok = false;
        type = json_string_value(json_object_get(d, "type"));
        cap->type = IMAGEROUTER_CAP_UNKNOWN;
        if (type && strcmp(type, "enum") == 0 &&
            json_is_array(json_object_get(d, "values"))) {
            cap->type = IMAGEROUTER_CAP_ENUM;
            cap->values = models_strings(a, json_object_get(d, "values"),
                                         &cap->value_count, ok);
        } else if (type && strcmp(type, "range") == 0 &&
                   json_is_number(json_object_get(d, "min")) &&
                   json_is_number(json_object_get(d, "max"))) {
            cap->type = IMAGEROUTER_CAP_RANGE;
            cap->min = json_number_value(json_object_get(d, "min"));
            cap->max = json_number_value(json_object_get(d, "max"));
        } else if (type && strcmp(type, "boolean") == 0) {
            cap->type = IMAGEROUTER_CAP_BOOLEAN;
        }
    }
    return caps;
}

static bool
models_model(struct irc_arena *a, json_t *o, imagerouter_model *m)
{
    json_t *arch = json_object_get(o, "architecture");
    bool ok = true;

    if (!json_is_object(o) || !json_is_string(json_object_get(o, "id")))
        return false;
    m->id = models_str(a, o, "id", &ok);
    m->name = models_str(a, o, "name", &ok);
    m->description = models_str(a, o, "description", &ok);
    if (json_is_integer(json_object_get(o, "created")))
        m->created = json_integer_value(json_object_get(o, "created"));
    m->input_modalities =
        models_strings(a, json_object_get(arch, "input_modalities"),
                       &m->input_modality_count, &ok);
    m->output_modalities =
        models_strings(a, json_object_get(arch, "output_modalities"),
                       &m->output_modality_count, &ok);
    m->supported_parameters =
        models_caps(a, json_object_get(o, "supported_parameters"),
                    &m->supported_parameter_count, &ok);
    m->supports_streaming =
        json_is_true(json_object_get(o, "supports_streaming"));
    m->endpoints_url = models_str(a, o, "endpoints", &ok);
    return ok;
}

static bool
models_endpoint(struct irc_arena *a, json_t *o, imagerouter_endpoint *e)
{
    json_t *pricing = json_object_get(o, "pricing"), *line;
    imagerouter_pricing *p;
    bool ok = true;
    size_t i;

    if (!json_is_object(o) ||
        !json_is_string(json_object_get(o, "provider_name")))
        return false;
    e->provider_name = models_str(a, o, "provider_name", &ok);
    e->provider_slug = models_str(a, o, "provider_slug", &ok);
    e->provider_tag = models_str(a, o, "provider_tag", &ok);
    e->supported_parameters =
        models_caps(a, json_object_get(o, "supported_parameters"),
                    &e->supported_parameter_count, &ok);
    e->allowed_passthrough_parameters = models_strings(
        a, json_object_get(o, "allowed_passthrough_parameters"),
        &e->allowed_passthrough_parameter_count, &ok);
    e->supports_streaming =
        json_is_true(json_object_get(o, "supports_streaming"));
    if (json_is_array(pricing) && json_array_size(pricing) > 0) {
        p = irc_arena_alloc(a, json_array_size(pricing) * sizeof *p);
        if (!p)
            return false;
        e->pricing = p;
        json_array_foreach(pricing, i, line) {
            if (!json_is_object(line))
                continue;
            p[e->pricing_count].billable = models_str(a, line, "billable", &ok);
            p[e->pricing_count].unit = models_str(a, line, "unit", &ok);
            p[e->pricing_count].variant = models_str(a, line, "variant", &ok);
            p[e->pricing_count].cost_usd =
                json_number_value(json_object_get(line, "cost_usd"));
            e->pricing_count++;
        }
    }
    return ok;
}

/* Percent-encodes everything but RFC 3986 unreserved characters. */
static char *
models_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s), i, o = 0;
    char *out = malloc(n * 3 + 1);

    if (!out)
        return NULL;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~') {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return out;
}

static int
models_get(imagerouter_client *c, const char *path,
           const imagerouter_call_options *opts, json_t **root, char **body,
           imagerouter_error **err)
{
    struct irc_http_resp resp;
    struct irc_call call = {0};
    json_error_t jerr;
    size_t ulen = strlen(c->base_url) + strlen(path) + 1;
    char *url = malloc(ulen);
    int rc, attempts = 0;

    *root = NULL;
    *body = NULL;
    if (!url)
        return irc_fail(err, IMAGEROUTER_ERR_NO_MEMORY, "out of memory");
    snprintf(url, ulen, "%s%s", c->base_url, path);
    irc_http_resp_init(&resp, c->max_response_bytes);
    call.client = c;
    call.opts = opts;
    call.method = "GET";
    call.url = url;
    rc = irc_call_run(&call, &resp, &attempts, err);
    if (rc != IMAGEROUTER_OK)
        goto out;
    if (!irc_http_is_json(resp.content_type)) {
        rc = irc_fail(err, IMAGEROUTER_ERR_DECODE,
                      "unexpected Content-Type \"%s\" in a %ld reply",
                      resp.content_type, resp.status);
        goto out;
    }
    *root = json_loadb(irc_buf_str(&resp.body), resp.body.len, 0, &jerr);
    if (!*root) {
        rc = irc_fail(err, IMAGEROUTER_ERR_DECODE, "reply is not JSON: %s",
                      jerr.text);
        goto out;
    }
    *body = irc_buf_take(&resp.body, NULL);
    if (!*body) {
        json_decref(*root);
        *root = NULL;
        rc = irc_fail(err, IMAGEROUTER_ERR_NO_MEMORY, "out of memory");
    }
out:
    if (rc != IMAGEROUTER_OK && err && *err)
        (*err)->attempts = attempts;
    irc_http_resp_cleanup(&resp);
    free(url);
    return rc;
}

int
imagerouter_list_models(imagerouter_client *c,
                        const imagerouter_call_options *opts,
                        imagerouter_model_list **out, imagerouter_error **err)
{
    struct irc_model_list *l = NULL;
    json_t *root = NULL, *data, *item; /* root owned */
    imagerouter_model *models;
    char *body = NULL;
    size_t i;
    int rc;

    if (err)
        *err = NULL;
    if (!c || !out)
        return irc_fail(err, IMAGEROUTER_ERR_INVALID_ARGUMENT,
                        "client and out are required");
    *out = NULL;
    rc = models_get(c, "/images/models", opts, &root, &body, err);
    if (rc != IMAGEROUTER_OK)
        return rc;
    data = json_object_get(root, "data");
    if (!json_is_array(data)) {
        rc = irc_fail(err, IMAGEROUTER_ERR_DECODE,
                      "unexpected reply: \"data\" is not an array");
        goto out;
    }
    l = calloc(1, sizeof *l);
    if (!l)
        goto oom;
    irc_arena_init(&l->arena);
    l->pub.json = irc_arena_strdup(&l->arena, body);
    models = irc_arena_alloc(&l->arena, (json_array_size(data) + 1) *
                                            sizeof *models);
    if (!l->pub.json || !models)
        goto oom;
    l->pub.models = models;
    json_array_foreach(data, i, item) {
        if (!models_model(&l->arena, item, &models[l->pub.count])) {
            rc = irc_fail(err, IMAGEROUTER_ERR_DECODE,
                          "unexpected reply: data[%zu] is not a model", i);
            goto out;
        }
        l->pub.count++;
    }
    *out = &l->pub;
    l = NULL;
    goto out;
oom:
    rc = irc_fail(err, IMAGEROUTER_ERR_NO_MEMORY, "out of memory");
out:
    imagerouter_model_list_free(l ? &l->pub : NULL);
    json_decref(root);
    free(body);
    return rc;
}

void
imagerouter_model_list_free(imagerouter_model_list *pub)
{
    struct irc_model_list *l = (struct irc_model_list *)pub;

    if (!l)
        return;
    irc_arena_cleanup(&l->arena);
    free(l);
}

int
imagerouter_list_model_endpoints(imagerouter_client *c, const char *author,
                                 const char *slug,
                                 const imagerouter_call_options *opts,
                                 imagerouter_endpoint_list **out,
                                 imagerouter_error **err)
{
    struct irc_endpoint_list *l = NULL;
    json_t *root = NULL, *eps, *item; /* root owned */
    imagerouter_endpoint *v;
    char *body = NULL, *ea = NULL, *es = NULL, *path = NULL;
    bool ok = true;
    size_t i, plen;
    int rc;

    if (err)
        *err = NULL;
    if (!c || !out || !author || !*author || !slug || !*slug)
        return irc_fail(err, IMAGEROUTER_ERR_INVALID_ARGUMENT,
                        "client, author, slug and out are required");
    *out = NULL;
    ea = models_escape(author);
    es = models_escape(slug);
    plen = (ea ? strlen(ea) : 0) + (es ? strlen(es) : 0) + 64;
    path = malloc(plen);
    if (!ea || !es || !path) {
        rc = irc_fail(err, IMAGEROUTER_ERR_NO_MEMORY, "out of memory");
        goto out;
    }
    snprintf(path, plen, "/images/models/%s/%s/endpoints", ea, es);
    rc = models_get(c, path, opts, &root, &body, err);
    if (rc != IMAGEROUTER_OK)
        goto out;
    eps = json_object_get(root, "endpoints");
    if (!json_is_array(eps)) {
        rc = irc_fail(err, IMAGEROUTER_ERR_DECODE,
                      "unexpected reply: \"endpoints\" is not an array");
        goto out;
    }
    l = calloc(1, sizeof *l);
    if (!l)
        goto oom;
    irc_arena_init(&l->arena);
    l->pub.json = irc_arena_strdup(&l->arena, body);
    l->pub.id = models_str(&l->arena, root, "id", &ok);
    v = irc_arena_alloc(&l->arena, (json_array_size(eps) + 1) * sizeof *v);
    if (!l->pub.json || !v || !ok)
        goto oom;
    l->pub.endpoints = v;
    json_array_foreach(eps, i, item) {
        if (!models_endpoint(&l->arena, item, &v[l->pub.count])) {
            rc = irc_fail(err, IMAGEROUTER_ERR_DECODE,
                          "unexpected reply: endpoints[%zu] is not an "
                          "endpoint", i);
            goto out;
        }
        l->pub.count++;
    }
    *out = &l->pub;
    l = NULL;
    goto out;
oom:
    rc = irc_fail(err, IMAGEROUTER_ERR_NO_MEMORY, "out of memory");
out:
    imagerouter_endpoint_list_free(l ? &l->pub : NULL);
    json_decref(root);
    free(body);
    free(ea);
    free(es);
    free(path);
    return rc;
}

void
imagerouter_endpoint_list_free(imagerouter_endpoint_list *pub)
{
    struct irc_endpoint_list *l = (struct irc_endpoint_list *)pub;

    if (!l)
        return;
    irc_arena_cleanup(&l->arena);
    free(l);
}

const imagerouter_capability *
imagerouter_capability_find(const imagerouter_capability *caps, size_t count,
                            const char *name)
{
    size_t i;

    if (!caps || !name)
        return NULL;
    for (i = 0; i < count; i++)
        if (caps[i].name && strcmp(caps[i].name, name) == 0)
            return &caps[i];
    return NULL;
}
