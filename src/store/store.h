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
    /* Kept for the accounts API; imagerouter has no BYOK usage yet. */
    bool include_byok_in_limit;
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
    /* Added for GET /api/v1/generation; "" = null. */
    char upstream_id[128];
    char finish_reason[32];
    char user_agent[256];
    char provider_responses[4096]; /* JSON array text of the attempts */
};

/* A key's spending in the current UTC day / week (Monday-Sunday) / month,
 * summed from the generation ledger, for GET /api/v1/key. */
struct ir_key_usage {
    int64_t total_nanos;
    int64_t daily_nanos;
    int64_t weekly_nanos;
    int64_t monthly_nanos;
};

/* Which fields ir_store_key_update() changes. */
enum ir_key_field {
    IR_KEY_SET_NAME = 1u << 0,
    IR_KEY_SET_DISABLED = 1u << 1,
    IR_KEY_SET_LIMIT = 1u << 2,
    IR_KEY_SET_LIMIT_RESET = 1u << 3,
    IR_KEY_SET_EXPIRES = 1u << 4,
    IR_KEY_SET_RATE_LIMIT = 1u << 5,
    IR_KEY_SET_MANAGEMENT = 1u << 6,
    IR_KEY_SET_BYOK = 1u << 7,
};

struct ir_key_update {
    unsigned fields; /* IR_KEY_SET_* */
    const char *name;
    bool disabled;
    int64_t limit_nanos;     /* IR_NANOS_NONE = no limit */
    const char *limit_reset; /* "", NULL, "daily", "weekly", "monthly" */
    int64_t expires_at;      /* 0 = never */
    int rate_limit_requests; /* 0 = unlimited */
    int rate_limit_interval_s;
    bool management;
    bool include_byok_in_limit;
};

/* One row of the per-app attribution report: successful generations
 * grouped by UTC day, referer, title, categories, model and provider. */
struct ir_store_app_usage {
    int64_t day; /* unix s of the UTC midnight starting the day */
    char referer[256];
    char title[128];
    char categories[128];
    char model[128];
    char provider_name[64];
    int64_t requests;
    int64_t images;
    int64_t cost_nanos; /* unknown costs count as 0 */
    int64_t prompt_tokens, completion_tokens, image_tokens;
};

#define IR_STORE_RESERVATION_ID_LEN 28 /* "rsv-" + 24 alphanumerics */
#define IR_STORE_INSTANCE_MAX 128      /* bytes of an instance id, with NUL */
#define IR_STORE_MAX_ROWS 100000       /* cap on one report's rows */

/* ---- lifecycle ---------------------------------------------------- */

/* Opens the database named by url (a path, or postgres://...), runs the
 * schema migrations. For the server: nthreads store threads each with a
 * connection, completions on base. */
ir_err ir_store_open(const char *url, struct event_base *base,
                     unsigned nthreads, struct ir_store **out,
                     struct ir_diag *d) IR_MUST_CHECK;
/* Jobs still queued are dropped without their done callback: call once
 * every ir_store_run() has completed, and never from inside a done. */
void ir_store_free(struct ir_store *s);
/* Every interval_s, release expired reservations (ir_store_sweep) on a
 * store thread. The timer keeps the loop alive; ir_store_free stops it. */
ir_err ir_store_sweep_start(struct ir_store *s, unsigned interval_s)
    IR_MUST_CHECK;

/* Names this instance (struct ir_config.instance_id, e.g. "host:8080"):
 * its credit holds are marked with the id from now on. Then gives back
 * every hold still marked with it: a process with this id died between
 * reserve and settle, and as this process now has the id, that one is
 * not alive. Holds of other instances wait for their expiry (they may be
 * alive). Two live instances must never share an id. Blocking; call once
 * after ir_store_open, before the first ir_store_run. *released
 * (optional) gets how many holds were given back. */
ir_err ir_store_claim(struct ir_store *s, const char *instance_id,
                      size_t *released, struct ir_diag *d) IR_MUST_CHECK;

/* A direct, blocking connection (CLI, tests). Migrates on open. One
 * thread at a time may use a connection; open one per thread. A SQLite
 * path's missing parent directories are created. */
ir_err ir_store_conn_open(const char *url, struct ir_store_conn **out,
                          struct ir_diag *d) IR_MUST_CHECK;
