/* SPDX-License-Identifier: Apache-2.0
 * upstream/sse.c - incremental text/event-stream parser (WHATWG rules:
 * CR, LF or CRLF line ends; ':' comments; "data" lines joined by '\n';
 * a blank line dispatches).
 */
#include "upstream/sse.h"

#include <stdio.h>
#include <string.h>

void
ir_sse_init(struct ir_sse *p, size_t max_event, ir_sse_event_cb *cb,
            void *arg)
{
    memset(p, 0, sizeof *p);
    ir_buf_init(&p->line, max_event);
    ir_buf_init(&p->data, max_event);
    p->cb = cb;
    p->arg = arg;
}

void
ir_sse_cleanup(struct ir_sse *p)
{
    ir_buf_cleanup(&p->line);
    ir_buf_cleanup(&p->data);
}

static ir_err
sse_dispatch(struct ir_sse *p)
{
    bool go = true;

    if (p->has_data)
        go = p->cb(p->event, p->data.data ? p->data.data : "", p->data.len,
                   p->arg);
    ir_buf_reset(&p->data);
    p->event[0] = '\0';
    p->has_data = false;
    return go ? IR_OK : IR_ECANCELLED;
}

static ir_err
sse_line(struct ir_sse *p, const char *s, size_t n)
{
    const char *colon, *v;
    size_t flen, vlen;
    ir_err err;

    if (n == 0)
        return sse_dispatch(p);
    if (s[0] == ':')
        return IR_OK; /* comment / keep-alive */
    colon = memchr(s, ':', n);
    flen = colon ? (size_t)(colon - s) : n;
    v = colon ? colon + 1 : s + n;
    vlen = colon ? n - flen - 1 : 0;
    if (vlen > 0 && v[0] == ' ')
        v++, vlen--;
    if (flen == 4 && memcmp(s, "data", 4) == 0) {
        if (p->has_data && (err = ir_buf_addc(&p->data, '\n')) != IR_OK)
            return err;
        if ((err = ir_buf_add(&p->data, v, vlen)) != IR_OK)
            return err;
        p->has_data = true;
    } else if (flen == 5 && memcmp(s, "event", 5) == 0) {
        (void)snprintf(p->event, sizeof p->event, "%.*s", (int)vlen, v);
    }
    return IR_OK; /* id, retry and unknown fields: ignored */
}

ir_err
ir_sse_feed(struct ir_sse *p, const char *buf, size_t n)
{
    size_t i, start = 0;
    ir_err err;

    for (i = 0; i < n; i++) {
        char c = buf[i];

        if (c == '\n' && p->skip_lf) {
            p->skip_lf = false;
            start = i + 1;
            continue;
        }
        p->skip_lf = false;
        if (c != '\n' && c != '\r')
            continue;
        if (p->line.len > 0) {
            if ((err = ir_buf_add(&p->line, buf + start, i - start)))
                return err;
            err = sse_line(p, p->line.data, p->line.len);
            ir_buf_reset(&p->line);
        } else {
            err = sse_line(p, buf + start, i - start);
        }
        if (err != IR_OK)
            return err;
        p->skip_lf = c == '\r';
        start = i + 1;
    }
    if (start < n)
        return ir_buf_add(&p->line, buf + start, n - start);
    return IR_OK;
}

ir_err
ir_sse_finish(struct ir_sse *p)
{
    ir_err err;

    if (p->line.len > 0) {
        err = sse_line(p, p->line.data, p->line.len);
        ir_buf_reset(&p->line);
        if (err != IR_OK)
            return err;
    }
    return sse_dispatch(p);
}
