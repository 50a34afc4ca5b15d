/* SPDX-License-Identifier: Apache-2.0
 * imagerouter.h - libimagerouter, the C client of the OpenRouter Image API
 * (imagerouter's own server or any OpenRouter-compatible base URL).
 *
 * Conventions
 * - Every fallible call returns IMAGEROUTER_OK (0) or a negative
 *   IMAGEROUTER_ERR_* code, and, when `err` is not NULL, stores an error
 *   object the caller frees with imagerouter_error_free(). On failure the
 *   `out` pointers are set to NULL.
 * - Parameters are borrowed for the duration of the call; nothing the
 *   caller passes in is kept after the call returns.
 * - Everything the library returns is freed by the matching _free()
 *   function, and every _free(NULL) is a no-op.
 * - A client may be shared by several threads: each call uses its own curl
 *   easy handle, taken from a mutex-protected pool of idle handles (so
 *   connections are reused).
 * - libcurl's global state is initialised once by the first
 *   imagerouter_client_new() through pthread_once(). A program that calls
 *   curl_global_init() itself may do so first; curl counts the calls.
 * - Option, request and call-option structs are filled by their _init()
 *   function first, then changed field by field. New fields are only ever
 *   appended, and _init() sets them to their defaults.
 */
#ifndef IMAGEROUTER_H
#define IMAGEROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(IMAGEROUTER_BUILDING) && defined(__GNUC__)
#define IMAGEROUTER_API __attribute__((visibility("default")))
#else
#define IMAGEROUTER_API
#endif

#define IMAGEROUTER_VERSION_MAJOR 0
#define IMAGEROUTER_VERSION_MINOR 1
#define IMAGEROUTER_VERSION_PATCH 0
#define IMAGEROUTER_VERSION_STRING "0.1.0"

/* The library's version, e.g. "0.1.0". */
IMAGEROUTER_API const char *imagerouter_version(void);

/* ------------------------------------------------------------------ */
/* Errors                                                              */

/* X(NAME, code, HTTP status or 0, description). One kind per status the
 * Image API documents; any other HTTP status is OTHER (the status is kept),
 * and the last rows are failures that have no HTTP status of their own. */
#define IMAGEROUTER_ERROR_MAP(X)                                            \
    X(BAD_REQUEST, -1, 400, "bad request")                                  \
    X(UNAUTHORIZED, -2, 401, "unauthorized")                                \
    X(PAYMENT_REQUIRED, -3, 402, "payment required")                        \
    X(FORBIDDEN, -4, 403, "forbidden")                                      \
    X(NOT_FOUND, -5, 404, "not found")                                      \
    X(PAYLOAD_TOO_LARGE, -6, 413, "payload too large")                      \
    X(TOO_MANY_REQUESTS, -7, 429, "too many requests")                      \
    X(INTERNAL, -8, 500, "internal server error")                           \
    X(BAD_GATEWAY, -9, 502, "bad gateway")                                  \
    X(TIMEOUT, -10, 524, "provider timed out")                              \
    X(OVERLOADED, -11, 529, "provider overloaded")                          \
    X(OTHER, -12, 0, "unexpected HTTP status")                              \
    X(CONNECTION, -13, 0, "connection failed")                              \
    X(DECODE, -14, 0, "unexpected response")                                \
    X(STREAM, -15, 0, "stream failed")                                      \
    X(ABORTED, -16, 0, "aborted by the caller")                             \
    X(INVALID_ARGUMENT, -17, 0, "invalid argument")                         \
    X(NO_MEMORY, -18, 0, "out of memory")                                   \
    X(IO, -19, 0, "input/output error")

typedef enum imagerouter_code {
    IMAGEROUTER_OK = 0,
#define IMAGEROUTER_X_(name, code, status, text) IMAGEROUTER_ERR_##name = code,
    IMAGEROUTER_ERROR_MAP(IMAGEROUTER_X_)
#undef IMAGEROUTER_X_
} imagerouter_code;

/* "OK", "BAD_REQUEST", ...; "UNKNOWN" for a value not in the map. */
IMAGEROUTER_API const char *imagerouter_error_name(int code);
/* "ok", "bad request", ... */
IMAGEROUTER_API const char *imagerouter_strerror(int code);
/* The code an HTTP status maps to (IMAGEROUTER_OK for 2xx). */
IMAGEROUTER_API int imagerouter_code_for_status(int http_status);

