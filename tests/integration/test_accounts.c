/* SPDX-License-Identifier: Apache-2.0
 * tests/integration/test_accounts.c - the account API end to end: every
 * endpoint's shape and statuses, keys made over HTTP used for
 * generation, limits (402), rate limits (429), what failed and cancelled
 * generations cost (nothing), and per-app attribution. Prices come from
 * tests/integration/priced_catalog.json: $0.01 per image.
 */
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "harness.h"
#include "store/store.h"

#define NANOS 1000000000LL
#define CENT (NANOS / 100)
#define PRICED "imagerouter-test/priced"
#define MGMT_ONLY "Only management keys can perform this operation"
#define T_BOOL 100 /* for assert_type: true or false */

static struct th_server srv;

struct made_key {
    char plain[128];
    char hash[IR_KEY_HASH_LEN + 1];
};

static int
group_setup(void **state)
{
    char catalog[1024];
    const char *src = getenv("IR_SOURCE_DIR");
    const char *args[] = {"--catalog", catalog, NULL};

    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    (void)snprintf(catalog, sizeof catalog,
                   "%s/tests/integration/priced_catalog.json",
                   src ? src : ".");
    th_server_start(&srv, args, NULL);
    return 0;
}

static int
group_teardown(void **state)
{
    int rc;

    (void)state;
    rc = th_server_stop(&srv);
    curl_global_cleanup();
    return rc == 0 ? 0 : -1;
}

/* ---- helpers --------------------------------------------------------- */

/* Any method, with an optional key and JSON body. */
static void
call(const char *method, const char *path, const char *key,
     const char *body, struct th_resp *r)
{
    char url[512], auth[256];
    const char *h[3] = {"Content-Type: application/json", NULL, NULL};

    (void)snprintf(url, sizeof url, "%s%s", srv.base, path);
    if (key != NULL) {
        (void)snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
        h[1] = auth;
    }
    th_request(method, url, h, body, body ? strlen(body) : 0, r);
}

static void
assert_error(const struct th_resp *r, long status, const char *needle)
{
    json_t *err, *code, *msg;

    if (r->status != status)
        fail_msg("status %ld, want %ld: %s", r->status, status, r->body);
    assert_non_null(r->json);
    err = json_object_get(r->json, "error");
    assert_true(json_is_object(err));
    code = json_object_get(err, "code");
    msg = json_object_get(err, "message");
    assert_true(json_is_integer(code));
    assert_int_equal(json_integer_value(code), status);
    assert_true(json_is_string(msg));
    if (needle != NULL && strstr(json_string_value(msg), needle) == NULL)
        fail_msg("message '%s' does not mention '%s'",
                 json_string_value(msg), needle);
}

static const char *
meta_str(const struct th_resp *r, const char *name)
{
    json_t *m = json_object_get(json_object_get(r->json, "error"),
                                "metadata");

    return json_string_value(json_object_get(m, name));
}

static int64_t
usd_nanos(const json_t *v)
{
    if (!json_is_number(v))
        fail_msg("not a USD number");
    return (int64_t)llround(json_number_value(v) * (double)NANOS);
}

static json_t *
data_of(const struct th_resp *r)
{
    json_t *d = json_object_get(r->json, "data");

    if (d == NULL)
        fail_msg("no data in %s", r->body);
    return d;
}

/* POST /api/v1/keys with body; 201 expected. */
static void
make_key(const char *body, struct made_key *k)
{
    struct th_resp r;
    json_t *d;

    call("POST", "/api/v1/keys", srv.mgmt_key, body, &r);
    if (r.status != 201)
        fail_msg("create %s: %ld %s", body, r.status, r.body);
    d = data_of(&r);
    (void)snprintf(k->plain, sizeof k->plain, "%s",
                   json_string_value(json_object_get(r.json, "key")));
    (void)snprintf(k->hash, sizeof k->hash, "%s",
                   json_string_value(json_object_get(d, "hash")));
    th_resp_free(&r);
}

static void
generate(const char *key, const char *body, struct th_resp *r)
{
    th_post_json(&srv, "/api/v1/images", key, body, r);
}

/* One $0.01 image; returns its charge in nanos. */
static int64_t
generate_ok(const char *key, int n)
{
    char body[160];
    struct th_resp r;
    int64_t cost;

    (void)snprintf(body, sizeof body,
                   "{\"model\":\"" PRICED "\",\"prompt\":\"a fox\","
                   "\"resolution\":\"512\",\"n\":%d}", n);
    generate(key, body, &r);
    if (r.status != 200)
        fail_msg("generate: %ld %s", r.status, r.body);
    cost = usd_nanos(json_object_get(json_object_get(r.json, "usage"),
                                     "cost"));
    th_resp_free(&r);
    return cost;
}

/* GET /api/v1/key with key: its data (caller decrefs). */
static json_t *
key_info(const char *key)
{
    struct th_resp r;
    json_t *d;

    th_get(&srv, "/api/v1/key", key, &r);
    if (r.status != 200)
        fail_msg("GET /key: %ld %s", r.status, r.body);
    d = json_incref(data_of(&r));
    th_resp_free(&r);
    return d;
}

static int64_t
key_usage(const char *key)
{
    json_t *d = key_info(key);
    int64_t u = usd_nanos(json_object_get(d, "usage"));

    json_decref(d);
    return u;
}

/* Open credit holds of a key, read from the store directly. */
static size_t
open_holds(const char *hash)
{
    struct ir_store_conn *c = NULL;
    struct ir_diag d = {""};
    int64_t sum = 0;
    size_t n = 0;

    if (ir_store_conn_open(srv.db, &c, &d) != IR_OK)
        fail_msg("store open: %s", d.msg);
    if (ir_store_reservations(c, hash, &n, &sum, &d) != IR_OK)
        fail_msg("reservations: %s", d.msg);
    ir_store_conn_close(c);
    return n;
}

static void
iso_time(time_t t, char *buf, size_t size)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
assert_type(const json_t *o, const char *name, int type, bool nullable)
{
    const json_t *v = json_object_get(o, name);

    if (v == NULL)
        fail_msg("field %s is missing", name);
    if (nullable && json_is_null(v))
        return;
    if (type == T_BOOL       ? !json_is_boolean(v)
        : type == JSON_REAL ? !json_is_number(v)
                            : (int)json_typeof(v) != type)
        fail_msg("field %s has type %d, want %d", name, json_typeof(v),
                 type);
}

