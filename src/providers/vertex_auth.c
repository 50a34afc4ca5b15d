/* SPDX-License-Identifier: Apache-2.0
 * providers/vertex_auth.c - service-account JWT assertions (RS256 with
 * OpenSSL) and the token exchange request/answer for Vertex AI.
 */
#include "providers/vertex_auth.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "image/base64.h"
#include "providers/common.h"
#include "util/buf.h"
#include "util/crypto_lazy.h"
#include "util/mem.h"

#define VERTEX_AUTH_NAME "Google Vertex"

static ir_err vertex_auth_b64url(const void *in, size_t n, struct ir_buf *b)
    IR_MUST_CHECK;
static ir_err vertex_auth_sign(const char *pem, const char *msg, size_t n,
                               unsigned char **sig, size_t *siglen,
                               struct ir_diag *d) IR_MUST_CHECK;
static char *vertex_auth_dup(const json_t *root, const char *key);

static char *
vertex_auth_dup(const json_t *root, const char *key)
{
    const char *s = json_string_value(json_object_get(root, key));

    return s != NULL && s[0] != '\0' ? ir_strdup(s) : NULL;
}

ir_err
ir_providers_vertex_auth_sa_parse(const char *json, size_t len,
                                  struct ir_vertex_sa *out, struct ir_diag *d)
{
    json_t *root; /* owned */
    json_error_t je;
    const char *type;

    memset(out, 0, sizeof *out);
    if ((root = json_loadb(json, len, 0, &je)) == NULL) {
        ir_diag_set(d, "service account key: %s (line %d)", je.text,
                    je.line);
        return IR_EPARSE;
    }
    type = json_string_value(json_object_get(root, "type"));
    if (type != NULL && strcmp(type, "service_account") != 0) {
        ir_diag_set(d, "credentials of type \"%s\" are not a service "
                    "account key", type);
        json_decref(root);
        return IR_EUNSUPPORTED;
    }
    out->client_email = vertex_auth_dup(root, "client_email");
    out->private_key = vertex_auth_dup(root, "private_key");
    out->private_key_id = vertex_auth_dup(root, "private_key_id");
    out->project_id = vertex_auth_dup(root, "project_id");
    out->token_uri = vertex_auth_dup(root, "token_uri");
    if (out->token_uri == NULL)
        out->token_uri = ir_strdup(IR_VERTEX_AUTH_TOKEN_URI);
    json_decref(root);
    if (out->client_email == NULL || out->private_key == NULL) {
        ir_diag_set(d, "service account key lacks client_email or "
                    "private_key");
        ir_providers_vertex_auth_sa_cleanup(out);
        return IR_EPARSE;
    }
    if (out->token_uri == NULL) {
        ir_providers_vertex_auth_sa_cleanup(out);
        return IR_ENOMEM;
    }
    return IR_OK;
}

void
ir_providers_vertex_auth_sa_cleanup(struct ir_vertex_sa *sa)
{
    if (sa->private_key != NULL)
        memset(sa->private_key, 0, strlen(sa->private_key));
    ir_free(sa->client_email);
    ir_free(sa->private_key);
    ir_free(sa->private_key_id);
    ir_free(sa->token_uri);
    ir_free(sa->project_id);
    memset(sa, 0, sizeof *sa);
}

/* base64url without padding (RFC 7515 section 2). */
static ir_err
vertex_auth_b64url(const void *in, size_t n, struct ir_buf *b)
{
    char *s;
    size_t len, i;
    ir_err e;

    if ((e = ir_base64_encode(in, n, &s, &len)) != IR_OK)
        return e;
    while (len > 0 && s[len - 1] == '=')
        len--;
    for (i = 0; i < len; i++) {
        if (s[i] == '+')
            s[i] = '-';
        else if (s[i] == '/')
            s[i] = '_';
    }
    e = ir_buf_add(b, s, len);
    ir_free(s);
    return e;
}

static ir_err
vertex_auth_sign(const char *pem, const char *msg, size_t n,
                 unsigned char **sig, size_t *siglen, struct ir_diag *d)
{
    EVP_PKEY *key = NULL;
    EVP_MD_CTX *md = NULL;
    BIO *bio;
    ir_err e = IR_EPARSE;

    *sig = NULL;
    if (ir_crypto_lazy_load() != IR_OK) {
        ir_diag_set(d, "cannot load libcrypto: %s", ir_crypto_lazy_error());
        return IR_EINTERNAL;
    }
    if ((bio = BIO_new_mem_buf(pem, -1)) == NULL)
        return IR_ENOMEM;
    key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (key == NULL) {
        ir_diag_set(d, "service account private_key is not a PEM key");
        return IR_EPARSE;
    }
    if ((md = EVP_MD_CTX_new()) == NULL) {
        e = IR_ENOMEM;
        goto out;
    }
    if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(md, NULL, siglen, (const unsigned char *)msg, n) != 1)
        goto failed;
    if ((*sig = ir_malloc(*siglen)) == NULL) {
        e = IR_ENOMEM;
        goto out;
    }
    if (EVP_DigestSign(md, *sig, siglen, (const unsigned char *)msg, n) != 1)
        goto failed;
    e = IR_OK;
    goto out;
