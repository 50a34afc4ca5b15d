/* SPDX-License-Identifier: Apache-2.0
 * server/server.c - builds the process from its configuration, runs the
 * loop, shuts down gracefully on SIGINT/SIGTERM: stop accepting, let
 * in-flight generations finish (bounded), then free everything.
 */
#include "server/server.h"

#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "api/api.h"
#include "catalog/catalog.h"
#include "routing/health.h"
#include "routing/metrics.h"
#include "routing/tokens.h"
#include "server/http_server.h"
#include "store/store.h"
#include "upstream/client.h"
#include "util/bigblock.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/time.h"
#include "util/workers.h"

#define SERVER_DRAIN_S 30

void
ir_config_default(struct ir_config *c)
{
    memset(c, 0, sizeof *c);
    (void)snprintf(c->listen_host, sizeof c->listen_host, "127.0.0.1");
    c->listen_port = 8080;
    (void)snprintf(c->db, sizeof c->db, "data/imagerouter.db");
    c->max_body = 64u * 1024 * 1024;
    c->request_deadline_s = 600;
    c->connect_timeout_s = 10;
    c->first_byte_timeout_s = 300;
    c->worker_threads = 2;
    c->store_threads = 4;
    c->bootstrap_keys = true;
    c->log_level = IR_LOG_INFO;
}

static const char *
server_getenv(const char *name, void *arg)
{
    (void)arg;
    return getenv(name);
}

static void
server_signal_cb(evutil_socket_t sig, short what, void *arg)
{
    struct ir_server *s = arg;
    struct timeval tv = {SERVER_DRAIN_S, 0};
    struct timeval tick = {0, 100000};

    (void)what;
    if (s->stopping) {
        event_base_loopbreak(s->base); /* second signal: now */
        return;
    }
    ir_log_info("signal %d: draining %zu request(s), then exiting",
                (int)sig, ir_http_server_inflight(s->http));
    s->stopping = true;
    ir_http_server_stop_accepting(s->http);
    event_base_loopexit(s->base, &tv);
    /* An idle router has no timer waking it; the drain check ticks
     * only from here on. */
    if (s->drain_ev != NULL)
        event_add(s->drain_ev, &tick);
}

/* While draining, leave as soon as nothing is in flight. */
static void
server_drain_check(evutil_socket_t fd, short what, void *arg)
{
    struct ir_server *s = arg;

    (void)fd;
    (void)what;
    ir_bigblock_trim(ir_time_mono_ms(), 0);
    if (s->stopping && ir_http_server_inflight(s->http) == 0 &&
        ir_workers_pending(s->workers) == 0)
        event_base_loopbreak(s->base);
}

/* Names this instance in the store and gives back the credit its
 * previous life (same id, killed mid-request) still held. */
static ir_err
server_claim(struct ir_server *s, struct ir_diag *d)
{
    char host[64];
    size_t released = 0;
    ir_err err;

    if (s->cfg.instance_id[0] == '\0') {
        if (gethostname(host, sizeof host) != 0)
            (void)snprintf(host, sizeof host, "localhost");
        host[sizeof host - 1] = '\0';
        if (snprintf(s->cfg.instance_id, sizeof s->cfg.instance_id, "%s:%d",
                     host, s->cfg.listen_port) < 0)
            return IR_EINTERNAL;
    }
    err = ir_store_claim(s->store, s->cfg.instance_id, &released, d);
    if (err == IR_OK && released > 0)
        ir_log_info("store: instance %s gave back %zu credit hold(s) of "
                    "its previous run", s->cfg.instance_id, released);
    return err;
}

/* Descriptors kept back from the in-flight cap, beyond those open at
 * start: clients being told 503, idle keep-alive connections, fan-out
 * and reference downloads. */
#define SERVER_FD_SPARE 64

/* Descriptors open now (the listener, store, event and worker plumbing),
 * or a guess without /proc. */
static size_t
server_open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    size_t n = 0;

    if (d == NULL)
        return 32;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n > 0 ? n - 1 : 0; /* not the directory's own */
}

/* Each held generation keeps two sockets open: the client's and the
 * provider's. Past that the next upstream socket() fails with EMFILE, so
 * refuse politely before: (limit - open now - spare) / 2. */
