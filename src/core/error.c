/* SPDX-License-Identifier: Apache-2.0
 * core/error.c - API error values and their JSON form.
 */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/mem.h"
#include "util/utf8.h"

void
ir_error_init(struct ir_error *e)
{
    memset(e, 0, sizeof *e);
}

void
ir_error_cleanup(struct ir_error *e)
{
    if (e->metadata != NULL)
        json_decref(e->metadata);
    ir_error_init(e);
}

void
ir_error_set(struct ir_error *e, int status, const char *fmt, ...)
{
    va_list ap;

    e->status = status;
    va_start(ap, fmt);
    (void)vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    /* Messages quote user input and may be cut mid-character. */
    ir_utf8_sanitize(e->message);
}

void
ir_error_meta_json(struct ir_error *e, const char *key, json_t *owned_val)
{
    if (owned_val == NULL)
        return;
    if (e->metadata == NULL && (e->metadata = json_object()) == NULL) {
        json_decref(owned_val);
        return;
    }
    (void)json_object_set_new(e->metadata, key, owned_val);
}

void
ir_error_meta_str(struct ir_error *e, const char *key, const char *val)
{
    ir_error_meta_json(e, key, val ? json_string(val) : json_null());
}

void
ir_error_meta_int(struct ir_error *e, const char *key, long long val)
{
    ir_error_meta_json(e, key, json_integer(val));
}

void
ir_error_move(struct ir_error *dst, struct ir_error *src)
{
    ir_error_cleanup(dst);
    *dst = *src;
    ir_error_init(src);
}

char *
ir_error_to_json(const struct ir_error *e)
{
    json_t *root, *err; /* owned, borrowed */
    char *s, *out;
    int status = e->status ? e->status : 500;

    root = json_object();
    err = json_object();
    if (root == NULL || err == NULL) {
        json_decref(root);
        json_decref(err);
        return NULL;
    }
    json_object_set_new(root, "error", err);
    json_object_set_new(err, "code", json_integer(status));
    /* Our own bugs are not the caller's business: mask 500 text. */
    json_object_set_new(err, "message",
                        json_string(status == 500 ? "Internal Server Error"
                                    : e->message[0] ? e->message
                                                    : "Error"));
    if (e->metadata != NULL && status != 500)
        json_object_set(err, "metadata", e->metadata);
    s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (s == NULL)
        return NULL;
    out = ir_strdup(s);
    free(s); /* jansson's allocator is the C one */
    return out;
}
