/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/util.h - small helpers: clocks, base64, ids, hashing.
 */
#ifndef EMU_UTIL_H
#define EMU_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int64_t emu_now_ms(void);
/* Base64 (standard alphabet, padded); caller frees. */
char *emu_b64_encode(const void *data, size_t len);
/* Decodes standard or URL-safe base64, padding optional. NULL if invalid;
 * caller frees. */
unsigned char *emu_b64_decode(const char *s, size_t slen, size_t *outlen);
/* Random UUID v4 into out[37]. */
void emu_uuid(char out[37]);
/* Random lower-case hex of n bytes into out[2n+1]. */
void emu_hex_random(char *out, size_t nbytes);
uint32_t emu_fnv1a(const void *data, size_t len, uint32_t h);
/* Image type by magic bytes: "png", "jpeg", "webp", "gif" or NULL. */
const char *emu_sniff(const unsigned char *p, size_t len);
/* "1024x768" -> w,h (both > 0). */
bool emu_parse_wxh(const char *s, int *w, int *h);
/* "16:9" -> ratio w/h > 0. */
bool emu_parse_ratio(const char *s, double *ratio);
/* Round to the nearest multiple of m, at least m. */
int emu_round_to(double v, int m);
bool emu_str_in(const char *s, const char *const *list);

#endif
