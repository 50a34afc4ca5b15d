/* SPDX-License-Identifier: Apache-2.0
 * providers/json_big.h - JSON parsing that keeps big string values (the
 * base64 images of a provider answer) out of jansson: jansson lexes a
 * string one byte at a time into a doubling buffer and copies it again,
 * which for a 45 MB image cost 80 % of the router's CPU. Such strings are
 * left in the body and the tree holds a short placeholder instead.
 */
#ifndef IR_PROVIDERS_JSON_BIG_H
#define IR_PROVIDERS_JSON_BIG_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* String values this long or longer are kept out of the tree. */
#define IR_JSON_BIG_MIN (32 * 1024)
/* And canonical base64 (ir_base64_canonical) from this length: an image
 * of a few KB, which jansson would lex byte by byte (most of the parse
 * of a small answer). A text field is not 1 KB of the base64 alphabet
 * without a space, and adapters read text through the same resolver. */
#define IR_JSON_BIG_B64_MIN 1024

/* Like json_loadb(body, len, 0, NULL): the same tree, or NULL for the
 * same inputs, except that every string value (not key) of at least min
 * bytes made of printable ASCII, with no escape but "\/", and every one
 * of canonical base64 of at least IR_JSON_BIG_B64_MIN bytes (or min, if
 * less), is replaced by a placeholder that ir_json_big_get() resolves.
 * Strings with other escapes, control or non-ASCII bytes go to jansson
 * as they are, so it judges them exactly as before. New reference. */
json_t *ir_json_big_load(const char *body, size_t len, size_t min);

/* A big string of the body: raw bytes, still JSON-escaped ("\/") when
 * escaped is set; canonical: found to be canonical base64 already
 * (ir_base64_canonical), so readers need not check it again. */
struct ir_json_big_str {
    const char *p;
    size_t len;
    bool escaped;
    bool canonical;
};

/* When s (a string value of a tree from ir_json_big_load on the same
 * body, at the same address) is a placeholder, fills out and returns
 * true. */
bool ir_json_big_get(const char *body, size_t len, const char *s,
                     struct ir_json_big_str *out);

/* The string's bytes unescaped, NUL-terminated (caller frees with
 * ir_free); NULL on ENOMEM. */
char *ir_json_big_dup(const struct ir_json_big_str *s, size_t *len);

#endif
