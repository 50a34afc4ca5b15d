/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/emu.h - shared types of the provider emulator: the process
 * (struct emu), one provider request in flight (struct emu_ctx), and the
 * reply API every provider file uses to answer it.
 */
#ifndef EMU_H
#define EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/queue.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <openssl/evp.h>

enum emu_provider {
    EMU_P_NONE,
    EMU_P_OPENAI,
    EMU_P_AZURE,
    EMU_P_GEMINI,
    EMU_P_VERTEX,
    EMU_P_OAUTH,   /* Google's token endpoint (Vertex service accounts) */
    EMU_P_SEEDREAM,
    EMU_P_BFL,
    EMU_P_XAI,
    EMU_P_RECRAFT,
    EMU_P_COUNT
};

#define EMU_MAX_BODY (64u * 1024 * 1024)
#define EMU_MAX_SIDE 8192
#define EMU_MAX_SEGMENTS 4096

struct emu_config {
    int port;
    const char *keys[EMU_P_COUNT];  /* NULL: any non-empty key accepted */
    bool tiny;                      /* fixed tiny images for benchmarks */
    int bfl_pending;                /* default Pending answers per task */
    bool openai_sse_done;           /* append data: [DONE] to image SSE */
    bool openai_reject_response_format;
    EVP_PKEY *vertex_key;           /* NULL: JWT signatures not checked */
    const char *vertex_email;       /* expected iss, NULL: any */
    bool quiet;
    bool image_cache;               /* keep rendered images (imgcache.c) */
    long log_max;                   /* requests kept in the log, -1: all */
};

struct emu_scripts;
struct emu_log;
struct emu_files;
struct emu_bfl;
struct emu_tokens;
struct emu_conn;
struct emu_imgcache;

struct emu {
    struct event_base *base;
    struct evhttp *http;
    struct emu_config cfg;
    struct emu_scripts *scripts;
    struct emu_log *log;
    struct emu_files *files;
    struct emu_bfl *bfl;
    struct emu_tokens *tokens;
    struct emu_imgcache *imgcache;
    struct emu_conn *conns;         /* list of connections seen */
    int conns_open;
    int in_flight;
    uint64_t seq;                   /* request ids */
};

struct emu_segment {
    char *data;
    size_t len;
    int delay_ms;                   /* wait before sending this one */
};

/* One provider request, from arrival until it is answered or its client
 * goes away. Owned by its connection's `active` slot. */
struct emu_ctx {
    struct emu *emu;
    struct evhttp_request *req;
    struct emu_conn *conn;
    enum emu_provider provider;
    uint64_t id;
    int64_t t_start_ms;
    char *prefix;          /* provider mount prefix ("/xai") or "" */
    char *path;            /* path after the prefix, without query */
    char *query;           /* raw query string or NULL */
    char host[256];        /* Host header, for absolute URLs */
    unsigned char *body;
    size_t body_len;
    char *content_type;    /* lower-cased, or NULL */
    json_t *json;          /* owned: body parsed as JSON, or NULL */
    json_t *action;        /* owned: scripted action, {} when none */
    json_t *entry;         /* owned ref: this request's log entry */
    struct event *timer;
    struct event *watch;   /* notices a client that went away */
    /* reply playback */
    struct emu_segment *segs;
    size_t nsegs, cur;
    bool started;          /* headers sent */
    bool chunked;          /* SSE: no Content-Length */
    size_t trunc_at;       /* bytes to send before closing, 0: all */
    size_t sent;
    int status;
};

/* One inbound connection; `active` is the request being answered. */
struct emu_conn {
    struct emu *emu;
    struct evhttp_connection *evcon;
    struct emu_ctx *active;
    struct emu_conn *prev, *next;      /* emu->conns */
};

typedef void emu_handler_fn(struct emu_ctx *c);
/* Answer with this provider's own error body for an HTTP status. */
typedef void emu_error_fn(struct emu_ctx *c, int status, const char *msg,
                          const char *code);

struct emu_provider_ops {
    const char *name;
    emu_handler_fn *handle;
    emu_error_fn *error;
};

const struct emu_provider_ops *emu_provider_ops(enum emu_provider p);
enum emu_provider emu_provider_by_name(const char *name);

/* reply.c: every function here finishes the request (or starts playback
 * that finishes it). `c` must not be used afterwards. */
void emu_reply(struct emu_ctx *c, int status, const char *ctype,
               const void *body, size_t len);
void emu_reply_json(struct emu_ctx *c, int status, json_t *owned);
void emu_reply_text(struct emu_ctx *c, int status, const char *ctype,
                    const char *text);
/* SSE: queue frames, then emu_sse_send() plays them with their delays. */
void emu_sse_frame(struct emu_ctx *c, int delay_ms, const char *event,
                   json_t *data);
void emu_sse_raw(struct emu_ctx *c, int delay_ms, const char *text);
void emu_sse_send(struct emu_ctx *c);
void emu_header(struct emu_ctx *c, const char *name, const char *value);
/* The client went away: record it, stop timers, free. */
void emu_ctx_abort(struct emu_ctx *c);
void emu_ctx_free(struct emu_ctx *c);

/* Helpers on the request. */
const char *emu_req_header(struct emu_ctx *c, const char *name);
/* Bearer token of the Authorization header, or NULL. */
const char *emu_bearer(struct emu_ctx *c);
/* Query parameter value (caller frees), or NULL. */
char *emu_query_param(struct emu_ctx *c, const char *name);
/* Check a presented key against the configured one for provider p. */
bool emu_key_ok(struct emu_ctx *c, enum emu_provider p, const char *key);
/* Absolute base URL for links back to us: "http://host". */
void emu_base_url(struct emu_ctx *c, char *out, size_t outsz);
/* Action helpers: integer/bool/string fields of the scripted action. */
long emu_action_int(struct emu_ctx *c, const char *key, long dflt);
bool emu_action_bool(struct emu_ctx *c, const char *key);
const char *emu_action_str(struct emu_ctx *c, const char *key);
/* content_policy: 0 none, 1 input (true/"input"), 2 output ("output"),
 * 3 any other string (read it with emu_action_str). */
int emu_action_policy(struct emu_ctx *c);

#endif