static size_t
server_default_inflight(void)
{
    struct rlimit rl;
    size_t lim, used = server_open_fds() + SERVER_FD_SPARE;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
        rl.rlim_cur > (rlim_t)SIZE_MAX / 2)
        return 100000;
    lim = (size_t)rl.rlim_cur;
    return lim > used + 2 ? (lim - used) / 2 : 1;
}

ir_err
ir_server_new(const struct ir_config *cfg, struct ir_server **out,
              struct ir_diag *d)
{
    struct ir_server *s;
    struct ir_http_limits limits;
    ir_err err;

    s = ir_calloc(1, sizeof *s);
    if (s == NULL)
        return IR_ENOMEM;
    s->cfg = *cfg;
    ir_log_set_level((enum ir_log_level)cfg->log_level);
    /* Before the base exists: store and worker threads activate events
     * on it, and only a base made after this has the lock and the wakeup
     * that needs (one made before is silently unlocked). */
    if (evthread_use_pthreads() != 0) {
        err = IR_EINTERNAL;
        goto fail;
    }
    s->base = event_base_new();
    if (s->base == NULL) {
        err = IR_ENOMEM;
        goto fail;
    }
    if ((err = ir_workers_new(s->base, cfg->worker_threads, &s->workers)))
        goto fail;
    if ((err = ir_catalog_load_default(cfg->catalog_path[0]
                                           ? cfg->catalog_path : NULL,
                                       server_getenv, NULL, &s->catalog, d)))
        goto fail;
    if ((err = ir_store_open(cfg->db, s->base, cfg->store_threads, &s->store,
                             d)) ||
        (err = server_claim(s, d)))
        goto fail;
    /* Holds of requests that died with their process are given back. */
    if ((err = ir_store_sweep_start(s->store, 30)))
        goto fail;
    if ((err = ir_upstream_new(s->base, &s->upstream)) ||
        (err = ir_routing_health_new(&s->health)) ||
        (err = ir_routing_tokens_new(&s->tokens)) ||
        (err = ir_routing_metrics_new(&s->metrics)))
        goto fail;
    ir_http_limits_default(&limits);
    limits.max_body = cfg->max_body;
    if ((err = ir_http_server_new(s->base, cfg->listen_host, cfg->listen_port,
                                  &limits, &s->http, d)))
        goto fail;
    /* With the store, workers and listener open: what is left. */
    if (s->cfg.max_inflight == 0)
        s->cfg.max_inflight = server_default_inflight();
    if ((err = ir_api_install(s))) {
        ir_diag_set(d, "installing routes: %s", ir_strerror(err));
        goto fail;
    }
    s->sigint_ev = evsignal_new(s->base, SIGINT, server_signal_cb, s);
    s->sigterm_ev = evsignal_new(s->base, SIGTERM, server_signal_cb, s);
    if (s->sigint_ev == NULL || s->sigterm_ev == NULL) {
        err = IR_ENOMEM;
        goto fail;
    }
    evsignal_add(s->sigint_ev, NULL);
    evsignal_add(s->sigterm_ev, NULL);
    *out = s;
    return IR_OK;
fail:
    ir_server_free(s);
    return err;
}

int
ir_server_run(struct ir_server *s)
{
    /* Without it, a stop waits out SERVER_DRAIN_S; added on a signal. */
    s->drain_ev = event_new(s->base, -1, EV_PERSIST, server_drain_check, s);
    ir_mem_trim();
    event_base_dispatch(s->base);
    if (s->drain_ev != NULL)
        event_free(s->drain_ev);
    s->drain_ev = NULL;
    return 0;
}

void
ir_server_free(struct ir_server *s)
{
    if (s == NULL)
        return;
    if (s->sigint_ev != NULL)
        event_free(s->sigint_ev);
    if (s->sigterm_ev != NULL)
        event_free(s->sigterm_ev);
    /* Connections first (aborting their generations), then the engines
     * those generations used. */
    ir_http_server_free(s->http);
    ir_upstream_free(s->upstream);
    ir_workers_free(s->workers);
    ir_store_free(s->store);
    ir_api_free(s->api);
    ir_routing_metrics_free(s->metrics);
    ir_routing_health_free(s->health);
    ir_routing_tokens_free(s->tokens);
    ir_catalog_free(s->catalog);
    if (s->base != NULL)
        event_base_free(s->base);
    ir_bigblock_trim(0, 1);
    ir_free(s);
}
