/* SPDX-License-Identifier: Apache-2.0
 * server/exchange.c - the request accessors and response writers that
 * handlers use. Responses go straight into the connection's output
 * buffer; owned bodies are added by reference, not copied.
 */
#include "server/exchange.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "core/limits.h"
#include "server/conn.h"
#include "util/bigblock.h"
#include "util/mem.h"
#include "util/time.h"
#include "util/url.h"

static const char *
exchange_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 524: return "A Timeout Occurred";
    case 529: return "Provider Overloaded";
    default: return "Status";
    }
}

struct ir_exchange *
ir_server_exchange_new(struct ir_http_server *s)
{
    struct ir_exchange *x = ir_calloc(1, sizeof *x);

    if (x == NULL)
        return NULL;
    x->srv = s;
    ir_buf_init(&x->url, s->limits.max_headers);
    ir_buf_init(&x->body, s->limits.max_body);
    ir_buf_init(&x->resp_headers, IR_MAX_HEADERS);
    x->query = "";
    return x;
}

void
ir_server_exchange_free(struct ir_exchange *x)
{
    size_t i;

    if (x == NULL)
        return;
    for (i = 0; i < x->nheaders; i++) {
        ir_free(x->headers[i].name);
        ir_free(x->headers[i].value);
    }
    ir_free(x->headers);
    ir_free(x->path);
    ir_free(x->raw_path);
    ir_buf_cleanup(&x->url);
    ir_buf_cleanup(&x->body);
    ir_buf_cleanup(&x->resp_headers);
    ir_free(x);
}

void
ir_server_exchange_abort(struct ir_exchange *x)
{
    x->aborted = true;
    if (x->abort_cb != NULL) {
        ir_exchange_abort_cb *cb = x->abort_cb;

        x->abort_cb = NULL;
        cb(x, x->abort_arg);
    }
}

/* ---- accessors ---------------------------------------------------- */

const char *
ir_exchange_method(const struct ir_exchange *x)
{
    return x->method;
}

const char *
ir_exchange_path(const struct ir_exchange *x)
{
    return x->path ? x->path : "/";
}

const char *
ir_exchange_raw_path(const struct ir_exchange *x)
{
    return x->raw_path ? x->raw_path : "/";
}

const char *
ir_exchange_query_param(const struct ir_exchange *x, const char *name,
                        char *buf, size_t size)
{
    return ir_url_query_get(x->query, name, buf, size);
}

const char *
ir_exchange_header(const struct ir_exchange *x, const char *name)
{
    size_t i;

    for (i = 0; i < x->nheaders; i++)
        if (x->headers[i].name && strcasecmp(x->headers[i].name, name) == 0)
            return x->headers[i].value;
    return NULL;
}

const char *
ir_exchange_body(const struct ir_exchange *x, size_t *len)
{
    *len = x->body.len;
    return x->body.data ? x->body.data : "";
}

const char *
ir_exchange_peer(const struct ir_exchange *x)
{
    return x->conn ? ir_server_conn_peer(x->conn) : "-";
}

int64_t
ir_exchange_start_us(const struct ir_exchange *x)
{
    return x->start_us;
}

bool
ir_exchange_aborted(const struct ir_exchange *x)
{
    return x->aborted;
}

bool
ir_exchange_streaming(const struct ir_exchange *x)
{
    return x->streaming;
}

size_t
ir_exchange_pending_bytes(const struct ir_exchange *x)
{
    if (x->conn == NULL)
        return 0;
    return evbuffer_get_length(
        bufferevent_get_output(ir_server_conn_bev(x->conn)));
}

void
ir_exchange_on_abort(struct ir_exchange *x, ir_exchange_abort_cb *cb,
                     void *arg)
{
    x->abort_cb = cb;
    x->abort_arg = arg;
}

ir_err
ir_exchange_header_add(struct ir_exchange *x, const char *name,
                       const char *value)
{
    /* Refuse CR/LF: a header value from a provider must not split. */
    if (strpbrk(name, "\r\n:") != NULL || strpbrk(value, "\r\n") != NULL)
        return IR_EINVAL;
    return ir_buf_addf(&x->resp_headers, "%s: %s\r\n", name, value);
}

/* ---- responses ---------------------------------------------------- */

static void
exchange_finish(struct ir_exchange *x)
{
    struct ir_conn *c = x->conn;
    struct ir_http_server *s = x->srv;
    bool close_after = !x->keep_alive || x->http10 || x->aborted;

    if (x->prev != NULL)
        x->prev->next = x->next;
    else if (s->exchanges == x)
        s->exchanges = x->next;
    if (x->next != NULL)
        x->next->prev = x->prev;
    x->prev = x->next = NULL;
    if (s->ninflight > 0 && x->start_us != 0)
        s->ninflight--;
    ir_server_exchange_free(x);
    if (c != NULL)
        ir_server_conn_finished(c, close_after);
}

