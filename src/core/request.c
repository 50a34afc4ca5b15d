/* SPDX-License-Identifier: Apache-2.0
 * core/request.c - parses and validates a POST /api/v1/images body into a
 * struct ir_request. Schema-level rules only; every failure is one 400
 * naming the field, the value received and what would be accepted.
 *
 * Choices where the schema is silent (documented for the lead):
 * - JSON null for an optional field means "not given".
 * - Enum strings (resolution, size tiers, quality, background,
 *   output_format, "auto") match case-insensitively and are stored in
 *   their canonical spelling; "jpg" is not taken for "jpeg".
 * - size "WxH" takes 'x' or 'X'; each side 1..IR_MAX_SIDE and the area at
 *   most IR_MAX_PIXELS.
 * - An explicit size matches a resolution when P/4 < W*H <= 2P, P being
 *   the tier's pixel budget (so 1920x1080 fits 2K and 3840x2160 fits 4K),
 *   and matches an aspect_ratio when W/H is within 2% of it.
 * - Unknown keys inside a reference item or inside provider are ignored;
 *   provider.only: [] means the same as null.
 */
#include "core/request.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/geometry.h"
#include "image/base64.h"
#include "util/mem.h"

/* An http(s) reference URL; data: URLs are bounded by the body limit and
 * IR_MAX_REF_BYTES instead. Candidate for core/limits.h. */
#define REQUEST_MAX_HTTP_URL 8192
/* One provider slug in provider.order/only/ignore. Candidate for
 * core/limits.h. */
#define REQUEST_MAX_SLUG 128
/* Relative tolerance between an explicit size's W/H and aspect_ratio. */
#define REQUEST_ASPECT_TOLERANCE 0.02

typedef ir_err request_field_fn(const json_t *root, struct ir_request *r,
                                struct ir_error *err);

static ir_err request_fail(struct ir_error *err, const char *param,
                           const char *fmt, ...) IR_PRINTF(3, 4)
    IR_MUST_CHECK;
static ir_err request_nomem(struct ir_error *err) IR_MUST_CHECK;
static ir_err request_int(const json_t *v, const char *param, long long min,
                          long long max, long long *out,
                          struct ir_error *err) IR_MUST_CHECK;
static ir_err request_enum(const json_t *v, const char *param,
                           const char *const *names, int *idx,
                           struct ir_error *err) IR_MUST_CHECK;
static ir_err request_strlist(const json_t *v, const char *param,
                              struct ir_string_list *out,
                              struct ir_error *err) IR_MUST_CHECK;
static ir_err request_ref(const json_t *item, size_t i, struct ir_ref *ref,
                          struct ir_error *err) IR_MUST_CHECK;
static ir_err request_ref_url(const char *url, size_t urllen, size_t i,
                              struct ir_ref *ref, struct ir_error *err)
    IR_MUST_CHECK;
static ir_err request_sort(const json_t *v, enum ir_sort *out,
                           struct ir_error *err) IR_MUST_CHECK;
static ir_err request_cross_checks(struct ir_request *r, struct ir_error *err)
    IR_MUST_CHECK;
static request_field_fn request_model, request_prompt, request_n,
    request_resolution, request_aspect, request_size, request_quality,
    request_background, request_format, request_compression, request_seed,
    request_stream, request_partials, request_refs, request_provider,
    request_user;

const char *const ir_core_request_resolutions[] = {
    "512", "768", "1K", "1.5K", "2K", "4K", NULL,
};

/* The schema's enum, plus 2.35:1 which @openrouter/sdk 1.3.19 sends. */
const char *const ir_core_request_aspect_ratios[] = {
    "1:1",  "1:2",  "1:4",    "1:8",    "2:1",  "2:3",  "3:2",  "3:4",
    "4:1",  "4:3",  "4:5",    "5:4",    "8:1",  "9:16", "16:9", "9:19.5",
    "19.5:9", "9:20", "20:9", "9:21",   "21:9", "2.35:1", "auto", NULL,
};

/* Indexed by the enums; [0] is the UNSET spelling. */
static const char *const request_quality_names[] = {
    "", "auto", "low", "medium", "high", "xhigh", "max", NULL,
};
static const char *const request_background_names[] = {
    "", "auto", "transparent", "opaque", NULL,
};
static const char *const request_format_names[] = {
    "", "png", "jpeg", "webp", "svg", NULL,
};
static const char *const request_sort_names[] = {
    "", "price", "latency", "throughput", NULL,
};

/* Checked in this order, so the first error a client sees is stable. */
static request_field_fn *const request_fields[] = {
    request_model,   request_prompt,      request_n,
    request_resolution, request_aspect,   request_size,
    request_quality, request_background,  request_format,
    request_compression, request_seed,    request_stream,
    request_partials, request_refs,       request_provider,
    request_user,
};

