/* SPDX-License-Identifier: Apache-2.0
 * upstream/client.h - outbound HTTP on the event loop: libcurl's multi
 * interface driven by libevent (curl_multi_socket_action), so thousands
 * of provider calls share one thread, with connection reuse, TLS and
 * HTTP/2 from curl.
 *
 * A request is sent with ir_upstream_send(); done runs exactly once on
 * the loop, never inside the send call. ir_upstream_req_free() before done
 * cancels the transfer (the connection is closed) and done never runs.
 */
#ifndef IR_UPSTREAM_CLIENT_H
#define IR_UPSTREAM_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "providers/provider.h"
#include "util/buf.h"
#include "util/err.h"

struct event_base;
struct ir_upstream;
struct ir_upstream_req;

enum ir_upstream_fail {
    IR_UPSTREAM_OK,              /* a complete HTTP response (any status) */
    IR_UPSTREAM_CONNECT,         /* could not connect / resolve */
    IR_UPSTREAM_TIMEOUT,         /* connect, first byte or total deadline */
    IR_UPSTREAM_TOO_BIG,         /* body over max_body */
    IR_UPSTREAM_TRUNCATED,       /* connection ended mid-response */
    IR_UPSTREAM_ABORTED,         /* on_data asked to stop */
    IR_UPSTREAM_BLOCKED,         /* address refused (SSRF guard) */
    IR_UPSTREAM_LOCAL,           /* this process is out of descriptors or
                                    memory: not the provider's fault */
    IR_UPSTREAM_OTHER,
};

struct ir_upstream_opts {
    int connect_timeout_ms;      /* 0 = curl default */
    int first_byte_timeout_ms;   /* 0 = none */
    int total_timeout_ms;        /* 0 = none */
    size_t max_body;             /* 0 = IR_MAX_UPSTREAM_BODY */
    bool public_only;            /* refuse loopback/private/link-local */
};

/* Streaming body bytes as they arrive (for SSE). Return false to stop
 * the transfer (done then reports IR_UPSTREAM_ABORTED). */
typedef bool ir_upstream_data_cb(struct ir_upstream_req *r, const char *p,
                                 size_t n, void *arg);
typedef void ir_upstream_done_cb(struct ir_upstream_req *r, void *arg);

/* libcurl's global setup (and with it OpenSSL's), once per process and
 * thread-safe; ir_upstream_send does it on the first transfer. Cleanup
 * at exit, with no other thread left, and only if init ran. */
ir_err ir_upstream_global_init(void) IR_MUST_CHECK;
bool ir_upstream_global_inited(void);
void ir_upstream_global_cleanup(void);

/* The curl multi handle is made on the first send, not here. */
ir_err ir_upstream_new(struct event_base *base, struct ir_upstream **out)
    IR_MUST_CHECK;
/* Has a transfer been started (and the multi handle made)? */
bool ir_upstream_started(const struct ir_upstream *u);
/* Cancels every transfer still running (their done never runs). */
void ir_upstream_free(struct ir_upstream *u);

/* Sends owned_req (consumed, even on failure). With on_data set, the body
 * is delivered in pieces and not kept; otherwise it is buffered. */
ir_err ir_upstream_send(struct ir_upstream *u, struct ir_http_req *owned_req,
                        const struct ir_upstream_opts *opts,
                        ir_upstream_data_cb *on_data,
                        ir_upstream_done_cb *done, void *arg,
                        struct ir_upstream_req **out) IR_MUST_CHECK;

/* In or after done: the response (status 0 when none arrived). */
const struct ir_http_resp *ir_upstream_resp(const struct ir_upstream_req *r);
enum ir_upstream_fail ir_upstream_failure(const struct ir_upstream_req *r);
const char *ir_upstream_errmsg(const struct ir_upstream_req *r);
int64_t ir_upstream_elapsed_ms(const struct ir_upstream_req *r);
/* Takes the buffered body (caller frees with ir_free). */
char *ir_upstream_take_body(struct ir_upstream_req *r, size_t *len);
void ir_upstream_req_free(struct ir_upstream_req *r);
/* During or after the transfer: is the HTTP status 2xx? */
bool ir_upstream_ok_status(const struct ir_upstream_req *r);
/* Replaces the response body with b's bytes (b is left empty): for a
 * streamed transfer whose error answer the caller collected itself. */
void ir_upstream_set_body(struct ir_upstream_req *r, struct ir_buf *b);

/* Transfers in flight (metrics). */
size_t ir_upstream_active(const struct ir_upstream *u);

#endif
