/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/providers/test_local.c - the built-in "local" provider:
 * n images, output formats and transparency, the vector model, streamed
 * previews, reference tinting, seeds and errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"
#include "core/request.h"
#include "image/image.h"
#include "providers/provider.h"
#include "providers/registry.h"
#include "util/mem.h"

struct fixture {
    struct ir_request req;
    struct ir_ref refs[4]; /* req.refs, not owned by req */
    struct ir_call call;
    struct ir_gen_result res;
    struct ir_error err;
};

struct seen {
    int calls;
    int indices[8];
    enum ir_format fmts[8];
    int w[8], h[8];
};

static int
setup(void **state)
{
    (void)state;
    return ir_image_init("test_local") == IR_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    (void)state;
    ir_image_shutdown();
    return 0;
}

static void
fx_init(struct fixture *f, const char *model, const char *prompt, int w, int h,
        int n)
{
    memset(f, 0, sizeof *f);
    f->req.prompt = (char *)prompt;
    f->req.n = n;
    f->req.partial_images = -1;
    f->req.refs = f->refs;
    f->call.req = &f->req;
    f->call.upstream_model = model;
    f->call.geom.w = w;
    f->call.geom.h = h;
    f->call.n = n;
    ir_error_init(&f->err);
}

static void
fx_cleanup(struct fixture *f)
{
    ir_gen_result_cleanup(&f->res);
    ir_error_cleanup(&f->err);
}

static ir_err
run(struct fixture *f, ir_local_partial_cb *cb, void *arg)
{
    return ir_provider_local.local_run(&f->call, cb, arg, &f->res, &f->err);
}

static void
on_partial(const unsigned char *bytes, size_t len, enum ir_format fmt,
           int index, void *arg)
{
    struct seen *s = arg;
    struct ir_diag d;
    int i = s->calls++;

    assert_true(i < 8);
    s->indices[i] = index;
    s->fmts[i] = fmt;
    assert_int_equal(ir_image_sniff(bytes, len), fmt);
    assert_int_equal(ir_image_probe(bytes, len, &s->w[i], &s->h[i], NULL, &d),
                     IR_OK);
}

static void
mean_rgb(const struct ir_gen_image *img, double m[3])
{
    struct ir_pixels px;
    struct ir_diag d;
    size_t i, n;

    assert_int_equal(ir_image_decode(img->bytes, img->len, 0, &px, &d), IR_OK);
    n = (size_t)px.w * px.h;
    m[0] = m[1] = m[2] = 0;
    for (i = 0; i < n; i++) {
        m[0] += px.data[i * px.bands];
        m[1] += px.data[i * px.bands + 1];
        m[2] += px.data[i * px.bands + 2];
    }
    m[0] /= (double)n;
    m[1] /= (double)n;
    m[2] /= (double)n;
    ir_pixels_cleanup(&px);
}

static void
test_table(void **state)
{
    (void)state;
    assert_string_equal(ir_provider_local.name, "local");
    assert_int_equal(ir_provider_local.mode, IR_ENGINE_LOCAL);
    assert_non_null(ir_provider_local.local_run);
}

static void
test_three_pngs(void **state)
{
    struct fixture f;
    struct ir_diag d;
    size_t i, j;
    int w, h;

    (void)state;
    fx_init(&f, "abstract", "three little images", 256, 192, 3);
    assert_int_equal(run(&f, NULL, NULL), IR_OK);
    assert_int_equal(f.err.status, 0);
    assert_int_equal(f.res.nimages, 3);
    assert_int_equal(f.res.outcome, IR_PARSE_DONE);
    assert_false(f.res.usage.has_tokens);
    for (i = 0; i < 3; i++) {
        const struct ir_gen_image *img = &f.res.images[i];

        assert_non_null(img->bytes);
        assert_null(img->url);
        assert_int_equal(ir_image_sniff(img->bytes, img->len), IR_FORMAT_PNG);
        assert_int_equal(img->format, IR_FORMAT_PNG);
        assert_int_equal(ir_image_probe(img->bytes, img->len, &w, &h, NULL, &d),
                         IR_OK);
        assert_int_equal(w, 256);
        assert_int_equal(h, 192);
        assert_int_equal(img->w, 256);
        assert_int_equal(img->h, 192);
        for (j = 0; j < i; j++)
            assert_true(img->len != f.res.images[j].len ||
                        memcmp(img->bytes, f.res.images[j].bytes, img->len) !=
                            0);
    }
    fx_cleanup(&f);
}

