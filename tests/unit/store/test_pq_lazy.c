/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/store/test_pq_lazy.c - libpq is not mapped by a SQLite
 * store, and is loaded by the first PostgreSQL open, whose failure then
 * comes from libpq itself. This binary does not link libpq.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <dlfcn.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "store/pq_lazy.h"
#include "store/store.h"

static bool
pq_lazy_mapped(void)
{
    void *h = dlopen(IR_PQ_SONAME, RTLD_LAZY | RTLD_NOLOAD);

    if (h == NULL)
        return false;
    dlclose(h);
    return true;
}

static void
test_sqlite_does_not_load(void **state)
{
    struct event_base *base = event_base_new();
    struct ir_store *s = NULL;
    struct ir_diag d = {0};
    char dir[] = "/tmp/irpqlazy.XXXXXX", path[64];

    (void)state;
    assert_non_null(base);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/s.db", dir);
    assert_false(pq_lazy_mapped());
    assert_int_equal(ir_store_open(path, base, 1, &s, &d), IR_OK);
    ir_store_free(s);
    /* Frees of nothing do not load it either. */
    PQclear(NULL);
    PQfinish(NULL);
    assert_false(pq_lazy_mapped());
    assert_false(ir_store_pq_lazy_loaded());
    unlink(path);
    rmdir(dir);
    event_base_free(base);
}

static void
test_postgres_open_loads(void **state)
{
    struct event_base *base = event_base_new();
    struct ir_store *s = NULL;
    struct ir_diag d = {0};

    (void)state;
    assert_non_null(base);
    /* No server on a socket directory that does not exist: libpq's own
     * connect error, so the library was reached. */
    assert_int_equal(ir_store_open("postgresql:///x?host=/nonexistent-ir",
                                   base, 1, &s, &d),
                     IR_ESTORE);
    assert_true(pq_lazy_mapped());
    assert_true(ir_store_pq_lazy_loaded());
    assert_null(strstr(d.msg, "cannot load libpq"));
    assert_non_null(strstr(d.msg, "postgres connect"));
    assert_int_equal(PQstatus(NULL), CONNECTION_BAD);
    event_base_free(base);
}

int
main(void)
{
    /* In this order: the first test needs a process without libpq. */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_does_not_load),
        cmocka_unit_test(test_postgres_open_loads),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
