/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/image/test_base64.c - image/base64.c: RFC 4648 vectors,
 * round trips of every length 0..300, whitespace and padding rules,
 * invalid bytes, data: URL parsing, and allocation failure; the
 * vector alphabet scan against a byte loop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "image/base64.h"
#include "util/mem.h"

static const struct {
    const char *plain, *b64;
} rfc4648[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

static void
decode_ok(const char *in, const void *want, size_t wantlen)
{
    unsigned char *out = NULL;
    size_t len = 0;

    assert_int_equal(ir_base64_decode(in, strlen(in), &out, &len), IR_OK);
    assert_int_equal(len, wantlen);
    if (wantlen > 0)
        assert_memory_equal(out, want, wantlen);
    ir_free(out);
}

static void
decode_bad(const char *in)
{
    unsigned char *out = (unsigned char *)"x";
    size_t len = 7;

    assert_int_equal(ir_base64_decode(in, strlen(in), &out, &len),
                     IR_EPARSE);
    assert_null(out);
    assert_int_equal(len, 0);
}

static void
test_rfc4648_vectors(void **state)
{
    char buf[32];
    char *s;
    size_t i, n;

    (void)state;
    for (i = 0; i < sizeof rfc4648 / sizeof rfc4648[0]; i++) {
        n = strlen(rfc4648[i].plain);
        assert_int_equal(ir_base64_encoded_len(n), strlen(rfc4648[i].b64));
        ir_base64_encode_to(rfc4648[i].plain, n, buf);
        assert_string_equal(buf, rfc4648[i].b64);
        assert_int_equal(ir_base64_encode(rfc4648[i].plain, n, &s, &n),
                         IR_OK);
        assert_string_equal(s, rfc4648[i].b64);
        assert_int_equal(n, strlen(rfc4648[i].b64));
        ir_free(s);
        decode_ok(rfc4648[i].b64, rfc4648[i].plain,
                  strlen(rfc4648[i].plain));
    }
}

static void
test_all_bytes_alphabet(void **state)
{
    unsigned char bytes[3 * 64];
    char enc[4 * 64 + 1];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bytes; i++)
        bytes[i] = (unsigned char)(i * 37 + 11);
    ir_base64_encode_to(bytes, sizeof bytes, enc);
    decode_ok(enc, bytes, sizeof bytes);
    /* These 48 bytes hold the sextets 0..63 in order. */
    ir_base64_encode_to("\x00\x10\x83\x10\x51\x87\x20\x92\x8b\x30\xd3\x8f"
                        "\x41\x14\x93\x51\x55\x97\x61\x96\x9b\x71\xd7\x9f"
                        "\x82\x18\xa3\x92\x59\xa7\xa2\x9a\xab\xb2\xdb\xaf"
                        "\xc3\x1c\xb3\xd3\x5d\xb7\xe3\x9e\xbb\xf3\xdf\xbf",
                        48, enc);
    assert_string_equal(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
                             "vwxyz0123456789+/");
}

static void
test_round_trip_all_lengths(void **state)
{
    unsigned char data[300], *out;
    char *enc;
    size_t n, len, elen, i;
    unsigned seed = 12345;

    (void)state;
    for (n = 0; n <= sizeof data; n++) {
        for (i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            data[i] = (unsigned char)(seed >> 16);
        }
        assert_int_equal(ir_base64_encode(data, n, &enc, &elen), IR_OK);
        assert_int_equal(elen, (n + 2) / 3 * 4);
        assert_int_equal(strlen(enc), elen);
        assert_int_equal(ir_base64_decode(enc, elen, &out, &len), IR_OK);
        assert_int_equal(len, n);
        if (n > 0)
            assert_memory_equal(out, data, n);
        ir_free(out);
        /* Unpadded input decodes to the same bytes. */
        while (elen > 0 && enc[elen - 1] == '=')
            elen--;
        assert_int_equal(ir_base64_decode(enc, elen, &out, &len), IR_OK);
        assert_int_equal(len, n);
        if (n > 0)
            assert_memory_equal(out, data, n);
        ir_free(out);
        ir_free(enc);
    }
}

static void
test_whitespace_and_padding(void **state)
{
    (void)state;
    decode_ok("Zm9v\r\nYmFy", "foobar", 6);
    decode_ok(" Zm 9v\tYm\nE= ", "fooba", 5);
    decode_ok("Zm9vYg", "foob", 4);      /* padding optional */
    decode_ok("Zm9vYmE", "fooba", 5);
    decode_ok("Zm9vYg=\n=", "foob", 4);   /* whitespace inside padding */
    decode_ok("Zg==\n", "f", 1);
    decode_ok("Zh==", "f", 1);            /* stray low bits ignored */
    decode_ok("\n\n", "", 0);
}

