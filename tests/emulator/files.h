/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/files.h - generated images kept for download by URL
 * (DALL-E/xAI/Seedream/Recraft `url` results, BFL `result.sample`).
 */
#ifndef EMU_FILES_H
#define EMU_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "emu.h"
#include "image.h"

struct emu_files *emu_files_new(void);
void emu_files_free(struct emu_files *f);
/* Keep a copy of img for ttl_s seconds; writes the absolute URL that
 * downloads it (a signed-looking /delivery/<provider>/... path). */
bool emu_files_put(struct emu_files *f, struct emu_ctx *c,
                   const struct emu_image *img, int ttl_s, char *url,
                   size_t urlsz);
/* Serve GET /delivery/<provider>/<token>.<ext>: bytes, 403 when expired,
 * 404 when unknown. */
void emu_files_serve(struct emu_files *f, struct emu_ctx *c);

#endif
