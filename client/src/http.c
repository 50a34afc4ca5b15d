/* SPDX-License-Identifier: Apache-2.0
 * client/http.c - one blocking HTTP exchange with libcurl.
 */
#include "http.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct http_xfer {
    const struct irc_http_req *req;
    struct irc_http_resp *resp;
    CURL *h;
    bool started;            /* headers captured */
};

static size_t http_write(char *p, size_t size, size_t nmemb, void *arg);
static int http_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
                         curl_off_t ultotal, curl_off_t ulnow);
static void http_capture(struct http_xfer *x);
static char *http_header_dup(CURL *h, const char *name);
static long http_retry_after(CURL *h);
static bool http_setup(imagerouter_client *c, const struct irc_http_req *req,
                       struct http_xfer *x, struct curl_slist *headers);

void
irc_http_resp_init(struct irc_http_resp *r, size_t max_body)
{
    memset(r, 0, sizeof *r);
    irc_buf_init(&r->body, max_body);
    r->retry_after_ms = -1;
}

void
irc_http_resp_cleanup(struct irc_http_resp *r)
{
    irc_buf_cleanup(&r->body);
    free(r->generation_id);
    free(r->provider_name);
    r->generation_id = NULL;
    r->provider_name = NULL;
}

void
irc_http_resp_reset(struct irc_http_resp *r)
{
    size_t max = r->body.max;

    irc_http_resp_cleanup(r);
    irc_http_resp_init(r, max);
}

static bool
ct_is(const char *ct, const char *type)
{
    size_t n = strlen(type);

    while (*ct == ' ')
        ct++;
    return strncasecmp(ct, type, n) == 0 &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

bool
irc_http_is_json(const char *content_type)
{
    return content_type && ct_is(content_type, "application/json");
}

bool
irc_http_is_event_stream(const char *content_type)
{
    return content_type && ct_is(content_type, "text/event-stream");
}

static char *
http_header_dup(CURL *h, const char *name)
{
    struct curl_header *hd = NULL;

    if (curl_easy_header(h, name, 0, CURLH_HEADER, -1, &hd) != CURLHE_OK ||
        !hd || !hd->value || !*hd->value)
        return NULL;
    return strdup(hd->value);
}

/* Retry-After-Ms (ms), else Retry-After (seconds or an HTTP date). */
static long
http_retry_after(CURL *h)
{
    struct curl_header *hd = NULL;
    char *end;
    double v;
    time_t when;

    if (curl_easy_header(h, "Retry-After-Ms", 0, CURLH_HEADER, -1, &hd) ==
            CURLHE_OK && hd && hd->value) {
        v = strtod(hd->value, &end);
        if (end != hd->value && v >= 0 && v < 1e9)
            return (long)v;
    }
    hd = NULL;
    if (curl_easy_header(h, "Retry-After", 0, CURLH_HEADER, -1, &hd) !=
            CURLHE_OK || !hd || !hd->value)
        return -1;
    v = strtod(hd->value, &end);
    if (end != hd->value && v >= 0 && v < 1e6) {
        while (isspace((unsigned char)*end))
            end++;
        if (*end == '\0')
            return (long)(v * 1000);
    }
    when = curl_getdate(hd->value, NULL);
    if (when == (time_t)-1)
        return -1;
    when -= time(NULL);
    return when > 0 ? (long)when * 1000 : 0;
}

static void
http_capture(struct http_xfer *x)
{
    struct irc_http_resp *r = x->resp;
    char *ct = NULL;

    if (x->started)
        return;
    x->started = true;
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &r->status);
    if (curl_easy_getinfo(x->h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
        snprintf(r->content_type, sizeof(r->content_type), "%s", ct);
    r->generation_id = http_header_dup(x->h, "X-Generation-Id");
    r->provider_name = http_header_dup(x->h, "X-Provider-Name");
    r->retry_after_ms = http_retry_after(x->h);
    r->streamed = x->req->sink && r->status >= 200 && r->status < 300 &&
                  irc_http_is_event_stream(r->content_type);
}

static size_t
http_write(char *p, size_t size, size_t nmemb, void *arg)
{
    struct http_xfer *x = arg;
    struct irc_http_resp *r = x->resp;
    size_t n = size * nmemb;
    int rc;

    http_capture(x);
    r->bytes += n;
    if (r->streamed) {
        rc = x->req->sink(p, n, x->req->sink_arg);
        if (rc) {
            r->sink_code = rc;
            return 0;
        }
        return n;
    }
    if (!irc_buf_add(&r->body, p, n)) {
        r->too_big = true;
        return 0;
    }
    return n;
}

static int
http_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
              curl_off_t ultotal, curl_off_t ulnow)
{
    struct http_xfer *x = arg;

    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    if (x->req->xfer(x->resp->bytes, x->req->xfer_arg)) {
        x->resp->xfer_stopped = true;
        return 1;
    }
    return 0;
}

static bool
http_setup(imagerouter_client *c, const struct irc_http_req *req,
           struct http_xfer *x, struct curl_slist *headers)
{
    CURL *h = x->h;
    bool ok = true;

#define SET(opt, val) ok = ok && curl_easy_setopt(h, opt, val) == CURLE_OK
    SET(CURLOPT_URL, req->url);
    SET(CURLOPT_HTTPHEADER, headers);
    SET(CURLOPT_USERAGENT, c->user_agent);
    SET(CURLOPT_WRITEFUNCTION, http_write);
    SET(CURLOPT_WRITEDATA, x);
    SET(CURLOPT_ERRORBUFFER, x->resp->curl_error);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_ACCEPT_ENCODING, "");
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    if (req->timeout_ms > 0)
        SET(CURLOPT_TIMEOUT_MS, req->timeout_ms);
    if (c->connect_timeout_ms > 0)
        SET(CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    if (req->xfer) {
        SET(CURLOPT_XFERINFOFUNCTION, http_progress);
        SET(CURLOPT_XFERINFODATA, x);
        SET(CURLOPT_NOPROGRESS, 0L);
    }
    if (strcmp(req->method, "POST") == 0) {
        SET(CURLOPT_POST, 1L);
        SET(CURLOPT_POSTFIELDS, req->body);
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    } else {
        SET(CURLOPT_HTTPGET, 1L);
    }
#undef SET
    return ok;
}

bool
irc_http_perform(imagerouter_client *c, const struct irc_http_req *req,
                 struct irc_http_resp *resp)
{
    struct http_xfer x = {.req = req, .resp = resp};
    struct curl_slist *headers;
    CURLcode cc;

    headers = irc_client_headers(c, strcmp(req->method, "POST") == 0,
                                 req->accept_stream);
    if (!headers)
        return false;
    x.h = irc_client_take_handle(c);
    if (!x.h) {
        curl_slist_free_all(headers);
        return false;
    }
    if (!http_setup(c, req, &x, headers))
        cc = CURLE_FAILED_INIT;
    else
        cc = curl_easy_perform(x.h);
    resp->curl_code = (int)cc;
    if (!x.started) {
        long status = 0;

        /* A reply with an empty body never reached http_write. */
        curl_easy_getinfo(x.h, CURLINFO_RESPONSE_CODE, &status);
        if (status > 0)
            http_capture(&x);
    }
    /* The error buffer points into resp; detach before pooling. */
    curl_easy_setopt(x.h, CURLOPT_ERRORBUFFER, NULL);
    irc_client_give_handle(c, x.h);
    curl_slist_free_all(headers);
    return true;
}
