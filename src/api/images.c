/* SPDX-License-Identifier: Apache-2.0
 * api/images.c - POST /api/v1/images (and its /images/generations alias):
 * authenticate, validate, plan, run the attempt loop, price, record, and
 * answer as JSON or SSE.
 *
 * The generation is recorded in the store before the response is written,
 * so a client that received an image can always look it up. A request
 * that fails, or whose client disconnects, is charged nothing.
 */
#include "api/images.h"

#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/auth.h"
#include "api/reply.h"
#include "catalog/catalog.h"
#include "core/limits.h"
#include "core/pricing.h"
#include "image/image.h"
#include "routing/job.h"
#include "routing/metrics.h"
#include "routing/plan.h"
#include "routing/refs.h"
#include "server/http_server.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/rand.h"
#include "util/time.h"

/* What only the end of a generation needs, allocated then rather than
 * held through the provider's wait: at thousands of generations in
 * flight these bytes add up (the record alone is 5.8 KB). */
/* Retry-After when refused at the in-flight cap: held generations end
 * within seconds to minutes; a short wait spreads the retries. */
#define IMG_OVERLOAD_RETRY_S 2

struct img_end {
    struct ir_job_outcome out;    /* moved from the job */
    struct ir_generation rec;
    struct ir_error final_err;    /* sent once the hold is released */
};

struct img_gen {
    struct ir_server *srv;
    struct ir_exchange *x;
    enum ir_api_flavor flavor;
    ir_api_images_parse_fn *parse;
    struct ir_request req;
    struct ir_key key;
    const struct ir_model *model;
    struct ir_plan plan;
    struct ir_job *job;
    struct ir_refs_fetch *refs;   /* reference downloads in flight */
    char gen_id[64];
    int64_t created;
    int64_t start_ms;
    bool sse_started;
    bool client_gone;
    struct img_end *end;          /* NULL until the job ends or fails */
    struct ir_api_usage usage;
    ir_err store_err;
    /* the key check done with the hold (img_admit) */
    char bearer_hash[IR_KEY_HASH_LEN + 1];
    ir_err key_err;
    enum ir_auth_verdict verdict;
    /* money */
    char rsv_id[IR_STORE_RESERVATION_ID_LEN + 1];
    bool reserved;            /* a hold is open in the store */
    int64_t hold_nanos;
    const char *deny_reason;  /* static, from the store */
    bool rate_limited;
    int retry_after_s;
};

static void img_job_partial(void *arg, const struct ir_endpoint *ep,
                            int index, char *owned_b64, size_t len);
static void img_job_done(void *arg, struct ir_job_outcome *o);
static void img_job_released(void *arg);
static void img_refs_done(struct ir_error *err, void *arg);
static void img_after_reserve(struct img_gen *g);

static const struct ir_job_sink img_sink = {
    .partial = img_job_partial,
    .done = img_job_done,
    .released = img_job_released,
};

static void
img_free(struct img_gen *g)
{
    g->srv->generations--;
    ir_request_cleanup(&g->req);
    ir_routing_plan_cleanup(&g->plan);
    if (g->end != NULL) {
        ir_gen_result_cleanup(&g->end->out.res);
        ir_error_cleanup(&g->end->out.err);
        ir_error_cleanup(&g->end->final_err);
        ir_free(g->end);
    }
    ir_free(g);
}

static struct img_end *
img_end(struct img_gen *g)
{
    if (g->end == NULL)
        g->end = ir_calloc(1, sizeof *g->end);
    return g->end;
}

/* Sends an error (JSON, or an SSE error event once the stream has
 * begun), counts it, frees the generation. */
