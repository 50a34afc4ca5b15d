/* SPDX-License-Identifier: Apache-2.0
 * client/generate.c - imagerouter_generate and _generate_stream: build the
 * body, run the call, turn SSE events or a buffered reply into events and
 * a result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base64.h"
#include "call.h"
#include "error.h"
#include "request.h"
#include "response.h"
#include "sse.h"

/* State of one generation call, reset before every attempt. */
struct gen {
    imagerouter_event_cb *cb;
    void *arg;
    struct irc_sse sse;
    struct irc_result *res;
    int partials;
    int completed;
    int delivered;          /* events handed to cb */
    bool done;              /* data: [DONE] seen */
    bool error_event;
    char *error_message;    /* from the error event */
    char *error_code;
    int stop_code;          /* why the sink stopped the transfer */
    imagerouter_error *err; /* details for stop_code */
};

static int gen_sink(const char *p, size_t n, void *arg);
static int gen_sse_event(const char *event, const char *data, size_t len,
                         void *arg);
static void gen_reset(void *arg);
static bool gen_delivered(void *arg);
static int gen_partials(void *arg);
static int gen_emit(struct gen *g, imagerouter_event *ev);
static int gen_stop(struct gen *g, int code, const char *msg);
static int gen_partial(struct gen *g, json_t *o, imagerouter_event *ev);
static int gen_completed(struct gen *g, json_t *o, imagerouter_event *ev);
static int gen_error_event(struct gen *g, json_t *o, imagerouter_event *ev);
static int gen_finish(struct gen *g, const struct irc_http_resp *resp,
                      imagerouter_error **err);
static int gen_run(imagerouter_client *c, const imagerouter_request *req,
                   const imagerouter_call_options *opts, bool stream,
                   imagerouter_event_cb *cb, void *arg,
                   imagerouter_result **out, imagerouter_error **err);

static const char *
str_or_null(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int
gen_stop(struct gen *g, int code, const char *msg)
{
    g->stop_code = code;
    if (!g->err)
        g->err = irc_error_new(code, 200, "%s", msg);
    return 1;
}

static int
gen_emit(struct gen *g, imagerouter_event *ev)
{
    if (!g->cb)
        return 0;
    g->delivered++;
    if (g->cb(ev, g->arg) != 0)
        return gen_stop(g, IMAGEROUTER_ERR_ABORTED,
                        "aborted by the event callback");
    return 0;
}

static int
gen_partial(struct gen *g, json_t *o, imagerouter_event *ev)
{
    json_t *idx = json_object_get(o, "partial_image_index");
    json_t *b64 = json_object_get(o, "b64_json");
    unsigned char *bytes;
    size_t n;
    int rc;

    if (!json_is_integer(idx) || !json_is_string(b64))
        return gen_emit(g, ev);   /* stays UNKNOWN */
    bytes = malloc(irc_base64_decoded_max(json_string_length(b64)));
    if (!bytes)
        return gen_stop(g, IMAGEROUTER_ERR_NO_MEMORY, "out of memory");
    if (!irc_base64_decode(json_string_value(b64), json_string_length(b64),
                           bytes, &n)) {
        free(bytes);
        return gen_emit(g, ev);
    }
    ev->type = IMAGEROUTER_EVENT_PARTIAL_IMAGE;
    ev->index = (int)json_integer_value(idx);
    ev->data = bytes;
    ev->len = n;
    g->partials++;
    rc = gen_emit(g, ev);
    free(bytes);
    return rc;
}

static int
gen_completed(struct gen *g, json_t *o, imagerouter_event *ev)
{
    json_t *b64 = json_object_get(o, "b64_json");
    json_t *created = json_object_get(o, "created");
    json_t *usage = json_object_get(o, "usage");
    const imagerouter_image *img;
    imagerouter_usage u;
    bool bad;

    if (!json_is_string(b64))
        return gen_emit(g, ev);
    if (!irc_response_usage(usage, &g->res->arena, &u))
        return gen_emit(g, ev);
    img = irc_result_add_b64(g->res, json_string_value(b64),
                             json_string_length(b64),
                             str_or_null(o, "media_type"), &bad);
    if (!img && bad)
        return gen_emit(g, ev);
    if (!img)
        return gen_stop(g, IMAGEROUTER_ERR_NO_MEMORY, "out of memory");
    if (u.present)
        g->res->pub.usage = u;
    if (!json_is_integer(created))
        created = json_object_get(o, "created_at");   /* OpenAI's name */
    if (json_is_integer(created))
        g->res->pub.created = json_integer_value(created);
    ev->type = IMAGEROUTER_EVENT_COMPLETED;
    ev->index = g->completed++;
    ev->data = img->data;
    ev->len = img->len;
    ev->media_type = img->media_type;
    ev->created = g->res->pub.created;
    ev->usage = u.present ? &g->res->pub.usage : NULL;
    return gen_emit(g, ev);
}

static int
gen_error_event(struct gen *g, json_t *o, imagerouter_event *ev)
{
    json_t *e = json_object_get(o, "error");
    json_t *code = json_object_get(e, "code");
    const char *msg = str_or_null(e, "message");
    char num[32];

    if (!json_is_object(e))
        return gen_emit(g, ev);
    ev->type = IMAGEROUTER_EVENT_ERROR;
    ev->error_message = msg ? msg : "stream error";
    ev->error_code = json_is_string(code) ? json_string_value(code) : NULL;
    if (json_is_integer(code)) {
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(code));
        ev->error_code = num;
    }
    ev->error_type = str_or_null(e, "type");
    ev->error_param = str_or_null(e, "param");
    if (!g->error_event) {
        g->error_event = true;
        if (!irc_error_set_str(&g->error_message, ev->error_message) ||
            !irc_error_set_str(&g->error_code, ev->error_code))
            return gen_stop(g, IMAGEROUTER_ERR_NO_MEMORY, "out of memory");
    }
    return gen_emit(g, ev);
}

