/* SPDX-License-Identifier: Apache-2.0
 * cli/keys.c - `imagerouter keys create|list`: API keys straight in the
 * store (SQLite path or postgres:// URL), for bootstrapping a server.
 *
 * Amounts are typed in USD and parsed as decimal text into exact
 * nano-dollars; a float would turn "0.1" into 0.1000000000000000055.
 */
#include "cli/keys.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/money.h"
#include "store/store.h"
#include "util/mem.h"

#define KEYS_NANOS_PER_USD INT64_C(1000000000)

struct keys_opts {
    const char *db;
    const char *name;
    const char *limit;
    const char *limit_reset;
    bool management;
    bool help;
};

static int keys_usage(FILE *f, int rc);
static int keys_create(int argc, char **argv);
static int keys_list(int argc, char **argv);
static int keys_parse(int argc, char **argv, bool create,
                      struct keys_opts *o);
static const char *keys_optval(int argc, char **argv, int *i,
                               const char *name);
static void keys_format_time(int64_t t, char *out, size_t size);

static const char keys_create_help[] =
    "usage: imagerouter keys create --db PATH --name NAME [--limit USD]\n"
    "                               [--limit-reset daily|weekly|monthly]\n"
    "                               [--management]\n"
    "Creates an API key and prints it once, as the last line.\n"
    "  --db PATH       SQLite file, or a postgres:// URL\n"
    "  --name NAME     a name to recognise the key by\n"
    "  --limit USD     spending limit, e.g. 5 or 0.25 (default: none)\n"
    "  --limit-reset   when the limit's usage restarts, at 00:00 UTC;\n"
    "                  weeks start on Monday (default: never)\n"
    "  --management    the key may manage keys (/api/v1/keys)\n";

static const char keys_list_help[] =
    "usage: imagerouter keys list --db PATH\n"
    "Lists every key, newest first. Usage is for the current limit\n"
    "period; amounts in USD.\n";

int
ir_cli_keys_main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "imagerouter keys: missing subcommand\n");
        return keys_usage(stderr, 2);
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0)
        return keys_usage(stdout, 0);
    if (strcmp(argv[1], "create") == 0)
        return keys_create(argc - 1, argv + 1);
    if (strcmp(argv[1], "list") == 0)
        return keys_list(argc - 1, argv + 1);
    fprintf(stderr, "imagerouter keys: unknown subcommand '%s'\n", argv[1]);
    return keys_usage(stderr, 2);
}

static int
keys_usage(FILE *f, int rc)
{
    fputs("usage: imagerouter keys create|list [options]\n"
          "  create   create an API key (see keys create --help)\n"
          "  list     list API keys (see keys list --help)\n",
          f);
    return rc;
}

/* "--opt VALUE" or "--opt=VALUE"; NULL if argv[*i] is not --opt. Sets
 * *i past the value. A missing value returns "" (reported by caller). */
static const char *
keys_optval(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);

    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc)
        return "";
    return argv[++*i];
}

/* 0 = parsed, 2 = usage error (already reported). */
static int
keys_parse(int argc, char **argv, bool create, struct keys_opts *o)
{
    const char *cmd = create ? "create" : "list";
    const char *v;
    int i;

    memset(o, 0, sizeof *o);
    for (i = 1; i < argc; i++) {
        const char **slot = NULL;

        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            o->help = true;
            return 0;
        }
        if ((v = keys_optval(argc, argv, &i, "--db")) != NULL)
            slot = &o->db;
        else if (create && (v = keys_optval(argc, argv, &i, "--name")))
            slot = &o->name;
        else if (create && (v = keys_optval(argc, argv, &i, "--limit")))
            slot = &o->limit;
        else if (create &&
                 (v = keys_optval(argc, argv, &i, "--limit-reset")))
            slot = &o->limit_reset;
        else if (create && strcmp(argv[i], "--management") == 0)
            o->management = true;
        else {
            fprintf(stderr, "imagerouter keys %s: unknown option '%s'\n",
                    cmd, argv[i]);
            return 2;
        }
        if (slot != NULL && *v == '\0') {
            fprintf(stderr, "imagerouter keys %s: %s needs a value\n", cmd,
                    argv[i]);
            return 2;
        }
        if (slot != NULL)
            *slot = v;
    }
    if (o->db == NULL) {
        fprintf(stderr, "imagerouter keys %s: --db is required\n", cmd);
        return 2;
    }
    if (create && o->name == NULL) {
        fprintf(stderr, "imagerouter keys create: --name is required\n");
        return 2;
    }
    return 0;
}

