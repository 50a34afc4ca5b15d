/* SPDX-License-Identifier: Apache-2.0
 * cli/models.c - `imagerouter models`: the image model catalogue as a
 * table or JSON; also the helpers the client subcommands share.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define MODELS_CLI_MAX_ELAPSED_MS 60000

static void models_usage(FILE *f);

int
ir_cli_models_client(const char *cmd, const char *api_key,
                     const char *base_url, long timeout_ms, bool no_retry,
                     imagerouter_client **out)
{
    imagerouter_options o;
    imagerouter_error *err = NULL;
    int rc;

    imagerouter_options_init(&o);
    o.api_key = api_key;
    o.base_url = base_url;
    o.timeout_ms = timeout_ms;
    o.app_title = "imagerouter CLI";
    o.app_categories = "image-gen";
    /* An interactive tool gives up after a minute, not the SDK's hour. */
    o.retry.max_elapsed_ms = MODELS_CLI_MAX_ELAPSED_MS;
    if (no_retry)
        o.retry.strategy = IMAGEROUTER_RETRY_NONE;
    rc = imagerouter_client_new(&o, out, &err);
    if (rc != IMAGEROUTER_OK) {
        ir_cli_models_error(cmd, rc, err, false);
        imagerouter_error_free(err);
        return IR_CLI_EXIT_FAIL;
    }
    return IR_CLI_EXIT_OK;
}

void
ir_cli_models_json_str(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

void
ir_cli_models_error(const char *cmd, int rc, const imagerouter_error *err,
                    bool json)
{
    const char *msg = err ? imagerouter_error_message(err)
                          : imagerouter_strerror(rc);
    int status = imagerouter_error_status(err);

    if (status)
        fprintf(stderr, "%s: error: %s (HTTP %d, %s)\n", cmd, msg, status,
                imagerouter_error_name(rc));
    else
        fprintf(stderr, "%s: error: %s (%s)\n", cmd, msg,
                imagerouter_error_name(rc));
    if (!json)
        return;
    printf("{\"error\":{\"code\":");
    ir_cli_models_json_str(stdout, imagerouter_error_name(rc));
    printf(",\"status\":%d,\"message\":", status);
    ir_cli_models_json_str(stdout, msg);
    if (imagerouter_error_metadata(err))
        printf(",\"metadata\":%s", imagerouter_error_metadata(err));
    printf("}}\n");
}

void
ir_cli_models_caps(FILE *f, const imagerouter_capability *caps, size_t count)
{
    const imagerouter_capability *c;
    size_t i, j;

    for (i = 0; i < count; i++) {
        c = &caps[i];
        fprintf(f, "%s%s", i ? " " : "", c->name);
        switch (c->type) {
        case IMAGEROUTER_CAP_ENUM:
            for (j = 0; j < c->value_count; j++)
                fprintf(f, "%c%s", j ? '|' : '=', c->values[j]);
            break;
        case IMAGEROUTER_CAP_RANGE:
            fprintf(f, "=%g..%g", c->min, c->max);
            break;
        case IMAGEROUTER_CAP_BOOLEAN:
            break;
        case IMAGEROUTER_CAP_UNKNOWN:
            fprintf(f, "=%s", c->json);
            break;
        }
    }
}

static void
models_usage(FILE *f)
{
    fputs("usage: imagerouter models [--json] [--api-key KEY] "
          "[--base-url URL]\n"
          "\n"
          "Lists the image models the router serves (GET /images/models).\n"
          "\n"
          "  --json            print the server's JSON instead of a table\n"
          "  --api-key KEY     API key (default: $IMAGEROUTER_API_KEY)\n"
          "  --base-url URL    API base URL (default: $IMAGEROUTER_BASE_URL "
          "or\n"
          "                    " IMAGEROUTER_DEFAULT_BASE_URL ")\n"
          "  --no-retry        one attempt only\n"
          "  -h, --help        this help\n",
          f);
}

int
ir_cli_models_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"api-key", required_argument, NULL, 'k'},
        {"base-url", required_argument, NULL, 'b'},
        {"no-retry", no_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *key = NULL, *base = NULL, *cmd = "imagerouter models";
    imagerouter_client *client = NULL;
    imagerouter_model_list *list = NULL;
    imagerouter_error *err = NULL;
    bool json = false, no_retry = false;
    size_t i, idw = 2, namew = 4;
    int c, rc;

    optind = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'k': key = optarg; break;
        case 'b': base = optarg; break;
        case 'R': no_retry = true; break;
        case 'h': models_usage(stdout); return IR_CLI_EXIT_OK;
        default: models_usage(stderr); return IR_CLI_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument \"%s\"\n", cmd, argv[optind]);
        models_usage(stderr);
        return IR_CLI_EXIT_USAGE;
    }
    if (ir_cli_models_client(cmd, key, base, 0, no_retry, &client))
        return IR_CLI_EXIT_FAIL;
    rc = imagerouter_list_models(client, NULL, &list, &err);
    if (rc != IMAGEROUTER_OK) {
        ir_cli_models_error(cmd, rc, err, json);
        imagerouter_error_free(err);
        imagerouter_client_free(client);
        return IR_CLI_EXIT_FAIL;
    }
    if (json) {
        fputs(list->json, stdout);
        fputc('\n', stdout);
    } else {
        for (i = 0; i < list->count; i++) {
            size_t n = strlen(list->models[i].id);
            size_t m = list->models[i].name ? strlen(list->models[i].name) : 1;

            idw = n > idw ? n : idw;
            namew = m > namew ? m : namew;
        }
        printf("%-*s  %-*s  %-6s  %s\n", (int)idw, "ID", (int)namew, "NAME",
               "STREAM", "PARAMETERS");
        for (i = 0; i < list->count; i++) {
            const imagerouter_model *m = &list->models[i];

            printf("%-*s  %-*s  %-6s  ", (int)idw, m->id, (int)namew,
                   m->name ? m->name : "-",
                   m->supports_streaming ? "yes" : "no");
            ir_cli_models_caps(stdout, m->supported_parameters,
                               m->supported_parameter_count);
            putchar('\n');
        }
    }
    imagerouter_model_list_free(list);
    imagerouter_client_free(client);
    return IR_CLI_EXIT_OK;
}
