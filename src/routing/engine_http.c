/* SPDX-License-Identifier: Apache-2.0
 * routing/engine_http.c - runs one attempt against an HTTP provider:
 * build the request with the adapter, send it through upstream/, and
 * then, by the adapter's mode: parse the answer (sync), forward SSE
 * events (stream), or poll until ready and download the result (poll).
 * Parsing and normalizing happen on a worker: decoding megabytes of
 * base64 does not belong on the loop.
 */
#include "routing/job_internal.h"

#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "catalog/catalog.h"
#include "core/limits.h"
#include "image/base64.h"
#include "routing/normalize.h"
#include "routing/tokens.h"
#include "server/server.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/rand.h"
#include "util/time.h"
#include "util/workers.h"

#define HTTP_MAX_POLLS 600
#define HTTP_POLL_MIN_MS 250
#define HTTP_POLL_MAX_MS 5000
#define HTTP_OVERLOAD_RETRY_S 2
/* Answers up to this size are parsed on the loop (tens of us), larger
 * ones on a worker. */
#define HTTP_INLINE_MAX (64u * 1024)

static void http_send(struct ir_job *j, struct ir_http_req *owned,
                      bool stream);
static void http_done(struct ir_upstream_req *r, void *arg);
static void http_download_next(struct ir_job *j);
static void http_schedule_poll(struct ir_job *j);

static const char *
http_provider(const struct ir_job *j)
{
    return j->cur->ep->provider_name;
}

static int64_t
http_left_ms(const struct ir_job *j)
{
    int64_t left = j->deadline_ms - ir_time_mono_ms();

    return left > 0 ? left : 1;
}

void
ir_job_engine_http_cancel(struct ir_job *j)
{
    /* A worker may be parsing the answer held by ureq: then the job frees
     * it once the worker is done (job_free), not now. */
    if (j->ureq != NULL && j->phase != JOB_WORKER) {
        ir_upstream_req_free(j->ureq); /* closes the connection */
        j->ureq = NULL;
    }
    if (j->timer != NULL)
        evtimer_del(j->timer);
}

/* ---- streaming ------------------------------------------------------ */

static bool
http_sse_event(const char *event, const char *data, size_t len, void *arg)
{
    struct ir_job *j = arg;
    struct ir_stream_ev ev;
    struct ir_error e;

    memset(&ev, 0, sizeof ev);
    ir_error_init(&e);
    if (len == 6 && memcmp(data, "[DONE]", 6) == 0)
        return true;
    if (j->cur->ep->adapter->stream_event(&j->call, event, data, len, &ev,
                                          &e) != IR_OK ||
        ev.type == IR_STREAM_EV_ERROR) {
        ir_error_move(&j->aerr, &e);
        if (j->aerr.status == 0)
            ir_error_set(&j->aerr, 502, "%s: malformed stream event",
                         http_provider(j));
        ir_stream_ev_cleanup(&ev);
        return false;
    }
    switch (ev.type) {
    case IR_STREAM_EV_PARTIAL:
        ir_job_partial(j, ev.index, ev.b64, ev.b64 ? strlen(ev.b64) : 0);
        ev.b64 = NULL;
        break;
    case IR_STREAM_EV_COMPLETED:
        ir_free(j->completed_b64);
        j->completed_b64 = ev.b64;
        ev.b64 = NULL;
        j->stream_usage = ev.usage;
        j->stream_done = true;
        break;
    default:
        break;
    }
    ir_stream_ev_cleanup(&ev);
    ir_error_cleanup(&e);
    return true;
}

static bool
http_stream_data(struct ir_upstream_req *r, const char *p, size_t n,
                 void *arg)
{
    struct ir_job *j = arg;

    j->bytes_in += (int64_t)n;
    if (!ir_upstream_ok_status(r)) {
        /* An error answer: keep it whole for the adapter's parse. */
        return ir_buf_add(&j->stream->errbody, p, n) == IR_OK;
    }
    return ir_sse_feed(&j->stream->sse, p, n) == IR_OK;
}