typedef struct imagerouter_error imagerouter_error;

IMAGEROUTER_API int imagerouter_error_code(const imagerouter_error *e);
/* The HTTP status, or 0 when no HTTP reply was received. */
IMAGEROUTER_API int imagerouter_error_status(const imagerouter_error *e);
/* The server's error.message (or a description of the local failure). */
IMAGEROUTER_API const char *imagerouter_error_message(
    const imagerouter_error *e);
/* error.metadata as compact JSON text, or NULL. */
IMAGEROUTER_API const char *imagerouter_error_metadata(
    const imagerouter_error *e);
/* error.code when the server sent a string code (OpenAI style, or the
 * `code` of a stream error event), else NULL. */
IMAGEROUTER_API const char *imagerouter_error_server_code(
    const imagerouter_error *e);
/* The raw reply body (possibly truncated to 64 KiB), or NULL. */
IMAGEROUTER_API const char *imagerouter_error_body(const imagerouter_error *e);
/* From Retry-After-Ms or Retry-After, in ms; -1 when absent. */
IMAGEROUTER_API long imagerouter_error_retry_after_ms(
    const imagerouter_error *e);
/* How many HTTP attempts were made (0 when none). */
IMAGEROUTER_API int imagerouter_error_attempts(const imagerouter_error *e);
IMAGEROUTER_API void imagerouter_error_free(imagerouter_error *e);

/* Frees memory the library returned as a plain pointer (data URLs). */
IMAGEROUTER_API void imagerouter_free(void *p);

/* ------------------------------------------------------------------ */
/* Retries (the shape of @openrouter/sdk's RetryConfig)                */

typedef enum imagerouter_retry_strategy {
    IMAGEROUTER_RETRY_BACKOFF = 0,
    IMAGEROUTER_RETRY_NONE = 1
} imagerouter_retry_strategy;

/* Sleeps `ms` milliseconds; a test can record the delay instead. */
typedef void imagerouter_sleep_fn(long ms, void *arg);
/* A monotonic clock in milliseconds. */
typedef int64_t imagerouter_clock_fn(void *arg);

/* The delay before retry n (n = 0, 1, 2, ...) is
 *   initial_interval_ms * n^exponent + random(0 .. jitter_ms)
 * or, when the reply carried Retry-After-Ms / Retry-After, that value;
 * either way at most max_interval_ms. A failed attempt is retried unless
 * more than max_elapsed_ms have passed since the first one. Retried: HTTP
 * 5xx, 429 when retry_too_many_requests, and connection errors and
 * timeouts when retry_connection_errors (a stream only before its first
 * event). Defaults are @openrouter/sdk's: backoff, 500 ms, 60 s, 1.5,
 * 1 hour, connection errors retried, 429 not retried, jitter 1000 ms. */
typedef struct imagerouter_retry_config {
    imagerouter_retry_strategy strategy;
    long initial_interval_ms;
    long max_interval_ms;
    double exponent;
    long max_elapsed_ms;
    bool retry_connection_errors;
    bool retry_too_many_requests;
    long jitter_ms;
    /* 0: jitter from a per-call random seed; else a fixed seed, so the
     * schedule is reproducible. */
    uint64_t jitter_seed;
    imagerouter_sleep_fn *sleep;   /* NULL: nanosleep() */
    void *sleep_arg;
    imagerouter_clock_fn *clock;   /* NULL: CLOCK_MONOTONIC */
    void *clock_arg;
} imagerouter_retry_config;

IMAGEROUTER_API void imagerouter_retry_config_init(
    imagerouter_retry_config *rc);

/* ------------------------------------------------------------------ */
/* Client                                                              */

#define IMAGEROUTER_DEFAULT_BASE_URL "http://127.0.0.1:8080/api/v1"

