/* SPDX-License-Identifier: Apache-2.0
 * client/request.c - build the POST /images body with jansson.
 */
#include "request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "error.h"

#define REQUEST_VERSION 1

/* The first failure wins; later setters become no-ops. */
struct req_build {
    int rc;
    char why[160];
};

static void req_failed(struct req_build *b, int rc, const char *why,
                       const char *key);
static void req_set(struct req_build *b, json_t *o, const char *key,
                    json_t *owned_v);
static void req_str(struct req_build *b, json_t *o, const char *key,
                    const char *val);
static void req_list(struct req_build *b, json_t *o, const char *key,
                     const char *const *v, size_t n);
static void req_provider(struct req_build *b, json_t *root,
                         const imagerouter_provider_prefs *p);
static void req_refs(struct req_build *b, json_t *root,
                     const imagerouter_request *req);

void
imagerouter_request_init(imagerouter_request *r)
{
    memset(r, 0, sizeof *r);
    r->version = REQUEST_VERSION;
    r->output_compression = -1;
    r->provider.allow_fallbacks = -1;
}

static void
req_failed(struct req_build *b, int rc, const char *why, const char *key)
{
    if (b->rc)
        return;
    b->rc = rc;
    /* Truncation is fine: the message is advisory. */
    if (snprintf(b->why, sizeof(b->why), "%s%s%s", key ? key : "",
                 key ? ": " : "", why) < 0)
        b->why[0] = '\0';
}

static void
req_set(struct req_build *b, json_t *o, const char *key, json_t *owned_v)
{
    if (b->rc) {
        json_decref(owned_v);
        return;
    }
    if (!owned_v || json_object_set_new(o, key, owned_v) != 0)
        req_failed(b, IMAGEROUTER_ERR_NO_MEMORY, "out of memory", NULL);
}

/* A NULL val is left out. */
static void
req_str(struct req_build *b, json_t *o, const char *key, const char *val)
{
    json_t *s;

    if (!val || b->rc)
        return;
    s = json_string(val);
    if (!s) {
        req_failed(b, IMAGEROUTER_ERR_INVALID_ARGUMENT, "not valid UTF-8",
                   key);
        return;
    }
    req_set(b, o, key, s);
}

/* An empty list is left out. */
static void
req_list(struct req_build *b, json_t *o, const char *key,
         const char *const *v, size_t n)
{
    json_t *arr, *s; /* owned until set */
    size_t i;

    if (!v || n == 0 || b->rc)
        return;
    arr = json_array();
    for (i = 0; arr && i < n; i++) {
        s = v[i] ? json_string(v[i]) : NULL;
        if (!s) {
            json_decref(arr);
            req_failed(b, IMAGEROUTER_ERR_INVALID_ARGUMENT,
                       "NULL or non-UTF-8 item", key);
            return;
        }
        if (json_array_append_new(arr, s) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    req_set(b, o, key, arr);
}

static void
req_provider(struct req_build *b, json_t *root,
             const imagerouter_provider_prefs *p)
{
    json_t *prov, *opts; /* owned until set */
    json_error_t jerr;

    if (b->rc)
        return;
    prov = json_object();
    if (!prov) {
        req_failed(b, IMAGEROUTER_ERR_NO_MEMORY, "out of memory", NULL);
        return;
    }
    if (p->allow_fallbacks >= 0)
        req_set(b, prov, "allow_fallbacks", json_boolean(p->allow_fallbacks));
    req_list(b, prov, "ignore", p->ignore, p->ignore_count);
    req_list(b, prov, "only", p->only, p->only_count);
    req_list(b, prov, "order", p->order, p->order_count);
    if (p->sort && p->sort_partition)
        req_set(b, prov, "sort",
                json_pack("{s:s,s:s}", "by", p->sort, "partition",
                          p->sort_partition));
    else
        req_str(b, prov, "sort", p->sort);
    if (p->options_json && !b->rc) {
        opts = json_loads(p->options_json, 0, &jerr);
        if (!json_is_object(opts)) {
            json_decref(opts);
            req_failed(b, IMAGEROUTER_ERR_INVALID_ARGUMENT,
                       opts ? "not a JSON object" : jerr.text,
                       "provider.options");
        } else {
            req_set(b, prov, "options", opts);
        }
    }
    if (b->rc || json_object_size(prov) == 0) {
        json_decref(prov);
        return;
    }
    req_set(b, root, "provider", prov);
}

static void
req_refs(struct req_build *b, json_t *root, const imagerouter_request *req)
{
    json_t *arr, *part; /* owned until set */
    size_t i;

    if (!req->input_references || req->input_reference_count == 0 || b->rc)
        return;
    if (req->input_reference_count > IRC_MAX_INPUT_REFERENCES) {
        req_failed(b, IMAGEROUTER_ERR_INVALID_ARGUMENT,
                   "at most 16 are allowed", "input_references");
        return;
    }
    arr = json_array();
    for (i = 0; arr && i < req->input_reference_count; i++) {
        if (!req->input_references[i] || !*req->input_references[i]) {
            json_decref(arr);
            req_failed(b, IMAGEROUTER_ERR_INVALID_ARGUMENT, "empty item",
                       "input_references");
            return;
        }
        part = json_pack("{s:s,s:{s:s}}", "type", "image_url", "image_url",
                         "url", req->input_references[i]);
        if (!part || json_array_append_new(arr, part) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    req_set(b, root, "input_references", arr);
}

int
irc_request_json(const imagerouter_request *req, bool stream, char **out,
                 imagerouter_error **err)
{
    struct req_build b = {0};
    json_t *root; /* owned */

    *out = NULL;
    if (!req->model || !*req->model)
        return irc_fail(err, IMAGEROUTER_ERR_INVALID_ARGUMENT,
                        "model is required");
    if (!req->prompt || !*req->prompt)
        return irc_fail(err, IMAGEROUTER_ERR_INVALID_ARGUMENT,
                        "prompt is required");
    root = json_object();
    if (!root)
        return irc_fail(err, IMAGEROUTER_ERR_NO_MEMORY, "out of memory");
    req_str(&b, root, "model", req->model);
    req_str(&b, root, "prompt", req->prompt);
    if (req->n > 0)
        req_set(&b, root, "n", json_integer(req->n));
    req_str(&b, root, "size", req->size);
    req_str(&b, root, "resolution", req->resolution);
    req_str(&b, root, "aspect_ratio", req->aspect_ratio);
    req_str(&b, root, "quality", req->quality);
    req_str(&b, root, "background", req->background);
    req_str(&b, root, "output_format", req->output_format);
    if (req->output_compression >= 0)
        req_set(&b, root, "output_compression",
                json_integer(req->output_compression));
    if (req->has_seed)
        req_set(&b, root, "seed", json_integer(req->seed));
    req_refs(&b, root, req);
    req_provider(&b, root, &req->provider);
    req_str(&b, root, "user", req->user);
    req_str(&b, root, "session_id", req->session_id);
    if (stream)
        req_set(&b, root, "stream", json_true());
    if (!b.rc) {
        *out = json_dumps(root, JSON_COMPACT);
        if (!*out)
            req_failed(&b, IMAGEROUTER_ERR_NO_MEMORY, "out of memory", NULL);
    }
    json_decref(root);
    if (b.rc)
        return irc_fail(err, b.rc, "%s", b.why);
    return IMAGEROUTER_OK;
}
