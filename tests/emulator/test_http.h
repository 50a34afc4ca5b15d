/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/test_http.h - helpers for emulator.wire: start/stop the
 * emulator, one HTTP call through libcurl, JSON paths, image checks.
 */
#ifndef EMU_TEST_HTTP_H
#define EMU_TEST_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>

struct resp {
    long status;
    char *body;
    size_t len;
    char ctype[128];
    char retry_after[32];
    CURLcode rc;
    double secs;
    json_t *json;                  /* owned, NULL unless JSON */
};

extern char emu_test_base[64];
extern int emu_test_failures, emu_test_checks;

#define CHECK(cond, ...) check_((cond), __LINE__, __VA_ARGS__)
void check_(int ok, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Starts it with every key "k-all" (OpenAI: "sk-test") and k's public
 * half as the Vertex service-account key. */
void start_emulator(const char *path, EVP_PKEY *k);
void stop_emulator(void);
void on_signal(int sig);
/* url: a path on the emulator or an absolute URL. hdrs: NULL-terminated. */
struct resp http(const char *method, const char *url,
                 const char *const *hdrs, const char *body, curl_mime *mime,
                 long timeout_ms);
struct resp post(const char *url, const char *auth, const char *body);
void resp_free(struct resp *r);
/* POST /_emu/script and check it was queued. */
void script(const char *json);
/* "a.b.0.c" into a JSON value (borrowed), and its string ("" if none). */
json_t *jget(json_t *j, const char *path);
const char *jstr(json_t *j, const char *path);
void check_image(const void *data, size_t len, bool b64, int w, int h,
                 const char *fmt, const char *what);

#endif
