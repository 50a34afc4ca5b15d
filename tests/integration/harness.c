/* SPDX-License-Identifier: Apache-2.0
 * tests/integration/harness.c - process and HTTP helpers for the
 * integration tests.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "image/base64.h"
#include "image/image.h"
#include "util/mem.h"

static void
th_die(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fprintf(stderr, "harness: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

const char *
th_bin(void)
{
    const char *b = getenv("IR_BIN");

    if (b == NULL)
        th_die("IR_BIN is not set");
    return b;
}

int
th_free_port(void)
{
    struct sockaddr_in a = {0};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;

    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        th_die("no free port: %s", strerror(errno));
    port = ntohs(a.sin_port);
    close(fd);
    return port;
}

int
th_run(const char *const *args, char **out)
{
    int pfd[2], status;
    pid_t pid;
    size_t cap = 4096, len = 0;
    char *buf;
    ssize_t n;

    if (pipe(pfd) != 0)
        th_die("pipe: %s", strerror(errno));
    pid = fork();
    if (pid == 0) {
        dup2(pfd[1], 1);
        close(pfd[0]);
        execv(args[0], (char *const *)args);
        _exit(127);
    }
    close(pfd[1]);
    buf = malloc(cap);
    while ((n = read(pfd[0], buf + len, cap - len - 1)) > 0) {
        len += (size_t)n;
        if (cap - len < 2)
            buf = realloc(buf, cap *= 2);
    }
    buf[len] = '\0';
    close(pfd[0]);
    waitpid(pid, &status, 0);
    if (out != NULL)
        *out = buf;
    else
        free(buf);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* The last non-empty line of s, copied into dst. */
static void
th_last_line(const char *s, char *dst, size_t size)
{
    const char *end = s + strlen(s), *start;

    while (end > s && (end[-1] == '\n' || end[-1] == '\r'))
        end--;
    start = end;
    while (start > s && start[-1] != '\n')
        start--;
    (void)snprintf(dst, size, "%.*s", (int)(end - start), start);
}

static void
th_create_key(struct th_server *s, const char *name, bool mgmt, char *dst,
              size_t size)
{
    const char *args[] = {th_bin(), "keys", "create", "--db", s->db,
                          "--name", name, mgmt ? "--management" : NULL,
                          NULL};
    char *out;

    if (th_run(args, &out) != 0)
        th_die("keys create failed: %s", out);
    th_last_line(out, dst, size);
    free(out);
}

static unsigned long th_nofile;

void
th_server_nofile(unsigned long n)
{
    th_nofile = n;
}

/* Runs `imagerouter serve` on s->db; on s->port when set (a restart),
 * else on a free port. Waits for /health. */
static void
th_server_launch(struct th_server *s, const char *const *extra_args,
                 const char *const *env)
{
    const char *args[64];
    char listen[64];
    struct th_resp r;
    size_t n = 0, i;
    int tries, logfd;
    bool fixed = s->port != 0;

    for (tries = 0; tries < (fixed ? 1 : 5); tries++) {
        if (!fixed)
            s->port = th_free_port();
        (void)snprintf(listen, sizeof listen, "127.0.0.1:%d", s->port);
        (void)snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d",
                       s->port);
        n = 0;
        args[n++] = th_bin();
        args[n++] = "serve";
        args[n++] = "--listen";
        args[n++] = listen;
        args[n++] = "--db";
        args[n++] = s->db;
        args[n++] = "--no-bootstrap";
        for (i = 0; extra_args != NULL && extra_args[i] != NULL && n < 63;
             i++)
            args[n++] = extra_args[i];
        args[n] = NULL;
        s->pid = fork();
        if (s->pid == 0) {
            logfd = open(s->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (logfd >= 0) {
                dup2(logfd, 1);
                dup2(logfd, 2);
            }
            for (i = 0; env != NULL && env[i] != NULL; i++)
                putenv((char *)env[i]);
            if (th_nofile != 0) {
                struct rlimit rl = {th_nofile, th_nofile};

                if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
                    _exit(126);
            }
            execv(args[0], (char *const *)args);
            _exit(127);
        }
        /* Wait for /health (ASan builds start slower). */
        for (i = 0; i < 300; i++) {
            int st;

            if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
                s->pid = 0;
                break; /* died: port taken? try another */
            }
            th_get(s, "/health", NULL, &r);
            if (r.status == 200) {
                th_resp_free(&r);
                return;
            }
            th_resp_free(&r);
            usleep(20000);
        }
        if (s->pid != 0) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, NULL, 0);
            s->pid = 0;
        }
    }
    th_die("the server did not start; see %s", s->log_path);
}

