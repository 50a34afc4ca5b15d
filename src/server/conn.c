/* SPDX-License-Identifier: Apache-2.0
 * server/conn.c - one client connection: reads and parses HTTP/1.1
 * requests with http_parser, enforces the limits, hands each complete
 * request to the router, and writes responses back.
 *
 * Reads stay enabled while a request is being served, so a client that
 * disconnects is noticed at once (EOF) and its work cancelled. Bytes of a
 * pipelined next request wait in the input buffer, bounded by the read
 * high-water mark, and are parsed once the current response is written.
 */
#include "server/conn.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "core/error.h"
#include "util/log.h"
#include "util/mem.h"

#define CONN_BUSY_HIGHWATER (64 * 1024)
#define CONN_LINGER_S 2
/* Most bytes one write hands the kernel. libevent's default (16 KB) took
 * ~2,800 writev calls and loop turns for a 45 MB image; the output is
 * referenced, not copied, so a larger cap costs no memory. */
#define CONN_MAX_SINGLE_WRITE (1024 * 1024)

struct ir_conn {
    struct ir_http_server *srv;
    struct bufferevent *bev;
    http_parser parser;
    char peer[64];
    struct ir_exchange *x;  /* being parsed or served */
    bool busy;              /* x dispatched; its response is not done */
    bool header_was_value;  /* http_parser splits fields and values */
    bool too_large;         /* body over the limit: answer 413 */
    bool closing;           /* close once the output is written */
    bool lingering;         /* after a 413: drain input, then close */
    size_t head_bytes;
    struct ir_conn *prev, *next;
};

static void conn_read_cb(struct bufferevent *bev, void *arg);
static void conn_write_cb(struct bufferevent *bev, void *arg);
static void conn_event_cb(struct bufferevent *bev, short what, void *arg);
static void conn_parse(struct ir_conn *c);
static void conn_fail(struct ir_conn *c, int status, const char *msg);
static void conn_set_timeout(struct ir_conn *c, int read_s);

static int on_message_begin(http_parser *p);
static int on_url(http_parser *p, const char *at, size_t n);
static int on_header_field(http_parser *p, const char *at, size_t n);
static int on_header_value(http_parser *p, const char *at, size_t n);
static int on_headers_complete(http_parser *p);
static int on_body(http_parser *p, const char *at, size_t n);
static int on_message_complete(http_parser *p);

static const http_parser_settings conn_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

void
ir_server_conn_accept(struct ir_http_server *s, int fd, const char *peer)
{
    struct ir_conn *c = ir_calloc(1, sizeof *c);

    if (c == NULL) {
        evutil_closesocket(fd);
        return;
    }
    c->srv = s;
    (void)snprintf(c->peer, sizeof c->peer, "%s", peer);
    c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (c->bev == NULL) {
        evutil_closesocket(fd);
        ir_free(c);
        return;
    }
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
    bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
    (void)bufferevent_set_max_single_write(c->bev, CONN_MAX_SINGLE_WRITE);
    conn_set_timeout(c, s->limits.idle_timeout_s);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    c->next = s->conns;
    if (s->conns != NULL)
        s->conns->prev = c;
    s->conns = c;
    s->nconns++;
}

void
ir_server_conn_free(struct ir_conn *c)
{
    struct ir_http_server *s = c->srv;
    struct ir_exchange *x = c->x;

    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    s->nconns--;
    bufferevent_free(c->bev);
    c->x = NULL;
    if (x != NULL) {
        if (c->busy) {
            /* A handler is still working on it: tell it, let it finish. */
            x->conn = NULL;
            ir_server_exchange_abort(x);
        } else {
            ir_server_exchange_free(x);
        }
    }
    ir_free(c);
    ir_server_accept_resume(s);
}

struct bufferevent *
ir_server_conn_bev(struct ir_conn *c)
{
    return c->bev;
}

const char *
ir_server_conn_peer(const struct ir_conn *c)
{
    return c->peer;
}

static void
conn_set_timeout(struct ir_conn *c, int read_s)
{
    struct timeval r = {read_s, 0};
    struct timeval w = {c->srv->limits.write_timeout_s, 0};

    bufferevent_set_timeouts(c->bev, read_s > 0 ? &r : NULL,
                             w.tv_sec > 0 ? &w : NULL);
}

/* A small reply written from the loop callback that made it, instead of
 * watching for EPOLLOUT, being woken, writing and unwatching: two
 * epoll_ctl calls and a loop turn less per request. */
void
ir_server_conn_reply_begin(struct ir_conn *c)
{
    /* Not pending when the output is empty: no epoll_ctl here. */
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
        bufferevent_disable(c->bev, EV_WRITE);
}

void
ir_server_conn_kick(struct ir_conn *c)
{
    if (!(bufferevent_get_enabled(c->bev) & EV_WRITE))
        bufferevent_enable(c->bev, EV_WRITE);
}

