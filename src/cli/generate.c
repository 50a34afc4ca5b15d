/* SPDX-License-Identifier: Apache-2.0
 * cli/generate.c - `imagerouter generate PROMPT`: one generation through
 * libimagerouter, images written to files, progress on a terminal.
 */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/mem.h"

#define GEN_MAX_REFS 16
#define GEN_MAX_LIST 32
#define GEN_MAX_PROMPT (1024 * 1024)
#define GEN_DEFAULT_MODEL "imagerouter/abstract"
#define GEN_DEFAULT_TIMEOUT_MS 600000L

struct gen_list {
    const char *items[GEN_MAX_LIST];
    size_t count;
    char *storage;      /* strdup of the comma-separated argument */
};

struct gen_opts {
    imagerouter_request req;
    const char *output;
    const char *api_key;
    const char *base_url;
    const char *refs_arg[GEN_MAX_REFS];
    char *refs[GEN_MAX_REFS];    /* data URLs or URLs, owned */
    size_t nrefs;
    struct gen_list only, order, ignore;
    char *prompt;                /* owned */
    long timeout_ms;
    bool stream, json, no_retry;
};

struct gen_progress {
    bool tty;
    int64_t elapsed_ms;
    int partials;
    int tick;
};

static void gen_usage(FILE *f);
static int gen_parse(int argc, char **argv, struct gen_opts *o);
static bool gen_int(const char *s, long long lo, long long hi, long long *v);
static bool gen_split(const char *arg, struct gen_list *l);
static char *gen_prompt(int argc, char **argv, int first);
static int gen_refs(struct gen_opts *o);
static void gen_draw(struct gen_progress *p);
static int gen_on_progress(const imagerouter_progress *p, void *arg);
static int gen_on_event(const imagerouter_event *ev, void *arg);
static char *gen_filename(const struct gen_opts *o,
                          const imagerouter_result *res, size_t i);
static int gen_save(const struct gen_opts *o, const imagerouter_result *res);
static void gen_free(struct gen_opts *o);

static const char *cmd = "imagerouter generate";

static void
gen_usage(FILE *f)
{
    fputs(
        "usage: imagerouter generate PROMPT [options]\n"
        "\n"
        "Generates images (POST /images) and writes them to files.\n"
        "PROMPT \"-\" reads the prompt from standard input.\n"
        "\n"
        "  -m, --model MODEL        model id (default " GEN_DEFAULT_MODEL
        ", the\n"
        "                           built-in renderer)\n"
        "  -n N                     number of images (1-10)\n"
        "      --size SIZE          tier (1K, 2K, 4K) or WxH (1024x768)\n"
        "      --aspect-ratio R     1:1, 16:9, 9:16, ... or auto\n"
        "      --resolution R       512, 1K, 2K or 4K\n"
        "      --seed N             deterministic sampling where supported\n"
        "      --format F           png, jpeg, webp or svg\n"
        "      --quality Q          auto, low, medium or high\n"
        "      --background B       auto, transparent or opaque\n"
        "      --compression N      0-100 for jpeg/webp\n"
        "      --ref FILE|URL       reference image (repeatable, up to 16)\n"
        "      --provider-only A,B  only these providers\n"
        "      --provider-order A,B try these providers first, in order\n"
        "      --provider-ignore A,B\n"
        "                           never these providers\n"
        "      --no-fallbacks       do not fall back to other providers\n"
        "      --sort KEY           price, throughput or latency\n"
        "      --provider-options JSON\n"
        "                           provider.options, keyed by provider slug\n"
        "      --user ID            end-user id for abuse tracking\n"
        "      --stream             stream partial images (where supported)\n"
        "  -o, --output FILE        output file; with n > 1, FILE-1.ext, ...;\n"
        "                           \"-\" writes the image to stdout\n"
        "                           (default: <generation id>.<ext>)\n"
        "      --json               print a JSON summary on stdout\n"
        "      --api-key KEY        API key (default: $IMAGEROUTER_API_KEY)\n"
        "      --base-url URL       API base URL (default: "
        "$IMAGEROUTER_BASE_URL\n"
        "                           or " IMAGEROUTER_DEFAULT_BASE_URL ")\n"
        "      --timeout SECONDS    per attempt (default 600)\n"
        "      --no-retry           one attempt only\n"
        "  -h, --help               this help\n"
        "\n"
        "Exit status: 0 ok, 1 the request failed, 2 usage error.\n",
        f);
}

