/* SPDX-License-Identifier: Apache-2.0
 * providers/provider.h - the adapter contract. An adapter is a pure
 * translator: normalized request -> provider HTTP request, provider HTTP
 * response -> images + usage, or a classified error, or "poll this URL".
 * It never does I/O; the engine (routing/ + upstream/) owns sockets,
 * timers, retries and cancellation.
 */
#ifndef IR_PROVIDERS_PROVIDER_H
#define IR_PROVIDERS_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/error.h"
#include "core/geometry.h"
#include "core/request.h"

struct ir_endpoint;

#define IR_HTTP_MAX_HEADERS 24

/* A request for the engine to send. All strings owned. */
struct ir_http_req {
    char method[8];                      /* "GET", "POST" */
    char *url;
    char *headers[IR_HTTP_MAX_HEADERS];  /* "Name: value" */
    size_t nheaders;
    char *body;                          /* may be NULL */
    size_t body_len;
};

/* A response the engine received. Borrowed by the adapter. */
struct ir_http_resp {
    int status;                 /* HTTP status; 0 = no response */
    const char *const *headers; /* "Name: value", as received */
    size_t nheaders;
    const char *body;
    size_t len;
    bool truncated;             /* the connection ended mid-body */
};

/* Everything one attempt at one endpoint needs. Borrowed. */
struct ir_call {
    const struct ir_request *req;
    const struct ir_endpoint *ep;
    struct ir_geom_target geom;  /* resolved for this endpoint */
    const char *base_url;        /* from env or catalog, no trailing '/' */
    const char *api_key;         /* secret, or NULL */
    const char *upstream_model;  /* the provider's own model id */
    const json_t *options;       /* provider.options[slug] filtered by the
                                    endpoint's passthrough allowlist, or
                                    NULL; borrowed */
    int n;                       /* images to ask of this call */
    int image_offset;            /* index of this call's first image in
                                    the request: when a request is split
                                    into parallel calls, each adds it to
                                    the seed so the images differ */
    bool stream;                 /* use the provider's native streaming */
    int partial_images;          /* partials wanted when streaming */
    const char *access_token;    /* OAuth token (Vertex), or NULL */
    /* IR_ENGINE_LOCAL: set (from the loop) once the caller went away; a
     * long local run checks it between images and stops. May be NULL. */
    const _Atomic bool *cancelled;
};

struct ir_usage {
    bool has_tokens;             /* the provider reported token counts */
    long long prompt_tokens;     /* all input tokens */
    long long prompt_text_tokens;
    long long prompt_image_tokens;
    long long cached_tokens;
    long long completion_tokens; /* all output tokens */
    long long image_tokens;      /* output image tokens */
    long long reasoning_tokens;
};

struct ir_gen_image {
    unsigned char *bytes; /* owned decoded bytes, or NULL when url or b64
                             is set */
    size_t len;           /* of bytes; with b64 alone, the decoded length */
    /* Canonical base64 (see ir_base64_canonical) of a big image, as the
     * provider sent it: decoding 45 MB to encode it again costs more than
     * the rest of the request. Normalizing decodes its head only, and the
     * answer carries it as it is unless a transcode needs the bytes (then
     * bytes replaces it). NULL otherwise. It lies in b64_buf (owned, a
     * heap block of its own), or, straight out of parse, in the
     * response body (b64_buf NULL) until the engine hands the body over
     * with ir_gen_result_own_b64(). */
    char *b64;
    size_t b64_len;
    char *b64_buf;
    char *url;            /* owned: the engine downloads it, or NULL */
    enum ir_format format; /* filled by the engine from the bytes */
    int w, h;              /* filled by the engine from the bytes */
};

enum ir_parse_outcome {
    IR_PARSE_DONE,  /* images (or an error) are in the result */
    IR_PARSE_POLL,  /* poll poll_url after poll_after_ms */
};

struct ir_gen_result {
    struct ir_gen_image images[IR_MAX_N];
    size_t nimages;
    struct ir_usage usage;
    enum ir_parse_outcome outcome;
    char *poll_url;        /* owned */
    int poll_after_ms;
    char *text;            /* owned text output (e.g. revised prompt) */
};

