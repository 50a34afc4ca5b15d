/* SPDX-License-Identifier: Apache-2.0
 * util/time.h - monotonic and wall clocks.
 */
#ifndef IR_UTIL_TIME_H
#define IR_UTIL_TIME_H

#include <stdint.h>

/* Milliseconds on a monotonic clock, for durations and deadlines. */
int64_t ir_time_mono_ms(void);
/* Microseconds on a monotonic clock. */
int64_t ir_time_mono_us(void);
/* Unix time in seconds. */
int64_t ir_time_unix(void);

#endif
