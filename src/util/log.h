/* SPDX-License-Identifier: Apache-2.0
 * util/log.h - leveled logging to stderr; JSON lines for structured events.
 */
#ifndef IR_UTIL_LOG_H
#define IR_UTIL_LOG_H

#include "util/err.h"

enum ir_log_level { IR_LOG_DEBUG, IR_LOG_INFO, IR_LOG_WARN, IR_LOG_ERROR };

void ir_log_set_level(enum ir_log_level level);
void ir_log(enum ir_log_level level, const char *fmt, ...) IR_PRINTF(2, 3);
/* One already-formatted JSON object, written as one line. */
void ir_log_json_line(const char *json);

#define ir_log_debug(...) ir_log(IR_LOG_DEBUG, __VA_ARGS__)
#define ir_log_info(...) ir_log(IR_LOG_INFO, __VA_ARGS__)
#define ir_log_warn(...) ir_log(IR_LOG_WARN, __VA_ARGS__)
#define ir_log_error(...) ir_log(IR_LOG_ERROR, __VA_ARGS__)

#endif
