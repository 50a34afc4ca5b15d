/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/server.c - route each inbound request: /_emu/ to the
 * control API, everything else to the provider that owns the path, after
 * logging it and applying the scripted action (delay, hang, faults).
 */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <errno.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "control.h"
#include "providers.h"
#include "reqlog.h"
#include "script.h"
#include "util.h"

static const struct emu_provider_ops server_ops[EMU_P_COUNT] = {
    [EMU_P_NONE] = { "unknown", emu_unknown_handle, emu_unknown_error },
    [EMU_P_OPENAI] = { "openai", emu_openai_handle, emu_openai_error },
    [EMU_P_AZURE] = { "azure", emu_azure_handle, emu_azure_error },
    [EMU_P_GEMINI] = { "gemini", emu_gemini_handle, emu_google_error },
    [EMU_P_VERTEX] = { "vertex", emu_gemini_handle, emu_google_error },
    [EMU_P_OAUTH] = { "google_oauth", emu_oauth_handle, emu_oauth_error },
    [EMU_P_SEEDREAM] = { "seedream", emu_seedream_handle,
                         emu_seedream_error },
    [EMU_P_BFL] = { "bfl", emu_bfl_handle, emu_bfl_error },
    [EMU_P_XAI] = { "xai", emu_xai_handle, emu_xai_error },
    [EMU_P_RECRAFT] = { "recraft", emu_recraft_handle, emu_recraft_error },
};

static void server_gencb(struct evhttp_request *req, void *arg);
static enum emu_provider server_route(struct emu_ctx *c, const char *path);
static struct emu_conn *server_conn(struct emu *e,
                                    struct evhttp_connection *evcon);
static void server_closecb(struct evhttp_connection *evcon, void *arg);
static char *server_model(struct emu_ctx *c);
static void server_delay_cb(evutil_socket_t fd, short what, void *arg);
static void server_dispatch(struct emu_ctx *c);
static void server_watch_cb(evutil_socket_t fd, short what, void *arg);

/* How often an unanswered request checks that its client is still there:
 * evhttp does not read while a request is being answered, so it would
 * not notice on its own. */
#define SERVER_WATCH_MS 50

const struct emu_provider_ops *
emu_provider_ops(enum emu_provider p)
{
    if ((int)p < 0 || p >= EMU_P_COUNT)
        p = EMU_P_NONE;
    return &server_ops[p];
}

enum emu_provider
emu_provider_by_name(const char *name)
{
    int p;

    for (p = 1; p < EMU_P_COUNT; p++) {
        if (strcmp(server_ops[p].name, name) == 0)
            return (enum emu_provider)p;
    }
    return EMU_P_NONE;
}

void
emu_server_init(struct emu *e)
{
    evhttp_set_gencb(e->http, server_gencb, e);
    evhttp_set_max_body_size(e->http, EMU_MAX_BODY);
    evhttp_set_timeout(e->http, 3600);
    evhttp_set_allowed_methods(e->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
                               EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
                               EVHTTP_REQ_HEAD | EVHTTP_REQ_PATCH);
}

/* Sets c->prefix/c->path. A leading /<provider-name>/ mounts that
 * provider explicitly; otherwise the real path decides. */
static enum emu_provider
server_route(struct emu_ctx *c, const char *path)
{
    enum emu_provider p = EMU_P_NONE;
    const char *rest = path;
    int i;

    if (strncmp(path, "/openai/deployments/", 20) == 0) {
        c->prefix = strdup("");
        c->path = strdup(path);
        return EMU_P_AZURE;
    }
    for (i = 1; i < EMU_P_COUNT; i++) {
        size_t n = strlen(server_ops[i].name);
        if (strncmp(path + 1, server_ops[i].name, n) == 0 &&
            path[n + 1] == '/') {
            c->prefix = strndup(path, n + 1);
            c->path = strdup(path + n + 1);
            return (enum emu_provider)i;
        }
    }
    c->prefix = strdup("");
    c->path = strdup(path);
    if (strcmp(rest, "/token") == 0)
        p = EMU_P_OAUTH;
    else if (strncmp(rest, "/delivery/", 10) == 0) {
        char name[32];
        const char *end = strchr(rest + 10, '/');
        size_t n = end ? (size_t)(end - rest - 10) : 0;
        if (n > 0 && n < sizeof(name)) {
            memcpy(name, rest + 10, n);
            name[n] = '\0';
            p = emu_provider_by_name(name);
        }
    } else if (strncmp(rest, "/api/v3/", 8) == 0)
        p = EMU_P_SEEDREAM;
    else if (strncmp(rest, "/v1beta/models/", 15) == 0 ||
             strncmp(rest, "/v1/models/", 11) == 0)
        p = EMU_P_GEMINI;
    else if (strncmp(rest, "/v1/projects/", 13) == 0 ||
             strncmp(rest, "/v1beta1/projects/", 18) == 0)
        p = EMU_P_VERTEX;
    else if (strncmp(rest, "/v1/images/", 11) == 0) {
        const char *m = json_string_value(json_object_get(c->json, "model"));
        p = EMU_P_OPENAI;
        if (m != NULL && strncmp(m, "grok", 4) == 0)
            p = EMU_P_XAI;
        else if (m != NULL && strncmp(m, "recraft", 7) == 0)
            p = EMU_P_RECRAFT;
    } else if (strncmp(rest, "/v1/", 4) == 0 && strchr(rest + 4, '/') == NULL)
        p = EMU_P_BFL;
    return p;
}

