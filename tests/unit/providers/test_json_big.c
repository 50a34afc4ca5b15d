/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/providers/test_json_big.c - providers/json_big.c: big string
 * values become placeholders that resolve to the exact body bytes; the
 * tree is otherwise jansson's own (nested objects and arrays, keys,
 * escapes, thresholds), and invalid JSON stays invalid.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "image/base64.h"
#include "providers/json_big.h"
#include "util/mem.h"

/* A copy of t with every placeholder replaced by its resolved string. */
static json_t *
resolve(const char *body, size_t len, json_t *t, size_t *nbig)
{
    struct ir_json_big_str s;
    const char *k;
    json_t *v, *c;
    size_t i;
    char *d;

    switch (json_typeof(t)) {
    case JSON_STRING:
        if (!ir_json_big_get(body, len, json_string_value(t), &s))
            return json_incref(t);
        (*nbig)++;
        d = ir_json_big_dup(&s, NULL);
        assert_non_null(d);
        c = json_string(d);
        ir_free(d);
        return c;
    case JSON_OBJECT:
        c = json_object();
        json_object_foreach(t, k, v)
            json_object_set_new(c, k, resolve(body, len, v, nbig));
        return c;
    case JSON_ARRAY:
        c = json_array();
        json_array_foreach(t, i, v)
            json_array_append_new(c, resolve(body, len, v, nbig));
        return c;
    default:
        return json_incref(t);
    }
}

/* Loads body with threshold min: the same tree as jansson's once
 * resolved, with nbig strings kept out of it. */
static void
same_tree(const char *body, size_t min, size_t want_big)
{
    size_t len = strlen(body), nbig = 0;
    json_t *ref = json_loadb(body, len, 0, NULL);
    json_t *got = ir_json_big_load(body, len, min), *res;

    assert_non_null(ref);
    assert_non_null(got);
    res = resolve(body, len, got, &nbig);
    if (!json_equal(ref, res))
        fail_msg("trees differ for %s", body);
    assert_int_equal(nbig, want_big);
    json_decref(ref);
    json_decref(got);
    json_decref(res);
}

