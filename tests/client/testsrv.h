/* SPDX-License-Identifier: Apache-2.0
 * tests/client/testsrv.h - a scripted HTTP/1.1 server for the SDK tests:
 * runs on a thread on 127.0.0.1 (ephemeral port), answers each request
 * with the next scripted response, and records every request.
 */
#ifndef TESTSRV_H
#define TESTSRV_H

#include <stdbool.h>
#include <stddef.h>

struct ts_server;

struct ts_request {
    char method[16];
    char path[2048];
    size_t header_count;
    char *names[64];
    char *values[64];
    char *body;            /* NUL-terminated */
    size_t body_len;
};

/* port 0: ephemeral. NULL if it cannot listen. */
struct ts_server *ts_start(int port);
void ts_stop(struct ts_server *s);
int ts_port(const struct ts_server *s);
/* "http://127.0.0.1:PORT/api/v1" */
const char *ts_base_url(const struct ts_server *s);

/* Queue a response. headers: "Name: value\r\n..." lines (may be NULL);
 * Content-Length and Connection: close are added. */
void ts_push(struct ts_server *s, int status, const char *headers,
             const char *body);
/* ts_push with Content-Type: application/json. */
void ts_push_json(struct ts_server *s, int status, const char *body);
/* A body sent in pieces, delimited by closing the connection. When
 * gate_before >= 0, piece gate_before is sent only after ts_gate_open()
 * (or after 5 s; then ts_gate_timed_out() is true). */
void ts_push_pieces(struct ts_server *s, int status, const char *headers,
                    const char *const *pieces, size_t n, int gate_before);
/* Accept the connection, read the request, close without answering. */
void ts_push_hangup(struct ts_server *s);
/* Wait ms before answering the next queued response. */
void ts_push_delay(struct ts_server *s, int status, const char *headers,
                   const char *body, int delay_ms);

void ts_gate_open(struct ts_server *s);
bool ts_gate_timed_out(struct ts_server *s);

size_t ts_request_count(struct ts_server *s);
/* Valid until ts_stop. */
const struct ts_request *ts_request(struct ts_server *s, size_t i);
/* Case-insensitive; NULL when absent. */
const char *ts_header(const struct ts_request *r, const char *name);
/* Responses still queued. */
size_t ts_pending(struct ts_server *s);

#endif