failed:
    ir_diag_set(d, "cannot sign with the service account key (RS256)");
    ir_free(*sig);
    *sig = NULL;
out:
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    return e;
}

ir_err
ir_providers_vertex_auth_jwt(const struct ir_vertex_sa *sa, long long now,
                             char **out, struct ir_diag *d)
{
    json_t *hdr = NULL, *claims = NULL; /* owned */
    char *hs = NULL, *cs = NULL;
    unsigned char *sig = NULL;
    size_t siglen = 0, signed_len;
    struct ir_buf b;
    ir_err e = IR_ENOMEM;

    ir_buf_init(&b, 64 * 1024);
    hdr = json_pack("{s:s,s:s}", "alg", "RS256", "typ", "JWT");
    claims = json_pack("{s:s,s:s,s:s,s:I,s:I}", "iss", sa->client_email,
                       "scope", IR_VERTEX_AUTH_SCOPE, "aud", sa->token_uri,
                       "iat", (json_int_t)now, "exp",
                       (json_int_t)(now + IR_VERTEX_AUTH_LIFETIME));
    if (hdr == NULL || claims == NULL)
        goto out;
    if (sa->private_key_id != NULL &&
        ir_providers_common_set(hdr, "kid", json_string(sa->private_key_id)))
        goto out;
    hs = json_dumps(hdr, JSON_COMPACT);
    cs = json_dumps(claims, JSON_COMPACT);
    if (hs == NULL || cs == NULL)
        goto out;
    if ((e = vertex_auth_b64url(hs, strlen(hs), &b)) != IR_OK ||
        (e = ir_buf_addc(&b, '.')) != IR_OK ||
        (e = vertex_auth_b64url(cs, strlen(cs), &b)) != IR_OK)
        goto out;
    signed_len = b.len;
    if ((e = vertex_auth_sign(sa->private_key, b.data, signed_len, &sig,
                              &siglen, d)) != IR_OK)
        goto out;
    if ((e = ir_buf_addc(&b, '.')) != IR_OK ||
        (e = vertex_auth_b64url(sig, siglen, &b)) != IR_OK)
        goto out;
    *out = ir_buf_take(&b, NULL);
    e = IR_OK;
out:
    ir_buf_cleanup(&b);
    free(hs);
    free(cs);
    ir_free(sig);
    json_decref(hdr);
    json_decref(claims);
    return e;
}

ir_err
ir_providers_vertex_auth_build(const struct ir_vertex_sa *sa, long long now,
                               struct ir_http_req *out, struct ir_diag *d)
{
    struct ir_buf b;
    char *jwt = NULL;
    ir_err e;

    if ((e = ir_providers_vertex_auth_jwt(sa, now, &jwt, d)) != IR_OK)
        return e;
    ir_buf_init(&b, 64 * 1024);
    /* The JWT is base64url and dots: nothing to percent-encode. */
    e = ir_buf_addf(&b, "grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3A"
                    "grant-type%%3Ajwt-bearer&assertion=%s", jwt);
    ir_free(jwt);
    if (e != IR_OK)
        goto fail;
    if ((e = ir_providers_common_url(out, "POST", "%s", sa->token_uri)) ||
        (e = ir_http_req_header(out, "Content-Type",
                                "application/x-www-form-urlencoded")) ||
        (e = ir_http_req_header(out, "Accept", "application/json")))
        goto fail;
    ir_free(out->body);
    out->body = ir_buf_take(&b, &out->body_len);
    return IR_OK;
fail:
    ir_buf_cleanup(&b);
    return e;
}

ir_err
ir_providers_vertex_auth_parse(const struct ir_http_resp *r, char **token,
                               long long *expires_in, struct ir_error *err)
{
    struct ir_providers_failure f = {0};
    struct ir_call none = {0};
    json_t *root = ir_providers_common_json(r); /* owned */
    const char *tok;
    ir_err e = IR_EUPSTREAM;

    *token = NULL;
    *expires_in = 0;
    if (!ir_providers_common_ok(r)) {
        f.message = json_string_value(json_object_get(root,
                                                      "error_description"));
        f.code = json_string_value(json_object_get(root, "error"));
        /* A refused assertion means our service account is wrong. */
        f.credentials = r->status == 400 || r->status == 401;
        ir_providers_common_fail(&none, r, VERTEX_AUTH_NAME, &f, err);
        goto out;
    }
    if (!ir_providers_common_check_body(&none, r, VERTEX_AUTH_NAME, root,
                                        err))
        goto out;
    tok = json_string_value(json_object_get(root, "access_token"));
    if (tok == NULL || tok[0] == '\0') {
        f.message = "the token endpoint returned no access_token";
        ir_providers_common_fail(&none, r, VERTEX_AUTH_NAME, &f, err);
        goto out;
    }
    if ((*token = ir_strdup(tok)) == NULL) {
        e = IR_ENOMEM;
        goto out;
    }
    *expires_in = json_integer_value(json_object_get(root, "expires_in"));
    if (*expires_in <= 0)
        *expires_in = IR_VERTEX_AUTH_LIFETIME;
    e = IR_OK;
out:
    json_decref(root);
    return e;
}
