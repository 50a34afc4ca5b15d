/* SPDX-License-Identifier: Apache-2.0
 * providers/common.c - helpers shared by the HTTP adapters: declarations,
 * JSON bodies, references, results and failure classification.
 */
#include "providers/common.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog/catalog.h"
#include "image/base64.h"
#include "image/image.h"
#include "providers/json_big.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/utf8.h"

/* Bytes of a body looked at when scrubbing (the rest is cut anyway). */
#define COMMON_SCAN_MAX 4096
/* Longest provider message quoted in an error message. */
#define COMMON_MSG_MAX 300

static int common_dump_cb(const char *buffer, size_t size, void *data);
static bool common_word_byte(unsigned char ch);
static bool common_word_secret(const char *w, size_t n, const char *s1,
                               const char *s2);
static bool common_contains(const char *w, size_t n, const char *s,
                            size_t slen);
static void common_body_text(const struct ir_http_resp *r, char *buf,
                             size_t size);
static const char *common_error_type(int status, bool policy);

bool
ir_providers_common_declared(const struct ir_call *c, const char *param)
{
    if (c->ep == NULL || c->ep->supported_parameters == NULL)
        return false;
    return json_object_get(c->ep->supported_parameters, param) != NULL;
}

long long
ir_providers_common_max_refs(const struct ir_call *c)
{
    const json_t *d; /* borrowed */

    if (c->ep == NULL || c->ep->supported_parameters == NULL)
        return 0;
    d = json_object_get(c->ep->supported_parameters, "input_references");
    if (d == NULL)
        return 0;
    return (long long)json_number_value(json_object_get(d, "max"));
}

const char *
ir_providers_common_config_str(const struct ir_call *c, const char *key,
                               const char *dflt)
{
    const char *s;

    if (c->ep == NULL || c->ep->config == NULL)
        return dflt;
    s = json_string_value(json_object_get(c->ep->config, key));
    return s != NULL && s[0] != '\0' ? s : dflt;
}

long long
ir_providers_common_config_int(const struct ir_call *c, const char *key,
                               long long dflt)
{
    const json_t *v; /* borrowed */

    if (c->ep == NULL || c->ep->config == NULL)
        return dflt;
    v = json_object_get(c->ep->config, key);
    return json_is_number(v) ? (long long)json_number_value(v) : dflt;
}

double
ir_providers_common_config_real(const struct ir_call *c, const char *key,
                                double dflt)
{
    const json_t *v; /* borrowed */

    if (c->ep == NULL || c->ep->config == NULL)
        return dflt;
    v = json_object_get(c->ep->config, key);
    return json_is_number(v) ? json_number_value(v) : dflt;
}

const char *
ir_providers_common_provider_name(const struct ir_call *c, const char *dflt)
{
    if (c->ep != NULL && c->ep->provider_name != NULL &&
        c->ep->provider_name[0] != '\0')
        return c->ep->provider_name;
    return dflt;
}

ir_err
ir_providers_common_url(struct ir_http_req *out, const char *method,
                        const char *fmt, ...)
{
    va_list ap;
    int k;
    char *s;

    va_start(ap, fmt);
    k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (k < 0)
        return IR_EINVAL;
    if ((s = ir_malloc((size_t)k + 1)) == NULL)
        return IR_ENOMEM;
    va_start(ap, fmt);
    (void)vsnprintf(s, (size_t)k + 1, fmt, ap);
    va_end(ap);
    ir_free(out->url);
    out->url = s;
    (void)snprintf(out->method, sizeof out->method, "%s", method);
    return IR_OK;
}

static int
common_dump_cb(const char *buffer, size_t size, void *data)
{
    return ir_buf_add(data, buffer, size) == IR_OK ? 0 : -1;
}

