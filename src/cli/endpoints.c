/* SPDX-License-Identifier: Apache-2.0
 * cli/endpoints.c - `imagerouter endpoints AUTHOR/SLUG`: one model's
 * provider endpoints, parameters and prices, as a table or JSON.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void endpoints_usage(FILE *f);
static void endpoints_print(const imagerouter_endpoint_list *l);

static void
endpoints_usage(FILE *f)
{
    fputs("usage: imagerouter endpoints AUTHOR/SLUG [--json] "
          "[--api-key KEY] [--base-url URL]\n"
          "\n"
          "Lists the provider endpoints of one image model\n"
          "(GET /images/models/AUTHOR/SLUG/endpoints).\n"
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

static void
endpoints_print(const imagerouter_endpoint_list *l)
{
    size_t i, j, pw = 8, sw = 4, tw = 3;

    printf("%s: %zu endpoint%s\n", l->id ? l->id : "?", l->count,
           l->count == 1 ? "" : "s");
    if (l->count == 0)
        return;
    for (i = 0; i < l->count; i++) {
        const imagerouter_endpoint *e = &l->endpoints[i];
        size_t n;

        n = e->provider_name ? strlen(e->provider_name) : 1;
        pw = n > pw ? n : pw;
        n = e->provider_slug ? strlen(e->provider_slug) : 1;
        sw = n > sw ? n : sw;
        n = e->provider_tag ? strlen(e->provider_tag) : 1;
        tw = n > tw ? n : tw;
    }
    printf("%-*s  %-*s  %-*s  %-6s  %s\n", (int)pw, "PROVIDER", (int)sw,
           "SLUG", (int)tw, "TAG", "STREAM", "PRICING");
    for (i = 0; i < l->count; i++) {
        const imagerouter_endpoint *e = &l->endpoints[i];

        printf("%-*s  %-*s  %-*s  %-6s  ", (int)pw,
               e->provider_name ? e->provider_name : "-", (int)sw,
               e->provider_slug ? e->provider_slug : "-", (int)tw,
               e->provider_tag ? e->provider_tag : "-",
               e->supports_streaming ? "yes" : "no");
        for (j = 0; j < e->pricing_count; j++) {
            const imagerouter_pricing *p = &e->pricing[j];

            printf("%s$%g/%s (%s%s%s)", j ? ", " : "", p->cost_usd,
                   p->unit ? p->unit : "?", p->billable ? p->billable : "?",
                   p->variant ? ", " : "", p->variant ? p->variant : "");
        }
        if (e->pricing_count == 0)
            fputs("-", stdout);
        fputs("\n    parameters: ", stdout);
        ir_cli_models_caps(stdout, e->supported_parameters,
                           e->supported_parameter_count);
        if (e->allowed_passthrough_parameter_count) {
            fputs("\n    passthrough:", stdout);
            for (j = 0; j < e->allowed_passthrough_parameter_count; j++)
                printf(" %s", e->allowed_passthrough_parameters[j]);
        }
        putchar('\n');
    }
}

int
ir_cli_endpoints_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"api-key", required_argument, NULL, 'k'},
        {"base-url", required_argument, NULL, 'b'},
        {"no-retry", no_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *key = NULL, *base = NULL, *cmd = "imagerouter endpoints";
    imagerouter_client *client = NULL;
    imagerouter_endpoint_list *list = NULL;
    imagerouter_error *err = NULL;
    char author[256], *slash;
    const char *slug;
    bool json = false, no_retry = false;
    int c, rc;

    optind = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'k': key = optarg; break;
        case 'b': base = optarg; break;
        case 'R': no_retry = true; break;
        case 'h': endpoints_usage(stdout); return IR_CLI_EXIT_OK;
        default: endpoints_usage(stderr); return IR_CLI_EXIT_USAGE;
        }
    }
    /* AUTHOR/SLUG, or AUTHOR SLUG. */
    if (optind + 1 == argc && strchr(argv[optind], '/') &&
        strlen(argv[optind]) < sizeof(author)) {
        snprintf(author, sizeof(author), "%s", argv[optind]);
        slash = strchr(author, '/');
        *slash = '\0';
        slug = slash + 1;
    } else if (optind + 2 == argc && strlen(argv[optind]) < sizeof(author)) {
        snprintf(author, sizeof(author), "%s", argv[optind]);
        slug = argv[optind + 1];
    } else {
        fprintf(stderr, "%s: expected one model id, AUTHOR/SLUG\n", cmd);
        endpoints_usage(stderr);
        return IR_CLI_EXIT_USAGE;
    }
    if (!*author || !*slug) {
        fprintf(stderr, "%s: expected AUTHOR/SLUG\n", cmd);
        return IR_CLI_EXIT_USAGE;
    }
    if (ir_cli_models_client(cmd, key, base, 0, no_retry, &client))
        return IR_CLI_EXIT_FAIL;
    rc = imagerouter_list_model_endpoints(client, author, slug, NULL, &list,
                                          &err);
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
        endpoints_print(list);
    }
    imagerouter_endpoint_list_free(list);
    imagerouter_client_free(client);
    return IR_CLI_EXIT_OK;
}