void
ir_request_init(struct ir_request *r)
{
    memset(r, 0, sizeof *r);
    r->n = 1;
    r->partial_images = -1;
    r->provider.allow_fallbacks = true;
    r->provider.sort = IR_SORT_NONE;
}

static void
request_strlist_cleanup(struct ir_string_list *l)
{
    size_t i;

    for (i = 0; i < l->count; i++)
        ir_free(l->items[i]);
    ir_free(l->items);
    l->items = NULL;
    l->count = 0;
}

void
ir_request_cleanup(struct ir_request *r)
{
    size_t i;

    ir_free(r->model);
    ir_free(r->prompt);
    ir_free(r->user);
    for (i = 0; i < r->nrefs; i++) {
        ir_free(r->refs[i].url);
        ir_free(r->refs[i].bytes);
    }
    ir_free(r->refs);
    request_strlist_cleanup(&r->provider.order);
    request_strlist_cleanup(&r->provider.only);
    request_strlist_cleanup(&r->provider.ignore);
    if (r->provider.options != NULL)
        json_decref(r->provider.options);
    ir_free(r->attribution.referer);
    ir_free(r->attribution.title);
    ir_free(r->attribution.categories);
    ir_request_init(r);
}

/* ---- error text ------------------------------------------------------ */

static ir_err
request_fail(struct ir_error *err, const char *param, const char *fmt, ...)
{
    va_list ap;

    ir_error_cleanup(err);
    err->status = 400;
    va_start(ap, fmt);
    (void)vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    ir_error_meta_str(err, "error_type", "invalid_request");
    if (param != NULL)
        ir_error_meta_str(err, "param", param);
    return IR_EINVAL;
}

static ir_err
request_nomem(struct ir_error *err)
{
    ir_error_cleanup(err);
    ir_error_set(err, 500, "out of memory while parsing the request");
    return IR_ENOMEM;
}

/* Copies at most ~48 bytes of s, cut on a UTF-8 boundary (the message is
 * JSON and must stay valid UTF-8), control bytes shown as '?'. */
static void
request_clip(const char *s, size_t len, char *buf, size_t size)
{
    size_t n = len, i;

    if (n > 48 && size > 52) {
        n = 48;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    if (n >= size)
        n = size - 1;
    for (i = 0; i < n; i++)
        buf[i] = (unsigned char)s[i] < 0x20 ? '?' : s[i];
    buf[n] = '\0';
    if (n < len && n + 4 <= size - 1)
        memcpy(buf + n, "...", 4);
}

/* A value as a message shows it: "string '2'", "number 2.0", "an array".
 * A NULL v is a missing field. */
static const char *
request_describe(const json_t *v, char *buf, size_t size)
{
    char clip[64];
    double d;

    switch (json_typeof(v)) {
    case JSON_STRING:
        request_clip(json_string_value(v), json_string_length(v), clip,
                     sizeof clip);
        (void)snprintf(buf, size, "string '%s'", clip);
        break;
    case JSON_INTEGER:
        (void)snprintf(buf, size, "number %lld",
                       (long long)json_integer_value(v));
        break;
    case JSON_REAL:
        /* Shortest text that reads back the same, and 2.0 stays "2.0"
         * so the message shows why it is not an integer. */
        d = json_real_value(v);
        (void)snprintf(clip, sizeof clip, "%.15g", d);
        if (strtod(clip, NULL) != d)
            (void)snprintf(clip, sizeof clip, "%.17g", d);
        (void)snprintf(buf, size, "number %s%s", clip,
                       strpbrk(clip, ".eEn") == NULL ? ".0" : "");
        break;
    case JSON_TRUE:
        (void)snprintf(buf, size, "boolean true");
        break;
    case JSON_FALSE:
        (void)snprintf(buf, size, "boolean false");
        break;
    case JSON_NULL:
        (void)snprintf(buf, size, "null");
        break;
    case JSON_ARRAY:
        (void)snprintf(buf, size, "an array");
        break;
    case JSON_OBJECT:
        (void)snprintf(buf, size, "an object");
        break;
    }
    return buf;
}

static const char *
request_describe_or_missing(const json_t *v, char *buf, size_t size)
{
    if (v == NULL) {
        (void)snprintf(buf, size, "nothing");
        return buf;
    }
    return request_describe(v, buf, size);
}

/* "a, b, c" from a NULL-terminated list (skipping empty entries). */
static const char *
request_join(const char *const *names, char *buf, size_t size)
{
    size_t used = 0;
    int w;

    buf[0] = '\0';
    for (; *names != NULL; names++) {
        if ((*names)[0] == '\0')
            continue;
        w = snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
                     *names);
        if (w < 0 || (size_t)w >= size - used)
            break; /* truncated list; the message stays readable */
        used += (size_t)w;
    }
    return buf;
}