static char *
repeat(char c, size_t n)
{
    char *s = ir_malloc(n + 1);

    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void
test_placeholders(void **state)
{
    char body[512];
    json_t *t;
    const char *v;
    struct ir_json_big_str s;

    (void)state;
    (void)snprintf(body, sizeof body,
                   "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":"
                   "\"hi\"},{\"inlineData\":{\"mimeType\":\"image/png\","
                   "\"data\":\"%s\"}}]}}],\"n\":[1,2.5,null,true]}",
                   "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4");
    same_tree(body, 16, 1);
    same_tree(body, 10000, 0);
    t = ir_json_big_load(body, strlen(body), 16);
    v = json_string_value(json_object_get(
        json_object_get(json_array_get(json_object_get(json_object_get(
                            json_array_get(json_object_get(t, "candidates"),
                                           0),
                            "content"),
                        "parts"),
                        1),
                        "inlineData"),
        "data"));
    assert_true(ir_json_big_get(body, strlen(body), v, &s));
    assert_ptr_equal(s.p, strstr(body, "iVBOR"));
    assert_int_equal(s.len, 56);
    assert_false(s.escaped);
    /* Short strings are jansson's. */
    assert_false(ir_json_big_get(body, strlen(body), "image/png", &s));
    json_decref(t);
}

/* Exactly min bytes is big; one less is not. Keys never are. */
static void
test_threshold_and_keys(void **state)
{
    char body[256];

    (void)state;
    (void)snprintf(body, sizeof body, "{\"a\":\"%s\",\"b\":[\"%s\"]}",
                   "0123456789abcdef", "0123456789abcde");
    same_tree(body, 16, 1);
    same_tree(body, 15, 2);
    same_tree(body, 17, 0);
    (void)snprintf(body, sizeof body,
                   "{\"0123456789abcdef0123\" :\"x\",\"k\":\"%s\"}",
                   "0123456789abcdef0123");
    same_tree(body, 16, 1);
    /* A top-level string: refused by both (no JSON_DECODE_ANY). */
    assert_null(json_loadb(" \"0123456789abcdef0123\" ", 24, 0, NULL));
    assert_null(ir_json_big_load(" \"0123456789abcdef0123\" ", 24, 16));
    same_tree("[ \"0123456789abcdef0123\" ]", 16, 1);
}

/* Canonical base64 is big from IR_JSON_BIG_B64_MIN bytes, well under
 * min (a small image); other strings only from min. */
static void
test_b64_threshold(void **state)
{
    char *b64 = repeat('A', IR_JSON_BIG_B64_MIN);
    char *body = ir_malloc(2 * IR_JSON_BIG_B64_MIN + 64);

    (void)state;
    assert_non_null(body);
    (void)snprintf(body, 2 * IR_JSON_BIG_B64_MIN + 64,
                   "{\"b64_json\":\"%s\",\"n\":1}", b64);
    same_tree(body, IR_JSON_BIG_MIN, 1);
    /* 4 bytes short: not big (and still canonical). */
    (void)snprintf(body, 2 * IR_JSON_BIG_B64_MIN + 64,
                   "{\"b64_json\":\"%s\"}", b64 + 4);
    same_tree(body, IR_JSON_BIG_MIN, 0);
    /* Not canonical base64 (a space): not big below min. */
    b64[10] = ' ';
    (void)snprintf(body, 2 * IR_JSON_BIG_B64_MIN + 64,
                   "{\"text\":\"%s\"}", b64);
    same_tree(body, IR_JSON_BIG_MIN, 0);
    same_tree(body, IR_JSON_BIG_B64_MIN, 1);
    ir_free(b64);
    ir_free(body);
}

static void
test_escapes(void **state)
{
    const char *body = "{\"s\":\"ab\\/cd\\/ef0123456789\",\"t\":\"x\"}";
    struct ir_json_big_str s;
    json_t *t;
    size_t n;
    char *d;

    (void)state;
    same_tree(body, 8, 1);
    t = ir_json_big_load(body, strlen(body), 8);
    assert_true(ir_json_big_get(body, strlen(body),
                                json_string_value(json_object_get(t, "s")),
                                &s));
    assert_true(s.escaped);
    d = ir_json_big_dup(&s, &n);
    assert_string_equal(d, "ab/cd/ef0123456789");
    assert_int_equal(n, 18);
    ir_free(d);
    json_decref(t);
    /* Other escapes, and a quote or backslash escaped: jansson's. */
    same_tree("{\"s\":\"line\\nline\\tline\\u00e9\\ud83d\\ude00x\"}", 8, 0);
    same_tree("{\"s\":\"he said \\\"hello there\\\" \\\\o/\",\"z\":1}", 8, 0);
    same_tree("[\"\\\\\",\"0123456789abcdef\\\\\",\"0123456789abcdef\"]", 8,
              1);
    /* Non-ASCII bytes go to jansson (it checks UTF-8). */
    same_tree("{\"s\":\"caf\xc3\xa9 0123456789abcdef\"}", 8, 0);
}

/* Invalid JSON: NULL exactly when jansson says so, whatever the
 * threshold (big strings inside included). */
static void
test_invalid(void **state)
{
    static const char *const bodies[] = {
        "{\"a\":\"0123456789abcdef0123",            /* unterminated */
        "{\"a\":\"0123456789abcdef0123\"",          /* no } */
        "{\"a\" \"0123456789abcdef0123\"}",         /* no : */
        "{\"a\":\"0123456789abcdef\x01\"}",         /* control byte */
        "{\"a\":\"0123456789abcdef\\q\"}",          /* bad escape */
        "{\"a\":\"0123456789abcdef\xff\xfe\"}",     /* bad UTF-8 */
        "[\"0123456789abcdef0123\",]",              /* trailing comma */
        "\"0123456789abcdef0123\" \"x\"",           /* two values */
        "{\"a\":\"0123456789abcdef0123\"}}",        /* extra } */
        "{\"a\":\"0123456789abcdef\\",              /* cut in an escape */
        "",
    };
    size_t i, min;
    json_t *t;

    (void)state;
    for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
        for (min = 1; min < 40; min += 7) {
            assert_null(json_loadb(bodies[i], strlen(bodies[i]), 0, NULL));
            t = ir_json_big_load(bodies[i], strlen(bodies[i]), min);
            if (t != NULL)
                fail_msg("accepted invalid JSON %zu at min %zu", i, min);
        }
}

/* A placeholder string a provider sends itself resolves only to a whole
 * string of the same body. */
static bool
forged(const char *body, const char *fmt_tail)
{
    struct ir_json_big_str s;
    char ph[96];

    (void)snprintf(ph, sizeof ph, "\001big:%" PRIxPTR "%s", (uintptr_t)body,
                   fmt_tail);
    return ir_json_big_get(body, strlen(body), ph, &s);
}

/* A placeholder string a provider sends itself: it cannot know the body's
 * address, and even with it resolves only to a whole string. */
static void
test_forged(void **state)
{
    const char *body = "{\"a\":\"0123456789abcdef\",\"b\":\"zz\"}";
    char copy[64];
    struct ir_json_big_str s;

    (void)state;
    assert_true(forged(body, ":6:16:r"));
    assert_false(forged(body, ":7:15:r"));
    assert_false(forged(body, ":6:17:r"));
    assert_false(forged(body, ":6:9999:r"));
    assert_false(forged(body, ":6:16:x"));
    assert_false(forged(body, ":6:16:rr"));
    assert_false(forged(body, ":0:5:r"));
    assert_false(forged(body, "6:16:r"));
    /* The same text at another address. */
    (void)snprintf(copy, sizeof copy, "%s", body);
    assert_false(ir_json_big_get(copy, strlen(copy), "\001big:6:16:r", &s));
    assert_false(ir_json_big_get(body, strlen(body), "big:6:16:r", &s));
}

/* Canonical base64 is marked so that readers skip their own check. */
static void
test_canonical_mark(void **state)
{
    const char *body = "[\"QUJDREVGR0hJSktMTU5PUA==\",\"QUJDREVGR0hJSktMTU5PUA\","
                       "\"QUJDREVGR0hJSkt\\/MTU5PUA==\"]";
    struct ir_json_big_str s;
    json_t *t = ir_json_big_load(body, strlen(body), 8);
    bool want[3] = {true, false, false};
    size_t i;

    (void)state;
    assert_non_null(t);
    for (i = 0; i < 3; i++) {
        assert_true(ir_json_big_get(body, strlen(body),
                                    json_string_value(json_array_get(t, i)),
                                    &s));
        assert_int_equal(s.canonical, want[i]);
    }
    json_decref(t);
}

/* Strings of alphabet bytes, padding, "\/", other escapes and spaces,
 * around the threshold: the same tree as jansson's, and a string is
 * marked canonical exactly when ir_base64_canonical says so. */
static void
test_canonical_random(void **state)
{
    static const char *bits[] = {"A", "z", "0", "+", "/", "=",
                                 "\\/", "\\n", " ", "Q"};
    char body[256], str[160];
    struct ir_json_big_str s;
    uint32_t x = 99;
    size_t it, n, k, len;
    json_t *t, *v;
    char *d;

    (void)state;
    for (it = 0; it < 20000; it++) {
        x = x * 1103515245u + 12345u;
        n = (x >> 8) % 24;
        str[0] = '\0';
        for (k = 0; k < n; k++) {
            x = x * 1103515245u + 12345u;
            /* Mostly letters, the rest now and then. */
            strcat(str, bits[(x >> 16) % 7 == 0 ? (x >> 20) % 10 : 9]);
        }
        if (it % 3 == 0)
            strcat(str, it % 2 ? "=" : "==");
        (void)snprintf(body, sizeof body, "{\"k\":\"%s\",\"n\":1}", str);
        len = strlen(body);
        same_tree(body, 4, strlen(str) >= 4 && strstr(str, "\\n") == NULL);
        t = ir_json_big_load(body, len, 4);
        assert_non_null(t);
        v = json_object_get(t, "k");
        if (ir_json_big_get(body, len, json_string_value(v), &s)) {
            d = ir_json_big_dup(&s, NULL);
            assert_non_null(d);
            assert_int_equal(s.canonical,
                             !s.escaped &&
                                 ir_base64_canonical(d, strlen(d), NULL));
            ir_free(d);
        }
        json_decref(t);
    }
}

/* A megabyte-sized value with "\/" every so often, and many strings. */
static void
test_large(void **state)
{
    size_t n = 1 << 20, i, len;
    char *big = repeat('A', n), *body;
    json_t *t;

    (void)state;
    for (i = 1000; i + 2 < n; i += 65537) {
        big[i] = '\\';
        big[i + 1] = '/';
    }
    len = n + 64;
    body = ir_malloc(len);
    assert_non_null(body);
    (void)snprintf(body, len, "[{\"b64_json\":\"%s\"},\"%s\"]", big,
                   "0123456789abcdef");
    same_tree(body, IR_JSON_BIG_MIN, 1);
    same_tree(body, 16, 2);
    t = ir_json_big_load(body, strlen(body), 16);
    assert_non_null(t);
    json_decref(t);
    ir_free(body);
    ir_free(big);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_placeholders),
        cmocka_unit_test(test_threshold_and_keys),
        cmocka_unit_test(test_b64_threshold),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_forged),
        cmocka_unit_test(test_canonical_mark),
        cmocka_unit_test(test_canonical_random),
        cmocka_unit_test(test_large),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