/* Every field the OpenAPI requires of a key object (and a few more). */
static void
assert_key_object(const json_t *d)
{
    static const char *const usd[] = {
        "usage", "usage_daily", "usage_weekly", "usage_monthly",
        "byok_usage", "byok_usage_daily", "byok_usage_weekly",
        "byok_usage_monthly"};
    size_t i;

    assert_type(d, "hash", JSON_STRING, false);
    assert_int_equal(strlen(json_string_value(json_object_get(d, "hash"))),
                     IR_KEY_HASH_LEN);
    assert_type(d, "name", JSON_STRING, false);
    assert_type(d, "label", JSON_STRING, false);
    assert_type(d, "disabled", T_BOOL, false);
    assert_type(d, "limit", JSON_REAL, true);
    assert_type(d, "limit_remaining", JSON_REAL, true);
    assert_type(d, "limit_reset", JSON_STRING, true);
    assert_type(d, "include_byok_in_limit", T_BOOL, false);
    for (i = 0; i < sizeof usd / sizeof usd[0]; i++)
        assert_type(d, usd[i], JSON_REAL, false);
    assert_type(d, "created_at", JSON_STRING, false);
    assert_type(d, "updated_at", JSON_STRING, true);
    assert_type(d, "expires_at", JSON_STRING, true);
    assert_type(d, "creator_user_id", JSON_STRING, true);
    assert_type(d, "workspace_id", JSON_STRING, false);
    assert_null(json_object_get(d, "key")); /* the secret: never again */
}

/* ---- 401, 403, 404, 405 -------------------------------------------- */

static void
test_auth_statuses(void **state)
{
    static const char *const mgmt[][2] = {
        {"GET", "/api/v1/keys"},
        {"POST", "/api/v1/keys"},
        {"GET", "/api/v1/keys/0000000000000000000000000000000000000000"
                "000000000000000000000000"},
        {"PATCH", "/api/v1/keys/000000000000000000000000000000000000000"
                  "0000000000000000000000000"},
        {"DELETE", "/api/v1/keys/00000000000000000000000000000000000000"
                   "00000000000000000000000000"},
        {"GET", "/api/v1/credits"},
        {"POST", "/api/v1/credits"},
        {"GET", "/api/v1/activity"},
    };
    struct th_resp r;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof mgmt / sizeof mgmt[0]; i++) {
        const char *body = strcmp(mgmt[i][0], "GET") ? "{}" : NULL;

        call(mgmt[i][0], mgmt[i][1], NULL, body, &r);
        assert_error(&r, 401, "Missing Authentication header");
        th_resp_free(&r);
        call(mgmt[i][0], mgmt[i][1], "sk-ir-v1-nope", body, &r);
        assert_error(&r, 401, "Invalid API key");
        th_resp_free(&r);
        call(mgmt[i][0], mgmt[i][1], srv.key, body, &r);
        assert_error(&r, 403, MGMT_ONLY);
        th_resp_free(&r);
    }
    call("GET", "/api/v1/key", NULL, NULL, &r);
    assert_error(&r, 401, NULL);
    th_resp_free(&r);
    call("GET", "/api/v1/key", "Bearer-less", NULL, &r);
    assert_error(&r, 401, NULL);
    th_resp_free(&r);

    /* Unknown or malformed hashes: 404, after the key check. */
    call("GET", "/api/v1/keys/" "abababababababababababababababababababab"
                "abababababababababababab", srv.mgmt_key, NULL, &r);
    assert_error(&r, 404, NULL);
    th_resp_free(&r);
    call("PATCH", "/api/v1/keys/" "abababababababababababababababababababab"
                  "abababababababababababab", srv.mgmt_key,
         "{\"name\":\"x\"}", &r);
    assert_error(&r, 404, NULL);
    th_resp_free(&r);
    call("DELETE", "/api/v1/keys/not-a-hash", srv.mgmt_key, NULL, &r);
    assert_error(&r, 404, NULL);
    th_resp_free(&r);
    call("GET", "/api/v1/keys/", srv.mgmt_key, NULL, &r);
    assert_error(&r, 404, NULL);
    th_resp_free(&r);
    call("PUT", "/api/v1/keys", srv.mgmt_key, "{}", &r);
    assert_error(&r, 405, NULL);
    th_resp_free(&r);
}

/* ---- shapes ------------------------------------------------------------ */

static void
test_current_key_shape(void **state)
{
    json_t *d, *rl;

    (void)state;
    d = key_info(srv.key);
    assert_type(d, "label", JSON_STRING, false);
    assert_true(json_is_null(json_object_get(d, "limit")));
    assert_true(json_is_null(json_object_get(d, "limit_remaining")));
    assert_true(json_is_null(json_object_get(d, "limit_reset")));
    assert_type(d, "usage", JSON_REAL, false);
    assert_type(d, "usage_daily", JSON_REAL, false);
    assert_type(d, "usage_weekly", JSON_REAL, false);
    assert_type(d, "usage_monthly", JSON_REAL, false);
    assert_type(d, "byok_usage", JSON_REAL, false);
    assert_true(json_is_false(json_object_get(d, "is_management_key")));
    assert_true(json_is_false(json_object_get(d, "is_provisioning_key")));
    assert_true(json_is_false(json_object_get(d, "is_free_tier")));
    assert_true(json_is_boolean(json_object_get(d,
                                                "include_byok_in_limit")));
    assert_type(d, "creator_user_id", JSON_STRING, true);
    assert_true(json_is_null(json_object_get(d, "expires_at")));
    rl = json_object_get(d, "rate_limit");
    assert_true(json_is_integer(json_object_get(rl, "requests")));
    assert_true(json_is_string(json_object_get(rl, "interval")));
    assert_true(json_is_string(json_object_get(rl, "note")));
    json_decref(d);
    d = key_info(srv.mgmt_key);
    assert_true(json_is_true(json_object_get(d, "is_management_key")));
    json_decref(d);
}

