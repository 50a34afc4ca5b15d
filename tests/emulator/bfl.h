/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/bfl.h - the Black Forest Labs task table: tasks created
 * by submit, advanced by polls.
 */
#ifndef EMU_BFL_H
#define EMU_BFL_H

#include "emu.h"

struct emu_bfl *emu_bfl_new(void);
void emu_bfl_free(struct emu_bfl *b);

#endif