static void
img_send_error(struct img_gen *g, const struct ir_error *e)
{
    struct ir_buf b;

    ir_routing_metrics_request(g->srv->metrics, e->status, 0);
    if (g->x == NULL) {
        /* The client is gone; nothing to send. */
    } else if (g->sse_started) {
        ir_buf_init(&b, 64 * 1024);
        if (ir_api_render_stream_error(g->flavor, e->status, e->message,
                                       &b) == IR_OK)
            ir_exchange_stream_write(g->x, b.data, b.len);
        ir_buf_cleanup(&b);
        ir_exchange_stream_end(g->x);
    } else {
        ir_exchange_reply_error(g->x, e);
    }
    img_free(g);
}

/* A failed, timed-out or cancelled generation: record it, give the credit
 * hold back (nothing is charged), then answer. */
static void
img_release(struct ir_store_conn *c, void *arg)
{
    struct img_gen *g = arg;

    g->store_err = ir_store_release(c, g->rsv_id,
                                    g->end->rec.id[0] ? &g->end->rec : NULL,
                                    NULL);
}

static void
img_release_done(void *arg)
{
    struct img_gen *g = arg;

    if (g->store_err != IR_OK)
        ir_log_warn("generation %s: releasing hold %s failed (%s); the "
                    "sweep will return it", g->gen_id, g->rsv_id,
                    ir_strerror(g->store_err));
    g->reserved = false;
    img_send_error(g, &g->end->final_err);
}

static void img_fill_record(struct img_gen *g, const char *status,
                            int http_status, const char *message);

static void
img_fail(struct img_gen *g, const struct ir_error *e)
{
    struct ir_error *fe;

    if (!g->reserved || img_end(g) == NULL) {
        img_send_error(g, e); /* out of memory: the hold is swept */
        return;
    }
    fe = &g->end->final_err;
    ir_error_cleanup(fe);
    fe->status = e->status;
    memcpy(fe->message, e->message, sizeof e->message);
    fe->retry_after_s = e->retry_after_s;
    if (e->metadata != NULL)
        fe->metadata = json_deep_copy(e->metadata);
    if (g->gen_id[0] != '\0')
        img_fill_record(g, g->x == NULL ? "cancelled" : "error",
                        e->status, e->message);
    if (ir_store_run(g->srv->store, img_release, img_release_done, g) !=
        IR_OK)
        img_send_error(g, e); /* the hold expires and is swept */
}

static void
img_abort_cb(struct ir_exchange *x, void *arg)
{
    struct img_gen *g = arg;

    (void)x;
    g->client_gone = true;
    if (g->refs != NULL) {
        struct ir_error e;

        ir_routing_refs_cancel(g->refs);
        g->refs = NULL;
        ir_exchange_reply(g->x, 499, NULL, NULL, 0);
        g->x = NULL;
        ir_error_init(&e);
        ir_error_set(&e, 499, "client closed the request");
        img_fail(g, &e);
        ir_error_cleanup(&e);
        return;
    }
    if (g->job != NULL) {
        struct ir_job *j = g->job;

        /* Stop the provider work now; nothing is charged. g lives on
         * until the job lets go of the request (img_job_released). */
        g->job = NULL;
        ir_routing_metrics_inflight(g->srv->metrics, -1);
        ir_log_info("generation %s cancelled: client disconnected",
                    g->gen_id);
        ir_exchange_reply(g->x, 499, NULL, NULL, 0);
        g->x = NULL;
        ir_routing_job_cancel(j);
    }
    /* Otherwise a store job is running; its callback sees client_gone. */
}

static void
img_job_released(void *arg)
{
    struct img_gen *g = arg;
    struct ir_error e;

    /* The client went away mid-generation: no charge. */
    ir_error_init(&e);
    ir_error_set(&e, 499, "client closed the request");
    img_fail(g, &e);
    ir_error_cleanup(&e);
}

static ir_err
img_begin_sse(struct img_gen *g, const struct ir_endpoint *ep)
{
    if (g->sse_started)
        return IR_OK;
    if (ir_exchange_header_add(g->x, "X-Generation-Id", g->gen_id) != IR_OK ||
        ir_exchange_header_add(g->x, "X-Provider-Name", ep->provider_name) !=
            IR_OK ||
        ir_exchange_header_add(g->x, "Cache-Control", "no-cache") != IR_OK)
        return IR_ENOMEM;
    ir_exchange_stream_begin(g->x, 200, "text/event-stream");
    g->sse_started = true;
    return IR_OK;
}

