/* SPDX-License-Identifier: Apache-2.0
 * util/time.c - monotonic and wall clocks.
 */
#include "util/time.h"

#include <time.h>

int64_t
ir_time_mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
ir_time_mono_ms(void)
{
    return ir_time_mono_us() / 1000;
}

int64_t
ir_time_unix(void)
{
    return (int64_t)time(NULL);
}
