/* SPDX-License-Identifier: Apache-2.0
 * tests/client/testsrv.c - scripted HTTP server on plain sockets, one
 * connection at a time, Connection: close on every reply.
 */
#include "testsrv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TS_MAX_QUEUE 64
#define TS_MAX_REQS 256
#define TS_MAX_REQ_BYTES (64 * 1024 * 1024)

struct ts_resp {
    int status;            /* 0: hang up */
    char *headers;
    char **pieces;
    size_t npieces;
    int gate_before;
    int delay_ms;
    bool framed;           /* Content-Length (single piece) */
};

struct ts_server {
    int lfd;
    int port;
    char base[64];
    pthread_t thr;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    bool gate;
    bool gate_timeout;
    struct ts_resp queue[TS_MAX_QUEUE];
    size_t qhead, qlen;
    struct ts_request *reqs[TS_MAX_REQS];
    size_t nreqs;
};

static void *ts_main(void *arg);
static void ts_serve(struct ts_server *s, int fd);
static struct ts_request *ts_read_request(int fd);
static void ts_write_all(int fd, const char *p, size_t n);
static void ts_enqueue(struct ts_server *s, struct ts_resp *r);

static char *
xstrdup(const char *s)
{
    char *p = strdup(s ? s : "");

    if (!p)
        abort();
    return p;
}

struct ts_server *
ts_start(int port)
{
    struct ts_server *s = calloc(1, sizeof *s);
    struct sockaddr_in a = {0};
    socklen_t alen = sizeof a;
    int one = 1;

    if (!s)
        return NULL;
    s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(s->lfd, 64) != 0 ||
        getsockname(s->lfd, (struct sockaddr *)&a, &alen) != 0) {
        if (s->lfd >= 0)
            close(s->lfd);
        free(s);
        return NULL;
    }
    s->port = ntohs(a.sin_port);
    snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%d/api/v1", s->port);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (pthread_create(&s->thr, NULL, ts_main, s) != 0)
        abort();
    return s;
}

static void
ts_free_resp(struct ts_resp *r)
{
    size_t i;

    free(r->headers);
    for (i = 0; i < r->npieces; i++)
        free(r->pieces[i]);
    free(r->pieces);
}

void
ts_stop(struct ts_server *s)
{
    size_t i, j;

    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thr, NULL);
    close(s->lfd);
    for (i = 0; i < s->qlen; i++)
        ts_free_resp(&s->queue[(s->qhead + i) % TS_MAX_QUEUE]);
    for (i = 0; i < s->nreqs; i++) {
        for (j = 0; j < s->reqs[i]->header_count; j++) {
            free(s->reqs[i]->names[j]);
            free(s->reqs[i]->values[j]);
        }
        free(s->reqs[i]->body);
        free(s->reqs[i]);
    }
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}

int
ts_port(const struct ts_server *s)
{
    return s->port;
}

const char *
ts_base_url(const struct ts_server *s)
{
    return s->base;
}

static void
ts_enqueue(struct ts_server *s, struct ts_resp *r)
{
    pthread_mutex_lock(&s->mu);
    if (s->qlen == TS_MAX_QUEUE)
        abort();
    s->queue[(s->qhead + s->qlen++) % TS_MAX_QUEUE] = *r;
    pthread_mutex_unlock(&s->mu);
}

void
ts_push_delay(struct ts_server *s, int status, const char *headers,
              const char *body, int delay_ms)
{
    struct ts_resp r = {.status = status, .gate_before = -1,
                        .delay_ms = delay_ms, .framed = true};

    r.headers = xstrdup(headers);
    r.pieces = calloc(1, sizeof *r.pieces);
    if (!r.pieces)
        abort();
    r.pieces[0] = xstrdup(body);
    r.npieces = 1;
    ts_enqueue(s, &r);
}

void
ts_push(struct ts_server *s, int status, const char *headers,
        const char *body)
{
    ts_push_delay(s, status, headers, body, 0);
}

