/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/control.c - the /_emu/ control API: scripts, the request
 * record, stats, reset, runtime config. Answers synchronously.
 */
#include "control.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "reqlog.h"
#include "script.h"

static void control_send(struct evhttp_request *req, int status,
                         json_t *owned);
static json_t *control_body(struct evhttp_request *req);
static void control_script(struct emu *e, struct evhttp_request *req);
static void control_config(struct emu *e, struct evhttp_request *req);
static void control_requests(struct emu *e, struct evhttp_request *req,
                             enum evhttp_cmd_type cmd);

static void
control_send(struct evhttp_request *req, int status, json_t *owned)
{
    char *s = json_dumps(owned, JSON_COMPACT | JSON_ENCODE_ANY);
    struct evbuffer *b = evbuffer_new();

    json_decref(owned);
    evbuffer_add(b, s ? s : "null", s ? strlen(s) : 4);
    evbuffer_add(b, "\n", 1);
    free(s);
    evhttp_add_header(evhttp_request_get_output_headers(req),
                      "Content-Type", "application/json");
    evhttp_send_reply(req, status, status == 200 ? "OK" : "Error", b);
    evbuffer_free(b);
}

static json_t *
control_body(struct evhttp_request *req)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t n = evbuffer_get_length(in);
    char *buf = malloc(n + 1);
    json_t *j;                     /* owned, returned */

    if (buf == NULL)
        return NULL;
    evbuffer_copyout(in, buf, n);
    j = json_loadb(buf, n, 0, NULL);
    free(buf);
    return j;
}

static void
control_script(struct emu *e, struct evhttp_request *req)
{
    json_t *body = control_body(req);    /* owned */
    json_t *one;                         /* borrowed */
    char err[128] = "";
    size_t i, queued = 0;

    if (body == NULL) {
        control_send(req, 400, json_pack("{s:s}", "error",
                                         "body must be JSON"));
        return;
    }
    if (json_is_array(body)) {
        json_array_foreach(body, i, one) {
            if (!emu_scripts_push(e->scripts, one, err, sizeof(err)))
                break;
            queued++;
        }
    } else if (emu_scripts_push(e->scripts, body, err, sizeof(err))) {
        queued = 1;
    }
    json_decref(body);
    if (err[0] != '\0') {
        control_send(req, 400, json_pack("{s:s, s:i}", "error", err,
                                         "queued", (int)queued));
        return;
    }
    control_send(req, 200, json_pack("{s:i, s:i}", "queued", (int)queued,
                                     "pending",
                                     (int)emu_scripts_pending(e->scripts)));
}

static void
control_config(struct emu *e, struct evhttp_request *req)
{
    json_t *body = control_body(req);    /* owned */
    json_t *v;                           /* borrowed */

    if (body != NULL) {
        if ((v = json_object_get(body, "tiny")) != NULL)
            e->cfg.tiny = json_is_true(v);
        if ((v = json_object_get(body, "bfl_pending_polls")) != NULL &&
            json_is_integer(v))
            e->cfg.bfl_pending = (int)json_integer_value(v);
        if ((v = json_object_get(body, "openai_sse_done")) != NULL)
            e->cfg.openai_sse_done = json_is_true(v);
        if ((v = json_object_get(body, "openai_reject_response_format")))
            e->cfg.openai_reject_response_format = json_is_true(v);
        if ((v = json_object_get(body, "log_max")) != NULL &&
            json_is_integer(v) && json_integer_value(v) >= -1)
            e->cfg.log_max = (long)json_integer_value(v);
        json_decref(body);
    }
    control_send(req, 200, json_pack("{s:b, s:i, s:b, s:b, s:I}",
                                     "tiny", e->cfg.tiny,
                                     "bfl_pending_polls", e->cfg.bfl_pending,
                                     "openai_sse_done",
                                     e->cfg.openai_sse_done,
                                     "openai_reject_response_format",
                                     e->cfg.openai_reject_response_format,
                                     "log_max", (json_int_t)e->cfg.log_max));
}

static void
control_requests(struct emu *e, struct evhttp_request *req,
                 enum evhttp_cmd_type cmd)
{
    const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
    struct evkeyvalq args;
    const char *prov = NULL;

    if (cmd == EVHTTP_REQ_DELETE) {
        emu_log_clear(e->log);
        control_send(req, 200, json_pack("{s:b}", "cleared", 1));
        return;
    }
    TAILQ_INIT(&args);
    if (q != NULL && evhttp_parse_query_str(q, &args) == 0)
        prov = evhttp_find_header(&args, "provider");
    control_send(req, 200, emu_log_requests(e->log, prov));
    evhttp_clear_headers(&args);
}

void
emu_control_handle(struct emu *e, struct evhttp_request *req,
                   const char *path)
{
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);

    if (strcmp(path, "/_emu/script") == 0 && cmd == EVHTTP_REQ_POST)
        control_script(e, req);
    else if (strcmp(path, "/_emu/scripts") == 0 && cmd == EVHTTP_REQ_GET)
        control_send(req, 200, emu_scripts_list(e->scripts));
    else if (strcmp(path, "/_emu/scripts") == 0 &&
             cmd == EVHTTP_REQ_DELETE) {
        emu_scripts_clear(e->scripts);
        control_send(req, 200, json_pack("{s:b}", "cleared", 1));
    } else if (strcmp(path, "/_emu/requests") == 0 &&
               (cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_DELETE))
        control_requests(e, req, cmd);
    else if (strcmp(path, "/_emu/stats") == 0 && cmd == EVHTTP_REQ_GET)
        control_send(req, 200, emu_log_stats(e));
    else if (strcmp(path, "/_emu/reset") == 0 && cmd == EVHTTP_REQ_POST) {
        emu_scripts_clear(e->scripts);
        emu_log_clear(e->log);
        control_send(req, 200, json_pack("{s:b}", "reset", 1));
    } else if (strcmp(path, "/_emu/config") == 0)
        control_config(e, req);
    else if (strcmp(path, "/_emu/health") == 0)
        control_send(req, 200, json_pack("{s:b}", "ok", 1));
    else
        control_send(req, 404, json_pack("{s:s}", "error",
                                         "unknown control endpoint"));
}
