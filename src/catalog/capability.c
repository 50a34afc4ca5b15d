/* SPDX-License-Identifier: Apache-2.0
 * catalog/capability.c - is one endpoint able to serve a request, judged
 * by its capability descriptors; the 400 when none is; and the union of
 * descriptors that GET /api/v1/images/models shows for a model.
 *
 * What filters (behavior.md 3.2; choices marked *):
 * - resolution: the tier in effect (resolution, or a tier size) must be
 *   in the enum. An explicit WxH size has no tier and does not filter.
 * - quality, background: the value must be in the enum; *"auto" never
 *   filters, as it asks for the provider's default, which every endpoint
 *   has.
 * - output_format: in the enum. output_compression, n: in the range.
 * - input_references: the count within the range, its minimum included
 *   (an endpoint that requires references is skipped by a text-only
 *   request). *References sent to an endpoint that does not declare the
 *   parameter make it ineligible instead of being dropped: silently
 *   generating without them would bill for the wrong image.
 * - size: when declared as an enum, a tier or WxH size must be listed.
 * - *aspect_ratio never filters: geometry clamps an unlisted ratio to the
 *   nearest one the endpoint has (DESIGN "Geometry").
 * - seed (boolean) and stream never filter; a descriptor of an unknown
 *   type does not filter either.
 */
#include "catalog/capability.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define CAP_MAX_PARAMS 8 /* distinct parameters named in one 400 */

static bool cap_enum_ok(const json_t *desc, const char *param,
                        const char *value, struct ir_cap_reject *why);
static bool cap_range_ok(const json_t *desc, const char *param,
                         long long value, struct ir_cap_reject *why);
static ir_err cap_union_one(json_t *u, const char *key, const json_t *desc)
    IR_MUST_CHECK;

static const char *
cap_type(const json_t *desc)
{
    const char *t = json_string_value(json_object_get(desc, "type"));

    return t != NULL ? t : "";
}

static const json_t *
cap_desc(const struct ir_endpoint *ep, const char *param)
{
    const json_t *d;

    if (ep == NULL || ep->supported_parameters == NULL)
        return NULL;
    d = json_object_get(ep->supported_parameters, param); /* borrowed */
    return json_is_object(d) ? d : NULL;
}

int
ir_catalog_capability_n_max(const struct ir_endpoint *ep)
{
    const json_t *d = cap_desc(ep, "n");
    const json_t *max = json_object_get(d, "max"); /* borrowed */

    /* An endpoint that does not declare n makes one image per call. */
    if (strcmp(cap_type(d), "range") != 0 || !json_is_number(max))
        return 1;
    return json_number_value(max) < 1 ? 1 : (int)json_number_value(max);
}

bool
ir_catalog_capability_declared(const struct ir_endpoint *ep,
                               const char *param)
{
    return cap_desc(ep, param) != NULL;
}

size_t
ir_catalog_capability_enum(const struct ir_endpoint *ep, const char *param,
                           const char **out, size_t max)
{
    const json_t *desc = cap_desc(ep, param), *v; /* borrowed */
    size_t i, n = 0;

    if (desc == NULL || strcmp(cap_type(desc), "enum") != 0)
        return 0;
    json_array_foreach(json_object_get(desc, "values"), i, v) {
        if (n == max)
            break;
        if (json_is_string(v))
            out[n++] = json_string_value(v);
    }
    return n;
}

/* "512, 1K, 2K" from an enum's values. */
static void
cap_join(const json_t *values, char *buf, size_t size)
{
    const json_t *v; /* borrowed */
    size_t i, used = 0;
    int w;

    buf[0] = '\0';
    json_array_foreach(values, i, v) {
        if (!json_is_string(v))
            continue;
        w = snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
                     json_string_value(v));
        if (w < 0 || (size_t)w >= size - used) {
            buf[used] = '\0'; /* keep whole items only */
            break;
        }
        used += (size_t)w;
    }
}

static void
cap_range_text(long long min, long long max, char *buf, size_t size)
{
    if (min == max)
        (void)snprintf(buf, size, "%lld", min);
    else if (max == LLONG_MAX)
        (void)snprintf(buf, size, "%lld or more", min);
    else
        (void)snprintf(buf, size, "%lld-%lld", min, max);
}