typedef struct imagerouter_options {
    unsigned version;          /* set by imagerouter_options_init() */
    /* NULL: $IMAGEROUTER_API_KEY. "" or unset: no Authorization header.
     * "Bearer " is prepended unless the key already starts with it. */
    const char *api_key;
    /* NULL: $IMAGEROUTER_BASE_URL, else IMAGEROUTER_DEFAULT_BASE_URL.
     * Must include the API prefix (".../api/v1"). */
    const char *base_url;
    /* App attribution: HTTP-Referer, X-OpenRouter-Title,
     * X-OpenRouter-Categories (comma-separated). NULL: not sent. */
    const char *http_referer;
    const char *app_title;
    const char *app_categories;
    const char *user_agent;    /* NULL: "imagerouter-c/<version>" */
    long timeout_ms;           /* per attempt; 0: none */
    long connect_timeout_ms;   /* 0: curl's default */
    /* Ceiling on a buffered reply body and on one SSE event. */
    size_t max_response_bytes; /* default 256 MiB */
    imagerouter_retry_config retry;
} imagerouter_options;

IMAGEROUTER_API void imagerouter_options_init(imagerouter_options *o);

typedef struct imagerouter_client imagerouter_client;

/* opts may be NULL (all defaults). The client copies what it needs. */
IMAGEROUTER_API int imagerouter_client_new(const imagerouter_options *opts,
                                           imagerouter_client **out,
                                           imagerouter_error **err);
IMAGEROUTER_API void imagerouter_client_free(imagerouter_client *c);
/* The base URL in use (no trailing slash). */
IMAGEROUTER_API const char *imagerouter_client_base_url(
    const imagerouter_client *c);

/* Progress of a running call. */
typedef struct imagerouter_progress {
    int64_t elapsed_ms;        /* since the call started */
    int attempt;               /* 1 for the first attempt */
    uint64_t bytes_received;   /* in this attempt */
    int partial_images;        /* partial images received so far */
} imagerouter_progress;
/* Called about once a second and whenever data arrives; return nonzero
 * to abort the call (IMAGEROUTER_ERR_ABORTED). Runs on the caller's
 * thread, inside the call. */
typedef int imagerouter_progress_cb(const imagerouter_progress *p, void *arg);

/* Per-call overrides; pass NULL to a call for none. */
typedef struct imagerouter_call_options {
    unsigned version;
    const imagerouter_retry_config *retry; /* NULL: the client's */
    long timeout_ms;                       /* 0: the client's */
    imagerouter_progress_cb *progress;
    void *progress_arg;
} imagerouter_call_options;

IMAGEROUTER_API void imagerouter_call_options_init(imagerouter_call_options *o);

/* ------------------------------------------------------------------ */
/* Image generation: POST {base}/images                                */

/* The `provider` object. Lists are arrays of `count` strings. */
typedef struct imagerouter_provider_prefs {
    const char *const *order;
    size_t order_count;
    const char *const *only;
    size_t only_count;
    const char *const *ignore;
    size_t ignore_count;
    int allow_fallbacks;       /* -1: not sent, 0: false, 1: true */
    const char *sort;          /* "price", "throughput", "latency"; NULL */
    const char *sort_partition;/* with sort: {"by":..,"partition":..} */
    /* provider.options as a JSON object text keyed by provider slug,
     * e.g. {"black-forest-labs":{"steps":40}}. NULL: not sent. */
    const char *options_json;
} imagerouter_provider_prefs;

/* String fields are sent when not NULL, numbers when not at their "unset"
 * value. model and prompt are required. */
typedef struct imagerouter_request {
    unsigned version;
    const char *model;
    const char *prompt;
    int n;                     /* 0: not sent */
    const char *resolution;    /* "512", "1K", "2K", "4K" */
    const char *aspect_ratio;  /* "16:9", ..., "auto" */
    const char *size;          /* "2K" or "1024x768" */
    const char *quality;       /* auto, low, medium, high */
    const char *background;    /* auto, transparent, opaque */
    const char *output_format; /* png, jpeg, webp, svg */
    int output_compression;    /* 0..100; -1: not sent */
    bool has_seed;
    long long seed;
    /* Each a data: URL or an http(s) URL; at most 16. */
    const char *const *input_references;
    size_t input_reference_count;
    imagerouter_provider_prefs provider;
    const char *user;
    const char *session_id;
} imagerouter_request;