/* POST with every field; checks the answer, fills k. */
static void
crud_create(struct made_key *k)
{
    char body[512], expires[40], h[IR_KEY_HASH_LEN + 1];
    struct th_resp r;
    json_t *d, *rl;

    iso_time(time(NULL) + 86400 * 400, expires, sizeof expires);
    (void)snprintf(body, sizeof body,
                   "{\"name\":\"crud\",\"limit\":0.07,\"limit_reset\":"
                   "\"monthly\",\"include_byok_in_limit\":true,"
                   "\"expires_at\":\"%s\",\"workspace_id\":\"ignored\","
                   "\"rate_limit\":{\"requests\":100,\"interval_s\":60}}",
                   expires);
    call("POST", "/api/v1/keys", srv.mgmt_key, body, &r);
    assert_int_equal(r.status, 201);
    d = data_of(&r);
    assert_key_object(d);
    assert_string_equal(json_string_value(json_object_get(d, "name")),
                        "crud");
    assert_int_equal(usd_nanos(json_object_get(d, "limit")), 7 * CENT);
    assert_int_equal(usd_nanos(json_object_get(d, "limit_remaining")),
                     7 * CENT);
    assert_string_equal(json_string_value(json_object_get(d, "limit_reset")),
                        "monthly");
    assert_true(json_is_true(json_object_get(d, "include_byok_in_limit")));
    assert_true(json_is_false(json_object_get(d, "disabled")));
    assert_string_equal(json_string_value(json_object_get(d, "expires_at")),
                        expires);
    assert_int_equal(usd_nanos(json_object_get(d, "usage")), 0);
    rl = json_object_get(d, "rate_limit");
    assert_int_equal(json_integer_value(json_object_get(rl, "requests")),
                     100);
    assert_int_equal(json_integer_value(json_object_get(rl, "interval_s")),
                     60);
    /* The plaintext, once; its SHA-256 is the hash. */
    assert_non_null(json_string_value(json_object_get(r.json, "key")));
    (void)snprintf(k->plain, sizeof k->plain, "%s",
                   json_string_value(json_object_get(r.json, "key")));
    (void)snprintf(k->hash, sizeof k->hash, "%s",
                   json_string_value(json_object_get(d, "hash")));
    ir_store_key_hash(k->plain, h);
    assert_string_equal(h, k->hash);
    th_resp_free(&r);
}

/* GET one and the list: the key is there, its plaintext is not. */
static void
crud_read(const struct made_key *k, const char *path)
{
    struct th_resp r;
    bool listed = false;
    json_t *d;
    size_t i;

    call("GET", path, srv.mgmt_key, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_key_object(data_of(&r));
    assert_null(strstr(r.body, k->plain));
    assert_null(json_object_get(r.json, "key"));
    th_resp_free(&r);
    call("GET", "/api/v1/keys", srv.mgmt_key, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, k->plain));
    d = data_of(&r);
    assert_true(json_is_array(d));
    for (i = 0; i < json_array_size(d); i++) {
        const json_t *o = json_array_get(d, i);

        assert_key_object(o);
        if (strcmp(json_string_value(json_object_get(o, "hash")),
                   k->hash) == 0)
            listed = true;
    }
    assert_true(listed);
    th_resp_free(&r);
}

/* PATCH every field; the answer is the whole key. Then the disabled
 * key is listed only when asked. */
static void
crud_patch(const struct made_key *k, const char *path)
{
    struct th_resp r;
    json_t *d;

    call("PATCH", path, srv.mgmt_key,
         "{\"name\":\"renamed\",\"limit\":1.5,\"limit_reset\":null,"
         "\"include_byok_in_limit\":false,\"disabled\":true,"
         "\"rate_limit\":null}", &r);
    assert_int_equal(r.status, 200);
    d = data_of(&r);
    assert_key_object(d);
    assert_string_equal(json_string_value(json_object_get(d, "name")),
                        "renamed");
    assert_int_equal(usd_nanos(json_object_get(d, "limit")), 150 * CENT);
    assert_true(json_is_null(json_object_get(d, "limit_reset")));
    assert_true(json_is_true(json_object_get(d, "disabled")));
    assert_true(json_is_false(json_object_get(d, "include_byok_in_limit")));
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(d, "rate_limit"), "requests")),
                     -1);
    assert_true(json_is_string(json_object_get(d, "updated_at")));
    th_resp_free(&r);

    call("GET", "/api/v1/keys?include_disabled=false", srv.mgmt_key, NULL,
         &r);
    assert_int_equal(r.status, 200);
    assert_null(strstr(r.body, k->hash));
    th_resp_free(&r);
    call("GET", "/api/v1/keys?include_disabled=true&offset=0", srv.mgmt_key,
         NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, k->hash));
    th_resp_free(&r);
    call("GET", "/api/v1/keys?include_disabled=true&offset=100000",
         srv.mgmt_key, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(data_of(&r)), 0);
    th_resp_free(&r);
}

