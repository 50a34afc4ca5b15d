/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/image/test_header.c - image/header.c: sizes of real PNG,
 * JPEG and WebP (VP8, VP8L, VP8X) files made by libvips agree with
 * libvips' own probe; JPEG marker skipping; every cut of a header asks
 * for more; garbled headers are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "image/header.h"
#include "image/image.h"
#include "util/mem.h"

static int
setup(void **state)
{
    (void)state;
    return ir_image_init("test_header") == IR_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    ir_image_shutdown();
    return 0;
}

/* A w x h image with some detail, encoded by libvips. */
static void
encode(int w, int h, int bands, enum ir_format f, int compression,
       unsigned char **out, size_t *len)
{
    struct ir_pixels px;
    struct ir_diag d;
    size_t i;

    assert_int_equal(ir_pixels_alloc(&px, w, h, bands), IR_OK);
    for (i = 0; i < (size_t)w * h * bands; i++)
        px.data[i] = (unsigned char)(i * 7 + i / 13);
    assert_int_equal(ir_image_encode(&px, f, compression, out, len, &d),
                     IR_OK);
    ir_pixels_cleanup(&px);
}

/* The header agrees with libvips, and every prefix shorter than what the
 * read needs fails asking for more, never with a wrong size. */
static void
check_file(const unsigned char *b, size_t len, enum ir_format want, int ww,
           int wh)
{
    enum ir_format f, pf;
    int w = 0, h = 0, pw = 0, ph = 0;
    size_t need = 99, cut, used;
    struct ir_diag d;

    assert_int_equal(ir_image_header(b, len, &f, &w, &h, &need, &d), IR_OK);
    assert_int_equal(f, want);
    assert_int_equal(w, ww);
    assert_int_equal(h, wh);
    assert_int_equal(need, 0);
    assert_int_equal(ir_image_probe(b, len, &pw, &ph, &pf, &d), IR_OK);
    assert_int_equal(pw, w);
    assert_int_equal(ph, h);
    assert_int_equal(pf, f);
    /* The shortest prefix that reads: every shorter one asks for more. */
    for (used = 1; used <= len; used++)
        if (ir_image_header(b, used, &f, &w, &h, NULL, NULL) == IR_OK)
            break;
    assert_true(used <= len);
    for (cut = 0; cut < used; cut++) {
        ir_err e = ir_image_header(b, cut, &f, &w, &h, &need, &d);

        if (e == IR_EUNSUPPORTED) {
            /* Too short to even tell the format. */
            assert_true(cut < 12);
            continue;
        }
        assert_int_equal(e, IR_EPARSE);
        assert_true(need > cut);
        assert_true(need <= used);
        assert_non_null(strstr(d.msg, "cut short"));
    }
}

static void
test_png(void **state)
{
    unsigned char *b;
    size_t len;

    (void)state;
    encode(37, 23, 3, IR_FORMAT_PNG, -1, &b, &len);
    check_file(b, len, IR_FORMAT_PNG, 37, 23);
    ir_free(b);
    encode(1, 300, 4, IR_FORMAT_PNG, -1, &b, &len);
    check_file(b, len, IR_FORMAT_PNG, 1, 300);
    ir_free(b);
}

static void
test_jpeg(void **state)
{
    unsigned char *b;
    size_t len;

    (void)state;
    encode(301, 17, 3, IR_FORMAT_JPEG, -1, &b, &len);
    check_file(b, len, IR_FORMAT_JPEG, 301, 17);
    ir_free(b);
}

/* Big APPn segments (EXIF, ICC) and fill bytes before the frame header:
 * the read skips them by their lengths and asks for the bytes past them. */
static void
test_jpeg_markers(void **state)
{
    unsigned char *b, *big;
    size_t len, seg = 60000, off, nlen;
    enum ir_format f;
    int w = 0, h = 0;
    size_t need;
    struct ir_diag d;

    (void)state;
    encode(64, 48, 3, IR_FORMAT_JPEG, -1, &b, &len);
    /* SOI, then two 60000-byte APP1/APP2 segments full of 0xFF and
     * SOF-like bytes, a fill byte and a restart-free TEM, then the rest. */
    nlen = len + 2 * (seg + 2) + 3;
    big = ir_malloc(nlen);
    assert_non_null(big);
    memcpy(big, b, 2);
    off = 2;
    for (int k = 0; k < 2; k++) {
        big[off] = 0xFF;
        big[off + 1] = (unsigned char)(0xE1 + k);
        big[off + 2] = (unsigned char)(seg >> 8);
        big[off + 3] = (unsigned char)(seg & 0xff);
        memset(big + off + 4, 0xFF, seg - 2);
        big[off + 4 + 100] = 0xC0;
        off += seg + 2;
    }
    big[off++] = 0xFF;
    big[off++] = 0xFF;
    big[off++] = 0x01;
    memcpy(big + off, b + 2, len - 2);
    off += len - 2;
    assert_int_equal(off, nlen);
    assert_int_equal(ir_image_header(big, nlen, &f, &w, &h, &need, &d),
                     IR_OK);
    assert_int_equal(w, 64);
    assert_int_equal(h, 48);
    /* Cut inside the first segment: asks for at least its end. */
    assert_int_equal(ir_image_header(big, 4096, &f, &w, &h, &need, &d),
                     IR_EPARSE);
    assert_true(need > 2 + seg);
    ir_free(big);
    ir_free(b);
}

