/* SPDX-License-Identifier: Apache-2.0
 * client/error.h - the SDK's error object and the helpers that fill the
 * caller's `imagerouter_error **err` slot.
 */
#ifndef IRC_ERROR_H
#define IRC_ERROR_H

#include "imagerouter.h"

#if defined(__GNUC__)
#define IRC_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define IRC_PRINTF(a, b)
#endif

#define IRC_MAX_ERROR_BODY (64 * 1024)

struct imagerouter_error {
    int code;
    int status;
    char *message;         /* never NULL */
    char *metadata;        /* compact JSON or NULL */
    char *server_code;     /* string error.code or NULL */
    char *body;            /* raw body (truncated) or NULL */
    long retry_after_ms;   /* -1: none */
    int attempts;
};

/* A new error with a formatted message; NULL when out of memory. */
imagerouter_error *irc_error_new(int code, int status, const char *fmt, ...)
    IRC_PRINTF(3, 4);
/* Stores e in *slot (or frees it when slot is NULL) and returns e's code,
 * or IMAGEROUTER_ERR_NO_MEMORY when e is NULL. */
int irc_error_put(imagerouter_error **slot, imagerouter_error *e);
/* irc_error_put(slot, irc_error_new(code, 0, fmt, ...)). */
int irc_fail(imagerouter_error **slot, int code, const char *fmt, ...)
    IRC_PRINTF(3, 4);
/* Replaces e's field with a copy of s (NULL clears); false on OOM. */
bool irc_error_set_str(char **field, const char *s);

#endif
