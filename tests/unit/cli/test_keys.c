/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/cli/test_keys.c - `imagerouter keys create|list` on a temp
 * SQLite store, and exact USD parsing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/keys.h"
#include "store/store.h"
#include "util/mem.h"

struct run {
    int rc;
    char out[8192];
    char err[4096];
};

/* Runs ir_cli_keys_main with stdout and stderr captured. */
static void
run_keys(struct run *r, int argc, char **argv)
{
    char opath[] = "/tmp/irkeys-out.XXXXXX", epath[] = "/tmp/irkeys-err.XXXXXX";
    int ofd = mkstemp(opath), efd = mkstemp(epath);
    int save_out = dup(1), save_err = dup(2);
    ssize_t n;

    assert_true(ofd >= 0 && efd >= 0 && save_out >= 0 && save_err >= 0);
    fflush(stdout);
    fflush(stderr);
    dup2(ofd, 1);
    dup2(efd, 2);
    r->rc = ir_cli_keys_main(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(save_out, 1);
    dup2(save_err, 2);
    close(save_out);
    close(save_err);
    n = pread(ofd, r->out, sizeof r->out - 1, 0);
    r->out[n > 0 ? n : 0] = '\0';
    n = pread(efd, r->err, sizeof r->err - 1, 0);
    r->err[n > 0 ? n : 0] = '\0';
    close(ofd);
    close(efd);
    unlink(opath);
    unlink(epath);
}

static const char *
last_line(const char *s)
{
    size_t n = strlen(s);
    const char *p;

    assert_true(n > 1 && s[n - 1] == '\n');
    for (p = s + n - 2; p > s && p[-1] != '\n'; p--)
        ;
    return p;
}

static void
test_parse_usd(void **state)
{
    static const struct {
        const char *in;
        int64_t nanos;
    } ok[] = {
        {"0", 0},
        {"5", 5000000000},
        {"$5", 5000000000},
        {"0.25", 250000000},
        {".5", 500000000},
        {"5.", 5000000000},
        {"0.000000001", 1},
        {"0.0448255", 44825500},
        {"1.0000000010", 1000000001},
        {"1000000000", 1000000000000000000}, /* IR_MONEY_MAX_USD */
    };
    static const char *const bad[] = {
        "", "$", ".", "-1", "+1", "1e3", "1.2.3", "abc", "5 ", " 5",
        "0.0000000001", "1000000000.01", "9300000000",
        "99999999999999999999",
    };
    int64_t v;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        v = -7;
        assert_int_equal(ir_cli_keys_parse_usd(ok[i].in, &v), IR_OK);
        assert_int_equal(v, ok[i].nanos);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (ir_cli_keys_parse_usd(bad[i], &v) != IR_EINVAL)
            fail_msg("accepted '%s'", bad[i]);
}

static void
test_format_usd(void **state)
{
    char buf[32];

    (void)state;
    ir_cli_keys_format_usd(5000000000, buf, sizeof buf);
    assert_string_equal(buf, "$5");
    ir_cli_keys_format_usd(44825500, buf, sizeof buf);
    assert_string_equal(buf, "$0.0448255");
    ir_cli_keys_format_usd(1, buf, sizeof buf);
    assert_string_equal(buf, "$0.000000001");
    ir_cli_keys_format_usd(IR_NANOS_NONE, buf, sizeof buf);
    assert_string_equal(buf, "-");
}

static void
test_create_and_list(void **state)
{
    char dir[] = "/tmp/irkeys.XXXXXX", db[128], cmd[160];
    char hash[IR_KEY_HASH_LEN + 1];
    struct ir_store_conn *c = NULL;
    struct ir_key k;
    struct run r;
    char plain[80];

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/new/keys.db", dir);
    {
        char *argv[] = {"keys", "create", "--db", db, "--name", "ci bot",
                        "--limit", "2.5", "--limit-reset=weekly",
                        "--management", NULL};

        run_keys(&r, 10, argv);
    }
    assert_int_equal(r.rc, 0);
    snprintf(plain, sizeof plain, "%s", last_line(r.out));
    assert_int_equal(strlen(plain), 9 + 48 + 1);
    plain[57] = '\0'; /* the newline */
    assert_memory_equal(plain, "sk-ir-v1-", 9);
    assert_non_null(strstr(r.out, "management key"));
    assert_non_null(strstr(r.out, "$2.5"));

    /* The store holds the hash of the printed key, not the key. */
    assert_int_equal(ir_store_conn_open(db, &c, NULL), IR_OK);
    ir_store_key_hash(plain, hash);
    assert_int_equal(ir_store_key_get(c, hash, &k, NULL), IR_OK);
    assert_string_equal(k.name, "ci bot");
    assert_true(k.management);
    assert_int_equal(k.limit_nanos, 2500000000);
    assert_string_equal(k.limit_reset, "weekly");
    ir_store_conn_close(c);

    {
        char *argv[] = {"keys", "list", "--db", db, NULL};

        run_keys(&r, 4, argv);
    }
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "LABEL"));
    assert_non_null(strstr(r.out, k.label));
    assert_non_null(strstr(r.out, "ci bot"));
    assert_non_null(strstr(r.out, "$2.5/weekly"));
    assert_null(strstr(r.out, plain)); /* never the secret */

    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void
