/* SPDX-License-Identifier: Apache-2.0
 * render/prng.c - hashing and xoshiro256** for the procedural renderer.
 * Not for secrets: util/rand.c is the CSPRNG.
 */
#include "render/prng.h"

uint64_t
ir_render_prng_mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

uint64_t
ir_render_prng_hash(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 0xCBF29CE484222325ull;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001B3ull;
    }
    /* FNV's low bits are weak on short inputs; the mixer fixes that. */
    return ir_render_prng_mix(h ^ n);
}

void
ir_render_prng_seed(struct ir_render_prng *r, uint64_t seed)
{
    int i;

    /* splitmix64 never yields four zero words, which xoshiro forbids. */
    for (i = 0; i < 4; i++) {
        seed += 0x9E3779B97F4A7C15ull;
        r->s[i] = ir_render_prng_mix(seed);
    }
}

static inline uint64_t
prng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t
ir_render_prng_next(struct ir_render_prng *r)
{
    uint64_t *s = r->s;
    uint64_t out = prng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = prng_rotl(s[3], 45);
    return out;
}

double
ir_render_prng_unit(struct ir_render_prng *r)
{
    return (double)(ir_render_prng_next(r) >> 11) * 0x1.0p-53;
}

double
ir_render_prng_range(struct ir_render_prng *r, double lo, double hi)
{
    return lo + (hi - lo) * ir_render_prng_unit(r);
}

int
ir_render_prng_int(struct ir_render_prng *r, int lo, int hi)
{
    uint64_t span = (uint64_t)((int64_t)hi - lo) + 1;

    /* Modulo bias is < 2^-32 for the small spans used here. */
    return (int)((int64_t)lo + (int64_t)(ir_render_prng_next(r) % span));
}
