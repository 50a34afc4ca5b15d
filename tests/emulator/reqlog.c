/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/reqlog.c - the record of every provider request (what
 * GET /_emu/requests returns) and the counters behind GET /_emu/stats.
 */
#include "reqlog.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "imgcache.h"
#include "multipart.h"
#include "script.h"
#include "util.h"

struct emu_log {
    json_t *entries;              /* owned array */
    json_t *aborts;               /* owned array */
    long per_provider[EMU_P_COUNT];
    long total;
};

static json_t *reqlog_headers(struct emu_ctx *c);
static json_t *reqlog_body(struct emu_ctx *c);

struct emu_log *
emu_log_new(void)
{
    struct emu_log *l = calloc(1, sizeof *l);

    if (l == NULL)
        return NULL;
    l->entries = json_array();
    l->aborts = json_array();
    return l;
}

void
emu_log_free(struct emu_log *l)
{
    if (l == NULL)
        return;
    json_decref(l->entries);
    json_decref(l->aborts);
    free(l);
}

static json_t *
reqlog_headers(struct emu_ctx *c)
{
    json_t *h = json_object();     /* owned, returned */
    struct evkeyvalq *in = evhttp_request_get_input_headers(c->req);
    struct evkeyval *kv;

    TAILQ_FOREACH(kv, in, next) {
        char name[128];
        size_t i;
        for (i = 0; kv->key[i] != '\0' && i + 1 < sizeof(name); i++) {
            name[i] = (char)tolower((unsigned char)kv->key[i]);
        }
        name[i] = '\0';
        json_object_set_new(h, name, json_string(kv->value));
    }
    return h;
}

static json_t *
reqlog_body(struct emu_ctx *c)
{
    json_t *o;                     /* owned, returned */
    char *b64;

    if (c->body_len == 0)
        return json_null();
    if (c->json != NULL)
        return json_incref(c->json);
    o = json_object();
    b64 = emu_b64_encode(c->body, c->body_len);
    json_object_set_new(o, "base64", json_string(b64 ? b64 : ""));
    free(b64);
    json_object_set_new(o, "content_type",
                        c->content_type ? json_string(c->content_type)
                                        : json_null());
    json_object_set_new(o, "length", json_integer((json_int_t)c->body_len));
    return o;
}

/* Multipart bodies are also listed part by part, text values inline. */
static json_t *
reqlog_multipart(struct emu_ctx *c)
{
    struct emu_multipart m;
    json_t *arr;                   /* owned, returned */
    size_t i;

    if (!emu_multipart_parse(c->content_type, c->body, c->body_len, &m))
        return NULL;
    arr = json_array();
    for (i = 0; i < m.n; i++) {
        struct emu_part *p = &m.parts[i];
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(p->name));
        json_object_set_new(o, "size", json_integer((json_int_t)p->len));
        if (p->filename != NULL)
            json_object_set_new(o, "filename", json_string(p->filename));
        if (p->ctype != NULL)
            json_object_set_new(o, "content_type", json_string(p->ctype));
        if (p->filename == NULL)
            json_object_set_new(o, "value",
                                json_stringn((const char *)p->data, p->len));
        else {
            const char *k = emu_sniff(p->data, p->len);
            json_object_set_new(o, "sniffed", k ? json_string(k)
                                                : json_null());
        }
        json_array_append_new(arr, o);
    }
    emu_multipart_cleanup(&m);
    return arr;
}

