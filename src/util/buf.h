/* SPDX-License-Identifier: Apache-2.0
 * util/buf.h - growable byte buffer with a ceiling (after curl's dynbuf).
 */
#ifndef IR_UTIL_BUF_H
#define IR_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "util/err.h"

struct ir_buf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
    size_t max; /* adding past this fails with IR_ETOOBIG */
};

void ir_buf_init(struct ir_buf *b, size_t max);
void ir_buf_cleanup(struct ir_buf *b);
void ir_buf_reset(struct ir_buf *b);
ir_err ir_buf_reserve(struct ir_buf *b, size_t extra) IR_MUST_CHECK;
ir_err ir_buf_add(struct ir_buf *b, const void *p, size_t n) IR_MUST_CHECK;
ir_err ir_buf_adds(struct ir_buf *b, const char *s) IR_MUST_CHECK;
ir_err ir_buf_addc(struct ir_buf *b, char c) IR_MUST_CHECK;
ir_err ir_buf_addf(struct ir_buf *b, const char *fmt, ...)
    IR_PRINTF(2, 3) IR_MUST_CHECK;
/* Hands the bytes to the caller (free with ir_free) and resets the buffer. */
char *ir_buf_take(struct ir_buf *b, size_t *len);

#endif
