/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/reply.c - answer a provider request: at once, or as timed
 * segments (SSE frames, a slow drip, a body cut off half way), and clean up
 * when the client goes away first.
 */
#include "emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "jsondump.h"
#include "reqlog.h"

static const char *reply_reason(int status);
static void reply_extra_headers(struct emu_ctx *c);
static bool reply_add_seg(struct emu_ctx *c, const char *data, size_t len,
                          int delay_ms);
static void reply_play(struct emu_ctx *c);
static void reply_timer_cb(evutil_socket_t fd, short what, void *arg);
static void reply_cut_cb(struct evhttp_connection *evcon, void *arg);
static void reply_finish(struct emu_ctx *c);

static const char *
reply_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
    }
}

void
emu_header(struct emu_ctx *c, const char *name, const char *value)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(c->req);

    evhttp_remove_header(h, name);
    evhttp_add_header(h, name, value);
}

/* Scripted "headers": {...} are added to whatever reply goes out. */
static void
reply_extra_headers(struct emu_ctx *c)
{
    json_t *hs = json_object_get(c->action, "headers");   /* borrowed */
    const char *k;
    json_t *v;                                            /* borrowed */
    long ra = emu_action_int(c, "retry_after", -1);
    char num[32];

    if (ra >= 0) {
        snprintf(num, sizeof(num), "%ld", ra);
        emu_header(c, "Retry-After", num);
    }
    json_object_foreach(hs, k, v) {
        if (json_is_string(v))
            emu_header(c, k, json_string_value(v));
    }
}

static bool
reply_add_seg(struct emu_ctx *c, const char *data, size_t len, int delay_ms)
{
    struct emu_segment *ns;

    if (c->nsegs >= EMU_MAX_SEGMENTS)
        return false;
    ns = realloc(c->segs, (c->nsegs + 1) * sizeof *ns);
    if (ns == NULL)
        return false;
    c->segs = ns;
    ns = &c->segs[c->nsegs];
    ns->data = malloc(len ? len : 1);
    if (ns->data == NULL)
        return false;
    memcpy(ns->data, data, len);
    ns->len = len;
    ns->delay_ms = delay_ms;
    c->nsegs++;
    return true;
}

void
emu_reply(struct emu_ctx *c, int status, const char *ctype,
          const void *body, size_t len)
{
    struct evkeyvalq *oh = evhttp_request_get_output_headers(c->req);
    long drip = emu_action_int(c, "drip_ms", 0);
    bool cut = emu_action_bool(c, "truncate");
    char num[32];

    c->status = status;
    emu_log_done(c, status);
    if (ctype != NULL && evhttp_find_header(oh, "Content-Type") == NULL)
        evhttp_add_header(oh, "Content-Type", ctype);
    reply_extra_headers(c);
    if (!cut && drip <= 0) {
        struct evhttp_request *req = c->req;
        struct evbuffer *b = evbuffer_new();
        evbuffer_add(b, body, len);
        c->sent = len;
        emu_ctx_free(c);
        evhttp_send_reply(req, status, reply_reason(status), b);
        evbuffer_free(b);
        return;
    }
    snprintf(num, sizeof(num), "%zu", len);
    emu_header(c, "Content-Length", num);
    if (drip > 0) {
        size_t piece = (size_t)emu_action_int(c, "drip_bytes", 0), off;
        if (piece == 0)
            piece = len / 10 > 256 ? len / 10 : 256;
        for (off = 0; off < len; off += piece) {
            size_t n = len - off < piece ? len - off : piece;
            reply_add_seg(c, (const char *)body + off, n,
                          off ? (int)drip : 0);
        }
    } else {
        reply_add_seg(c, body, len, 0);
    }
    if (cut) {
        c->trunc_at = len / 2 ? len / 2 : 1;
        emu_header(c, "Connection", "close");
    }
    reply_play(c);
}

void
emu_reply_json(struct emu_ctx *c, int status, json_t *owned)
{
    char *s = emu_json_dump(owned);

    json_decref(owned);
    emu_reply(c, status, "application/json", s ? s : "{}",
              s ? strlen(s) : 2);
    free(s);
}

void
emu_reply_text(struct emu_ctx *c, int status, const char *ctype,
               const char *text)
{
    emu_reply(c, status, ctype, text, strlen(text));
}