void ir_store_conn_close(struct ir_store_conn *c);
/* Tests: pin this connection's clock to now (unix s); 0 = the real clock.
 * Every call below that needs "now" reads it from here. */
void ir_store_conn_set_now(struct ir_store_conn *c, int64_t now);
/* "sqlite" or "postgres". */
const char *ir_store_conn_backend(const struct ir_store_conn *c);
/* Marks this connection's holds with owner (an instance id, shorter than
 * IR_STORE_INSTANCE_MAX) instead of the random id it opened with. */
ir_err ir_store_conn_set_owner(struct ir_store_conn *c, const char *owner)
    IR_MUST_CHECK;

/* Runs fn(conn, arg) on a store thread, then done(arg) on the loop.
 * Call from the loop thread. On SQLite, jobs queued together share one
 * transaction (group commit) and done runs once it committed; should
 * that COMMIT fail, a job that wrote runs again on its own, so fn must
 * set all its outputs afresh each time (as ir_store_db_tx's fn). */
typedef void ir_store_fn(struct ir_store_conn *c, void *arg);
typedef void ir_store_done_cb(void *arg);
ir_err ir_store_run(struct ir_store *s, ir_store_fn *fn,
                    ir_store_done_cb *done, void *arg) IR_MUST_CHECK;

/* As ir_store_run, for a job whose writes need not survive a power cut
 * on their own: on SQLite, a batch made only of such jobs commits
 * without an fsync (synchronous=NORMAL), and the next synced commit
 * (any other job's) makes it durable too, as the WAL is written in
 * order. A crash of the process loses nothing either way. For credit
 * holds, which a restart gives back anyway (ir_store_claim, the sweep);
 * never for a charge or a generation record. Same as ir_store_run on
 * PostgreSQL. */
ir_err ir_store_run_nosync(struct ir_store *s, ir_store_fn *fn,
                           ir_store_done_cb *done, void *arg) IR_MUST_CHECK;

/* What the store threads did so far (tests, benchmarks). */
struct ir_store_stats {
    uint64_t jobs;    /* jobs run through group commit */
    uint64_t batches; /* batches they formed */
    uint64_t commits; /* transactions that wrote and committed */
    uint64_t nosync;  /* of those, committed without an fsync */
};
/* All zero on PostgreSQL, which does not batch. */
void ir_store_stats(struct ir_store *s, struct ir_store_stats *out);

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
/* One page of keys, newest first; disabled ones only if asked. */
ir_err ir_store_key_list_page(struct ir_store_conn *c, size_t offset,
                              size_t limit, bool include_disabled,
                              struct ir_key **out, size_t *n,
                              struct ir_diag *d) IR_MUST_CHECK;
/* Looks a plaintext key up. IR_ENOTFOUND for an unknown or malformed key;
 * IR_EDENIED with *reason "key_disabled" or "key_expired". */
ir_err ir_store_key_auth(struct ir_store_conn *c, const char *plain,
                         struct ir_key *out, const char **reason,
                         struct ir_diag *d) IR_MUST_CHECK;
/* Changes the fields named in u->fields; out (optional) gets the result.
 * Changing limit_reset restarts the usage period at the current one. */
ir_err ir_store_key_update(struct ir_store_conn *c, const char *hash,
                           const struct ir_key_update *u, struct ir_key *out,
                           struct ir_diag *d) IR_MUST_CHECK;
/* The ledger keeps the key's generations; open reservations run out. */
ir_err ir_store_key_delete(struct ir_store_conn *c, const char *hash,
                           struct ir_diag *d) IR_MUST_CHECK;
ir_err ir_store_key_usage(struct ir_store_conn *c, const char *hash,
                          struct ir_key_usage *out, struct ir_diag *d)
    IR_MUST_CHECK;
/* "sk-ir-v1-" + 48 hex: the shape of a plaintext key. */
bool ir_store_key_plain_valid(const char *plain);
/* NULL, "", "daily", "weekly" or "monthly". */
bool ir_store_limit_reset_valid(const char *limit_reset);
/* Start (unix s) of the UTC period that holds now (now > 0): "daily"
 * midnight, "weekly" Monday midnight, "monthly" the 1st; 0 for "" or NULL
 * (no reset), -1 for an unknown name. */
int64_t ir_store_period_start(const char *limit_reset, int64_t now);

/* ---- money (blocking) -------------------------------------------- */

