/* SPDX-License-Identifier: Apache-2.0
 * tests/client/test_base64.c - the SDK's own base64 and media sniffing.
 */
#include "testutil.h"

#include "base64.h"

static void
roundtrip(const char *in, const char *want)
{
    char enc[64];
    unsigned char dec[64];
    size_t n = strlen(in), dn = 0;

    assert_int_equal(irc_base64_encoded_len(n), strlen(want));
    irc_base64_encode((const unsigned char *)in, n, enc);
    assert_string_equal(enc, want);
    assert_true(irc_base64_decode(enc, strlen(enc), dec, &dn));
    assert_int_equal(dn, n);
    assert_memory_equal(dec, in, n);
}

static void
test_rfc4648_vectors(void **state)
{
    (void)state;
    roundtrip("", "");
    roundtrip("f", "Zg==");
    roundtrip("fo", "Zm8=");
    roundtrip("foo", "Zm9v");
    roundtrip("foob", "Zm9vYg==");
    roundtrip("fooba", "Zm9vYmE=");
    roundtrip("foobar", "Zm9vYmFy");
}

static void
test_lenient_decode(void **state)
{
    unsigned char out[64];
    size_t n = 0;

    (void)state;
    /* No padding, whitespace and line breaks, URL-safe alphabet. */
    assert_true(irc_base64_decode("Zm9vYg", 6, out, &n));
    assert_int_equal(n, 4);
    assert_true(irc_base64_decode("Zm9v\r\nYmFy\n", 11, out, &n));
    assert_int_equal(n, 6);
    assert_memory_equal(out, "foobar", 6);
    assert_true(irc_base64_decode("-_-_", 4, out, &n));
    assert_int_equal(n, 3);
    assert_int_equal(out[0], 0xFB);
    /* Garbage, data after padding, a dangling character. */
    assert_false(irc_base64_decode("Zm9v!", 5, out, &n));
    assert_false(irc_base64_decode("Zg==Zg==", 8, out, &n));
    assert_false(irc_base64_decode("Zm9vY", 5, out, &n));
}

static void
test_png_fixture(void **state)
{
    const char *b64 = TU_PNG_B64;
    unsigned char out[128];
    size_t n = 0;

    (void)state;
    assert_true(irc_base64_decoded_max(strlen(b64)) >= TU_PNG_LEN);
    assert_true(irc_base64_decode(b64, strlen(b64), out, &n));
    assert_int_equal(n, TU_PNG_LEN);
    assert_string_equal(imagerouter_media_type_sniff(out, n), "image/png");
}

static void
test_sniff_and_extension(void **state)
{
    (void)state;
    assert_string_equal(imagerouter_media_type_sniff("\xFF\xD8\xFF\xDB", 4),
                        "image/jpeg");
    assert_string_equal(imagerouter_media_type_sniff("RIFF\0\0\0\0WEBPVP8 ", 16),
                        "image/webp");
    assert_string_equal(imagerouter_media_type_sniff("GIF89a..", 8),
                        "image/gif");
    assert_string_equal(imagerouter_media_type_sniff(" \n<svg/>", 8),
                        "image/svg+xml");
    assert_null(imagerouter_media_type_sniff("<html>", 6));
    assert_null(imagerouter_media_type_sniff("", 0));
    assert_null(imagerouter_media_type_sniff(NULL, 0));
    assert_string_equal(imagerouter_media_type_extension("image/png"), "png");
    assert_string_equal(imagerouter_media_type_extension("IMAGE/JPEG"),
                        "jpeg");
    assert_string_equal(imagerouter_media_type_extension("image/svg+xml"),
                        "svg");
    assert_string_equal(imagerouter_media_type_extension("image/webp; q=1"),
                        "webp");
    assert_string_equal(imagerouter_media_type_extension("image/avif"), "bin");
    assert_string_equal(imagerouter_media_type_extension(NULL), "bin");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors),
        cmocka_unit_test(test_lenient_decode),
        cmocka_unit_test(test_png_fixture),
        cmocka_unit_test(test_sniff_and_extension),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