/* ---- worker: parse + normalize ----------------------------------- */

static void
http_work(struct ir_work *w, void *arg)
{
    struct ir_job *j = arg;
    const struct ir_endpoint *ep = j->cur->ep;

    (void)w;
    if (j->parse_needed) {
        ir_err pe;

        j->parse_needed = false;
        pe = ep->adapter->parse(&j->call, ir_upstream_resp(j->ureq), &j->res,
                                &j->aerr);
        /* Images kept as base64 lie in the answer body: it becomes theirs
         * (instead of a copy of each), also after a failed parse, so that
         * nothing points into the body once the transfer is freed. */
        if (ir_gen_result_borrows(&j->res)) {
            size_t n;
            char *body = ir_upstream_take_body(j->ureq, &n);

            if (ir_gen_result_own_b64(&j->res, body, n) != IR_OK &&
                pe == IR_OK && j->aerr.status == 0) {
                ir_error_set(&j->aerr, 500, "out of memory");
                return;
            }
        }
        if (pe != IR_OK) {
            if (j->aerr.status == 0)
                ir_error_set(&j->aerr, 502, "%s: unreadable response",
                             ep->provider_name);
            return;
        }
        if (j->aerr.status != 0 || j->res.outcome == IR_PARSE_POLL)
            return;
        for (size_t i = 0; i < j->res.nimages; i++)
            if (j->res.images[i].bytes == NULL && j->res.images[i].url)
                return; /* the loop downloads, then comes back */
    }
    if (j->completed_b64 != NULL && j->res.nimages == 0) {
        struct ir_gen_image *im = &j->res.images[0];
        size_t n = strlen(j->completed_b64);

        if (ir_base64_canonical(j->completed_b64, n, &im->len) &&
            im->len > 0) {
            /* Sent on as it came unless normalize must transcode. */
            im->b64 = im->b64_buf = j->completed_b64;
            im->b64_len = n;
            j->completed_b64 = NULL;
        } else if (ir_base64_decode(j->completed_b64, n, &im->bytes,
                                    &im->len) != IR_OK) {
            ir_error_set(&j->aerr, 502, "%s: the streamed image is not "
                                        "valid base64", ep->provider_name);
            j->aerr.retryable = true;
            return;
        }
        j->res.nimages = 1;
        j->res.usage = j->stream_usage;
    }
    if (ir_routing_normalize(j->req, &j->call.geom, ep->provider_name,
                             &j->res, &j->aerr) != IR_OK &&
        j->aerr.status == 0)
        ir_error_set(&j->aerr, 502, "%s: unusable image", ep->provider_name);
}

static void
http_work_done(void *arg)
{
    struct ir_job *j = arg;
    size_t i;

    j->phase = JOB_IDLE;
    if (ir_job_reap_if_cancelled(j))
        return;
    if (j->aerr.status == 0 && j->res.outcome == IR_PARSE_POLL) {
        ir_upstream_req_free(j->ureq);
        j->ureq = NULL;
        http_schedule_poll(j);
        return;
    }
    /* The answer is parsed: its transfer can go (the URLs were copied). */
    ir_upstream_req_free(j->ureq);
    j->ureq = NULL;
    if (j->aerr.status == 0)
        for (i = 0; i < j->res.nimages; i++)
            if (j->res.images[i].bytes == NULL &&
                j->res.images[i].url != NULL) {
                j->download_next = i;
                http_download_next(j);
                return;
            }
    ir_job_attempt_end(j);
}

/* Whether the answer is small enough to parse and probe on the loop, in
 * microseconds: no transcode (that is libvips), and a body or streamed
 * image of at most HTTP_INLINE_MAX bytes. Saves two thread hops. */
