/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/oauth.c - Google's OAuth token endpoint for service
 * accounts: POST /token, grant_type=urn:ietf:params:oauth:grant-type:
 * jwt-bearer, assertion=<RS256 JWT>. Checks the signature (against
 * --vertex-public-key), iss, aud, iat/exp and scope; hands out access
 * tokens for the Vertex paths. Errors are Google's {error,
 * error_description} bodies.
 */
#include "oauth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "providers.h"
#include "util.h"

#define TOKENS_MAX 1024
#define CLOUD_SCOPE "https://www.googleapis.com/auth/cloud-platform"

struct emu_token {
    char value[64];
    int64_t expires_ms;
    bool cloud;
};

struct emu_tokens {
    struct emu_token ring[TOKENS_MAX];
    size_t next;
};

static void oauth_fail(struct emu_ctx *c, const char *err,
                       const char *desc);
static json_t *oauth_part(const char *s, size_t len);
static bool oauth_verify(EVP_PKEY *key, const char *signed_part,
                         size_t signed_len, const char *sig_b64);
static bool oauth_aud_ok(struct emu_ctx *c, const char *aud);

struct emu_tokens *
emu_tokens_new(void)
{
    return calloc(1, sizeof(struct emu_tokens));
}

void
emu_tokens_free(struct emu_tokens *t)
{
    free(t);
}

int
emu_tokens_check(struct emu_tokens *t, const char *token)
{
    size_t i;

    if (token == NULL)
        return 1;
    for (i = 0; i < TOKENS_MAX; i++) {
        struct emu_token *k = &t->ring[i];
        if (k->value[0] == '\0' || strcmp(k->value, token) != 0)
            continue;
        if (emu_now_ms() > k->expires_ms)
            return 1;
        return k->cloud ? 0 : 2;
    }
    return 1;
}

static void
oauth_fail(struct emu_ctx *c, const char *err, const char *desc)
{
    emu_reply_json(c, 400, json_pack("{s:s, s:s}", "error", err,
                                     "error_description", desc));
}

void
emu_oauth_error(struct emu_ctx *c, int status, const char *msg,
                const char *code)
{
    emu_reply_json(c, status, json_pack("{s:s, s:s}", "error",
                                        code ? code : "internal_failure",
                                        "error_description",
                                        msg ? msg : "Backend Error"));
}

static json_t *
oauth_part(const char *s, size_t len)
{
    size_t n;
    unsigned char *raw = emu_b64_decode(s, len, &n);
    json_t *j;                     /* owned, returned */

    if (raw == NULL)
        return NULL;
    j = json_loadb((const char *)raw, n, 0, NULL);
    free(raw);
    return j;
}

static bool
oauth_verify(EVP_PKEY *key, const char *signed_part, size_t signed_len,
             const char *sig_b64)
{
    size_t siglen;
    unsigned char *sig = emu_b64_decode(sig_b64, strlen(sig_b64), &siglen);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = false;

    if (sig != NULL && md != NULL &&
        EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
        EVP_DigestVerify(md, sig, siglen, (const unsigned char *)signed_part,
                         signed_len) == 1)
        ok = true;
    EVP_MD_CTX_free(md);
    free(sig);
    return ok;
}

static bool
oauth_aud_ok(struct emu_ctx *c, const char *aud)
{
    static const char *const google[] = {
        "https://oauth2.googleapis.com/token",
        "https://www.googleapis.com/oauth2/v4/token",
        "https://accounts.google.com/o/oauth2/token", NULL };
    char mine[512], base[300];

    if (aud == NULL)
        return false;
    if (emu_str_in(aud, google))
        return true;
    emu_base_url(c, base, sizeof(base));
    snprintf(mine, sizeof(mine), "%s%s/token", base, c->prefix);
    return strcmp(aud, mine) == 0;
}

