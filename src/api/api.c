/* SPDX-License-Identifier: Apache-2.0
 * api/api.c - installs every HTTP surface on the server.
 */
#include "api/api.h"

#include "api/reply.h"
#include "routing/metrics.h"
#include "server/http_server.h"
#include "util/buf.h"
#include "util/mem.h"

static void
api_not_found(struct ir_exchange *x, void *arg)
{
    (void)arg;
    ir_api_reply_status(x, 404, "not_found", "No route for %s %s",
                        ir_exchange_method(x), ir_exchange_path(x));
}

static void
api_metrics_cb(struct ir_exchange *x, void *arg)
{
    struct ir_server *srv = arg;
    struct ir_buf b;
    size_t len;
    char *bytes;

    ir_buf_init(&b, 4 * 1024 * 1024);
    if (ir_routing_metrics_render(srv->metrics, &b) != IR_OK ||
        ir_buf_addf(&b,
                    "# HELP imagerouter_open_connections Client "
                    "connections.\n# TYPE imagerouter_open_connections "
                    "gauge\nimagerouter_open_connections %zu\n",
                    ir_http_server_connections(srv->http)) != IR_OK) {
        ir_buf_cleanup(&b);
        ir_api_reply_status(x, 500, "server", "metrics rendering failed");
        return;
    }
    bytes = ir_buf_take(&b, &len);
    ir_exchange_reply_owned(x, 200, "text/plain; version=0.0.4", bytes, len);
}

ir_err
ir_api_install(struct ir_server *srv)
{
    ir_err err;

    srv->api = ir_calloc(1, sizeof *srv->api);
    if (srv->api == NULL)
        return IR_ENOMEM;
    if ((err = ir_api_health_install(srv)) ||
        (err = ir_api_models_install(srv)) ||
        (err = ir_api_images_install(srv)) ||
        (err = ir_api_generation_install(srv)) ||
        (err = ir_api_openai_install(srv)) ||
        (err = ir_api_key_install(srv)) ||
        (err = ir_api_keys_install(srv)) ||
        (err = ir_api_credits_install(srv)) ||
        (err = ir_api_activity_install(srv)) ||
        (err = ir_http_server_route(srv->http, "GET", "/metrics",
                                    api_metrics_cb, srv)))
        return err;
    ir_http_server_fallback(srv->http, api_not_found, srv);
    return IR_OK;
}

void
ir_api_free(struct ir_api *api)
{
    if (api == NULL)
        return;
    free(api->models_json); /* from json_dumps */
    ir_free(api);
}
