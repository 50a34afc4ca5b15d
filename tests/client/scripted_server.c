/* SPDX-License-Identifier: Apache-2.0
 * tests/client/scripted_server.c - testsrv as a process, for shell tests.
 *
 *   irc_scripted_server SCRIPT LOG
 *
 * SCRIPT has one response per line, served in order:
 *   STATUS CONTENT-TYPE BODY-FILE [Name:value ...]
 *   hangup
 * (STATUS "sse" means 200 text/event-stream, the file sent in pieces split
 * at blank lines.) Prints the base URL on stdout, then serves until killed
 * or until stdin reaches EOF; appends each request to LOG as
 * "METHOD PATH\nName: value\n...\n\nBODY\n--\n".
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testsrv.h"

static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = calloc(1, (size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

static int
load_line(struct ts_server *s, char *line)
{
    char *status = strtok(line, " \t\n"), *ct, *file, *h;
    char headers[2048] = "", *body, *pieces[64], *p, *q;
    size_t n = 0, len;

    if (!status || status[0] == '#')
        return 0;
    if (strcmp(status, "hangup") == 0) {
        ts_push_hangup(s);
        return 0;
    }
    ct = strtok(NULL, " \t\n");
    file = strtok(NULL, " \t\n");
    if (!ct || !file || !(body = slurp(file))) {
        fprintf(stderr, "bad script line or file: %s\n", file ? file : "");
        return -1;
    }
    len = strlen(headers);
    snprintf(headers + len, sizeof(headers) - len, "Content-Type: %s\r\n",
             strcmp(status, "sse") == 0 ? "text/event-stream" : ct);
    while ((h = strtok(NULL, " \t\n")) != NULL) {
        char *colon = strchr(h, ':');

        if (!colon)
            continue;
        *colon = '\0';
        len = strlen(headers);
        snprintf(headers + len, sizeof(headers) - len, "%s: %s\r\n", h,
                 colon + 1);
    }
    if (strcmp(status, "sse") != 0) {
        ts_push(s, atoi(status), headers, body);
        free(body);
        return 0;
    }
    for (p = body; *p && n < 64; p = q) {
        q = strstr(p, "\n\n");
        q = q ? q + 2 : p + strlen(p);
        pieces[n] = strndup(p, (size_t)(q - p));
        n++;
    }
    ts_push_pieces(s, 200, headers, (const char *const *)pieces, n, -1);
    while (n)
        free(pieces[--n]);
    free(body);
    return 0;
}

static void
dump(struct ts_server *s, const char *log, size_t *done)
{
    FILE *f;
    size_t i, j;

    while (*done < ts_request_count(s)) {
        const struct ts_request *r = ts_request(s, *done);

        f = fopen(log, "a");
        if (!f)
            return;
        fprintf(f, "%s %s\n", r->method, r->path);
        for (j = 0; j < r->header_count; j++)
            fprintf(f, "%s: %s\n", r->names[j], r->values[j]);
        fprintf(f, "\n%s\n--\n", r->body);
        fclose(f);
        (*done)++;
        (void)i;
    }
}

int
main(int argc, char **argv)
{
    struct ts_server *s;
    char line[4096];
    size_t done = 0;
    FILE *script;

    if (argc != 3) {
        fprintf(stderr, "usage: %s SCRIPT LOG\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    s = ts_start(0);
    script = fopen(argv[1], "r");
    if (!s || !script)
        return 1;
    while (fgets(line, sizeof(line), script))
        if (load_line(s, line) != 0)
            return 1;
    fclose(script);
    printf("%s\n", ts_base_url(s));
    fflush(stdout);
    for (;;) {
        usleep(20000);
        dump(s, argv[2], &done);
    }
}