static bool
http_inline_ok(const struct ir_job *j)
{
    enum ir_format want = j->req->output_format;
    size_t n = 0;

    if (want != IR_FORMAT_UNSET && want != IR_FORMAT_SVG)
        return false;
    if (j->parse_needed && j->ureq != NULL)
        n += ir_upstream_resp(j->ureq)->len;
    if (j->completed_b64 != NULL)
        n += strlen(j->completed_b64);
    for (size_t i = 0; i < j->res.nimages; i++)
        n += j->res.images[i].len + j->res.images[i].b64_len;
    return n <= HTTP_INLINE_MAX;
}

void
ir_job_finish_on_worker(struct ir_job *j)
{
    j->phase = JOB_WORKER;
    if (http_inline_ok(j)) {
        http_work(NULL, j);
        http_work_done(j);
        return;
    }
    if (ir_workers_submit(j->srv->workers, http_work, http_work_done, NULL,
                          j) != IR_OK) {
        j->phase = JOB_IDLE;
        ir_error_set(&j->aerr, 500, "out of memory");
        ir_job_attempt_end(j);
    }
}

/* ---- transport failures ------------------------------------------- */

/* The router itself ran out of descriptors or memory. Not the provider's
 * fault: no health penalty (ir_job_attempt_end skips it) and no fallback,
 * as every provider needs the same socket; the client may retry. */
static void
http_overloaded(struct ir_job *j, const char *why)
{
    ir_error_cleanup(&j->aerr);
    ir_error_set(&j->aerr, 503, "Router overloaded: %s; retry shortly",
                 why);
    ir_error_meta_str(&j->aerr, "error_type", "router_overloaded");
    ir_error_meta_str(&j->aerr, "reason", "local_resources");
    j->aerr.retry_after_s = HTTP_OVERLOAD_RETRY_S;
    j->aerr.retryable = false;
    j->local_failure = true;
}

static void
http_retry_cb(evutil_socket_t fd, short what, void *arg)
{
    struct ir_job *j = arg;

    (void)fd;
    (void)what;
    ir_job_engine_http(j);
}

/* A failure with no HTTP answer. Returns true when handled by a retry. */
static bool
http_transport_failure(struct ir_job *j, struct ir_upstream_req *r)
{
    enum ir_upstream_fail f = ir_upstream_failure(r);
    const char *msg = ir_upstream_errmsg(r);

    switch (f) {
    case IR_UPSTREAM_LOCAL:
        http_overloaded(j, msg);
        return false;
    case IR_UPSTREAM_CONNECT:
        /* Nothing was sent: one jittered retry on the same endpoint. */
        if (j->conn_retries == 0 && !j->partial_sent &&
            http_left_ms(j) > 1000) {
            struct timeval tv = {0, 100000 + (long)(ir_rand_unit() * 200000)};

            j->conn_retries++;
            if (j->timer == NULL)
                j->timer = evtimer_new(j->srv->base, http_retry_cb, j);
            else
                event_assign(j->timer, j->srv->base, -1, 0, http_retry_cb, j);
            if (j->timer != NULL) {
                j->phase = JOB_POLL_WAIT;
                evtimer_add(j->timer, &tv);
                return true;
            }
        }
        ir_error_set(&j->aerr, 502, "%s: cannot connect: %s",
                     http_provider(j), msg);
        ir_error_meta_str(&j->aerr, "error_type", "provider_unavailable");
        break;
    case IR_UPSTREAM_TIMEOUT:
        ir_error_set(&j->aerr, 524, "%s: timed out: %s", http_provider(j),
                     msg);
        ir_error_meta_str(&j->aerr, "error_type", "timeout");
        break;
    case IR_UPSTREAM_TOO_BIG:
        ir_error_set(&j->aerr, 502, "%s: response over the size limit",
                     http_provider(j));
        break;
    case IR_UPSTREAM_BLOCKED:
        ir_error_set(&j->aerr, 502, "%s: address refused by the SSRF guard",
                     http_provider(j));
        break;
    default:
        ir_error_set(&j->aerr, 502, "%s: %s", http_provider(j), msg);
        break;
    }
    ir_error_meta_str(&j->aerr, "provider_name", http_provider(j));
    j->aerr.retryable = true;
    return false;
}