ir_err
ir_providers_common_json_body(struct ir_http_req *out, const json_t *root)
{
    struct ir_buf b;
    ir_err e;

    ir_buf_init(&b, IR_MAX_UPSTREAM_BODY);
    if (json_dump_callback(root, common_dump_cb, &b, JSON_COMPACT) != 0) {
        ir_buf_cleanup(&b);
        return IR_ENOMEM;
    }
    e = ir_http_req_header(out, "Content-Type", "application/json");
    if (e != IR_OK) {
        ir_buf_cleanup(&b);
        return e;
    }
    ir_free(out->body);
    out->body = ir_buf_take(&b, &out->body_len);
    if (out->body == NULL)
        return IR_ENOMEM;
    return IR_OK;
}

ir_err
ir_providers_common_set(json_t *obj, const char *key, json_t *owned_val)
{
    if (owned_val == NULL)
        return IR_ENOMEM;
    return json_object_set_new(obj, key, owned_val) == 0 ? IR_OK
                                                         : IR_ENOMEM;
}

ir_err
ir_providers_common_merge_options(const struct ir_call *c, json_t *obj)
{
    const char *key;
    json_t *v; /* borrowed */

    if (c->options == NULL || !json_is_object(c->options))
        return IR_OK;
    json_object_foreach((json_t *)c->options, key, v) {
        if (ir_providers_common_set(obj, key, json_deep_copy(v)) != IR_OK)
            return IR_ENOMEM;
    }
    return IR_OK;
}

const char *
ir_providers_common_ref_media_type(const struct ir_ref *ref, char *buf,
                                   size_t size)
{
    const char *mt = ref->media_type;
    size_t i;

    if (strncasecmp(mt, "image/", 6) != 0 || mt[6] == '\0')
        mt = ir_image_sniff_media_type(ref->bytes, ref->len);
    if (mt == NULL)
        mt = "image/png";
    (void)snprintf(buf, size, "%s", mt);
    for (i = 0; buf[i] != '\0'; i++)
        buf[i] = (char)tolower((unsigned char)buf[i]);
    return buf;
}

ir_err
ir_providers_common_ref_b64(const struct ir_ref *ref, char **out)
{
    size_t n;

    if (ref->bytes == NULL)
        return IR_EINVAL;
    return ir_base64_encode(ref->bytes, ref->len, out, &n);
}

ir_err
ir_providers_common_ref_url(const struct ir_ref *ref, char **out)
{
    char mt[64];
    size_t plen, blen;
    char *s;

    if (ref->bytes == NULL) {
        if (ref->url == NULL)
            return IR_EINVAL;
        *out = ir_strdup(ref->url);
        return *out != NULL ? IR_OK : IR_ENOMEM;
    }
    (void)ir_providers_common_ref_media_type(ref, mt, sizeof mt);
    plen = strlen("data:") + strlen(mt) + strlen(";base64,");
    blen = ir_base64_encoded_len(ref->len);
    if ((s = ir_malloc(plen + blen + 1)) == NULL)
        return IR_ENOMEM;
    (void)snprintf(s, plen + 1, "data:%s;base64,", mt);
    ir_base64_encode_to(ref->bytes, ref->len, s + plen);
    *out = s;
    return IR_OK;
}

bool
ir_providers_common_refs_need_bytes(const struct ir_call *c, size_t nrefs,
                                    const char *prov, struct ir_error *err)
{
    json_t *idx; /* owned */
    size_t i;

    if (nrefs > c->req->nrefs)
        nrefs = c->req->nrefs;
    for (i = 0; i < nrefs; i++)
        if (c->req->refs[i].bytes == NULL)
            break;
    if (i == nrefs)
        return false;
    idx = json_array();
    for (i = 0; i < nrefs && idx != NULL; i++)
        if (c->req->refs[i].bytes == NULL)
            (void)json_array_append_new(idx, json_integer((json_int_t)i));
    ir_error_set(err, 0,
                 "%s: reference images given as URLs must be fetched "
                 "before this provider can use them", prov);
    err->retryable = true;
    ir_error_meta_str(err, "error_type", IR_PROVIDERS_NEEDS_REF_BYTES);
    ir_error_meta_str(err, "provider_name", prov);
    ir_error_meta_json(err, "ref_indexes", idx);
    return true;
}

