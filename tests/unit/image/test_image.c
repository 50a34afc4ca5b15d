/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/image/test_image.c - image/image.c: sniffing, probing,
 * encode/decode round trips, transcoding, flattening, palettes and the
 * guards against oversized or garbage input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "image/image.h"
#include "util/mem.h"

/* A w x h image: left part (split columns) one colour, the rest another;
 * alpha (4 bands) 0 on the left when transparent_left. */
static void
fill_split(struct ir_pixels *px, int split, const uint8_t a[3],
           const uint8_t b[3], bool transparent_left)
{
    int x, y, k;

    for (y = 0; y < px->h; y++)
        for (x = 0; x < px->w; x++) {
            unsigned char *p = px->data + ((size_t)y * px->w + x) * px->bands;
            const uint8_t *c = x < split ? a : b;

            for (k = 0; k < 3; k++)
                p[k] = c[k];
            if (px->bands == 4)
                p[3] = x < split && transparent_left ? 0 : 255;
        }
}

static void
make(struct ir_pixels *px, int w, int h, int bands)
{
    static const uint8_t red[3] = {255, 0, 0}, blue[3] = {0, 0, 255};

    assert_int_equal(ir_pixels_alloc(px, w, h, bands), IR_OK);
    fill_split(px, w / 2, red, blue, false);
}

static int
setup(void **state)
{
    (void)state;
    return ir_image_init("test_image") == IR_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    ir_image_shutdown();
    return 0;
}

static void
test_sniff(void **state)
{
    static const unsigned char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    static const unsigned char jpg[] = "\xFF\xD8\xFF\xE0\0\x10JFIF";
    static const unsigned char webp[] = "RIFF\x10\0\0\0WEBPVP8 ";
    static const unsigned char gif[] = "GIF89a\x01\0\x01\0";
    static const unsigned char avif[] = "\0\0\0\x1c"
                                        "ftypavif\0\0\0\0";
    const char *svg1 = "  <svg xmlns=\"http://www.w3.org/2000/svg\"/>";
    const char *svg2 = "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<svg>";

    (void)state;
    assert_int_equal(ir_image_sniff(png, sizeof png - 1), IR_FORMAT_PNG);
    assert_int_equal(ir_image_sniff(jpg, sizeof jpg - 1), IR_FORMAT_JPEG);
    assert_int_equal(ir_image_sniff(webp, sizeof webp - 1), IR_FORMAT_WEBP);
    assert_int_equal(ir_image_sniff(svg1, strlen(svg1)), IR_FORMAT_SVG);
    assert_int_equal(ir_image_sniff(svg2, strlen(svg2)), IR_FORMAT_SVG);
    /* Formats the enum lacks: UNSET, but the media type is known. */
    assert_int_equal(ir_image_sniff(gif, sizeof gif - 1), IR_FORMAT_UNSET);
    assert_string_equal(ir_image_sniff_media_type(gif, sizeof gif - 1),
                        "image/gif");
    assert_string_equal(ir_image_sniff_media_type(avif, sizeof avif - 1),
                        "image/avif");
    assert_string_equal(ir_image_sniff_media_type(svg1, strlen(svg1)),
                        "image/svg+xml");
    /* Too short, not an image, or XML that is not SVG. */
    assert_int_equal(ir_image_sniff(png, 4), IR_FORMAT_UNSET);
    assert_int_equal(ir_image_sniff("hello", 5), IR_FORMAT_UNSET);
    assert_int_equal(ir_image_sniff("<?xml?><html/>", 14), IR_FORMAT_UNSET);
    assert_int_equal(ir_image_sniff(NULL, 0), IR_FORMAT_UNSET);
    assert_null(ir_image_sniff_media_type("x", 1));
}