/* ---- sync and stream ------------------------------------------------ */

static void
http_done(struct ir_upstream_req *r, void *arg)
{
    struct ir_job *j = arg;
    const struct ir_http_resp *resp = ir_upstream_resp(r);
    enum ir_upstream_fail f = ir_upstream_failure(r);

    j->phase = JOB_IDLE;
    if (j->call.stream && j->sse_ready && f != IR_UPSTREAM_ABORTED &&
        ir_upstream_ok_status(r) && ir_sse_finish(&j->stream->sse) != IR_OK &&
        j->aerr.status == 0)
        ir_error_set(&j->aerr, 502, "%s: malformed end of stream",
                     http_provider(j));
    if (f == IR_UPSTREAM_ABORTED && j->aerr.status != 0) {
        /* The stream carried an error event; aerr holds it. */
        ir_upstream_req_free(r);
        j->ureq = NULL;
        ir_job_attempt_end(j);
        return;
    }
    if (resp->status == 0 || (f != IR_UPSTREAM_OK &&
                              f != IR_UPSTREAM_TRUNCATED)) {
        bool retried = http_transport_failure(j, r);

        ir_upstream_req_free(r);
        j->ureq = NULL;
        if (!retried)
            ir_job_attempt_end(j);
        return;
    }
    j->bytes_in += (int64_t)resp->len;
    if (j->call.stream && ir_upstream_ok_status(r)) {
        if (!j->stream_done) {
            ir_error_set(&j->aerr, 502, "%s: the stream ended before the "
                                        "image was complete",
                         http_provider(j));
            j->aerr.retryable = true;
            ir_upstream_req_free(r);
            j->ureq = NULL;
            ir_job_attempt_end(j);
            return;
        }
        j->parse_needed = false;
    } else {
        if (j->call.stream)
            ir_upstream_set_body(r, &j->stream->errbody);
        j->parse_needed = true;
    }
    ir_job_finish_on_worker(j);
}

static void
http_send(struct ir_job *j, struct ir_http_req *owned, bool stream)
{
    struct ir_upstream_opts o = {0};
    const struct ir_config *cfg = &j->srv->cfg;

    o.connect_timeout_ms = cfg->connect_timeout_s * 1000;
    o.first_byte_timeout_ms = cfg->first_byte_timeout_s * 1000;
    o.total_timeout_ms = (int)http_left_ms(j);
    o.max_body = IR_MAX_UPSTREAM_BODY;
    j->phase = JOB_UPSTREAM;
    if (ir_upstream_send(j->srv->upstream, owned, &o,
                         stream ? http_stream_data : NULL, http_done, j,
                         &j->ureq) != IR_OK) {
        j->phase = JOB_IDLE;
        http_overloaded(j, "out of memory");
        ir_job_attempt_end(j);
    }
}

/* ---- OAuth token step ---------------------------------------------- */

static void
http_auth_done(struct ir_upstream_req *r, void *arg)
{
    struct ir_job *j = arg;
    const struct ir_endpoint *ep = j->cur->ep;
    char *token = NULL;
    long long expires_in = 0;

    j->phase = JOB_IDLE;
    j->ureq = NULL;
    if (ir_upstream_failure(r) != IR_UPSTREAM_OK) {
        if (!http_transport_failure(j, r)) {
            ir_upstream_req_free(r);
            ir_job_attempt_end(j);
        } else {
            ir_upstream_req_free(r);
        }
        return;
    }
    if (ep->adapter->auth_parse(ir_upstream_resp(r), &token, &expires_in,
                                &j->aerr) != IR_OK) {
        ir_upstream_req_free(r);
        if (j->aerr.status == 0)
            ir_error_set(&j->aerr, 502, "%s: token exchange failed",
                         http_provider(j));
        j->aerr.retryable = true;
        ir_job_attempt_end(j);
        return;
    }
    ir_upstream_req_free(r);
    /* Renew a minute early so no request carries a dying token. */
    if (expires_in > 120)
        expires_in -= 60;
    if (ir_routing_tokens_put(j->srv->tokens, ep->credentials, token,
                              ir_time_mono_ms() + expires_in * 1000) !=
        IR_OK) {
        ir_error_set(&j->aerr, 500, "out of memory");
        ir_job_attempt_end(j);
        return;
    }
    ir_job_engine_http(j);
}

