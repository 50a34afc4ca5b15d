/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/providers.h - the entry points of each emulated provider:
 * a handler for its paths and its own error body for a status.
 */
#ifndef EMU_PROVIDERS_H
#define EMU_PROVIDERS_H

#include "emu.h"

void emu_openai_handle(struct emu_ctx *c);
void emu_openai_error(struct emu_ctx *c, int status, const char *msg,
                      const char *code);
void emu_azure_handle(struct emu_ctx *c);
void emu_azure_error(struct emu_ctx *c, int status, const char *msg,
                     const char *code);
void emu_gemini_handle(struct emu_ctx *c);
void emu_google_error(struct emu_ctx *c, int status, const char *msg,
                      const char *code);
void emu_oauth_handle(struct emu_ctx *c);
void emu_oauth_error(struct emu_ctx *c, int status, const char *msg,
                     const char *code);
void emu_seedream_handle(struct emu_ctx *c);
void emu_seedream_error(struct emu_ctx *c, int status, const char *msg,
                        const char *code);
void emu_bfl_handle(struct emu_ctx *c);
void emu_bfl_error(struct emu_ctx *c, int status, const char *msg,
                   const char *code);
void emu_xai_handle(struct emu_ctx *c);
void emu_xai_error(struct emu_ctx *c, int status, const char *msg,
                   const char *code);
void emu_recraft_handle(struct emu_ctx *c);
void emu_recraft_error(struct emu_ctx *c, int status, const char *msg,
                       const char *code);
void emu_unknown_handle(struct emu_ctx *c);
void emu_unknown_error(struct emu_ctx *c, int status, const char *msg,
                       const char *code);

#endif
