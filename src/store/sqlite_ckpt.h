/* SPDX-License-Identifier: Apache-2.0
 * store/sqlite_ckpt.h - WAL checkpoints on a helper thread instead of in
 * the commit that crosses SQLite's autocheckpoint threshold.
 */
#ifndef IR_STORE_SQLITE_CKPT_H
#define IR_STORE_SQLITE_CKPT_H

#include <stdint.h>

#include <sqlite3.h>

/* WAL frames that wake the helper (SQLite's autocheckpoint default). */
#define IR_SQLITE_CKPT_PAGES 1000
/* WAL frames past which the committing connection checkpoints itself,
 * as SQLite would: under a steady stream of commits a concurrent
 * checkpoint never catches the last frame, so the WAL would never start
 * over and would grow without bound. */
#define IR_SQLITE_CKPT_FORCE_PAGES 8000

struct ir_sqlite_ckpt;

/* Takes over db's WAL hook (which turns SQLite's own autocheckpoint off)
 * for the database file at path. The helper thread and its connection
 * start on the first wake-up, so a connection that writes little never
 * has one. NULL on allocation failure: db keeps its autocheckpoint. */
struct ir_sqlite_ckpt *ir_sqlite_ckpt_attach(sqlite3 *db, const char *path);

/* Stops and joins the helper and gives db its autocheckpoint back. Call
 * before closing db. NULL is a no-op. */
void ir_sqlite_ckpt_detach(struct ir_sqlite_ckpt *k, sqlite3 *db);

/* Checkpoints the helper has run (tests). */
uint64_t ir_sqlite_ckpt_runs(struct ir_sqlite_ckpt *k);

#endif
