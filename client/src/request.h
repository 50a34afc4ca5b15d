/* SPDX-License-Identifier: Apache-2.0
 * client/request.h - an imagerouter_request as the ImageGenerationRequest
 * JSON body. Fields that were not set are left out.
 */
#ifndef IRC_REQUEST_H
#define IRC_REQUEST_H

#include <stdbool.h>

#include "imagerouter.h"

#define IRC_MAX_INPUT_REFERENCES 16

/* The body as compact JSON (caller frees with free()), with "stream":true
 * when stream is set. Fails with INVALID_ARGUMENT when model or prompt is
 * missing, there are over 16 references, a list has a NULL item, or
 * provider.options_json is not a JSON object. */
int irc_request_json(const imagerouter_request *req, bool stream, char **out,
                     imagerouter_error **err);

#endif