static void
img_job_partial(void *arg, const struct ir_endpoint *ep, int index,
                char *owned_b64, size_t len)
{
    struct img_gen *g = arg;
    struct ir_geom_target none = {0};
    const struct ir_geom_target *geom = &none;
    struct ir_buf b;
    size_t i;

    /* The geometry the streaming endpoint was asked for. */
    for (i = 0; i < g->plan.n; i++)
        if (g->plan.e[i].ep == ep) {
            geom = &g->plan.e[i].geom;
            break;
        }
    ir_buf_init(&b, IR_MAX_RESPONSE);
    if (img_begin_sse(g, ep) == IR_OK &&
        ir_api_render_partial(g->flavor, &g->req, g->created, index,
                              owned_b64, len, geom, &b) == IR_OK) {
        char *bytes = ir_buf_take(&b, &len);

        ir_exchange_stream_write_owned(g->x, bytes, len);
    }
    ir_buf_cleanup(&b);
    ir_free(owned_b64);
}

/* ---- success: price, record, answer -------------------------------- */

static void
img_fill_record(struct img_gen *g, const char *status, int http_status,
                const char *message)
{
    struct ir_generation *r = &g->end->rec; /* the caller made end */
    const struct ir_attribution *a = &g->req.attribution;
    bool ok = http_status == 200;

    memset(r, 0, sizeof *r);
    (void)snprintf(r->id, sizeof r->id, "%s", g->gen_id);
    memcpy(r->key_hash, g->key.hash, sizeof r->key_hash);
    (void)snprintf(r->model, sizeof r->model, "%s", g->model->id);
    if (g->end->out.ep != NULL) {
        (void)snprintf(r->provider_name, sizeof r->provider_name, "%s",
                       g->end->out.ep->provider_name);
        (void)snprintf(r->provider_slug, sizeof r->provider_slug, "%s",
                       g->end->out.ep->provider_slug);
    }
    (void)snprintf(r->status, sizeof r->status, "%s", status);
    (void)snprintf(r->error_message, sizeof r->error_message, "%s",
                   message ? message : "");
    (void)snprintf(r->finish_reason, sizeof r->finish_reason, "%s",
                   ok ? "stop" : status);
    r->http_status = http_status;
    r->created_at = g->created;
    r->latency_ms = ir_time_mono_ms() - g->start_ms;
    r->generation_ms = g->end->out.provider_ms;
    r->cancelled = strcmp(status, "cancelled") == 0;
    /* Failures cost nothing; an unknown price is unknown, not zero. */
    r->cost_nanos = !ok ? 0
                        : g->usage.cost.known ? g->usage.cost.total_nanos
                                              : IR_NANOS_NONE;
    r->prompt_tokens = g->usage.tokens.prompt_tokens;
    r->completion_tokens = g->usage.tokens.completion_tokens;
    r->image_tokens = g->usage.tokens.image_tokens;
    r->num_images = (int)g->end->out.res.nimages;
    r->attempts = g->end->out.attempts;
    r->streamed = g->sse_started;
    (void)snprintf(r->referer, sizeof r->referer, "%s",
                   a->referer ? a->referer : "");
    (void)snprintf(r->title, sizeof r->title, "%s", a->title ? a->title : "");
    (void)snprintf(r->categories, sizeof r->categories, "%s",
                   a->categories ? a->categories : "");
    {
        const char *ua = g->x ? ir_exchange_header(g->x, "User-Agent") : NULL;

        (void)snprintf(r->user_agent, sizeof r->user_agent, "%s",
                       ua ? ua : "");
    }
}