void
emu_sse_raw(struct emu_ctx *c, int delay_ms, const char *text)
{
    reply_add_seg(c, text, strlen(text), delay_ms);
}

void
emu_sse_frame(struct emu_ctx *c, int delay_ms, const char *event,
              json_t *data)
{
    char *js = emu_json_dump(data);
    char *frame = NULL;
    int n;

    if (js == NULL)
        return;
    if (event != NULL)
        n = asprintf(&frame, "event: %s\ndata: %s\n\n", event, js);
    else
        n = asprintf(&frame, "data: %s\n\n", js);
    free(js);
    if (n < 0)
        return;
    reply_add_seg(c, frame, (size_t)n, delay_ms);
    free(frame);
}

void
emu_sse_send(struct emu_ctx *c)
{
    size_t total = 0, i;

    c->status = 200;
    c->chunked = true;
    emu_log_done(c, 200);
    emu_header(c, "Content-Type", "text/event-stream; charset=utf-8");
    emu_header(c, "Cache-Control", "no-cache");
    reply_extra_headers(c);
    if (emu_action_bool(c, "truncate")) {
        for (i = 0; i < c->nsegs; i++) {
            total += c->segs[i].len;
        }
        c->trunc_at = total / 2 ? total / 2 : 1;
    }
    reply_play(c);
}

static void
reply_play(struct emu_ctx *c)
{
    if (!c->started) {
        c->started = true;
        evhttp_send_reply_start(c->req, c->status, reply_reason(c->status));
    }
    while (c->cur < c->nsegs) {
        struct emu_segment *s = &c->segs[c->cur];
        struct evbuffer *b;
        size_t n = s->len;
        if (s->delay_ms > 0) {
            struct timeval tv = { s->delay_ms / 1000,
                                  (s->delay_ms % 1000) * 1000 };
            s->delay_ms = 0;
            if (c->timer == NULL)
                c->timer = evtimer_new(c->emu->base, reply_timer_cb, c);
            evtimer_add(c->timer, &tv);
            return;
        }
        if (c->trunc_at && c->sent + n >= c->trunc_at)
            n = c->trunc_at - c->sent;
        b = evbuffer_new();
        evbuffer_add(b, s->data, n);
        c->sent += n;
        if (c->trunc_at && c->sent >= c->trunc_at) {
            /* Close once these bytes are on the wire. */
            evhttp_send_reply_chunk_with_cb(c->req, b, reply_cut_cb, c);
            evbuffer_free(b);
            return;
        }
        evhttp_send_reply_chunk(c->req, b);
        evbuffer_free(b);
        c->cur++;
    }
    reply_finish(c);
}

static void
reply_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    reply_play(arg);
}

static void
reply_cut_cb(struct evhttp_connection *evcon, void *arg)
{
    struct emu_ctx *c = arg;

    /* The request is still on the connection: freeing it frees both. */
    emu_ctx_free(c);
    evhttp_connection_free(evcon);
}

static void
reply_finish(struct emu_ctx *c)
{
    struct evhttp_request *req = c->req;

    emu_ctx_free(c);
    evhttp_send_reply_end(req);
}

void
emu_ctx_abort(struct emu_ctx *c)
{
    struct evhttp_request *req = c->req;
    bool detached = evhttp_request_get_connection(req) == NULL;

    emu_log_abort(c->emu->log, c);
    emu_ctx_free(c);
    /* On EOF evhttp hands an unanswered request back to us. */
    if (detached)
        evhttp_request_free(req);
}

void
emu_ctx_free(struct emu_ctx *c)
{
    size_t i;

    if (c == NULL)
        return;
    if (c->conn != NULL && c->conn->active == c)
        c->conn->active = NULL;
    if (c->timer != NULL)
        event_free(c->timer);
    if (c->watch != NULL)
        event_free(c->watch);
    for (i = 0; i < c->nsegs; i++) {
        free(c->segs[i].data);
    }
    free(c->segs);
    free(c->prefix);
    free(c->path);
    free(c->query);
    free(c->body);
    free(c->content_type);
    json_decref(c->json);
    json_decref(c->action);
    json_decref(c->entry);
    c->emu->in_flight--;
    free(c);
}