void
emu_log_add(struct emu_log *l, struct emu_ctx *c)
{
    json_t *e;                     /* owned, kept by the array and c */
    const char *method;
    json_t *mp;
    char path[2048];
    long max = c->emu->cfg.log_max;

    l->per_provider[c->provider]++;
    l->total++;
    /* --log-max 0 (benchmarks): count, keep nothing, build nothing. */
    if (max == 0) {
        c->entry = NULL;
        return;
    }
    e = json_object();
    switch (evhttp_request_get_command(c->req)) {
    case EVHTTP_REQ_GET: method = "GET"; break;
    case EVHTTP_REQ_POST: method = "POST"; break;
    case EVHTTP_REQ_PUT: method = "PUT"; break;
    case EVHTTP_REQ_DELETE: method = "DELETE"; break;
    case EVHTTP_REQ_HEAD: method = "HEAD"; break;
    default: method = "OTHER"; break;
    }
    snprintf(path, sizeof(path), "%s%s", c->prefix, c->path);
    json_object_set_new(e, "id", json_integer((json_int_t)c->id));
    json_object_set_new(e, "time", json_real(c->t_start_ms / 1000.0));
    json_object_set_new(e, "time_ms", json_integer(c->t_start_ms));
    json_object_set_new(e, "provider",
                        json_string(emu_provider_ops(c->provider)->name));
    json_object_set_new(e, "method", json_string(method));
    json_object_set_new(e, "path", json_string(path));
    json_object_set_new(e, "query", c->query ? json_string(c->query)
                                             : json_null());
    json_object_set_new(e, "headers", reqlog_headers(c));
    json_object_set_new(e, "body", reqlog_body(c));
    mp = reqlog_multipart(c);
    if (mp != NULL)
        json_object_set_new(e, "multipart", mp);
    json_object_set_new(e, "status", json_null());
    json_object_set_new(e, "aborted", json_false());
    /* Oldest first out; c keeps its own reference for emu_log_done. */
    if (max > 0 && json_array_size(l->entries) >= (size_t)max)
        json_array_remove(l->entries, 0);
    json_array_append(l->entries, e);
    c->entry = e;
}

void
emu_log_done(struct emu_ctx *c, int status)
{
    if (c->entry == NULL)
        return;
    json_object_set_new(c->entry, "status", json_integer(status));
    json_object_set_new(c->entry, "done_ms", json_integer(emu_now_ms()));
}

void
emu_log_abort(struct emu_log *l, struct emu_ctx *c)
{
    int64_t now = emu_now_ms();
    json_t *a = json_object();     /* owned, moved into l->aborts */
    char path[2048];

    snprintf(path, sizeof(path), "%s%s", c->prefix, c->path);
    if (c->entry != NULL) {
        json_object_set_new(c->entry, "aborted", json_true());
        json_object_set_new(c->entry, "aborted_ms", json_integer(now));
    }
    json_object_set_new(a, "id", json_integer((json_int_t)c->id));
    json_object_set_new(a, "provider",
                        json_string(emu_provider_ops(c->provider)->name));
    json_object_set_new(a, "path", json_string(path));
    json_object_set_new(a, "time_ms", json_integer(now));
    json_object_set_new(a, "after_ms", json_integer(now - c->t_start_ms));
    json_object_set_new(a, "bytes_sent", json_integer((json_int_t)c->sent));
    json_array_append_new(l->aborts, a);
}

json_t *
emu_log_requests(struct emu_log *l, const char *provider)
{
    json_t *out, *e;               /* out: owned, returned */
    size_t i;

    if (provider == NULL)
        return json_deep_copy(l->entries);
    out = json_array();
    json_array_foreach(l->entries, i, e) {
        if (strcmp(json_string_value(json_object_get(e, "provider")),
                   provider) == 0)
            json_array_append_new(out, json_deep_copy(e));
    }
    return out;
}

void
emu_log_clear(struct emu_log *l)
{
    json_array_clear(l->entries);
    json_array_clear(l->aborts);
    memset(l->per_provider, 0, sizeof(l->per_provider));
    l->total = 0;
}

json_t *
emu_log_stats(struct emu *e)
{
    struct emu_log *l = e->log;
    json_t *o = json_object(), *pp = json_object();   /* owned */
    long hits, misses;
    size_t bytes;
    int p;

    for (p = 1; p < EMU_P_COUNT; p++) {
        json_object_set_new(pp, emu_provider_ops((enum emu_provider)p)->name,
                            json_integer(l->per_provider[p]));
    }
    json_object_set_new(o, "requests", json_integer(l->total));
    json_object_set_new(o, "per_provider", pp);
    json_object_set_new(o, "connections_open", json_integer(e->conns_open));
    json_object_set_new(o, "in_flight", json_integer(e->in_flight));
    json_object_set_new(o, "aborted",
                        json_integer((json_int_t)json_array_size(l->aborts)));
    json_object_set_new(o, "aborts", json_deep_copy(l->aborts));
    emu_imgcache_counts(e->imgcache, &hits, &misses, &bytes);
    json_object_set_new(o, "image_cache",
                        json_pack("{s:I, s:I, s:I}", "hits", (json_int_t)hits,
                                  "misses", (json_int_t)misses, "bytes",
                                  (json_int_t)bytes));
    json_object_set_new(o, "scripts_pending",
                        json_integer(emu_scripts_pending(e->scripts)));
    return o;
}
