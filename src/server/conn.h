/* SPDX-License-Identifier: Apache-2.0
 * server/conn.h - internals shared by the server files: one client
 * connection and the exchange it is serving. Not for src/api.
 */
#ifndef IR_SERVER_CONN_H
#define IR_SERVER_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <http_parser.h>

#include "server/http_server.h"
#include "util/buf.h"

struct bufferevent;
struct evconnlistener;
struct ir_conn;

struct ir_header {
    char *name;  /* owned */
    char *value; /* owned */
};

struct ir_exchange {
    struct ir_conn *conn;      /* NULL once the client went away */
    struct ir_http_server *srv;
    char method[16];
    struct ir_buf url;         /* raw request target */
    char *path;                /* decoded, owned */
    char *raw_path;            /* owned */
    const char *query;         /* into url, "" when none */
    struct ir_header *headers;
    size_t nheaders, capheaders;
    struct ir_buf body;
    struct ir_buf resp_headers; /* "Name: value\r\n" lines */
    bool keep_alive;
    bool http10;
    bool streaming;
    bool aborted;
    bool head_sent;
    ir_exchange_abort_cb *abort_cb;
    void *abort_arg;
    int64_t start_us;
    struct ir_exchange *prev, *next; /* srv->exchanges */
};

struct ir_route {
    char method[16];  /* "" = any */
    char *path;       /* owned */
    bool prefix;
    ir_route_cb *cb;
    void *arg;
};

struct ir_http_server {
    struct event_base *base;
    struct evconnlistener *listener;
    struct ir_http_limits limits;
    int port;
    struct ir_route *routes;
    size_t nroutes;
    ir_route_cb *fallback;
    void *fallback_arg;
    struct ir_conn *conns;          /* every open connection */
    size_t nconns;
    struct ir_exchange *exchanges;  /* dispatched, not finished */
    size_t ninflight;
    bool freeing;
    /* Out of descriptors on accept: the listener is off until the timer
     * fires or a connection closes. Logged at most every
     * SERVER_ACCEPT_LOG_MS (http_server.c), with the pauses since. */
    struct event *accept_timer;
    bool accept_paused;
    unsigned long accept_pauses;  /* since the last log line */
    int64_t accept_log_ms;        /* monotonic; 0 = never logged */
};

/* conn.c */
void ir_server_conn_accept(struct ir_http_server *s, int fd,
                           const char *peer);
void ir_server_conn_free(struct ir_conn *c);
/* The exchange is finished: its response is queued. After
 * ir_server_conn_reply_begin, writes it to the socket right away. */
void ir_server_conn_finished(struct ir_conn *c, bool close_after);
/* A whole response is about to be queued: unless output is still
 * pending, the socket is not watched for writability, so that
 * ir_server_conn_finished can write it directly. */
void ir_server_conn_reply_begin(struct ir_conn *c);
/* Bytes were queued outside a whole response (a stream, 100 Continue):
 * have the loop write them. */
void ir_server_conn_kick(struct ir_conn *c);
struct bufferevent *ir_server_conn_bev(struct ir_conn *c);
const char *ir_server_conn_peer(const struct ir_conn *c);

/* exchange.c */
struct ir_exchange *ir_server_exchange_new(struct ir_http_server *s);
void ir_server_exchange_free(struct ir_exchange *x);
/* The client went away: detach and run the abort callback. */
void ir_server_exchange_abort(struct ir_exchange *x);
/* http_server.c: a descriptor was freed; accept again if paused. */
void ir_server_accept_resume(struct ir_http_server *s);
/* dispatch to the matching route (http_server.c) */
void ir_server_dispatch(struct ir_http_server *s, struct ir_exchange *x);

#endif
