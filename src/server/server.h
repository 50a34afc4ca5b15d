/* SPDX-License-Identifier: Apache-2.0
 * server/server.h - the process: configuration and the one struct that
 * holds the event loop, listener, catalog, store, workers and upstream
 * client. main() builds it and passes it down; there are no globals.
 */
#ifndef IR_SERVER_SERVER_H
#define IR_SERVER_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct event_base;
struct event;
struct ir_catalog;
struct ir_http_server;
struct ir_store;
struct ir_workers;
struct ir_upstream;
struct ir_health;
struct ir_tokens;
struct ir_metrics;
struct ir_api;

struct ir_config {
    char listen_host[64];
    int listen_port;
    char db[1024];             /* SQLite path or postgres:// URL */
    char catalog_path[1024];   /* "" = built-in only */
    size_t max_body;           /* bytes */
    int request_deadline_s;    /* whole generation */
    int connect_timeout_s;     /* to a provider */
    int first_byte_timeout_s;  /* provider's first response byte */
    unsigned worker_threads;   /* rendering, codecs */
    unsigned store_threads;
    /* Generations served at once; more get 503 with Retry-After before
     * anything is reserved. 0 = derived from RLIMIT_NOFILE at start. */
    size_t max_inflight;
    bool allow_private_refs;   /* fetch reference URLs from private IPs */
    bool bootstrap_keys;       /* create keys on an empty store */
    /* Names this process's credit holds in the store; on start, holds
     * still marked with it (a previous life that crashed) are given
     * back. Unique among live instances. "" = "<hostname>:<port>". */
    char instance_id[128];
    int log_level;
};

void ir_config_default(struct ir_config *c);

struct ir_server {
    struct event_base *base;
    struct ir_config cfg;
    struct ir_http_server *http;
    struct ir_catalog *catalog;
    struct ir_store *store;
    struct ir_workers *workers;
    struct ir_upstream *upstream;
    struct ir_health *health;
    struct ir_tokens *tokens;  /* OAuth tokens for credentials files */
    struct ir_metrics *metrics;
    struct ir_api *api;        /* cached renderings (model list) */
    size_t generations;        /* image requests being served now */
    struct event *sigint_ev, *sigterm_ev;
    struct event *drain_ev;     /* ticks only while stopping */
    bool stopping;
};

/* Builds everything from cfg and starts listening. */
ir_err ir_server_new(const struct ir_config *cfg, struct ir_server **out,
                     struct ir_diag *d) IR_MUST_CHECK;
/* Runs the loop until SIGINT/SIGTERM, then drains and returns. */
int ir_server_run(struct ir_server *s);
void ir_server_free(struct ir_server *s);

#endif
