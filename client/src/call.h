/* SPDX-License-Identifier: Apache-2.0
 * client/call.h - one API call: attempts over irc_http_perform with the
 * retry policy, progress reporting, and the HTTP failure turned into an
 * imagerouter_error.
 */
#ifndef IRC_CALL_H
#define IRC_CALL_H

#include "http.h"

/* Hooks of a streaming call, all optional. */
struct irc_call_stream {
    irc_http_sink_cb *sink;
    void *arg;
    /* Before every attempt: forget what the last one parsed. */
    void (*reset)(void *arg);
    /* Has the caller been handed anything (then no retry)? */
    bool (*delivered)(void *arg);
    /* Partial images so far, for progress. */
    int (*partials)(void *arg);
};

struct irc_call {
    imagerouter_client *client;
    const imagerouter_call_options *opts;   /* may be NULL */
    const char *method;
    const char *url;
    const char *body;
    size_t body_len;
    bool accept_stream;
    struct irc_call_stream stream;
};

/* Runs the call until a 2xx reply, a failure that is not retried, or the
 * retry budget is spent. IMAGEROUTER_OK: resp holds the 2xx reply. A code
 * from the stream sink is returned as is, with *err untouched (the sink's
 * owner describes it). Any other failure fills *err. *attempts is set in
 * every case. */
int irc_call_run(struct irc_call *call, struct irc_http_resp *resp,
                 int *attempts, imagerouter_error **err);

#endif