static int
keys_create(int argc, char **argv)
{
    struct ir_store_conn *c = NULL;
    struct ir_diag d = {""};
    struct keys_opts o;
    int64_t limit = IR_NANOS_NONE;
    char plain[80], money[32];
    struct ir_key k;
    int rc;

    rc = keys_parse(argc, argv, true, &o);
    if (rc != 0 || o.help) {
        fputs(keys_create_help, rc ? stderr : stdout);
        return rc;
    }
    if (o.limit != NULL && ir_cli_keys_parse_usd(o.limit, &limit) != IR_OK) {
        fprintf(stderr, "imagerouter keys create: --limit '%s' is not an "
                        "amount in USD (e.g. 5 or 0.25)\n", o.limit);
        return 2;
    }
    if (o.limit_reset != NULL &&
        (!ir_store_limit_reset_valid(o.limit_reset) ||
         o.limit_reset[0] == '\0')) {
        fprintf(stderr, "imagerouter keys create: --limit-reset must be "
                        "daily, weekly or monthly\n");
        return 2;
    }
    if (ir_store_conn_open(o.db, &c, &d) != IR_OK) {
        fprintf(stderr, "imagerouter keys create: %s\n", d.msg);
        return 1;
    }
    rc = 1;
    if (ir_store_key_create(c, o.name, o.management, limit, o.limit_reset,
                            0, plain, sizeof plain, &k, &d) != IR_OK) {
        fprintf(stderr, "imagerouter keys create: %s\n", d.msg);
        goto out;
    }
    ir_cli_keys_format_usd(limit, money, sizeof money);
    printf("Created %skey %s \"%s\" (limit %s%s%s). It is shown only "
           "once:\n%s\n",
           o.management ? "management " : "", k.label, k.name,
           limit == IR_NANOS_NONE ? "none" : money,
           o.limit_reset ? ", reset " : "",
           o.limit_reset ? o.limit_reset : "", plain);
    rc = fflush(stdout) == 0 ? 0 : 1;
out:
    memset(plain, 0, sizeof plain);
    ir_store_conn_close(c);
    return rc;
}

static int
keys_list(int argc, char **argv)
{
    struct ir_store_conn *c = NULL;
    struct ir_key *keys = NULL;
    struct ir_diag d = {""};
    struct keys_opts o;
    char lim[32], use[32], created[32];
    size_t n = 0, i;
    int rc;

    rc = keys_parse(argc, argv, false, &o);
    if (rc != 0 || o.help) {
        fputs(keys_list_help, rc ? stderr : stdout);
        return rc;
    }
    if (ir_store_conn_open(o.db, &c, &d) != IR_OK ||
        ir_store_key_list(c, &keys, &n, &d) != IR_OK) {
        fprintf(stderr, "imagerouter keys list: %s\n", d.msg);
        ir_store_conn_close(c);
        return 1;
    }
    printf("%-18s  %-24s  %-4s  %-20s  %-14s  %-8s  %s\n", "LABEL", "NAME",
           "MGMT", "LIMIT", "USAGE", "DISABLED", "CREATED");
    for (i = 0; i < n; i++) {
        char limcol[48];

        ir_cli_keys_format_usd(keys[i].limit_nanos, lim, sizeof lim);
        ir_cli_keys_format_usd(keys[i].usage_nanos, use, sizeof use);
        keys_format_time(keys[i].created_at, created, sizeof created);
        (void)snprintf(limcol, sizeof limcol, "%s%s%s", lim,
                       keys[i].limit_reset[0] ? "/" : "",
                       keys[i].limit_reset);
        printf("%-18s  %-24.24s  %-4s  %-20s  %-14s  %-8s  %s\n",
               keys[i].label, keys[i].name,
               keys[i].management ? "yes" : "no", limcol, use,
               keys[i].disabled ? "yes" : "no", created);
    }
    ir_free(keys);
    ir_store_conn_close(c);
    return fflush(stdout) == 0 ? 0 : 1;
}

static void
keys_format_time(int64_t t, char *out, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL ||
        strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        (void)snprintf(out, size, "%" PRId64, t);
}

ir_err
ir_cli_keys_parse_usd(const char *s, int64_t *out_nanos)
{
    /* "$5" reads as "5" on a command line; the rest is core/money.c's. */
    if (*s == '$')
        s++;
    return ir_core_money_parse(s, out_nanos) == IR_OK ? IR_OK : IR_EINVAL;
}

void
ir_cli_keys_format_usd(int64_t nanos, char *out, size_t size)
{
    char frac[16];
    int len;

    if (nanos < 0) {
        (void)snprintf(out, size, "-");
        return;
    }
    len = snprintf(frac, sizeof frac, "%09" PRId64,
                   nanos % KEYS_NANOS_PER_USD);
    while (len > 0 && frac[len - 1] == '0')
        frac[--len] = '\0';
    (void)snprintf(out, size, "$%" PRId64 "%s%s",
                   nanos / KEYS_NANOS_PER_USD, len > 0 ? "." : "", frac);
}
