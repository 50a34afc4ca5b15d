/* SPDX-License-Identifier: Apache-2.0
 * main.c - the imagerouter command line: serve | keys | generate | models
 * | endpoints. Each command parses its own flags and has --help.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli/cli.h"
#include "cli/keys.h"
#include "image/image.h"
#include "server/http_server.h"
#include "server/server.h"
#include "store/store.h"
#include "upstream/client.h"
#include "util/log.h"

static void
main_usage(FILE *f)
{
    fputs("usage: imagerouter <command> [options]\n"
          "\n"
          "commands:\n"
          "  serve      run the router (OpenRouter Image API + OpenAI route)\n"
          "  keys       create and list API keys in the store\n"
          "  generate   generate images through a router\n"
          "  models     list a router's image models\n"
          "  endpoints  list one model's provider endpoints\n"
          "\n"
          "'imagerouter <command> --help' describes each command.\n",
          f);
}

static void
serve_usage(FILE *f)
{
    fputs("usage: imagerouter serve [--listen HOST:PORT] [--db PATH|URL] "
          "[--catalog FILE]\n"
          "\n"
          "  --listen HOST:PORT    address to serve on (127.0.0.1:8080)\n"
          "  --db PATH|URL         SQLite file (data/imagerouter.db) or\n"
          "                        postgres://user@host:port/db\n"
          "  --catalog FILE        extra catalog JSON: its models replace or\n"
          "                        add to the built-in ones\n"
          "  --max-body BYTES      request body limit (67108864)\n"
          "  --deadline SECONDS    whole-request deadline (600)\n"
          "  --first-byte-timeout SECONDS  provider first byte (300)\n"
          "  --connect-timeout SECONDS     provider connect (10)\n"
          "  --workers N           threads for rendering and codecs (2)\n"
          "  --store-threads N     store connections (4; SQLite uses 1)\n"
          "  --max-inflight N      generations served at once; above it\n"
          "                        503 with Retry-After (default: half\n"
          "                        the descriptors left after start,\n"
          "                        less 64: each needs a client and a\n"
          "                        provider socket)\n"
          "  --allow-private-refs  fetch reference image URLs from private\n"
          "                        and loopback addresses too\n"
          "  --no-bootstrap        do not create keys in an empty store\n"
          "  --instance-id ID      names this instance's credit holds; a\n"
          "                        restart gives back its old ones at once\n"
          "                        (HOSTNAME:PORT; unique per live server)\n"
          "  --log-level LEVEL     debug, info, warn or error (info)\n"
          "\n"
          "Provider credentials come from the environment (OPENAI_API_KEY,\n"
          "GEMINI_API_KEY, ...); endpoints without them are not listed.\n",
          f);
}

static int
main_parse_int(const char *s, long min, long max, long *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || end == s || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* "HOST:PORT", "[v6]:PORT" or ":PORT". */
static int
main_parse_listen(const char *s, struct ir_config *c)
{
    const char *colon = strrchr(s, ':');
    size_t hlen;
    long port;

    if (colon == NULL || main_parse_int(colon + 1, 0, 65535, &port) != 0)
        return -1;
    hlen = (size_t)(colon - s);
    if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
        s++;
        hlen -= 2;
    }
    if (hlen == 0) {
        s = "127.0.0.1";
        hlen = strlen(s);
    }
    if (hlen >= sizeof c->listen_host)
        return -1;
    memcpy(c->listen_host, s, hlen);
    c->listen_host[hlen] = '\0';
    c->listen_port = (int)port;
    return 0;
}

/* An empty store gets one management key and one ordinary key, shown
 * once, so a new user can make a first request right away. */
