/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/util/test_crypto_lazy.c - libcrypto is not mapped by key
 * hashing or by frees of nothing, and is loaded by the first call that
 * needs it. This binary does not link libcrypto.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <dlfcn.h>

#include <openssl/evp.h>

#include "store/store.h"
#include "util/crypto_lazy.h"

static bool
crypto_lazy_mapped(void)
{
    void *h = dlopen(IR_CRYPTO_SONAME, RTLD_LAZY | RTLD_NOLOAD);

    if (h == NULL)
        return false;
    dlclose(h);
    return true;
}

static void
test_not_loaded_by_key_hash(void **state)
{
    char hash[IR_KEY_HASH_LEN + 1];

    (void)state;
    assert_false(crypto_lazy_mapped());
    ir_store_key_hash("abc", hash);
    assert_string_equal(
        hash,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EVP_MD_CTX_free(NULL);
    EVP_PKEY_free(NULL);
    assert_false(crypto_lazy_mapped());
    assert_false(ir_crypto_lazy_loaded());
}

static void
test_loaded_on_use(void **state)
{
    EVP_MD_CTX *md;

    (void)state;
    assert_non_null(EVP_sha256());
    assert_true(crypto_lazy_mapped());
    assert_true(ir_crypto_lazy_loaded());
    assert_int_equal(ir_crypto_lazy_load(), IR_OK);
    assert_non_null(md = EVP_MD_CTX_new());
    EVP_MD_CTX_free(md);
}

int
main(void)
{
    /* In this order: the first test needs a process without libcrypto. */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_loaded_by_key_hash),
        cmocka_unit_test(test_loaded_on_use),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