static void
test_names(void **state)
{
    (void)state;
    assert_string_equal(ir_image_media_type(IR_FORMAT_PNG), "image/png");
    assert_string_equal(ir_image_media_type(IR_FORMAT_JPEG), "image/jpeg");
    assert_string_equal(ir_image_media_type(IR_FORMAT_WEBP), "image/webp");
    assert_string_equal(ir_image_media_type(IR_FORMAT_SVG), "image/svg+xml");
    assert_null(ir_image_media_type(IR_FORMAT_UNSET));
    assert_int_equal(ir_image_format_from_name("jpg"), IR_FORMAT_JPEG);
    assert_int_equal(ir_image_format_from_name("image/JPEG"), IR_FORMAT_JPEG);
    assert_int_equal(ir_image_format_from_name(".png"), IR_FORMAT_PNG);
    assert_int_equal(ir_image_format_from_name("image/webp; q=1"),
                     IR_FORMAT_WEBP);
    assert_int_equal(ir_image_format_from_name("image/svg+xml"), IR_FORMAT_SVG);
    assert_int_equal(ir_image_format_from_name("gif"), IR_FORMAT_UNSET);
    assert_int_equal(ir_image_format_from_name(NULL), IR_FORMAT_UNSET);
}

/* Every raster format, with and without alpha: encode, sniff, probe,
 * decode back with the right size, bands and (roughly) colours. */
static void
test_roundtrip(void **state)
{
    static const enum ir_format fmts[] = {IR_FORMAT_PNG, IR_FORMAT_JPEG,
                                          IR_FORMAT_WEBP};
    struct ir_diag d = {{0}};
    size_t i;
    int bands;

    (void)state;
    for (i = 0; i < 3; i++)
        for (bands = 3; bands <= 4; bands++) {
            struct ir_pixels px, back;
            unsigned char *enc = NULL;
            size_t len = 0;
            enum ir_format f;
            int w, h;
            int want = fmts[i] == IR_FORMAT_JPEG ? 3 : bands;

            static const uint8_t red[3] = {255, 0, 0}, blue[3] = {0, 0, 255};

            /* With alpha, the left half is see-through. */
            assert_int_equal(ir_pixels_alloc(&px, 96, 40, bands), IR_OK);
            fill_split(&px, 48, red, blue, bands == 4);
            assert_int_equal(ir_image_encode(&px, fmts[i], -1, &enc, &len, &d),
                             IR_OK);
            assert_true(len > 16);
            assert_int_equal(ir_image_sniff(enc, len), fmts[i]);
            assert_int_equal(ir_image_probe(enc, len, &w, &h, &f, &d), IR_OK);
            assert_int_equal(w, 96);
            assert_int_equal(h, 40);
            assert_int_equal(f, fmts[i]);
            assert_int_equal(ir_image_decode(enc, len, 0, &back, &d), IR_OK);
            assert_int_equal(back.w, 96);
            assert_int_equal(back.h, 40);
            assert_int_equal(back.bands, want);
            /* A pixel well inside the blue half stays blue. */
            assert_true(back.data[(20 * 96 + 80) * want + 2] > 200);
            assert_true(back.data[(20 * 96 + 80) * want + 0] < 60);
            if (want == 4) {
                assert_int_equal(back.data[(20 * 96 + 5) * 4 + 3], 0);
                assert_int_equal(back.data[(20 * 96 + 80) * 4 + 3], 255);
            }
            ir_pixels_cleanup(&back);
            ir_pixels_cleanup(&px);
            ir_free(enc);
        }
}

static void
test_jpeg_compression(void **state)
{
    struct ir_pixels px;
    unsigned char *lo = NULL, *hi = NULL;
    size_t nlo, nhi, i;
    struct ir_diag d;

    (void)state;
    assert_int_equal(ir_pixels_alloc(&px, 128, 128, 3), IR_OK);
    /* Detail that JPEG must spend bits on. */
    for (i = 0; i < (size_t)128 * 128 * 3; i++)
        px.data[i] = (unsigned char)((i * 2654435761u) >> 13);
    assert_int_equal(ir_image_encode(&px, IR_FORMAT_JPEG, 10, &lo, &nlo, &d),
                     IR_OK);
    assert_int_equal(ir_image_encode(&px, IR_FORMAT_JPEG, 95, &hi, &nhi, &d),
                     IR_OK);
    assert_true(nlo * 2 < nhi);
    ir_free(lo);
    ir_free(hi);
    ir_pixels_cleanup(&px);
}

