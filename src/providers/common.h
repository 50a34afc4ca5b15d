/* SPDX-License-Identifier: Apache-2.0
 * providers/common.h - helpers shared by the HTTP adapters: catalog
 * declarations and config, JSON bodies, reference images, decoded
 * results, and the one classification of provider failures into
 * struct ir_error. Pure: no I/O, no globals.
 *
 * Contract every adapter here follows (the engine relies on it):
 * - build/poll_build return IR_OK with *out filled, or non-OK with err
 *   filled (a 400 when the adapter cannot express the request). When a
 *   reference image is only a URL but the provider needs its bytes, build
 *   fails with IR_EUNSUPPORTED, err->status 0 and metadata error_type
 *   "needs_reference_bytes" plus "ref_indexes" [i, ...]: the engine
 *   fetches those refs and calls build again (see
 *   ir_providers_common_needs_ref_bytes()).
 * - parse returns IR_OK with images (or IR_PARSE_POLL), or IR_EUPSTREAM
 *   with err filled (status 400/429/502/524/529), or IR_ENOMEM (err left
 *   empty: the engine answers 500).
 * - stream_event returns IR_OK for every event it understands, the
 *   provider's mid-stream failures included (type IR_STREAM_EV_ERROR with
 *   err filled); IR_ENOMEM only on allocation failure.
 */
#ifndef IR_PROVIDERS_COMMON_H
#define IR_PROVIDERS_COMMON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "providers/provider.h"

/* metadata.error_type of a build that needs reference bytes first. */
#define IR_PROVIDERS_NEEDS_REF_BYTES "needs_reference_bytes"
/* Longest "raw" provider body kept in error metadata. */
#define IR_PROVIDERS_RAW_MAX 1024

/* What an adapter learned from a failed provider answer. */
struct ir_providers_failure {
    const char *message;    /* the provider's own message, or NULL */
    const char *code;       /* the provider's own code or type, or NULL */
    bool content_policy;    /* a moderation refusal: 400, no fallback */
    bool credentials;       /* our key was refused (even if not 401/403) */
    bool quota;             /* our account is out of credit or quota */
    bool overloaded;        /* the provider says it is overloaded */
    bool rate_limited;      /* a rate limit (even if not 429) */
    bool no_image;          /* answered without an image */
    int retry_after_s;      /* a hint from the body; 0 = none */
};

/* Is param a key of the endpoint's supported_parameters? */
bool ir_providers_common_declared(const struct ir_call *c, const char *param);
/* The endpoint's input_references maximum (0 when undeclared). */
long long ir_providers_common_max_refs(const struct ir_call *c);
/* config[key] as a string, or dflt when absent, empty or not a string. */
const char *ir_providers_common_config_str(const struct ir_call *c,
                                           const char *key, const char *dflt);
long long ir_providers_common_config_int(const struct ir_call *c,
                                         const char *key, long long dflt);
double ir_providers_common_config_real(const struct ir_call *c,
                                       const char *key, double dflt);
/* The display name of the endpoint's provider, or dflt. */
const char *ir_providers_common_provider_name(const struct ir_call *c,
                                              const char *dflt);

/* out->url = formatted string; method set too. */
ir_err ir_providers_common_url(struct ir_http_req *out, const char *method,
                               const char *fmt, ...) IR_PRINTF(3, 4)
    IR_MUST_CHECK;
/* Serializes root as out->body and adds Content-Type: application/json. */
ir_err ir_providers_common_json_body(struct ir_http_req *out,
                                     const json_t *root) IR_MUST_CHECK;
/* Copies every key of c->options into obj, replacing what is there. */
ir_err ir_providers_common_merge_options(const struct ir_call *c,
                                         json_t *obj) IR_MUST_CHECK;
/* Sets obj[key] = owned_val; consumes owned_val; ENOMEM when NULL. */
ir_err ir_providers_common_set(json_t *obj, const char *key,
                               json_t *owned_val) IR_MUST_CHECK;

/* The media type of a reference with bytes, lower-case, into buf: its
 * declared image/ type, else sniffed from magic bytes, else "image/png". */
const char *ir_providers_common_ref_media_type(const struct ir_ref *ref,
                                               char *buf, size_t size);
/* Base64 of a reference's bytes (caller frees). */
ir_err ir_providers_common_ref_b64(const struct ir_ref *ref, char **out)
    IR_MUST_CHECK;
/* A data: URL for bytes ("data:image/png;base64,..."), or a copy of the
 * http(s) URL. Caller frees. */
ir_err ir_providers_common_ref_url(const struct ir_ref *ref, char **out)
    IR_MUST_CHECK;
/* When any of the first nrefs references lacks bytes, fills err (status
 * 0, error_type needs_reference_bytes, ref_indexes) and returns true. */