/* ---- typed getters --------------------------------------------------- */

/* Absent and null both mean "not given". */
static const json_t *
request_get(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key); /* borrowed */

    return json_is_null(v) ? NULL : v;
}

static ir_err
request_int(const json_t *v, const char *param, long long min,
            long long max, long long *out, struct ir_error *err)
{
    char got[96];
    long long x;

    if (!json_is_integer(v))
        return request_fail(err, param,
                            "%s must be an integer from %lld to %lld, "
                            "got %s",
                            param, min, max,
                            request_describe(v, got, sizeof got));
    x = (long long)json_integer_value(v);
    if (x < min || x > max)
        return request_fail(err, param,
                            "%s must be an integer from %lld to %lld, "
                            "got %lld",
                            param, min, max, x);
    *out = x;
    return IR_OK;
}

/* *idx = position of v in names (case-insensitive; [0] "" never
 * matches). */
static ir_err
request_enum(const json_t *v, const char *param, const char *const *names,
             int *idx, struct ir_error *err)
{
    char got[96], list[256];
    const char *s;
    int i;

    if (json_is_string(v)) {
        s = json_string_value(v);
        for (i = 0; names[i] != NULL; i++) {
            if (names[i][0] != '\0' && strcasecmp(s, names[i]) == 0) {
                *idx = i;
                return IR_OK;
            }
        }
    }
    return request_fail(err, param, "%s must be one of %s; got %s", param,
                        request_join(names, list, sizeof list),
                        request_describe(v, got, sizeof got));
}

static ir_err
request_string_field(const json_t *root, const char *param,
                     const char **out, size_t *len, struct ir_error *err)
{
    const json_t *v = request_get(root, param);
    char got[96];

    *out = NULL;
    *len = 0;
    if (v == NULL)
        return IR_OK;
    if (!json_is_string(v))
        return request_fail(err, param, "%s must be a string, got %s", param,
                            request_describe(v, got, sizeof got));
    *out = json_string_value(v);
    *len = json_string_length(v);
    return IR_OK;
}

/* ---- fields ---------------------------------------------------------- */

/* author/slug: one '/', both sides non-empty, id characters only (":"
 * for variants such as ":free", "~" for aliases). */
static bool
request_model_id_ok(const char *s, size_t len)
{
    size_t i, slash = 0, nslash = 0;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '/') {
            slash = i;
            nslash++;
        } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     (c >= '0' && c <= '9') || strchr("._-:~+", c) != NULL)) {
            return false;
        }
    }
    return nslash == 1 && slash > 0 && slash + 1 < len;
}

static ir_err
request_model(const json_t *root, struct ir_request *r, struct ir_error *err)
{
    const json_t *v = request_get(root, "model");
    char got[96];
    const char *s;
    size_t len;

    if (v == NULL)
        return request_fail(err, "model",
                            "model is required: a model id such as "
                            "bytedance-seed/seedream-4.5");
    if (!json_is_string(v))
        return request_fail(err, "model",
                            "model must be a string (a model id such as "
                            "bytedance-seed/seedream-4.5), got %s",
                            request_describe(v, got, sizeof got));
    s = json_string_value(v);
    len = json_string_length(v);
    if (len > IR_MAX_MODEL_ID)
        return request_fail(err, "model",
                            "model is %zu bytes long; a model id has at "
                            "most %d bytes",
                            len, IR_MAX_MODEL_ID);
    if (!request_model_id_ok(s, len))
        return request_fail(err, "model",
                            "model must be a model id of the form "
                            "author/slug (e.g. bytedance-seed/seedream-4.5), "
                            "got %s",
                            request_describe(v, got, sizeof got));
    r->model = ir_strndup(s, len);
    return r->model == NULL ? request_nomem(err) : IR_OK;
}

static ir_err
request_prompt(const json_t *root, struct ir_request *r,
               struct ir_error *err)
{
    const json_t *v = request_get(root, "prompt");
    char got[96];
    size_t len;

    if (v == NULL)
        return request_fail(err, "prompt",
                            "prompt is required: a non-empty string "
                            "describing the image");
    if (!json_is_string(v))
        return request_fail(err, "prompt",
                            "prompt must be a non-empty string, got %s",
                            request_describe(v, got, sizeof got));
    len = json_string_length(v);
    if (len == 0)
        return request_fail(err, "prompt",
                            "prompt must be a non-empty string, got an "
                            "empty string");
    if (len > IR_MAX_PROMPT)
        return request_fail(err, "prompt",
                            "prompt is %zu bytes long; at most %d bytes are "
                            "accepted",
                            len, IR_MAX_PROMPT);
    r->prompt = ir_strndup(json_string_value(v), len);
    return r->prompt == NULL ? request_nomem(err) : IR_OK;
}

