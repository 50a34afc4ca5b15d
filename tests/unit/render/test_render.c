/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/render/test_render.c - the procedural renderer: determinism,
 * prompt/seed/palette influence, coarse-to-fine previews, transparency,
 * every size tier and aspect, SVG output, and failure paths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/limits.h"
#include "image/image.h"
#include "render/render.h"
#include "util/mem.h"

static void
params(struct ir_render_params *p, const char *prompt, uint64_t seed, int w,
       int h)
{
    memset(p, 0, sizeof *p);
    p->prompt = prompt;
    p->seed = seed;
    p->w = w;
    p->h = h;
}

static uint64_t
fnv(const unsigned char *b, size_t n)
{
    uint64_t h = 0xCBF29CE484222325ull;
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001B3ull;
    return h;
}

static size_t
npx_bytes(const struct ir_pixels *px)
{
    return (size_t)px->w * px->h * px->bands;
}

/* Share of pixels where some channel differs by more than 24 levels. */
static double
frac_differing(const struct ir_pixels *a, const struct ir_pixels *b)
{
    size_t i, k, n = (size_t)a->w * a->h, diff = 0;

    assert_int_equal(a->w, b->w);
    assert_int_equal(a->h, b->h);
    assert_int_equal(a->bands, b->bands);
    for (i = 0; i < n; i++)
        for (k = 0; k < (size_t)a->bands; k++)
            if (abs(a->data[i * a->bands + k] - b->data[i * b->bands + k]) >
                24) {
                diff++;
                break;
            }
    return (double)diff / (double)n;
}

static double
mean_abs_diff(const struct ir_pixels *a, const struct ir_pixels *b)
{
    size_t i, n = npx_bytes(a);
    double sum = 0;

    for (i = 0; i < n; i++)
        sum += abs(a->data[i] - b->data[i]);
    return sum / (double)n;
}

static void
channel_means(const struct ir_pixels *px, double m[3])
{
    size_t i, n = (size_t)px->w * px->h;

    m[0] = m[1] = m[2] = 0;
    for (i = 0; i < n; i++) {
        m[0] += px->data[i * px->bands];
        m[1] += px->data[i * px->bands + 1];
        m[2] += px->data[i * px->bands + 2];
    }
    m[0] /= (double)n;
    m[1] /= (double)n;
    m[2] /= (double)n;
}

static void
render(const struct ir_render_params *p, struct ir_pixels *out)
{
    assert_int_equal(ir_render_raster(p, 0, NULL, NULL, out), IR_OK);
    assert_int_equal(out->w, p->w);
    assert_int_equal(out->h, p->h);
}

static void
test_deterministic(void **state)
{
    static const char *const prompts[] = {
        "a red sunset over the sea",
        "orbiting planets in deep space",
        "a network of stars at night",
        "pastel flower garden",
        "",
    };
    struct ir_render_params p;
    struct ir_pixels a, b;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof prompts / sizeof prompts[0]; i++) {
        params(&p, prompts[i], 42, 320, 200);
        render(&p, &a);
        render(&p, &b);
        assert_int_equal(a.bands, 3);
        assert_memory_equal(a.data, b.data, npx_bytes(&a));
        assert_true(fnv(a.data, npx_bytes(&a)) == fnv(b.data, npx_bytes(&b)));
        ir_pixels_cleanup(&a);
        ir_pixels_cleanup(&b);
    }
    /* A NULL prompt is the empty prompt. */
    params(&p, NULL, 42, 64, 64);
    render(&p, &a);
    params(&p, "", 42, 64, 64);
    render(&p, &b);
    assert_memory_equal(a.data, b.data, npx_bytes(&a));
    ir_pixels_cleanup(&a);
    ir_pixels_cleanup(&b);
}

static void
test_prompt_changes_image(void **state)
{
    struct ir_render_params p;
    struct ir_pixels a, b;
    double f;

    (void)state;
    params(&p, "a lighthouse on a cliff", 7, 256, 256);
    render(&p, &a);
    params(&p, "a bowl of fruit on a table", 7, 256, 256);
    render(&p, &b);
    f = frac_differing(&a, &b);
    assert_true(f > 0.3);
    ir_pixels_cleanup(&a);
    ir_pixels_cleanup(&b);
}