static struct emu_conn *
server_conn(struct emu *e, struct evhttp_connection *evcon)
{
    struct emu_conn *k;

    for (k = e->conns; k != NULL; k = k->next) {
        if (k->evcon == evcon)
            return k;
    }
    k = calloc(1, sizeof *k);
    if (k == NULL)
        return NULL;
    k->emu = e;
    k->evcon = evcon;
    k->next = e->conns;
    if (e->conns != NULL)
        e->conns->prev = k;
    e->conns = k;
    e->conns_open++;
    evhttp_connection_set_closecb(evcon, server_closecb, k);
    return k;
}

static void
server_closecb(struct evhttp_connection *evcon, void *arg)
{
    struct emu_conn *k = arg;
    struct emu *e = k->emu;

    (void)evcon;
    if (k->active != NULL)
        emu_ctx_abort(k->active);
    if (k->prev != NULL)
        k->prev->next = k->next;
    else
        e->conns = k->next;
    if (k->next != NULL)
        k->next->prev = k->prev;
    e->conns_open--;
    free(k);
}

/* The model a script can match on: body "model", multipart "model", or
 * the model named in the path (Gemini, Vertex, BFL, Azure deployment). */
static char *
server_model(struct emu_ctx *c)
{
    const char *m = json_string_value(json_object_get(c->json, "model"));
    const char *p, *end;

    if (m != NULL)
        return strdup(m);
    if ((p = strstr(c->path, "/models/")) != NULL) {
        p += 8;
        end = strchr(p, ':');
        return end ? strndup(p, (size_t)(end - p)) : strdup(p);
    }
    if ((p = strstr(c->path, "/deployments/")) != NULL) {
        p += 13;
        end = strchr(p, '/');
        return end ? strndup(p, (size_t)(end - p)) : strdup(p);
    }
    if (c->provider == EMU_P_BFL && strncmp(c->path, "/v1/", 4) == 0)
        return strdup(c->path + 4);
    return NULL;
}

static bool
server_body(struct emu_ctx *c)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(c->req);
    const char *ct = emu_req_header(c, "Content-Type");
    size_t i;

    c->body_len = evbuffer_get_length(in);
    c->body = malloc(c->body_len + 1);
    if (c->body == NULL)
        return false;
    evbuffer_copyout(in, c->body, c->body_len);
    c->body[c->body_len] = '\0';
    if (ct != NULL) {
        c->content_type = strdup(ct);
        for (i = 0; c->content_type[i] != '\0'; i++) {
            if (c->content_type[i] >= 'A' && c->content_type[i] <= 'Z')
                c->content_type[i] += 'a' - 'A';
        }
    }
    if (c->body_len > 0 &&
        ((ct != NULL && strstr(c->content_type, "json") != NULL) ||
         (ct == NULL && (c->body[0] == '{' || c->body[0] == '['))))
        c->json = json_loadb((const char *)c->body, c->body_len, 0, NULL);
    return true;
}