static int
serve_bootstrap(const struct ir_config *cfg)
{
    struct ir_store_conn *c;
    struct ir_diag d = {{0}};
    struct ir_key k;
    char mgmt[128], user[128];
    size_t n = 0;
    int rc = 0;

    if (ir_store_conn_open(cfg->db, &c, &d) != IR_OK) {
        fprintf(stderr, "imagerouter: %s\n", d.msg);
        return -1;
    }
    if (ir_store_key_count(c, &n, &d) != IR_OK) {
        fprintf(stderr, "imagerouter: %s\n", d.msg);
        rc = -1;
    } else if (n == 0) {
        if (ir_store_key_create(c, "bootstrap management", true,
                                IR_NANOS_NONE, "", 0, mgmt, sizeof mgmt, &k,
                                &d) != IR_OK ||
            ir_store_key_create(c, "bootstrap", false, IR_NANOS_NONE, "", 0,
                                user, sizeof user, &k, &d) != IR_OK) {
            fprintf(stderr, "imagerouter: creating keys: %s\n", d.msg);
            rc = -1;
        } else {
            printf("Created two API keys (shown only this once):\n"
                   "  management key: %s\n"
                   "  API key:        %s\n\n"
                   "Try it:\n"
                   "  curl -s http://%s:%d/api/v1/images \\\n"
                   "    -H 'Authorization: Bearer %s' \\\n"
                   "    -H 'Content-Type: application/json' \\\n"
                   "    -d '{\"model\":\"imagerouter/abstract\","
                   "\"prompt\":\"a red panda astronaut\"}' \\\n"
                   "  | sed -n 's/.*\"b64_json\":\"\\([^\"]*\\)\".*/\\1/p' "
                   "| base64 -d > out.png\n\n"
                   "or, with the CLI:\n"
                   "  IMAGEROUTER_API_KEY=%s build/imagerouter generate "
                   "\"a red panda astronaut\" -o out.png\n\n",
                   mgmt, user, cfg->listen_host, cfg->listen_port, user,
                   user);
            fflush(stdout);
        }
    }
    ir_store_conn_close(c);
    return rc;
}

/* Each held generation costs two descriptors (client and provider
 * socket), and the inherited soft limit is often 1024: take everything
 * the hard limit allows, as servers meant for many connections do. */
static void
serve_raise_nofile(void)
{
    struct rlimit rl;
    rlim_t was;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    was = rl.rlim_cur;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
            ir_log_warn("cannot raise the descriptor limit from %llu to "
                        "%llu: %s", (unsigned long long)was,
                        (unsigned long long)rl.rlim_max, strerror(errno));
            return;
        }
    }
    ir_log_info("descriptor limit %llu (was %llu)",
                (unsigned long long)rl.rlim_cur, (unsigned long long)was);
}

