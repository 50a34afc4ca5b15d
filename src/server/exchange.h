/* SPDX-License-Identifier: Apache-2.0
 * server/exchange.h - one HTTP request and its response, as handlers in
 * src/api see it. Nothing outside src/server includes libevent's HTTP or
 * bufferevent headers.
 *
 * Lifetime: the exchange is valid from the handler call until the handler
 * finishes it with ir_exchange_reply*() or ir_exchange_stream_end(). If the
 * client goes away first, the abort callback runs (once) and the exchange
 * stays valid; the handler still finishes it, which then only frees it.
 */
#ifndef IR_SERVER_EXCHANGE_H
#define IR_SERVER_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "util/err.h"

struct ir_exchange;

typedef void ir_exchange_abort_cb(struct ir_exchange *x, void *arg);

const char *ir_exchange_method(const struct ir_exchange *x);
/* The path, percent-decoded, without the query. */
const char *ir_exchange_path(const struct ir_exchange *x);
/* The raw path as sent (for percent-encoded segments). */
const char *ir_exchange_raw_path(const struct ir_exchange *x);
/* A query parameter, percent-decoded into buf; NULL when absent. */
const char *ir_exchange_query_param(const struct ir_exchange *x,
                                    const char *name, char *buf, size_t size);
/* A request header (case-insensitive); NULL when absent. */
const char *ir_exchange_header(const struct ir_exchange *x, const char *name);
const char *ir_exchange_body(const struct ir_exchange *x, size_t *len);
/* Peer address as text, e.g. "127.0.0.1:51234". */
const char *ir_exchange_peer(const struct ir_exchange *x);
/* Monotonic microseconds when the request was fully read. */
int64_t ir_exchange_start_us(const struct ir_exchange *x);

/* Adds a response header; call before the reply or stream begins. */
ir_err ir_exchange_header_add(struct ir_exchange *x, const char *name,
                              const char *value) IR_MUST_CHECK;

/* Complete responses. The _owned form takes owned_body (freed with
 * ir_free) and sends it without copying. */
void ir_exchange_reply(struct ir_exchange *x, int status, const char *ctype,
                       const void *body, size_t len);
void ir_exchange_reply_owned(struct ir_exchange *x, int status,
                             const char *ctype, void *owned_body,
                             size_t len);
/* The body is block[skip .. skip + len); block is freed with ir_free. */
void ir_exchange_reply_owned_at(struct ir_exchange *x, int status,
                                const char *ctype, void *block, size_t skip,
                                size_t len);
void ir_exchange_reply_error(struct ir_exchange *x, const struct ir_error *e);
/* Adds Retry-After when e->retry_after_s > 0. */

/* Chunked responses (SSE). */
void ir_exchange_stream_begin(struct ir_exchange *x, int status,
                              const char *ctype);
void ir_exchange_stream_write(struct ir_exchange *x, const void *p, size_t n);
void ir_exchange_stream_write_owned(struct ir_exchange *x, void *owned,
                                    size_t n);
/* Writes block[skip .. skip + n) and frees block with ir_free. */
void ir_exchange_stream_write_owned_at(struct ir_exchange *x, void *block,
                                       size_t skip, size_t n);
void ir_exchange_stream_end(struct ir_exchange *x);
bool ir_exchange_streaming(const struct ir_exchange *x);
/* Bytes queued to the client and not yet written (for back-pressure). */
size_t ir_exchange_pending_bytes(const struct ir_exchange *x);

/* Client-gone notification (see the lifetime note above). */
void ir_exchange_on_abort(struct ir_exchange *x, ir_exchange_abort_cb *cb,
                          void *arg);
bool ir_exchange_aborted(const struct ir_exchange *x);

#endif
