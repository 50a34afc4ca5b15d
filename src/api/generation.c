/* SPDX-License-Identifier: Apache-2.0
 * api/generation.c - GET /api/v1/generation?id=gen-img-...: the stored
 * record of one generation. Visible to the key that made it and to
 * management keys; to anyone else it does not exist (404).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/auth.h"
#include "api/reply.h"
#include "core/pricing.h"
#include "server/http_server.h"
#include "util/ct.h"
#include "util/mem.h"

struct gen_job {
    struct ir_server *srv;
    struct ir_exchange *x;
    char id[64];
    struct ir_key key;
    struct ir_generation g;
    ir_err err;
};

static json_t *
gen_opt_string(const char *s)
{
    return s[0] != '\0' ? ir_api_json_string(s) : json_null();
}

/* GenerationResponse from the accounts OpenAPI: every required field,
 * null where an image router has nothing to say, plus our own fields
 * (status, provider_slug, app_title, ...). total_cost must be a number
 * there: an unknown price shows as 0 with cost_unknown true. */
static json_t *
gen_render(const struct ir_generation *g)
{
    char created[40];
    struct tm tm;
    time_t t = (time_t)g->created_at;
    bool known = g->cost_nanos != IR_NANOS_NONE;
    double cost = known ? ir_core_pricing_usd(g->cost_nanos) : 0.0;
    bool ok = strcmp(g->status, "success") == 0;
    json_t *d; /* owned */

    gmtime_r(&t, &tm);
    (void)strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    d = json_object();
    if (d == NULL)
        return NULL;
    json_object_set_new(d, "id", json_string(g->id));
    json_object_set_new(d, "upstream_id", gen_opt_string(g->upstream_id));
    json_object_set_new(d, "total_cost", json_real(cost));
    json_object_set_new(d, "usage", json_real(cost));
    json_object_set_new(d, "cost_unknown", json_boolean(!known));
    json_object_set_new(d, "cache_discount", json_null());
    json_object_set_new(d, "upstream_inference_cost",
                        known ? json_real(cost) : json_null());
    json_object_set_new(d, "created_at", json_string(created));
    json_object_set_new(d, "model", ir_api_json_string(g->model));
    json_object_set_new(d, "app_id", json_null());
    json_object_set_new(d, "streamed", json_boolean(g->streamed));
    json_object_set_new(d, "cancelled", json_boolean(g->cancelled));
    json_object_set_new(d, "provider_name", gen_opt_string(g->provider_name));
    json_object_set_new(d, "latency", json_integer(g->latency_ms));
    json_object_set_new(d, "moderation_latency", json_null());
    json_object_set_new(d, "generation_time", json_integer(g->generation_ms));
    json_object_set_new(d, "finish_reason",
                        json_string(ok ? "stop" : g->status));
    json_object_set_new(d, "native_finish_reason",
                        gen_opt_string(g->finish_reason));
    json_object_set_new(d, "service_tier", json_null());
    json_object_set_new(d, "tokens_prompt", json_integer(g->prompt_tokens));
    json_object_set_new(d, "tokens_completion",
                        json_integer(g->completion_tokens));
    json_object_set_new(d, "native_tokens_prompt",
                        json_integer(g->prompt_tokens));
    json_object_set_new(d, "native_tokens_completion",
                        json_integer(g->completion_tokens));
    json_object_set_new(d, "native_tokens_completion_images",
                        json_integer(g->image_tokens));
    json_object_set_new(d, "native_tokens_reasoning", json_null());
    json_object_set_new(d, "native_tokens_cached", json_null());
    json_object_set_new(d, "num_media_prompt", json_null());
    json_object_set_new(d, "num_input_audio_prompt", json_null());
    json_object_set_new(d, "num_media_completion",
                        json_integer(g->num_images));
    json_object_set_new(d, "num_search_results", json_null());
    json_object_set_new(d, "num_fetches", json_null());
    json_object_set_new(d, "web_search_engine", json_null());
    json_object_set_new(d, "origin", ir_api_json_string(g->referer));
    json_object_set_new(d, "is_byok", json_false());
    json_object_set_new(d, "external_user", json_null());
    json_object_set_new(d, "api_type", json_string("image"));
    json_object_set_new(d, "preset_id", json_null());
    json_object_set_new(d, "router", json_null());
    json_object_set_new(d, "provider_responses",
                        g->provider_responses[0]
                            ? json_loads(g->provider_responses, 0, NULL)
                            : json_null());
    json_object_set_new(d, "user_agent", gen_opt_string(g->user_agent));
    json_object_set_new(d, "http_referer", gen_opt_string(g->referer));
    json_object_set_new(d, "data_region", json_string("global"));
    json_object_set_new(d, "workspace_id", json_null());
    /* Ours. */
    json_object_set_new(d, "provider_slug", gen_opt_string(g->provider_slug));
    json_object_set_new(d, "status", json_string(g->status));
    json_object_set_new(d, "http_status", json_integer(g->http_status));
    json_object_set_new(d, "num_attempts", json_integer(g->attempts));
    json_object_set_new(d, "app_title", gen_opt_string(g->title));
    json_object_set_new(d, "app_categories", gen_opt_string(g->categories));
    json_object_set_new(d, "error_message", gen_opt_string(g->error_message));
    return json_pack("{s:o}", "data", d);
}

static void
gen_lookup(struct ir_store_conn *c, void *arg)
{
    struct gen_job *j = arg;

    j->err = ir_store_generation_get(c, j->id, &j->g, NULL);
}

static void
gen_lookup_done(void *arg)
{
    struct gen_job *j = arg;
    bool mine;

    mine = j->err == IR_OK &&
           (j->key.management ||
            ir_ct_equal(j->g.key_hash, j->key.hash, IR_KEY_HASH_LEN));
    if (j->err != IR_OK && j->err != IR_ENOTFOUND)
        ir_api_reply_status(j->x, 500, "server", "store error");
    else if (!mine)
        ir_api_reply_status(j->x, 404, "not_found", "Generation %s not found",
                            j->id);
    else
        ir_api_reply_json(j->x, 200, gen_render(&j->g));
    ir_free(j);
}

static void
gen_authed(struct ir_exchange *x, const struct ir_key *key, void *arg)
{
    struct gen_job *j = arg;

    if (key == NULL) {
        ir_free(j);
        return;
    }
    j->key = *key;
    if (ir_store_run(j->srv->store, gen_lookup, gen_lookup_done, j) !=
        IR_OK) {
        ir_api_reply_status(x, 500, "server", "store unavailable");
        ir_free(j);
    }
}

static void
gen_cb(struct ir_exchange *x, void *arg)
{
    struct ir_server *srv = arg;
    struct gen_job *j;
    char id[64];

    if (ir_exchange_query_param(x, "id", id, sizeof id) == NULL ||
        id[0] == '\0') {
        ir_api_reply_status(x, 400, "invalid_request",
                            "Query parameter 'id' is required, e.g. "
                            "?id=gen-img-1790829263-IsDxAD6HYDnBBhQ96S7m");
        return;
    }
    j = ir_calloc(1, sizeof *j);
    if (j == NULL) {
        ir_api_reply_status(x, 500, "server", "out of memory");
        return;
    }
    j->srv = srv;
    j->x = x;
    (void)snprintf(j->id, sizeof j->id, "%s", id);
    ir_api_auth(srv, x, IR_AUTH_ANY, gen_authed, j);
}

ir_err
ir_api_generation_install(struct ir_server *srv)
{
    return ir_http_server_route(srv->http, "GET", "/api/v1/generation",
                                gen_cb, srv);
}