static void
server_gencb(struct evhttp_request *req, void *arg)
{
    struct emu *e = arg;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = evhttp_uri_get_path(uri), *q, *host;
    struct emu_ctx *c;
    char *model;

    if (path == NULL || *path == '\0')
        path = "/";
    if (strncmp(path, "/_emu/", 6) == 0 || strcmp(path, "/_emu") == 0) {
        emu_control_handle(e, req, path);
        return;
    }
    c = calloc(1, sizeof *c);
    if (c == NULL) {
        evhttp_send_error(req, 500, NULL);
        return;
    }
    e->in_flight++;
    c->emu = e;
    c->req = req;
    c->id = ++e->seq;
    c->t_start_ms = emu_now_ms();
    c->action = json_object();
    q = evhttp_uri_get_query(uri);
    c->query = q ? strdup(q) : NULL;
    host = emu_req_header(c, "Host");
    snprintf(c->host, sizeof(c->host), "%s", host ? host : "");
    if (!server_body(c)) {
        emu_ctx_free(c);
        evhttp_send_error(req, 500, NULL);
        return;
    }
    c->provider = server_route(c, path);
    c->conn = server_conn(e, evhttp_request_get_connection(req));
    if (c->conn != NULL)
        c->conn->active = c;
    emu_log_add(e->log, c);
    model = server_model(c);
    {
        char full[2048];
        json_t *a;                 /* owned */
        snprintf(full, sizeof(full), "%s%s", c->prefix, c->path);
        a = emu_scripts_take(e->scripts, emu_provider_ops(c->provider)->name,
                             evhttp_request_get_command(req) == EVHTTP_REQ_GET
                                 ? "GET" : "POST", full, model);
        if (a != NULL) {
            json_decref(c->action);
            c->action = a;
            if (c->entry != NULL)  /* NULL under --log-max 0 */
                json_object_set(c->entry, "script", a);
        }
    }
    free(model);
    if (!e->cfg.quiet)
        fprintf(stderr, "emu: #%llu %s %s%s%s\n", (unsigned long long)c->id,
                emu_provider_ops(c->provider)->name, path, q ? "?" : "",
                q ? q : "");
    c->watch = event_new(e->base, -1, EV_PERSIST, server_watch_cb, c);
    if (c->watch != NULL) {
        struct timeval wtv = { 0, SERVER_WATCH_MS * 1000 };
        evtimer_add(c->watch, &wtv);
    }
    if (emu_action_int(c, "delay_ms", 0) > 0) {
        long ms = emu_action_int(c, "delay_ms", 0);
        struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
        c->timer = evtimer_new(e->base, server_delay_cb, c);
        evtimer_add(c->timer, &tv);
        return;
    }
    server_dispatch(c);
}

static void
server_delay_cb(evutil_socket_t fd, short what, void *arg)
{
    struct emu_ctx *c = arg;

    (void)fd;
    (void)what;
    event_free(c->timer);
    c->timer = NULL;
    server_dispatch(c);
}

/* A peek that reads end-of-file means the client closed: drop the
 * connection, which runs server_closecb and records the abort. */
static void
server_watch_cb(evutil_socket_t fd, short what, void *arg)
{
    struct emu_ctx *c = arg;
    struct evhttp_connection *evcon = evhttp_request_get_connection(c->req);
    ssize_t n;
    char b;
    int s;

    (void)fd;
    (void)what;
    if (evcon == NULL)
        return;
    s = bufferevent_getfd(evhttp_connection_get_bufferevent(evcon));
    if (s < 0)
        return;
    n = recv(s, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
                   errno != EINTR))
        evhttp_connection_free(evcon);
}

/* Scripted faults first, in this order; then the provider itself. */
static void
server_dispatch(struct emu_ctx *c)
{
    const struct emu_provider_ops *ops = emu_provider_ops(c->provider);
    json_t *v;                     /* borrowed */

    if (emu_action_bool(c, "hang"))
        return;                    /* until the client goes away */
    if ((v = json_object_get(c->action, "status")) != NULL &&
        json_is_integer(v)) {
        json_t *b = json_object_get(c->action, "body");   /* borrowed */
        const char *ct = "text/plain";
        char *s = NULL;
        if (json_is_string(b)) {
            s = strdup(json_string_value(b));
            if (s[0] == '{' || s[0] == '[')
                ct = "application/json";
        } else if (b != NULL) {
            s = json_dumps(b, JSON_COMPACT | JSON_ENCODE_ANY);
            ct = "application/json";
        }
        emu_reply(c, (int)json_integer_value(v), ct, s ? s : "",
                  s ? strlen(s) : 0);
        free(s);
        return;
    }
    if (emu_action_bool(c, "malformed_json")) {
        static const char bad[] =
            "{\"created\": 1700000000, \"data\": [{\"b64_json\": \"iVBORw0K";
        emu_reply(c, 200, "application/json", bad, sizeof(bad) - 1);
        return;
    }
    if ((v = json_object_get(c->action, "provider_error")) != NULL &&
        json_is_integer(v)) {
        ops->error(c, (int)json_integer_value(v),
                   emu_action_str(c, "message"), emu_action_str(c, "code"));
        return;
    }
    ops->handle(c);
}

void
emu_unknown_handle(struct emu_ctx *c)
{
    emu_unknown_error(c, 404, NULL, NULL);
}

void
emu_unknown_error(struct emu_ctx *c, int status, const char *msg,
                  const char *code)
{
    json_t *o = json_pack("{s:s, s:s?}", "error",
                          msg ? msg : "no emulated provider at this path",
                          "code", code);

    emu_reply_json(c, status, o);
}