static void
test_encode_rejects(void **state)
{
    struct ir_pixels px;
    unsigned char *out = (unsigned char *)"x";
    size_t len = 1;
    struct ir_diag d;

    (void)state;
    make(&px, 8, 8, 3);
    assert_int_equal(ir_image_encode(&px, IR_FORMAT_SVG, -1, &out, &len, &d),
                     IR_EUNSUPPORTED);
    assert_null(out);
    assert_int_equal(ir_image_encode(&px, IR_FORMAT_PNG, 101, &out, &len, &d),
                     IR_EINVAL);
    px.bands = 2;
    assert_int_equal(ir_image_encode(&px, IR_FORMAT_PNG, -1, &out, &len, &d),
                     IR_EINVAL);
    px.bands = 3;
    ir_pixels_cleanup(&px);
}

static void
test_transcode(void **state)
{
    static const enum ir_format to[] = {IR_FORMAT_JPEG, IR_FORMAT_WEBP,
                                        IR_FORMAT_PNG};
    struct ir_pixels px;
    unsigned char *png = NULL, *a = NULL, *b = NULL;
    size_t npng, na, nb, i;
    struct ir_diag d;
    int w, h;

    (void)state;
    make(&px, 64, 48, 3);
    assert_int_equal(ir_image_encode(&px, IR_FORMAT_PNG, -1, &png, &npng, &d),
                     IR_OK);
    for (i = 0; i < 3; i++) {
        assert_int_equal(
            ir_image_transcode(png, npng, to[i], 80, false, &a, &na, &d),
            IR_OK);
        assert_int_equal(ir_image_sniff(a, na), to[i]);
        /* ...and back to PNG. */
        assert_int_equal(
            ir_image_transcode(a, na, IR_FORMAT_PNG, -1, false, &b, &nb, &d),
            IR_OK);
        assert_int_equal(ir_image_sniff(b, nb), IR_FORMAT_PNG);
        assert_int_equal(ir_image_probe(b, nb, &w, &h, NULL, &d), IR_OK);
        assert_int_equal(w, 64);
        assert_int_equal(h, 48);
        ir_free(a);
        ir_free(b);
    }
    assert_int_equal(
        ir_image_transcode(png, npng, IR_FORMAT_SVG, -1, false, &a, &na, &d),
        IR_EUNSUPPORTED);
    ir_free(png);
    ir_pixels_cleanup(&px);
}

/* A half-transparent PNG: opaque transcoding (and JPEG) flatten it on
 * white and drop alpha; otherwise alpha survives. */
