/* SPDX-License-Identifier: Apache-2.0
 * api/health.c - GET /health: 200 once the server accepts requests.
 */
#include "api/api.h"
#include "server/http_server.h"

static void
health_cb(struct ir_exchange *x, void *arg)
{
    static const char body[] = "{\"status\":\"ok\"}";

    (void)arg;
    ir_exchange_reply(x, 200, "application/json", body, sizeof body - 1);
}

ir_err
ir_api_health_install(struct ir_server *srv)
{
    return ir_http_server_route(srv->http, "GET", "/health", health_cb, srv);
}