static bool
gen_int(const char *s, long long lo, long long hi, long long *v)
{
    char *end;

    errno = 0;
    *v = strtoll(s, &end, 10);
    return errno == 0 && end != s && *end == '\0' && *v >= lo && *v <= hi;
}

static bool
gen_split(const char *arg, struct gen_list *l)
{
    char *tok, *save = NULL;

    ir_free(l->storage);
    l->count = 0;
    l->storage = ir_strdup(arg);
    if (!l->storage)
        return false;
    for (tok = strtok_r(l->storage, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        if (!*tok)
            continue;
        if (l->count == GEN_MAX_LIST)
            return false;
        l->items[l->count++] = tok;
    }
    return l->count > 0;
}

/* The positional words joined with spaces, or stdin for "-". */
static char *
gen_prompt(int argc, char **argv, int first)
{
    size_t len = 0, n;
    char *p;
    int i;

    if (first + 1 == argc && strcmp(argv[first], "-") == 0) {
        p = ir_malloc(GEN_MAX_PROMPT + 1);
        if (!p)
            return NULL;
        n = fread(p, 1, GEN_MAX_PROMPT, stdin);
        while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
            n--;
        p[n] = '\0';
        return p;
    }
    for (i = first; i < argc; i++)
        len += strlen(argv[i]) + 1;
    p = ir_malloc(len + 1);
    if (!p)
        return NULL;
    p[0] = '\0';
    for (i = first; i < argc; i++) {
        if (i > first)
            strncat(p, " ", len - strlen(p));
        strncat(p, argv[i], len - strlen(p));
    }
    return p;
}

enum {
    OPT_SIZE = 256, OPT_ASPECT, OPT_RES, OPT_SEED, OPT_FORMAT, OPT_QUALITY,
    OPT_BG, OPT_COMPRESSION, OPT_REF, OPT_ONLY, OPT_ORDER, OPT_IGNORE,
    OPT_NOFALLBACK, OPT_SORT, OPT_POPTS, OPT_USER, OPT_STREAM, OPT_JSON,
    OPT_KEY, OPT_BASE, OPT_TIMEOUT, OPT_NORETRY,
};

static int
gen_parse(int argc, char **argv, struct gen_opts *o)
{
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {"size", required_argument, NULL, OPT_SIZE},
        {"aspect-ratio", required_argument, NULL, OPT_ASPECT},
        {"resolution", required_argument, NULL, OPT_RES},
        {"seed", required_argument, NULL, OPT_SEED},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"quality", required_argument, NULL, OPT_QUALITY},
        {"background", required_argument, NULL, OPT_BG},
        {"compression", required_argument, NULL, OPT_COMPRESSION},
        {"ref", required_argument, NULL, OPT_REF},
        {"provider-only", required_argument, NULL, OPT_ONLY},
        {"provider-order", required_argument, NULL, OPT_ORDER},
        {"provider-ignore", required_argument, NULL, OPT_IGNORE},
        {"no-fallbacks", no_argument, NULL, OPT_NOFALLBACK},
        {"sort", required_argument, NULL, OPT_SORT},
        {"provider-options", required_argument, NULL, OPT_POPTS},
        {"user", required_argument, NULL, OPT_USER},
        {"stream", no_argument, NULL, OPT_STREAM},
        {"json", no_argument, NULL, OPT_JSON},
        {"api-key", required_argument, NULL, OPT_KEY},
        {"base-url", required_argument, NULL, OPT_BASE},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"no-retry", no_argument, NULL, OPT_NORETRY},
        {NULL, 0, NULL, 0},
    };
    imagerouter_request *r = &o->req;
    long long v;
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "m:n:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': r->model = optarg; break;
        case 'o': o->output = optarg; break;
        case 'h': gen_usage(stdout); return -1;
        case 'n':
            if (!gen_int(optarg, 1, 10, &v))
                goto bad_int;
            r->n = (int)v;
            break;
        case OPT_SIZE: r->size = optarg; break;
        case OPT_ASPECT: r->aspect_ratio = optarg; break;
        case OPT_RES: r->resolution = optarg; break;
        case OPT_SEED:
            if (!gen_int(optarg, LLONG_MIN, LLONG_MAX, &v))
                goto bad_int;
            r->has_seed = true;
            r->seed = v;
            break;
        case OPT_FORMAT: r->output_format = optarg; break;
        case OPT_QUALITY: r->quality = optarg; break;
        case OPT_BG: r->background = optarg; break;
        case OPT_COMPRESSION:
            if (!gen_int(optarg, 0, 100, &v))
                goto bad_int;
            r->output_compression = (int)v;
            break;
        case OPT_REF:
            if (o->nrefs == GEN_MAX_REFS) {
                fprintf(stderr, "%s: at most %d --ref\n", cmd, GEN_MAX_REFS);
                return IR_CLI_EXIT_USAGE;
            }
            o->refs_arg[o->nrefs++] = optarg;
            break;
        case OPT_ONLY:
        case OPT_ORDER:
        case OPT_IGNORE:
            if (!gen_split(optarg, c == OPT_ONLY    ? &o->only
                                   : c == OPT_ORDER ? &o->order
                                                    : &o->ignore)) {
                fprintf(stderr, "%s: bad provider list \"%s\"\n", cmd, optarg);
                return IR_CLI_EXIT_USAGE;
            }
            break;
        case OPT_NOFALLBACK: r->provider.allow_fallbacks = 0; break;
        case OPT_SORT: r->provider.sort = optarg; break;
        case OPT_POPTS: r->provider.options_json = optarg; break;
        case OPT_USER: r->user = optarg; break;
        case OPT_STREAM: o->stream = true; break;
        case OPT_JSON: o->json = true; break;
        case OPT_KEY: o->api_key = optarg; break;
        case OPT_BASE: o->base_url = optarg; break;
        case OPT_TIMEOUT:
            if (!gen_int(optarg, 1, 86400, &v))
                goto bad_int;
            o->timeout_ms = (long)v * 1000;
            break;
        case OPT_NORETRY: o->no_retry = true; break;
        default:
            gen_usage(stderr);
            return IR_CLI_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "%s: a prompt is required\n", cmd);
        gen_usage(stderr);
        return IR_CLI_EXIT_USAGE;
    }
    o->prompt = gen_prompt(argc, argv, optind);
    if (!o->prompt || !*o->prompt) {
        fprintf(stderr, "%s: the prompt is empty\n", cmd);
        return IR_CLI_EXIT_USAGE;
    }
    r->prompt = o->prompt;
    r->provider.only = o->only.items;
    r->provider.only_count = o->only.count;
    r->provider.order = o->order.items;
    r->provider.order_count = o->order.count;
    r->provider.ignore = o->ignore.items;
    r->provider.ignore_count = o->ignore.count;
    return IR_CLI_EXIT_OK;
