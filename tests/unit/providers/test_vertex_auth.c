/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/providers/test_vertex_auth.c - service-account parsing, the
 * RS256 assertion (verified with the public half of a fresh key), the
 * token request, and the token answer.
 */
#include "prov_test.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "image/base64.h"
#include "providers/vertex_auth.h"

static EVP_PKEY *auth_key;
static char *auth_sa_json;

static int
group_setup(void **state)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem;
    long n;
    json_t *sa;

    (void)state;
    auth_key = EVP_RSA_gen(2048);
    if (auth_key == NULL || bio == NULL ||
        PEM_write_bio_PrivateKey(bio, auth_key, NULL, NULL, 0, NULL, NULL) != 1)
        return -1;
    n = BIO_get_mem_data(bio, &pem);
    sa = json_pack("{s:s,s:s,s:s,s:s#,s:s,s:s}", "type", "service_account",
                   "project_id", "my-proj", "private_key_id", "kid123",
                   "private_key", pem, (size_t)n, "client_email",
                   "router@my-proj.iam.gserviceaccount.com", "token_uri",
                   "http://127.0.0.1:9000/token");
    auth_sa_json = json_dumps(sa, 0);
    json_decref(sa);
    BIO_free(bio);
    return auth_sa_json != NULL ? 0 : -1;
}

static int
group_teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(auth_key);
    free(auth_sa_json);
    return 0;
}

/* base64url -> bytes. */
static unsigned char *
b64url_decode(const char *s, size_t n, size_t *outlen)
{
    char *t = malloc(n + 4);
    unsigned char *out = NULL;
    size_t i;

    for (i = 0; i < n; i++)
        t[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
    while (i % 4)
        t[i++] = '=';
    assert_int_equal(ir_base64_decode(t, i, &out, outlen), IR_OK);
    free(t);
    return out;
}

static void
test_sa_parse(void **state)
{
    struct ir_vertex_sa sa;
    struct ir_diag d;

    (void)state;
    assert_int_equal(ir_providers_vertex_auth_sa_parse(
                         auth_sa_json, strlen(auth_sa_json), &sa, &d), IR_OK);
    assert_string_equal(sa.client_email,
                        "router@my-proj.iam.gserviceaccount.com");
    assert_string_equal(sa.project_id, "my-proj");
    assert_string_equal(sa.token_uri, "http://127.0.0.1:9000/token");
    assert_non_null(strstr(sa.private_key, "BEGIN PRIVATE KEY"));
    ir_providers_vertex_auth_sa_cleanup(&sa);
    assert_int_equal(ir_providers_vertex_auth_sa_parse(
                         PT_LIT("{\"client_email\":\"a@b\","
                                "\"private_key\":\"x\"}"), &sa, &d), IR_OK);
    assert_string_equal(sa.token_uri, IR_VERTEX_AUTH_TOKEN_URI);
    ir_providers_vertex_auth_sa_cleanup(&sa);
    assert_int_not_equal(ir_providers_vertex_auth_sa_parse(
                             PT_LIT("{\"type\":\"authorized_user\"}"), &sa,
                             &d), IR_OK);
    assert_int_not_equal(ir_providers_vertex_auth_sa_parse(
                             PT_LIT("{\"client_email\":\"a@b\"}"), &sa, &d),
                         IR_OK);
    assert_int_not_equal(ir_providers_vertex_auth_sa_parse(PT_LIT("{"), &sa,
                                                           &d), IR_OK);
}

static void
test_jwt_signed_and_request(void **state)
{
    struct ir_vertex_sa sa;
    struct ir_http_req req = {0};
    struct ir_diag d;
    const char *dot1, *dot2, *a;
    unsigned char *hdr, *claims, *sig;
    size_t hl, cl, sl;
    json_t *h, *c;
    EVP_MD_CTX *md;

    (void)state;
    assert_int_equal(ir_providers_vertex_auth_sa_parse(
                         auth_sa_json, strlen(auth_sa_json), &sa, &d), IR_OK);
    assert_int_equal(ir_providers_vertex_auth_build(&sa, 1790000000, &req,
                                                    &d), IR_OK);
    assert_string_equal(req.method, "POST");
    assert_string_equal(req.url, "http://127.0.0.1:9000/token");
    assert_string_equal(pt_header(&req, "Content-Type"),
                        "application/x-www-form-urlencoded");
    a = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
        "&assertion=";
    assert_int_equal(strncmp(req.body, a, strlen(a)), 0);
    a = req.body + strlen(a);
    assert_int_equal(strlen(a), req.body_len - (size_t)(a - req.body));
    dot1 = strchr(a, '.');
    dot2 = strchr(dot1 + 1, '.');
    assert_non_null(dot2);
    hdr = b64url_decode(a, (size_t)(dot1 - a), &hl);
    claims = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &cl);
    sig = b64url_decode(dot2 + 1, strlen(dot2 + 1), &sl);
    h = json_loadb((char *)hdr, hl, 0, NULL);
    c = json_loadb((char *)claims, cl, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(h, "alg")),
                        "RS256");
    assert_string_equal(json_string_value(json_object_get(h, "kid")),
                        "kid123");
    assert_string_equal(json_string_value(json_object_get(c, "iss")),
                        "router@my-proj.iam.gserviceaccount.com");
    assert_string_equal(json_string_value(json_object_get(c, "aud")),
                        "http://127.0.0.1:9000/token");
    assert_string_equal(json_string_value(json_object_get(c, "scope")),
                        IR_VERTEX_AUTH_SCOPE);
    assert_int_equal(json_integer_value(json_object_get(c, "iat")),
                     1790000000);
    assert_int_equal(json_integer_value(json_object_get(c, "exp")),
                     1790003600);
    md = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
                                          auth_key), 1);
    assert_int_equal(EVP_DigestVerify(md, sig, sl, (const unsigned char *)a,
                                      (size_t)(dot2 - a)), 1);
    EVP_MD_CTX_free(md);
    json_decref(h);
    json_decref(c);
    ir_free(hdr);
    ir_free(claims);
    ir_free(sig);
    ir_http_req_cleanup(&req);
    ir_providers_vertex_auth_sa_cleanup(&sa);
}

