/* SPDX-License-Identifier: Apache-2.0
 * examples/generate.c - generate one image and save it. The same program is
 * printed in docs/sdk.md; the test suite builds and runs it.
 *
 *   cc generate.c $(pkg-config --cflags --libs imagerouter) -o generate
 *   IMAGEROUTER_API_KEY=sk-... ./generate "a red panda astronaut" panda.png
 */
#include <stdio.h>
#include <stdlib.h>

#include <imagerouter.h>

int
main(int argc, char **argv)
{
    const char *prompt = argc > 1 ? argv[1] : "a red panda astronaut";
    const char *path = argc > 2 ? argv[2] : "image.png";
    imagerouter_options opts;
    imagerouter_request req;
    imagerouter_client *client = NULL;
    imagerouter_result *res = NULL;
    imagerouter_error *err = NULL;
    FILE *f;
    int rc;

    /* Key and base URL come from IMAGEROUTER_API_KEY and
     * IMAGEROUTER_BASE_URL unless set here. */
    imagerouter_options_init(&opts);
    opts.app_title = "imagerouter example";
    opts.retry.max_elapsed_ms = 30000;
    rc = imagerouter_client_new(&opts, &client, &err);
    if (rc != IMAGEROUTER_OK)
        goto fail;

    imagerouter_request_init(&req);
    req.model = "imagerouter/abstract";
    req.prompt = prompt;
    req.aspect_ratio = "16:9";
    req.output_format = "png";
    rc = imagerouter_generate(client, &req, NULL, &res, &err);
    if (rc != IMAGEROUTER_OK)
        goto fail;

    f = fopen(path, "wb");
    if (!f || fwrite(res->images[0].data, 1, res->images[0].len, f) !=
                  res->images[0].len) {
        perror(path);
        if (f)
            fclose(f);
        rc = 1;
        goto out;
    }
    fclose(f);
    printf("%s: %zu bytes (%s), generation %s, cost $%.6f\n", path,
           res->images[0].len,
           res->images[0].media_type ? res->images[0].media_type : "?",
           res->generation_id ? res->generation_id : "-",
           res->usage.has_cost ? res->usage.cost : 0.0);
    goto out;

fail:
    fprintf(stderr, "error: %s (%s, HTTP %d)\n", imagerouter_error_message(err),
            imagerouter_error_name(rc), imagerouter_error_status(err));
out:
    imagerouter_result_free(res);
    imagerouter_error_free(err);
    imagerouter_client_free(client);
    return rc == IMAGEROUTER_OK ? 0 : 1;
}