bad_int:
    fprintf(stderr, "%s: bad number \"%s\" for %s\n", cmd, optarg,
            argv[optind - 1]);
    return IR_CLI_EXIT_USAGE;
}

/* URLs pass through; files become data URLs. */
static int
gen_refs(struct gen_opts *o)
{
    imagerouter_error *err = NULL;
    const char *a;
    size_t i;
    int rc;

    for (i = 0; i < o->nrefs; i++) {
        a = o->refs_arg[i];
        if (strncmp(a, "https://", 8) == 0 || strncmp(a, "http://", 7) == 0 ||
            strncmp(a, "data:", 5) == 0) {
            o->refs[i] = ir_strdup(a);
            if (!o->refs[i])
                return IR_CLI_EXIT_FAIL;
            continue;
        }
        rc = imagerouter_data_url_from_file(a, NULL, &o->refs[i], &err);
        if (rc != IMAGEROUTER_OK) {
            fprintf(stderr, "%s: --ref %s\n", cmd,
                    imagerouter_error_message(err));
            imagerouter_error_free(err);
            return IR_CLI_EXIT_USAGE;
        }
    }
    o->req.input_references = (const char *const *)o->refs;
    o->req.input_reference_count = o->nrefs;
    return IR_CLI_EXIT_OK;
}