static void
test_seed_changes_image(void **state)
{
    struct ir_render_params p;
    struct ir_pixels a, b;
    uint64_t seed;

    (void)state;
    params(&p, "a lighthouse on a cliff", 7, 256, 256);
    render(&p, &a);
    /* Neighbouring seeds (the n images of one request) too. */
    for (seed = 8; seed < 11; seed++) {
        p.seed = seed;
        render(&p, &b);
        assert_true(frac_differing(&a, &b) > 0.2);
        ir_pixels_cleanup(&b);
    }
    ir_pixels_cleanup(&a);
}

/* Reference colours dominate the picture's colour statistics. */
static void
test_palette_tints(void **state)
{
    static const uint8_t blue[3] = {20, 50, 220}, red[3] = {225, 30, 25};
    struct ir_render_params p;
    struct ir_pixels a, b;
    double ma[3], mb[3];

    (void)state;
    params(&p, "a lighthouse on a cliff", 3, 200, 200);
    memcpy(p.palette[0], blue, 3);
    p.npalette = 1;
    render(&p, &a);
    memcpy(p.palette[0], red, 3);
    render(&p, &b);
    channel_means(&a, ma);
    channel_means(&b, mb);
    assert_true(ma[2] > ma[0] + 30);
    assert_true(mb[0] > mb[2] + 30);
    assert_true(mb[0] > ma[0] + 40);
    ir_pixels_cleanup(&a);
    ir_pixels_cleanup(&b);
    /* A full palette of 16 works and still differs from none. */
    params(&p, "a lighthouse on a cliff", 3, 100, 100);
    for (p.npalette = 0; p.npalette < IR_RENDER_MAX_PALETTE; p.npalette++)
        memcpy(p.palette[p.npalette], p.npalette % 2 ? blue : red, 3);
    render(&p, &a);
    p.npalette = 0;
    render(&p, &b);
    assert_true(frac_differing(&a, &b) > 0.2);
    ir_pixels_cleanup(&a);
    ir_pixels_cleanup(&b);
}

struct partials {
    struct ir_pixels px[3];
    int indices[3];
    int calls;
};

static void
on_partial(const struct ir_pixels *partial, int index, void *arg)
{
    struct partials *pc = arg;
    struct ir_pixels *dst;

    assert_true(pc->calls < 3);
    dst = &pc->px[pc->calls];
    assert_int_equal(
        ir_pixels_alloc(dst, partial->w, partial->h, partial->bands), IR_OK);
    memcpy(dst->data, partial->data, npx_bytes(partial));
    pc->indices[pc->calls++] = index;
}

static void
test_partials(void **state)
{
    struct ir_render_params p;
    struct ir_pixels fin, plain;
    struct partials pc;
    double d[3];
    int n, i;

    (void)state;
    params(&p, "orbiting planets in deep space", 5, 384, 256);
    render(&p, &plain);
    for (n = 0; n <= 3; n++) {
        memset(&pc, 0, sizeof pc);
        assert_int_equal(ir_render_raster(&p, n, on_partial, &pc, &fin), IR_OK);
        assert_int_equal(pc.calls, n);
        /* Previews never change the final image. */
        assert_memory_equal(fin.data, plain.data, npx_bytes(&fin));
        for (i = 0; i < n; i++) {
            assert_int_equal(pc.indices[i], i);
            assert_int_equal(pc.px[i].w, 384);
            assert_int_equal(pc.px[i].h, 256);
            assert_int_equal(pc.px[i].bands, 3);
            d[i] = mean_abs_diff(&pc.px[i], &fin);
            assert_true(d[i] > 0.5); /* a preview is not the final */
            if (i > 0)
                assert_true(d[i] < d[i - 1]); /* coarse to fine */
            ir_pixels_cleanup(&pc.px[i]);
        }
        ir_pixels_cleanup(&fin);
    }
    /* Asking for more than 3 gives 3; no callback gives none. */
    memset(&pc, 0, sizeof pc);
    assert_int_equal(ir_render_raster(&p, 9, on_partial, &pc, &fin), IR_OK);
    assert_int_equal(pc.calls, 3);
    for (i = 0; i < 3; i++)
        ir_pixels_cleanup(&pc.px[i]);
    ir_pixels_cleanup(&fin);
    assert_int_equal(ir_render_raster(&p, 3, NULL, NULL, &fin), IR_OK);
    ir_pixels_cleanup(&fin);
    ir_pixels_cleanup(&plain);
}