static void
test_flatten(void **state)
{
    static const uint8_t black[3] = {0, 0, 0}, green[3] = {0, 200, 0};
    struct ir_pixels px, back;
    unsigned char *png = NULL, *out = NULL;
    size_t npng, nout;
    struct ir_diag d;

    (void)state;
    assert_int_equal(ir_pixels_alloc(&px, 32, 16, 4), IR_OK);
    fill_split(&px, 16, black, green, true);
    assert_int_equal(ir_image_encode(&px, IR_FORMAT_PNG, -1, &png, &npng, &d),
                     IR_OK);

    assert_int_equal(
        ir_image_transcode(png, npng, IR_FORMAT_PNG, -1, true, &out, &nout, &d),
        IR_OK);
    assert_int_equal(ir_image_decode(out, nout, 0, &back, &d), IR_OK);
    assert_int_equal(back.bands, 3);
    /* transparent black became white; opaque green stayed green */
    assert_int_equal(back.data[(8 * 32 + 2) * 3 + 0], 255);
    assert_int_equal(back.data[(8 * 32 + 2) * 3 + 1], 255);
    assert_int_equal(back.data[(8 * 32 + 30) * 3 + 1], 200);
    ir_pixels_cleanup(&back);
    ir_free(out);

    assert_int_equal(ir_image_transcode(png, npng, IR_FORMAT_WEBP, 100, false,
                                        &out, &nout, &d),
                     IR_OK);
    assert_int_equal(ir_image_decode(out, nout, 0, &back, &d), IR_OK);
    assert_int_equal(back.bands, 4);
    assert_int_equal(back.data[(8 * 32 + 2) * 4 + 3], 0);
    assert_int_equal(back.data[(8 * 32 + 30) * 4 + 3], 255);
    ir_pixels_cleanup(&back);
    ir_free(out);

    assert_int_equal(ir_image_encode(&px, IR_FORMAT_JPEG, -1, &out, &nout, &d),
                     IR_OK);
    assert_int_equal(ir_image_decode(out, nout, 0, &back, &d), IR_OK);
    assert_int_equal(back.bands, 3);
    assert_true(back.data[(8 * 32 + 2) * 3 + 0] > 240);
    ir_pixels_cleanup(&back);
    ir_free(out);
    ir_free(png);
    ir_pixels_cleanup(&px);
}

static void
test_palette(void **state)
{
    static const uint8_t red[3] = {220, 20, 30}, blue[3] = {20, 40, 210};
    struct ir_pixels px;
    unsigned char *png = NULL;
    uint8_t rgb[8][3];
    size_t npng, n, k;
    struct ir_diag d;

    (void)state;
    /* A quarter red, three quarters blue. */
    assert_int_equal(ir_pixels_alloc(&px, 200, 100, 3), IR_OK);
    fill_split(&px, 50, red, blue, false);
    assert_int_equal(ir_image_encode(&px, IR_FORMAT_PNG, -1, &png, &npng, &d),
                     IR_OK);
    assert_int_equal(ir_image_palette(png, npng, rgb, 8, &n, &d), IR_OK);
    assert_true(n >= 2);
    for (k = 0; k < 3; k++) {
        assert_true(abs(rgb[0][k] - blue[k]) <= 12);
        assert_true(abs(rgb[1][k] - red[k]) <= 12);
    }
    /* max bounds the count. */
    assert_int_equal(ir_image_palette(png, npng, rgb, 1, &n, &d), IR_OK);
    assert_int_equal(n, 1);
    ir_free(png);
    ir_pixels_cleanup(&px);
}

/* Fully transparent pixels do not count towards the palette. */
static void
test_palette_alpha(void **state)
{
    static const uint8_t white[3] = {255, 255, 255}, teal[3] = {0, 128, 128};
    struct ir_pixels px;
    unsigned char *png = NULL;
    uint8_t rgb[4][3];
    size_t npng, n;
    struct ir_diag d;

    (void)state;
    assert_int_equal(ir_pixels_alloc(&px, 100, 100, 4), IR_OK);
    fill_split(&px, 90, white, teal, true);
    assert_int_equal(ir_image_encode(&px, IR_FORMAT_PNG, -1, &png, &npng, &d),
                     IR_OK);
    assert_int_equal(ir_image_palette(png, npng, rgb, 4, &n, &d), IR_OK);
    assert_true(n >= 1);
    assert_true(abs(rgb[0][1] - 128) <= 12 && rgb[0][0] < 20);
    ir_free(png);
    ir_pixels_cleanup(&px);
}