/* True when the attempt must first get a token (then it is under way). */
static bool
http_need_token(struct ir_job *j)
{
    const struct ir_endpoint *ep = j->cur->ep;
    struct ir_upstream_opts o = {0};
    struct ir_http_req hr;
    const char *tok;

    if (ep->api_key != NULL || ep->credentials == NULL ||
        ep->adapter->auth_build == NULL)
        return false;
    tok = ir_routing_tokens_get(j->srv->tokens, ep->credentials,
                                ir_time_mono_ms());
    if (tok != NULL) {
        j->call.access_token = tok;
        return false;
    }
    memset(&hr, 0, sizeof hr);
    if (ep->adapter->auth_build(ep->credentials, ep->credentials_len,
                                ir_time_unix(), &hr, &j->aerr) != IR_OK) {
        ir_http_req_cleanup(&hr);
        ir_job_attempt_end(j);
        return true;
    }
    o.connect_timeout_ms = j->srv->cfg.connect_timeout_s * 1000;
    o.total_timeout_ms = 30000;
    j->phase = JOB_UPSTREAM;
    if (ir_upstream_send(j->srv->upstream, &hr, &o, NULL, http_auth_done, j,
                         &j->ureq) != IR_OK) {
        j->phase = JOB_IDLE;
        http_overloaded(j, "out of memory");
        ir_job_attempt_end(j);
    }
    return true;
}

void
ir_job_engine_http(struct ir_job *j)
{
    struct ir_http_req hr;
    const struct ir_provider *ad = j->cur->ep->adapter;

    if (http_need_token(j))
        return;
    memset(&hr, 0, sizeof hr);
    if (ad->build(&j->call, &hr, &j->aerr) != IR_OK) {
        ir_http_req_cleanup(&hr);
        if (j->aerr.status == 0)
            ir_error_set(&j->aerr, 500, "building the %s request failed",
                         http_provider(j));
        ir_job_attempt_end(j);
        return;
    }
    if (j->call.stream) {
        if (ir_job_stream_get(j) == NULL) {
            ir_http_req_cleanup(&hr);
            http_overloaded(j, "out of memory");
            ir_job_attempt_end(j);
            return;
        }
        if (j->sse_ready)
            ir_sse_cleanup(&j->stream->sse);
        ir_sse_init(&j->stream->sse, IR_MAX_UPSTREAM_BODY, http_sse_event,
                    j);
        j->sse_ready = true;
        ir_buf_reset(&j->stream->errbody);
    }
    http_send(j, &hr, j->call.stream);
}

/* ---- polling -------------------------------------------------------- */

static void
http_poll_cb(evutil_socket_t fd, short what, void *arg)
{
    struct ir_job *j = arg;
    struct ir_http_req hr;
    const char *url;

    (void)fd;
    (void)what;
    j->phase = JOB_IDLE;
    if (ir_job_reap_if_cancelled(j))
        return;
    memset(&hr, 0, sizeof hr);
    /* A new URL replaces the one being polled; none means poll the same
     * URL again (BFL's polling_url is used exactly as returned). */
    if (j->res.poll_url != NULL) {
        ir_free(j->poll_url);
        j->poll_url = j->res.poll_url;
        j->res.poll_url = NULL;
    }
    url = j->poll_url;
    if (url == NULL || j->cur->ep->adapter->poll_build(&j->call, url, &hr,
                                                       &j->aerr) != IR_OK) {
        ir_http_req_cleanup(&hr);
        if (j->aerr.status == 0)
            ir_error_set(&j->aerr, 502, "%s: no URL to poll",
                         http_provider(j));
        j->aerr.retryable = true;
        ir_job_attempt_end(j);
        return;
    }
    ir_gen_result_cleanup(&j->res);
    http_send(j, &hr, false);
}