/* A caller that went away stops the run before the next image. */
static void
test_cancelled(void **state)
{
    struct fixture f;
    _Atomic bool stop = true;

    (void)state;
    fx_init(&f, "abstract", "nobody is waiting", 128, 128, 4);
    f.call.cancelled = &stop;
    assert_int_equal(run(&f, NULL, NULL), IR_ECANCELLED);
    assert_int_equal(f.res.nimages, 0);
    fx_cleanup(&f);
}

static void
test_formats(void **state)
{
    static const struct {
        enum ir_format fmt;
        enum ir_background bg;
        int compression; /* -1: not set */
        int bands;
    } cases[] = {
        {IR_FORMAT_JPEG, IR_BACKGROUND_AUTO, -1, 3},
        {IR_FORMAT_JPEG, IR_BACKGROUND_OPAQUE, 40, 3},
        {IR_FORMAT_WEBP, IR_BACKGROUND_UNSET, 80, 3},
        {IR_FORMAT_WEBP, IR_BACKGROUND_TRANSPARENT, -1, 4},
        {IR_FORMAT_PNG, IR_BACKGROUND_TRANSPARENT, 90, 4},
        {IR_FORMAT_PNG, IR_BACKGROUND_OPAQUE, -1, 3},
    };
    struct ir_pixels px;
    struct fixture f;
    struct ir_diag d;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fx_init(&f, "abstract", "formats", 160, 96, 1);
        f.req.output_format = cases[i].fmt;
        f.req.background = cases[i].bg;
        f.req.output_compression_set = cases[i].compression >= 0;
        f.req.output_compression = cases[i].compression;
        f.req.quality = (enum ir_quality)(i % 5);
        assert_int_equal(run(&f, NULL, NULL), IR_OK);
        assert_int_equal(f.res.nimages, 1);
        assert_int_equal(
            ir_image_sniff(f.res.images[0].bytes, f.res.images[0].len),
            cases[i].fmt);
        assert_int_equal(ir_image_decode(f.res.images[0].bytes,
                                         f.res.images[0].len, 0, &px, &d),
                         IR_OK);
        assert_int_equal(px.bands, cases[i].bands);
        assert_int_equal(px.w, 160);
        ir_pixels_cleanup(&px);
        fx_cleanup(&f);
    }
}

static void
test_vector(void **state)
{
    struct fixture f;
    struct seen s;
    enum ir_format fmt;
    struct ir_diag d;
    int w, h;

    (void)state;
    memset(&s, 0, sizeof s);
    fx_init(&f, "abstract-vector", "vector art", 640, 360, 2);
    f.call.stream = true; /* nothing to preview for SVG */
    assert_int_equal(run(&f, on_partial, &s), IR_OK);
    assert_int_equal(s.calls, 0);
    assert_int_equal(f.res.nimages, 2);
    assert_int_equal(strncmp((char *)f.res.images[0].bytes, "<svg", 4), 0);
    assert_int_equal(f.res.images[0].format, IR_FORMAT_SVG);
    assert_int_equal(ir_image_probe(f.res.images[0].bytes, f.res.images[0].len,
                                    &w, &h, &fmt, &d),
                     IR_OK);
    assert_int_equal(fmt, IR_FORMAT_SVG);
    assert_int_equal(w, 640);
    assert_int_equal(h, 360);
    assert_true(f.res.images[0].len != f.res.images[1].len ||
                memcmp(f.res.images[0].bytes, f.res.images[1].bytes,
                       f.res.images[0].len) != 0);
    fx_cleanup(&f);
}