static void
test_max_pixels(void **state)
{
    struct ir_pixels px, back;
    unsigned char *png = NULL;
    size_t npng;
    struct ir_diag d = {{0}};

    (void)state;
    make(&px, 100, 100, 3);
    assert_int_equal(ir_image_encode(&px, IR_FORMAT_PNG, -1, &png, &npng, &d),
                     IR_OK);
    assert_int_equal(ir_image_decode(png, npng, 9999, &back, &d), IR_ETOOBIG);
    assert_null(back.data);
    assert_non_null(strstr(d.msg, "100x100"));
    assert_int_equal(ir_image_decode(png, npng, 10000, &back, &d), IR_OK);
    ir_pixels_cleanup(&back);
    ir_free(png);
    ir_pixels_cleanup(&px);
}

/* Garbage, truncated and empty input fail cleanly with a message. */
static void
test_garbage(void **state)
{
    static const char junk[] = "this is not an image at all";
    struct ir_pixels px, back;
    unsigned char *png = NULL, *out = NULL;
    uint8_t rgb[4][3];
    size_t npng, nout, n;
    struct ir_diag d;
    int w, h;

    (void)state;
    d.msg[0] = '\0';
    assert_int_not_equal(ir_image_probe(junk, sizeof junk, &w, &h, NULL, &d),
                         IR_OK);
    assert_true(d.msg[0] != '\0');
    assert_int_not_equal(ir_image_decode(junk, sizeof junk, 0, &back, &d),
                         IR_OK);
    assert_int_not_equal(ir_image_decode("", 0, 0, &back, &d), IR_OK);
    assert_int_not_equal(ir_image_transcode(junk, sizeof junk, IR_FORMAT_PNG,
                                            -1, false, &out, &nout, &d),
                         IR_OK);
    assert_null(out);
    assert_int_not_equal(ir_image_palette(junk, sizeof junk, rgb, 4, &n, &d),
                         IR_OK);

    /* A PNG cut in half: the header parses, the pixels do not. */
    make(&px, 64, 64, 3);
    assert_int_equal(ir_image_encode(&px, IR_FORMAT_PNG, 0, &png, &npng, &d),
                     IR_OK);
    d.msg[0] = '\0';
    assert_int_not_equal(ir_image_decode(png, npng / 2, 0, &back, &d), IR_OK);
    assert_null(back.data);
    /* A PNG signature with nothing after it. */
    assert_int_not_equal(ir_image_probe(png, 12, &w, &h, NULL, &d), IR_OK);
    ir_free(png);
    ir_pixels_cleanup(&px);
}

static void
test_svg_probe(void **state)
{
    const char *a = "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                    "stroke-width=\"3\" width=\"640\" height=\"480px\"/>";
    const char *b = "<?xml version=\"1.0\"?><svg viewBox=\"0 0 300 150\" "
                    "width=\"100%\"></svg>";
    const char *c = "<svg><rect/></svg>";
    struct ir_pixels back;
    enum ir_format f;
    struct ir_diag d;
    int w, h;

    (void)state;
    assert_int_equal(ir_image_probe(a, strlen(a), &w, &h, &f, &d), IR_OK);
    assert_int_equal(f, IR_FORMAT_SVG);
    assert_int_equal(w, 640);
    assert_int_equal(h, 480);
    assert_int_equal(ir_image_probe(b, strlen(b), &w, &h, &f, &d), IR_OK);
    assert_int_equal(w, 300);
    assert_int_equal(h, 150);
    assert_int_equal(ir_image_probe(c, strlen(c), &w, &h, &f, &d), IR_EPARSE);
    /* Input SVG is never rasterised. */
    assert_int_equal(ir_image_decode(a, strlen(a), 0, &back, &d),
                     IR_EUNSUPPORTED);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_jpeg_compression),
        cmocka_unit_test(test_encode_rejects),
        cmocka_unit_test(test_transcode),
        cmocka_unit_test(test_flatten),
        cmocka_unit_test(test_palette),
        cmocka_unit_test(test_palette_alpha),
        cmocka_unit_test(test_max_pixels),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_svg_probe),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