void
ts_push_json(struct ts_server *s, int status, const char *body)
{
    ts_push(s, status, "Content-Type: application/json\r\n", body);
}

void
ts_push_pieces(struct ts_server *s, int status, const char *headers,
               const char *const *pieces, size_t n, int gate_before)
{
    struct ts_resp r = {.status = status, .gate_before = gate_before};
    size_t i;

    r.headers = xstrdup(headers);
    r.pieces = calloc(n ? n : 1, sizeof *r.pieces);
    if (!r.pieces)
        abort();
    for (i = 0; i < n; i++)
        r.pieces[i] = xstrdup(pieces[i]);
    r.npieces = n;
    ts_enqueue(s, &r);
}

void
ts_push_hangup(struct ts_server *s)
{
    struct ts_resp r = {.status = 0, .gate_before = -1};

    ts_enqueue(s, &r);
}

void
ts_gate_open(struct ts_server *s)
{
    pthread_mutex_lock(&s->mu);
    s->gate = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

bool
ts_gate_timed_out(struct ts_server *s)
{
    bool t;

    pthread_mutex_lock(&s->mu);
    t = s->gate_timeout;
    pthread_mutex_unlock(&s->mu);
    return t;
}

size_t
ts_request_count(struct ts_server *s)
{
    size_t n;

    pthread_mutex_lock(&s->mu);
    n = s->nreqs;
    pthread_mutex_unlock(&s->mu);
    return n;
}

const struct ts_request *
ts_request(struct ts_server *s, size_t i)
{
    const struct ts_request *r = NULL;

    pthread_mutex_lock(&s->mu);
    if (i < s->nreqs)
        r = s->reqs[i];
    pthread_mutex_unlock(&s->mu);
    return r;
}

size_t
ts_pending(struct ts_server *s)
{
    size_t n;

    pthread_mutex_lock(&s->mu);
    n = s->qlen;
    pthread_mutex_unlock(&s->mu);
    return n;
}

const char *
ts_header(const struct ts_request *r, const char *name)
{
    size_t i;

    for (i = 0; r && i < r->header_count; i++)
        if (strcasecmp(r->names[i], name) == 0)
            return r->values[i];
    return NULL;
}

static void
ts_write_all(int fd, const char *p, size_t n)
{
    ssize_t w;

    while (n > 0) {
        w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;   /* the client went away */
        p += w;
        n -= (size_t)w;
    }
}

/* Reads one request; NULL on EOF or garbage. */
static struct ts_request *
ts_read_request(int fd)
{
    struct ts_request *r;
    char *buf = NULL, *hend, *line, *next, *colon;
    size_t len = 0, cap = 0, clen = 0, hlen;
    ssize_t n;

    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 16384;
            buf = realloc(buf, cap);
            if (!buf)
                abort();
        }
        buf[len] = '\0';
        hend = strstr(buf, "\r\n\r\n");
        if (hend) {
            const char *cl = NULL;

            for (line = buf; line < hend; line = strstr(line, "\r\n") + 2)
                if (strncasecmp(line, "Content-Length:", 15) == 0)
                    cl = line + 15;
            clen = cl ? strtoul(cl, NULL, 10) : 0;
            hlen = (size_t)(hend - buf) + 4;
            if (len >= hlen + clen)
                break;
            if (hlen + clen > TS_MAX_REQ_BYTES)
                goto bad;
            while (hlen + clen + 1 > cap) {
                cap *= 2;
                buf = realloc(buf, cap);
                if (!buf)
                    abort();
            }
        }
        n = recv(fd, buf + len, cap - len - 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto bad;
        len += (size_t)n;
    }
    r = calloc(1, sizeof *r);
    if (!r)
        abort();
    *hend = '\0';
    next = strstr(buf, "\r\n");
    if (next)
        *next = '\0';
    if (sscanf(buf, "%15s %2047s", r->method, r->path) != 2) {
        free(r);
        goto bad;
    }
    for (line = next ? next + 2 : hend; line < hend && *line; line = next) {
        next = strstr(line, "\r\n");
        if (next) {
            *next = '\0';
            next += 2;
        } else {
            next = hend;
        }
        colon = strchr(line, ':');
        if (!colon || r->header_count == 64)
            continue;
        *colon++ = '\0';
        while (*colon == ' ')
            colon++;
        r->names[r->header_count] = xstrdup(line);
        r->values[r->header_count++] = xstrdup(colon);
    }
    r->body = malloc(clen + 1);
    if (!r->body)
        abort();
    memcpy(r->body, hend + 4, clen);
    r->body[clen] = '\0';
    r->body_len = clen;
    free(buf);
    return r;
bad:
    free(buf);
    return NULL;
}