static void
gen_draw(struct gen_progress *p)
{
    static const char spin[] = "|/-\\";

    if (!p->tty)
        return;
    fprintf(stderr, "\r\033[K%c generating... %.1fs", spin[p->tick++ % 4],
            (double)p->elapsed_ms / 1000.0);
    if (p->partials)
        fprintf(stderr, "  %d partial image%s", p->partials,
                p->partials == 1 ? "" : "s");
    fflush(stderr);
}

static int
gen_on_progress(const imagerouter_progress *p, void *arg)
{
    struct gen_progress *gp = arg;

    /* curl calls this often; redraw at most every 100 ms. */
    if (gp->tick && p->elapsed_ms / 100 == gp->elapsed_ms / 100)
        return 0;
    gp->elapsed_ms = p->elapsed_ms;
    gp->partials = p->partial_images;
    gen_draw(gp);
    return 0;
}

static int
gen_on_event(const imagerouter_event *ev, void *arg)
{
    struct gen_progress *gp = arg;

    if (ev->type == IMAGEROUTER_EVENT_PARTIAL_IMAGE) {
        gp->partials++;
        gen_draw(gp);
    }
    return 0;
}

/* Output name of image i (0-based); caller frees. */
static char *
gen_filename(const struct gen_opts *o, const imagerouter_result *res,
             size_t i)
{
    const char *ext =
        imagerouter_media_type_extension(res->images[i].media_type);
    const char *base = res->generation_id ? res->generation_id : "image";
    const char *dot, *slash;
    char *name;
    size_t len;

    if (strcmp(ext, "bin") == 0 && o->req.output_format)
        ext = o->req.output_format;
    if (!o->output) {
        len = strlen(base) + strlen(ext) + 32;
        name = ir_malloc(len);
        if (!name)
            return NULL;
        if (res->image_count == 1)
            snprintf(name, len, "%s.%s", base, ext);
        else
            snprintf(name, len, "%s-%zu.%s", base, i + 1, ext);
        return name;
    }
    if (res->image_count == 1)
        return ir_strdup(o->output);
    /* out.png -> out-1.png; out -> out-1 */
    len = strlen(o->output) + 32;
    name = ir_malloc(len);
    if (!name)
        return NULL;
    dot = strrchr(o->output, '.');
    slash = strrchr(o->output, '/');
    if (!dot || (slash && dot < slash) || dot == o->output ||
        (slash && dot == slash + 1))
        snprintf(name, len, "%s-%zu", o->output, i + 1);
    else
        snprintf(name, len, "%.*s-%zu%s", (int)(dot - o->output), o->output,
                 i + 1, dot);
    return name;
}

static int
gen_write(const char *path, const imagerouter_image *img)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
    bool ok;

    if (!f) {
        fprintf(stderr, "%s: %s: %s\n", cmd, path, strerror(errno));
        return IR_CLI_EXIT_FAIL;
    }
    ok = fwrite(img->data, 1, img->len, f) == img->len;
    ok = (f == stdout ? fflush(f) : fclose(f)) == 0 && ok;
    if (!ok) {
        fprintf(stderr, "%s: %s: write failed\n", cmd, path);
        return IR_CLI_EXIT_FAIL;
    }
    return IR_CLI_EXIT_OK;
}

