/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/main.c - ir-emulator: one process that speaks every
 * provider wire format the router's adapters use, on 127.0.0.1, scripted
 * by tests through /_emu/. Flags are listed in usage().
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <vips/vips.h>

#include "bfl.h"
#include "emu.h"
#include "files.h"
#include "imgcache.h"
#include "oauth.h"
#include "reqlog.h"
#include "script.h"
#include "server.h"

static void usage(FILE *f);
static EVP_PKEY *main_load_key(const char *path);
static void main_signal_cb(evutil_socket_t sig, short what, void *arg);
static int main_args(int argc, char **argv, struct emu_config *cfg,
                     const char **bind_addr);

static void
usage(FILE *f)
{
    fputs(
"usage: ir-emulator [options]\n"
"  --port N                 listen on 127.0.0.1:N (0: pick one; default 0)\n"
"  --bind ADDR              listen address (default 127.0.0.1)\n"
"  --key K                  accepted key for every provider\n"
"  --key-openai K, --key-azure K, --key-gemini K, --key-vertex K,\n"
"  --key-seedream K, --key-bfl K, --key-xai K, --key-recraft K\n"
"                           accepted key per provider (no key given:\n"
"                           any non-empty key is accepted)\n"
"  --vertex-public-key PEM  verify /token JWT assertions (RS256) with\n"
"                           this public key, certificate or private key\n"
"  --vertex-client-email E  required JWT iss (service account email)\n"
"  --bfl-pending N          Pending answers per BFL task (default 1)\n"
"  --tiny                   every image is a fixed tiny image\n"
"  --openai-sse-done        end OpenAI image streams with data: [DONE]\n"
"  --openai-reject-response-format\n"
"                           400 on response_format for GPT image models\n"
"  --quiet                  no per-request log on stderr\n"
"  --no-image-cache         render every image afresh (default: an LRU of\n"
"                           the last 16 images and their base64, 64 MB)\n"
"  --log-max N              keep only the last N requests in /_emu/requests\n"
"                           (0: none; counters still count; default: all)\n"
"The first stdout line is `listening 127.0.0.1:PORT`.\n", f);
}

static EVP_PKEY *
main_load_key(const char *path)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *k = NULL;
    X509 *x;

    if (f == NULL)
        return NULL;
    k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    if (k == NULL) {
        rewind(f);
        x = PEM_read_X509(f, NULL, NULL, NULL);
        if (x != NULL) {
            k = X509_get_pubkey(x);
            X509_free(x);
        }
    }
    if (k == NULL) {
        rewind(f);
        k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    }
    fclose(f);
    return k;
}

static void
main_signal_cb(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    event_base_loopbreak(arg);
}