static const char *
ts_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

static void
ts_serve(struct ts_server *s, int fd)
{
    struct ts_request *req = ts_read_request(fd);
    struct ts_resp r = {.status = 500, .gate_before = -1, .framed = true};
    bool have = false;
    char head[4096];
    size_t i;
    int n;

    if (!req)
        return;
    pthread_mutex_lock(&s->mu);
    if (s->nreqs < TS_MAX_REQS)
        s->reqs[s->nreqs++] = req;
    else
        req = NULL;   /* dropped */
    if (s->qlen > 0) {
        r = s->queue[s->qhead];
        s->qhead = (s->qhead + 1) % TS_MAX_QUEUE;
        s->qlen--;
        have = true;
    }
    pthread_mutex_unlock(&s->mu);
    if (!have) {
        const char *msg = "{\"error\":{\"code\":500,\"message\":"
                          "\"no scripted response\"}}";

        n = snprintf(head, sizeof(head),
                     "HTTP/1.1 500 Internal Server Error\r\n"
                     "Content-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     strlen(msg));
        ts_write_all(fd, head, (size_t)n);
        ts_write_all(fd, msg, strlen(msg));
        return;
    }
    if (r.delay_ms > 0)
        usleep((useconds_t)r.delay_ms * 1000);
    if (r.status == 0) {
        ts_free_resp(&r);
        return;   /* hang up */
    }
    n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n%sConnection: close\r\n",
                 r.status, ts_reason(r.status), r.headers ? r.headers : "");
    if (r.framed)
        n += snprintf(head + n, sizeof(head) - (size_t)n,
                      "Content-Length: %zu\r\n", strlen(r.pieces[0]));
    n += snprintf(head + n, sizeof(head) - (size_t)n, "\r\n");
    ts_write_all(fd, head, (size_t)n);
    for (i = 0; i < r.npieces; i++) {
        if ((int)i == r.gate_before) {
            struct timespec deadline;

            clock_gettime(CLOCK_REALTIME, &deadline);
            deadline.tv_sec += 5;
            pthread_mutex_lock(&s->mu);
            while (!s->gate && !s->stop)
                if (pthread_cond_timedwait(&s->cv, &s->mu, &deadline) ==
                    ETIMEDOUT) {
                    s->gate_timeout = true;
                    break;
                }
            s->gate = false;
            pthread_mutex_unlock(&s->mu);
        }
        ts_write_all(fd, r.pieces[i], strlen(r.pieces[i]));
        if (i + 1 < r.npieces)
            usleep(2000);   /* let each piece arrive on its own */
    }
    ts_free_resp(&r);
}

static void *
ts_main(void *arg)
{
    struct ts_server *s = arg;
    struct pollfd p = {.fd = s->lfd, .events = POLLIN};
    bool stop;
    int fd;

    for (;;) {
        pthread_mutex_lock(&s->mu);
        stop = s->stop;
        pthread_mutex_unlock(&s->mu);
        if (stop)
            break;
        if (poll(&p, 1, 50) <= 0)
            continue;
        fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        ts_serve(s, fd);
        shutdown(fd, SHUT_WR);
        close(fd);
    }
    return NULL;
}
