/* SPDX-License-Identifier: Apache-2.0
 * client/retry.c - backoff schedule: initial * n^exponent + jitter, capped,
 * Retry-After honoured, given up after max_elapsed.
 */
#include "retry.h"

#include <errno.h>
#include <math.h>
#include <time.h>

static uint64_t retry_rand(uint64_t *state);

void
imagerouter_retry_config_init(imagerouter_retry_config *rc)
{
    rc->strategy = IMAGEROUTER_RETRY_BACKOFF;
    rc->initial_interval_ms = 500;
    rc->max_interval_ms = 60000;
    rc->exponent = 1.5;
    rc->max_elapsed_ms = 3600000;
    rc->retry_connection_errors = true;
    rc->retry_too_many_requests = false;
    rc->jitter_ms = 1000;
    rc->jitter_seed = 0;
    rc->sleep = NULL;
    rc->sleep_arg = NULL;
    rc->clock = NULL;
    rc->clock_arg = NULL;
}

/* splitmix64: small, seedable, good enough for jitter. */
static uint64_t
retry_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

int64_t
irc_retry_now(const imagerouter_retry_config *cfg)
{
    struct timespec ts;

    if (cfg->clock)
        return cfg->clock(cfg->clock_arg);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
irc_retry_begin(struct irc_retry *r, const imagerouter_retry_config *cfg)
{
    struct timespec ts;

    r->cfg = cfg;
    r->start_ms = irc_retry_now(cfg);
    r->retries = 0;
    if (cfg->jitter_seed) {
        r->rng = cfg->jitter_seed;
    } else {
        /* Per call, from the wall clock and this frame's address: no
         * shared generator, so no lock. */
        clock_gettime(CLOCK_REALTIME, &ts);
        r->rng = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32 ^
                 (uint64_t)(uintptr_t)r;
    }
}

bool
irc_retry_status_retryable(const imagerouter_retry_config *cfg, int status)
{
    if (status >= 500 && status <= 599)
        return true;
    return status == 429 && cfg->retry_too_many_requests;
}

long
irc_retry_backoff(const imagerouter_retry_config *cfg, int n, uint64_t *rng)
{
    double d = (double)cfg->initial_interval_ms * pow((double)n, cfg->exponent);

    if (cfg->jitter_ms > 0)
        d += (double)(retry_rand(rng) % (uint64_t)cfg->jitter_ms);
    if (d > 1e12)
        d = 1e12;
    return (long)d;
}

bool
irc_retry_next(struct irc_retry *r, bool retryable, long retry_after_ms,
               long *delay_ms)
{
    const imagerouter_retry_config *cfg = r->cfg;
    long d;

    if (!retryable || cfg->strategy != IMAGEROUTER_RETRY_BACKOFF)
        return false;
    if (irc_retry_now(cfg) - r->start_ms > cfg->max_elapsed_ms)
        return false;
    d = retry_after_ms > 0 ? retry_after_ms
                           : irc_retry_backoff(cfg, r->retries, &r->rng);
    if (d > cfg->max_interval_ms)
        d = cfg->max_interval_ms;
    if (d < 0)
        d = 0;
    r->retries++;
    *delay_ms = d;
    return true;
}

void
irc_retry_sleep(const imagerouter_retry_config *cfg, long ms)
{
    struct timespec ts;

    if (cfg->sleep) {
        cfg->sleep(ms, cfg->sleep_arg);
        return;
    }
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}