static void
cap_reject_range(struct ir_cap_reject *why, const char *param,
                 long long value, long long min, long long max)
{
    (void)snprintf(why->param, sizeof why->param, "%s", param);
    (void)snprintf(why->value, sizeof why->value, "%lld", value);
    why->is_range = true;
    why->min = min;
    why->max = max;
    why->values = NULL;
    cap_range_text(min, max, why->accepted, sizeof why->accepted);
}

static bool
cap_enum_ok(const json_t *desc, const char *param, const char *value,
            struct ir_cap_reject *why)
{
    const json_t *values, *v; /* borrowed */
    size_t i;

    if (desc == NULL || strcmp(cap_type(desc), "enum") != 0)
        return true; /* undeclared (dropped), boolean, or unknown type */
    values = json_object_get(desc, "values");
    json_array_foreach(values, i, v) {
        if (json_is_string(v) && strcasecmp(json_string_value(v), value) == 0)
            return true;
    }
    (void)snprintf(why->param, sizeof why->param, "%s", param);
    (void)snprintf(why->value, sizeof why->value, "%s", value);
    why->is_range = false;
    why->values = values;
    cap_join(values, why->accepted, sizeof why->accepted);
    return false;
}

static bool
cap_range_ok(const json_t *desc, const char *param, long long value,
             struct ir_cap_reject *why)
{
    const json_t *jmin, *jmax; /* borrowed */
    long long min = LLONG_MIN, max = LLONG_MAX;
    char s[24];

    if (desc != NULL && strcmp(cap_type(desc), "enum") == 0) {
        (void)snprintf(s, sizeof s, "%lld", value);
        return cap_enum_ok(desc, param, s, why);
    }
    if (desc == NULL || strcmp(cap_type(desc), "range") != 0)
        return true;
    jmin = json_object_get(desc, "min");
    jmax = json_object_get(desc, "max");
    if (json_is_number(jmin))
        min = (long long)json_number_value(jmin);
    if (json_is_number(jmax))
        max = (long long)json_number_value(jmax);
    if (value >= min && value <= max)
        return true;
    cap_reject_range(why, param, value, min == LLONG_MIN ? 0 : min, max);
    return false;
}

bool
ir_catalog_capability_check(const struct ir_request *req,
                            const struct ir_endpoint *ep,
                            struct ir_cap_reject *why)
{
    struct ir_cap_reject scratch;
    const json_t *refs;
    const char *tier = ir_core_request_tier(req);

    if (why == NULL)
        why = &scratch;
    memset(why, 0, sizeof *why);
    why->model_id = ep->model_id;
    why->provider = ep->provider_tag != NULL ? ep->provider_tag
                                             : ep->provider_slug;
    if (tier[0] != '\0' &&
        !cap_enum_ok(cap_desc(ep, "resolution"), "resolution", tier, why))
        return false;
    /* More images than the endpoint makes per call is served by parallel
     * calls (routing/job.c); only fewer than its minimum disqualifies. */
    if (!cap_range_ok(cap_desc(ep, "n"), "n",
                      req->n > ir_catalog_capability_n_max(ep)
                          ? ir_catalog_capability_n_max(ep) : req->n,
                      why))
        return false;
    refs = cap_desc(ep, "input_references");
    if (refs == NULL && req->nrefs > 0) {
        cap_reject_range(why, "input_references", (long long)req->nrefs, 0,
                         0);
        return false;
    }
    if (!cap_range_ok(refs, "input_references", (long long)req->nrefs, why))
        return false;
    if (req->quality != IR_QUALITY_UNSET && req->quality != IR_QUALITY_AUTO &&
        !cap_enum_ok(cap_desc(ep, "quality"), "quality",
                     ir_core_request_quality_name(req->quality), why))
        return false;
    if (req->background != IR_BACKGROUND_UNSET &&
        req->background != IR_BACKGROUND_AUTO &&
        !cap_enum_ok(cap_desc(ep, "background"), "background",
                     ir_core_request_background_name(req->background), why))
        return false;
    if (req->output_format != IR_FORMAT_UNSET &&
        !cap_enum_ok(cap_desc(ep, "output_format"), "output_format",
                     ir_core_request_format_name(req->output_format), why))
        return false;
    if (req->output_compression_set &&
        !cap_range_ok(cap_desc(ep, "output_compression"),
                      "output_compression", req->output_compression, why))
        return false;
    if ((req->size_kind == IR_SIZE_PIXELS || req->size_kind == IR_SIZE_TIER) &&
        !cap_enum_ok(cap_desc(ep, "size"), "size", req->size, why))
        return false;
    return true;
}

