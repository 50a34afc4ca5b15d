/* SPDX-License-Identifier: Apache-2.0
 * util/dlib.h - a system library opened on first use (dlopen by soname)
 * with a table of its functions, so that a library the idle router does
 * not need (libcurl, libpq and what they pull in: TLS, LDAP, Kerberos)
 * is neither mapped nor relocated at start.
 */
#ifndef IR_UTIL_DLIB_H
#define IR_UTIL_DLIB_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

enum { IR_DLIB_OK = 1, IR_DLIB_FAILED = 2 };

/* A static table per library, zero-initialised but for the first four
 * fields. */
struct ir_dlib {
    const char *soname;          /* e.g. "libcurl.so.4" */
    const char *const *names;    /* nfns function names */
    void (**fns)(void);          /* nfns slots, filled on load */
    size_t nfns;
    _Atomic int state;           /* 0, then IR_DLIB_OK once loaded */
    char error[256];             /* why the last attempt failed */
};

/* Loads d once per process (thread-safe). IR_ENOTFOUND when the library
 * or one of its functions cannot be found: d->error then says which.
 * A failure is not remembered: the next call tries again, as the cause
 * (e.g. no free descriptor) may be gone by then. */
ir_err ir_dlib_load(struct ir_dlib *d) IR_MUST_CHECK;
/* Has d been loaded successfully (without trying to load it)? */
bool ir_dlib_loaded(struct ir_dlib *d);

#endif
