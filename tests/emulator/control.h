/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/control.h - the /_emu/ control API: scripts, the request
 * record, stats, reset, runtime config.
 */
#ifndef EMU_CONTROL_H
#define EMU_CONTROL_H

#include "emu.h"

void emu_control_handle(struct emu *e, struct evhttp_request *req,
                        const char *path);

#endif
