/* SPDX-License-Identifier: Apache-2.0
 * cli/keys.h - `imagerouter keys create|list`: manage API keys in a store
 * directly, without a running server.
 */
#ifndef IR_CLI_KEYS_H
#define IR_CLI_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* argv[0] is "keys". Returns the process exit status: 0 ok, 1 failure,
 * 2 usage error. The plaintext of a created key is the last stdout line. */
int ir_cli_keys_main(int argc, char **argv);

/* Parses a decimal USD amount ("5", "0.25", "$1.000000001") into exact
 * nano-dollars, without floating point. IR_EINVAL for anything else:
 * signs, exponents, more than 9 decimals, overflow. */
ir_err ir_cli_keys_parse_usd(const char *s, int64_t *out_nanos)
    IR_MUST_CHECK;

/* Formats nano-dollars as "$1.5" (no trailing zeros), or "-" for
 * IR_NANOS_NONE. */
void ir_cli_keys_format_usd(int64_t nanos, char *out, size_t size);

#endif