static void
test_invalid(void **state)
{
    (void)state;
    decode_bad("Zm9v!");       /* not in the alphabet */
    decode_bad("Zm9v-_");      /* base64url is not standard base64 */
    decode_bad("Z");           /* a lone sextet is no byte */
    decode_bad("Zm9vY");       /* 5 sextets: one too many for 3 bytes */
    decode_bad("Zg=");         /* incomplete padding */
    decode_bad("Zg===");       /* too much padding */
    decode_bad("Zm8==");       /* padding past the quantum */
    decode_bad("Zg==Zg==");    /* data after padding */
    decode_bad("====");        /* padding alone */
    decode_bad("Zm9v====");    /* padding after a whole quantum */
    decode_bad("Zm9v\xc3\xa9");
}

static void
test_decode_embedded_nul(void **state)
{
    unsigned char *out = NULL;
    size_t len = 0;

    (void)state;
    /* n counts bytes, so a NUL is an invalid byte, not an end. */
    assert_int_equal(ir_base64_decode("Zm\0v", 4, &out, &len), IR_EPARSE);
    assert_null(out);
}

static void
test_data_url_ok(void **state)
{
    struct ir_diag d = {{0}};
    char mt[48];
    unsigned char *out = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(ir_base64_data_url_parse("data:image/png;base64,Zm9v",
                                              mt, sizeof mt, &out, &len, &d),
                     IR_OK);
    assert_string_equal(mt, "image/png");
    assert_int_equal(len, 3);
    assert_memory_equal(out, "foo", 3);
    ir_free(out);

    /* Case-insensitive scheme and flag; parameters before base64; the
     * media type is lower-cased. */
    assert_int_equal(
        ir_base64_data_url_parse("DATA:Image/JPEG;name=a.jpg;BASE64,Zm9vYg",
                                 mt, sizeof mt, &out, &len, &d),
        IR_OK);
    assert_string_equal(mt, "image/jpeg");
    assert_int_equal(len, 4);
    ir_free(out);

    /* No media type at all. */
    assert_int_equal(ir_base64_data_url_parse("data:;base64,Zg==", mt,
                                              sizeof mt, &out, &len, &d),
                     IR_OK);
    assert_string_equal(mt, "");
    assert_int_equal(len, 1);
    ir_free(out);

    /* Line-wrapped payload. */
    assert_int_equal(ir_base64_data_url_parse("data:image/webp;base64,Zm9v\n"
                                              "YmFy",
                                              mt, sizeof mt, &out, &len, &d),
                     IR_OK);
    assert_int_equal(len, 6);
    ir_free(out);
}

static void
test_data_url_bad(void **state)
{
    static const struct {
        const char *url;
        ir_err want;
        const char *diag; /* a substring of the diagnostic */
    } cases[] = {
        {"http://x/y.png", IR_EPARSE, "not a data: URL"},
        {"data:image/png;base64", IR_EPARSE, "no ','"},
        {"data:image/png,Zm9v", IR_EUNSUPPORTED, "not base64"},
        {"data:image/svg+xml;utf8,<svg/>", IR_EUNSUPPORTED, "not base64"},
        {"data:image/png;base64x,Zm9v", IR_EUNSUPPORTED, "not base64"},
        {"data:image/png;base64,Zm9v!!", IR_EPARSE, "0x21 at payload offset 4"},
        {"data:image/png;base64,Zg=", IR_EPARSE, "badly padded"},
        {"data:image/png;base64,", IR_EPARSE, "empty"},
        {"data:image png;base64,Zm9v", IR_EPARSE, "media type"},
        {"data:image/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;base64,"
         "Zm9v",
         IR_ETOOBIG, "longer than 47"},
    };
    struct ir_diag d;
    char mt[48];
    unsigned char *out;
    size_t len, i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(&d, 0, sizeof d);
        out = (unsigned char *)"junk";
        assert_int_equal(ir_base64_data_url_parse(cases[i].url, mt, sizeof mt,
                                                  &out, &len, &d),
                         cases[i].want);
        assert_null(out);
        if (strstr(d.msg, cases[i].diag) == NULL)
            fail_msg("case %zu: diag '%s' lacks '%s'", i, d.msg,
                     cases[i].diag);
    }
}