static ir_err
request_n(const json_t *root, struct ir_request *r, struct ir_error *err)
{
    const json_t *v = request_get(root, "n");
    long long x;
    ir_err e;

    if (v == NULL)
        return IR_OK;
    if ((e = request_int(v, "n", 1, IR_MAX_N, &x, err)) != IR_OK)
        return e;
    r->n = (int)x;
    r->n_set = true;
    return IR_OK;
}

static ir_err
request_resolution(const json_t *root, struct ir_request *r,
                   struct ir_error *err)
{
    const json_t *v = request_get(root, "resolution");
    int i;
    ir_err e;

    if (v == NULL)
        return IR_OK;
    e = request_enum(v, "resolution", ir_core_request_resolutions, &i, err);
    if (e != IR_OK)
        return e;
    (void)snprintf(r->resolution, sizeof r->resolution, "%s",
                   ir_core_request_resolutions[i]);
    return IR_OK;
}

static ir_err
request_aspect(const json_t *root, struct ir_request *r,
               struct ir_error *err)
{
    const json_t *v = request_get(root, "aspect_ratio");
    char got[96], list[256];
    const char *s;
    size_t i;

    if (v == NULL)
        return IR_OK;
    if (json_is_string(v)) {
        s = json_string_value(v);
        for (i = 0; ir_core_request_aspect_ratios[i] != NULL; i++) {
            const char *a = ir_core_request_aspect_ratios[i];

            if (strcmp(s, a) == 0 ||
                (strcmp(a, "auto") == 0 && strcasecmp(s, a) == 0)) {
                (void)snprintf(r->aspect_ratio, sizeof r->aspect_ratio,
                               "%s", a);
                return IR_OK;
            }
        }
    }
    return request_fail(err, "aspect_ratio",
                        "aspect_ratio must be one of %s; got %s",
                        request_join(ir_core_request_aspect_ratios, list,
                                     sizeof list),
                        request_describe(v, got, sizeof got));
}

/* "1024x768" (or "1024X768") -> 1, junk -> 0. Sides are unchecked
 * here beyond fitting an int. */
static int
request_parse_pixels(const char *s, long *w, long *h)
{
    char *end;

    if (*s < '0' || *s > '9' || strlen(s) > 13)
        return 0;
    *w = strtol(s, &end, 10);
    if (*end != 'x' && *end != 'X')
        return 0;
    s = end + 1;
    if (*s < '0' || *s > '9')
        return 0;
    *h = strtol(s, &end, 10);
    return *end == '\0';
}

static ir_err
request_size(const json_t *root, struct ir_request *r, struct ir_error *err)
{
    const json_t *v = request_get(root, "size");
    char got[96], list[128];
    const char *s;
    long w = 0, h = 0;
    size_t i;

    if (v == NULL)
        return IR_OK;
    if (!json_is_string(v) || json_string_length(v) >= sizeof r->size)
        goto bad;
    s = json_string_value(v);
    (void)snprintf(r->size, sizeof r->size, "%s", s);
    if (strcasecmp(s, "auto") == 0) {
        r->size_kind = IR_SIZE_AUTO;
        return IR_OK;
    }
    for (i = 0; ir_core_request_resolutions[i] != NULL; i++) {
        if (strcasecmp(s, ir_core_request_resolutions[i]) == 0) {
            r->size_kind = IR_SIZE_TIER;
            return IR_OK;
        }
    }
    if (!request_parse_pixels(s, &w, &h))
        goto bad;
    if (w < 1 || h < 1 || w > IR_MAX_SIDE || h > IR_MAX_SIDE)
        return request_fail(err, "size",
                            "size '%s': each side must be from 1 to %d "
                            "pixels",
                            s, IR_MAX_SIDE);
    if ((long long)w * h > IR_MAX_PIXELS)
        return request_fail(err, "size",
                            "size '%s' is %lld pixels; at most %lld pixels "
                            "per image are accepted",
                            s, (long long)w * h, (long long)IR_MAX_PIXELS);
    r->size_kind = IR_SIZE_PIXELS;
    r->size_w = (int)w;
    r->size_h = (int)h;
    return IR_OK;
bad:
    r->size[0] = '\0';
    return request_fail(err, "size",
                        "size must be \"auto\", a resolution tier (%s) or "
                        "WIDTHxHEIGHT in pixels such as \"1024x1536\"; "
                        "got %s",
                        request_join(ir_core_request_resolutions, list,
                                     sizeof list),
                        request_describe(v, got, sizeof got));
}

static ir_err
request_quality(const json_t *root, struct ir_request *r,
                struct ir_error *err)
{
    const json_t *v = request_get(root, "quality");
    int i;
    ir_err e;

    if (v == NULL)
        return IR_OK;
    e = request_enum(v, "quality", request_quality_names, &i, err);
    if (e == IR_OK)
        r->quality = (enum ir_quality)i;
    return e;
}