void
th_server_start_db(struct th_server *s, const char *db,
                   const char *const *extra_args, const char *const *env)
{
    memset(s, 0, sizeof *s);
    (void)snprintf(s->dir, sizeof s->dir, "/tmp/ir-itest-XXXXXX");
    if (mkdtemp(s->dir) == NULL)
        th_die("mkdtemp: %s", strerror(errno));
    if (db != NULL)
        (void)snprintf(s->db, sizeof s->db, "%s", db);
    else
        (void)snprintf(s->db, sizeof s->db, "%s/store.db", s->dir);
    (void)snprintf(s->log_path, sizeof s->log_path, "%s/server.log",
                   s->dir);
    th_create_key(s, "itest", false, s->key, sizeof s->key);
    th_create_key(s, "itest-admin", true, s->mgmt_key, sizeof s->mgmt_key);
    th_server_launch(s, extra_args, env);
}

void
th_server_start(struct th_server *s, const char *const *extra_args,
                const char *const *env)
{
    th_server_start_db(s, NULL, extra_args, env);
}

void
th_server_kill(struct th_server *s)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
}

void
th_server_restart(struct th_server *s, const char *const *extra_args,
                  const char *const *env)
{
    if (s->pid > 0)
        th_die("th_server_restart: the server is still running");
    th_server_launch(s, extra_args, env);
}

int
th_server_stop(struct th_server *s)
{
    int st = 0, i;
    char cmd[600];

    if (s->pid <= 0)
        return -1;
    kill(s->pid, SIGTERM);
    for (i = 0; i < 600; i++) {
        if (waitpid(s->pid, &st, WNOHANG) == s->pid)
            break;
        usleep(50000);
    }
    if (i == 600) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, &st, 0);
        fprintf(stderr, "harness: server did not stop in 30 s\n");
        st = 1 << 8;
    }
    s->pid = 0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "harness: server exited badly (status %d); log:\n",
                st);
        (void)snprintf(cmd, sizeof cmd, "tail -n 60 %s >&2", s->log_path);
        (void)!system(cmd);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    (void)snprintf(cmd, sizeof cmd, "rm -rf %s", s->dir);
    (void)!system(cmd);
    return 0;
}

struct th_sink {
    char *p;
    size_t len, cap;
};

static size_t
th_sink_cb(char *p, size_t size, size_t n, void *arg)
{
    struct th_sink *s = arg;
    size_t len = size * n;

    if (s->len + len + 1 > s->cap) {
        s->cap = (s->len + len + 1) * 2;
        s->p = realloc(s->p, s->cap);
    }
    memcpy(s->p + s->len, p, len);
    s->len += len;
    s->p[s->len] = '\0';
    return len;
}

void
th_request(const char *method, const char *url, const char *const *headers,
           const char *body, size_t len, struct th_resp *r)
{
    struct th_sink b = {0}, h = {0};
    struct curl_slist *hl = NULL;
    CURL *c = curl_easy_init();
    size_t i;

    memset(r, 0, sizeof *r);
    for (i = 0; headers != NULL && headers[i] != NULL; i++)
        hl = curl_slist_append(hl, headers[i]);
    hl = curl_slist_append(hl, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, th_sink_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, th_sink_cb);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    r->body = b.p ? b.p : strdup("");
    r->len = b.len;
    r->headers = h.p ? h.p : strdup("");
    r->json = json_loadb(r->body, r->len, 0, NULL);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
}

