/* SPDX-License-Identifier: Apache-2.0
 * client/sse.h - incremental text/event-stream parser. Bytes go in in any
 * chunking (one at a time works); each complete event comes out through a
 * callback. Lines end with \n, \r\n or \r; a blank line ends an event;
 * ':' lines are comments; data lines are joined with \n.
 */
#ifndef IRC_SSE_H
#define IRC_SSE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* One event: `event` is the event: field ("" when none), data is
 * NUL-terminated. Return nonzero to stop parsing. */
typedef int irc_sse_event_cb(const char *event, const char *data,
                             size_t len, void *arg);

enum irc_sse_status {
    IRC_SSE_OK = 0,
    IRC_SSE_STOPPED = 1,   /* the callback returned nonzero */
    IRC_SSE_TOO_BIG = -1,  /* a line or event over the ceiling, or OOM */
};

struct irc_sse {
    struct irc_buf line;
    struct irc_buf data;
    char event[64];
    bool has_data;     /* a data: line was seen in this event */
    bool after_cr;     /* the last byte was \r: a following \n is eaten */
    bool stopped;
    irc_sse_event_cb *cb;
    void *arg;
};

void irc_sse_init(struct irc_sse *p, size_t max_event, irc_sse_event_cb *cb,
                  void *arg);
void irc_sse_cleanup(struct irc_sse *p);
/* Forget any half-read event (before a retry). */
void irc_sse_reset(struct irc_sse *p);
enum irc_sse_status irc_sse_feed(struct irc_sse *p, const char *buf,
                                 size_t len);
/* End of input: a last event not followed by a blank line is still
 * delivered. */
enum irc_sse_status irc_sse_finish(struct irc_sse *p);

#endif
