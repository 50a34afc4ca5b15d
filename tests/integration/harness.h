/* SPDX-License-Identifier: Apache-2.0
 * tests/integration/harness.h - runs the real imagerouter binary on a
 * free loopback port with a temporary store, and talks HTTP to it.
 */
#ifndef IR_TEST_HARNESS_H
#define IR_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

struct th_server {
    pid_t pid;
    int port;
    char dir[256];      /* temp dir: store, logs */
    char db[512];
    char base[128];     /* http://127.0.0.1:PORT */
    char key[128];      /* an ordinary key */
    char mgmt_key[128]; /* a management key */
    char log_path[512];
};

struct th_resp {
    long status;
    char *body;         /* NUL-terminated */
    size_t len;
    char *headers;      /* raw header block */
    json_t *json;       /* parsed body, or NULL */
};

/* Path of the binary under test (IR_BIN). */
const char *th_bin(void);

/* Starts `imagerouter serve` with extra args (NULL-terminated) and env
 * (NULL-terminated "K=V" list or NULL), creates keys, waits for /health.
 * Aborts the test on failure. */
void th_server_start(struct th_server *s, const char *const *extra_args,
                     const char *const *env);
/* The same on the store at db (a path or postgres:// URL; NULL = a new
 * temporary SQLite file). Several servers may share one PostgreSQL
 * store; each creates its own pair of keys in it. */
void th_server_start_db(struct th_server *s, const char *db,
                        const char *const *extra_args,
                        const char *const *env);
/* Servers started from now on run with RLIMIT_NOFILE soft = hard = n
 * (set in the child before exec); 0 = inherit. */
void th_server_nofile(unsigned long n);
/* SIGTERM, wait; returns the exit status (0 = clean, incl. ASan). */
int th_server_stop(struct th_server *s);
/* SIGKILL, wait: a crash. The store, log and keys stay for a restart. */
void th_server_kill(struct th_server *s);
/* Starts a killed server again (th_server_stop removes its store): same
 * store, port, log and keys; pass the same --instance-id to be the same
 * instance. */
void th_server_restart(struct th_server *s, const char *const *extra_args,
                       const char *const *env);

/* Runs the binary with args; captures stdout into out (caller frees). */
int th_run(const char *const *args, char **out);

/* HTTP. headers is a NULL-terminated list of "Name: value". */
void th_request(const char *method, const char *url,
                const char *const *headers, const char *body, size_t len,
                struct th_resp *r);
void th_post_json(const struct th_server *s, const char *path,
                  const char *key, const char *body, struct th_resp *r);
void th_get(const struct th_server *s, const char *path, const char *key,
            struct th_resp *r);
void th_resp_free(struct th_resp *r);
/* A response header's value (case-insensitive) into buf; NULL if absent. */
const char *th_header(const struct th_resp *r, const char *name, char *buf,
                      size_t size);

/* Decodes b64 and checks it is an image of the given format name
 * ("png", "jpeg", "webp", "svg") and pixel size (0 = any). */
bool th_check_image(const char *b64, const char *format, int w, int h,
                    char *why, size_t whysize);

/* One request of th_parallel: POST body (GET when NULL) to url. */
struct th_par {
    const char *url, *key, *body; /* in; borrowed */
    long status;                  /* out: 0 = no complete answer */
    int curl_code;                /* out: CURLcode */
    char gen_id[80];              /* out: X-Generation-Id, or "" */
    char retry_after[16];         /* out: Retry-After, or "" */
    char *response;               /* out: body; th_par_free */
    size_t response_len;
};

/* Runs n requests with libcurl multi from this thread, each on its own
 * connection, at most max_parallel at once (0 = all n). tick (optional)
 * runs after each completion with the count so far: it may, e.g., kill
 * the server mid-load. */
void th_parallel(struct th_par *reqs, size_t n, size_t max_parallel,
                 void (*tick)(size_t done, void *arg), void *arg);
void th_par_free(struct th_par *reqs, size_t n);

/* One answer of th_post_batch. */
struct th_batch_item {
    long status;           /* 0 = no HTTP answer */
    bool image;            /* the body carries a b64_json image */
    char gen_id[64];       /* X-Generation-Id, "" when absent */
    char provider[64];     /* X-Provider-Name, "" when absent */
};

/* POSTs the JSON body to path n times with key, at most conc at once
 * (libcurl multi), and fills items[0..n-1] in order. Each request may
 * take 30 s; after one gets no HTTP answer no more are started (those
 * keep status 0), so a hung server fails the test instead of stalling
 * it. */
void th_post_batch(const struct th_server *s, const char *path,
                   const char *key, const char *body, size_t n, int conc,
                   struct th_batch_item *items);

/* A free TCP port on 127.0.0.1. */
int th_free_port(void);

/* Does pid map a file whose path contains needle (/proc/PID/maps)? */
bool th_maps_have(pid_t pid, const char *needle);

#endif
