/* SPDX-License-Identifier: Apache-2.0
 * bench/tools/holdload.c - opens N HTTP/1.1 connections to one
 * 127.0.0.1 port, sends the same POST on each, and keeps them all open
 * until every answer is in: an in-flight capacity load that wrk cannot
 * make (wrk reuses a few connections for short requests).
 *
 *   holdload -p PORT -u PATH -b BODYFILE [-H 'Name: value']... -n N
 *            [-r NEW_CONNS_PER_S] [-t TIMEOUT_S]
 *
 * Plain non-blocking sockets on one epoll: a socket and ~200 bytes per
 * connection, so the client itself holds 10,000 and more. Bodies are
 * counted, not kept. Prints one summary line of key=value pairs on
 * stdout; progress ("sent N", "done N") goes to stderr.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HL_HEAD_MAX 8192
#define HL_MAX_HEADERS 16

enum hl_state { HL_CONNECTING, HL_SENDING, HL_HEAD, HL_BODY, HL_DONE };

struct hl_conn {
    int fd;
    enum hl_state st;
    size_t sent;
    size_t head_len;
    long long body_left;   /* -1: until EOF */
    long long body_bytes;
    int status;
    double t0;
    char *head;            /* allocated while the head is read */
};

static double
hl_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
hl_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static char *
hl_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        perror(path);
        exit(2);
    }
    p = malloc((size_t)n + 1);
    if (p == NULL || fread(p, 1, (size_t)n, f) != (size_t)n) {
        perror(path);
        exit(2);
    }
    fclose(f);
    *len = (size_t)n;
    return p;
}

/* Parses the status line and Content-Length once the head is complete.
 * Returns bytes of body already in the head buffer, or -1. */
static long
hl_parse_head(struct hl_conn *c)
{
    char *end = memmem(c->head, c->head_len, "\r\n\r\n", 4);
    char *line;

    if (end == NULL)
        return -1;
    *end = '\0';
    if (sscanf(c->head, "HTTP/1.%*d %d", &c->status) != 1)
        c->status = 0;
    c->body_left = -1;
    for (line = strstr(c->head, "\r\n"); line != NULL;
         line = strstr(line + 2, "\r\n")) {
        if (strncasecmp(line + 2, "content-length:", 15) == 0)
            c->body_left = atoll(line + 17);
    }
    return (long)(c->head_len - (size_t)(end + 4 - c->head));
}