bool
ir_providers_common_needs_ref_bytes(const struct ir_error *err)
{
    const char *t;

    if (err->status != 0 || err->metadata == NULL)
        return false;
    t = json_string_value(json_object_get(err->metadata, "error_type"));
    return t != NULL && strcmp(t, IR_PROVIDERS_NEEDS_REF_BYTES) == 0;
}

json_t *
ir_providers_common_json(const struct ir_http_resp *r)
{
    if (r->body == NULL || r->len == 0)
        return NULL;
    /* Error bodies are small and their messages are read as text. */
    if (ir_providers_common_ok(r))
        return ir_json_big_load(r->body, r->len, IR_JSON_BIG_MIN);
    return json_loadb(r->body, r->len, 0, NULL);
}

bool
ir_providers_common_ok(const struct ir_http_resp *r)
{
    return r->status >= 200 && r->status < 300;
}

bool
ir_providers_common_check_body(const struct ir_call *c,
                               const struct ir_http_resp *r,
                               const char *prov, const json_t *root,
                               struct ir_error *err)
{
    struct ir_providers_failure f = {0};

    if (r->truncated)
        f.message = "the response was cut short";
    else if (root == NULL || !json_is_object(root))
        f.message = "the response is not valid JSON";
    else
        return true;
    ir_providers_common_fail(c, r, prov, &f, err);
    return false;
}

ir_err
ir_providers_common_add_b64(struct ir_gen_result *out, const char *b64,
                            size_t len)
{
    struct ir_gen_image *im;
    const char *comma;
    ir_err e;

    if (len > 5 && strncmp(b64, "data:", 5) == 0) {
        comma = memchr(b64, ',', len);
        if (comma == NULL)
            return IR_EPARSE;
        len -= (size_t)(comma + 1 - b64);
        b64 = comma + 1;
    }
    if (out->nimages >= IR_MAX_N)
        return IR_OK;
    im = &out->images[out->nimages];
    e = ir_base64_decode(b64, len, &im->bytes, &im->len);
    if (e != IR_OK)
        return e;
    if (im->len == 0) {
        ir_free(im->bytes);
        im->bytes = NULL;
        return IR_EPARSE;
    }
    out->nimages++;
    return IR_OK;
}

ir_err
ir_providers_common_add_b64_str(struct ir_gen_result *out,
                                const struct ir_http_resp *r, const char *s)
{
    struct ir_json_big_str big;
    struct ir_gen_image *im;
    const char *comma;
    size_t n, declen;
    char *copy;
    ir_err e;

    if (s == NULL)
        return IR_EPARSE;
    if (!ir_json_big_get(r->body, r->len, s, &big))
        return ir_providers_common_add_b64(out, s, strlen(s));
    if (out->nimages >= IR_MAX_N)
        return IR_OK;
    if (big.canonical && big.len >= 4) {
        /* Checked by the loader; no data: prefix ("data:" is not base64
         * of a length that is a multiple of 4 with a ':' in it). */
        n = big.len;
        declen = n / 4 * 3 - (big.p[n - 1] == '=') - (big.p[n - 2] == '=');
        im = &out->images[out->nimages++];
        im->b64 = (char *)big.p; /* the engine's buffer, const for parse */
        im->b64_len = n;
        im->len = declen;
        return IR_OK;
    }
    if (big.len > 5 && strncmp(big.p, "data:", 5) == 0) {
        comma = memchr(big.p, ',', big.len);
        if (comma == NULL)
            return IR_EPARSE;
        big.len -= (size_t)(comma + 1 - big.p);
        big.p = comma + 1;
    }
    if (!big.escaped) {
        /* The common case: the image stays where it is in the body, which
         * the engine hands over (ir_gen_result_own_b64). */
        if (!ir_base64_canonical(big.p, big.len, &declen) || declen == 0)
            return ir_providers_common_add_b64(out, big.p, big.len);
        im = &out->images[out->nimages++];
        im->b64 = (char *)big.p; /* the engine's buffer, const for parse */
        im->b64_len = big.len;
        im->len = declen;
        return IR_OK;
    }
    if ((copy = ir_json_big_dup(&big, &n)) == NULL)
        return IR_ENOMEM;
    if (!ir_base64_canonical(copy, n, &declen) || declen == 0) {
        /* Whitespace, missing padding or garbage: the tolerant decoder
         * judges it, as for small images. */
        e = ir_providers_common_add_b64(out, copy, n);
        ir_free(copy);
        return e;
    }
    im = &out->images[out->nimages++];
    im->b64 = im->b64_buf = copy;
    im->b64_len = n;
    im->len = declen;
    return IR_OK;
}