static void
test_transparent(void **state)
{
    static const char *const prompts[] = {
        "a red sunset over the sea",
        "orbiting planets in deep space",
        "a network of stars at night",
        "pastel flower garden",
    };
    struct ir_render_params p;
    struct ir_pixels px;
    struct partials pc;
    size_t i, k, n, zero, opaque;

    (void)state;
    for (i = 0; i < sizeof prompts / sizeof prompts[0]; i++) {
        params(&p, prompts[i], 11, 300, 200);
        p.transparent = true;
        memset(&pc, 0, sizeof pc);
        assert_int_equal(ir_render_raster(&p, 1, on_partial, &pc, &px), IR_OK);
        assert_int_equal(px.bands, 4);
        assert_int_equal(pc.px[0].bands, 4);
        ir_pixels_cleanup(&pc.px[0]);
        n = (size_t)px.w * px.h;
        zero = opaque = 0;
        for (k = 0; k < n; k++) {
            zero += px.data[k * 4 + 3] == 0;
            opaque += px.data[k * 4 + 3] > 200;
        }
        assert_true(zero > n / 10);
        assert_true(opaque > 0);
        /* The corners are always clear: a centred emblem. */
        assert_int_equal(px.data[3], 0);
        assert_int_equal(px.data[(n - 1) * 4 + 3], 0);
        /* Transparent pixels carry no colour. */
        assert_int_equal(px.data[0] | px.data[1] | px.data[2], 0);
        ir_pixels_cleanup(&px);
    }
}

/* Every tier at a few aspects: the size asked is the size made. */
static void
test_sizes(void **state)
{
    static const long long tiers[] = {512ll * 512, 1024ll * 1024, 2048ll * 2048,
                                      4096ll * 4096};
    static const double aspects[] = {1.0, 16.0 / 9, 9.0 / 21};
    struct ir_render_params p;
    struct ir_pixels px;
    size_t t, a;
    int w, h;

    (void)state;
    for (t = 0; t < 4; t++)
        for (a = 0; a < 3; a++) {
            w = (int)(sqrt((double)tiers[t] * aspects[a]) / 8) * 8;
            h = (int)(sqrt((double)tiers[t] / aspects[a]) / 8) * 8;
            params(&p, "size check", t * 3 + a, w, h);
            p.detail = (int)a + 1;
            render(&p, &px);
            assert_int_equal(px.w, w);
            assert_int_equal(px.h, h);
            ir_pixels_cleanup(&px);
        }
    /* Extreme aspects and tiny sizes, with previews. */
    {
        static const int sz[][2] = {
            {2896, 362}, {362, 2896}, {1, 1}, {3, 2}, {64, 64}};
        struct partials pc;
        int i, k;

        for (i = 0; i < 5; i++) {
            params(&p, "edge cases", 1, sz[i][0], sz[i][1]);
            memset(&pc, 0, sizeof pc);
            assert_int_equal(ir_render_raster(&p, 3, on_partial, &pc, &px),
                             IR_OK);
            assert_int_equal(px.w, sz[i][0]);
            assert_int_equal(px.h, sz[i][1]);
            for (k = 0; k < pc.calls; k++)
                ir_pixels_cleanup(&pc.px[k]);
            ir_pixels_cleanup(&px);
        }
    }
}

static void
test_bad_size(void **state)
{
    struct ir_render_params p;
    struct ir_pixels px;
    char *svg = NULL;
    size_t len;

    (void)state;
    params(&p, "x", 1, 0, 10);
    assert_int_equal(ir_render_raster(&p, 0, NULL, NULL, &px), IR_EINVAL);
    assert_null(px.data);
    params(&p, "x", 1, IR_MAX_SIDE + 1, 8);
    assert_int_equal(ir_render_raster(&p, 0, NULL, NULL, &px), IR_EINVAL);
    params(&p, "x", 1, IR_MAX_SIDE, IR_MAX_SIDE);
    assert_int_equal(ir_render_svg(&p, &svg, &len), IR_EINVAL);
    assert_null(svg);
}

static void
count_partial(const struct ir_pixels *partial, int index, void *arg)
{
    (void)partial;
    (void)index;
    (*(int *)arg)++;
}

