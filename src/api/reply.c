/* SPDX-License-Identifier: Apache-2.0
 * api/reply.c - JSON replies and errors shared by the API handlers.
 */
#include "api/reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/mem.h"
#include "util/utf8.h"

void
ir_api_reply_json(struct ir_exchange *x, int status, json_t *owned_json)
{
    char *s;
    struct ir_error e;

    s = owned_json ? json_dumps(owned_json, JSON_COMPACT) : NULL;
    json_decref(owned_json);
    if (s == NULL) {
        ir_error_init(&e);
        ir_error_set(&e, 500, "out of memory");
        ir_exchange_reply_error(x, &e);
        ir_error_cleanup(&e);
        return;
    }
    /* json_dumps allocates with malloc; ir_free is free(). */
    ir_exchange_reply_owned(x, status, "application/json", s, strlen(s));
}

void
ir_api_reply_status(struct ir_exchange *x, int status, const char *error_type,
                    const char *fmt, ...)
{
    struct ir_error e;
    va_list ap;

    ir_error_init(&e);
    e.status = status;
    va_start(ap, fmt);
    (void)vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    ir_utf8_sanitize(e.message);
    if (error_type != NULL)
        ir_error_meta_str(&e, "error_type", error_type);
    ir_exchange_reply_error(x, &e);
    ir_error_cleanup(&e);
}

json_t *
ir_api_json_string(const char *s)
{
    json_t *j = json_string(s);
    char *copy;

    if (j != NULL || s == NULL)
        return j;
    if ((copy = ir_strdup(s)) == NULL)
        return NULL;
    ir_utf8_sanitize(copy);
    j = json_string(copy);
    ir_free(copy);
    return j;
}
