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

/* A free TCP port on 127.0.0.1. */
int th_free_port(void);

#endif
