/* SPDX-License-Identifier: Apache-2.0
 * bench/tools/readyprobe.c - time from exec to the first 200 from
 * GET /health, and the idle RSS after that.
 *
 *   readyprobe [-r RUNS] [-s IDLE_SETTLE_MS] -- ROUTER ARGS... --listen @
 *
 * Each run picks a free 127.0.0.1 port, replaces the "@" argument with
 * 127.0.0.1:PORT, forks and execs the router, and from the moment just
 * before execve polls the port (a fresh connection and GET /health every
 * 0.5 ms) until an answer starting "HTTP/1.1 200" arrives. After the
 * first run it waits IDLE_SETTLE_MS and reads VmRSS of the idle router.
 * Each router is stopped with SIGTERM (SIGKILL after 5 s) and reaped.
 * Prints one line of key=value pairs.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RP_MAX_RUNS 200

static double
rp_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
rp_free_port(void)
{
    struct sockaddr_in sa = {0};
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* One blocking probe; 1 when /health answered 200. */
static int
rp_probe(int port)
{
    static const char req[] = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Connection: close\r\n\r\n";
    struct sockaddr_in sa = {0};
    struct timeval tv = {1, 0};
    char buf[64];
    ssize_t n;
    int fd = socket(AF_INET, SOCK_STREAM, 0), ok = 0;

    if (fd < 0)
        return 0;
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        send(fd, req, sizeof req - 1, MSG_NOSIGNAL) == (ssize_t)sizeof req - 1 &&
        (n = recv(fd, buf, sizeof buf - 1, 0)) >= 12) {
        buf[n] = '\0';
        ok = strncmp(buf, "HTTP/1.1 200", 12) == 0;
    }
    close(fd);
    return ok;
}

static long
rp_rss_kb(pid_t pid)
{
    char path[64], line[256];
    long kb = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "VmRSS: %ld", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static void
rp_stop(pid_t pid)
{
    int i, st;

    kill(pid, SIGTERM);
    for (i = 0; i < 500; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return;
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
}

static int
rp_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
    int runs = 20, settle = 1000, opt, i, r, at = -1, nrun = 0;
    double ms[RP_MAX_RUNS];
    long rss = -1;
    char addr[32];

    while ((opt = getopt(argc, argv, "r:s:")) != -1) {
        if (opt == 'r')
            runs = atoi(optarg);
        else if (opt == 's')
            settle = atoi(optarg);
        else
            return 2;
    }
    if (optind >= argc || runs < 1 || runs > RP_MAX_RUNS) {
        fprintf(stderr, "usage: readyprobe [-r RUNS] [-s MS] -- CMD... @\n");
        return 2;
    }
    for (i = optind; i < argc; i++)
        if (strcmp(argv[i], "@") == 0)
            at = i;
    if (at < 0) {
        fprintf(stderr, "readyprobe: no @ argument for the address\n");
        return 2;
    }
    for (r = 0; r < runs; r++) {
        int port = rp_free_port(), st;
        double t0, t = -1;
        pid_t pid;

        snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
        argv[at] = addr;
        t0 = rp_now_ms();
        pid = fork();
        if (pid == 0) {
            int null = open("/dev/null", O_WRONLY);

            /* Its stdout (bootstrap keys, if any) is not ours to print. */
            if (null >= 0)
                dup2(null, STDOUT_FILENO);
            execv(argv[optind], argv + optind);
            _exit(127);
        }
        if (pid < 0)
            return 1;
        while (rp_now_ms() - t0 < 10000) {
            if (rp_probe(port)) {
                t = rp_now_ms() - t0;
                break;
            }
            if (waitpid(pid, &st, WNOHANG) == pid) {
                fprintf(stderr, "readyprobe: router exited\n");
                return 1;
            }
            usleep(500);
        }
        if (t < 0) {
            fprintf(stderr, "readyprobe: no 200 within 10 s\n");
            rp_stop(pid);
            return 1;
        }
        ms[nrun++] = t;
        if (r == 0) {
            usleep((useconds_t)settle * 1000);
            rss = rp_rss_kb(pid);
        }
        rp_stop(pid);
    }
    printf("runs=%d first_ms=%.1f", nrun, ms[0]);
    qsort(ms, (size_t)nrun, sizeof ms[0], rp_cmp);
    printf(" min_ms=%.1f median_ms=%.1f max_ms=%.1f idle_rss_kb=%ld\n",
           ms[0], ms[nrun / 2], ms[nrun - 1], rss);
    return 0;
}