static ir_err
request_background(const json_t *root, struct ir_request *r,
                   struct ir_error *err)
{
    const json_t *v = request_get(root, "background");
    int i;
    ir_err e;

    if (v == NULL)
        return IR_OK;
    e = request_enum(v, "background", request_background_names, &i, err);
    if (e == IR_OK)
        r->background = (enum ir_background)i;
    return e;
}

static ir_err
request_format(const json_t *root, struct ir_request *r,
               struct ir_error *err)
{
    const json_t *v = request_get(root, "output_format");
    char got[96];
    int i;
    ir_err e;

    if (v == NULL)
        return IR_OK;
    /* "jpg" is a common slip; say which spelling we take. */
    if (json_is_string(v) && strcasecmp(json_string_value(v), "jpg") == 0)
        return request_fail(err, "output_format",
                            "output_format must be one of png, jpeg, webp, "
                            "svg; got %s (use \"jpeg\")",
                            request_describe(v, got, sizeof got));
    e = request_enum(v, "output_format", request_format_names, &i, err);
    if (e == IR_OK)
        r->output_format = (enum ir_format)i;
    return e;
}

static ir_err
request_compression(const json_t *root, struct ir_request *r,
                    struct ir_error *err)
{
    const json_t *v = request_get(root, "output_compression");
    long long x;
    ir_err e;

    if (v == NULL)
        return IR_OK;
    if ((e = request_int(v, "output_compression", 0, 100, &x, err)) != IR_OK)
        return e;
    r->output_compression = (int)x;
    r->output_compression_set = true;
    return IR_OK;
}

static ir_err
request_seed(const json_t *root, struct ir_request *r, struct ir_error *err)
{
    const json_t *v = request_get(root, "seed");
    char got[96];

    if (v == NULL)
        return IR_OK;
    if (!json_is_integer(v))
        return request_fail(err, "seed", "seed must be an integer, got %s",
                            request_describe(v, got, sizeof got));
    r->seed = (int64_t)json_integer_value(v);
    r->seed_set = true;
    return IR_OK;
}

static ir_err
request_stream(const json_t *root, struct ir_request *r,
               struct ir_error *err)
{
    const json_t *v = request_get(root, "stream");
    char got[96];

    if (v == NULL)
        return IR_OK;
    if (!json_is_boolean(v))
        return request_fail(err, "stream",
                            "stream must be a boolean (true or false), "
                            "got %s",
                            request_describe(v, got, sizeof got));
    r->stream = json_is_true(v);
    return IR_OK;
}

static ir_err
request_partials(const json_t *root, struct ir_request *r,
                 struct ir_error *err)
{
    const json_t *v = request_get(root, "partial_images");
    long long x;
    ir_err e;

    if (v == NULL)
        return IR_OK;
    if ((e = request_int(v, "partial_images", 0, 3, &x, err)) != IR_OK)
        return e;
    r->partial_images = (int)x;
    return IR_OK;
}

static ir_err
request_user(const json_t *root, struct ir_request *r, struct ir_error *err)
{
    const char *s;
    size_t len;
    ir_err e;

    if ((e = request_string_field(root, "user", &s, &len, err)) != IR_OK)
        return e;
    if (s == NULL)
        return IR_OK;
    r->user = ir_strndup(s, len);
    return r->user == NULL ? request_nomem(err) : IR_OK;
}

/* ---- input_references ------------------------------------------------ */

#define REQUEST_REF_SHAPE                                                  \
    "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://... or "     \
    "data:image/png;base64,...\"}}"

static ir_err
request_refs(const json_t *root, struct ir_request *r, struct ir_error *err)
{
    const json_t *v = request_get(root, "input_references");
    char got[96];
    size_t i, n;
    ir_err e;

    if (v == NULL)
        return IR_OK;
    if (!json_is_array(v))
        return request_fail(err, "input_references",
                            "input_references must be an array of "
                            REQUEST_REF_SHAPE " items, got %s",
                            request_describe(v, got, sizeof got));
    n = json_array_size(v);
    if (n > IR_MAX_REFS)
        return request_fail(err, "input_references",
                            "input_references has %zu items; at most %d "
                            "are accepted",
                            n, IR_MAX_REFS);
    if (n == 0)
        return IR_OK;
    /* Sized to the request: most have none, and a held generation keeps
     * its request. Zeroed, so cleanup can free a partly parsed item. */
    r->refs = ir_calloc(n, sizeof *r->refs);
    if (r->refs == NULL)
        return request_nomem(err);
    for (i = 0; i < n; i++) {
        /* Count first: cleanup frees whatever the item got so far. */
        r->nrefs = i + 1;
        e = request_ref(json_array_get(v, i), i, &r->refs[i], err);
        if (e != IR_OK)
            return e;
    }
    return IR_OK;
}

