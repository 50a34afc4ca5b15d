/* SPDX-License-Identifier: Apache-2.0
 * util/log.c - leveled logging to stderr. Whole lines go out in one write
 * so lines from worker threads never interleave.
 */
#include "util/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static _Atomic int log_level = IR_LOG_INFO;

void
ir_log_set_level(enum ir_log_level level)
{
    atomic_store(&log_level, (int)level);
}

void
ir_log(enum ir_log_level level, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    char line[2048];
    struct timespec ts;
    struct tm tm;
    size_t n;
    int k;
    va_list ap;

    if ((int)level < atomic_load(&log_level))
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    k = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, names[level]);
    n = k < 0 ? 0 : (size_t)k;
    va_start(ap, fmt);
    k = vsnprintf(line + n, sizeof line - n, fmt, ap);
    va_end(ap);
    n += k < 0 ? 0 : (size_t)k;
    if (n > sizeof line - 2)
        n = sizeof line - 2; /* truncated: keep the newline */
    line[n++] = '\n';
    (void)!write(STDERR_FILENO, line, n);
}

void
ir_log_json_line(const char *json)
{
    char line[4096];
    size_t n = strlen(json);

    if (n > sizeof line - 2)
        n = sizeof line - 2;
    memcpy(line, json, n);
    line[n++] = '\n';
    (void)!write(STDERR_FILENO, line, n);
}