static void
th_auth_header(const char *key, char *buf, size_t size)
{
    (void)snprintf(buf, size, "Authorization: Bearer %s", key);
}

void
th_post_json(const struct th_server *s, const char *path, const char *key,
             const char *body, struct th_resp *r)
{
    char url[512], auth[256];
    const char *h[3] = {"Content-Type: application/json", NULL, NULL};

    (void)snprintf(url, sizeof url, "%s%s", s->base, path);
    if (key != NULL) {
        th_auth_header(key, auth, sizeof auth);
        h[1] = auth;
    }
    th_request("POST", url, h, body, strlen(body), r);
}

void
th_get(const struct th_server *s, const char *path, const char *key,
       struct th_resp *r)
{
    char url[512], auth[256];
    const char *h[2] = {NULL, NULL};

    (void)snprintf(url, sizeof url, "%s%s", s->base, path);
    if (key != NULL) {
        th_auth_header(key, auth, sizeof auth);
        h[0] = auth;
    }
    th_request("GET", url, h, NULL, 0, r);
}

void
th_resp_free(struct th_resp *r)
{
    free(r->body);
    free(r->headers);
    if (r->json != NULL)
        json_decref(r->json);
    memset(r, 0, sizeof *r);
}

const char *
th_header(const struct th_resp *r, const char *name, char *buf, size_t size)
{
    size_t nlen = strlen(name);
    const char *p = r->headers;

    while (p != NULL && *p != '\0') {
        const char *eol = strstr(p, "\r\n");

        if (strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
            const char *v = p + nlen + 1;

            while (*v == ' ')
                v++;
            (void)snprintf(buf, size, "%.*s",
                           (int)((eol ? eol : v + strlen(v)) - v), v);
            return buf;
        }
        p = eol ? eol + 2 : NULL;
    }
    return NULL;
}

bool
th_check_image(const char *b64, const char *format, int w, int h, char *why,
               size_t whysize)
{
    unsigned char *bytes = NULL;
    size_t len = 0;
    struct ir_pixels px = {0};
    struct ir_diag d = {{0}};
    enum ir_format got, want = ir_image_format_from_name(format);
    bool ok = false;

    if (ir_base64_decode(b64, strlen(b64), &bytes, &len) != IR_OK) {
        (void)snprintf(why, whysize, "not base64");
        return false;
    }
    got = ir_image_sniff(bytes, len);
    if (got != want) {
        (void)snprintf(why, whysize, "format %d, want %s", (int)got, format);
        goto out;
    }
    if (got == IR_FORMAT_SVG) {
        ok = strstr((const char *)bytes, "<svg") != NULL;
        if (!ok)
            (void)snprintf(why, whysize, "no <svg element");
        goto out;
    }
    /* A full decode: the bytes must be a valid image, not just a header. */
    if (ir_image_decode(bytes, len, 1LL << 28, &px, &d) != IR_OK) {
        (void)snprintf(why, whysize, "decode failed: %s", d.msg);
        goto out;
    }
    if ((w && px.w != w) || (h && px.h != h)) {
        (void)snprintf(why, whysize, "size %dx%d, want %dx%d", px.w, px.h,
                       w, h);
        goto out;
    }
    ok = true;
out:
    ir_pixels_cleanup(&px);
    ir_free(bytes);
    return ok;
}

/* ---- many requests at once ------------------------------------------ */

struct th_par_slot {
    struct th_par *p;
    struct th_sink body, head;
    struct curl_slist *hl;
};

