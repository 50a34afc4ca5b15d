/* SPDX-License-Identifier: Apache-2.0
 * api/api.h - installs every HTTP route on the server, and the API's own
 * state (renderings cached because the catalog never changes at run time).
 */
#ifndef IR_API_API_H
#define IR_API_API_H

#include "server/server.h"
#include "util/err.h"

struct ir_api {
    char *models_json;  /* GET /api/v1/images/models body, owned */
    size_t models_len;
};

ir_err ir_api_install(struct ir_server *srv) IR_MUST_CHECK;
void ir_api_free(struct ir_api *api);

/* One file per surface; each registers its routes. */
ir_err ir_api_health_install(struct ir_server *srv) IR_MUST_CHECK;
ir_err ir_api_models_install(struct ir_server *srv) IR_MUST_CHECK;
ir_err ir_api_images_install(struct ir_server *srv) IR_MUST_CHECK;
ir_err ir_api_generation_install(struct ir_server *srv) IR_MUST_CHECK;
ir_err ir_api_openai_install(struct ir_server *srv) IR_MUST_CHECK;
ir_err ir_api_key_install(struct ir_server *srv) IR_MUST_CHECK;
ir_err ir_api_keys_install(struct ir_server *srv) IR_MUST_CHECK;
ir_err ir_api_credits_install(struct ir_server *srv) IR_MUST_CHECK;
ir_err ir_api_activity_install(struct ir_server *srv) IR_MUST_CHECK;

#endif