static int
gen_save(const struct gen_opts *o, const imagerouter_result *res)
{
    FILE *info = o->output && strcmp(o->output, "-") == 0 ? stderr : stdout;
    char *names[16] = {0};
    size_t i, n = res->image_count < 16 ? res->image_count : 16;
    int rc = IR_CLI_EXIT_OK;

    if (n > 1 && o->output && strcmp(o->output, "-") == 0) {
        fprintf(stderr, "%s: -o - takes one image, got %zu\n", cmd, n);
        return IR_CLI_EXIT_FAIL;
    }
    for (i = 0; i < n && rc == IR_CLI_EXIT_OK; i++) {
        names[i] = gen_filename(o, res, i);
        rc = names[i] ? gen_write(names[i], &res->images[i]) : IR_CLI_EXIT_FAIL;
    }
    if (rc == IR_CLI_EXIT_OK && o->json) {
        fprintf(info, "{\"generation_id\":");
        ir_cli_models_json_str(info, res->generation_id);
        fprintf(info, ",\"provider\":");
        ir_cli_models_json_str(info, res->provider_name);
        fprintf(info, ",\"created\":%lld,\"cost\":", res->created);
        if (res->usage.has_cost)
            fprintf(info, "%.10g", res->usage.cost);
        else
            fputs("null", info);
        fprintf(info, ",\"usage\":%s,\"streamed\":%s,\"images\":[",
                res->usage.json ? res->usage.json : "null",
                res->streamed ? "true" : "false");
        for (i = 0; i < n; i++) {
            fprintf(info, "%s{\"file\":", i ? "," : "");
            ir_cli_models_json_str(info, names[i]);
            fprintf(info, ",\"media_type\":");
            ir_cli_models_json_str(info, res->images[i].media_type);
            fprintf(info, ",\"bytes\":%zu}", res->images[i].len);
        }
        fprintf(info, "]}\n");
    } else if (rc == IR_CLI_EXIT_OK) {
        for (i = 0; i < n; i++)
            fprintf(info, "saved %s (%s, %zu bytes)\n",
                    strcmp(names[i], "-") == 0 ? "to stdout" : names[i],
                    res->images[i].media_type ? res->images[i].media_type
                                              : "unknown type",
                    res->images[i].len);
        fprintf(info, "generation %s  provider %s  cost ",
                res->generation_id ? res->generation_id : "-",
                res->provider_name ? res->provider_name : "-");
        if (res->usage.has_cost)
            fprintf(info, "$%.6f\n", res->usage.cost);
        else
            fprintf(info, "n/a\n");
    }
    for (i = 0; i < n; i++)
        ir_free(names[i]);
    return rc;
}

static void
gen_free(struct gen_opts *o)
{
    size_t i;

    for (i = 0; i < o->nrefs; i++)
        ir_free(o->refs[i]);
    ir_free(o->only.storage);
    ir_free(o->order.storage);
    ir_free(o->ignore.storage);
    ir_free(o->prompt);
}

int
ir_cli_generate_main(int argc, char **argv)
{
    struct gen_opts o = {.timeout_ms = GEN_DEFAULT_TIMEOUT_MS};
    struct gen_progress prog = {.tty = isatty(STDERR_FILENO) == 1};
    imagerouter_call_options copts;
    imagerouter_client *client = NULL;
    imagerouter_result *res = NULL;
    imagerouter_error *err = NULL;
    int rc;

    imagerouter_request_init(&o.req);
    o.req.model = GEN_DEFAULT_MODEL;
    rc = gen_parse(argc, argv, &o);
    if (rc == IR_CLI_EXIT_OK)
        rc = gen_refs(&o);
    if (rc != IR_CLI_EXIT_OK) {
        gen_free(&o);
        return rc < 0 ? IR_CLI_EXIT_OK : rc;   /* -1: --help */
    }
    if (ir_cli_models_client(cmd, o.api_key, o.base_url, o.timeout_ms,
                             o.no_retry, &client)) {
        gen_free(&o);
        return IR_CLI_EXIT_FAIL;
    }
    imagerouter_call_options_init(&copts);
    if (prog.tty) {
        copts.progress = gen_on_progress;
        copts.progress_arg = &prog;
        gen_draw(&prog);
    }
    if (o.stream)
        rc = imagerouter_generate_stream(client, &o.req, &copts, gen_on_event,
                                         &prog, &res, &err);
    else
        rc = imagerouter_generate(client, &o.req, &copts, &res, &err);
    if (prog.tty)
        fputs("\r\033[K", stderr);
    if (rc != IMAGEROUTER_OK) {
        ir_cli_models_error(cmd, rc, err, o.json);
        rc = IR_CLI_EXIT_FAIL;
    } else if (res->image_count == 0) {
        fprintf(stderr, "%s: error: the reply had no image\n", cmd);
        rc = IR_CLI_EXIT_FAIL;
    } else {
        rc = gen_save(&o, res);
    }
    imagerouter_result_free(res);
    imagerouter_error_free(err);
    imagerouter_client_free(client);
    gen_free(&o);
    return rc;
}