void ir_gen_result_cleanup(struct ir_gen_result *r);
/* Does any image's b64 still lie in the response body? */
bool ir_gen_result_borrows(const struct ir_gen_result *r);
/* The response body those images point into, handed over (owned, from
 * ir_upstream_take_body, len bytes): the first such image
 * keeps it, any other gets a copy of its own base64. Frees body when no
 * image takes it. IR_ENOMEM leaves the images without base64. */
ir_err ir_gen_result_own_b64(struct ir_gen_result *r, char *body, size_t len)
    IR_MUST_CHECK;
void ir_http_req_cleanup(struct ir_http_req *r);
ir_err ir_http_req_header(struct ir_http_req *r, const char *name,
                          const char *fmt, ...) IR_PRINTF(3, 4) IR_MUST_CHECK;
/* Case-insensitive header lookup in a response; NULL when absent. The
 * value is copied into buf (trimmed). */
const char *ir_http_resp_header(const struct ir_http_resp *r,
                                const char *name, char *buf, size_t size);

enum ir_stream_ev_type {
    IR_STREAM_EV_NONE,      /* nothing to report (keep-alive, unknown) */
    IR_STREAM_EV_PARTIAL,
    IR_STREAM_EV_TEXT,
    IR_STREAM_EV_COMPLETED,
    IR_STREAM_EV_ERROR,     /* err is filled */
};

struct ir_stream_ev {
    enum ir_stream_ev_type type;
    int index;              /* partial_image_index */
    char *b64;              /* owned base64 image (partial or completed) */
    char *text;             /* owned, IR_STREAM_EV_TEXT */
    char phase[16];         /* text phase */
    struct ir_usage usage;  /* IR_STREAM_EV_COMPLETED */
};

void ir_stream_ev_cleanup(struct ir_stream_ev *ev);

enum ir_engine_mode {
    IR_ENGINE_SYNC,  /* one request, one response (maybe streamed) */
    IR_ENGINE_POLL,  /* submit, then poll until done, then download */
    IR_ENGINE_LOCAL, /* runs in-process on a worker thread */
};

/* Local providers: called on a worker thread with an encoded preview. */
typedef void ir_local_partial_cb(const unsigned char *bytes, size_t len,
                                 enum ir_format fmt, int index, void *arg);

struct ir_provider {
    const char *name;        /* the catalog's "adapter" value */
    enum ir_engine_mode mode;
    /* Credentials: the env variable holding the key by default. */
    const char *default_key_env;
    const char *default_base_url_env;
    const char *default_base_url;
    /* The provider fetches http(s) reference URLs itself. When false the
     * router downloads them first (SSRF-guarded) and the adapter sees
     * bytes in req->refs[i].bytes. */
    bool ref_urls_ok;

    /* Build the first request. */
    ir_err (*build)(const struct ir_call *c, struct ir_http_req *out,
                    struct ir_error *err);
    /* Parse a complete response (any status) of build or poll. */
    ir_err (*parse)(const struct ir_call *c, const struct ir_http_resp *r,
                    struct ir_gen_result *out, struct ir_error *err);
    /* IR_ENGINE_POLL: the request that polls url. */
    ir_err (*poll_build)(const struct ir_call *c, const char *url,
                         struct ir_http_req *out, struct ir_error *err);
    /* Streaming: one SSE event of the response (event name may be ""). */
    ir_err (*stream_event)(const struct ir_call *c, const char *event,
                           const char *data, size_t len,
                           struct ir_stream_ev *out, struct ir_error *err);
    /* Optional OAuth step, for endpoints configured with a credentials
     * file instead of a key (Vertex service accounts): the request that
     * exchanges credentials (the file's JSON) for an access token, and
     * the parse of its answer. The engine sends it, caches the token
     * until shortly before expires_in, and passes it as
     * ir_call.access_token. */
    ir_err (*auth_build)(const char *credentials, size_t len,
                         long long now, struct ir_http_req *out,
                         struct ir_error *err);
    ir_err (*auth_parse)(const struct ir_http_resp *r, char **token,
                         long long *expires_in, struct ir_error *err);
    /* IR_ENGINE_LOCAL: produce the images on a worker thread. */
    ir_err (*local_run)(const struct ir_call *c, ir_local_partial_cb *cb,
                        void *cbarg, struct ir_gen_result *out,
                        struct ir_error *err);
};

/* The adapter registry: NULL when name is unknown. */
const struct ir_provider *ir_providers_find(const char *name);

#endif