void
ir_server_conn_finished(struct ir_conn *c, bool close_after)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);

    c->busy = false;
    c->x = NULL;
    if (close_after)
        c->closing = true;
    bufferevent_setwatermark(c->bev, EV_READ, 0, 0);
    if (!(bufferevent_get_enabled(c->bev) & EV_WRITE)) {
        if (evbuffer_get_length(out) > 0) {
            /* A socket bufferevent keeps its output's start frozen but
             * around its own writes; do as it does. */
            evbuffer_unfreeze(out, 1);
            (void)evbuffer_write(out, bufferevent_getfd(c->bev));
            evbuffer_freeze(out, 1);
        }
        if (evbuffer_get_length(out) > 0) {
            /* The rest, or the error, the usual way: the write callback
             * runs once it is out. */
            bufferevent_enable(c->bev, EV_WRITE);
            return;
        }
    }
    /* Parsing resumes from the write callback once the response is out,
     * so responses to pipelined requests cannot overtake each other. */
    if (evbuffer_get_length(out) == 0)
        conn_write_cb(c->bev, c);
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
    struct ir_conn *c = arg;

    if (c->lingering) {
        evbuffer_drain(bufferevent_get_input(bev),
                       evbuffer_get_length(bufferevent_get_input(bev)));
        return;
    }
    if (c->busy || c->closing)
        return; /* parsed later; EOF still reaches conn_event_cb */
    conn_parse(c);
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
    struct ir_conn *c = arg;

    if (evbuffer_get_length(bufferevent_get_output(bev)) != 0)
        return;
    if (c->closing) {
        if (c->lingering) {
            /* Let the client finish sending (and read our 413) before
             * the close, or its kernel may see a reset first. */
            shutdown(bufferevent_getfd(bev), SHUT_WR);
            conn_set_timeout(c, CONN_LINGER_S);
            return;
        }
        ir_server_conn_free(c);
        return;
    }
    if (c->busy)
        return; /* a stream: more to come */
    conn_set_timeout(c, c->srv->limits.idle_timeout_s);
    if (evbuffer_get_length(bufferevent_get_input(bev)) > 0)
        conn_parse(c);
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct ir_conn *c = arg;

    (void)bev;
    if ((what & BEV_EVENT_TIMEOUT) && c->busy && !c->x->streaming &&
        (what & BEV_EVENT_READING)) {
        /* A handler is working: the read timeout is only for idle and
         * slow clients, not for slow providers. */
        bufferevent_enable(c->bev, EV_READ);
        return;
    }
    if ((what & BEV_EVENT_EOF) && (what & BEV_EVENT_READING) && !c->busy &&
        c->x != NULL && c->parser.http_errno == HPE_OK) {
        /* A close-delimited message is complete at EOF. */
        http_parser_execute(&c->parser, &conn_settings, NULL, 0);
    }
    ir_server_conn_free(c);
}

/* Feeds buffered input to the parser until it pauses at the end of one
 * request or runs out of bytes. */
static void
conn_parse(struct ir_conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    struct evbuffer_iovec v;
    size_t n;

    while (!c->busy && !c->closing && evbuffer_get_length(in) > 0) {
        if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
            break;
        n = http_parser_execute(&c->parser, &conn_settings, v.iov_base,
                                v.iov_len);
        if (HTTP_PARSER_ERRNO(&c->parser) == HPE_PAUSED) {
            http_parser_pause(&c->parser, 0);
            evbuffer_drain(in, n);
            if (c->too_large) {
                conn_fail(c, 413, NULL);
                return;
            }
            c->busy = true;
            /* Keep reading to notice EOF, but bound what piles up. */
            bufferevent_setwatermark(c->bev, EV_READ, 0,
                                     CONN_BUSY_HIGHWATER);
            ir_server_dispatch(c->srv, c->x);
            return; /* c may be gone */
        }
        if (HTTP_PARSER_ERRNO(&c->parser) != HPE_OK) {
            conn_fail(c, c->head_bytes > c->srv->limits.max_headers ? 431
                                                                    : 400,
                      http_errno_description(HTTP_PARSER_ERRNO(&c->parser)));
            return;
        }
        evbuffer_drain(in, n);
    }
}

/* Answers a protocol-level failure and closes the connection. */
static void
conn_fail(struct ir_conn *c, int status, const char *msg)
{
    struct ir_error e;
    struct ir_exchange *x;

    ir_error_init(&e);
    switch (status) {
    case 413:
        ir_error_set(&e, 413, "Request payload too large: the body is over "
                              "the limit of %zu bytes",
                     c->srv->limits.max_body);
        ir_error_meta_str(&e, "error_type", "payload_too_large");
        c->lingering = true;
        break;
    case 431:
        ir_error_set(&e, 431, "Request headers too large: over %zu bytes",
                     c->srv->limits.max_headers);
        break;
    default:
        ir_error_set(&e, 400, "Malformed HTTP request: %s",
                     msg ? msg : "parse error");
    }
    if (c->x == NULL && (c->x = ir_server_exchange_new(c->srv)) == NULL) {
        ir_error_cleanup(&e);
        ir_server_conn_free(c);
        return;
    }
    x = c->x;
    x->conn = c;
    x->keep_alive = false;
    c->busy = true;
    ir_exchange_reply_error(x, &e);
    ir_error_cleanup(&e);
}

