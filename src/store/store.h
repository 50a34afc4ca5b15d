/* SPDX-License-Identifier: Apache-2.0
 * store/store.h - keys, credit and the generation ledger, on SQLite (the
 * default, a file path) or PostgreSQL (a postgres:// URL).
 *
 * Two layers. The synchronous calls below take a struct ir_store_conn and
 * block; the CLI uses them directly. The server never calls them on the
 * event loop: it wraps them in ir_store_run(), which runs a function on a
 * store thread (each with its own connection) and calls back on the loop.
 * Amounts are integer nano-dollars (1 USD = 1,000,000,000): catalog prices
 * go down to $2.5e-7 per token and observed charges to $0.0448255, which
 * micro-dollars cannot hold exactly.
 */
#ifndef IR_STORE_STORE_H
#define IR_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct event_base;
struct ir_store;
struct ir_store_conn;

#define IR_KEY_HASH_LEN 64 /* hex SHA-256 */
#define IR_NANOS_NONE (-1) /* "no limit" / "unknown cost" */

struct ir_key {
    char hash[IR_KEY_HASH_LEN + 1]; /* sha256 hex of the plaintext key */
    char label[32];                 /* "sk-ir-v1-abc...xyz" for display */
    char name[128];
    bool management;
    bool disabled;
    int64_t limit_nanos;           /* IR_NANOS_NONE = no limit */
    char limit_reset[16];           /* "", "daily", "weekly", "monthly" */
    int64_t usage_nanos;           /* spent in the current reset period */
    int64_t usage_total_nanos;     /* spent ever */
    int64_t reserved_nanos;        /* held by in-flight requests */
    int64_t period_start;           /* unix s: start of the usage period */
    int64_t created_at;             /* unix s */
    int64_t updated_at;             /* unix s, 0 = never */
    int64_t expires_at;             /* unix s, 0 = never */
    int rate_limit_requests;        /* 0 = unlimited */
    int rate_limit_interval_s;
};

struct ir_generation {
    char id[64];                    /* gen-img-<unix>-<20 chars> */
    char key_hash[IR_KEY_HASH_LEN + 1];
    char model[128];
    char provider_name[64];
    char provider_slug[64];
    char status[16];                /* "success", "error", "cancelled" */
    int http_status;
    int64_t created_at;             /* unix s */
    int64_t latency_ms;             /* request start to response */
    int64_t generation_ms;          /* provider time */
    int64_t cost_nanos;            /* IR_NANOS_NONE = unknown */
    int64_t prompt_tokens, completion_tokens, image_tokens;
    int num_images;
    int attempts;
    bool streamed, cancelled;
    char referer[256];
    char title[128];
    char categories[128];
    char error_message[256];
};

/* ---- lifecycle ---------------------------------------------------- */

/* Opens the database named by url (a path, or postgres://...), runs the
 * schema migrations. For the server: nthreads store threads each with a
 * connection, completions on base. */
ir_err ir_store_open(const char *url, struct event_base *base,
                     unsigned nthreads, struct ir_store **out,
                     struct ir_diag *d) IR_MUST_CHECK;
void ir_store_free(struct ir_store *s);

/* A direct, blocking connection (CLI, tests). Migrates on open. */
ir_err ir_store_conn_open(const char *url, struct ir_store_conn **out,
                          struct ir_diag *d) IR_MUST_CHECK;
void ir_store_conn_close(struct ir_store_conn *c);

/* Runs fn(conn, arg) on a store thread, then done(arg) on the loop. */
typedef void ir_store_fn(struct ir_store_conn *c, void *arg);
typedef void ir_store_done_cb(void *arg);
ir_err ir_store_run(struct ir_store *s, ir_store_fn *fn,
                    ir_store_done_cb *done, void *arg) IR_MUST_CHECK;

/* ---- keys (blocking) --------------------------------------------- */

/* Creates a key; plaintext (the secret, shown once) goes to out_plain,
 * which must hold at least 80 bytes. */
ir_err ir_store_key_create(struct ir_store_conn *c, const char *name,
                           bool management, int64_t limit_nanos,
                           const char *limit_reset, int64_t expires_at,
                           char *out_plain, size_t plain_size,
                           struct ir_key *out, struct ir_diag *d)
    IR_MUST_CHECK;
ir_err ir_store_key_get(struct ir_store_conn *c, const char *hash,
                        struct ir_key *out, struct ir_diag *d) IR_MUST_CHECK;
/* Every key, newest first; caller frees *out with ir_free. */
ir_err ir_store_key_list(struct ir_store_conn *c, struct ir_key **out,
                         size_t *n, struct ir_diag *d) IR_MUST_CHECK;
ir_err ir_store_key_count(struct ir_store_conn *c, size_t *n,
                          struct ir_diag *d) IR_MUST_CHECK;
/* sha256 hex of a plaintext key. */
void ir_store_key_hash(const char *plain, char out[IR_KEY_HASH_LEN + 1]);

/* ---- generations (blocking) -------------------------------------- */

ir_err ir_store_generation_insert(struct ir_store_conn *c,
                                  const struct ir_generation *g,
                                  struct ir_diag *d) IR_MUST_CHECK;
ir_err ir_store_generation_get(struct ir_store_conn *c, const char *id,
                               struct ir_generation *out, struct ir_diag *d)
    IR_MUST_CHECK;

#endif