static void
img_respond(struct img_gen *g)
{
    struct ir_gen_result *res = &g->end->out.res;
    struct ir_buf b;
    size_t i, len, skip = 0;
    char *bytes;
    ir_err err = IR_OK;

    ir_buf_init(&b, IR_MAX_RESPONSE);
    /* SSE once it has begun, for any stream:true on a streaming endpoint
     * (even one that sent no previews: the SDK picks its parser by
     * Content-Type), and for OpenAI's route whenever stream:true (its
     * client parses any such answer as SSE). The stream starts only now,
     * so failures before this point keep their HTTP status. */
    if (g->sse_started ||
        (g->req.stream && (g->end->out.ep->supports_streaming ||
                           g->flavor == IR_API_OPENAI))) {
        if (!g->sse_started)
            err = img_begin_sse(g, g->end->out.ep);
        for (i = 0; err == IR_OK && i < res->nimages; i++)
            err = ir_api_render_completed(g->flavor, &g->req, g->created,
                                          &res->images[i], &g->usage,
                                          i + 1 == res->nimages, &b,
                                          &skip);
        if (err == IR_OK && g->flavor == IR_API_OPENROUTER)
            err = ir_buf_adds(&b, "data: [DONE]\n\n");
        if (err != IR_OK) {
            struct ir_error e;

            ir_buf_cleanup(&b);
            ir_error_init(&e);
            ir_error_set(&e, 500, "rendering the response failed");
            img_fail(g, &e);
            ir_error_cleanup(&e);
            return;
        }
        ir_routing_metrics_request(g->srv->metrics, 200,
                                   (int64_t)(b.len - skip));
        bytes = ir_buf_take(&b, &len);
        ir_exchange_stream_write_owned_at(g->x, bytes, skip, len - skip);
        ir_exchange_stream_end(g->x);
        img_free(g);
        return;
    }
    err = ir_api_render_json(g->flavor, &g->req, g->created, res, &g->usage,
                             &b, &skip);
    if (err == IR_OK &&
        (ir_exchange_header_add(g->x, "X-Generation-Id", g->gen_id) ||
         ir_exchange_header_add(g->x, "X-Provider-Name",
                                g->end->out.ep->provider_name)))
        err = IR_ENOMEM;
    if (err != IR_OK) {
        struct ir_error e;

        ir_buf_cleanup(&b);
        ir_error_init(&e);
        ir_error_set(&e, err == IR_ETOOBIG ? 502 : 500,
                     "the response is too large to send");
        img_fail(g, &e);
        ir_error_cleanup(&e);
        return;
    }
    ir_routing_metrics_request(g->srv->metrics, 200, (int64_t)(b.len - skip));
    bytes = ir_buf_take(&b, &len);
    ir_exchange_reply_owned_at(g->x, 200, "application/json", bytes, skip,
                               len - skip);
    img_free(g);
}

/* Success: the charge and the record land in one transaction, before
 * the response is written. */
static void
img_settle(struct ir_store_conn *c, void *arg)
{
    struct img_gen *g = arg;
    int64_t actual = g->usage.cost.known ? g->usage.cost.total_nanos : 0;

    g->store_err = ir_store_settle(c, g->rsv_id, actual, &g->end->rec, NULL);
}

static void
img_record_done(void *arg)
{
    struct img_gen *g = arg;
    struct ir_error e;

    if (g->store_err != IR_OK) {
        ir_error_init(&e);
        ir_error_set(&e, 500, "recording the generation failed");
        ir_log_error("generation %s: settle failed: %s", g->gen_id,
                     ir_strerror(g->store_err));
        img_fail(g, &e); /* the hold is released or swept */
        ir_error_cleanup(&e);
        return;
    }
    g->reserved = false;
    if (g->client_gone) {
        /* Delivered to the provider's bill and ours, but the client left
         * after the image was made: it is recorded and charged, as the
         * response was complete. */
        ir_exchange_reply(g->x, 499, NULL, NULL, 0);
        img_free(g);
        return;
    }
    img_respond(g);
}