static void
test_keys_crud(void **state)
{
    char path[128];
    struct made_key k;
    struct th_resp r;

    (void)state;
    crud_create(&k);
    (void)snprintf(path, sizeof path, "/api/v1/keys/%s", k.hash);
    crud_read(&k, path);
    crud_patch(&k, path);
    call("DELETE", path, srv.mgmt_key, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_true(json_is_true(json_object_get(r.json, "deleted")));
    th_resp_free(&r);
    call("GET", path, srv.mgmt_key, NULL, &r);
    assert_error(&r, 404, NULL);
    th_resp_free(&r);
    call("DELETE", path, srv.mgmt_key, NULL, &r);
    assert_error(&r, 404, NULL);
    th_resp_free(&r);
    call("GET", "/api/v1/key", k.plain, NULL, &r);
    assert_error(&r, 401, NULL);
    th_resp_free(&r);
}

static void
test_keys_validation(void **state)
{
    static const char *const bad[][3] = {
        /* method, body, the field the message names */
        {"POST", "{}", "name"},
        {"POST", "{\"name\":\"\"}", "name"},
        {"POST", "{\"name\":5}", "name"},
        {"POST", "{\"name\":\"x\",\"limit\":-1}", "limit"},
        {"POST", "{\"name\":\"x\",\"limit\":\"5\"}", "limit"},
        {"POST", "{\"name\":\"x\",\"limit\":0.0000000001}", "limit"},
        {"POST", "{\"name\":\"x\",\"limit\":1e12}", "limit"},
        {"POST", "{\"name\":\"x\",\"limit_reset\":\"yearly\"}",
         "limit_reset"},
        {"POST", "{\"name\":\"x\",\"limit_reset\":\"\"}", "limit_reset"},
        {"POST", "{\"name\":\"x\",\"include_byok_in_limit\":\"yes\"}",
         "include_byok_in_limit"},
        {"POST", "{\"name\":\"x\",\"expires_at\":\"2099-12-31T23:59:59"
                 "+02:00\"}", "expires_at"},
        {"POST", "{\"name\":\"x\",\"expires_at\":\"2099-02-30T00:00:00Z\"}",
         "expires_at"},
        {"POST", "{\"name\":\"x\",\"expires_at\":\"2001-01-01T00:00:00Z\"}",
         "expires_at"},
        {"POST", "{\"name\":\"x\",\"expires_at\":12}", "expires_at"},
        {"POST", "{\"name\":\"x\",\"rate_limit\":{\"requests\":-1}}",
         "rate_limit"},
        {"POST", "{\"name\":\"x\",\"rate_limit\":{\"requests\":5}}",
         "rate_limit"},
        {"POST", "{\"name\":\"x\",\"rate_limit\":{\"requests\":5,"
                 "\"interval_s\":0}}", "rate_limit"},
        {"POST", "{\"name\":\"x\",\"rate_limit\":true}", "rate_limit"},
        {"POST", "{\"name\":", "JSON"},
        {"POST", "[1]", "object"},
        {"PATCH", "{\"disabled\":\"no\"}", "disabled"},
        {"PATCH", "{\"name\":null}", "name"},
        {"PATCH", "{\"limit\":-0.5}", "limit"},
    };
    char path[128];
    struct made_key k;
    struct th_resp r;
    size_t i;

    (void)state;
    make_key("{\"name\":\"valid\"}", &k);
    (void)snprintf(path, sizeof path, "/api/v1/keys/%s", k.hash);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        call(bad[i][0], strcmp(bad[i][0], "POST") ? path : "/api/v1/keys",
             srv.mgmt_key, bad[i][1], &r);
        assert_error(&r, 400, bad[i][2]);
        th_resp_free(&r);
    }
    call("POST", "/api/v1/keys", srv.mgmt_key, "{\"name\":\"x\",\"limit\":"
         "0.5}", &r);
    assert_int_equal(r.status, 201);
    th_resp_free(&r);
    call("POST", "/api/v1/keys", srv.mgmt_key, "{\"name\":\"x\",\"limit\":"
         "-1}", &r);
    assert_string_equal(meta_str(&r, "param"), "limit");
    th_resp_free(&r);
    call("GET", "/api/v1/keys?offset=-1", srv.mgmt_key, NULL, &r);
    assert_error(&r, 400, "offset");
    th_resp_free(&r);
    call("GET", "/api/v1/keys?offset=abc", srv.mgmt_key, NULL, &r);
    assert_error(&r, 400, "offset");
    th_resp_free(&r);
    call("GET", "/api/v1/keys?include_disabled=maybe", srv.mgmt_key, NULL,
         &r);
    assert_error(&r, 400, "include_disabled");
    th_resp_free(&r);
    /* Nothing changed by the rejected PATCHes. */
    call("GET", path, srv.mgmt_key, NULL, &r);
    assert_string_equal(json_string_value(json_object_get(data_of(&r),
                                                          "name")),
                        "valid");
    assert_true(json_is_false(json_object_get(data_of(&r), "disabled")));
    th_resp_free(&r);
}

/* ---- keys at work ---------------------------------------------------- */

static void
test_http_key_generates(void **state)
{
    struct made_key k;
    json_t *d;

    (void)state;
    make_key("{\"name\":\"worker\",\"limit\":0.05,\"limit_reset\":"
             "\"daily\"}", &k);
    assert_int_equal(generate_ok(k.plain, 2), 2 * CENT);
    d = key_info(k.plain);
    assert_int_equal(usd_nanos(json_object_get(d, "usage")), 2 * CENT);
    assert_int_equal(usd_nanos(json_object_get(d, "usage_daily")),
                     2 * CENT);
    assert_int_equal(usd_nanos(json_object_get(d, "usage_weekly")),
                     2 * CENT);
    assert_int_equal(usd_nanos(json_object_get(d, "usage_monthly")),
                     2 * CENT);
    assert_int_equal(usd_nanos(json_object_get(d, "limit")), 5 * CENT);
    assert_int_equal(usd_nanos(json_object_get(d, "limit_remaining")),
                     3 * CENT);
    /* The reset rule is reported; the reset itself is in the store's
     * unit tests (a pinned clock). */
    assert_string_equal(json_string_value(json_object_get(d, "limit_reset")),
                        "daily");
    json_decref(d);
    assert_int_equal(open_holds(k.hash), 0);
}

static void
test_limit_reset_reported(void **state)
{
    static const char *const resets[] = {"weekly", "monthly", "daily"};
    char path[128], body[128];
    struct made_key k;
    struct th_resp r;
    json_t *d;
    size_t i;

    (void)state;
    make_key("{\"name\":\"resets\",\"limit\":1}", &k);
    d = key_info(k.plain);
    assert_true(json_is_null(json_object_get(d, "limit_reset")));
    json_decref(d);
    (void)snprintf(path, sizeof path, "/api/v1/keys/%s", k.hash);
    for (i = 0; i < sizeof resets / sizeof resets[0]; i++) {
        (void)snprintf(body, sizeof body, "{\"limit_reset\":\"%s\"}",
                       resets[i]);
        call("PATCH", path, srv.mgmt_key, body, &r);
        assert_int_equal(r.status, 200);
        th_resp_free(&r);
        d = key_info(k.plain);
        assert_string_equal(json_string_value(json_object_get(
                                d, "limit_reset")),
                            resets[i]);
        json_decref(d);
    }
}

