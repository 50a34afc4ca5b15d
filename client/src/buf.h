/* SPDX-License-Identifier: Apache-2.0
 * client/buf.h - a growable byte buffer with a ceiling; always
 * NUL-terminated so text can be read in place.
 */
#ifndef IRC_BUF_H
#define IRC_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct irc_buf {
    char *data;        /* NULL until the first append */
    size_t len;
    size_t cap;
    size_t max;        /* len never exceeds this */
};

void irc_buf_init(struct irc_buf *b, size_t max);
void irc_buf_cleanup(struct irc_buf *b);
void irc_buf_reset(struct irc_buf *b);
/* false: out of memory or over the ceiling (the buffer is unchanged). */
bool irc_buf_add(struct irc_buf *b, const void *p, size_t n);
bool irc_buf_addc(struct irc_buf *b, char c);
bool irc_buf_adds(struct irc_buf *b, const char *s);
/* The contents ("" when empty); valid until the next change. */
const char *irc_buf_str(const struct irc_buf *b);
/* Hands the bytes to the caller (free()) and empties the buffer; never
 * NULL unless out of memory. */
char *irc_buf_take(struct irc_buf *b, size_t *len);

#endif