static void
img_price(struct img_gen *g)
{
    struct ir_price_input in;
    const struct ir_endpoint *ep = g->end->out.ep;
    size_t i;

    memset(&in, 0, sizeof in);
    in.tier = g->end->out.geom.tier;
    in.quality = g->req.quality;
    in.nimages = g->end->out.res.nimages;
    for (i = 0; i < g->end->out.res.nimages && i < IR_MAX_N; i++) {
        in.sizes[i].w = g->end->out.res.images[i].w;
        in.sizes[i].h = g->end->out.res.images[i].h;
    }
    in.nrefs = g->req.nrefs;
    for (i = 0; i < g->req.nrefs && i < IR_MAX_REFS; i++) {
        const struct ir_ref *ref = &g->req.refs[i];
        enum ir_format f;
        int w = 0, h = 0;

        /* Header only: cheap. A URL the provider fetched is unknown (0x0)
         * and priced as one megapixel. */
        if (ref->bytes != NULL &&
            ir_image_probe(ref->bytes, ref->len, &w, &h, &f, NULL) == IR_OK) {
            in.ref_sizes[i].w = w;
            in.ref_sizes[i].h = h;
        }
    }
    in.usage = g->end->out.res.usage;
    g->usage.tokens = g->end->out.res.usage;
    g->usage.nimages = g->end->out.res.nimages;
    if (ir_core_pricing_cost(ep->pricing, ep->config, &in, &g->usage.cost) !=
        IR_OK)
        g->usage.cost.known = false;
}

static void
img_job_done(void *arg, struct ir_job_outcome *o)
{
    struct img_gen *g = arg;
    struct ir_error e;

    ir_error_init(&e);
    g->job = NULL;
    ir_routing_metrics_inflight(g->srv->metrics, -1);
    if (img_end(g) == NULL) {
        ir_error_set(&e, 500, "out of memory");
        img_fail(g, &e);
        ir_error_cleanup(&e);
        return;
    }
    g->end->out.ep = o->ep;
    g->end->out.geom = o->geom;
    g->end->out.attempts = o->attempts;
    g->end->out.provider_ms = o->provider_ms;
    if (o->err.status != 0) {
        ir_error_move(&e, &o->err);
        img_fail(g, &e);
        ir_error_cleanup(&e);
        return;
    }
    g->end->out.res = o->res;
    memset(&o->res, 0, sizeof o->res);
    img_price(g);
    img_fill_record(g, "success", 200, NULL);
    if (ir_store_run(g->srv->store, img_settle, img_record_done, g) !=
        IR_OK) {
        ir_error_init(&e);
        ir_error_set(&e, 500, "store unavailable");
        img_fail(g, &e);
        ir_error_cleanup(&e);
    }
}

/* ---- the front half: auth, validation, plan ------------------------- */

static ir_err
img_new_id(struct img_gen *g)
{
    char rnd[21];
    ir_err err;

    g->created = ir_time_unix();
    if ((err = ir_rand_alnum(rnd, 20)) != IR_OK)
        return err;
    (void)snprintf(g->gen_id, sizeof g->gen_id, "gen-img-%lld-%s",
                   (long long)g->created, rnd);
    return IR_OK;
}

static void
img_attribution(struct img_gen *g)
{
    struct ir_attribution *a = &g->req.attribution;
    const char *ref = ir_exchange_header(g->x, "HTTP-Referer");
    const char *title = ir_exchange_header(g->x, "X-OpenRouter-Title");
    const char *cats = ir_exchange_header(g->x, "X-OpenRouter-Categories");

    if (title == NULL)
        title = ir_exchange_header(g->x, "X-Title"); /* older name */
    if (ref != NULL && ref[0] != '\0')
        a->referer = ir_strndup(ref, 255);
    if (title != NULL && title[0] != '\0')
        a->title = ir_strndup(title, 127);
    if (cats != NULL && cats[0] != '\0')
        a->categories = ir_strndup(cats, 127);
}

