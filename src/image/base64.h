/* SPDX-License-Identifier: Apache-2.0
 * image/base64.h - standard base64 (RFC 4648, padded) and data: URLs.
 */
#ifndef IR_IMAGE_BASE64_H
#define IR_IMAGE_BASE64_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

size_t ir_base64_encoded_len(size_t n); /* without the NUL */
/* Writes ir_base64_encoded_len(n) chars plus a NUL into out. */
void ir_base64_encode_to(const void *in, size_t n, char *out);
/* Allocating form; caller frees *out with ir_free. */
ir_err ir_base64_encode(const void *in, size_t n, char **out, size_t *outlen)
    IR_MUST_CHECK;
/* Strict decode: padding optional, whitespace (CR/LF/space) skipped, any
 * other non-alphabet byte is IR_EPARSE. Caller frees *out. */
ir_err ir_base64_decode(const char *in, size_t n, unsigned char **out,
                        size_t *outlen) IR_MUST_CHECK;

/* The length of the longest prefix of in[0..n) made of alphabet bytes
 * (A-Z a-z 0-9 + /; '=' is not one): where a base64 string stops. One
 * pass, 64 bytes a step with SSE2. */
size_t ir_base64_alpha_span(const char *in, size_t n);

/* Is in[0..n) canonical base64, as ir_base64_encode writes it: a length
 * that is a multiple of 4, alphabet bytes only, and '=' padding only in
 * the last two places? Such text can be sent on as it is. *outlen gets
 * the decoded length. */
bool ir_base64_canonical(const char *in, size_t n, size_t *outlen);

/* data:[<media type>][;base64],<payload>. Only base64 payloads are taken.
 * media_type receives the declared type (may be ""). */
ir_err ir_base64_data_url_parse(const char *url, char *media_type,
                                size_t media_type_size, unsigned char **out,
                                size_t *outlen, struct ir_diag *d)
    IR_MUST_CHECK;

#endif
