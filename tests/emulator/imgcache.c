/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/imgcache.c - a small LRU of rendered images and their
 * base64, so a benchmark asking for the same image again costs a memcpy
 * instead of a libvips render and encode.
 *
 * Rendering is a pure function of (format, width, height, seed, alpha)
 * once --tiny has been applied, so a cached image is byte-identical to a
 * fresh one. The key is taken after the same normalisation as
 * emu_image_make (format aliases, tiny), never before, so two requests
 * that would render differently can never share an entry. The base64 is
 * found by content (length, then bytes) rather than by key, because the
 * callers hand us only the image; with a handful of entries that is one
 * memcmp, far cheaper than encoding.
 */
#include "imgcache.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

struct imgcache_entry {
    bool used;
    const char *fmt;          /* canonical, static */
    int w, h;
    uint32_t seed;
    bool alpha;
    unsigned char *data;      /* owned */
    size_t len;
    char *b64;                /* owned, NULL until first asked */
    size_t b64_len;
    uint64_t last_use;
};

struct emu_imgcache {
    struct imgcache_entry *e;
    size_t n;
    size_t max_bytes, bytes;
    uint64_t clock;
    long hits, misses;
};

struct emu_imgcache *
emu_imgcache_new(size_t entries, size_t max_bytes)
{
    struct emu_imgcache *ic = calloc(1, sizeof *ic);

    if (ic == NULL)
        return NULL;
    if (entries > 0 && max_bytes > 0) {
        ic->e = calloc(entries, sizeof *ic->e);
        if (ic->e == NULL) {
            free(ic);
            return NULL;
        }
        ic->n = entries;
    }
    ic->max_bytes = max_bytes;
    return ic;
}

static void
imgcache_drop(struct emu_imgcache *ic, struct imgcache_entry *x)
{
    ic->bytes -= x->len + x->b64_len;
    free(x->data);
    free(x->b64);
    memset(x, 0, sizeof *x);
}

void
emu_imgcache_free(struct emu_imgcache *ic)
{
    size_t i;

    if (ic == NULL)
        return;
    for (i = 0; i < ic->n; i++) {
        if (ic->e[i].used)
            imgcache_drop(ic, &ic->e[i]);
    }
    free(ic->e);
    free(ic);
}

/* Evicts least recently used entries until `need` more bytes fit; false
 * when they cannot fit even in an empty cache. */
static bool
imgcache_make_room(struct emu_imgcache *ic, size_t need)
{
    if (need > ic->max_bytes)
        return false;
    while (ic->bytes + need > ic->max_bytes) {
        struct imgcache_entry *old = NULL;
        size_t i;
        for (i = 0; i < ic->n; i++) {
            if (ic->e[i].used &&
                (old == NULL || ic->e[i].last_use < old->last_use))
                old = &ic->e[i];
        }
        if (old == NULL)
            return false;
        imgcache_drop(ic, old);
    }
    return true;
}

static struct imgcache_entry *
imgcache_slot(struct emu_imgcache *ic)
{
    struct imgcache_entry *old = NULL;
    size_t i;

    for (i = 0; i < ic->n; i++) {
        if (!ic->e[i].used)
            return &ic->e[i];
        if (old == NULL || ic->e[i].last_use < old->last_use)
            old = &ic->e[i];
    }
    imgcache_drop(ic, old);
    return old;
}

static bool
imgcache_copy_out(const struct imgcache_entry *x, struct emu_image *out)
{
    memset(out, 0, sizeof *out);
    out->data = malloc(x->len ? x->len : 1);
    if (out->data == NULL)
        return false;
    memcpy(out->data, x->data, x->len);
    out->len = x->len;
    out->fmt = x->fmt;
    out->mime = emu_image_mime(x->fmt);
    out->w = x->w;
    out->h = x->h;
    return true;
}

bool
emu_imgcache_make(struct emu_imgcache *ic, int w, int h, const char *fmt,
                  uint32_t seed, bool alpha, bool tiny, struct emu_image *out)
{
    const char *cf = emu_image_fmt(fmt);
    struct imgcache_entry *x;
    size_t i;

    if (cf == NULL)
        cf = "png";
    if (tiny) {            /* as emu_image_make: the size and seed are fixed */
        w = h = 24;
        seed = 1;
    }
    for (i = 0; i < ic->n; i++) {
        x = &ic->e[i];
        if (x->used && strcmp(x->fmt, cf) == 0 && x->w == w && x->h == h &&
            x->seed == seed && x->alpha == alpha) {
            if (!imgcache_copy_out(x, out))
                return false;
            x->last_use = ++ic->clock;
            ic->hits++;
            return true;
        }
    }
    ic->misses++;
    if (!emu_image_make(w, h, cf, seed, alpha, false, out))
        return false;
    if (ic->n == 0 || !imgcache_make_room(ic, out->len))
        return true;       /* too big to keep: answered, not cached */
    x = imgcache_slot(ic);
    x->data = malloc(out->len ? out->len : 1);
    if (x->data == NULL)
        return true;
    memcpy(x->data, out->data, out->len);
    x->len = out->len;
    x->used = true;
    x->fmt = cf;
    x->w = w;
    x->h = h;
    x->seed = seed;
    x->alpha = alpha;
    x->last_use = ++ic->clock;
    ic->bytes += x->len;
    return true;
}

char *
emu_imgcache_b64(struct emu_imgcache *ic, const struct emu_image *img)
{
    struct imgcache_entry *x = NULL;
    char *b;
    size_t i, bl;

    for (i = 0; i < ic->n; i++) {
        if (ic->e[i].used && ic->e[i].len == img->len &&
            memcmp(ic->e[i].data, img->data, img->len) == 0) {
            x = &ic->e[i];
            break;
        }
    }
    if (x != NULL && x->b64 != NULL) {
        b = malloc(x->b64_len + 1);
        if (b != NULL)
            memcpy(b, x->b64, x->b64_len + 1);
        return b;
    }
    b = emu_b64_encode(img->data, img->len);
    if (b == NULL || x == NULL)
        return b;
    bl = strlen(b);
    /* Making room may evict x itself: keep the base64 only if x survives
     * with the same bytes. */
    x->last_use = ++ic->clock;
    if (!imgcache_make_room(ic, bl) || !x->used || x->len != img->len)
        return b;
    x->b64 = malloc(bl + 1);
    if (x->b64 != NULL) {
        memcpy(x->b64, b, bl + 1);
        x->b64_len = bl;
        ic->bytes += bl;
    }
    return b;
}

void
emu_imgcache_counts(const struct emu_imgcache *ic, long *hits, long *misses,
                    size_t *bytes)
{
    *hits = ic->hits;
    *misses = ic->misses;
    *bytes = ic->bytes;
}