static void
img_start_job(struct img_gen *g)
{
    struct ir_error e;
    int64_t deadline = ir_time_mono_ms() +
                       (int64_t)g->srv->cfg.request_deadline_s * 1000;

    ir_error_init(&e);
    if (ir_routing_job_start(g->srv, g->gen_id, &g->req, &g->plan, deadline,
                             &img_sink, g, &g->job) != IR_OK) {
        ir_error_set(&e, 500, "could not start the generation");
        img_fail(g, &e);
        ir_error_cleanup(&e);
        return;
    }
    ir_routing_metrics_inflight(g->srv->metrics, 1);
    ir_exchange_on_abort(g->x, img_abort_cb, g);
}

static void
img_after_reserve(struct img_gen *g)
{
    struct ir_error e;

    if (ir_routing_refs_needed(&g->req, &g->plan)) {
        if (ir_routing_refs_fetch(g->srv, &g->req, img_refs_done, g,
                                  &g->refs) != IR_OK) {
            ir_error_init(&e);
            ir_error_set(&e, 500, "could not fetch input_references");
            img_fail(g, &e);
            ir_error_cleanup(&e);
        }
        return;
    }
    img_start_job(g);
}

static void
img_refs_done(struct ir_error *err, void *arg)
{
    struct img_gen *g = arg;

    g->refs = NULL;
    if (err->status != 0) {
        img_fail(g, err);
        return;
    }
    img_start_job(g);
}

/* ---- rate limit and credit hold ------------------------------------- */

static void
img_reserve(struct ir_store_conn *c, void *arg)
{
    struct img_gen *g = arg;
    unsigned ttl = (unsigned)g->srv->cfg.request_deadline_s + 120;

    /* A job may run twice when its group commit fails (store.h), so
     * every output is set afresh. */
    g->deny_reason = NULL;
    g->rate_limited = false;
    if (g->key.rate_limit_requests > 0) {
        g->store_err = ir_store_rate_hit(c, g->key.hash,
                                         g->key.rate_limit_requests,
                                         g->key.rate_limit_interval_s,
                                         ir_time_unix(), &g->retry_after_s,
                                         NULL);
        if (g->store_err == IR_EDENIED) {
            g->rate_limited = true;
            return;
        }
        if (g->store_err != IR_OK)
            return;
    }
    g->store_err = ir_store_reserve(c, g->key.hash, g->hold_nanos, ttl,
                                    g->rsv_id, &g->deny_reason, NULL);
}

static void
img_reserve_done(void *arg)
{
    struct img_gen *g = arg;
    struct ir_error e;
    char limit[40];

    ir_error_init(&e);
    if (g->store_err == IR_OK)
        g->reserved = true;
    if (g->client_gone) {
        ir_exchange_reply(g->x, 499, NULL, NULL, 0);
        g->x = NULL;
        ir_error_set(&e, 499, "client closed the request");
    } else if (g->rate_limited) {
        ir_error_set(&e, 429,
                     "Rate limit exceeded: this key allows %d requests per "
                     "%d s; retry in %d s",
                     g->key.rate_limit_requests, g->key.rate_limit_interval_s,
                     g->retry_after_s);
        ir_error_meta_str(&e, "error_type", "rate_limit_exceeded");
        e.retry_after_s = g->retry_after_s > 0 ? g->retry_after_s : 1;
    } else if (g->store_err == IR_EDENIED &&
               (strcmp(g->deny_reason, "key_disabled") == 0 ||
                strcmp(g->deny_reason, "key_expired") == 0)) {
        ir_error_set(&e, 401, "API key %s is %s", g->key.label,
                     g->deny_reason + 4);
        ir_error_meta_str(&e, "error_type", "authentication");
    } else if (g->store_err == IR_EDENIED) {
        ir_api_format_usd(g->hold_nanos, limit, sizeof limit);
        if (strcmp(g->deny_reason, "insufficient_credits") == 0)
            ir_error_set(&e, 402,
                         "Insufficient credits: this request may cost up to "
                         "$%s, more than the account has left", limit);
        else
            ir_error_set(&e, 402,
                         "This request may cost up to $%s, which would "
                         "exceed key %s's limit given its usage and "
                         "requests in flight", limit, g->key.label);
        ir_error_meta_str(&e, "error_type", "payment_required");
        ir_error_meta_str(&e, "reason", g->deny_reason);
    } else if (g->store_err == IR_ENOTFOUND) {
        ir_error_set(&e, 401, "API key %s no longer exists", g->key.label);
        ir_error_meta_str(&e, "error_type", "authentication");
    } else if (g->store_err != IR_OK) {
        ir_error_set(&e, 500, "store error");
    }
    if (e.status != 0) {
        img_fail(g, &e); /* releases the hold if one was taken */
        ir_error_cleanup(&e);
        return;
    }
    img_after_reserve(g);
}