/* Checks in Google's order; the first failure answers. */
static void
oauth_grant(struct emu_ctx *c, const char *assertion)
{
    const char *d1 = strchr(assertion, '.'), *d2;
    json_t *hdr = NULL, *claims = NULL;   /* owned */
    const char *iss, *scope, *alg;
    json_int_t iat, exp, now = emu_now_ms() / 1000;
    struct emu_token *t;

    d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (d1 == NULL || d2 == NULL ||
        (hdr = oauth_part(assertion, (size_t)(d1 - assertion))) == NULL ||
        (claims = oauth_part(d1 + 1, (size_t)(d2 - d1 - 1))) == NULL) {
        oauth_fail(c, "invalid_grant", "Invalid JWT: malformed assertion.");
        goto out;
    }
    alg = json_string_value(json_object_get(hdr, "alg"));
    if (alg == NULL || strcmp(alg, "RS256") != 0 ||
        (c->emu->cfg.vertex_key != NULL &&
         !oauth_verify(c->emu->cfg.vertex_key, assertion,
                       (size_t)(d2 - assertion), d2 + 1))) {
        oauth_fail(c, "invalid_grant", "Invalid JWT Signature.");
        goto out;
    }
    iss = json_string_value(json_object_get(claims, "iss"));
    if (iss == NULL || (c->emu->cfg.vertex_email != NULL &&
                        strcmp(iss, c->emu->cfg.vertex_email) != 0)) {
        oauth_fail(c, "invalid_grant", "Invalid grant: account not found");
        goto out;
    }
    if (!oauth_aud_ok(c, json_string_value(json_object_get(claims,
                                                           "aud")))) {
        oauth_fail(c, "invalid_grant", "Invalid JWT: Failed audience check. "
                   "The right audience is https://oauth2.googleapis.com/"
                   "token");
        goto out;
    }
    iat = json_integer_value(json_object_get(claims, "iat"));
    exp = json_integer_value(json_object_get(claims, "exp"));
    if (iat <= 0 || exp <= 0 || exp <= now || exp - iat > 3600 ||
        iat > now + 300) {
        oauth_fail(c, "invalid_grant", "Invalid JWT: Token must be a "
                   "short-lived token (60 minutes) and in a reasonable "
                   "timeframe. Check your iat and exp values in the JWT "
                   "claim.");
        goto out;
    }
    scope = json_string_value(json_object_get(claims, "scope"));
    if (scope == NULL || *scope == '\0') {
        oauth_fail(c, "invalid_scope", "Invalid OAuth scope or ID token "
                   "audience provided.");
        goto out;
    }
    t = &c->emu->tokens->ring[c->emu->tokens->next];
    c->emu->tokens->next = (c->emu->tokens->next + 1) % TOKENS_MAX;
    memcpy(t->value, "ya29.emu-", 9);
    emu_hex_random(t->value + 9, 24);
    t->expires_ms = emu_now_ms() + 3600 * 1000;
    t->cloud = strstr(scope, CLOUD_SCOPE) != NULL;
    emu_reply_json(c, 200, json_pack("{s:s, s:i, s:s}", "access_token",
                                     t->value, "expires_in", 3599,
                                     "token_type", "Bearer"));
out:
    json_decref(hdr);
    json_decref(claims);
}

void
emu_oauth_handle(struct emu_ctx *c)
{
    struct evkeyvalq form;
    const char *gt, *as;
    char *body;

    if (evhttp_request_get_command(c->req) != EVHTTP_REQ_POST ||
        strcmp(c->path, "/token") != 0) {
        emu_reply_text(c, 404, "text/html", "<html><body>Not Found</body>"
                       "</html>");
        return;
    }
    TAILQ_INIT(&form);
    body = strndup((const char *)c->body, c->body_len);
    if (body == NULL || evhttp_parse_query_str(body, &form) != 0) {
        free(body);
        evhttp_clear_headers(&form);
        oauth_fail(c, "invalid_request", "Invalid request body.");
        return;
    }
    free(body);
    gt = evhttp_find_header(&form, "grant_type");
    as = evhttp_find_header(&form, "assertion");
    if (gt == NULL || strcmp(gt, "urn:ietf:params:oauth:grant-type:"
                                 "jwt-bearer") != 0) {
        char d[256];
        snprintf(d, sizeof(d), "Invalid grant_type: %s", gt ? gt : "");
        oauth_fail(c, "unsupported_grant_type", d);
    } else if (as == NULL || *as == '\0') {
        oauth_fail(c, "invalid_request",
                   "Missing required parameter: assertion");
    } else {
        oauth_grant(c, as);
    }
    evhttp_clear_headers(&form);
}
