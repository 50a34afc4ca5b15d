/* SPDX-License-Identifier: Apache-2.0
 * util/utf8.h - UTF-8 validation.
 */
#ifndef IR_UTIL_UTF8_H
#define IR_UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Replaces every byte that is not part of a valid UTF-8 sequence with
 * '?', in place (so a message cut mid-character stays valid JSON text). */
void ir_utf8_sanitize(char *s);
bool ir_utf8_valid(const char *s, size_t n);

#endif