static ir_err
request_ref(const json_t *item, size_t i, struct ir_ref *ref,
            struct ir_error *err)
{
    const json_t *type, *iu, *url; /* borrowed */
    char got[96], param[64];

    (void)snprintf(param, sizeof param, "input_references[%zu]", i);
    if (!json_is_object(item))
        return request_fail(err, param,
                            "%s must be an object " REQUEST_REF_SHAPE
                            ", got %s",
                            param, request_describe(item, got, sizeof got));
    type = json_object_get(item, "type");
    if (!json_is_string(type) ||
        strcmp(json_string_value(type), "image_url") != 0)
        return request_fail(err, param,
                            "%s.type must be \"image_url\", got %s; each "
                            "item is " REQUEST_REF_SHAPE,
                            param,
                            request_describe_or_missing(type, got,
                                                        sizeof got));
    iu = json_object_get(item, "image_url");
    if (!json_is_object(iu))
        return request_fail(err, param,
                            "%s.image_url must be an object "
                            "{\"url\":\"...\"}, got %s",
                            param,
                            request_describe_or_missing(iu, got,
                                                        sizeof got));
    url = json_object_get(iu, "url");
    if (!json_is_string(url) || json_string_length(url) == 0)
        return request_fail(err, param,
                            "%s.image_url.url must be a non-empty string "
                            "(an https:// URL or a data: URL), got %s",
                            param,
                            request_describe_or_missing(url, got,
                                                        sizeof got));
    return request_ref_url(json_string_value(url), json_string_length(url),
                           i, ref, err);
}

/* scheme://host...: a host, and no bytes a URL cannot carry. */
static bool
request_http_url_ok(const char *url, size_t len)
{
    const char *p = strstr(url, "://") + 3;
    size_t i;

    if (*p == '\0' || *p == '/' || *p == '?' || *p == '#')
        return false;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];

        if (c <= ' ' || c == 0x7f)
            return false;
    }
    return true;
}

static ir_err
request_ref_url(const char *url, size_t urllen, size_t i, struct ir_ref *ref,
                struct ir_error *err)
{
    struct ir_diag d = {{0}};
    char param[64], clip[64];
    ir_err e;

    (void)snprintf(param, sizeof param, "input_references[%zu]", i);
    ref->url = ir_strndup(url, urllen);
    if (ref->url == NULL)
        return request_nomem(err);
    if (strncasecmp(url, "data:", 5) == 0) {
        e = ir_base64_data_url_parse(url, ref->media_type,
                                     sizeof ref->media_type, &ref->bytes,
                                     &ref->len, &d);
        if (e == IR_ENOMEM)
            return request_nomem(err);
        if (e != IR_OK)
            return request_fail(err, param,
                                "%s.image_url.url is not a usable data: "
                                "URL: %s",
                                param, d.msg);
        if (ref->len > IR_MAX_REF_BYTES)
            return request_fail(err, param,
                                "%s decodes to %zu bytes; at most %u bytes "
                                "(%u MB) per reference image are accepted",
                                param, ref->len, IR_MAX_REF_BYTES,
                                IR_MAX_REF_BYTES / (1024 * 1024));
        return IR_OK;
    }
    if (strncasecmp(url, "https://", 8) != 0 &&
        strncasecmp(url, "http://", 7) != 0) {
        request_clip(url, urllen, clip, sizeof clip);
        return request_fail(err, param,
                            "%s.image_url.url must be an https:// (or "
                            "http://) URL or a data: URL, got '%s'",
                            param, clip);
    }
    if (urllen > REQUEST_MAX_HTTP_URL)
        return request_fail(err, param,
                            "%s.image_url.url is %zu bytes long; at most "
                            "%d bytes are accepted for an http(s) URL",
                            param, urllen, REQUEST_MAX_HTTP_URL);
    if (!request_http_url_ok(url, urllen)) {
        request_clip(url, urllen, clip, sizeof clip);
        return request_fail(err, param,
                            "%s.image_url.url is not a valid URL (it needs "
                            "a host and no spaces), got '%s'",
                            param, clip);
    }
    return IR_OK;
}

/* ---- provider -------------------------------------------------------- */

static ir_err
request_strlist(const json_t *v, const char *param,
                struct ir_string_list *out, struct ir_error *err)
{
    char got[96], p[48];
    const json_t *item; /* borrowed */
    size_t i, n;