static void
test_disabled_and_expired_keys(void **state)
{
    char body[160], expires[40], path[128];
    struct made_key k, e;
    struct th_resp r;
    time_t until;

    (void)state;
    make_key("{\"name\":\"toggle\"}", &k);
    (void)snprintf(path, sizeof path, "/api/v1/keys/%s", k.hash);
    call("PATCH", path, srv.mgmt_key, "{\"disabled\":true}", &r);
    assert_int_equal(r.status, 200);
    th_resp_free(&r);
    generate(k.plain, "{\"model\":\"" PRICED "\",\"prompt\":\"x\"}", &r);
    assert_error(&r, 401, "disabled");
    th_resp_free(&r);
    th_get(&srv, "/api/v1/key", k.plain, &r);
    assert_error(&r, 401, "disabled");
    th_resp_free(&r);
    call("PATCH", path, srv.mgmt_key, "{\"disabled\":false}", &r);
    th_resp_free(&r);
    assert_int_equal(generate_ok(k.plain, 1), CENT);

    /* A key that expires two seconds from now. */
    until = time(NULL) + 2;
    iso_time(until, expires, sizeof expires);
    (void)snprintf(body, sizeof body,
                   "{\"name\":\"brief\",\"expires_at\":\"%s\"}", expires);
    make_key(body, &e);
    th_get(&srv, "/api/v1/key", e.plain, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_string_value(json_object_get(data_of(&r),
                                                          "expires_at")),
                        expires);
    th_resp_free(&r);
    while (time(NULL) <= until)
        usleep(100000);
    generate(e.plain, "{\"model\":\"" PRICED "\",\"prompt\":\"x\"}", &r);
    assert_error(&r, 401, "expired");
    th_resp_free(&r);
    th_get(&srv, "/api/v1/key", e.plain, &r);
    assert_error(&r, 401, "expired");
    th_resp_free(&r);
    assert_int_equal(key_usage(k.plain), CENT);
}

/* ---- money ------------------------------------------------------------ */

static void
test_failures_cost_nothing(void **state)
{
    struct made_key k;
    struct th_resp r;

    (void)state;
    make_key("{\"name\":\"failures\",\"limit\":1}", &k);
    generate(k.plain, "{\"model\":\"" PRICED "\",\"prompt\":\"x\","
                      "\"resolution\":\"9K\"}", &r);
    assert_error(&r, 400, NULL);
    assert_null(th_header(&r, "X-Generation-Id", (char[64]){0}, 64));
    th_resp_free(&r);
    generate(k.plain, "{\"model\":\"nobody/nothing\",\"prompt\":\"x\"}", &r);
    assert_error(&r, 400, NULL);
    th_resp_free(&r);
    generate(k.plain, "{\"model\":\"" PRICED "\",\"prompt\":\"x\","
                      "\"n\":11}", &r);
    assert_error(&r, 400, NULL);
    th_resp_free(&r);
    assert_int_equal(key_usage(k.plain), 0);
    assert_int_equal(open_holds(k.hash), 0);
}

struct abort_ctx {
    size_t got;
    char gen_id[80];
};

static size_t
abort_body_cb(char *p, size_t size, size_t n, void *arg)
{
    struct abort_ctx *a = arg;

    (void)p;
    a->got += size * n;
    return 0; /* the first bytes are enough: hang up */
}

static size_t
abort_header_cb(char *p, size_t size, size_t n, void *arg)
{
    struct abort_ctx *a = arg;
    size_t len = size * n;
    const char *name = "X-Generation-Id:";

    if (len > strlen(name) && strncasecmp(p, name, strlen(name)) == 0)
        (void)snprintf(a->gen_id, sizeof a->gen_id, "%.*s",
                       (int)(len - strlen(name) - 3),
                       p + strlen(name) + 1);
    return len;
}

static void
test_disconnect_charges_nothing(void **state)
{
    char url[256], auth[256], path[160];
    struct abort_ctx a = {0, ""};
    struct curl_slist *h = NULL;
    struct made_key k;
    struct th_resp r;
    CURL *c;
    CURLcode rc;
    json_t *g;
    int i;

    (void)state;
    make_key("{\"name\":\"leaver\",\"limit\":1}", &k);
    (void)snprintf(url, sizeof url, "%s/api/v1/images", srv.base);
    (void)snprintf(auth, sizeof auth, "Authorization: Bearer %s", k.plain);
    h = curl_slist_append(h, auth);
    h = curl_slist_append(h, "Content-Type: application/json");
    c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    /* A 4K image takes seconds; its partial images come first. (The
     * built-in renderer cannot be interrupted: the hold comes back when
     * the render ends, so one image keeps this test short.) */
    curl_easy_setopt(c, CURLOPT_POSTFIELDS,
                     "{\"model\":\"" PRICED "\",\"prompt\":\"slow\","
                     "\"resolution\":\"4K\",\"n\":1,\"stream\":true}");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, abort_body_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, abort_header_cb);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &a);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    rc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    assert_int_equal(rc, CURLE_WRITE_ERROR);
    assert_true(a.got > 0);
    assert_true(strncmp(a.gen_id, "gen-img-", 8) == 0);

    /* The hold is given back once the server has noticed. */
    for (i = 0; i < 600 && open_holds(k.hash) != 0; i++)
        usleep(100000);
    assert_int_equal(open_holds(k.hash), 0);
    assert_int_equal(key_usage(k.plain), 0);
    (void)snprintf(path, sizeof path, "/api/v1/generation?id=%s", a.gen_id);
    for (i = 0; i < 100; i++) {
        th_get(&srv, path, k.plain, &r);
        if (r.status == 200)
            break;
        th_resp_free(&r);
        usleep(100000);
    }
    assert_int_equal(r.status, 200);
    g = data_of(&r);
    assert_true(json_is_true(json_object_get(g, "cancelled")));
    assert_int_equal(usd_nanos(json_object_get(g, "total_cost")), 0);
    th_resp_free(&r);
    /* The key still works for the whole limit. */
    assert_int_equal(generate_ok(k.plain, 1), CENT);
}

