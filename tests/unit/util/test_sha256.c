/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/util/test_sha256.c - SHA-256 against the FIPS 180-4 example
 * vectors, against OpenSSL for every length across the padding edges,
 * and incremental updates split at every point.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "util/sha256.h"

static void
sha256_hex(const unsigned char md[IR_SHA256_LEN], char out[65])
{
    int i;

    for (i = 0; i < IR_SHA256_LEN; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void
test_vectors(void **state)
{
    static const struct {
        const char *in, *hex;
    } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc",
         "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
         "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    unsigned char md[IR_SHA256_LEN];
    char hex[65];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        ir_sha256(v[i].in, strlen(v[i].in), md);
        sha256_hex(md, hex);
        assert_string_equal(hex, v[i].hex);
    }
}

static void
test_million_a(void **state)
{
    static char a[1000];
    struct ir_sha256 s;
    unsigned char md[IR_SHA256_LEN];
    char hex[65];
    int i;

    (void)state;
    memset(a, 'a', sizeof a);
    ir_sha256_init(&s);
    for (i = 0; i < 1000; i++)
        ir_sha256_update(&s, a, sizeof a);
    ir_sha256_final(&s, md);
    sha256_hex(md, hex);
    assert_string_equal(
        hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void
test_lengths_vs_openssl(void **state)
{
    unsigned char in[300], md[IR_SHA256_LEN], ref[EVP_MAX_MD_SIZE];
    unsigned int reflen;
    size_t n;

    (void)state;
    for (n = 0; n < sizeof in; n++)
        in[n] = (unsigned char)(n * 131 + 7);
    /* Every length up to 300 crosses 55/56/63/64 and their multiples. */
    for (n = 0; n <= sizeof in; n++) {
        ir_sha256(in, n, md);
        assert_int_equal(EVP_Digest(in, n, ref, &reflen, EVP_sha256(), NULL),
                         1);
        assert_int_equal(reflen, IR_SHA256_LEN);
        assert_memory_equal(md, ref, IR_SHA256_LEN);
    }
}

static void
test_split_updates(void **state)
{
    unsigned char in[200], whole[IR_SHA256_LEN], md[IR_SHA256_LEN];
    struct ir_sha256 s;
    size_t i, j;

    (void)state;
    for (i = 0; i < sizeof in; i++)
        in[i] = (unsigned char)(i ^ 0x5a);
    ir_sha256(in, sizeof in, whole);
    for (i = 0; i <= sizeof in; i++) {
        for (j = i; j <= sizeof in; j += 37) {
            ir_sha256_init(&s);
            ir_sha256_update(&s, in, i);
            ir_sha256_update(&s, in + i, j - i);
            ir_sha256_update(&s, in + j, sizeof in - j);
            ir_sha256_final(&s, md);
            assert_memory_equal(md, whole, IR_SHA256_LEN);
        }
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_million_a),
        cmocka_unit_test(test_lengths_vs_openssl),
        cmocka_unit_test(test_split_updates),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
