/* SPDX-License-Identifier: Apache-2.0
 * client/sse.c - incremental SSE parser (WHATWG framing, as read by
 * @openrouter/sdk's event-streams.js).
 */
#include "sse.h"

#include <string.h>

static enum irc_sse_status sse_line(struct irc_sse *p);
static enum irc_sse_status sse_dispatch(struct irc_sse *p);

void
irc_sse_init(struct irc_sse *p, size_t max_event, irc_sse_event_cb *cb,
             void *arg)
{
    irc_buf_init(&p->line, max_event);
    irc_buf_init(&p->data, max_event);
    p->event[0] = '\0';
    p->has_data = false;
    p->after_cr = false;
    p->stopped = false;
    p->cb = cb;
    p->arg = arg;
}

void
irc_sse_cleanup(struct irc_sse *p)
{
    irc_buf_cleanup(&p->line);
    irc_buf_cleanup(&p->data);
}

void
irc_sse_reset(struct irc_sse *p)
{
    irc_buf_reset(&p->line);
    irc_buf_reset(&p->data);
    p->event[0] = '\0';
    p->has_data = false;
    p->after_cr = false;
    p->stopped = false;
}

static enum irc_sse_status
sse_dispatch(struct irc_sse *p)
{
    int rc = 0;

    if (p->has_data)
        rc = p->cb(p->event, irc_buf_str(&p->data), p->data.len, p->arg);
    irc_buf_reset(&p->data);
    p->event[0] = '\0';
    p->has_data = false;
    if (rc) {
        p->stopped = true;
        return IRC_SSE_STOPPED;
    }
    return IRC_SSE_OK;
}

/* One complete line (without its terminator) is in p->line. */
static enum irc_sse_status
sse_line(struct irc_sse *p)
{
    const char *s = irc_buf_str(&p->line);
    size_t len = p->line.len, flen;
    const char *colon, *val;
    size_t vlen;

    if (len == 0)
        return sse_dispatch(p);
    if (s[0] == ':')
        return IRC_SSE_OK;          /* comment / keep-alive */
    colon = memchr(s, ':', len);
    flen = colon ? (size_t)(colon - s) : len;
    val = colon ? colon + 1 : s + len;
    vlen = len - (size_t)(val - s);
    if (vlen && *val == ' ') {
        val++;
        vlen--;
    }
    if (flen == 4 && memcmp(s, "data", 4) == 0) {
        if (p->has_data && !irc_buf_addc(&p->data, '\n'))
            return IRC_SSE_TOO_BIG;
        if (!irc_buf_add(&p->data, val, vlen))
            return IRC_SSE_TOO_BIG;
        p->has_data = true;
    } else if (flen == 5 && memcmp(s, "event", 5) == 0) {
        if (vlen >= sizeof(p->event))
            vlen = sizeof(p->event) - 1;
        memcpy(p->event, val, vlen);
        p->event[vlen] = '\0';
    }
    /* id:, retry: and unknown fields carry nothing the image API uses. */
    return IRC_SSE_OK;
}

enum irc_sse_status
irc_sse_feed(struct irc_sse *p, const char *buf, size_t len)
{
    enum irc_sse_status st;
    size_t i = 0, j;

    if (p->stopped)
        return IRC_SSE_STOPPED;
    while (i < len) {
        if (p->after_cr) {
            p->after_cr = false;
            if (buf[i] == '\n') {
                i++;
                continue;
            }
        }
        /* Copy the run up to the next line end in one go. */
        for (j = i; j < len && buf[j] != '\n' && buf[j] != '\r'; j++)
            ;
        if (j > i && !irc_buf_add(&p->line, buf + i, j - i))
            return IRC_SSE_TOO_BIG;
        if (j == len)
            break;
        p->after_cr = buf[j] == '\r';
        i = j + 1;
        st = sse_line(p);
        irc_buf_reset(&p->line);
        if (st != IRC_SSE_OK)
            return st;
    }
    return IRC_SSE_OK;
}

enum irc_sse_status
irc_sse_finish(struct irc_sse *p)
{
    enum irc_sse_status st;

    if (p->stopped)
        return IRC_SSE_STOPPED;
    if (p->line.len) {
        st = sse_line(p);
        irc_buf_reset(&p->line);
        if (st != IRC_SSE_OK)
            return st;
    }
    return sse_dispatch(p);
}
