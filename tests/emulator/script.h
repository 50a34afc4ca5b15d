/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/script.h - the queue of scripted actions that tests push
 * with POST /_emu/script; each provider request consumes the first match.
 */
#ifndef EMU_SCRIPT_H
#define EMU_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct emu_scripts;

struct emu_scripts *emu_scripts_new(void);
void emu_scripts_free(struct emu_scripts *s);
/* Queue one script object; false with a message when its shape is wrong. */
bool emu_scripts_push(struct emu_scripts *s, json_t *script, char *err,
                      size_t errsz);
/* Consume the first script matching the request: a new reference to its
 * action, or NULL when none matches. */
json_t *emu_scripts_take(struct emu_scripts *s, const char *provider,
                         const char *method, const char *path,
                         const char *model);
long emu_scripts_pending(const struct emu_scripts *s);
json_t *emu_scripts_list(const struct emu_scripts *s);
void emu_scripts_clear(struct emu_scripts *s);

#endif