IMAGEROUTER_API void imagerouter_request_init(imagerouter_request *r);

typedef struct imagerouter_usage {
    bool present;              /* the reply had a usage object */
    long long prompt_tokens;
    long long completion_tokens;
    long long total_tokens;
    bool has_cost;             /* cost was a number (not null/absent) */
    double cost;               /* USD */
    bool is_byok;
    long long image_tokens;    /* completion_tokens_details; -1: absent */
    long long reasoning_tokens;/* -1: absent */
    long long cached_tokens;   /* prompt_tokens_details; -1: absent */
    bool has_cost_details;
    bool has_upstream_inference_cost;
    double upstream_inference_cost;
    double upstream_inference_prompt_cost;
    double upstream_inference_completions_cost;
    const char *json;          /* the usage object as JSON text, or NULL */
} imagerouter_usage;

typedef struct imagerouter_image {
    const unsigned char *data; /* decoded bytes */
    size_t len;
    /* The reply's media_type, else sniffed from the bytes, else NULL. */
    const char *media_type;
} imagerouter_image;

/* Allocated by the library, read-only for the caller. */
typedef struct imagerouter_result {
    long long created;
    size_t image_count;
    const imagerouter_image *images;
    imagerouter_usage usage;
    const char *generation_id; /* X-Generation-Id, or NULL */
    const char *provider_name; /* X-Provider-Name, or NULL */
    bool streamed;             /* the reply was text/event-stream */
    int attempts;
} imagerouter_result;

IMAGEROUTER_API void imagerouter_result_free(imagerouter_result *r);

IMAGEROUTER_API int imagerouter_generate(imagerouter_client *c,
                                         const imagerouter_request *req,
                                         const imagerouter_call_options *opts,
                                         imagerouter_result **out,
                                         imagerouter_error **err);

/* Streaming events. Everything an event points at is valid only during
 * the callback. */
typedef enum imagerouter_event_type {
    IMAGEROUTER_EVENT_PARTIAL_IMAGE,
    IMAGEROUTER_EVENT_TEXT_CHUNK,
    IMAGEROUTER_EVENT_COMPLETED,
    IMAGEROUTER_EVENT_ERROR,
    IMAGEROUTER_EVENT_UNKNOWN  /* unknown type or bad shape: see json */
} imagerouter_event_type;

typedef struct imagerouter_event {
    imagerouter_event_type type;
    /* PARTIAL_IMAGE: partial_image_index; COMPLETED: 0, 1, ... */
    int index;
    const unsigned char *data; /* PARTIAL_IMAGE, COMPLETED */
    size_t len;
    const char *media_type;    /* COMPLETED (NULL if unknown) */
    long long created;         /* COMPLETED */
    const imagerouter_usage *usage; /* COMPLETED, NULL when absent */
    const char *text;          /* TEXT_CHUNK */
    const char *phase;         /* TEXT_CHUNK: content|reasoning|draft */
    const char *error_message; /* ERROR */
    const char *error_code;    /* ERROR, may be NULL */
    const char *error_type;    /* ERROR, may be NULL */
    const char *error_param;   /* ERROR, may be NULL */
    const char *json;          /* the event's data as received */
} imagerouter_event;

/* Return nonzero to stop the stream (the call fails with ..._ABORTED). */
typedef int imagerouter_event_cb(const imagerouter_event *ev, void *arg);

/* Sends "stream":true with Accept: text/event-stream and calls cb for each
 * event as it arrives, on the caller's thread. A server that answers with
 * plain JSON (a model without streaming) yields one COMPLETED event per
 * image. On success *out holds the completed images and usage. An ERROR
 * event, or a stream that ends with no completed image, fails the call
 * with IMAGEROUTER_ERR_STREAM. cb may be NULL. */
IMAGEROUTER_API int imagerouter_generate_stream(
    imagerouter_client *c, const imagerouter_request *req,
    const imagerouter_call_options *opts, imagerouter_event_cb *cb,
    void *arg, imagerouter_result **out, imagerouter_error **err);

/* A data: URL for input_references from image bytes. media_type NULL:
 * sniffed (png, jpeg, webp, gif, svg), else application/octet-stream.
 * Free with imagerouter_free(). */