/* ---- the 400 --------------------------------------------------------- */

/* One parameter's rejections merged: the union of what would work. */
struct cap_merged {
    const struct ir_cap_reject *first;
    bool is_range;
    long long min, max;
    json_t *values; /* owned array of strings, when !is_range */
};

static void
cap_merge(struct cap_merged *m, const struct ir_cap_reject *w)
{
    const json_t *v, *have; /* borrowed */
    size_t i, j;
    bool dup;

    if (m->first == NULL) {
        m->first = w;
        m->is_range = w->is_range;
        m->min = w->min;
        m->max = w->max;
        m->values = w->is_range ? NULL : json_array();
    } else if (m->is_range && w->is_range) {
        m->min = w->min < m->min ? w->min : m->min;
        m->max = w->max > m->max ? w->max : m->max;
    }
    if (m->is_range || w->is_range || m->values == NULL)
        return;
    json_array_foreach(w->values, i, v) {
        if (!json_is_string(v))
            continue;
        dup = false;
        json_array_foreach(m->values, j, have) {
            dup = dup || strcmp(json_string_value(have),
                                json_string_value(v)) == 0;
        }
        if (!dup)
            (void)json_array_append_new(m->values,
                                        json_string(json_string_value(v)));
    }
}

static json_t *
cap_accepted_json(const struct cap_merged *m)
{
    if (m->is_range)
        return m->max == LLONG_MAX
                   ? json_pack("{sI}", "min", (json_int_t)m->min)
                   : json_pack("{sIsI}", "min", (json_int_t)m->min, "max",
                               (json_int_t)m->max);
    return m->values != NULL ? json_incref(m->values) : json_array();
}

/* "resolution '4K'" / "n 4" / "input_references count 11". */
static void
cap_named_value(const struct cap_merged *m, char *buf, size_t size)
{
    const struct ir_cap_reject *w = m->first;

    if (strcmp(w->param, "input_references") == 0)
        (void)snprintf(buf, size, "input_references count %s", w->value);
    else if (m->is_range)
        (void)snprintf(buf, size, "%s %s", w->param, w->value);
    else
        (void)snprintf(buf, size, "%s '%s'", w->param, w->value);
}

static void
cap_supported_text(const struct cap_merged *m, char *buf, size_t size)
{
    if (m->is_range)
        cap_range_text(m->min, m->max, buf, size);
    else
        cap_join(m->values, buf, size);
    if (buf[0] == '\0')
        (void)snprintf(buf, size, "none");
}

/* Merges the rejections by parameter, in order of first appearance;
 * returns how many parameters there are. */
static size_t
cap_group(const struct ir_cap_reject *whys, size_t n, struct cap_merged *m)
{
    size_t i, k, nm = 0;

    for (i = 0; i < n; i++) {
        for (k = 0; k < nm; k++) {
            if (strcmp(m[k].first->param, whys[i].param) == 0)
                break;
        }
        if (k == CAP_MAX_PARAMS)
            continue; /* more parameters than one message names */
        if (k == nm)
            nm++;
        cap_merge(&m[k], &whys[i]);
    }
    return nm;
}

void
ir_catalog_capability_error(const struct ir_cap_reject *whys, size_t n,
                            struct ir_error *err)
{
    struct cap_merged m[CAP_MAX_PARAMS];
    char named[128], supported[256], part[400];
    const char *model = n > 0 && whys[0].model_id ? whys[0].model_id
                                                  : "this model";
    json_t *list; /* owned */
    size_t k, nm, used;