int
main(int argc, char **argv)
{
    const char *path = "/", *bodyfile = NULL;
    const char *hdrs[HL_MAX_HEADERS];
    int nhdrs = 0, port = 0, n = 100, opt, ep, i;
    double rate = 2000, timeout = 600;
    char *body, *req;
    size_t blen, rlen, cap;
    struct hl_conn *cs;
    struct sockaddr_in sa;
    struct epoll_event ev, evs[256];
    struct rlimit rl;
    double start, last_sent = 0, *lat;
    int opened = 0, done = 0, ok = 0, fail = 0, conn_err = 0;
    int open_now = 0, peak_open = 0, nlat = 0, st_fail[600] = {0};
    long long bytes = 0;

    while ((opt = getopt(argc, argv, "p:u:b:H:n:r:t:")) != -1) {
        switch (opt) {
        case 'p': port = atoi(optarg); break;
        case 'u': path = optarg; break;
        case 'b': bodyfile = optarg; break;
        case 'H':
            if (nhdrs < HL_MAX_HEADERS)
                hdrs[nhdrs++] = optarg;
            break;
        case 'n': n = atoi(optarg); break;
        case 'r': rate = atof(optarg); break;
        case 't': timeout = atof(optarg); break;
        default:
            fprintf(stderr, "usage: holdload -p PORT -u PATH -b BODYFILE "
                            "[-H HDR]... -n N [-r RATE] [-t TIMEOUT]\n");
            return 2;
        }
    }
    if (port <= 0 || bodyfile == NULL || n <= 0) {
        fprintf(stderr, "holdload: -p, -b and -n are required\n");
        return 2;
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)n + 64) {
        rl.rlim_cur = rl.rlim_max < (rlim_t)n + 64 ? rl.rlim_max
                                                   : (rlim_t)n + 64;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    body = hl_read_file(bodyfile, &blen);
    cap = blen + 1024 + strlen(path);
    for (i = 0; i < nhdrs; i++)
        cap += strlen(hdrs[i]) + 2;
    req = malloc(cap);
    if (req == NULL)
        return 2;
    rlen = (size_t)snprintf(req, cap,
                            "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                            "Content-Type: application/json\r\n"
                            "Content-Length: %zu\r\n",
                            path, port, blen);
    for (i = 0; i < nhdrs; i++)
        rlen += (size_t)snprintf(req + rlen, cap - rlen, "%s\r\n", hdrs[i]);
    rlen += (size_t)snprintf(req + rlen, cap - rlen, "\r\n");
    memcpy(req + rlen, body, blen);
    rlen += blen;

    cs = calloc((size_t)n, sizeof *cs);
    lat = calloc((size_t)n, sizeof *lat);
    ep = epoll_create1(0);
    if (cs == NULL || lat == NULL || ep < 0)
        return 2;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    start = hl_now();
    while (done < n) {
        double now = hl_now();
        int want = (int)((now - start) * rate) + 1, k, m;

        if (now - start > timeout)
            break;
        /* Open new connections at the given rate. */
        while (opened < n && opened < want) {
            struct hl_conn *c = &cs[opened];
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            int one = 1;

            c->t0 = hl_now();
            c->fd = fd;
            if (fd < 0 ||
                (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 &&
                 errno != EINPROGRESS)) {
                if (conn_err++ < 3)
                    perror("holdload: connect");
                if (fd >= 0)
                    close(fd);
                c->st = HL_DONE;
                fail++;
                done++;
                opened++;
                continue;
            }
            (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            c->st = HL_CONNECTING;
            ev.events = EPOLLOUT;
            ev.data.u32 = (uint32_t)opened;
            epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
            opened++;
            if (++open_now > peak_open)
                peak_open = open_now;
            if (opened == n) {
                last_sent = hl_now() - start;
                fprintf(stderr, "holdload: opened %d in %.1f s\n", n,
                        last_sent);
            }
        }
        m = epoll_wait(ep, evs, 256, 5);
        for (k = 0; k < m; k++) {
            struct hl_conn *c = &cs[evs[k].data.u32];
            bool finish = false, failed = false;

            if (c->st == HL_CONNECTING || c->st == HL_SENDING) {
                ssize_t w;

                c->st = HL_SENDING;
                w = send(c->fd, req + c->sent, rlen - c->sent, MSG_NOSIGNAL);
                if (w < 0 && errno != EAGAIN) {
                    failed = true;
                    if (conn_err++ < 3)
                        perror("holdload: send");
                } else if (w > 0 && (c->sent += (size_t)w) == rlen) {
                    c->st = HL_HEAD;
                    c->head = malloc(HL_HEAD_MAX);
                    ev.events = EPOLLIN;
                    ev.data.u32 = evs[k].data.u32;
                    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                }
            } else {
                char sink[65536];
                ssize_t r;

                if (c->st == HL_HEAD) {
                    r = recv(c->fd, c->head + c->head_len,
                             HL_HEAD_MAX - 1 - c->head_len, 0);
                    if (r > 0) {
                        long extra;

                        c->head_len += (size_t)r;
                        extra = hl_parse_head(c);
                        if (extra >= 0) {
                            c->st = HL_BODY;
                            c->body_bytes = extra;
                            if (c->body_left >= 0)
                                c->body_left -= extra;
                            free(c->head);
                            c->head = NULL;
                            if (c->body_left == 0)
                                finish = true;
                        } else if (c->head_len >= HL_HEAD_MAX - 1) {
                            failed = true;
                        }
                    }
                } else {
                    r = recv(c->fd, sink, sizeof sink, 0);
                    if (r > 0) {
                        c->body_bytes += r;
                        if (c->body_left >= 0 &&
                            (c->body_left -= r) <= 0)
                            finish = true;
                    }
                }
                if (r == 0) {
                    if (c->st == HL_BODY && c->body_left < 0)
                        finish = true;
                    else
                        failed = true;
                } else if (r < 0 && errno != EAGAIN) {
                    failed = true;
                }
            }
            if (finish || failed) {
                double t = hl_now() - c->t0;

                if (finish && c->status >= 200 && c->status < 300) {
                    ok++;
                    lat[nlat++] = t;
                } else {
                    fail++;
                    if (c->status > 0 && c->status < 600)
                        st_fail[c->status]++;
                }
                bytes += c->body_bytes;
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                free(c->head);
                c->head = NULL;
                c->st = HL_DONE;
                open_now--;
                if (++done % 1000 == 0)
                    fprintf(stderr, "holdload: done %d at %.1f s\n", done,
                            hl_now() - start);
            }
        }
    }
    for (i = 0; i < opened; i++)
        if (cs[i].st != HL_DONE) {
            close(cs[i].fd);
            fail++;
        }
    qsort(lat, (size_t)nlat, sizeof *lat, hl_cmp_double);
    printf("n=%d ok=%d fail=%d unanswered=%d connect_errors=%d peak_open=%d "
           "opened_in_s=%.2f wall_s=%.2f body_bytes=%lld",
           n, ok, fail, n - done, conn_err, peak_open, last_sent,
           hl_now() - start, bytes);
    if (nlat > 0)
        printf(" lat_min_s=%.3f lat_p50_s=%.3f lat_p99_s=%.3f lat_max_s=%.3f",
               lat[0], lat[nlat / 2], lat[(nlat * 99) / 100], lat[nlat - 1]);
    for (i = 0; i < 600; i++)
        if (st_fail[i])
            printf(" status_%d=%d", i, st_fail[i]);
    printf("\n");
    return ok == n ? 0 : 1;
}
