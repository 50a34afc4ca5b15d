/* SPDX-License-Identifier: Apache-2.0
 * upstream/sse.h - incremental text/event-stream parser: feed bytes as
 * they arrive in any chunking; each complete event (blank-line framed)
 * is handed to the callback with its event name and joined data lines.
 */
#ifndef IR_UPSTREAM_SSE_H
#define IR_UPSTREAM_SSE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

/* Return false to stop parsing (ir_sse_feed then returns IR_ECANCELLED). */
typedef bool ir_sse_event_cb(const char *event, const char *data,
                             size_t len, void *arg);

struct ir_sse {
    struct ir_buf line;   /* the current, unfinished line */
    struct ir_buf data;   /* data lines of the current event */
    char event[64];
    bool has_data;
    bool skip_lf;         /* last byte was CR: a following LF is the pair */
    ir_sse_event_cb *cb;
    void *arg;
};

void ir_sse_init(struct ir_sse *p, size_t max_event, ir_sse_event_cb *cb,
                 void *arg);
void ir_sse_cleanup(struct ir_sse *p);
ir_err ir_sse_feed(struct ir_sse *p, const char *buf, size_t n)
    IR_MUST_CHECK;
/* At end of stream: an event without its blank line still counts. */
ir_err ir_sse_finish(struct ir_sse *p) IR_MUST_CHECK;

#endif