/* Holds amount_nanos of the key's limit (and of the account's credits,
 * when set) for ttl_s seconds. IR_EDENIED with *reason one of
 * "key_disabled", "key_expired", "key_limit_exceeded",
 * "insufficient_credits"; IR_ENOTFOUND for an unknown key. Atomic across
 * processes: concurrent reservations can never overdraw a limit. */
ir_err ir_store_reserve(struct ir_store_conn *c, const char *key_hash,
                        int64_t amount_nanos, unsigned ttl_s,
                        char out_id[IR_STORE_RESERVATION_ID_LEN + 1],
                        const char **reason, struct ir_diag *d)
    IR_MUST_CHECK;
/* In one transaction: drops the reservation, moves actual_nanos into the
 * key's usage and the account's, and records g (optional). If the
 * reservation already ran out and was swept, the charge still lands on
 * g->key_hash: a delivered generation is always billed. */
ir_err ir_store_settle(struct ir_store_conn *c, const char *reservation_id,
                       int64_t actual_nanos, const struct ir_generation *g,
                       struct ir_diag *d) IR_MUST_CHECK;
/* A failed or cancelled generation: gives the hold back, charges nothing,
 * records g (optional) in the same transaction. */
ir_err ir_store_release(struct ir_store_conn *c, const char *reservation_id,
                        const struct ir_generation *g, struct ir_diag *d)
    IR_MUST_CHECK;
/* Releases every reservation whose ttl ran out (crashed requests, crashed
 * instances); *released (optional) gets how many. */
ir_err ir_store_sweep(struct ir_store_conn *c, size_t *released,
                      struct ir_diag *d) IR_MUST_CHECK;

/* Releases every hold marked with owner, expired or not (see
 * ir_store_claim); *released (optional) gets how many. */
ir_err ir_store_release_owner(struct ir_store_conn *c, const char *owner,
                              size_t *released, struct ir_diag *d)
    IR_MUST_CHECK;
/* Open holds of one key (key_hash NULL: of every key): how many, and
 * their sum in nanos. */
ir_err ir_store_reservations(struct ir_store_conn *c, const char *key_hash,
                             size_t *n, int64_t *nanos, struct ir_diag *d)
    IR_MUST_CHECK;

/* Account credit for GET /api/v1/credits. total is IR_NANOS_NONE until
 * credits are first granted (no account-wide cap); usage is every charge
 * ever settled. */
ir_err ir_store_credits_get(struct ir_store_conn *c, int64_t *total_nanos,
                            int64_t *usage_nanos, struct ir_diag *d)
    IR_MUST_CHECK;
ir_err ir_store_credits_add(struct ir_store_conn *c, int64_t amount_nanos,
                            struct ir_diag *d) IR_MUST_CHECK;
/* Sets the total outright; IR_NANOS_NONE removes the account-wide cap. */
ir_err ir_store_credits_set(struct ir_store_conn *c, int64_t total_nanos,
                            struct ir_diag *d) IR_MUST_CHECK;

/* ---- rate limit (blocking) --------------------------------------- */

/* Counts one request of bucket (a key hash) in the fixed window of
 * interval_s seconds holding now. IR_EDENIED once more than limit fell in
 * the window, with *retry_after_s until it ends. limit <= 0 = no limit. */
ir_err ir_store_rate_hit(struct ir_store_conn *c, const char *bucket,
                         int limit, int interval_s, int64_t now,
                         int *retry_after_s, struct ir_diag *d)
    IR_MUST_CHECK;

/* ---- generations (blocking) -------------------------------------- */

ir_err ir_store_generation_insert(struct ir_store_conn *c,
                                  const struct ir_generation *g,
                                  struct ir_diag *d) IR_MUST_CHECK;
ir_err ir_store_generation_get(struct ir_store_conn *c, const char *id,
                               struct ir_generation *out, struct ir_diag *d)
    IR_MUST_CHECK;
/* Successful generations with from <= created_at < to, grouped as in
 * struct ir_store_app_usage, ordered by day; key_hash NULL = every key.
 * Caller frees *out with ir_free. IR_ETOOBIG past IR_STORE_MAX_ROWS. */
ir_err ir_store_app_usage(struct ir_store_conn *c, int64_t from, int64_t to,
                          const char *key_hash,
                          struct ir_store_app_usage **out, size_t *n,
                          struct ir_diag *d) IR_MUST_CHECK;

#endif