static CURL *
th_par_easy(struct th_par *p, struct th_par_slot *slot)
{
    char auth[256];
    CURL *c = curl_easy_init();

    if (c == NULL)
        th_die("curl_easy_init failed");
    slot->p = p;
    slot->hl = curl_slist_append(NULL, "Content-Type: application/json");
    slot->hl = curl_slist_append(slot->hl, "Expect:");
    if (p->key != NULL) {
        (void)snprintf(auth, sizeof auth, "Authorization: Bearer %s",
                       p->key);
        slot->hl = curl_slist_append(slot->hl, auth);
    }
    curl_easy_setopt(c, CURLOPT_URL, p->url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, slot->hl);
    if (p->body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, p->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)strlen(p->body));
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, th_sink_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &slot->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, th_sink_cb);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &slot->head);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PRIVATE, slot);
    /* One connection per request: keep-alive would serialise them. */
    curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
    return c;
}

static void
th_par_finish(CURL *c, CURLcode rc)
{
    struct th_par_slot *slot = NULL;
    struct th_par *p;
    struct th_resp r;
    char id[sizeof p->gen_id];

    curl_easy_getinfo(c, CURLINFO_PRIVATE, (char **)&slot);
    p = slot->p;
    p->curl_code = (int)rc;
    p->status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &p->status);
    memset(&r, 0, sizeof r);
    r.headers = slot->head.p ? slot->head.p : strdup("");
    r.body = slot->body.p ? slot->body.p : strdup("");
    r.len = slot->body.len;
    p->gen_id[0] = '\0';
    if (rc == CURLE_OK &&
        th_header(&r, "X-Generation-Id", id, sizeof id) != NULL)
        memcpy(p->gen_id, id, sizeof p->gen_id);
    p->retry_after[0] = '\0';
    if (rc == CURLE_OK && th_header(&r, "Retry-After", p->retry_after,
                                    sizeof p->retry_after) == NULL)
        p->retry_after[0] = '\0';
    p->response = r.body;
    p->response_len = r.len;
    free(r.headers);
    curl_slist_free_all(slot->hl);
    free(slot);
}

void
th_parallel(struct th_par *reqs, size_t n, size_t max_parallel,
            void (*tick)(size_t done, void *arg), void *arg)
{
    CURLM *m = curl_multi_init();
    size_t next = 0, done = 0, running = 0;
    int still = 0, left;
    CURLMsg *msg;

    if (m == NULL)
        th_die("curl_multi_init failed");
    if (max_parallel == 0)
        max_parallel = n;
    while (done < n) {
        while (next < n && running < max_parallel) {
            struct th_par_slot *slot = calloc(1, sizeof *slot);

            if (slot == NULL)
                th_die("out of memory");
            curl_multi_add_handle(m, th_par_easy(&reqs[next++], slot));
            running++;
        }
        curl_multi_perform(m, &still);
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            th_par_finish(msg->easy_handle, msg->data.result);
            curl_multi_remove_handle(m, msg->easy_handle);
            curl_easy_cleanup(msg->easy_handle);
            running--;
            done++;
            if (tick != NULL)
                tick(done, arg);
        }
        if (done < n)
            curl_multi_poll(m, NULL, 0, 50, NULL);
    }
    curl_multi_cleanup(m);
}

void
th_par_free(struct th_par *reqs, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(reqs[i].response);
        reqs[i].response = NULL;
    }
}

/* ---- many requests at once ----------------------------------------- */

struct th_slot {
    CURL *c;
    size_t item;           /* index into items */
    struct th_sink body;
    struct th_batch_item *it;
};

static size_t
th_batch_header_cb(char *p, size_t size, size_t n, void *arg)
{
    struct th_slot *sl = arg;
    size_t len = size * n, vlen;
    char *dst = NULL;
    const char *v;

    if (len > 16 && strncasecmp(p, "X-Generation-Id:", 16) == 0) {
        dst = sl->it->gen_id;
        v = p + 16;
    } else if (len > 16 && strncasecmp(p, "X-Provider-Name:", 16) == 0) {
        dst = sl->it->provider;
        v = p + 16;
    }
    if (dst != NULL) {
        while (v < p + len && *v == ' ')
            v++;
        vlen = (size_t)(p + len - v);
        while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n'))
            vlen--;
        if (vlen > 63)
            vlen = 63;
        memcpy(dst, v, vlen);
        dst[vlen] = '\0';
    }
    return len;
}

