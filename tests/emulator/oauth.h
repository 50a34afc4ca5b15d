/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/oauth.h - Google's OAuth token endpoint for service
 * accounts (JWT bearer grant) and the access tokens it hands out, which
 * the Vertex paths accept.
 */
#ifndef EMU_OAUTH_H
#define EMU_OAUTH_H

#include <stdbool.h>

#include "emu.h"

struct emu_tokens *emu_tokens_new(void);
void emu_tokens_free(struct emu_tokens *t);
/* 0: valid with cloud-platform scope; 1: unknown or expired; 2: valid but
 * without the cloud-platform scope. */
int emu_tokens_check(struct emu_tokens *t, const char *token);

#endif
