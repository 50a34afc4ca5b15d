/* SPDX-License-Identifier: Apache-2.0
 * server/http_server.h - the HTTP/1.1 listener: accepts connections,
 * parses requests with limits, dispatches them to routes.
 */
#ifndef IR_SERVER_HTTP_SERVER_H
#define IR_SERVER_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "server/exchange.h"
#include "util/err.h"

struct event_base;
struct ir_http_server;

typedef void ir_route_cb(struct ir_exchange *x, void *arg);

struct ir_http_limits {
    size_t max_body;        /* bytes; over it: 413 */
    size_t max_headers;     /* bytes of all headers; over it: 431 */
    int header_timeout_s;   /* to receive a whole request head */
    int body_timeout_s;     /* between body reads */
    int idle_timeout_s;     /* keep-alive idle */
    int write_timeout_s;    /* a client that stops reading */
};

void ir_http_limits_default(struct ir_http_limits *l);

/* Binds host:port (port 0 picks one). */
ir_err ir_http_server_new(struct event_base *base, const char *host,
                          int port, const struct ir_http_limits *limits,
                          struct ir_http_server **out, struct ir_diag *d)
    IR_MUST_CHECK;
/* Closes the listener and every connection. In-flight exchanges are
 * aborted (their abort callbacks run) and must still be finished. */
void ir_http_server_free(struct ir_http_server *s);
int ir_http_server_port(const struct ir_http_server *s);
/* Stops accepting; open connections drain. */
void ir_http_server_stop_accepting(struct ir_http_server *s);

/* Routes: method ("GET", "POST", or NULL for any) and a path; a path
 * ending in '*' matches any path with that prefix. First match wins. */
ir_err ir_http_server_route(struct ir_http_server *s, const char *method,
                            const char *path, ir_route_cb *cb, void *arg)
    IR_MUST_CHECK;
/* Called when no route matches. */
void ir_http_server_fallback(struct ir_http_server *s, ir_route_cb *cb,
                             void *arg);

/* Open connections and exchanges in progress (metrics). */
size_t ir_http_server_connections(const struct ir_http_server *s);
size_t ir_http_server_inflight(const struct ir_http_server *s);

#endif