IMAGEROUTER_API int imagerouter_data_url_from_bytes(const void *data,
                                                    size_t len,
                                                    const char *media_type,
                                                    char **out,
                                                    imagerouter_error **err);
/* The same from a file's contents (at most 64 MiB). */
IMAGEROUTER_API int imagerouter_data_url_from_file(const char *path,
                                                   const char *media_type,
                                                   char **out,
                                                   imagerouter_error **err);

/* "image/png", "image/jpeg", "image/webp", "image/gif", "image/svg+xml"
 * from magic bytes; NULL if none matches. */
IMAGEROUTER_API const char *imagerouter_media_type_sniff(const void *data,
                                                         size_t len);
/* "png", "jpeg", "webp", "gif", "svg" for a media type; "bin" otherwise. */
IMAGEROUTER_API const char *imagerouter_media_type_extension(const char *mt);

/* ------------------------------------------------------------------ */
/* Discovery: GET {base}/images/models[/{author}/{slug}/endpoints]     */

typedef enum imagerouter_capability_type {
    IMAGEROUTER_CAP_ENUM,
    IMAGEROUTER_CAP_RANGE,
    IMAGEROUTER_CAP_BOOLEAN,
    IMAGEROUTER_CAP_UNKNOWN    /* a descriptor type this library lacks */
} imagerouter_capability_type;

/* One supported_parameters entry. */
typedef struct imagerouter_capability {
    const char *name;          /* the request field, e.g. "resolution" */
    imagerouter_capability_type type;
    const char *const *values; /* ENUM */
    size_t value_count;
    double min, max;           /* RANGE */
    const char *json;          /* the descriptor as JSON text */
} imagerouter_capability;

typedef struct imagerouter_model {
    const char *id;
    const char *name;
    const char *description;
    long long created;
    const char *const *input_modalities;
    size_t input_modality_count;
    const char *const *output_modalities;
    size_t output_modality_count;
    const imagerouter_capability *supported_parameters;
    size_t supported_parameter_count;
    bool supports_streaming;
    const char *endpoints_url; /* relative, "/api/v1/images/models/..." */
} imagerouter_model;

typedef struct imagerouter_model_list {
    const imagerouter_model *models;
    size_t count;
    const char *json;          /* the reply body */
} imagerouter_model_list;

typedef struct imagerouter_pricing {
    const char *billable;      /* output_image, input_reference, ... */
    const char *unit;          /* image, megapixel, token, request */
    double cost_usd;
    const char *variant;       /* NULL when absent */
} imagerouter_pricing;

typedef struct imagerouter_endpoint {
    const char *provider_name;
    const char *provider_slug;
    const char *provider_tag;  /* NULL when null */
    const imagerouter_capability *supported_parameters;
    size_t supported_parameter_count;
    const char *const *allowed_passthrough_parameters;
    size_t allowed_passthrough_parameter_count;
    bool supports_streaming;
    const imagerouter_pricing *pricing;
    size_t pricing_count;
} imagerouter_endpoint;

typedef struct imagerouter_endpoint_list {
    const char *id;            /* "author/slug" */
    const imagerouter_endpoint *endpoints;
    size_t count;
    const char *json;          /* the reply body */
} imagerouter_endpoint_list;

IMAGEROUTER_API int imagerouter_list_models(
    imagerouter_client *c, const imagerouter_call_options *opts,
    imagerouter_model_list **out, imagerouter_error **err);
IMAGEROUTER_API void imagerouter_model_list_free(imagerouter_model_list *l);

/* author and slug are percent-encoded ("seedream-4.5:free" is sent as
 * "seedream-4.5%3Afree"). */
IMAGEROUTER_API int imagerouter_list_model_endpoints(
    imagerouter_client *c, const char *author, const char *slug,
    const imagerouter_call_options *opts, imagerouter_endpoint_list **out,
    imagerouter_error **err);
IMAGEROUTER_API void imagerouter_endpoint_list_free(
    imagerouter_endpoint_list *l);

/* The descriptor named `name` in a capability array, or NULL. */
IMAGEROUTER_API const imagerouter_capability *imagerouter_capability_find(
    const imagerouter_capability *caps, size_t count, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* IMAGEROUTER_H */
