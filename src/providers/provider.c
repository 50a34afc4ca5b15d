/* SPDX-License-Identifier: Apache-2.0
 * providers/provider.c - helpers shared by adapters: owned HTTP request
 * parts, response header lookup, result cleanup.
 */
#include "providers/provider.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/mem.h"

void
ir_http_req_cleanup(struct ir_http_req *r)
{
    size_t i;

    ir_free(r->url);
    for (i = 0; i < r->nheaders; i++)
        ir_free(r->headers[i]);
    ir_free(r->body);
    memset(r, 0, sizeof *r);
}

ir_err
ir_http_req_header(struct ir_http_req *r, const char *name, const char *fmt,
                   ...)
{
    char value[2048];
    char *line;
    size_t need;
    va_list ap;
    int k;

    if (r->nheaders >= IR_HTTP_MAX_HEADERS)
        return IR_ETOOBIG;
    va_start(ap, fmt);
    k = vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= sizeof value)
        return IR_ETOOBIG;
    need = strlen(name) + 2 + (size_t)k + 1;
    line = ir_malloc(need);
    if (line == NULL)
        return IR_ENOMEM;
    (void)snprintf(line, need, "%s: %s", name, value);
    r->headers[r->nheaders++] = line;
    return IR_OK;
}

const char *
ir_http_resp_header(const struct ir_http_resp *r, const char *name, char *buf,
                    size_t size)
{
    size_t nlen = strlen(name), i, vlen;
    const char *v, *end;

    for (i = 0; i < r->nheaders; i++) {
        const char *h = r->headers[i];

        if (strncasecmp(h, name, nlen) != 0 || h[nlen] != ':')
            continue;
        v = h + nlen + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        end = v + strlen(v);
        while (end > v && isspace((unsigned char)end[-1]))
            end--;
        vlen = (size_t)(end - v);
        if (size == 0)
            return NULL;
        if (vlen >= size)
            vlen = size - 1;
        memcpy(buf, v, vlen);
        buf[vlen] = '\0';
        return buf;
    }
    return NULL;
}

void
ir_gen_result_cleanup(struct ir_gen_result *r)
{
    size_t i;

    for (i = 0; i < IR_MAX_N; i++) {
        ir_free(r->images[i].bytes);
        ir_free(r->images[i].b64_buf);
        ir_free(r->images[i].url);
    }
    ir_free(r->poll_url);
    ir_free(r->text);
    memset(r, 0, sizeof *r);
}

bool
ir_gen_result_borrows(const struct ir_gen_result *r)
{
    size_t i;

    for (i = 0; i < r->nimages; i++)
        if (r->images[i].b64 != NULL && r->images[i].b64_buf == NULL)
            return true;
    return false;
}

ir_err
ir_gen_result_own_b64(struct ir_gen_result *r, char *body, size_t len)
{
    size_t i;
    ir_err e = IR_OK;

    for (i = 0; i < r->nimages; i++) {
        struct ir_gen_image *im = &r->images[i];

        if (im->b64 == NULL || im->b64_buf != NULL)
            continue;
        if (body != NULL && im->b64 >= body && im->b64 < body + len &&
            im->b64_len <= (size_t)(body + len - im->b64)) {
            im->b64_buf = body;
            body = NULL;
            continue;
        }
        /* Another image of the same body (or a body taken already). */
        if (e == IR_OK && (im->b64_buf = ir_malloc(im->b64_len + 1)) != NULL) {
            memcpy(im->b64_buf, im->b64, im->b64_len);
            im->b64_buf[im->b64_len] = '\0';
            im->b64 = im->b64_buf;
            continue;
        }
        e = IR_ENOMEM;
        im->b64 = NULL;
        im->b64_len = 0;
    }
    ir_free(body);
    return e;
}

void
ir_stream_ev_cleanup(struct ir_stream_ev *ev)
{
    ir_free(ev->b64);
    ir_free(ev->text);
    memset(ev, 0, sizeof *ev);
}
