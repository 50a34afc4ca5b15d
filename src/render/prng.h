/* SPDX-License-Identifier: Apache-2.0
 * render/prng.h - the renderer's deterministic randomness: a string hash,
 * xoshiro256** seeded through splitmix64, and a per-pixel hash for grain.
 * Integer-only, so a seed means the same numbers on every platform.
 */
#ifndef IR_RENDER_PRNG_H
#define IR_RENDER_PRNG_H

#include <stddef.h>
#include <stdint.h>

struct ir_render_prng {
    uint64_t s[4];
};

/* splitmix64's output function: a strong 64-bit mixer. */
uint64_t ir_render_prng_mix(uint64_t x);
/* FNV-1a over the bytes, then mixed. */
uint64_t ir_render_prng_hash(const void *p, size_t n);

void ir_render_prng_seed(struct ir_render_prng *r, uint64_t seed);
uint64_t ir_render_prng_next(struct ir_render_prng *r);
/* Uniform in [0, 1), from 53 bits. */
double ir_render_prng_unit(struct ir_render_prng *r);
/* Uniform in [lo, hi). */
double ir_render_prng_range(struct ir_render_prng *r, double lo, double hi);
/* Uniform integer in [lo, hi] (inclusive); lo <= hi. */
int ir_render_prng_int(struct ir_render_prng *r, int lo, int hi);

/* A well-mixed 32-bit value for pixel (x, y), for grain. */
static inline uint32_t
ir_render_prng_pixel(uint32_t x, uint32_t y, uint32_t seed)
{
    uint32_t h = x * 0x9E3779B1u ^ (y + 0x7F4A7C15u) * 0x85EBCA77u ^ seed;

    /* lowbias32 (Chris Wellons): two multiply-xorshift rounds. */
    h ^= h >> 16;
    h *= 0x7FEB352Du;
    h ^= h >> 15;
    h *= 0x846CA68Bu;
    h ^= h >> 16;
    return h;
}

#endif
