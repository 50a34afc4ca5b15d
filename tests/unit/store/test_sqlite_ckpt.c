/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/store/test_sqlite_ckpt.c - the WAL checkpointer thread: it
 * starts only once the WAL is big, copies it back so the WAL starts over,
 * bounds it when it cannot keep up, and loses nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/sqlite_ckpt.h"

static char dir[64];
static char path[96];

static int
setup(void **state)
{
    (void)state;
    (void)snprintf(dir, sizeof dir, "/tmp/ir-ckpt-XXXXXX");
    assert_non_null(mkdtemp(dir));
    (void)snprintf(path, sizeof path, "%s/t.db", dir);
    return 0;
}

static int
teardown(void **state)
{
    char p[128];

    (void)state;
    (void)snprintf(p, sizeof p, "%s-wal", path);
    (void)unlink(p);
    (void)snprintf(p, sizeof p, "%s-shm", path);
    (void)unlink(p);
    (void)unlink(path);
    (void)rmdir(dir);
    return 0;
}

static sqlite3 *
open_wal(void)
{
    sqlite3 *db = NULL;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode=WAL;"
                                      "PRAGMA synchronous=NORMAL;"
                                      "CREATE TABLE IF NOT EXISTS t("
                                      "id INTEGER PRIMARY KEY, v BLOB)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    return db;
}

/* One commit that dirties about pages pages (4 KB each). */
static void
commit_pages(sqlite3 *db, int pages)
{
    char sql[128];

    (void)snprintf(sql, sizeof sql,
                   "INSERT INTO t(v) VALUES (randomblob(%d))",
                   pages * 4000);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
}

static long
wal_bytes(void)
{
    char p[128];
    struct stat st;

    (void)snprintf(p, sizeof p, "%s-wal", path);
    return stat(p, &st) == 0 ? (long)st.st_size : 0;
}

static int64_t
rows(sqlite3 *db)
{
    sqlite3_stmt *st;
    int64_t n;

    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1,
                                        &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* A small WAL never wakes anyone; SQLite's own autocheckpoint is off. */
static void
test_small_wal_no_helper(void **state)
{
    sqlite3 *db = open_wal();
    struct ir_sqlite_ckpt *k = ir_sqlite_ckpt_attach(db, path);
    int i;

    (void)state;
    assert_non_null(k);
    for (i = 0; i < 20; i++)
        commit_pages(db, 10);
    assert_int_equal(ir_sqlite_ckpt_runs(k), 0);
    ir_sqlite_ckpt_detach(k, db);
    assert_int_equal(rows(db), 20);
    sqlite3_close(db);
}

/* Past the threshold the helper checkpoints; once it has, the WAL
 * starts over from its beginning instead of growing. */
static void
test_helper_checkpoints(void **state)
{
    sqlite3 *db = open_wal();
    struct ir_sqlite_ckpt *k = ir_sqlite_ckpt_attach(db, path);
    long peak;
    int i;

    (void)state;
    assert_non_null(k);
    for (i = 0; i < 12; i++)
        commit_pages(db, 100); /* ~1,200 frames: past 1,000 */
    for (i = 0; i < 500 && ir_sqlite_ckpt_runs(k) == 0; i++)
        sleep_ms(10);
    assert_true(ir_sqlite_ckpt_runs(k) >= 1);
    peak = wal_bytes();
    /* Without checkpoints 24,000 more frames would make the WAL about
     * 100 MB; the helper (or, when it lags, the writer at 8,000 frames)
     * keeps it near 8,000 frames (33 MB) at most. */
    for (i = 0; i < 240; i++)
        commit_pages(db, 100);
    assert_true(wal_bytes() < 40L * 1024 * 1024);
    assert_true(peak < 40L * 1024 * 1024);
    ir_sqlite_ckpt_detach(k, db);
    assert_int_equal(rows(db), 252);
    sqlite3_close(db);
}

/* Nothing is lost across the helper: reopen and check everything. */
static void
test_reopen_intact(void **state)
{
    sqlite3 *db = open_wal();
    struct ir_sqlite_ckpt *k = ir_sqlite_ckpt_attach(db, path);
    sqlite3_stmt *st;
    int i;

    (void)state;
    for (i = 0; i < 30; i++)
        commit_pages(db, 100);
    ir_sqlite_ckpt_detach(k, db);
    sqlite3_close(db);
    db = open_wal();
    assert_int_equal(rows(db), 30);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1,
                                        &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* A helper that cannot open the file: the writer checkpoints inline. */
static void
test_helper_cannot_open(void **state)
{
    sqlite3 *db = open_wal();
    struct ir_sqlite_ckpt *k =
        ir_sqlite_ckpt_attach(db, "/nonexistent-dir/x.db");
    int i;

    (void)state;
    for (i = 0; i < 120; i++)
        commit_pages(db, 100);
    assert_true(wal_bytes() < 40L * 1024 * 1024);
    assert_int_equal(ir_sqlite_ckpt_runs(k), 0);
    ir_sqlite_ckpt_detach(k, db);
    assert_int_equal(rows(db), 120);
    sqlite3_close(db);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_small_wal_no_helper, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_helper_checkpoints, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reopen_intact, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_helper_cannot_open, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
