/* SPDX-License-Identifier: Apache-2.0
 * client/base64.h - RFC 4648 base64 for b64_json and data URLs; the SDK
 * carries its own so it depends on nothing but libcurl and jansson.
 */
#ifndef IRC_BASE64_H
#define IRC_BASE64_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes needed to decode n characters (an upper bound). */
size_t irc_base64_decoded_max(size_t n);
/* Decodes standard or URL-safe base64; padding is optional and ASCII
 * whitespace is skipped. out must hold irc_base64_decoded_max(n) bytes.
 * false: a character outside the alphabet, or a dangling single char. */
bool irc_base64_decode(const char *s, size_t n, unsigned char *out,
                       size_t *out_len);
/* Characters (without NUL) needed to encode n bytes; 0 on overflow. */
size_t irc_base64_encoded_len(size_t n);
/* Writes irc_base64_encoded_len(n) characters plus a NUL. */
void irc_base64_encode(const unsigned char *p, size_t n, char *out);

#endif