static int
gen_sse_event(const char *event, const char *data, size_t len, void *arg)
{
    struct gen *g = arg;
    imagerouter_event ev = {.type = IMAGEROUTER_EVENT_UNKNOWN, .json = data};
    json_t *o; /* owned */
    const char *type;
    int rc;

    if (g->done || len == 0)
        return 0;
    if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
        g->done = true;
        return 0;
    }
    o = json_loadb(data, len, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return gen_stop(g, IMAGEROUTER_ERR_DECODE,
                        "malformed JSON in a stream event");
    }
    type = str_or_null(o, "type");
    if (!type && json_object_get(o, "error"))
        type = "error";   /* OpenAI style: event: error, no type */
    if (!type)
        type = event;
    if (strcmp(type, "image_generation.partial_image") == 0)
        rc = gen_partial(g, o, &ev);
    else if (strcmp(type, "image_generation.completed") == 0)
        rc = gen_completed(g, o, &ev);
    else if (strcmp(type, "image_generation.text_chunk") == 0 &&
             str_or_null(o, "text")) {
        ev.type = IMAGEROUTER_EVENT_TEXT_CHUNK;
        ev.text = str_or_null(o, "text");
        ev.phase = str_or_null(o, "phase");
        rc = gen_emit(g, &ev);
    } else if (strcmp(type, "error") == 0)
        rc = gen_error_event(g, o, &ev);
    else
        rc = gen_emit(g, &ev);
    json_decref(o);
    return rc;
}

static int
gen_sink(const char *p, size_t n, void *arg)
{
    struct gen *g = arg;

    if (g->stop_code)
        return g->stop_code;
    if (g->done)
        return 0;
    switch (irc_sse_feed(&g->sse, p, n)) {
    case IRC_SSE_OK:
        return 0;
    case IRC_SSE_STOPPED:
        return g->stop_code;
    case IRC_SSE_TOO_BIG:
        break;
    }
    gen_stop(g, IMAGEROUTER_ERR_DECODE, "stream event over the size limit");
    return g->stop_code;
}

static void
gen_reset(void *arg)
{
    struct gen *g = arg;

    irc_sse_reset(&g->sse);
    irc_result_destroy(g->res);
    g->res = irc_result_new();
    g->partials = g->completed = g->delivered = 0;
    g->done = g->error_event = false;
    free(g->error_message);
    free(g->error_code);
    g->error_message = g->error_code = NULL;
    g->stop_code = 0;
    imagerouter_error_free(g->err);
    g->err = NULL;
    if (!g->res)
        g->stop_code = IMAGEROUTER_ERR_NO_MEMORY;
}

static bool
gen_delivered(void *arg)
{
    return ((struct gen *)arg)->delivered > 0;
}

static int
gen_partials(void *arg)
{
    return ((struct gen *)arg)->partials;
}

