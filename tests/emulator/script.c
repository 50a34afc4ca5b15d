/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/script.c - the queue of scripted actions that tests push
 * with POST /_emu/script; each provider request consumes the first match.
 */
#include "script.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct emu_scripts {
    json_t *queue;                 /* owned array of script objects */
};

static bool script_matches(json_t *match, const char *provider,
                           const char *method, const char *path,
                           const char *model);

struct emu_scripts *
emu_scripts_new(void)
{
    struct emu_scripts *s = calloc(1, sizeof *s);

    if (s != NULL)
        s->queue = json_array();
    return s;
}

void
emu_scripts_free(struct emu_scripts *s)
{
    if (s == NULL)
        return;
    json_decref(s->queue);
    free(s);
}

bool
emu_scripts_push(struct emu_scripts *s, json_t *script, char *err,
                 size_t errsz)
{
    json_t *match = json_object_get(script, "match");     /* borrowed */
    json_t *action = json_object_get(script, "action");   /* borrowed */
    json_t *times = json_object_get(script, "times");     /* borrowed */
    json_t *copy;                                         /* owned */

    if (!json_is_object(script)) {
        snprintf(err, errsz, "script must be an object");
        return false;
    }
    if (match != NULL && !json_is_object(match)) {
        snprintf(err, errsz, "match must be an object");
        return false;
    }
    if (!json_is_object(action)) {
        snprintf(err, errsz, "action must be an object");
        return false;
    }
    if (times != NULL && (!json_is_integer(times) ||
                          json_integer_value(times) == 0 ||
                          json_integer_value(times) < -1)) {
        snprintf(err, errsz, "times must be a positive integer or -1");
        return false;
    }
    copy = json_deep_copy(script);
    if (times == NULL)
        json_object_set_new(copy, "times", json_integer(1));
    json_array_append_new(s->queue, copy);
    return true;
}

static bool
script_matches(json_t *match, const char *provider, const char *method,
               const char *path, const char *model)
{
    const char *v;

    if (match == NULL)
        return true;
    v = json_string_value(json_object_get(match, "provider"));
    if (v != NULL && strcmp(v, provider) != 0)
        return false;
    v = json_string_value(json_object_get(match, "method"));
    if (v != NULL && strcasecmp(v, method) != 0)
        return false;
    v = json_string_value(json_object_get(match, "path_prefix"));
    if (v != NULL && strncmp(path, v, strlen(v)) != 0)
        return false;
    v = json_string_value(json_object_get(match, "model"));
    if (v != NULL && (model == NULL || strcmp(v, model) != 0))
        return false;
    return true;
}

json_t *
emu_scripts_take(struct emu_scripts *s, const char *provider,
                 const char *method, const char *path, const char *model)
{
    size_t i;
    json_t *sc;                    /* borrowed */

    json_array_foreach(s->queue, i, sc) {
        json_t *action;            /* owned, returned */
        json_int_t times;
        if (!script_matches(json_object_get(sc, "match"), provider, method,
                            path, model))
            continue;
        action = json_incref(json_object_get(sc, "action"));
        times = json_integer_value(json_object_get(sc, "times"));
        if (times == 1)
            json_array_remove(s->queue, i);
        else if (times > 1)
            json_object_set_new(sc, "times", json_integer(times - 1));
        return action;
    }
    return NULL;
}

long
emu_scripts_pending(const struct emu_scripts *s)
{
    return (long)json_array_size(s->queue);
}

json_t *
emu_scripts_list(const struct emu_scripts *s)
{
    return json_deep_copy(s->queue);
}

void
emu_scripts_clear(struct emu_scripts *s)
{
    json_array_clear(s->queue);
}
