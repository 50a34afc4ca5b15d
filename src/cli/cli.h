/* SPDX-License-Identifier: Apache-2.0
 * cli/cli.h - the client subcommands (generate, models, endpoints), built
 * on libimagerouter only. Each takes argv[0] = the subcommand name and
 * returns the process exit status: 0 ok, 1 failure, 2 usage error.
 */
#ifndef IR_CLI_CLI_H
#define IR_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "imagerouter.h"

#define IR_CLI_EXIT_OK 0
#define IR_CLI_EXIT_FAIL 1
#define IR_CLI_EXIT_USAGE 2

int ir_cli_generate_main(int argc, char **argv);
int ir_cli_models_main(int argc, char **argv);
int ir_cli_endpoints_main(int argc, char **argv);

/* Shared by the subcommands; defined in cli/models.c. */

/* A client from --api-key/--base-url (NULL: environment), with CLI retry
 * limits (no_retry: one attempt). Prints the failure. */
int ir_cli_models_client(const char *cmd, const char *api_key,
                         const char *base_url, long timeout_ms,
                         bool no_retry, imagerouter_client **out);
/* "cmd: error: message (HTTP 401, UNAUTHORIZED)" on stderr; with json,
 * also {"error":{...}} on stdout. */
void ir_cli_models_error(const char *cmd, int rc, const imagerouter_error *err,
                         bool json);
/* s as a JSON string literal (NULL: null). */
void ir_cli_models_json_str(FILE *f, const char *s);
/* "resolution=1K|2K seed n=1..4" */
void ir_cli_models_caps(FILE *f, const imagerouter_capability *caps,
                        size_t count);

#endif
