/* SPDX-License-Identifier: Apache-2.0
 * server/http_server.c - the listening socket, the route table, and
 * dispatch of parsed requests (with CORS preflight answered here).
 */
#include "server/http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "server/conn.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/time.h"
#include "util/url.h"

/* How long the listener rests after accept() ran out of descriptors
 * (unless a connection closes first). */
#define SERVER_ACCEPT_PAUSE_US 200000
/* A saturated server pauses many times; one warning per interval. */
#define SERVER_ACCEPT_LOG_MS 10000

static void server_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
                             struct sockaddr *sa, int salen, void *arg);
static void server_accept_error_cb(struct evconnlistener *l, void *arg);
static void server_accept_timer_cb(evutil_socket_t fd, short what,
                                   void *arg);

void
ir_http_limits_default(struct ir_http_limits *l)
{
    l->max_body = 64u * 1024 * 1024;
    l->max_headers = 64u * 1024;
    l->header_timeout_s = 30;
    l->body_timeout_s = 60;
    l->idle_timeout_s = 75;
    l->write_timeout_s = 300;
}

ir_err
ir_http_server_new(struct event_base *base, const char *host, int port,
                   const struct ir_http_limits *limits,
                   struct ir_http_server **out, struct ir_diag *d)
{
    struct ir_http_server *s;
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof ss;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

    memset(&ss, 0, sizeof ss);
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        sslen = sizeof *sin;
    } else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        sslen = sizeof *sin6;
    } else {
        ir_diag_set(d, "listen address '%s' is not an IPv4 or IPv6 address",
                    host);
        return IR_EINVAL;
    }
    s = ir_calloc(1, sizeof *s);
    if (s == NULL)
        return IR_ENOMEM;
    s->base = base;
    s->limits = *limits;
    s->listener = evconnlistener_new_bind(
        base, server_accept_cb, s,
        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
        1024, (struct sockaddr *)&ss, (int)sslen);
    if (s->listener == NULL) {
        ir_diag_set(d, "cannot listen on %s:%d: %s", host, port,
                    strerror(errno));
        ir_free(s);
        return IR_EIO;
    }
    evconnlistener_set_error_cb(s->listener, server_accept_error_cb);
    s->accept_timer = evtimer_new(base, server_accept_timer_cb, s);
    if (s->accept_timer == NULL) {
        evconnlistener_free(s->listener);
        ir_free(s);
        return IR_ENOMEM;
    }
    sslen = sizeof ss;
    if (getsockname(evconnlistener_get_fd(s->listener),
                    (struct sockaddr *)&ss, &sslen) == 0)
        s->port = ntohs(ss.ss_family == AF_INET ? sin->sin_port
                                                : sin6->sin6_port);
    *out = s;
    return IR_OK;
}

void
ir_http_server_stop_accepting(struct ir_http_server *s)
{
    if (s->listener != NULL) {
        evconnlistener_free(s->listener);
        s->listener = NULL;
    }
    if (s->accept_timer != NULL)
        evtimer_del(s->accept_timer);
    s->accept_paused = false;
}

void
ir_http_server_free(struct ir_http_server *s)
{
    size_t i;

    if (s == NULL)
        return;
    s->freeing = true;
    ir_http_server_stop_accepting(s);
    while (s->conns != NULL)
        ir_server_conn_free(s->conns);
    /* Exchanges whose handlers never finished: abort and free. */
    while (s->exchanges != NULL) {
        struct ir_exchange *x = s->exchanges;

        s->exchanges = x->next;
        ir_server_exchange_free(x);
    }
    if (s->accept_timer != NULL)
        event_free(s->accept_timer);
    for (i = 0; i < s->nroutes; i++)
        ir_free(s->routes[i].path);
    ir_free(s->routes);
    ir_free(s);
}

int
ir_http_server_port(const struct ir_http_server *s)
{
    return s->port;
}

size_t
ir_http_server_connections(const struct ir_http_server *s)
{
    return s->nconns;
}

size_t
ir_http_server_inflight(const struct ir_http_server *s)
{
    return s->ninflight;
}

ir_err
ir_http_server_route(struct ir_http_server *s, const char *method,
                     const char *path, ir_route_cb *cb, void *arg)
{
    struct ir_route *r;
    size_t n = strlen(path);

    r = ir_realloc(s->routes, (s->nroutes + 1) * sizeof *r);
    if (r == NULL)
        return IR_ENOMEM;
    s->routes = r;
    r = &s->routes[s->nroutes];
    memset(r, 0, sizeof *r);
    (void)snprintf(r->method, sizeof r->method, "%s", method ? method : "");
    r->prefix = n > 0 && path[n - 1] == '*';
    r->path = ir_strndup(path, r->prefix ? n - 1 : n);
    if (r->path == NULL)
        return IR_ENOMEM;
    r->cb = cb;
    r->arg = arg;
    s->nroutes++;
    return IR_OK;
}

void
ir_http_server_fallback(struct ir_http_server *s, ir_route_cb *cb, void *arg)
{
    s->fallback = cb;
    s->fallback_arg = arg;
}

