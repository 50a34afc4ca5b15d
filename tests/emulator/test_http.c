/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/test_http.c - helpers for emulator.wire: start/stop the
 * emulator, one HTTP call through libcurl, JSON paths, image checks.
 */
#include "test_http.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sys/wait.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <vips/vips.h>

#include "util.h"


static pid_t emu_pid = -1;
static char key_path[64] = "";
char emu_test_base[64];
int emu_test_failures, emu_test_checks;

void
check_(int ok, int line, const char *fmt, ...)
{
    va_list ap;

    emu_test_checks++;
    if (ok)
        return;
    emu_test_failures++;
    fprintf(stderr, "FAIL (line %d): ", line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void
stop_emulator(void)
{
    if (emu_pid > 0) {
        kill(emu_pid, SIGTERM);
        waitpid(emu_pid, NULL, 0);
        emu_pid = -1;
    }
    if (key_path[0] != '\0')
        unlink(key_path);
}

void
on_signal(int sig)
{
    stop_emulator();
    _exit(128 + sig);
}

static size_t
on_body(char *p, size_t sz, size_t n, void *arg)
{
    struct resp *r = arg;
    char *nb = realloc(r->body, r->len + sz * n + 1);

    if (nb == NULL)
        return 0;
    r->body = nb;
    memcpy(r->body + r->len, p, sz * n);
    r->len += sz * n;
    r->body[r->len] = '\0';
    return sz * n;
}

static size_t
on_header(char *p, size_t sz, size_t n, void *arg)
{
    struct resp *r = arg;
    size_t len = sz * n;

    if (len > 14 && strncasecmp(p, "content-type:", 13) == 0)
        snprintf(r->ctype, sizeof(r->ctype), "%.*s", (int)(len - 15),
                 p + 14);
    if (len > 13 && strncasecmp(p, "retry-after:", 12) == 0)
        snprintf(r->retry_after, sizeof(r->retry_after), "%.*s",
                 (int)(len - 14), p + 13);
    return len;
}

void
resp_free(struct resp *r)
{
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

/* One request. hdrs: NULL-terminated header lines. A body starting with
 * '{' or '[' is sent as JSON unless a Content-Type header is given. */
struct resp
http(const char *method, const char *url, const char *const *hdrs,
     const char *body, curl_mime *mime, long timeout_ms)
{
    struct resp r;
    CURL *h = curl_easy_init();
    struct curl_slist *sl = NULL;
    char full[1024];
    bool has_ct = false;

    memset(&r, 0, sizeof(r));
    snprintf(full, sizeof(full), "%s%s", strncmp(url, "http", 4) == 0 ? ""
             : emu_test_base, url);
    for (; hdrs != NULL && *hdrs != NULL; hdrs++) {
        sl = curl_slist_append(sl, *hdrs);
        if (strncasecmp(*hdrs, "content-type:", 13) == 0)
            has_ct = true;
    }
    if (body != NULL && !has_ct && (body[0] == '{' || body[0] == '['))
        sl = curl_slist_append(sl, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, full);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, sl);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms ? timeout_ms : 20000);
    if (body != NULL)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    if (mime != NULL)
        curl_easy_setopt(h, CURLOPT_MIMEPOST, mime);
    r.rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &r.secs);
    curl_easy_cleanup(h);
    curl_slist_free_all(sl);
    if (r.body != NULL)
        r.json = json_loadb(r.body, r.len, 0, NULL);
    return r;
}

struct resp
post(const char *url, const char *auth, const char *body)
{
    const char *h[] = { auth, NULL };

    return http("POST", url, auth ? h : NULL, body, NULL, 0);
}

void
script(const char *json)
{
    struct resp r = http("POST", "/_emu/script", NULL, json, NULL, 0);

    CHECK(r.status == 200, "script %s -> %ld %s", json, r.status,
          r.body ? r.body : "");
    resp_free(&r);
}

/* Path into a JSON value: "a.b.0.c". Borrowed. */
json_t *
jget(json_t *j, const char *path)
{
    char buf[256], *save = NULL, *tok;

    snprintf(buf, sizeof(buf), "%s", path);
    for (tok = strtok_r(buf, ".", &save); tok != NULL && j != NULL;
         tok = strtok_r(NULL, ".", &save)) {
        if (json_is_array(j))
            j = json_array_get(j, strtoul(tok, NULL, 10));
        else
            j = json_object_get(j, tok);
    }
    return j;
}

const char *
jstr(json_t *j, const char *path)
{
    const char *s = json_string_value(jget(j, path));

    return s ? s : "";
}

/* Decode an image (raw bytes or base64) and compare its size/format. */
void
check_image(const void *data, size_t len, bool b64, int w, int h,
            const char *fmt, const char *what)
{
    unsigned char *raw = NULL;
    size_t n = len;
    const char *kind;
    VipsImage *img;

    if (b64) {
        raw = emu_b64_decode(data, len, &n);
        CHECK(raw != NULL, "%s: base64 does not decode", what);
        if (raw == NULL)
            return;
        data = raw;
    }
    kind = emu_sniff(data, n);
    CHECK(kind != NULL && strcmp(kind, fmt) == 0, "%s: format %s, want %s",
          what, kind ? kind : "?", fmt);
    img = vips_image_new_from_buffer(data, n, "", NULL);
    CHECK(img != NULL, "%s: libvips cannot load it", what);
    if (img != NULL) {
        CHECK(vips_image_get_width(img) == w &&
              vips_image_get_height(img) == h, "%s: %dx%d, want %dx%d", what,
              vips_image_get_width(img), vips_image_get_height(img), w, h);
        g_object_unref(img);
    }
    vips_error_clear();
    free(raw);
}

void
start_emulator(const char *path, EVP_PKEY *k)
{
    int fds[2];
    FILE *f;
    char line[128];
    int fd;

    snprintf(key_path, sizeof(key_path), "/tmp/emu-test-key-XXXXXX");
    fd = mkstemp(key_path);
    f = fdopen(fd, "w");
    PEM_write_PUBKEY(f, k);
    fclose(f);
    if (pipe(fds) != 0)
        exit(2);
    emu_pid = fork();
    if (emu_pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        execl(path, path, "--port", "0", "--key", "k-all", "--key-openai",
              "sk-test", "--vertex-public-key", key_path,
              "--vertex-client-email", "sa@p.iam.gserviceaccount.com",
              "--quiet", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    f = fdopen(fds[0], "r");
    if (f == NULL || fgets(line, sizeof(line), f) == NULL ||
        strncmp(line, "listening 127.0.0.1:", 20) != 0) {
        fprintf(stderr, "emulator did not start\n");
        exit(1);
    }
    snprintf(emu_test_base, sizeof(emu_test_base), "http://127.0.0.1:%d", atoi(line + 20));
}

