/* SPDX-License-Identifier: Apache-2.0
 * providers/vertex_auth.h - OAuth2 access tokens for Vertex AI from a
 * Google service-account key (the JSON GOOGLE_APPLICATION_CREDENTIALS
 * names), by the JWT-bearer grant (RFC 7523). Pure: the engine reads the
 * key file, sends the request these functions build, and caches the
 * token until shortly before it expires.
 *
 *   struct ir_vertex_sa sa;
 *   ir_providers_vertex_auth_sa_parse(file_bytes, n, &sa, &d);
 *   ir_providers_vertex_auth_build(&sa, time(NULL), &req, &d);
 *   ... engine sends req, gets resp ...
 *   ir_providers_vertex_auth_parse(&resp, &token, &expires_in, &err);
 *   ... call.access_token = token until now + expires_in - 60 ...
 */
#ifndef IR_PROVIDERS_VERTEX_AUTH_H
#define IR_PROVIDERS_VERTEX_AUTH_H

#include "providers/provider.h"

#define IR_VERTEX_AUTH_SCOPE "https://www.googleapis.com/auth/cloud-platform"
#define IR_VERTEX_AUTH_TOKEN_URI "https://oauth2.googleapis.com/token"
#define IR_VERTEX_AUTH_LIFETIME 3600 /* seconds a signed assertion lives */

/* The fields of a service-account key file we use. All owned. */
struct ir_vertex_sa {
    char *client_email;
    char *private_key;    /* PEM (PKCS#8) */
    char *private_key_id; /* may be NULL */
    char *token_uri;      /* IR_VERTEX_AUTH_TOKEN_URI when absent */
    char *project_id;     /* may be NULL */
};

ir_err ir_providers_vertex_auth_sa_parse(const char *json, size_t len,
                                         struct ir_vertex_sa *out,
                                         struct ir_diag *d) IR_MUST_CHECK;
void ir_providers_vertex_auth_sa_cleanup(struct ir_vertex_sa *sa);

/* The signed RS256 assertion for now (unix seconds). Caller frees. */
ir_err ir_providers_vertex_auth_jwt(const struct ir_vertex_sa *sa,
                                    long long now, char **out,
                                    struct ir_diag *d) IR_MUST_CHECK;

/* POST token_uri, form-encoded grant_type=jwt-bearer&assertion=<jwt>. */
ir_err ir_providers_vertex_auth_build(const struct ir_vertex_sa *sa,
                                      long long now, struct ir_http_req *out,
                                      struct ir_diag *d) IR_MUST_CHECK;

/* The token endpoint's answer: {"access_token","expires_in",...}, or a
 * 502 in err ({"error","error_description"}, not JSON, truncated). */
ir_err ir_providers_vertex_auth_parse(const struct ir_http_resp *r,
                                      char **token, long long *expires_in,
                                      struct ir_error *err) IR_MUST_CHECK;

#endif