/* ---- http_parser callbacks ---------------------------------------- */

static int
on_message_begin(http_parser *p)
{
    struct ir_conn *c = p->data;

    c->head_bytes = 0;
    c->too_large = false;
    c->header_was_value = false;
    if (c->x == NULL && (c->x = ir_server_exchange_new(c->srv)) == NULL)
        return -1;
    c->x->conn = c;
    conn_set_timeout(c, c->srv->limits.header_timeout_s);
    return 0;
}

static int
on_url(http_parser *p, const char *at, size_t n)
{
    struct ir_conn *c = p->data;

    c->head_bytes += n;
    if (c->head_bytes > c->srv->limits.max_headers)
        return -1;
    return ir_buf_add(&c->x->url, at, n) == IR_OK ? 0 : -1;
}

static int
conn_header_grow(struct ir_exchange *x)
{
    struct ir_header *h;
    size_t cap;

    if (x->nheaders < x->capheaders)
        return 0;
    cap = x->capheaders ? x->capheaders * 2 : 16;
    h = ir_realloc(x->headers, cap * sizeof *h);
    if (h == NULL)
        return -1;
    x->headers = h;
    x->capheaders = cap;
    return 0;
}

/* Appends to a NUL-terminated owned string. */
static int
conn_str_append(char **s, const char *at, size_t n)
{
    size_t old = *s ? strlen(*s) : 0;
    char *p = ir_realloc(*s, old + n + 1);

    if (p == NULL)
        return -1;
    memcpy(p + old, at, n);
    p[old + n] = '\0';
    *s = p;
    return 0;
}

static int
on_header_field(http_parser *p, const char *at, size_t n)
{
    struct ir_conn *c = p->data;
    struct ir_exchange *x = c->x;

    c->head_bytes += n;
    if (c->head_bytes > c->srv->limits.max_headers)
        return -1;
    if (c->header_was_value || x->nheaders == 0) {
        if (conn_header_grow(x) != 0)
            return -1;
        x->headers[x->nheaders].name = NULL;
        x->headers[x->nheaders].value = NULL;
        x->nheaders++;
        c->header_was_value = false;
    }
    return conn_str_append(&x->headers[x->nheaders - 1].name, at, n);
}

static int
on_header_value(http_parser *p, const char *at, size_t n)
{
    struct ir_conn *c = p->data;
    struct ir_exchange *x = c->x;

    c->head_bytes += n;
    if (c->head_bytes > c->srv->limits.max_headers)
        return -1;
    c->header_was_value = true;
    return conn_str_append(&x->headers[x->nheaders - 1].value, at, n);
}

static int
on_headers_complete(http_parser *p)
{
    struct ir_conn *c = p->data;
    struct ir_exchange *x = c->x;
    const char *expect;
    size_t i;

    (void)snprintf(x->method, sizeof x->method, "%s",
                   http_method_str((enum http_method)p->method));
    x->keep_alive = http_should_keep_alive(p) != 0;
    x->http10 = p->http_major == 1 && p->http_minor == 0;
    /* An empty value (e.g. "Cookie:") never reached on_header_value. */
    for (i = 0; i < x->nheaders; i++)
        if (x->headers[i].value == NULL &&
            (x->headers[i].value = ir_strdup("")) == NULL)
            return -1;
    if ((p->flags & F_CONTENTLENGTH) &&
        p->content_length > c->srv->limits.max_body) {
        /* Answer now rather than read a body we will not keep. */
        c->too_large = true;
        http_parser_pause(p, 1);
        return 0;
    }
    expect = ir_exchange_header(x, "Expect");
    if (expect != NULL && strcasecmp(expect, "100-continue") == 0 &&
        !c->too_large) {
        (void)bufferevent_write(c->bev, "HTTP/1.1 100 Continue\r\n\r\n", 25);
        ir_server_conn_kick(c);
    }
    conn_set_timeout(c, c->srv->limits.body_timeout_s);
    return 0;
}

static int
on_body(http_parser *p, const char *at, size_t n)
{
    struct ir_conn *c = p->data;

    if (c->too_large)
        return 0; /* read and drop, then answer 413 */
    if (ir_buf_add(&c->x->body, at, n) != IR_OK)
        c->too_large = true;
    return 0;
}

static int
on_message_complete(http_parser *p)
{
    /* Stop here: one request at a time. conn_parse sees HPE_PAUSED. */
    http_parser_pause(p, 1);
    return 0;
}
