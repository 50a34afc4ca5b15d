/* SPDX-License-Identifier: Apache-2.0
 * util/sha256.h - SHA-256 (FIPS 180-4), for API key hashes: a one-shot
 * and an incremental form, with no library to initialise.
 */
#ifndef IR_UTIL_SHA256_H
#define IR_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define IR_SHA256_LEN 32

struct ir_sha256 {
    uint32_t h[8];
    uint64_t len;                /* bytes hashed so far */
    unsigned char block[64];
    size_t nblock;               /* bytes waiting in block */
};

void ir_sha256_init(struct ir_sha256 *s);
void ir_sha256_update(struct ir_sha256 *s, const void *p, size_t n);
/* Writes the digest; s must be initialised again before reuse. */
void ir_sha256_final(struct ir_sha256 *s, unsigned char out[IR_SHA256_LEN]);
void ir_sha256(const void *p, size_t n, unsigned char out[IR_SHA256_LEN]);

#endif
