/* SPDX-License-Identifier: Apache-2.0
 * client/response.h - replies into SDK objects: the result being built, the
 * buffered ImageGenerationResponse, usage, and error envelopes.
 */
#ifndef IRC_RESPONSE_H
#define IRC_RESPONSE_H

#include <jansson.h>

#include "arena.h"
#include "http.h"
#include "imagerouter.h"

/* The object behind an imagerouter_result; pub comes first. */
struct irc_result {
    imagerouter_result pub;
    struct irc_arena arena;     /* strings, image bytes */
    imagerouter_image *images;  /* malloc'd array, pub.images */
    size_t cap;
};

struct irc_result *irc_result_new(void);
void irc_result_destroy(struct irc_result *r);
/* Decodes b64 into a new image; media_type NULL: sniffed. NULL: bad
 * base64 (*bad = true) or OOM (*bad = false). */
const imagerouter_image *irc_result_add_b64(struct irc_result *r,
                                            const char *b64, size_t len,
                                            const char *media_type,
                                            bool *bad);
/* Copies the reply headers (generation id, provider) into the result. */
bool irc_result_set_headers(struct irc_result *r,
                            const struct irc_http_resp *resp);

/* Fills u from a usage object (NULL or not an object: u->present false).
 * Strings go to the arena. false: a required field is missing or has the
 * wrong type (prompt/completion/total tokens must be integers). */
bool irc_response_usage(json_t *usage, struct irc_arena *a,
                        imagerouter_usage *u);

/* Parses a buffered ImageGenerationResponse into r. */
int irc_response_image(const char *body, size_t len, struct irc_result *r,
                       imagerouter_error **err);

/* The error for a non-2xx reply: kind from the status, message and
 * metadata from a JSON error envelope, else the body text. NULL: OOM. */
imagerouter_error *irc_response_error(const struct irc_http_resp *resp);

/* Compact JSON of v into the arena; NULL on OOM. */
char *irc_response_dump(json_t *v, struct irc_arena *a);

#endif