static void
test_stream_partials(void **state)
{
    static const struct {
        int asked, want;
        enum ir_format fmt;
    } cases[] = {
        {-1, 2, IR_FORMAT_PNG}, {0, 2, IR_FORMAT_WEBP}, {1, 1, IR_FORMAT_JPEG},
        {3, 3, IR_FORMAT_PNG},  {7, 3, IR_FORMAT_PNG},
    };
    struct fixture f;
    struct seen s;
    size_t i;
    int k;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(&s, 0, sizeof s);
        fx_init(&f, "abstract", "streamed", 200, 120, 2);
        f.req.output_format = cases[i].fmt;
        f.call.stream = true;
        f.call.partial_images = cases[i].asked;
        assert_int_equal(run(&f, on_partial, &s), IR_OK);
        /* previews for the first image only */
        assert_int_equal(s.calls, cases[i].want);
        for (k = 0; k < s.calls; k++) {
            assert_int_equal(s.indices[k], k);
            assert_int_equal(s.fmts[k], cases[i].fmt);
            assert_int_equal(s.w[k], 200);
            assert_int_equal(s.h[k], 120);
        }
        assert_int_equal(f.res.nimages, 2);
        fx_cleanup(&f);
    }
    /* Not streaming: no previews even with a callback. */
    memset(&s, 0, sizeof s);
    fx_init(&f, "abstract", "not streamed", 64, 64, 1);
    f.call.partial_images = 3;
    assert_int_equal(run(&f, on_partial, &s), IR_OK);
    assert_int_equal(s.calls, 0);
    fx_cleanup(&f);
}

/* A solid red reference pulls a "blue lake" towards red. */
static void
test_reference_tints(void **state)
{
    struct ir_pixels red;
    unsigned char *png = NULL;
    size_t npng, i;
    struct fixture f;
    struct ir_diag d;
    double plain[3], tinted[3];

    (void)state;
    assert_int_equal(ir_pixels_alloc(&red, 64, 64, 3), IR_OK);
    for (i = 0; i < 64 * 64; i++) {
        red.data[i * 3] = 230;
        red.data[i * 3 + 1] = 20;
        red.data[i * 3 + 2] = 25;
    }
    assert_int_equal(ir_image_encode(&red, IR_FORMAT_PNG, -1, &png, &npng, &d),
                     IR_OK);
    ir_pixels_cleanup(&red);

    fx_init(&f, "abstract", "a calm blue lake", 192, 192, 1);
    f.req.seed = 4;
    f.req.seed_set = true;
    assert_int_equal(run(&f, NULL, NULL), IR_OK);
    mean_rgb(&f.res.images[0], plain);
    fx_cleanup(&f);

    fx_init(&f, "abstract", "a calm blue lake", 192, 192, 1);
    f.req.seed = 4;
    f.req.seed_set = true;
    /* a URL-only reference and an unreadable one are skipped */
    f.req.refs[0].url = "https://example.com/a.png";
    f.req.refs[1].bytes = (unsigned char *)"garbage";
    f.req.refs[1].len = 7;
    f.req.refs[2].bytes = png;
    f.req.refs[2].len = npng;
    f.req.nrefs = 3;
    assert_int_equal(run(&f, NULL, NULL), IR_OK);
    mean_rgb(&f.res.images[0], tinted);
    fx_cleanup(&f);

    assert_true(plain[2] > plain[0]);   /* the prompt alone: blue */
    assert_true(tinted[0] > tinted[2]); /* with the reference: red */
    assert_true(tinted[0] - tinted[2] > plain[0] - plain[2] + 40);
    ir_free(png);
}