const char *
ir_providers_common_str(const struct ir_http_resp *r, const char *s,
                        char **owned)
{
    struct ir_json_big_str big;

    *owned = NULL;
    if (s == NULL || !ir_json_big_get(r->body, r->len, s, &big))
        return s;
    *owned = ir_json_big_dup(&big, NULL);
    return *owned;
}

ir_err
ir_providers_common_add_url(struct ir_gen_result *out, const char *url)
{
    if (out->nimages >= IR_MAX_N)
        return IR_OK;
    if ((out->images[out->nimages].url = ir_strdup(url)) == NULL)
        return IR_ENOMEM;
    out->nimages++;
    return IR_OK;
}

ir_err
ir_providers_common_add_data(const struct ir_call *c,
                             const struct ir_http_resp *r, const char *prov,
                             const json_t *data, struct ir_gen_result *out,
                             struct ir_providers_failure *f,
                             struct ir_error *err)
{
    const json_t *it; /* borrowed */
    const char *s;
    size_t i;
    ir_err e;

    json_array_foreach(data, i, it) {
        if ((s = json_string_value(json_object_get(it, "b64_json"))))
            e = ir_providers_common_add_b64_str(out, r, s);
        else if ((s = json_string_value(json_object_get(it, "url")))) {
            char *big; /* a data: URL can be big */

            s = ir_providers_common_str(r, s, &big);
            e = s != NULL ? ir_providers_common_add_url(out, s) : IR_ENOMEM;
            ir_free(big);
        } else {
            continue;
        }
        if (e == IR_EPARSE) {
            f->message = "an image is not valid base64";
            ir_providers_common_fail(c, r, prov, f, err);
            return IR_EUPSTREAM;
        }
        if (e != IR_OK)
            return e;
        s = json_string_value(json_object_get(it, "revised_prompt"));
        if (s != NULL && s[0] != '\0' && out->text == NULL) {
            char *big;

            s = ir_providers_common_str(r, s, &big);
            out->text = big != NULL ? big : s != NULL ? ir_strdup(s) : NULL;
            if (out->text == NULL)
                return IR_ENOMEM;
        }
    }
    return IR_OK;
}

void
ir_providers_common_error_fields(const json_t *root, const char **msg,
                                 const char **code)
{
    const json_t *e, *d; /* borrowed */
    const char *m = NULL, *k = NULL;

    if (json_is_array(root) && json_array_size(root) == 1)
        root = json_array_get(root, 0);
    if (!json_is_object(root)) {
        *msg = *code = NULL;
        return;
    }
    e = json_object_get(root, "error");
    if (json_is_object(e)) {
        m = json_string_value(json_object_get(e, "message"));
        k = json_string_value(json_object_get(e, "code"));
        if (k == NULL)
            k = json_string_value(json_object_get(e, "status"));
        if (k == NULL)
            k = json_string_value(json_object_get(e, "type"));
    }
    if (m == NULL)
        m = json_string_value(json_object_get(root, "message"));
    if (m == NULL)
        m = json_string_value(json_object_get(root, "error_description"));
    d = json_object_get(root, "detail");
    if (m == NULL && json_is_string(d))
        m = json_string_value(d);
    if (m == NULL && json_is_array(d))
        m = json_string_value(json_object_get(json_array_get(d, 0), "msg"));
    /* {"error": "text"}: the text is the message, unless a description
     * says more (OAuth: {"error": "invalid_grant", ...}). */
    if (m == NULL && json_is_string(e))
        m = json_string_value(e);
    if (k == NULL)
        k = json_string_value(json_object_get(root, "code"));
    if (k == NULL && json_is_string(e) && m != json_string_value(e))
        k = json_string_value(e);
    *msg = m;
    *code = k;
}