/* Validation and the plan: everything before the credit hold that needs
 * neither the key nor the store. On failure e holds the answer. */
static ir_err
img_prepare(struct img_gen *g, struct ir_error *e)
{
    const char *body;
    size_t len;

    body = ir_exchange_body(g->x, &len);
    if (g->parse(body, len, &g->req, e) != IR_OK)
        return IR_EINVAL;
    img_attribution(g);
    g->model = ir_catalog_find(g->srv->catalog, g->req.model);
    if (g->model == NULL || !ir_catalog_model_available(g->model)) {
        ir_error_set(e, 400,
                     "Model '%s' not found: GET /api/v1/images/models lists "
                     "the models this router serves",
                     g->req.model);
        ir_error_meta_str(e, "error_type", "model_not_found");
        ir_error_meta_str(e, "param", "model");
        return IR_EINVAL;
    }
    ir_routing_plan_cleanup(&g->plan); /* from a first try, if any */
    if (ir_routing_plan_build(g->model, &g->req, g->srv->health,
                              ir_time_mono_ms(), ir_rand_unit, &g->plan,
                              e) != IR_OK)
        return IR_EINVAL;
    /* Hold the most this request can cost on any endpoint it may try. */
    g->hold_nanos = g->plan.max_est_nanos;
    if (img_new_id(g) != IR_OK) {
        ir_error_set(e, 500, "could not make a generation id");
        return IR_EINTERNAL;
    }
    return IR_OK;
}

/* The slow path, for a request that does not validate: authenticate as
 * any route does, then validate again (the same bytes, the same answer)
 * and send the 400 only to a valid key. */
static void
img_authed(struct ir_exchange *x, const struct ir_key *key, void *arg)
{
    struct img_gen *g = arg;
    struct ir_error e;

    (void)x;
    if (key == NULL) {
        img_free(g);
        return;
    }
    g->key = *key;
    ir_error_init(&e);
    if (img_prepare(g, &e) != IR_OK)
        goto fail;
    ir_exchange_on_abort(g->x, img_abort_cb, g);
    if (ir_store_run_nosync(g->srv->store, img_reserve, img_reserve_done,
                            g) != IR_OK) {
        ir_error_set(&e, 500, "store unavailable");
        goto fail;
    }
    return;
fail:
    if (e.status == 0)
        ir_error_set(&e, 400, "Invalid request parameters");
    img_fail(g, &e);
    ir_error_cleanup(&e);
}

/* The usual path, on a store thread: the key lookup and the credit hold
 * in one store job, so one trip through the store thread instead of two.
 * Outputs set afresh (the job may run twice, store.h). */