static void
test_limit_exhausted_402(void **state)
{
    struct made_key k;
    struct th_resp r;

    (void)state;
    make_key("{\"name\":\"tight\",\"limit\":0.025}", &k);
    assert_int_equal(generate_ok(k.plain, 1), CENT);
    /* 3 images may cost 0.03 > 0.015 left: refused up front. */
    generate(k.plain, "{\"model\":\"" PRICED "\",\"prompt\":\"x\","
                      "\"resolution\":\"512\",\"n\":3}", &r);
    assert_error(&r, 402, NULL);
    assert_string_equal(meta_str(&r, "reason"), "key_limit_exceeded");
    th_resp_free(&r);
    assert_int_equal(generate_ok(k.plain, 1), CENT);
    generate(k.plain, "{\"model\":\"" PRICED "\",\"prompt\":\"x\","
                      "\"resolution\":\"512\"}", &r);
    assert_error(&r, 402, NULL);
    assert_string_equal(meta_str(&r, "reason"), "key_limit_exceeded");
    th_resp_free(&r);
    /* Free models still fit. */
    generate(k.plain, "{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\","
                      "\"resolution\":\"512\"}", &r);
    assert_int_equal(r.status, 200);
    th_resp_free(&r);
    assert_int_equal(key_usage(k.plain), 2 * CENT);
    assert_int_equal(open_holds(k.hash), 0);
}

static void
test_rate_limit_429(void **state)
{
    struct made_key k;
    struct th_resp r;
    char ra[32];
    long secs;
    int i;

    (void)state;
    /* An hour-long window: the two requests cannot straddle it unless
     * the test runs across a full hour. */
    make_key("{\"name\":\"limited\",\"rate_limit\":{\"requests\":2,"
             "\"interval_s\":3600}}", &k);
    for (i = 0; i < 2; i++) {
        generate(k.plain, "{\"model\":\"imagerouter/abstract\","
                          "\"prompt\":\"x\",\"resolution\":\"512\"}", &r);
        assert_int_equal(r.status, 200);
        th_resp_free(&r);
    }
    generate(k.plain, "{\"model\":\"imagerouter/abstract\",\"prompt\":\"x\","
                      "\"resolution\":\"512\"}", &r);
    assert_error(&r, 429, "Rate limit");
    assert_non_null(th_header(&r, "Retry-After", ra, sizeof ra));
    secs = strtol(ra, NULL, 10);
    assert_true(secs >= 1 && secs <= 3600);
    th_resp_free(&r);
    assert_int_equal(open_holds(k.hash), 0);
}

static void
test_usage_cost_is_the_charge(void **state)
{
    static const int ns[] = {1, 3, 2, 1, 4};
    char path[160], id[80];
    struct made_key k;
    struct th_resp r, c0, c1;
    int64_t sum = 0, cost;
    size_t i;

    (void)state;
    make_key("{\"name\":\"ledger\"}", &k);
    call("GET", "/api/v1/credits", srv.mgmt_key, NULL, &c0);
    assert_int_equal(c0.status, 200);
    for (i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        char body[160];

        (void)snprintf(body, sizeof body,
                       "{\"model\":\"" PRICED "\",\"prompt\":\"p%zu\","
                       "\"resolution\":\"512\",\"n\":%d}", i, ns[i]);
        generate(k.plain, body, &r);
        assert_int_equal(r.status, 200);
        cost = usd_nanos(json_object_get(json_object_get(r.json, "usage"),
                                         "cost"));
        assert_int_equal(cost, ns[i] * CENT);
        sum += cost;
        assert_non_null(th_header(&r, "X-Generation-Id", id, sizeof id));
        th_resp_free(&r);
        (void)snprintf(path, sizeof path, "/api/v1/generation?id=%s", id);
        th_get(&srv, path, k.plain, &r);
        assert_int_equal(r.status, 200);
        assert_int_equal(usd_nanos(json_object_get(data_of(&r),
                                                   "total_cost")),
                         cost);
        th_resp_free(&r);
    }
    assert_int_equal(key_usage(k.plain), sum);
    call("GET", "/api/v1/credits", srv.mgmt_key, NULL, &c1);
    assert_int_equal(c1.status, 200);
    assert_int_equal(usd_nanos(json_object_get(data_of(&c1),
                                               "total_usage")) -
                         usd_nanos(json_object_get(data_of(&c0),
                                                   "total_usage")),
                     sum);
    th_resp_free(&c0);
    th_resp_free(&c1);
}

/* ---- attribution -------------------------------------------------------- */

static void
attributed(const char *key, const char *referer, const char *title,
           const char *cats, int n)
{
    char url[256], auth[256], hr[300], ht[200], hc[200], body[160];
    const char *h[6];
    struct th_resp r;
    size_t i = 0;

    (void)snprintf(url, sizeof url, "%s/api/v1/images", srv.base);
    (void)snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    h[i++] = auth;
    h[i++] = "Content-Type: application/json";
    if (referer != NULL) {
        (void)snprintf(hr, sizeof hr, "HTTP-Referer: %s", referer);
        h[i++] = hr;
    }
    if (title != NULL) {
        (void)snprintf(ht, sizeof ht, "X-OpenRouter-Title: %s", title);
        h[i++] = ht;
    }
    if (cats != NULL) {
        (void)snprintf(hc, sizeof hc, "X-OpenRouter-Categories: %s", cats);
        h[i++] = hc;
    }
    h[i] = NULL;
    (void)snprintf(body, sizeof body,
                   "{\"model\":\"" PRICED "\",\"prompt\":\"app\","
                   "\"resolution\":\"512\",\"n\":%d}", n);
    th_request("POST", url, h, body, strlen(body), &r);
    assert_int_equal(r.status, 200);
    th_resp_free(&r);
}

struct app_total {
    const char *referer, *title, *cats; /* NULL = null in the row */
    int64_t requests, images, usage;
};

