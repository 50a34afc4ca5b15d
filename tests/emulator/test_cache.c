/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/test_cache.c - emulator.wire's in-process checks of the
 * emulator's hot-path shortcuts: the image cache (imgcache.c) against
 * fresh libvips renders, and the JSON splice (jsondump.c) against
 * jansson's own dump.
 */
#include "test_cache.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "image.h"
#include "imgcache.h"
#include "jsondump.h"
#include "test_http.h"
#include "util.h"

struct cache_case {
    int w, h;
    const char *fmt;
    unsigned seed;
    bool alpha, tiny;
};

static const struct cache_case cache_cases[] = {
    { 64, 48, "png", 7, false, false },
    { 48, 64, "png", 7, false, false },     /* w and h swapped */
    { 64, 48, "png", 8, false, false },     /* another seed */
    { 64, 48, "png", 7, true, false },      /* alpha */
    { 64, 48, "jpeg", 7, false, false },    /* another format */
    { 64, 48, "jpg", 7, false, false },     /* its alias: same image */
    { 64, 48, "webp", 7, false, false },
    { 64, 48, "svg", 7, false, false },
    { 500, 9, "png", 3, false, true },      /* tiny: 24x24, seed 1 */
    { 9, 500, "png", 4, false, true },      /* the same tiny image */
};
#define NCASES (sizeof(cache_cases) / sizeof(cache_cases[0]))

static bool
cache_same(const struct emu_image *a, const struct emu_image *b)
{
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0 &&
           strcmp(a->fmt, b->fmt) == 0 && a->w == b->w && a->h == b->h;
}

/* Renders every case twice through a cache of `entries` and checks each
 * answer against a fresh render; returns the cache's hit count. */
static long
cache_round(size_t entries, size_t max_bytes, struct emu_image *fresh)
{
    struct emu_imgcache *ic = emu_imgcache_new(entries, max_bytes);
    long hits, misses;
    size_t bytes, i;
    int pass;

    CHECK(ic != NULL, "imgcache_new");
    if (ic == NULL)
        return -1;
    for (pass = 0; pass < 2; pass++) {
        for (i = 0; i < NCASES; i++) {
            const struct cache_case *k = &cache_cases[i];
            struct emu_image got;
            char *b64, *want;
            bool ok = emu_imgcache_make(ic, k->w, k->h, k->fmt, k->seed,
                                        k->alpha, k->tiny, &got);
            CHECK(ok && cache_same(&got, &fresh[i]),
                  "cache %zu/%zu case %zu pass %d: same bytes as a fresh "
                  "render", entries, max_bytes, i, pass);
            if (!ok)
                continue;
            b64 = emu_imgcache_b64(ic, &got);
            want = emu_b64_encode(fresh[i].data, fresh[i].len);
            CHECK(b64 != NULL && want != NULL && strcmp(b64, want) == 0,
                  "cache %zu case %zu pass %d: same base64", entries, i,
                  pass);
            free(b64);
            free(want);
            emu_image_cleanup(&got);
        }
    }
    emu_imgcache_counts(ic, &hits, &misses, &bytes);
    CHECK(bytes <= max_bytes, "cache holds %zu bytes, bound %zu", bytes,
          max_bytes);
    emu_imgcache_free(ic);
    return hits;
}

void
test_image_cache(void)
{
    struct emu_image fresh[NCASES];
    size_t i, j, total = 0;
    long hits;

    for (i = 0; i < NCASES; i++) {
        const struct cache_case *k = &cache_cases[i];
        CHECK(emu_image_make(k->w, k->h, k->fmt, k->seed, k->alpha, k->tiny,
                             &fresh[i]), "fresh render %zu", i);
        total += fresh[i].len;
    }
    /* The cases are really different images, except the alias pair and
     * the two tiny ones: otherwise a colliding key could not show. */
    for (i = 0; i < NCASES; i++) {
        for (j = i + 1; j < NCASES; j++) {
            bool alias = (i == 4 && j == 5) || (i == 8 && j == 9);
            CHECK(cache_same(&fresh[i], &fresh[j]) == alias,
                  "cases %zu and %zu %s", i, j,
                  alias ? "are the same image" : "differ");
        }
    }
    /* Room for everything: the second pass is all hits (plus the alias
     * and tiny repeats of the first pass). */
    hits = cache_round(EMU_IMGCACHE_ENTRIES, EMU_IMGCACHE_BYTES, fresh);
    CHECK(hits == (long)NCASES + 2, "hits %ld, want %zu", hits, NCASES + 2);
    /* Two entries, and a byte bound smaller than all images with their
     * base64: eviction keeps the answers right and the bound holds. */
    hits = cache_round(2, total, fresh);
    CHECK(hits >= 0, "evicting cache");
    /* Off: every call renders, the answers do not change. */
    hits = cache_round(0, 0, fresh);
    CHECK(hits == 0, "no hits when off (%ld)", hits);
    for (i = 0; i < NCASES; i++)
        emu_image_cleanup(&fresh[i]);
}

static void
dump_case(json_t *j, const char *what)
{
    char *want = json_dumps(j, JSON_COMPACT);
    char *got = emu_json_dump(j);     /* may rewrite j's strings */

    CHECK(want != NULL && got != NULL && strcmp(want, got) == 0,
          "json dump %s: %.80s / %.80s", what, want ? want : "(null)",
          got ? got : "(null)");
    free(want);
    free(got);
    json_decref(j);
}

void
test_json_dump(void)
{
    char b64a[700], b64b[300], text[400];
    json_t *shared;
    size_t i;

    for (i = 0; i + 1 < sizeof(b64a); i++)
        b64a[i] = "ABCxyz019+/="[i % 12];
    b64a[sizeof(b64a) - 1] = '\0';
    for (i = 0; i + 1 < sizeof(b64b); i++)
        b64b[i] = "Qq-_"[i % 4];
    b64b[sizeof(b64b) - 1] = '\0';
    /* Long, but needs escaping: must go through jansson. */
    for (i = 0; i + 1 < sizeof(text); i++)
        text[i] = "a\"b\\c\n\x01 \xc3\xa9"[i % 11];
    text[sizeof(text) - 2] = 'z';     /* no cut UTF-8 at the end */
    text[sizeof(text) - 1] = '\0';

    dump_case(json_pack("{s:s, s:[{s:s}, s], s:s, s:i}", "a", b64a, "d",
                        "b64_json", b64b, b64a, "t", text, "n", 3),
              "objects and arrays");
    dump_case(json_pack("{s:s, s:s}", "second", b64b, "first", b64a),
              "two strings");
    dump_case(json_pack("[s, s, s]", b64a, "short", b64a), "array");
    dump_case(json_pack("{s:s}", "short", "AAAA"), "nothing to splice");
    /* A container held elsewhere too comes out right and is untouched. */
    shared = json_pack("{s:s}", "img", b64a);
    dump_case(json_pack("{s:O}", "in", shared), "shared container");
    CHECK(strcmp(jstr(shared, "img"), b64a) == 0,
          "shared container not rewritten");
    json_decref(shared);
}