/* accept() failed. Out of descriptors (or kernel memory) the pending
 * connection stays queued and the listening socket stays readable, so a
 * listener left on would spin: rest it, keep serving the connections
 * already open, and try again after a pause or when one of them closes. */
static void
server_accept_error_cb(struct evconnlistener *l, void *arg)
{
    struct ir_http_server *s = arg;
    int err = EVUTIL_SOCKET_ERROR();
    struct timeval tv = {0, SERVER_ACCEPT_PAUSE_US};
    int64_t now;

    if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM) {
        /* ECONNABORTED and the like concern one connection only. */
        ir_log_debug("accept: %s", strerror(err));
        return;
    }
    evconnlistener_disable(l);
    s->accept_paused = true;
    s->accept_pauses++;
    now = ir_time_mono_ms();
    if (s->accept_log_ms == 0 || now - s->accept_log_ms >=
                                     SERVER_ACCEPT_LOG_MS) {
        ir_log_warn("accept: %s with %zu connections open; new "
                    "connections wait until descriptors free up (%lu "
                    "pause(s) since the last report)",
                    strerror(err), s->nconns, s->accept_pauses);
        s->accept_log_ms = now;
        s->accept_pauses = 0;
    }
    evtimer_add(s->accept_timer, &tv);
}

void
ir_server_accept_resume(struct ir_http_server *s)
{
    if (!s->accept_paused || s->freeing || s->listener == NULL)
        return;
    s->accept_paused = false;
    evtimer_del(s->accept_timer);
    evconnlistener_enable(s->listener);
}

static void
server_accept_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    ir_server_accept_resume(arg);
}

static void
server_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
                 struct sockaddr *sa, int salen, void *arg)
{
    char host[INET6_ADDRSTRLEN] = "?", peer[64];
    int port = 0;

    (void)l;
    (void)salen;
    if (sa->sa_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)sa;

        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        port = ntohs(in->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;

        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        port = ntohs(in6->sin6_port);
    }
    (void)snprintf(peer, sizeof peer, "%s:%d", host, port);
    evutil_make_socket_nonblocking(fd);
    ir_server_conn_accept(arg, fd, peer);
}

/* Splits the request target into a decoded path and a raw query. */
static bool
server_split_url(struct ir_exchange *x)
{
    const char *url = x->url.data ? x->url.data : "/";
    const char *q = strchr(url, '?');
    size_t plen = q ? (size_t)(q - url) : strlen(url);

    x->raw_path = ir_strndup(url, plen);
    x->path = ir_malloc(plen + 1);
    if (x->raw_path == NULL || x->path == NULL)
        return false;
    if (!ir_url_decode(x->path, url, plen, false))
        return false;
    x->query = q ? q + 1 : "";
    return true;
}

void
ir_server_dispatch(struct ir_http_server *s, struct ir_exchange *x)
{
    struct ir_error e;
    size_t i;

    x->start_us = ir_time_mono_us();
    x->next = s->exchanges;
    if (s->exchanges != NULL)
        s->exchanges->prev = x;
    s->exchanges = x;
    s->ninflight++;
    if (!server_split_url(x)) {
        ir_error_init(&e);
        ir_error_set(&e, 400, "Malformed request path");
        ir_exchange_reply_error(x, &e);
        ir_error_cleanup(&e);
        return;
    }
    if (strcmp(x->method, "OPTIONS") == 0) {
        /* CORS preflight: browsers may call the API directly. */
        if (ir_exchange_header_add(x, "Access-Control-Allow-Methods",
                                   "GET, POST, PATCH, DELETE, OPTIONS") ||
            ir_exchange_header_add(
                x, "Access-Control-Allow-Headers",
                "Authorization, Content-Type, HTTP-Referer, "
                "X-OpenRouter-Title, X-OpenRouter-Categories, X-Title") ||
            ir_exchange_header_add(x, "Access-Control-Max-Age", "86400")) {
            ir_exchange_reply(x, 500, NULL, NULL, 0);
            return;
        }
        ir_exchange_reply(x, 204, NULL, NULL, 0);
        return;
    }
    for (i = 0; i < s->nroutes; i++) {
        struct ir_route *r = &s->routes[i];
        bool path_ok = r->prefix ? strncmp(x->path, r->path,
                                           strlen(r->path)) == 0
                                 : strcmp(x->path, r->path) == 0;

        if (!path_ok)
            continue;
        if (r->method[0] != '\0' && strcmp(r->method, x->method) != 0 &&
            !(strcmp(r->method, "GET") == 0 &&
              strcmp(x->method, "HEAD") == 0))
            continue;
        r->cb(x, r->arg);
        return;
    }
    if (s->fallback != NULL) {
        s->fallback(x, s->fallback_arg);
        return;
    }
    ir_error_init(&e);
    ir_error_set(&e, 404, "Resource not found");
    ir_exchange_reply_error(x, &e);
    ir_error_cleanup(&e);
}
