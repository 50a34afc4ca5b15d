/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/ctx.c - read-only helpers on a provider request: headers,
 * credentials, query parameters, the scripted action, links back to us.
 */
#include "emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

const char *
emu_req_header(struct emu_ctx *c, const char *name)
{
    return evhttp_find_header(evhttp_request_get_input_headers(c->req), name);
}

const char *
emu_bearer(struct emu_ctx *c)
{
    const char *a = emu_req_header(c, "Authorization");

    if (a == NULL || strncasecmp(a, "Bearer ", 7) != 0)
        return NULL;
    a += 7;
    while (*a == ' ')
        a++;
    return a;
}

char *
emu_query_param(struct emu_ctx *c, const char *name)
{
    struct evkeyvalq q;
    const char *v;
    char *out = NULL;

    if (c->query == NULL)
        return NULL;
    TAILQ_INIT(&q);
    if (evhttp_parse_query_str(c->query, &q) != 0) {
        evhttp_clear_headers(&q);
        return NULL;
    }
    v = evhttp_find_header(&q, name);
    if (v != NULL)
        out = strdup(v);
    evhttp_clear_headers(&q);
    return out;
}

bool
emu_key_ok(struct emu_ctx *c, enum emu_provider p, const char *key)
{
    const char *want = c->emu->cfg.keys[p];

    if (key == NULL || *key == '\0')
        return false;
    if (want == NULL)
        return true;
    return strlen(want) == strlen(key) &&
           CRYPTO_memcmp(want, key, strlen(key)) == 0;
}

void
emu_base_url(struct emu_ctx *c, char *out, size_t outsz)
{
    if (c->host[0] != '\0')
        snprintf(out, outsz, "http://%s", c->host);
    else
        snprintf(out, outsz, "http://127.0.0.1:%d", c->emu->cfg.port);
}

long
emu_action_int(struct emu_ctx *c, const char *key, long dflt)
{
    json_t *v = json_object_get(c->action, key);   /* borrowed */

    if (json_is_integer(v))
        return (long)json_integer_value(v);
    if (json_is_real(v))
        return (long)json_real_value(v);
    return dflt;
}

bool
emu_action_bool(struct emu_ctx *c, const char *key)
{
    json_t *v = json_object_get(c->action, key);   /* borrowed */

    return json_is_true(v) || (json_is_integer(v) && json_integer_value(v));
}

const char *
emu_action_str(struct emu_ctx *c, const char *key)
{
    return json_string_value(json_object_get(c->action, key));
}

int
emu_action_policy(struct emu_ctx *c)
{
    json_t *v = json_object_get(c->action, "content_policy");
    const char *s;

    if (v == NULL || json_is_false(v) || json_is_null(v))
        return 0;
    if (json_is_true(v))
        return 1;
    s = json_string_value(v);
    if (s == NULL || strcmp(s, "input") == 0)
        return 1;
    if (strcmp(s, "output") == 0)
        return 2;
    return 3;
}