static void
http_schedule_poll(struct ir_job *j)
{
    struct timeval tv;
    int ms = j->res.poll_after_ms;

    if (++j->polls > HTTP_MAX_POLLS) {
        ir_error_set(&j->aerr, 524, "%s: still not ready after %d polls",
                     http_provider(j), HTTP_MAX_POLLS);
        j->aerr.retryable = true;
        ir_job_attempt_end(j);
        return;
    }
    /* Back off: the adapter's hint, growing by half each poll. */
    if (ms <= 0)
        ms = HTTP_POLL_MIN_MS;
    for (int i = 1; i < j->polls && ms < HTTP_POLL_MAX_MS; i++)
        ms += ms / 2;
    if (ms > HTTP_POLL_MAX_MS)
        ms = HTTP_POLL_MAX_MS;
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    if (j->timer == NULL)
        j->timer = evtimer_new(j->srv->base, http_poll_cb, j);
    else
        event_assign(j->timer, j->srv->base, -1, 0, http_poll_cb, j);
    if (j->timer == NULL) {
        ir_error_set(&j->aerr, 500, "out of memory");
        ir_job_attempt_end(j);
        return;
    }
    j->phase = JOB_POLL_WAIT;
    evtimer_add(j->timer, &tv);
}

/* ---- result download ----------------------------------------------- */

static void
http_download_done(struct ir_upstream_req *r, void *arg)
{
    struct ir_job *j = arg;
    const struct ir_http_resp *resp = ir_upstream_resp(r);
    struct ir_gen_image *im = &j->res.images[j->download_next];

    j->phase = JOB_IDLE;
    if (ir_upstream_failure(r) != IR_UPSTREAM_OK || resp->status != 200) {
        if (resp->status != 0)
            ir_error_set(&j->aerr, 502, "%s: downloading the result "
                                        "failed with HTTP %d",
                         http_provider(j), resp->status);
        else
            (void)http_transport_failure(j, r);
        j->aerr.retryable = !j->local_failure;
        ir_upstream_req_free(r);
        j->ureq = NULL;
        ir_job_attempt_end(j);
        return;
    }
    j->bytes_in += (int64_t)resp->len;
    im->bytes = (unsigned char *)ir_upstream_take_body(r, &im->len);
    ir_upstream_req_free(r);
    j->ureq = NULL;
    j->download_next++;
    http_download_next(j);
}

static void
http_download_next(struct ir_job *j)
{
    struct ir_upstream_opts o = {0};
    struct ir_http_req hr;
    struct ir_gen_image *im;

    while (j->download_next < j->res.nimages &&
           (j->res.images[j->download_next].bytes != NULL ||
            j->res.images[j->download_next].url == NULL))
        j->download_next++;
    if (j->download_next >= j->res.nimages) {
        j->parse_needed = false;
        ir_job_finish_on_worker(j);
        return;
    }
    im = &j->res.images[j->download_next];
    memset(&hr, 0, sizeof hr);
    (void)snprintf(hr.method, sizeof hr.method, "GET");
    hr.url = ir_strdup(im->url);
    if (hr.url == NULL) {
        ir_error_set(&j->aerr, 500, "out of memory");
        ir_job_attempt_end(j);
        return;
    }
    o.connect_timeout_ms = j->srv->cfg.connect_timeout_s * 1000;
    o.first_byte_timeout_ms = j->srv->cfg.first_byte_timeout_s * 1000;
    o.total_timeout_ms = (int)http_left_ms(j);
    o.max_body = IR_MAX_UPSTREAM_BODY;
    j->phase = JOB_UPSTREAM;
    if (ir_upstream_send(j->srv->upstream, &hr, &o, NULL, http_download_done,
                         j, &j->ureq) != IR_OK) {
        j->phase = JOB_IDLE;
        http_overloaded(j, "out of memory");
        ir_job_attempt_end(j);
    }
}
