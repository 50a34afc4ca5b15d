/* SPDX-License-Identifier: Apache-2.0
 * client/error.c - error codes, names, and the imagerouter_error object.
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static imagerouter_error *error_vnew(int code, int status, const char *fmt,
                                     va_list ap) IRC_PRINTF(3, 0);

const char *
imagerouter_error_name(int code)
{
    switch (code) {
    case IMAGEROUTER_OK:
        return "OK";
#define X(name, c, status, text) \
    case c:                      \
        return #name;
        IMAGEROUTER_ERROR_MAP(X)
#undef X
    }
    return "UNKNOWN";
}

const char *
imagerouter_strerror(int code)
{
    switch (code) {
    case IMAGEROUTER_OK:
        return "ok";
#define X(name, c, status, text) \
    case c:                      \
        return text;
        IMAGEROUTER_ERROR_MAP(X)
#undef X
    }
    return "unknown error";
}

int
imagerouter_code_for_status(int http_status)
{
    if (http_status >= 200 && http_status < 300)
        return IMAGEROUTER_OK;
#define X(name, c, status, text)                    \
    if ((status) != 0 && http_status == (status))   \
        return c;
    IMAGEROUTER_ERROR_MAP(X)
#undef X
    return IMAGEROUTER_ERR_OTHER;
}

static imagerouter_error *
error_vnew(int code, int status, const char *fmt, va_list ap)
{
    imagerouter_error *e = calloc(1, sizeof *e);
    va_list ap2;
    int n;

    if (!e)
        return NULL;
    e->code = code;
    e->status = status;
    e->retry_after_ms = -1;
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        n = 0;
    e->message = malloc((size_t)n + 1);
    if (!e->message) {
        free(e);
        return NULL;
    }
    vsnprintf(e->message, (size_t)n + 1, fmt, ap);
    return e;
}

imagerouter_error *
irc_error_new(int code, int status, const char *fmt, ...)
{
    imagerouter_error *e;
    va_list ap;

    va_start(ap, fmt);
    e = error_vnew(code, status, fmt, ap);
    va_end(ap);
    return e;
}

int
irc_error_put(imagerouter_error **slot, imagerouter_error *e)
{
    int code;

    if (!e)
        return IMAGEROUTER_ERR_NO_MEMORY;
    code = e->code;
    if (slot)
        *slot = e;
    else
        imagerouter_error_free(e);
    return code;
}

int
irc_fail(imagerouter_error **slot, int code, const char *fmt, ...)
{
    imagerouter_error *e = NULL;
    va_list ap;

    if (!slot)
        return code;
    va_start(ap, fmt);
    e = error_vnew(code, 0, fmt, ap);
    va_end(ap);
    if (!e)
        return IMAGEROUTER_ERR_NO_MEMORY;
    *slot = e;
    return code;
}

bool
irc_error_set_str(char **field, const char *s)
{
    char *copy = NULL;

    if (s) {
        copy = strdup(s);
        if (!copy)
            return false;
    }
    free(*field);
    *field = copy;
    return true;
}

int
imagerouter_error_code(const imagerouter_error *e)
{
    return e ? e->code : IMAGEROUTER_OK;
}

int
imagerouter_error_status(const imagerouter_error *e)
{
    return e ? e->status : 0;
}

const char *
imagerouter_error_message(const imagerouter_error *e)
{
    return e ? e->message : "";
}

const char *
imagerouter_error_metadata(const imagerouter_error *e)
{
    return e ? e->metadata : NULL;
}

const char *
imagerouter_error_server_code(const imagerouter_error *e)
{
    return e ? e->server_code : NULL;
}

const char *
imagerouter_error_body(const imagerouter_error *e)
{
    return e ? e->body : NULL;
}

long
imagerouter_error_retry_after_ms(const imagerouter_error *e)
{
    return e ? e->retry_after_ms : -1;
}

int
imagerouter_error_attempts(const imagerouter_error *e)
{
    return e ? e->attempts : 0;
}

void
imagerouter_error_free(imagerouter_error *e)
{
    if (!e)
        return;
    free(e->message);
    free(e->metadata);
    free(e->server_code);
    free(e->body);
    free(e);
}

void
imagerouter_free(void *p)
{
    free(p);
}