static void
test_seed(void **state)
{
    struct fixture a, b;

    (void)state;
    /* No seed: the prompt decides, so a rerun is identical. */
    fx_init(&a, "abstract", "same prompt", 96, 96, 1);
    fx_init(&b, "abstract", "same prompt", 96, 96, 1);
    assert_int_equal(run(&a, NULL, NULL), IR_OK);
    assert_int_equal(run(&b, NULL, NULL), IR_OK);
    assert_int_equal(a.res.images[0].len, b.res.images[0].len);
    assert_memory_equal(a.res.images[0].bytes, b.res.images[0].bytes,
                        a.res.images[0].len);
    fx_cleanup(&b);
    /* A seed changes it; image i of seed s is image 0 of seed s + i. */
    fx_init(&b, "abstract", "same prompt", 96, 96, 2);
    b.req.seed = 100;
    b.req.seed_set = true;
    assert_int_equal(run(&b, NULL, NULL), IR_OK);
    assert_true(a.res.images[0].len != b.res.images[0].len ||
                memcmp(a.res.images[0].bytes, b.res.images[0].bytes,
                       a.res.images[0].len) != 0);
    fx_cleanup(&a);
    fx_init(&a, "abstract", "same prompt", 96, 96, 1);
    a.req.seed = 101;
    a.req.seed_set = true;
    assert_int_equal(run(&a, NULL, NULL), IR_OK);
    assert_int_equal(a.res.images[0].len, b.res.images[1].len);
    assert_memory_equal(a.res.images[0].bytes, b.res.images[1].bytes,
                        a.res.images[0].len);
    fx_cleanup(&a);
    fx_cleanup(&b);
}

static void
test_defaults_and_errors(void **state)
{
    struct fixture f;
    struct ir_diag d;
    int w, h;

    (void)state;
    /* No geometry: 1024x1024; n 0 means one image. */
    fx_init(&f, "abstract", "defaults", 0, 0, 0);
    f.req.output_format = IR_FORMAT_JPEG;
    assert_int_equal(run(&f, NULL, NULL), IR_OK);
    assert_int_equal(f.res.nimages, 1);
    assert_int_equal(ir_image_probe(f.res.images[0].bytes, f.res.images[0].len,
                                    &w, &h, NULL, &d),
                     IR_OK);
    assert_int_equal(w, 1024);
    assert_int_equal(h, 1024);
    fx_cleanup(&f);

    fx_init(&f, "dall-e-9", "unknown model", 64, 64, 1);
    assert_int_not_equal(run(&f, NULL, NULL), IR_OK);
    assert_int_equal(f.err.status, 500);
    assert_non_null(strstr(f.err.message, "dall-e-9"));
    assert_int_equal(f.res.nimages, 0);
    fx_cleanup(&f);

    fx_init(&f, "abstract", "too big", 16384, 16384, 1);
    assert_int_not_equal(run(&f, NULL, NULL), IR_OK);
    assert_int_equal(f.err.status, 400);
    fx_cleanup(&f);
}

/* Allocation failures fail the call cleanly: a 500, no images left. */
static void
test_alloc_failures(void **state)
{
    struct fixture f;
    unsigned long n;
    ir_err e;

    (void)state;
    for (n = 1; n < 12; n++) {
        fx_init(&f, "abstract", "fragile", 48, 32, 2);
        ir_mem_fail_at(n);
        e = run(&f, NULL, NULL);
        ir_mem_fail_at(0);
        if (e != IR_OK) {
            assert_int_equal(f.err.status, 500);
            assert_int_equal(f.res.nimages, 0);
            assert_null(f.res.images[0].bytes);
        }
        fx_cleanup(&f);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_three_pngs),
        cmocka_unit_test(test_cancelled),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_vector),
        cmocka_unit_test(test_stream_partials),
        cmocka_unit_test(test_reference_tints),
        cmocka_unit_test(test_seed),
        cmocka_unit_test(test_defaults_and_errors),
        cmocka_unit_test(test_alloc_failures),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