static bool
app_field_is(const json_t *row, const char *name, const char *want)
{
    const json_t *v = json_object_get(row, name);

    if (want == NULL)
        return json_is_null(v);
    return json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

/* Adds each row of an activity answer to the app it belongs to; a row
 * of no expected app fails. */
static void
activity_tally(const struct th_resp *r, struct app_total *want, size_t n)
{
    json_t *rows = data_of(r);
    size_t i, j;

    assert_true(json_is_array(rows));
    for (i = 0; i < json_array_size(rows); i++) {
        const json_t *row = json_array_get(rows, i);
        bool found = false;

        assert_type(row, "date", JSON_STRING, false);
        assert_string_equal(json_string_value(json_object_get(row,
                                                              "model")),
                            PRICED);
        assert_type(row, "provider_name", JSON_STRING, false);
        assert_type(row, "endpoint_id", JSON_STRING, false);
        assert_type(row, "model_permaslug", JSON_STRING, false);
        assert_type(row, "prompt_tokens", JSON_INTEGER, false);
        assert_type(row, "completion_tokens", JSON_INTEGER, false);
        assert_type(row, "reasoning_tokens", JSON_INTEGER, false);
        assert_type(row, "byok_usage_inference", JSON_REAL, false);
        for (j = 0; j < n; j++) {
            if (!app_field_is(row, "http_referer", want[j].referer) ||
                !app_field_is(row, "app_title", want[j].title) ||
                !app_field_is(row, "app_categories", want[j].cats))
                continue;
            want[j].requests +=
                json_integer_value(json_object_get(row, "requests"));
            want[j].images +=
                json_integer_value(json_object_get(row, "images"));
            want[j].usage += usd_nanos(json_object_get(row, "usage"));
            found = true;
        }
        if (!found)
            fail_msg("unexpected row %zu in %s", i, r->body);
    }
}

static void
test_activity_by_app(void **state)
{
    struct app_total want[] = {
        {"https://a.example", "App A", "image-gen", 0, 0, 0},
        {"https://a.example", "App A", NULL, 0, 0, 0},
        {"https://b.example", NULL, NULL, 0, 0, 0},
        {NULL, NULL, NULL, 0, 0, 0},
    };
    char path[256], from[16], to[16];
    time_t now = time(NULL);
    struct made_key k;
    struct th_resp r;

    (void)state;
    make_key("{\"name\":\"apps\"}", &k);
    attributed(k.plain, "https://a.example", "App A", "image-gen", 1);
    attributed(k.plain, "https://a.example", "App A", NULL, 2);
    attributed(k.plain, "https://a.example", "App A", NULL, 1);
    attributed(k.plain, "https://b.example", NULL, NULL, 3);
    attributed(k.plain, NULL, NULL, NULL, 1);

    /* Yesterday to tomorrow: robust to a run across UTC midnight. */
    strftime(from, sizeof from, "%Y-%m-%d", gmtime(&(time_t){now - 86400}));
    strftime(to, sizeof to, "%Y-%m-%d", gmtime(&(time_t){now + 86400}));
    (void)snprintf(path, sizeof path,
                   "/api/v1/activity?from=%s&to=%s&api_key_hash=%s", from,
                   to, k.hash);
    call("GET", path, srv.mgmt_key, NULL, &r);
    assert_int_equal(r.status, 200);
    activity_tally(&r, want, sizeof want / sizeof want[0]);
    th_resp_free(&r);
    assert_int_equal(want[0].requests, 1);
    assert_int_equal(want[0].images, 1);
    assert_int_equal(want[0].usage, CENT);
    assert_int_equal(want[1].requests, 2);
    assert_int_equal(want[1].images, 3);
    assert_int_equal(want[1].usage, 3 * CENT);
    assert_int_equal(want[2].requests, 1);
    assert_int_equal(want[2].images, 3);
    assert_int_equal(want[2].usage, 3 * CENT);
    assert_int_equal(want[3].requests, 1);
    assert_int_equal(want[3].usage, CENT);

    /* One day, every key: today's rows include these. */
    strftime(from, sizeof from, "%Y-%m-%d", gmtime(&now));
    (void)snprintf(path, sizeof path, "/api/v1/activity?date=%s", from);
    call("GET", path, srv.mgmt_key, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "https://b.example"));
    th_resp_free(&r);
    call("GET", "/api/v1/activity", srv.mgmt_key, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "App A"));
    th_resp_free(&r);
    call("GET", "/api/v1/activity?date=2024-13-01", srv.mgmt_key, NULL, &r);
    assert_error(&r, 400, "date");
    th_resp_free(&r);
    call("GET", "/api/v1/activity?from=2024-02-01&to=2024-01-01",
         srv.mgmt_key, NULL, &r);
    assert_error(&r, 400, "from");
    th_resp_free(&r);
    call("GET", "/api/v1/activity?api_key_hash=xyz", srv.mgmt_key, NULL, &r);
    assert_error(&r, 400, "api_key_hash");
    th_resp_free(&r);
}

/* ---- credits (last: it caps the account, then lifts the cap) ------- */