    memset(m, 0, sizeof m);
    ir_error_cleanup(err);
    err->status = 400;
    ir_error_meta_str(err, "error_type", "unsupported_parameter");
    nm = cap_group(whys, n, m);
    if (nm == 0) {
        ir_error_set(err, 400, "No endpoint of %s can serve this request",
                     model);
        return;
    }
    cap_named_value(&m[0], named, sizeof named);
    cap_supported_text(&m[0], supported, sizeof supported);
    ir_error_meta_str(err, "param", m[0].first->param);
    ir_error_meta_str(err, "value", m[0].first->value);
    ir_error_meta_json(err, "accepted", cap_accepted_json(&m[0]));
    if (nm == 1) {
        ir_error_set(err, 400,
                     "%s is not supported by any endpoint of %s; "
                     "supported: %s",
                     named, model, supported);
        goto out;
    }
    used = (size_t)snprintf(err->message, sizeof err->message,
                            "No endpoint of %s supports all the requested "
                            "parameters:",
                            model);
    list = json_array();
    for (k = 0; k < nm; k++) {
        cap_named_value(&m[k], named, sizeof named);
        cap_supported_text(&m[k], supported, sizeof supported);
        (void)snprintf(part, sizeof part, "%s %s (supported: %s)",
                       k ? ";" : "", named, supported);
        if (used < sizeof err->message)
            used += (size_t)snprintf(err->message + used,
                                     sizeof err->message - used, "%s",
                                     part);
        if (list != NULL)
            (void)json_array_append_new(
                list, json_pack("{ssssso}", "param", m[k].first->param,
                                "value", m[k].first->value, "accepted",
                                cap_accepted_json(&m[k])));
    }
    ir_error_meta_json(err, "params", list);
out:
    for (k = 0; k < nm; k++)
        json_decref(m[k].values);
}

/* ---- the model-level union ------------------------------------------- */

static ir_err
cap_union_range(json_t *cur, const json_t *desc, const char *key, bool low)
{
    const json_t *a = json_object_get(cur, key), *b; /* borrowed */

    b = json_object_get(desc, key);
    if (!json_is_number(a))
        return IR_OK; /* already unbounded on this side */
    if (!json_is_number(b))
        return json_object_del(cur, key) == 0 ? IR_OK : IR_ENOMEM;
    if (low ? json_number_value(b) < json_number_value(a)
            : json_number_value(b) > json_number_value(a))
        return json_object_set_new(cur, key, json_copy((json_t *)b)) == 0
                   ? IR_OK
                   : IR_ENOMEM;
    return IR_OK;
}

static ir_err
cap_union_one(json_t *u, const char *key, const json_t *desc)
{
    json_t *cur = json_object_get(u, key), *cv; /* borrowed */
    const json_t *v;                            /* borrowed */
    const char *type = cap_type(desc);
    size_t i, j;
    bool dup;
    ir_err e;

    if (cur == NULL)
        return json_object_set_new(u, key, json_deep_copy(desc)) == 0
                   ? IR_OK
                   : IR_ENOMEM;
    if (strcmp(cap_type(cur), type) != 0)
        return IR_OK; /* conflicting types: the first endpoint's wins */
    if (strcmp(type, "range") == 0) {
        if ((e = cap_union_range(cur, desc, "min", true)) != IR_OK)
            return e;
        return cap_union_range(cur, desc, "max", false);
    }
    if (strcmp(type, "enum") != 0)
        return IR_OK;
    cv = json_object_get(cur, "values");
    if (!json_is_array(cv))
        return IR_OK;
    json_array_foreach(json_object_get(desc, "values"), i, v) {
        const json_t *have; /* borrowed */

        dup = false;
        json_array_foreach(cv, j, have) {
            dup = dup || json_equal((json_t *)have, (json_t *)v);
        }
        if (!dup && json_array_append_new(cv, json_copy((json_t *)v)) != 0)
            return IR_ENOMEM;
    }
    return IR_OK;
}

json_t *
ir_catalog_capability_union(const struct ir_model *m)
{
    json_t *u = json_object(); /* owned */
    const json_t *desc;        /* borrowed */
    const char *key;
    size_t i;

    if (u == NULL)
        return NULL;
    for (i = 0; i < m->nendpoints; i++) {
        const struct ir_endpoint *ep = &m->endpoints[i];

        if (!ep->available || !json_is_object(ep->supported_parameters))
            continue;
        json_object_foreach(ep->supported_parameters, key, desc) {
            if (json_is_object(desc) && cap_union_one(u, key, desc) != IR_OK)
                goto fail;
        }
    }
    return u;
fail:
    json_decref(u);
    return NULL;
}