bool ir_providers_common_refs_need_bytes(const struct ir_call *c,
                                         size_t nrefs, const char *prov,
                                         struct ir_error *err);
/* For the engine: is this build failure a request to fetch refs? */
bool ir_providers_common_needs_ref_bytes(const struct ir_error *err);

/* Parses a response body as JSON; NULL when it is empty or not JSON.
 * In a 2xx body, string values over IR_JSON_BIG_MIN bytes stay in the
 * body (providers/json_big.h): read image strings with
 * ir_providers_common_add_b64_str and text with ir_providers_common_str.
 * New reference. */
json_t *ir_providers_common_json(const struct ir_http_resp *r);
/* Is the status 2xx? */
bool ir_providers_common_ok(const struct ir_http_resp *r);
/* A 2xx body the adapter can read: false (with a 502 in err) when it was
 * truncated or root is not a JSON object. */
bool ir_providers_common_check_body(const struct ir_call *c,
                                    const struct ir_http_resp *r,
                                    const char *prov, const json_t *root,
                                    struct ir_error *err);
/* Appends an image from base64 (an optional data: prefix is skipped).
 * IR_EPARSE when it is not base64; extra images past IR_MAX_N are
 * dropped. */
ir_err ir_providers_common_add_b64(struct ir_gen_result *out, const char *b64,
                                   size_t len) IR_MUST_CHECK;
/* Appends an image from a string value s of the tree that
 * ir_providers_common_json(r) made. A big string that is canonical
 * base64 is kept as base64 (im->b64, not decoded); anything else is
 * decoded as by ir_providers_common_add_b64, with the same IR_EPARSE. */
ir_err ir_providers_common_add_b64_str(struct ir_gen_result *out,
                                       const struct ir_http_resp *r,
                                       const char *s) IR_MUST_CHECK;
/* A string value s of that tree as text: s itself, or for a big string a
 * copy kept in *owned (caller frees; NULL when s is returned). NULL only
 * on ENOMEM. */
const char *ir_providers_common_str(const struct ir_http_resp *r,
                                    const char *s, char **owned);
/* Appends an image the engine must download. */
ir_err ir_providers_common_add_url(struct ir_gen_result *out, const char *url)
    IR_MUST_CHECK;

/* Appends every image of an OpenAI-style "data" array ({b64_json} or
 * {url} items; others are skipped) and the first revised_prompt as text.
 * A bad base64 blob is answered as the provider's failure in err
 * (IR_EUPSTREAM); f supplies the rest of the classification. */
ir_err ir_providers_common_add_data(const struct ir_call *c,
                                    const struct ir_http_resp *r,
                                    const char *prov, const json_t *data,
                                    struct ir_gen_result *out,
                                    struct ir_providers_failure *f,
                                    struct ir_error *err) IR_MUST_CHECK;

/* A generic message/code pair from a JSON error body: error.message,
 * error (string), message, detail (string or [{msg}]), error_description;
 * error.code/type/status, code. Borrowed from root. */
void ir_providers_common_error_fields(const json_t *root, const char **msg,
                                      const char **code);

/* Classifies a failure and fills err: status, message "<prov>: <msg>",
 * retryable, retry_after_s, metadata provider_name, provider_code,
 * error_type, raw (the body, scrubbed of blobs and keys, <= 1 KB). r may
 * be NULL (a 200 judged a failure uses its own). */
void ir_providers_common_fail(const struct ir_call *c,
                              const struct ir_http_resp *r, const char *prov,
                              const struct ir_providers_failure *f,
                              struct ir_error *err);
/* Text scrubbed for metadata.raw and messages: runs that look like base64
 * blobs or secrets, and the call's own key or token (s1, s2 may be NULL),
 * become "[redacted]"; at most max bytes, valid UTF-8. Caller frees; NULL
 * on ENOMEM. */
char *ir_providers_common_scrub(const char *body, size_t len, size_t max,
                                const char *s1, const char *s2);

/* Retry-After (seconds, or an HTTP date ignored), or retry-after-ms. */
int ir_providers_common_retry_after(const struct ir_http_resp *r);

/* Request enums as the OpenAI-style names ("high", "transparent", "png");
 * NULL for UNSET. */
const char *ir_providers_common_quality(enum ir_quality q);
const char *ir_providers_common_background(enum ir_background b);
const char *ir_providers_common_format(enum ir_format f);
/* Is s safe to paste into a URL path segment ([A-Za-z0-9._~@-])? */
bool ir_providers_common_path_safe(const char *s);
/* A malformed endpoint configuration: a 502 (retryable) naming what. */
void ir_providers_common_misconfigured(const char *prov, const char *what,
                                       struct ir_error *err);

/* Fills u from OpenAI-style usage {input_tokens, input_tokens_details,
 * output_tokens, output_tokens_details}. */
void ir_providers_common_openai_usage(const json_t *usage, struct ir_usage *u);

#endif