/* Writes the status line and headers. */
static void
exchange_head(struct ir_exchange *x, int status, const char *ctype,
              long long content_length)
{
    struct evbuffer *out;

    x->head_sent = true;
    if (x->conn == NULL)
        return;
    out = bufferevent_get_output(ir_server_conn_bev(x->conn));
    evbuffer_add_printf(out,
                        "HTTP/1.1 %d %s\r\n"
                        "Server: imagerouter\r\n"
                        "Access-Control-Allow-Origin: *\r\n"
                        "Access-Control-Expose-Headers: X-Generation-Id, "
                        "X-Provider-Name\r\n",
                        status, exchange_reason(status));
    if (ctype != NULL)
        evbuffer_add_printf(out, "Content-Type: %s\r\n", ctype);
    if (content_length >= 0)
        evbuffer_add_printf(out, "Content-Length: %lld\r\n", content_length);
    else if (!x->http10)
        evbuffer_add(out, "Transfer-Encoding: chunked\r\n", 28);
    if (!x->keep_alive || x->http10)
        evbuffer_add(out, "Connection: close\r\n", 19);
    if (x->resp_headers.len > 0)
        evbuffer_add(out, x->resp_headers.data, x->resp_headers.len);
    evbuffer_add(out, "\r\n", 2);
}

/* arg: the heap block the referenced bytes lie in. A big one (an image
 * answer) is kept for the next big answer. */
static void
exchange_free_ref(const void *data, size_t len, void *arg)
{
    (void)data;
    (void)len;
    ir_bigblock_put(arg);
}

void
ir_exchange_reply_owned(struct ir_exchange *x, int status, const char *ctype,
                        void *owned_body, size_t len)
{
    ir_exchange_reply_owned_at(x, status, ctype, owned_body, 0, len);
}

void
ir_exchange_reply_owned_at(struct ir_exchange *x, int status,
                           const char *ctype, void *block, size_t skip,
                           size_t len)
{
    struct evbuffer *out;

    if (x->conn != NULL && !x->head_sent) {
        ir_server_conn_reply_begin(x->conn);
        exchange_head(x, status, ctype, (long long)len);
        out = bufferevent_get_output(ir_server_conn_bev(x->conn));
        if (len > 0 && strcmp(x->method, "HEAD") != 0 &&
            evbuffer_add_reference(out, (char *)block + skip, len,
                                   exchange_free_ref, block) == 0)
            block = NULL; /* the buffer frees it once written */
    }
    ir_free(block);
    exchange_finish(x);
}

void
ir_exchange_reply(struct ir_exchange *x, int status, const char *ctype,
                  const void *body, size_t len)
{
    struct evbuffer *out;

    if (x->conn != NULL && !x->head_sent) {
        ir_server_conn_reply_begin(x->conn);
        exchange_head(x, status, ctype, (long long)len);
        out = bufferevent_get_output(ir_server_conn_bev(x->conn));
        if (len > 0 && strcmp(x->method, "HEAD") != 0)
            evbuffer_add(out, body, len);
    }
    exchange_finish(x);
}

void
ir_exchange_reply_error(struct ir_exchange *x, const struct ir_error *e)
{
    char *body = ir_error_to_json(e);
    char ra[32];

    if (e->retry_after_s > 0) {
        (void)snprintf(ra, sizeof ra, "%d", e->retry_after_s);
        if (ir_exchange_header_add(x, "Retry-After", ra) != IR_OK)
            ra[0] = '\0'; /* a hint only: the error still goes out */
    }
    if (body == NULL) {
        static const char fallback[] =
            "{\"error\":{\"code\":500,\"message\":\"Internal Server "
            "Error\"}}";

        ir_exchange_reply(x, 500, "application/json", fallback,
                          sizeof fallback - 1);
        return;
    }
    ir_exchange_reply_owned(x, e->status ? e->status : 500,
                            "application/json", body, strlen(body));
}

void
ir_exchange_stream_begin(struct ir_exchange *x, int status, const char *ctype)
{
    x->streaming = true;
    exchange_head(x, status, ctype, -1);
    if (x->conn != NULL)
        ir_server_conn_kick(x->conn);
}

static void
exchange_chunk(struct ir_exchange *x, const void *p, size_t n, void *owned)
{
    struct evbuffer *out;

    if (x->conn == NULL || n == 0) {
        ir_free(owned);
        return;
    }
    out = bufferevent_get_output(ir_server_conn_bev(x->conn));
    if (!x->http10)
        evbuffer_add_printf(out, "%zx\r\n", n);
    if (owned != NULL) {
        if (evbuffer_add_reference(out, p, n, exchange_free_ref, owned) !=
            0) {
            evbuffer_add(out, p, n);
            ir_free(owned);
        }
    } else {
        evbuffer_add(out, p, n);
    }
    if (!x->http10)
        evbuffer_add(out, "\r\n", 2);
    ir_server_conn_kick(x->conn);
}

void
ir_exchange_stream_write(struct ir_exchange *x, const void *p, size_t n)
{
    exchange_chunk(x, p, n, NULL);
}

void
ir_exchange_stream_write_owned(struct ir_exchange *x, void *owned, size_t n)
{
    exchange_chunk(x, owned, n, owned);
}

void
ir_exchange_stream_write_owned_at(struct ir_exchange *x, void *block,
                                  size_t skip, size_t n)
{
    exchange_chunk(x, (char *)block + skip, n, block);
}

void
ir_exchange_stream_end(struct ir_exchange *x)
{
    if (x->conn != NULL && !x->http10) {
        evbuffer_add(bufferevent_get_output(ir_server_conn_bev(x->conn)),
                     "0\r\n\r\n", 5);
        ir_server_conn_kick(x->conn);
    }
    if (x->http10)
        x->keep_alive = false; /* the close ends the body */
    exchange_finish(x);
}
