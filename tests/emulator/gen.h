/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/gen.h - make the image(s) one provider request returns,
 * honouring the emulator's --tiny mode and the script's image_format.
 */
#ifndef EMU_GEN_H
#define EMU_GEN_H

#include "emu.h"
#include "image.h"

/* Seed for image `index` of this request: the prompt and, when the
 * provider took one, the request's seed; else the request id, so two
 * requests never look alike. */
uint32_t emu_gen_seed(struct emu_ctx *c, const char *prompt, bool has_seed,
                      long long seed, int index);
/* Render w x h in fmt (a scripted image_format wins), from the image
 * cache when the same image was made before. False: 500 sent. */
bool emu_gen_image(struct emu_ctx *c, int w, int h, const char *fmt,
                   uint32_t seed, bool alpha, struct emu_image *out);
/* Base64 of the image (caller frees), cached beside the image. */
char *emu_gen_b64(struct emu_ctx *c, const struct emu_image *img);
/* A data: URL of the image (caller frees). */
char *emu_gen_data_url(struct emu_ctx *c, const struct emu_image *img);
/* Decode a data: URL; returns bytes (caller frees) or NULL. */
unsigned char *emu_gen_parse_data_url(const char *url, size_t *len,
                                      char *mime, size_t mimesz);

#endif