static void
test_credits(void **state)
{
    char body[96];
    struct made_key k;
    struct th_resp r;
    int64_t used;
    json_t *d;

    (void)state;
    call("GET", "/api/v1/credits", srv.mgmt_key, NULL, &r);
    assert_int_equal(r.status, 200);
    d = data_of(&r);
    assert_type(d, "total_credits", JSON_REAL, false);
    assert_type(d, "total_usage", JSON_REAL, false);
    assert_true(json_is_false(json_object_get(d, "capped")));
    used = usd_nanos(json_object_get(d, "total_usage"));
    assert_true(used > 0);
    th_resp_free(&r);

    /* Bad grants. */
    call("POST", "/api/v1/credits", srv.mgmt_key, "{\"amount\":-1}", &r);
    assert_error(&r, 400, "amount");
    th_resp_free(&r);
    call("POST", "/api/v1/credits", srv.mgmt_key, "{\"amount\":0}", &r);
    assert_error(&r, 400, "amount");
    th_resp_free(&r);
    call("POST", "/api/v1/credits", srv.mgmt_key, "{}", &r);
    assert_error(&r, 400, "amount");
    th_resp_free(&r);
    call("POST", "/api/v1/credits", srv.mgmt_key,
         "{\"amount\":1,\"total\":2}", &r);
    assert_error(&r, 400, "total");
    th_resp_free(&r);

    /* Exactly what was used plus one cent: one image, then 402. */
    (void)snprintf(body, sizeof body, "{\"total\":%lld.%09lld}",
                   (long long)(used / NANOS), (long long)(used % NANOS));
    call("POST", "/api/v1/credits", srv.mgmt_key, body, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(usd_nanos(json_object_get(data_of(&r),
                                               "total_credits")),
                     used);
    th_resp_free(&r);
    call("POST", "/api/v1/credits", srv.mgmt_key, "{\"amount\":0.01}", &r);
    assert_int_equal(r.status, 200);
    d = data_of(&r);
    assert_true(json_is_true(json_object_get(d, "capped")));
    assert_int_equal(usd_nanos(json_object_get(d, "total_credits")),
                     used + CENT);
    th_resp_free(&r);
    make_key("{\"name\":\"spender\"}", &k);
    assert_int_equal(generate_ok(k.plain, 1), CENT);
    generate(k.plain, "{\"model\":\"" PRICED "\",\"prompt\":\"x\","
                      "\"resolution\":\"512\"}", &r);
    assert_error(&r, 402, NULL);
    assert_string_equal(meta_str(&r, "reason"), "insufficient_credits");
    th_resp_free(&r);

    call("POST", "/api/v1/credits", srv.mgmt_key, "{\"total\":null}", &r);
    assert_int_equal(r.status, 200);
    assert_true(json_is_false(json_object_get(data_of(&r), "capped")));
    assert_int_equal(usd_nanos(json_object_get(data_of(&r), "total_usage")),
                     used + CENT);
    th_resp_free(&r);
    assert_int_equal(generate_ok(k.plain, 1), CENT);
}

/* ---- a store in memory ------------------------------------------------ */

/* The value after "label" on a line of file, into dst. */
static bool
printed_key(const char *file, const char *label, char *dst, size_t size)
{
    char line[512], *p;
    FILE *f = fopen(file, "r");
    bool found = false;

    if (f == NULL)
        return false;
    while (!found && fgets(line, sizeof line, f) != NULL) {
        p = strstr(line, label);
        if (p == NULL)
            continue;
        p += strlen(label);
        p += strspn(p, " ");
        p[strcspn(p, " \r\n")] = '\0';
        found = snprintf(dst, size, "%s", p) < (int)size && *dst != '\0';
    }
    fclose(f);
    return found;
}

/* `serve --db :memory:` bootstraps its keys into the same in-memory
 * database the server then uses: the printed keys authenticate, and a
 * priced generation is reserved, settled and shows in the key's usage. */
static void
test_memory_store_bootstrap_keys(void **state)
{
    char catalog[1024], listen[64], key[128], mgmt[128];
    const char *src = getenv("IR_SOURCE_DIR");
    struct th_server m;
    struct th_resp r;
    json_t *d;
    long up;
    int i, fd;

    (void)state;
    memset(&m, 0, sizeof m);
    (void)snprintf(catalog, sizeof catalog,
                   "%s/tests/integration/priced_catalog.json",
                   src ? src : ".");
    (void)snprintf(m.dir, sizeof m.dir, "/tmp/ir-itest-XXXXXX");
    assert_non_null(mkdtemp(m.dir));
    (void)snprintf(m.log_path, sizeof m.log_path, "%s/server.log", m.dir);
    m.port = th_free_port();
    (void)snprintf(listen, sizeof listen, "127.0.0.1:%d", m.port);
    (void)snprintf(m.base, sizeof m.base, "http://127.0.0.1:%d", m.port);
    m.pid = fork();
    assert_true(m.pid >= 0);
    if (m.pid == 0) {
        const char *args[] = {th_bin(), "serve", "--listen", listen,
                              "--db", ":memory:", "--catalog", catalog,
                              NULL};

        fd = open(m.log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(args[0], (char *const *)args);
        _exit(127);
    }
    for (i = 0, up = 0; i < 500 && up != 200; i++) {
        if (i > 0)
            usleep(20000);
        th_get(&m, "/health", NULL, &r);
        up = r.status;
        th_resp_free(&r);
    }
    if (up != 200) {
        (void)th_server_stop(&m);
        fail_msg("serve --db :memory: did not start; see %s", m.log_path);
    }
    assert_true(printed_key(m.log_path, "API key:", key, sizeof key));
    assert_true(printed_key(m.log_path, "management key:", mgmt,
                            sizeof mgmt));

    th_get(&m, "/api/v1/keys", mgmt, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "data")), 2);
    th_resp_free(&r);
    th_post_json(&m, "/api/v1/images", key,
                 "{\"model\":\"" PRICED "\",\"prompt\":\"a fox\","
                 "\"resolution\":\"512\"}",
                 &r);
    if (r.status != 200)
        fail_msg("generate on :memory:: %ld %s", r.status, r.body);
    th_resp_free(&r);
    th_get(&m, "/api/v1/key", key, &r);
    assert_int_equal(r.status, 200);
    d = json_object_get(r.json, "data");
    assert_int_equal(usd_nanos(json_object_get(d, "usage")), CENT);
    th_resp_free(&r);
    /* A key the store never made still fails. */
    th_get(&m, "/api/v1/key",
           "sk-ir-v1-000000000000000000000000000000000000000000000000", &r);
    assert_int_equal(r.status, 401);
    th_resp_free(&r);
    assert_int_equal(th_server_stop(&m), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_statuses),
        cmocka_unit_test(test_current_key_shape),
        cmocka_unit_test(test_keys_crud),
        cmocka_unit_test(test_keys_validation),
        cmocka_unit_test(test_http_key_generates),
        cmocka_unit_test(test_limit_reset_reported),
        cmocka_unit_test(test_disabled_and_expired_keys),
        cmocka_unit_test(test_failures_cost_nothing),
        cmocka_unit_test(test_disconnect_charges_nothing),
        cmocka_unit_test(test_limit_exhausted_402),
        cmocka_unit_test(test_rate_limit_429),
        cmocka_unit_test(test_usage_cost_is_the_charge),
        cmocka_unit_test(test_activity_by_app),
        cmocka_unit_test(test_credits),
        cmocka_unit_test(test_memory_store_bootstrap_keys),
    };

    return cmocka_run_group_tests_name("integration.accounts", tests,
                                       group_setup, group_teardown);
}