static void
img_admit(struct ir_store_conn *c, void *arg)
{
    struct img_gen *g = arg;

    g->key_err = ir_store_key_get(c, g->bearer_hash, &g->key, NULL);
    g->verdict = ir_api_auth_judge(g->key_err, &g->key, IR_AUTH_GENERATE,
                                   ir_time_unix());
    g->store_err = IR_EDENIED;
    if (g->verdict == IR_AUTH_OK)
        img_reserve(c, g);
}

static void
img_admit_done(void *arg)
{
    struct img_gen *g = arg;

    if (g->verdict == IR_AUTH_OK) {
        img_reserve_done(g);
        return;
    }
    /* No hold was taken: answer as ir_api_auth would. */
    if (g->client_gone)
        ir_exchange_reply(g->x, 499, NULL, NULL, 0); /* nobody listens */
    else
        ir_api_auth_refuse(g->x, g->verdict, &g->key);
    img_free(g);
}

/* At the in-flight cap: refuse before authentication, reservation or any
 * upstream socket, so nothing is charged and the client may retry. */
static void
img_overloaded(struct ir_server *srv, struct ir_exchange *x)
{
    struct ir_error e;

    ir_error_init(&e);
    ir_error_set(&e, 503,
                 "Router at capacity: %zu generations in flight (the most "
                 "it serves at once); retry shortly",
                 srv->generations);
    ir_error_meta_str(&e, "error_type", "router_overloaded");
    ir_error_meta_str(&e, "reason", "max_inflight");
    e.retry_after_s = IMG_OVERLOAD_RETRY_S;
    ir_routing_metrics_request(srv->metrics, 503, 0);
    ir_exchange_reply_error(x, &e);
    ir_error_cleanup(&e);
}

void
ir_api_images_handle(struct ir_server *srv, struct ir_exchange *x,
                     enum ir_api_flavor flavor, ir_api_images_parse_fn *parse)
{
    struct img_gen *g;
    struct ir_error e;

    if (srv->generations >= srv->cfg.max_inflight) {
        img_overloaded(srv, x);
        return;
    }
    g = ir_calloc(1, sizeof *g);
    if (g == NULL) {
        ir_api_reply_status(x, 500, "server", "out of memory");
        return;
    }
    srv->generations++;
    g->srv = srv;
    g->x = x;
    g->flavor = flavor;
    g->parse = parse;
    g->start_ms = ir_time_mono_ms();
    ir_request_init(&g->req);
    if (!ir_api_auth_bearer(x, g->bearer_hash)) {
        img_free(g);
        return;
    }
    ir_error_init(&e);
    if (img_prepare(g, &e) != IR_OK) {
        /* Start again on the slow path, which authenticates first. */
        ir_error_cleanup(&e);
        ir_request_cleanup(&g->req);
        ir_request_init(&g->req);
        g->model = NULL;
        g->gen_id[0] = '\0';
        ir_api_auth(srv, x, IR_AUTH_GENERATE, img_authed, g);
        return;
    }
    ir_exchange_on_abort(x, img_abort_cb, g);
    /* A hold need not reach the disk before the provider call: after a
     * power cut the restart gives every hold back (ir_store_claim), and
     * the settle's synced commit makes it durable with the charge. */
    if (ir_store_run_nosync(srv->store, img_admit, img_admit_done, g) !=
        IR_OK) {
        ir_exchange_on_abort(x, NULL, NULL);
        ir_api_reply_status(x, 500, "server", "store unavailable");
        img_free(g);
    }
}

static void
images_cb(struct ir_exchange *x, void *arg)
{
    ir_api_images_handle(arg, x, IR_API_OPENROUTER, ir_core_request_parse);
}

ir_err
ir_api_images_install(struct ir_server *srv)
{
    ir_err err;

    if ((err = ir_http_server_route(srv->http, "POST", "/api/v1/images",
                                    images_cb, srv)) != IR_OK)
        return err;
    /* The OpenAI SDK's path under the OpenRouter base URL. */
    return ir_http_server_route(srv->http, "POST",
                                "/api/v1/images/generations", images_cb, srv);
}
