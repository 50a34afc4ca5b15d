/* SPDX-License-Identifier: Apache-2.0
 * client/retry.h - the retry policy: which failures are retried and how
 * long to wait, mirroring @openrouter/sdk's backoff. Pure apart from the
 * clock and sleep hooks in the config.
 */
#ifndef IRC_RETRY_H
#define IRC_RETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "imagerouter.h"

struct irc_retry {
    const imagerouter_retry_config *cfg;
    int64_t start_ms;
    int retries;       /* retries so far: n in initial * n^exponent */
    uint64_t rng;
};

void irc_retry_begin(struct irc_retry *r, const imagerouter_retry_config *cfg);
int64_t irc_retry_now(const imagerouter_retry_config *cfg);
/* Is an HTTP failure with this status retried under cfg? */
bool irc_retry_status_retryable(const imagerouter_retry_config *cfg,
                                int status);
/* After a failed attempt: true and *delay_ms when another attempt is due.
 * retryable says whether the failure is of a retried kind; retry_after_ms
 * (-1: none) is the server's hint. */
bool irc_retry_next(struct irc_retry *r, bool retryable, long retry_after_ms,
                    long *delay_ms);
/* The backoff delay before retry n, before the max_interval cap. */
long irc_retry_backoff(const imagerouter_retry_config *cfg, int n,
                       uint64_t *rng);
void irc_retry_sleep(const imagerouter_retry_config *cfg, long ms);

#endif