static int
serve_main(int argc, char **argv)
{
    enum { O_LISTEN = 1, O_DB, O_CATALOG, O_MAXBODY, O_DEADLINE, O_FBT,
           O_CT, O_WORKERS, O_STORE, O_PRIV, O_NOBOOT, O_LOG, O_HELP,
           O_INSTANCE, O_MAXINFLIGHT };
    static const struct option opts[] = {
        {"listen", required_argument, NULL, O_LISTEN},
        {"db", required_argument, NULL, O_DB},
        {"catalog", required_argument, NULL, O_CATALOG},
        {"max-body", required_argument, NULL, O_MAXBODY},
        {"deadline", required_argument, NULL, O_DEADLINE},
        {"first-byte-timeout", required_argument, NULL, O_FBT},
        {"connect-timeout", required_argument, NULL, O_CT},
        {"workers", required_argument, NULL, O_WORKERS},
        {"store-threads", required_argument, NULL, O_STORE},
        {"allow-private-refs", no_argument, NULL, O_PRIV},
        {"no-bootstrap", no_argument, NULL, O_NOBOOT},
        {"log-level", required_argument, NULL, O_LOG},
        {"help", no_argument, NULL, O_HELP},
        {"instance-id", required_argument, NULL, O_INSTANCE},
        {"max-inflight", required_argument, NULL, O_MAXINFLIGHT},
        {NULL, 0, NULL, 0},
    };
    struct ir_config cfg;
    struct ir_server *srv;
    struct ir_diag d = {{0}};
    long v;
    int c;

    ir_config_default(&cfg);
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_LISTEN:
            if (main_parse_listen(optarg, &cfg) != 0)
                goto bad;
            break;
        case O_DB:
            (void)snprintf(cfg.db, sizeof cfg.db, "%s", optarg);
            break;
        case O_CATALOG:
            (void)snprintf(cfg.catalog_path, sizeof cfg.catalog_path, "%s",
                           optarg);
            break;
        case O_MAXBODY:
            if (main_parse_int(optarg, 1024, 1L << 31, &v) != 0)
                goto bad;
            cfg.max_body = (size_t)v;
            break;
        case O_DEADLINE:
        case O_FBT:
        case O_CT:
            if (main_parse_int(optarg, 1, 86400, &v) != 0)
                goto bad;
            if (c == O_DEADLINE)
                cfg.request_deadline_s = (int)v;
            else if (c == O_FBT)
                cfg.first_byte_timeout_s = (int)v;
            else
                cfg.connect_timeout_s = (int)v;
            break;
        case O_WORKERS:
        case O_STORE:
            if (main_parse_int(optarg, 1, 256, &v) != 0)
                goto bad;
            if (c == O_WORKERS)
                cfg.worker_threads = (unsigned)v;
            else
                cfg.store_threads = (unsigned)v;
            break;
        case O_PRIV:
            cfg.allow_private_refs = true;
            break;
        case O_NOBOOT:
            cfg.bootstrap_keys = false;
            break;
        case O_LOG:
            if (strcmp(optarg, "debug") == 0)
                cfg.log_level = IR_LOG_DEBUG;
            else if (strcmp(optarg, "info") == 0)
                cfg.log_level = IR_LOG_INFO;
            else if (strcmp(optarg, "warn") == 0)
                cfg.log_level = IR_LOG_WARN;
            else if (strcmp(optarg, "error") == 0)
                cfg.log_level = IR_LOG_ERROR;
            else
                goto bad;
            break;
        case O_HELP:
            serve_usage(stdout);
            return 0;
        case O_INSTANCE:
            if (optarg[0] == '\0' ||
                strlen(optarg) >= sizeof cfg.instance_id)
                goto bad;
            memcpy(cfg.instance_id, optarg, strlen(optarg) + 1);
            break;
        case O_MAXINFLIGHT:
            if (main_parse_int(optarg, 1, 10000000, &v) != 0)
                goto bad;
            cfg.max_inflight = (size_t)v;
            break;
        default:
            goto usage;
        }
    }
    if (optind != argc)
        goto usage;
    ir_log_set_level((enum ir_log_level)cfg.log_level);
    serve_raise_nofile();
    if (cfg.bootstrap_keys && serve_bootstrap(&cfg) != 0)
        return 1;
    if (ir_server_new(&cfg, &srv, &d) != IR_OK) {
        fprintf(stderr, "imagerouter: %s\n", d.msg[0] ? d.msg
                                                      : "startup failed");
        return 1;
    }
    ir_log_info("serving on http://%s:%d (store %s, at most %zu "
                "generations at once)", cfg.listen_host,
                ir_http_server_port(srv->http), cfg.db, srv->cfg.max_inflight);
    ir_server_run(srv);
    ir_server_free(srv);
    ir_log_info("stopped");
    return 0;
bad:
    fprintf(stderr, "imagerouter serve: invalid value '%s' for --%s\n",
            optarg, opts[c - 1].name);
    return 2;
usage:
    serve_usage(stderr);
    return 2;
}

int
main(int argc, char **argv)
{
    const char *cmd;
    int rc;

    if (argc < 2) {
        main_usage(stderr);
        return 2;
    }
    cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
        strcmp(cmd, "help") == 0) {
        main_usage(stdout);
        return 0;
    }
    /* A client that goes away must not kill the server. */
    signal(SIGPIPE, SIG_IGN);
    /* No curl_global_init here: serve sets up curl (and OpenSSL) on its
     * first outbound request, the SDK behind the client commands on its
     * first client, and keys never needs it. */
    if (strcmp(cmd, "serve") == 0) {
        if (ir_image_init(argv[0]) != IR_OK) {
            fprintf(stderr, "imagerouter: libvips failed to start\n");
            rc = 1;
        } else {
            rc = serve_main(argc - 1, argv + 1);
            ir_image_shutdown();
        }
    } else if (strcmp(cmd, "keys") == 0) {
        rc = ir_cli_keys_main(argc - 1, argv + 1);
    } else if (strcmp(cmd, "generate") == 0) {
        rc = ir_cli_generate_main(argc - 1, argv + 1);
    } else if (strcmp(cmd, "models") == 0) {
        rc = ir_cli_models_main(argc - 1, argv + 1);
    } else if (strcmp(cmd, "endpoints") == 0) {
        rc = ir_cli_endpoints_main(argc - 1, argv + 1);
    } else {
        fprintf(stderr, "imagerouter: unknown command '%s'\n\n", cmd);
        main_usage(stderr);
        rc = 2;
    }
    ir_upstream_global_cleanup();
    return rc;
}