static void expect_bad(const unsigned char *b, size_t len, const char *what);

/* libvips always writes the extended format (VP8X + chunks). Providers
 * also send the simple one: RIFF, WEBP and a single VP8 or VP8L chunk.
 * Made here from the image chunk of a libvips file without alpha. */
static void
webp_simple(const unsigned char *b, size_t len, const char *fourcc,
            unsigned char **out, size_t *outlen)
{
    size_t off = 12, n;
    unsigned char *s;

    while (off + 8 <= len) {
        n = (size_t)b[off + 4] | (size_t)b[off + 5] << 8 |
            (size_t)b[off + 6] << 16 | (size_t)b[off + 7] << 24;
        if (memcmp(b + off, fourcc, 4) == 0) {
            n += n & 1;
            assert_true(off + 8 + n <= len);
            s = ir_malloc(12 + 8 + n);
            assert_non_null(s);
            memcpy(s, "RIFF", 4);
            s[4] = (unsigned char)((4 + 8 + n) & 0xff);
            s[5] = (unsigned char)(((4 + 8 + n) >> 8) & 0xff);
            s[6] = (unsigned char)(((4 + 8 + n) >> 16) & 0xff);
            s[7] = (unsigned char)((4 + 8 + n) >> 24);
            memcpy(s + 8, "WEBP", 4);
            memcpy(s + 12, b + off, 8 + n);
            *out = s;
            *outlen = 12 + 8 + n;
            return;
        }
        off += 8 + n + (n & 1);
    }
    fail_msg("no %s chunk", fourcc);
}

static void
test_webp(void **state)
{
    unsigned char *b, *s;
    size_t len, slen;

    (void)state;
    encode(50, 31, 3, IR_FORMAT_WEBP, 80, &b, &len); /* lossy */
    assert_memory_equal(b + 12, "VP8X", 4);
    check_file(b, len, IR_FORMAT_WEBP, 50, 31);
    webp_simple(b, len, "VP8 ", &s, &slen);
    check_file(s, slen, IR_FORMAT_WEBP, 50, 31);
    s[23] = 0; /* the VP8 start code */
    expect_bad(s, slen, "VP8 key frame");
    ir_free(s);
    ir_free(b);
    encode(77, 5, 3, IR_FORMAT_WEBP, 100, &b, &len); /* lossless */
    check_file(b, len, IR_FORMAT_WEBP, 77, 5);
    webp_simple(b, len, "VP8L", &s, &slen);
    check_file(s, slen, IR_FORMAT_WEBP, 77, 5);
    s[20] = 0; /* the VP8L signature */
    expect_bad(s, slen, "VP8L signature");
    ir_free(s);
    ir_free(b);
    encode(20, 1000, 4, IR_FORMAT_WEBP, 80, &b, &len); /* alpha */
    check_file(b, len, IR_FORMAT_WEBP, 20, 1000);
    ir_free(b);
}

static void
expect_bad(const unsigned char *b, size_t len, const char *what)
{
    enum ir_format f;
    int w = 0, h = 0;
    size_t need = 99;
    struct ir_diag d = {{0}};

    assert_int_equal(ir_image_header(b, len, &f, &w, &h, &need, &d),
                     IR_EPARSE);
    assert_int_equal(need, 0);
    assert_non_null(strstr(d.msg, what));
}

static void
test_garbled(void **state)
{
    unsigned char *b;
    size_t len;
    enum ir_format f;
    int w, h;
    static const unsigned char gif[] = "GIF89a\x01\x00\x01\x00";
    static const unsigned char sos_first[] = {0xFF, 0xD8, 0xFF, 0xDA, 0x00,
                                              0x08, 1, 2, 3, 4, 5, 6};
    static const unsigned char no_marker[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00,
                                              0x04, 0, 0, 0x12, 0x34};
    static const unsigned char webp_other[] = "RIFF\x20\0\0\0WEBPALPH\0\0\0\0";

    (void)state;
    encode(10, 10, 3, IR_FORMAT_PNG, -1, &b, &len);
    b[13] = 'X'; /* IHDR -> IXDR */
    expect_bad(b, len, "IHDR");
    b[13] = 'H';
    memset(b + 16, 0, 4); /* width 0 */
    expect_bad(b, len, "invalid size");
    ir_free(b);
    expect_bad(sos_first, sizeof sos_first, "no frame header");
    expect_bad(no_marker, sizeof no_marker, "marker expected");
    expect_bad(webp_other, sizeof webp_other - 1, "no VP8");
    assert_int_equal(ir_image_header(gif, sizeof gif - 1, &f, &w, &h, NULL,
                                     NULL),
                     IR_EUNSUPPORTED);
    assert_int_equal(f, IR_FORMAT_UNSET);
    assert_int_equal(ir_image_header("<svg width=\"1\"/>", 16, &f, &w, &h,
                                     NULL, NULL),
                     IR_EUNSUPPORTED);
    assert_int_equal(ir_image_header(NULL, 0, &f, &w, &h, NULL, NULL),
                     IR_EUNSUPPORTED);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png),          cmocka_unit_test(test_jpeg),
        cmocka_unit_test(test_jpeg_markers), cmocka_unit_test(test_webp),
        cmocka_unit_test(test_garbled),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