    if (v == NULL)
        return IR_OK;
    if (!json_is_array(v))
        return request_fail(err, param,
                            "%s must be an array of provider slugs or null, "
                            "got %s",
                            param, request_describe(v, got, sizeof got));
    n = json_array_size(v);
    if (n > IR_MAX_PREF_ITEMS)
        return request_fail(err, param,
                            "%s has %zu items; at most %d are accepted",
                            param, n, IR_MAX_PREF_ITEMS);
    if (n == 0)
        return IR_OK;
    out->items = ir_calloc(n, sizeof *out->items);
    if (out->items == NULL)
        return request_nomem(err);
    json_array_foreach(v, i, item) {
        (void)snprintf(p, sizeof p, "%s[%zu]", param, i);
        if (!json_is_string(item) || json_string_length(item) == 0 ||
            json_string_length(item) > REQUEST_MAX_SLUG)
            return request_fail(err, p,
                                "%s must be a provider slug (a non-empty "
                                "string of at most %d bytes), got %s",
                                p, REQUEST_MAX_SLUG,
                                request_describe(item, got, sizeof got));
        out->items[i] = ir_strndup(json_string_value(item),
                                   json_string_length(item));
        if (out->items[i] == NULL)
            return request_nomem(err);
        out->count = i + 1;
    }
    return IR_OK;
}

static ir_err
request_sort_name(const json_t *v, const char *param, enum ir_sort *out,
                  struct ir_error *err)
{
    char got[96];
    int i;

    /* "exacto" is in the schema but means a quality-filtered provider set
     * for tool calling, which images do not have: no sort. */
    if (json_is_string(v) &&
        strcasecmp(json_string_value(v), "exacto") == 0) {
        *out = IR_SORT_NONE;
        return IR_OK;
    }
    if (json_is_string(v)) {
        for (i = 1; request_sort_names[i] != NULL; i++) {
            if (strcasecmp(json_string_value(v), request_sort_names[i]) ==
                0) {
                *out = (enum ir_sort)i;
                return IR_OK;
            }
        }
    }
    return request_fail(err, param,
                        "%s must be \"price\", \"latency\", \"throughput\" "
                        "or null; got %s",
                        param, request_describe(v, got, sizeof got));
}

static ir_err
request_sort(const json_t *v, enum ir_sort *out, struct ir_error *err)
{
    const json_t *by, *part; /* borrowed */
    char got[96];

    *out = IR_SORT_NONE;
    if (v == NULL)
        return IR_OK;
    if (json_is_string(v))
        return request_sort_name(v, "provider.sort", out, err);
    if (!json_is_object(v))
        return request_fail(err, "provider.sort",
                            "provider.sort must be \"price\", \"latency\", "
                            "\"throughput\", an object {\"by\":...,"
                            "\"partition\":...} or null; got %s",
                            request_describe(v, got, sizeof got));
    part = request_get(v, "partition");
    if (part != NULL &&
        (!json_is_string(part) ||
         (strcmp(json_string_value(part), "model") != 0 &&
          strcmp(json_string_value(part), "none") != 0)))
        return request_fail(err, "provider.sort.partition",
                            "provider.sort.partition must be \"model\", "
                            "\"none\" or null; got %s",
                            request_describe(part, got, sizeof got));
    by = request_get(v, "by");
    if (by == NULL)
        return IR_OK;
    return request_sort_name(by, "provider.sort.by", out, err);
}

static ir_err
request_provider(const json_t *root, struct ir_request *r,
                 struct ir_error *err)
{
    const json_t *v = request_get(root, "provider"), *x; /* borrowed */
    struct ir_provider_prefs *p = &r->provider;
    char got[96];
    ir_err e;

    if (v == NULL)
        return IR_OK;
    if (!json_is_object(v))
        return request_fail(err, "provider",
                            "provider must be an object, got %s",
                            request_describe(v, got, sizeof got));
    if ((e = request_strlist(request_get(v, "order"), "provider.order",
                             &p->order, err)) != IR_OK ||
        (e = request_strlist(request_get(v, "only"), "provider.only",
                             &p->only, err)) != IR_OK ||
        (e = request_strlist(request_get(v, "ignore"), "provider.ignore",
                             &p->ignore, err)) != IR_OK)
        return e;
    x = request_get(v, "allow_fallbacks");
    if (x != NULL && !json_is_boolean(x))
        return request_fail(err, "provider.allow_fallbacks",
                            "provider.allow_fallbacks must be a boolean or "
                            "null, got %s",
                            request_describe(x, got, sizeof got));
    p->allow_fallbacks = x == NULL || json_is_true(x);
    if ((e = request_sort(request_get(v, "sort"), &p->sort, err)) != IR_OK)
        return e;
    x = request_get(v, "options");
    if (x == NULL)
        return IR_OK;
    if (!json_is_object(x))
        return request_fail(err, "provider.options",
                            "provider.options must be an object keyed by "
                            "provider slug, e.g. {\"black-forest-labs\":"
                            "{\"steps\":40}}, or null; got %s",
                            request_describe(x, got, sizeof got));
    /* A copy, so the request owns it outright whatever the caller does
     * with its document afterwards. */
    p->options = json_deep_copy(x);
    return p->options == NULL ? request_nomem(err) : IR_OK;
}

