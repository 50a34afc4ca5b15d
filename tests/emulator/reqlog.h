/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/reqlog.h - the record of every provider request (what
 * GET /_emu/requests returns) and the counters behind GET /_emu/stats.
 */
#ifndef EMU_REQLOG_H
#define EMU_REQLOG_H

#include "emu.h"

struct emu_log *emu_log_new(void);
void emu_log_free(struct emu_log *l);
/* Record a request on arrival; sets c->entry. */
void emu_log_add(struct emu_log *l, struct emu_ctx *c);
/* The reply (status) has been sent in full or in part. */
void emu_log_done(struct emu_ctx *c, int status);
/* The client closed the connection before the reply was complete. */
void emu_log_abort(struct emu_log *l, struct emu_ctx *c);
/* New reference: entries, filtered by provider name when not NULL. */
json_t *emu_log_requests(struct emu_log *l, const char *provider);
void emu_log_clear(struct emu_log *l);
/* New reference: counters. */
json_t *emu_log_stats(struct emu *e);

#endif