/* Every allocation failure is reported, and nothing leaks (ASan). */
static void
test_alloc_failures(void **state)
{
    struct ir_render_params p;
    struct ir_pixels px;
    char *svg;
    size_t len;
    unsigned long n;
    int calls, failed = 0;
    ir_err e;

    (void)state;
    params(&p, "a network of stars at night", 1, 64, 48);
    for (n = 1; n < 8; n++) {
        calls = 0;
        ir_mem_fail_at(n);
        e = ir_render_raster(&p, 2, count_partial, &calls, &px);
        ir_mem_fail_at(0);
        if (e == IR_OK) {
            assert_int_equal(calls, 2);
            ir_pixels_cleanup(&px);
            continue;
        }
        failed++;
        assert_int_equal(e, IR_ENOMEM);
        assert_null(px.data);
    }
    assert_true(failed >= 3); /* scene, image, previews */
    for (n = 1; n < 6; n++) {
        ir_mem_fail_at(n);
        e = ir_render_svg(&p, &svg, &len);
        ir_mem_fail_at(0);
        if (e == IR_OK)
            ir_free(svg);
        else
            assert_null(svg);
    }
}

static void
test_prompt_seed(void **state)
{
    (void)state;
    assert_true(ir_render_prompt_seed("a cat") ==
                ir_render_prompt_seed("a cat"));
    assert_true(ir_render_prompt_seed("a cat") !=
                ir_render_prompt_seed("a cat."));
    assert_true(ir_render_prompt_seed(NULL) == ir_render_prompt_seed(""));
}

/* Tags must nest: a tiny well-formedness check (no attributes with '>'
 * in them are produced, so scanning for '<' and '>' is enough). */
static void
check_xml(const char *s)
{
    char stack[32][32];
    int depth = 0;
    const char *p = s, *e;
    size_t n;

    while ((p = strchr(p, '<')) != NULL) {
        e = strchr(p, '>');
        assert_non_null(e);
        if (p[1] == '/') {
            n = strcspn(p + 2, " >");
            assert_true(depth > 0);
            depth--;
            assert_int_equal(strlen(stack[depth]), n);
            assert_memory_equal(stack[depth], p + 2, n);
        } else if (e[-1] != '/') {
            n = strcspn(p + 1, " >");
            assert_true(depth < 32 && n < 32);
            memcpy(stack[depth], p + 1, n);
            stack[depth++][n] = '\0';
        }
        p = e + 1;
    }
    assert_int_equal(depth, 0);
}

static void
test_svg(void **state)
{
    static const char *const prompts[] = {
        "a red sunset over the sea",
        "orbiting planets in deep space",
        "a network of stars at night",
        "pastel flower garden",
    };
    struct ir_render_params p;
    char *a = NULL, *b = NULL, want[128];
    size_t la, lb, i;

    (void)state;
    for (i = 0; i < sizeof prompts / sizeof prompts[0]; i++) {
        params(&p, prompts[i], 9, 1200, 675);
        assert_int_equal(ir_render_svg(&p, &a, &la), IR_OK);
        assert_int_equal(strlen(a), la);
        assert_int_equal(strncmp(a, "<svg ", 5), 0);
        assert_non_null(strstr(a, "viewBox=\"0 0 1200 675\""));
        assert_non_null(strstr(a, "width=\"1200\""));
        assert_non_null(strstr(a, "height=\"675\""));
        assert_non_null(strstr(a, "url(#bg)"));
        assert_int_equal(strcmp(a + la - 7, "</svg>\n"), 0);
        assert_int_equal(ir_image_sniff(a, la), IR_FORMAT_SVG);
        check_xml(a);
        /* deterministic */
        assert_int_equal(ir_render_svg(&p, &b, &lb), IR_OK);
        assert_int_equal(la, lb);
        assert_memory_equal(a, b, la);
        ir_free(b);
        /* another seed, another picture */
        p.seed = 10;
        assert_int_equal(ir_render_svg(&p, &b, &lb), IR_OK);
        assert_true(la != lb || memcmp(a, b, la) != 0);
        ir_free(b);
        /* transparent: no background rect */
        p.transparent = true;
        assert_int_equal(ir_render_svg(&p, &b, &lb), IR_OK);
        assert_null(strstr(b, "url(#bg)"));
        check_xml(b);
        ir_free(b);
        ir_free(a);
    }
    params(&p, "x", 1, 64, 32);
    assert_int_equal(ir_render_svg(&p, &a, &la), IR_OK);
    (void)snprintf(want, sizeof want, "viewBox=\"0 0 64 32\"");
    assert_non_null(strstr(a, want));
    ir_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_prompt_changes_image),
        cmocka_unit_test(test_seed_changes_image),
        cmocka_unit_test(test_palette_tints),
        cmocka_unit_test(test_partials),
        cmocka_unit_test(test_transparent),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_bad_size),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_prompt_seed),
        cmocka_unit_test(test_svg),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