static void
test_alloc_failure(void **state)
{
    struct ir_diag d = {{0}};
    unsigned char *out = (unsigned char *)"x";
    char mt[48], *s = (char *)"x";
    size_t len;

    (void)state;
    ir_mem_fail_at(1);
    assert_int_equal(ir_base64_encode("foo", 3, &s, &len), IR_ENOMEM);
    assert_null(s);
    ir_mem_fail_at(1);
    assert_int_equal(ir_base64_decode("Zm9v", 4, &out, &len), IR_ENOMEM);
    assert_null(out);
    ir_mem_fail_at(1);
    assert_int_equal(ir_base64_data_url_parse("data:image/png;base64,Zm9v",
                                              mt, sizeof mt, &out, &len, &d),
                     IR_ENOMEM);
    assert_null(out);
    ir_mem_fail_at(0);
}

static void
test_large_round_trip(void **state)
{
    size_t n = 3 * 1024 * 1024 + 1, len, elen, i;
    unsigned char *data = ir_malloc(n), *out;
    char *enc;

    (void)state;
    assert_non_null(data);
    for (i = 0; i < n; i++)
        data[i] = (unsigned char)(i * 2654435761u >> 13);
    assert_int_equal(ir_base64_encode(data, n, &enc, &elen), IR_OK);
    assert_int_equal(ir_base64_decode(enc, elen, &out, &len), IR_OK);
    assert_int_equal(len, n);
    assert_memory_equal(out, data, n);
    ir_free(out);
    ir_free(enc);
    ir_free(data);
}

/* The byte-at-a-time oracle for ir_base64_alpha_span. */
static size_t
span_ref(const unsigned char *p, size_t n)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                            "abcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i;

    for (i = 0; i < n; i++)
        if (p[i] == '\0' || memchr(a, p[i], sizeof a - 1) == NULL)
            break;
    return i;
}

/* Every byte value at every place of every length 0..96, from four
 * alignments: the span stops exactly there or not at all. */
static void
test_alpha_span_every_byte(void **state)
{
    unsigned char buf[96 + 4];
    size_t n, pos, off, want;
    unsigned v;

    (void)state;
    for (off = 0; off < 4; off++) {
        for (n = 0; n <= 96; n++) {
            memset(buf, 'Q', sizeof buf);
            assert_int_equal(ir_base64_alpha_span((char *)buf + off, n), n);
            for (pos = 0; pos < n; pos++) {
                for (v = 0; v < 256; v++) {
                    buf[off + pos] = (unsigned char)v;
                    want = span_ref(buf + off, n);
                    if (ir_base64_alpha_span((char *)buf + off, n) != want)
                        fail_msg("n %zu pos %zu byte 0x%02x", n, pos, v);
                }
                buf[off + pos] = 'Q';
            }
        }
    }
}

/* Random buffers, mostly alphabet with a rare other byte, against the
 * oracle; and ir_base64_canonical against its definition. */
static void
test_alpha_span_random(void **state)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                            "abcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char buf[700];
    uint32_t x = 12345;
    size_t it, n, i, pads, dec, want_dec;
    bool want;

    (void)state;
    for (it = 0; it < 20000; it++) {
        x = x * 1103515245u + 12345u;
        n = (x >> 8) % sizeof buf;
        for (i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = (x >> 16) % 97 == 0 ? (unsigned char)(x >> 8)
                                         : (unsigned char)a[(x >> 16) % 64];
        }
        /* Sometimes padding at the end. */
        if (n >= 2 && it % 3 == 0)
            buf[n - 1] = '=';
        if (n >= 2 && it % 6 == 0)
            buf[n - 2] = '=';
        assert_int_equal(ir_base64_alpha_span((char *)buf, n),
                         span_ref(buf, n));
        pads = n > 0 && buf[n - 1] == '=' ? 1 + (n > 1 && buf[n - 2] == '=')
                                          : 0;
        want = n % 4 == 0 && span_ref(buf, n - pads) == n - pads;
        want_dec = n / 4 * 3 - pads;
        dec = 0;
        assert_int_equal(ir_base64_canonical((char *)buf, n, &dec), want);
        if (want)
            assert_int_equal(dec, want_dec);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors),
        cmocka_unit_test(test_all_bytes_alphabet),
        cmocka_unit_test(test_round_trip_all_lengths),
        cmocka_unit_test(test_whitespace_and_padding),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_decode_embedded_nul),
        cmocka_unit_test(test_data_url_ok),
        cmocka_unit_test(test_data_url_bad),
        cmocka_unit_test(test_alloc_failure),
        cmocka_unit_test(test_large_round_trip),
        cmocka_unit_test(test_alpha_span_every_byte),
        cmocka_unit_test(test_alpha_span_random),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
