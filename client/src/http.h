/* SPDX-License-Identifier: Apache-2.0
 * client/http.h - one HTTP exchange over a pooled curl easy handle: send,
 * capture status and headers, buffer the body or hand an event stream to a
 * sink as it arrives.
 */
#ifndef IRC_HTTP_H
#define IRC_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "client.h"

/* Takes body bytes of a 2xx text/event-stream reply; nonzero stops the
 * transfer and is kept in resp->sink_code. */
typedef int irc_http_sink_cb(const char *p, size_t n, void *arg);
/* Called by curl's progress hook; nonzero aborts the transfer. */
typedef int irc_http_xfer_cb(uint64_t bytes, void *arg);

struct irc_http_req {
    const char *method;      /* "GET" or "POST" */
    const char *url;
    const char *body;        /* POST only */
    size_t body_len;
    bool accept_stream;      /* Accept: text/event-stream */
    long timeout_ms;         /* 0: none */
    irc_http_sink_cb *sink;  /* NULL: always buffer */
    void *sink_arg;
    irc_http_xfer_cb *xfer;  /* may be NULL */
    void *xfer_arg;
};

struct irc_http_resp {
    long status;             /* 0: no reply */
    char content_type[128];
    char *generation_id;     /* X-Generation-Id or NULL */
    char *provider_name;     /* X-Provider-Name or NULL */
    long retry_after_ms;     /* Retry-After-Ms / Retry-After; -1: none */
    struct irc_buf body;     /* when not streamed */
    bool streamed;           /* the body went to the sink */
    int sink_code;           /* nonzero: the sink stopped the transfer */
    bool xfer_stopped;       /* the progress hook stopped it */
    bool too_big;            /* body over the ceiling */
    int curl_code;           /* CURLcode */
    char curl_error[CURL_ERROR_SIZE];
    uint64_t bytes;
};

void irc_http_resp_init(struct irc_http_resp *r, size_t max_body);
void irc_http_resp_cleanup(struct irc_http_resp *r);
/* Empties r for another attempt (keeps the ceiling). */
void irc_http_resp_reset(struct irc_http_resp *r);
/* false only when no easy handle or header list could be made (OOM). */
bool irc_http_perform(imagerouter_client *c, const struct irc_http_req *req,
                      struct irc_http_resp *resp);
bool irc_http_is_json(const char *content_type);
bool irc_http_is_event_stream(const char *content_type);

#endif
