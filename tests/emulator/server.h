/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/server.h - route each inbound request to the control API
 * or to the provider that owns its path.
 */
#ifndef EMU_SERVER_H
#define EMU_SERVER_H

#include "emu.h"

void emu_server_init(struct emu *e);

#endif