test_usage_errors(void **state)
{
    struct run r;

    (void)state;
    {
        char *argv[] = {"keys", NULL};

        run_keys(&r, 1, argv);
        assert_int_equal(r.rc, 2);
        assert_non_null(strstr(r.err, "missing subcommand"));
    }
    {
        char *argv[] = {"keys", "create", "--name", "x", NULL};

        run_keys(&r, 4, argv);
        assert_int_equal(r.rc, 2);
        assert_non_null(strstr(r.err, "--db is required"));
    }
    {
        char *argv[] = {"keys", "create", "--db", "/tmp/x.db", "--name",
                        "x", "--limit", "1e3", NULL};

        run_keys(&r, 8, argv);
        assert_int_equal(r.rc, 2);
        assert_non_null(strstr(r.err, "--limit '1e3'"));
    }
    {
        char *argv[] = {"keys", "create", "--db", "/tmp/x.db", "--name",
                        "x", "--limit-reset", "hourly", NULL};

        run_keys(&r, 8, argv);
        assert_int_equal(r.rc, 2);
    }
    {
        char *argv[] = {"keys", "create", "--db", NULL};

        run_keys(&r, 3, argv);
        assert_int_equal(r.rc, 2);
        assert_non_null(strstr(r.err, "needs a value"));
    }
    {
        char *argv[] = {"keys", "list", "--db", "x", "--bogus", NULL};

        run_keys(&r, 5, argv);
        assert_int_equal(r.rc, 2);
        assert_non_null(strstr(r.err, "unknown option '--bogus'"));
    }
    {
        char *argv[] = {"keys", "frobnicate", NULL};

        run_keys(&r, 2, argv);
        assert_int_equal(r.rc, 2);
    }
    {
        char *argv[] = {"keys", "create", "--help", NULL};

        run_keys(&r, 3, argv);
        assert_int_equal(r.rc, 0);
        assert_non_null(strstr(r.out, "usage: imagerouter keys create"));
    }
    {
        char *argv[] = {"keys", "list", "--help", NULL};

        run_keys(&r, 3, argv);
        assert_int_equal(r.rc, 0);
        assert_non_null(strstr(r.out, "usage: imagerouter keys list"));
    }
    {
        char *argv[] = {"keys", "list", "--db", "/proc/nope/x.db", NULL};

        run_keys(&r, 4, argv);
        assert_int_equal(r.rc, 1);
        assert_non_null(strstr(r.err, "mkdir"));
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_usd),
        cmocka_unit_test(test_format_usd),
        cmocka_unit_test(test_create_and_list),
        cmocka_unit_test(test_usage_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
