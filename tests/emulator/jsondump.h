/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/jsondump.h - json_dumps(JSON_COMPACT) with the long
 * base64 strings (the images) spliced in rather than escaped.
 */
#ifndef EMU_JSONDUMP_H
#define EMU_JSONDUMP_H

#include <jansson.h>

/* The same bytes as json_dumps(j, JSON_COMPACT), NUL-terminated (caller
 * frees), or NULL. May replace string values inside j: j is the caller's
 * to free, not to reuse. */
char *emu_json_dump(json_t *j);

#endif