/* ---- cross-field rules ----------------------------------------------- */

/* The canonical tier a tier size names ("2k" -> "2K"), or "". */
static const char *
request_size_tier(const struct ir_request *r)
{
    size_t i;

    if (r->size_kind != IR_SIZE_TIER)
        return "";
    for (i = 0; ir_core_request_resolutions[i] != NULL; i++) {
        if (strcasecmp(r->size, ir_core_request_resolutions[i]) == 0)
            return ir_core_request_resolutions[i];
    }
    return "";
}

static ir_err
request_cross_checks(struct ir_request *r, struct ir_error *err)
{
    long long px, budget;
    double want, have;

    if (r->size_kind == IR_SIZE_TIER && r->resolution[0] != '\0' &&
        strcmp(request_size_tier(r), r->resolution) != 0)
        return request_fail(err, "size",
                            "size '%s' and resolution '%s' name different "
                            "tiers; give one of them, or the same tier in "
                            "both",
                            r->size, r->resolution);
    if (r->size_kind == IR_SIZE_PIXELS && r->resolution[0] != '\0') {
        px = (long long)r->size_w * r->size_h;
        budget = ir_core_geometry_tier_pixels(r->resolution);
        if (!(px * 4 > budget && px <= budget * 2))
            return request_fail(err, "size",
                                "size '%s' (%.2f MP) does not match "
                                "resolution '%s' (about %.2f MP; sizes "
                                "above %.2f and up to %.2f MP match it); an "
                                "explicit size is authoritative, so drop "
                                "resolution or make them agree",
                                r->size, (double)px / 1e6, r->resolution,
                                (double)budget / 1e6,
                                (double)budget / 4e6, (double)budget * 2e-6);
    }
    if (r->size_kind == IR_SIZE_PIXELS && r->aspect_ratio[0] != '\0' &&
        strcmp(r->aspect_ratio, "auto") != 0) {
        want = ir_core_geometry_aspect_value(r->aspect_ratio);
        have = (double)r->size_w / r->size_h;
        if (want <= 0 || fabs(have / want - 1.0) > REQUEST_ASPECT_TOLERANCE)
            return request_fail(err, "size",
                                "size '%s' (aspect %.3f) does not match "
                                "aspect_ratio '%s' (%.3f, within 2%%); an "
                                "explicit size is authoritative, so drop "
                                "aspect_ratio or make them agree",
                                r->size, have, r->aspect_ratio, want);
    }
    if (r->background == IR_BACKGROUND_TRANSPARENT &&
        r->output_format == IR_FORMAT_JPEG)
        return request_fail(err, "background",
                            "background 'transparent' needs an "
                            "output_format with alpha (png or webp), but "
                            "output_format is 'jpeg'");
    return IR_OK;
}

/* ---- entry points ---------------------------------------------------- */

ir_err
ir_core_request_parse(const char *body, size_t len, struct ir_request *out,
                      struct ir_error *err)
{
    json_error_t jerr;
    json_t *root; /* owned */
    ir_err e;

    root = json_loadb(body, len, 0, &jerr);
    if (root == NULL) {
        e = request_fail(err, NULL, "Invalid JSON at line %d, column %d: %s",
                         jerr.line, jerr.column, jerr.text);
        (void)e; /* a 400 either way; the caller tells syntax by EPARSE */
        return IR_EPARSE;
    }
    e = ir_core_request_from_json(root, out, err);
    json_decref(root);
    return e;
}

ir_err
ir_core_request_from_json(json_t *root, struct ir_request *out,
                          struct ir_error *err)
{
    char got[96];
    size_t i;
    ir_err e;

    if (!json_is_object(root))
        return request_fail(err, NULL,
                            "The request body must be a JSON object, got %s",
                            request_describe_or_missing(root, got,
                                                        sizeof got));
    for (i = 0; i < sizeof request_fields / sizeof request_fields[0]; i++) {
        if ((e = request_fields[i](root, out, err)) != IR_OK)
            return e;
    }
    return request_cross_checks(out, err);
}

const char *
ir_core_request_tier(const struct ir_request *r)
{
    return r->resolution[0] != '\0' ? r->resolution : request_size_tier(r);
}

const char *
ir_core_request_format_name(enum ir_format f)
{
    return (unsigned)f <= IR_FORMAT_SVG ? request_format_names[f] : "";
}

const char *
ir_core_request_quality_name(enum ir_quality q)
{
    return (unsigned)q <= IR_QUALITY_MAX ? request_quality_names[q] : "";
}

const char *
ir_core_request_background_name(enum ir_background b)
{
    return (unsigned)b <= IR_BACKGROUND_OPAQUE ? request_background_names[b]
                                               : "";
}