static bool
common_word_byte(unsigned char ch)
{
    return isalnum(ch) || ch == '+' || ch == '/' || ch == '=' || ch == '_' ||
           ch == '-' || ch == '.' || ch == '*' || ch == '~';
}

static bool
common_contains(const char *w, size_t n, const char *s, size_t slen)
{
    size_t i;

    if (slen == 0 || slen > n)
        return false;
    for (i = 0; i + slen <= n; i++)
        if (memcmp(w + i, s, slen) == 0)
            return true;
    return false;
}

static bool
common_word_secret(const char *w, size_t n, const char *s1, const char *s2)
{
    static const char *const prefixes[] = {
        "sk-", "xai-", "bfl_", "AIza", "r8_", "ya29.", "key-", "Bearer",
    };
    const char *secrets[2] = {s1, s2};
    bool digit = false, alpha = false;
    size_t i, sl;

    for (i = 0; i < n; i++) {
        if (isdigit((unsigned char)w[i]))
            digit = true;
        else if (isalpha((unsigned char)w[i]))
            alpha = true;
    }
    if (n >= 64 || (n >= 20 && digit && alpha))
        return true;
    for (i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (n >= strlen(prefixes[i]) + 2 &&
            strncmp(w, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    for (i = 0; i < 2; i++) {
        if (secrets[i] == NULL || (sl = strlen(secrets[i])) < 8)
            continue;
        /* The whole key, or its first or last 8 characters (providers
         * echo keys half-masked). */
        if (common_contains(w, n, secrets[i], 8) ||
            common_contains(w, n, secrets[i] + sl - 8, 8))
            return true;
    }
    return false;
}

char *
ir_providers_common_scrub(const char *body, size_t len, size_t max,
                          const char *s1, const char *s2)
{
    struct ir_buf b;
    size_t i = 0, j, n = len < COMMON_SCAN_MAX ? len : COMMON_SCAN_MAX;
    char *s;

    ir_buf_init(&b, COMMON_SCAN_MAX * 2);
    while (i < n) {
        if (!common_word_byte((unsigned char)body[i])) {
            unsigned char ch = (unsigned char)body[i];

            /* Control bytes (and NULs) become spaces. */
            if (ir_buf_addc(&b, ch < 0x20 || ch == 0x7f ? ' ' : (char)ch))
                goto nomem;
            i++;
            continue;
        }
        for (j = i; j < len && common_word_byte((unsigned char)body[j]); j++)
            ;
        if (common_word_secret(body + i, j - i, s1, s2)) {
            if (ir_buf_adds(&b, "[redacted]") != IR_OK)
                goto nomem;
        } else if (ir_buf_add(&b, body + i, j - i) != IR_OK) {
            goto nomem;
        }
        i = j;
    }
    if (b.data == NULL && ir_buf_adds(&b, "") != IR_OK)
        goto nomem;
    if (b.len > max) {
        b.data[max] = '\0';
        b.len = max;
    }
    while (b.len > 0 && b.data[b.len - 1] == ' ')
        b.data[--b.len] = '\0';
    s = ir_buf_take(&b, NULL);
    ir_utf8_sanitize(s);
    return s;
nomem:
    ir_buf_cleanup(&b);
    return NULL;
}

int
ir_providers_common_retry_after(const struct ir_http_resp *r)
{
    char v[64], *end;
    double d;

    if (r == NULL)
        return 0;
    if (ir_http_resp_header(r, "Retry-After", v, sizeof v) != NULL) {
        d = strtod(v, &end);
        if (end != v && *end == '\0' && d >= 0 && d < 86400)
            return (int)ceil(d);
    }
    if (ir_http_resp_header(r, "retry-after-ms", v, sizeof v) != NULL) {
        d = strtod(v, &end);
        if (end != v && *end == '\0' && d >= 0 && d < 86400e3)
            return (int)ceil(d / 1000.0);
    }
    return 0;
}

/* A one-line quote of a plain-text body (JSON and HTML are not quoted:
 * their useful parts are in metadata.raw). */
static void
common_body_text(const struct ir_http_resp *r, char *buf, size_t size)
{
    char *s;
    size_t i;

    buf[0] = '\0';
    if (r == NULL || r->body == NULL || r->len == 0)
        return;
    for (i = 0; i < r->len && isspace((unsigned char)r->body[i]); i++)
        ;
    if (i < r->len && strchr("<{[", r->body[i]) != NULL)
        return;
    s = ir_providers_common_scrub(r->body + i, r->len - i, size - 1, NULL,
                                  NULL);
    if (s == NULL)
        return;
    for (i = 0; s[i] != '\0'; i++)
        if (s[i] == '\n' || s[i] == '\r' || s[i] == '\t')
            s[i] = ' ';
    while (i > 0 && s[i - 1] == ' ')
        s[--i] = '\0';
    (void)snprintf(buf, size, "%s", s);
    ir_free(s);
}

static const char *
common_error_type(int status, bool policy)
{
    if (policy)
        return "content_policy_violation";
    switch (status) {
    case 429:
        return "rate_limit_exceeded";
    case 529:
        return "provider_overloaded";
    case 524:
        return "timeout";
    default:
        return "provider_unavailable";
    }
}

void
ir_providers_common_fail(const struct ir_call *c,
                         const struct ir_http_resp *r, const char *prov,
                         const struct ir_providers_failure *f,
                         struct ir_error *err)
{
    int st = r != NULL ? r->status : 200, status, ra;
    char text[COMMON_MSG_MAX + 1];
    const char *msg = f->message;
    char *clean, *raw;

    if (msg == NULL) {
        common_body_text(r, text, sizeof text);
        msg = text[0] != '\0' ? text : NULL;
    }
    clean = msg != NULL ? ir_providers_common_scrub(msg, strlen(msg),
                                                    COMMON_MSG_MAX,
                                                    c->api_key,
                                                    c->access_token)
                        : NULL;
    if (f->content_policy) {
        status = 400;
        ir_error_set(err, 400, "%s: %s", prov,
                     clean ? clean
                           : "the request was refused by content moderation");
    } else if (f->quota) {
        status = 502;
        ir_error_set(err, 502,
                     "%s: the router's account at this provider is out of "
                     "credit or quota%s%s", prov, clean ? ": " : "",
                     clean ? clean : "");
    } else if (f->credentials || st == 401 || st == 403) {
        status = 502;
        ir_error_set(err, 502,
                     "%s: the provider rejected the router's credentials "
                     "(HTTP %d); the operator must fix this provider's key",
                     prov, st);
    } else if (f->overloaded || st == 529 || st == 503) {
        status = 529;
        ir_error_set(err, 529, "%s: %s", prov,
                     clean ? clean : "the provider is overloaded");
    } else if (f->rate_limited || st == 429) {
        status = 429;
        ir_error_set(err, 429, "%s: %s", prov,
                     clean ? clean : "rate limit exceeded");
    } else if (st == 504 || st == 524 || st == 408) {
        status = 524;
        ir_error_set(err, 524, "%s: %s", prov,
                     clean ? clean : "the provider timed out");
    } else {
        status = 502;
        if (f->no_image)
            ir_error_set(err, 502, "%s: returned no image%s%s", prov,
                         clean ? ": " : "", clean ? clean : "");
        else if (clean != NULL)
            ir_error_set(err, 502, "%s: %s", prov, clean);
        else
            ir_error_set(err, 502, "%s: provider returned error (HTTP %d)",
                         prov, st);
    }
    ir_free(clean);
    err->retryable = status != 400;
    if (status == 429 || status == 529) {
        ra = ir_providers_common_retry_after(r);
        err->retry_after_s = ra > 0 ? ra : f->retry_after_s;
    }
    ir_error_meta_str(err, "provider_name", prov);
    ir_error_meta_str(err, "error_type", common_error_type(status,
                                                           f->content_policy));
    if (f->code != NULL)
        ir_error_meta_str(err, "provider_code", f->code);
    if (r != NULL && r->body != NULL && r->len > 0) {
        raw = ir_providers_common_scrub(r->body, r->len, IR_PROVIDERS_RAW_MAX,
                                        c->api_key, c->access_token);
        if (raw != NULL)
            ir_error_meta_str(err, "raw", raw);
        ir_free(raw);
    }
}

void
ir_providers_common_openai_usage(const json_t *usage, struct ir_usage *u)
{
    const json_t *in, *outd; /* borrowed */

    if (!json_is_object(usage))
        return;
    in = json_object_get(usage, "input_tokens_details");
    outd = json_object_get(usage, "output_tokens_details");
    u->has_tokens = true;
    u->prompt_tokens = json_integer_value(json_object_get(usage,
                                                          "input_tokens"));
    u->prompt_text_tokens = json_integer_value(json_object_get(in,
                                                               "text_tokens"));
    u->prompt_image_tokens =
        json_integer_value(json_object_get(in, "image_tokens"));
    u->cached_tokens = json_integer_value(json_object_get(in,
                                                          "cached_tokens"));
    u->completion_tokens =
        json_integer_value(json_object_get(usage, "output_tokens"));
    if (json_object_get(outd, "image_tokens") != NULL)
        u->image_tokens =
            json_integer_value(json_object_get(outd, "image_tokens"));
    else
        u->image_tokens = u->completion_tokens;
    /* Without details, all input is text (the generations route). */
    if (in == NULL)
        u->prompt_text_tokens = u->prompt_tokens;
}

const char *
ir_providers_common_quality(enum ir_quality q)
{
    switch (q) {
    case IR_QUALITY_AUTO:
        return "auto";
    case IR_QUALITY_LOW:
        return "low";
    case IR_QUALITY_MEDIUM:
        return "medium";
    case IR_QUALITY_HIGH:
        return "high";
    case IR_QUALITY_XHIGH:
        return "xhigh";
    case IR_QUALITY_MAX:
        return "max";
    default:
        return NULL;
    }
}

const char *
ir_providers_common_background(enum ir_background b)
{
    switch (b) {
    case IR_BACKGROUND_AUTO:
        return "auto";
    case IR_BACKGROUND_TRANSPARENT:
        return "transparent";
    case IR_BACKGROUND_OPAQUE:
        return "opaque";
    default:
        return NULL;
    }
}

const char *
ir_providers_common_format(enum ir_format f)
{
    switch (f) {
    case IR_FORMAT_PNG:
        return "png";
    case IR_FORMAT_JPEG:
        return "jpeg";
    case IR_FORMAT_WEBP:
        return "webp";
    case IR_FORMAT_SVG:
        return "svg";
    default:
        return NULL;
    }
}

bool
ir_providers_common_path_safe(const char *s)
{
    if (s == NULL || *s == '\0')
        return false;
    for (; *s != '\0'; s++)
        if (!isalnum((unsigned char)*s) && strchr("._~@-", *s) == NULL)
            return false;
    return true;
}

void
ir_providers_common_misconfigured(const char *prov, const char *what,
                                  struct ir_error *err)
{
    ir_error_set(err, 502, "%s: endpoint misconfigured: %s", prov, what);
    err->retryable = true;
    ir_error_meta_str(err, "provider_name", prov);
    ir_error_meta_str(err, "error_type", "provider_unavailable");
}