/* Fills cfg from the command line: -1 to go on, else an exit status. */
static int
main_args(int argc, char **argv, struct emu_config *cfg,
          const char **bind_addr)
{
    static const struct option opts[] = {
        { "port", required_argument, NULL, 'p' },
        { "bind", required_argument, NULL, 'b' },
        { "key", required_argument, NULL, 'k' },
        { "key-openai", required_argument, NULL, 1000 + EMU_P_OPENAI },
        { "key-azure", required_argument, NULL, 1000 + EMU_P_AZURE },
        { "key-gemini", required_argument, NULL, 1000 + EMU_P_GEMINI },
        { "key-vertex", required_argument, NULL, 1000 + EMU_P_VERTEX },
        { "key-seedream", required_argument, NULL, 1000 + EMU_P_SEEDREAM },
        { "key-bfl", required_argument, NULL, 1000 + EMU_P_BFL },
        { "key-xai", required_argument, NULL, 1000 + EMU_P_XAI },
        { "key-recraft", required_argument, NULL, 1000 + EMU_P_RECRAFT },
        { "vertex-public-key", required_argument, NULL, 'V' },
        { "vertex-client-email", required_argument, NULL, 'E' },
        { "bfl-pending", required_argument, NULL, 'P' },
        { "tiny", no_argument, NULL, 't' },
        { "openai-sse-done", no_argument, NULL, 'D' },
        { "openai-reject-response-format", no_argument, NULL, 'R' },
        { "quiet", no_argument, NULL, 'q' },
        { "no-image-cache", no_argument, NULL, 'C' },
        { "log-max", required_argument, NULL, 'L' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int opt, i;

    cfg->bfl_pending = 1;
    cfg->image_cache = true;
    cfg->log_max = -1;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'p': cfg->port = atoi(optarg); break;
        case 'b': *bind_addr = optarg; break;
        case 'k':
            for (i = 1; i < EMU_P_COUNT; i++) {
                if (cfg->keys[i] == NULL)
                    cfg->keys[i] = optarg;
            }
            break;
        case 'V':
            cfg->vertex_key = main_load_key(optarg);
            if (cfg->vertex_key == NULL) {
                fprintf(stderr, "ir-emulator: cannot read key %s\n", optarg);
                return 2;
            }
            break;
        case 'E': cfg->vertex_email = optarg; break;
        case 'P': cfg->bfl_pending = atoi(optarg); break;
        case 't': cfg->tiny = true; break;
        case 'D': cfg->openai_sse_done = true; break;
        case 'R': cfg->openai_reject_response_format = true; break;
        case 'q': cfg->quiet = true; break;
        case 'C': cfg->image_cache = false; break;
        case 'L':
            cfg->log_max = atol(optarg);
            if (cfg->log_max < 0) {
                usage(stderr);
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default:
            if (opt > 1000 && opt < 1000 + EMU_P_COUNT) {
                cfg->keys[opt - 1000] = optarg;
                break;
            }
            usage(stderr);
            return 2;
        }
    }
    /* The OAuth exchange has no key of its own. */
    cfg->keys[EMU_P_OAUTH] = NULL;
    return -1;
}

int
main(int argc, char **argv)
{
    struct emu e;
    const char *bind_addr = "127.0.0.1";
    struct evhttp_bound_socket *bs;
    struct sockaddr_in sin;
    socklen_t slen = sizeof(sin);
    struct event *sigint, *sigterm;
    int opt;

    memset(&e, 0, sizeof(e));
    if ((opt = main_args(argc, argv, &e.cfg, &bind_addr)) >= 0)
        return opt;
    signal(SIGPIPE, SIG_IGN);
    if (VIPS_INIT(argv[0]) != 0) {
        fprintf(stderr, "ir-emulator: vips init failed\n");
        return 1;
    }
    vips_cache_set_max(0);
    e.base = event_base_new();
    e.http = evhttp_new(e.base);
    e.scripts = emu_scripts_new();
    e.log = emu_log_new();
    e.files = emu_files_new();
    e.bfl = emu_bfl_new();
    e.tokens = emu_tokens_new();
    e.imgcache = e.cfg.image_cache
                     ? emu_imgcache_new(EMU_IMGCACHE_ENTRIES,
                                        EMU_IMGCACHE_BYTES)
                     : emu_imgcache_new(0, 0);
    if (e.base == NULL || e.http == NULL || e.scripts == NULL ||
        e.log == NULL || e.files == NULL || e.bfl == NULL ||
        e.tokens == NULL || e.imgcache == NULL) {
        fprintf(stderr, "ir-emulator: out of memory\n");
        return 1;
    }
    emu_server_init(&e);
    bs = evhttp_bind_socket_with_handle(e.http, bind_addr,
                                        (ev_uint16_t)e.cfg.port);
    if (bs == NULL) {
        fprintf(stderr, "ir-emulator: cannot listen on %s:%d\n", bind_addr,
                e.cfg.port);
        return 1;
    }
    if (getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&sin,
                    &slen) == 0)
        e.cfg.port = ntohs(sin.sin_port);
    printf("listening %s:%d\n", bind_addr, e.cfg.port);
    fflush(stdout);
    sigint = evsignal_new(e.base, SIGINT, main_signal_cb, e.base);
    sigterm = evsignal_new(e.base, SIGTERM, main_signal_cb, e.base);
    evsignal_add(sigint, NULL);
    evsignal_add(sigterm, NULL);
    event_base_dispatch(e.base);
    event_free(sigint);
    event_free(sigterm);
    evhttp_free(e.http);
    emu_tokens_free(e.tokens);
    emu_bfl_free(e.bfl);
    emu_files_free(e.files);
    emu_log_free(e.log);
    emu_imgcache_free(e.imgcache);
    emu_scripts_free(e.scripts);
    event_base_free(e.base);
    EVP_PKEY_free(e.cfg.vertex_key);
    vips_shutdown();
    return 0;
}