static void
test_bad_key(void **state)
{
    struct ir_vertex_sa sa;
    struct ir_http_req req = {0};
    struct ir_diag d;

    (void)state;
    assert_int_equal(ir_providers_vertex_auth_sa_parse(
                         PT_LIT("{\"client_email\":\"a@b\",\"private_key\":"
                                "\"-----BEGIN PRIVATE KEY-----\\nAAAA\\n"
                                "-----END PRIVATE KEY-----\\n\"}"), &sa, &d),
                     IR_OK);
    assert_int_not_equal(ir_providers_vertex_auth_build(&sa, 1, &req, &d),
                         IR_OK);
    ir_http_req_cleanup(&req);
    ir_providers_vertex_auth_sa_cleanup(&sa);
}

static void
test_token_answer(void **state)
{
    struct pt t;
    struct ir_http_resp r = {0};
    char *tok;
    long long exp;
    ir_err e;

    (void)state;
    pt_init(&t, NULL, NULL, NULL, NULL, NULL, NULL);
    pt_fixture(&t, "vertex_auth/token_ok.json");
    r.status = 200;
    r.body = t.fixture;
    r.len = t.fixture_len;
    assert_int_equal(ir_providers_vertex_auth_parse(&r, &tok, &exp, &t.err),
                     IR_OK);
    assert_string_equal(tok, "ya29.c.b0AXv0zTOken");
    assert_int_equal(exp, 3599);
    ir_free(tok);
    pt_fixture(&t, "vertex_auth/token_error.json");
    r.status = 400;
    r.body = t.fixture;
    r.len = t.fixture_len;
    e = ir_providers_vertex_auth_parse(&r, &tok, &exp, &t.err);
    pt_assert_fail(&t, e, 502, true, NULL);
    assert_null(tok);
    assert_string_equal(pt_meta(&t, "provider_code"), "invalid_grant");
    ir_error_cleanup(&t.err);
    r.status = 200;
    r.body = "{\"token_type\":\"Bearer\"}";
    r.len = strlen(r.body);
    e = ir_providers_vertex_auth_parse(&r, &tok, &exp, &t.err);
    pt_assert_fail(&t, e, 502, true, NULL);
    ir_error_cleanup(&t.err);
    r.body = "{\"access_tok";
    r.len = strlen(r.body);
    r.truncated = true;
    e = ir_providers_vertex_auth_parse(&r, &tok, &exp, &t.err);
    pt_assert_fail(&t, e, 502, true, NULL);
    pt_cleanup(&t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sa_parse),
        cmocka_unit_test(test_jwt_signed_and_request),
        cmocka_unit_test(test_bad_key),
        cmocka_unit_test(test_token_answer),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