static void
th_batch_start(CURLM *m, struct th_slot *sl, const char *url,
               struct curl_slist *hl, const char *body,
               struct th_batch_item *items, size_t item)
{
    sl->item = item;
    sl->it = &items[item];
    memset(sl->it, 0, sizeof *sl->it);
    sl->body.len = 0;
    if (sl->body.p != NULL)
        sl->body.p[0] = '\0';
    curl_easy_reset(sl->c);
    curl_easy_setopt(sl->c, CURLOPT_URL, url);
    curl_easy_setopt(sl->c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(sl->c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(sl->c, CURLOPT_WRITEFUNCTION, th_sink_cb);
    curl_easy_setopt(sl->c, CURLOPT_WRITEDATA, &sl->body);
    curl_easy_setopt(sl->c, CURLOPT_HEADERFUNCTION, th_batch_header_cb);
    curl_easy_setopt(sl->c, CURLOPT_HEADERDATA, sl);
    curl_easy_setopt(sl->c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(sl->c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(sl->c, CURLOPT_PRIVATE, sl);
    curl_multi_add_handle(m, sl->c);
}

void
th_post_batch(const struct th_server *s, const char *path, const char *key,
              const char *body, size_t n, int conc,
              struct th_batch_item *items)
{
    struct th_slot *slots;
    struct curl_slist *hl = NULL;
    char url[512], auth[256];
    size_t next = 0, done = 0, i;
    bool stop = false;
    CURLM *m = curl_multi_init();
    CURLMsg *msg;
    int running, left;

    if (conc < 1)
        conc = 1;
    slots = calloc((size_t)conc, sizeof *slots);
    if (m == NULL || slots == NULL)
        th_die("th_post_batch: out of memory");
    memset(items, 0, n * sizeof *items);
    (void)snprintf(url, sizeof url, "%s%s", s->base, path);
    th_auth_header(key, auth, sizeof auth);
    hl = curl_slist_append(hl, "Content-Type: application/json");
    hl = curl_slist_append(hl, auth);
    hl = curl_slist_append(hl, "Expect:");
    for (i = 0; i < (size_t)conc && next < n; i++) {
        slots[i].c = curl_easy_init();
        th_batch_start(m, &slots[i], url, hl, body, items, next++);
    }
    while (done < n) {
        if (curl_multi_perform(m, &running) != CURLM_OK)
            th_die("th_post_batch: curl_multi_perform failed");
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            struct th_slot *sl;

            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
                              (char **)&sl);
            if (msg->data.result == CURLE_OK)
                curl_easy_getinfo(sl->c, CURLINFO_RESPONSE_CODE,
                                  &sl->it->status);
            else
                stop = true; /* a hung server: do not queue 30 s more */
            sl->it->image = sl->body.p != NULL &&
                            strstr(sl->body.p, "\"b64_json\":\"") != NULL;
            curl_multi_remove_handle(m, sl->c);
            done++;
            if (stop && next < n) {
                done += n - next; /* left with status 0 */
                next = n;
            }
            if (next < n)
                th_batch_start(m, sl, url, hl, body, items, next++);
        }
        if (done < n && curl_multi_poll(m, NULL, 0, 1000, NULL) != CURLM_OK)
            th_die("th_post_batch: curl_multi_poll failed");
    }
    for (i = 0; i < (size_t)conc; i++) {
        if (slots[i].c != NULL)
            curl_easy_cleanup(slots[i].c);
        free(slots[i].body.p);
    }
    free(slots);
    curl_slist_free_all(hl);
    curl_multi_cleanup(m);
}

bool
th_maps_have(pid_t pid, const char *needle)
{
    char path[64], line[1024];
    bool found = false;
    FILE *f;

    (void)snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    if ((f = fopen(path, "r")) == NULL)
        th_die("%s: %s", path, strerror(errno));
    while (!found && fgets(line, sizeof line, f) != NULL)
        found = strstr(line, needle) != NULL;
    fclose(f);
    return found;
}
