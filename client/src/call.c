/* SPDX-License-Identifier: Apache-2.0
 * client/call.c - the attempt loop: perform, classify, back off, repeat.
 */
#include "call.h"

#include <stdio.h>

#include "error.h"
#include "response.h"
#include "retry.h"

struct call_progress {
    struct irc_call *call;
    const imagerouter_retry_config *rc;
    int64_t start_ms;
    int attempt;
};

static int call_xfer(uint64_t bytes, void *arg);
static imagerouter_error *call_transport_error(const struct irc_http_resp *r,
                                               long timeout_ms);

static int
call_xfer(uint64_t bytes, void *arg)
{
    struct call_progress *cp = arg;
    const imagerouter_call_options *o = cp->call->opts;
    imagerouter_progress p;

    p.elapsed_ms = irc_retry_now(cp->rc) - cp->start_ms;
    p.attempt = cp->attempt;
    p.bytes_received = bytes;
    p.partial_images = cp->call->stream.partials
                           ? cp->call->stream.partials(cp->call->stream.arg)
                           : 0;
    return o->progress(&p, o->progress_arg);
}

static imagerouter_error *
call_transport_error(const struct irc_http_resp *r, long timeout_ms)
{
    if (r->too_big)
        return irc_error_new(IMAGEROUTER_ERR_DECODE, (int)r->status,
                             "reply body larger than %zu bytes", r->body.max);
    if (r->curl_code == CURLE_OPERATION_TIMEDOUT)
        return irc_error_new(IMAGEROUTER_ERR_CONNECTION, (int)r->status,
                             "request timed out after %ld ms", timeout_ms);
    return irc_error_new(IMAGEROUTER_ERR_CONNECTION, (int)r->status, "%s",
                         r->curl_error[0]
                             ? r->curl_error
                             : curl_easy_strerror((CURLcode)r->curl_code));
}

int
irc_call_run(struct irc_call *call, struct irc_http_resp *resp,
             int *attempts, imagerouter_error **err)
{
    const imagerouter_call_options *o = call->opts;
    const imagerouter_retry_config *rc =
        o && o->retry ? o->retry : &call->client->retry;
    long timeout = o && o->timeout_ms > 0 ? o->timeout_ms
                                          : call->client->timeout_ms;
    struct call_progress cp = {.call = call, .rc = rc};
    struct irc_http_req req = {
        .method = call->method,
        .url = call->url,
        .body = call->body,
        .body_len = call->body_len,
        .accept_stream = call->accept_stream,
        .timeout_ms = timeout,
        .sink = call->stream.sink,
        .sink_arg = call->stream.arg,
        .xfer = o && o->progress ? call_xfer : NULL,
        .xfer_arg = &cp,
    };
    struct irc_retry retry;
    imagerouter_error *e;
    bool retryable;
    long delay;

    irc_retry_begin(&retry, rc);
    cp.start_ms = retry.start_ms;
    *attempts = 0;
    for (;;) {
        irc_http_resp_reset(resp);
        if (call->stream.reset)
            call->stream.reset(call->stream.arg);
        cp.attempt = ++*attempts;
        if (!irc_http_perform(call->client, &req, resp))
            return irc_fail(err, IMAGEROUTER_ERR_NO_MEMORY, "out of memory");
        if (resp->sink_code)
            return resp->sink_code;
        if (resp->xfer_stopped) {
            e = irc_error_new(IMAGEROUTER_ERR_ABORTED, 0,
                              "aborted by the progress callback");
            if (e)
                e->attempts = *attempts;
            return irc_error_put(err, e);
        }
        if (resp->curl_code != CURLE_OK) {
            e = call_transport_error(resp, timeout);
            retryable = !resp->too_big && rc->retry_connection_errors &&
                        !(call->stream.delivered &&
                          call->stream.delivered(call->stream.arg));
        } else if (resp->status >= 200 && resp->status < 300) {
            return IMAGEROUTER_OK;
        } else {
            e = irc_response_error(resp);
            retryable = irc_retry_status_retryable(rc, (int)resp->status);
        }
        if (!e)
            return irc_fail(err, IMAGEROUTER_ERR_NO_MEMORY, "out of memory");
        e->attempts = *attempts;
        if (!irc_retry_next(&retry, retryable, resp->retry_after_ms, &delay))
            return irc_error_put(err, e);
        imagerouter_error_free(e);
        irc_retry_sleep(rc, delay);
    }
}