/* After a 2xx reply: the result, or the stream's failure. */
static int
gen_finish(struct gen *g, const struct irc_http_resp *resp,
           imagerouter_error **err)
{
    imagerouter_event ev;
    size_t i;
    int rc;

    if (!g->res)
        return irc_fail(err, IMAGEROUTER_ERR_NO_MEMORY, "out of memory");
    if (resp->streamed) {
        if (irc_sse_finish(&g->sse) != IRC_SSE_OK && g->stop_code)
            return g->stop_code;
        if (g->error_event) {
            rc = irc_fail(err, IMAGEROUTER_ERR_STREAM, "%s", g->error_message);
            if (err && *err && g->error_code)
                irc_error_set_str(&(*err)->server_code, g->error_code);
            return rc;
        }
        if (g->completed == 0)
            return irc_fail(err, IMAGEROUTER_ERR_STREAM,
                            "the stream ended without a completed image");
        g->res->pub.streamed = true;
        return IMAGEROUTER_OK;
    }
    if (!irc_http_is_json(resp->content_type))
        return irc_fail(err, IMAGEROUTER_ERR_DECODE,
                        "unexpected Content-Type \"%s\" in a %ld reply",
                        resp->content_type, resp->status);
    rc = irc_response_image(irc_buf_str(&resp->body), resp->body.len, g->res,
                            err);
    if (rc != IMAGEROUTER_OK || !g->cb)
        return rc;
    for (i = 0; i < g->res->pub.image_count; i++) {
        const imagerouter_image *img = &g->res->pub.images[i];
        bool last = i + 1 == g->res->pub.image_count;

        memset(&ev, 0, sizeof ev);
        ev.type = IMAGEROUTER_EVENT_COMPLETED;
        ev.index = (int)i;
        ev.data = img->data;
        ev.len = img->len;
        ev.media_type = img->media_type;
        ev.created = g->res->pub.created;
        ev.usage = last && g->res->pub.usage.present ? &g->res->pub.usage
                                                      : NULL;
        ev.json = irc_buf_str(&resp->body);
        if (gen_emit(g, &ev))
            return g->stop_code;
    }
    return IMAGEROUTER_OK;
}

static int
gen_run(imagerouter_client *c, const imagerouter_request *req,
        const imagerouter_call_options *opts, bool stream,
        imagerouter_event_cb *cb, void *arg, imagerouter_result **out,
        imagerouter_error **err)
{
    struct gen g = {.cb = cb, .arg = arg};
    struct irc_http_resp resp;
    struct irc_call call;
    char *body = NULL, *url = NULL;
    size_t ulen;
    int rc, attempts = 0;

    if (out)
        *out = NULL;
    if (err)
        *err = NULL;
    if (!c || !req || !out)
        return irc_fail(err, IMAGEROUTER_ERR_INVALID_ARGUMENT,
                        "client, request and out are required");
    rc = irc_request_json(req, stream, &body, err);
    if (rc != IMAGEROUTER_OK)
        return rc;
    ulen = strlen(c->base_url) + sizeof("/images");
    url = malloc(ulen);
    if (!url) {
        free(body);
        return irc_fail(err, IMAGEROUTER_ERR_NO_MEMORY, "out of memory");
    }
    snprintf(url, ulen, "%s/images", c->base_url);
    irc_sse_init(&g.sse, c->max_response_bytes, gen_sse_event, &g);
    irc_http_resp_init(&resp, c->max_response_bytes);
    call = (struct irc_call){
        .client = c, .opts = opts, .method = "POST", .url = url,
        .body = body, .body_len = strlen(body), .accept_stream = stream,
        .stream = {.sink = gen_sink, .arg = &g, .reset = gen_reset,
                   .delivered = gen_delivered, .partials = gen_partials},
    };
    rc = irc_call_run(&call, &resp, &attempts, err);
    if (rc == IMAGEROUTER_OK)
        rc = gen_finish(&g, &resp, err);
    if (rc != IMAGEROUTER_OK && rc == g.stop_code) {
        /* The sink stopped the transfer; g.err says why. */
        if (!g.err)
            g.err = irc_error_new(rc, 200, "%s", imagerouter_strerror(rc));
        rc = irc_error_put(err, g.err);
        g.err = NULL;
    }
    if (rc == IMAGEROUTER_OK && !irc_result_set_headers(g.res, &resp))
        rc = irc_fail(err, IMAGEROUTER_ERR_NO_MEMORY, "out of memory");
    if (rc == IMAGEROUTER_OK) {
        g.res->pub.attempts = attempts;
        *out = &g.res->pub;
        g.res = NULL;
    } else if (err && *err) {
        (*err)->attempts = attempts;
    }
    irc_http_resp_cleanup(&resp);
    irc_sse_cleanup(&g.sse);
    irc_result_destroy(g.res);
    imagerouter_error_free(g.err);
    free(g.error_message);
    free(g.error_code);
    free(body);
    free(url);
    return rc;
}

int
imagerouter_generate(imagerouter_client *c, const imagerouter_request *req,
                     const imagerouter_call_options *opts,
                     imagerouter_result **out, imagerouter_error **err)
{
    return gen_run(c, req, opts, false, NULL, NULL, out, err);
}

int
imagerouter_generate_stream(imagerouter_client *c,
                            const imagerouter_request *req,
                            const imagerouter_call_options *opts,
                            imagerouter_event_cb *cb, void *arg,
                            imagerouter_result **out,
                            imagerouter_error **err)
{
    return gen_run(c, req, opts, true, cb, arg, out, err);
}
