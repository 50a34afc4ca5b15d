/* SPDX-License-Identifier: Apache-2.0
 * util/err.h - the one error enum, its names, and a fixed-size diagnostic.
 */
#ifndef IR_UTIL_ERR_H
#define IR_UTIL_ERR_H

#include <stdarg.h>
#include <stddef.h>

#define IR_MUST_CHECK __attribute__((warn_unused_result))
#define IR_PRINTF(a, b) __attribute__((format(printf, a, b)))

#define IR_ERR_MAP(X)                                         \
    X(NOMEM, "out of memory")                                 \
    X(INVAL, "invalid argument")                              \
    X(TOOBIG, "over limit")                                   \
    X(NOTFOUND, "not found")                                  \
    X(EXISTS, "already exists")                               \
    X(IO, "input/output error")                               \
    X(PARSE, "parse error")                                   \
    X(UNSUPPORTED, "unsupported")                             \
    X(DENIED, "permission denied")                            \
    X(STORE, "store error")                                   \
    X(UPSTREAM, "upstream error")                             \
    X(TIMEOUT, "timed out")                                   \
    X(CANCELLED, "cancelled")                                 \
    X(IMAGE, "image codec error")                             \
    X(INTERNAL, "internal error")

typedef enum ir_err {
    IR_OK = 0,
#define IR_ERR_ENUM(name, text) IR_E##name,
    IR_ERR_MAP(IR_ERR_ENUM)
#undef IR_ERR_ENUM
} ir_err;

const char *ir_strerror(ir_err e);

/* A short human message attached to a failure; never allocated. */
struct ir_diag {
    char msg[256];
};

void ir_diag_set(struct ir_diag *d, const char *fmt, ...) IR_PRINTF(2, 3);
void ir_diag_vset(struct ir_diag *d, const char *fmt, va_list ap);

#endif
