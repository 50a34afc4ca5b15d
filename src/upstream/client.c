/* SPDX-License-Identifier: Apache-2.0
 * upstream/client.c - libcurl multi on libevent.
 *
 * curl tells us which sockets to watch (socket callback) and when to wake
 * (timer callback); libevent tells curl when a socket is ready. Finished
 * transfers are collected after each curl_multi_socket_action call and
 * their done callbacks run from there, outside any curl callback, so a
 * done callback may start or cancel transfers freely.
 */
#include "upstream/client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "core/limits.h"
#include "upstream/curl_lazy.h"
#include "util/bigblock.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/time.h"

/* curl's receive buffer: 256 KB instead of 16 KB, so a 45 MB image takes
 * ~180 reads and write callbacks instead of ~2,800. */
#define UPSTREAM_RECV_BUFFER (256L * 1024)

/* Finished easy handles kept, reset, for the next requests: curl_easy_init
 * and curl_easy_cleanup per request were ~4% of the loop thread. */
#define UPSTREAM_IDLE_MAX 64

struct ir_upstream {
    struct event_base *base;
    CURLM *multi;
    struct event *timer;
    CURL *idle[UPSTREAM_IDLE_MAX]; /* reset handles, no transfer */
    size_t nidle;
    size_t active;
    struct ir_upstream_req *reqs; /* every live request */
    bool in_check;
};

struct ir_upstream_req {
    struct ir_upstream *u;
    CURL *easy;
    struct curl_slist *headers;
    struct ir_http_req req;     /* owned: url, body must outlive the send */
    struct ir_upstream_opts opts;
    ir_upstream_data_cb *on_data;
    ir_upstream_done_cb *done;
    void *arg;
    struct ir_buf body;
    char **resp_headers;
    size_t nresp_headers, capresp_headers;
    struct ir_http_resp resp;
    enum ir_upstream_fail fail;
    char errbuf[CURL_ERROR_SIZE];
    char errmsg[256];
    struct event *first_byte_timer;
    bool got_byte;
    bool first_byte_timed_out;
    bool finished;             /* done ran, or about to */
    int local_errno;           /* socket() failed for want of resources */
    int64_t start_ms, end_ms;
    struct ir_upstream_req *prev, *next;
};

/* Per-socket watcher that curl asked for. */
struct upstream_sock {
    struct event *ev;
    struct ir_upstream *u;
};

static void upstream_check(struct ir_upstream *u);

static void
upstream_event_cb(evutil_socket_t fd, short what, void *arg)
{
    struct ir_upstream *u = arg;
    int running, action = 0;

    if (what & EV_READ)
        action |= CURL_CSELECT_IN;
    if (what & EV_WRITE)
        action |= CURL_CSELECT_OUT;
    curl_multi_socket_action(u->multi, fd, action, &running);
    upstream_check(u);
}

static void
upstream_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    struct ir_upstream *u = arg;
    int running;

    (void)fd;
    (void)what;
    curl_multi_socket_action(u->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    upstream_check(u);
}

static int
upstream_timer_fn(CURLM *multi, long timeout_ms, void *arg)
{
    struct ir_upstream *u = arg;
    struct timeval tv;

    (void)multi;
    if (timeout_ms < 0) {
        evtimer_del(u->timer);
        return 0;
    }
    tv.tv_sec = timeout_ms / 1000;
    tv.tv_usec = (timeout_ms % 1000) * 1000;
    evtimer_add(u->timer, &tv);
    return 0;
}

static int
upstream_socket_fn(CURL *easy, curl_socket_t s, int what, void *arg,
                   void *sockp)
{
    struct ir_upstream *u = arg;
    struct upstream_sock *us = sockp;
    short kind;

    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        if (us != NULL) {
            event_free(us->ev);
            ir_free(us);
            curl_multi_assign(u->multi, s, NULL);
        }
        return 0;
    }
    kind = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
           ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
    if (us == NULL) {
        us = ir_calloc(1, sizeof *us);
        if (us == NULL)
            return -1;
        us->u = u;
        curl_multi_assign(u->multi, s, us);
    } else {
        event_free(us->ev);
    }
    us->ev = event_new(u->base, s, kind, upstream_event_cb, u);
    if (us->ev == NULL)
        return -1;
    event_add(us->ev, NULL);
    return 0;
}

/* curl_global_init (loading libcurl, OpenSSL's setup: a few MB of
 * touched pages) runs on the first transfer, not at start; until it
 * succeeds, each transfer tries again (the failure may be passing, such
 * as no descriptor free to open the library with). */
static pthread_mutex_t upstream_init_mu = PTHREAD_MUTEX_INITIALIZER;
static _Atomic bool upstream_inited;

ir_err
ir_upstream_global_init(void)
{
    CURLcode rc = CURLE_OK;

    if (atomic_load(&upstream_inited))
        return IR_OK;
    pthread_mutex_lock(&upstream_init_mu);
    if (!atomic_load(&upstream_inited)) {
        rc = curl_global_init(CURL_GLOBAL_DEFAULT);
        atomic_store(&upstream_inited, rc == CURLE_OK);
    }
    pthread_mutex_unlock(&upstream_init_mu);
    if (rc != CURLE_OK) {
        ir_log(IR_LOG_ERROR, "libcurl: %s",
               *ir_upstream_curl_lazy_error() ? ir_upstream_curl_lazy_error()
                                              : "curl_global_init failed");
        return IR_EINTERNAL;
    }
    return IR_OK;
}

bool
ir_upstream_global_inited(void)
{
    return atomic_load(&upstream_inited);
}

void
ir_upstream_global_cleanup(void)
{
    if (atomic_load(&upstream_inited))
        curl_global_cleanup();
    atomic_store(&upstream_inited, false);
}

ir_err
ir_upstream_new(struct event_base *base, struct ir_upstream **out)
{
    struct ir_upstream *u = ir_calloc(1, sizeof *u);

    if (u == NULL)
        return IR_ENOMEM;
    u->base = base;
    u->timer = evtimer_new(base, upstream_timer_cb, u);
    if (u->timer == NULL) {
        ir_upstream_free(u);
        return IR_ENOMEM;
    }
    *out = u;
    return IR_OK;
}

/* The multi handle is made with the first transfer (see above). */
static ir_err
upstream_multi(struct ir_upstream *u)
{
    ir_err err;

    if (u->multi != NULL)
        return IR_OK;
    if ((err = ir_upstream_global_init()))
        return err;
    if ((u->multi = curl_multi_init()) == NULL)
        return IR_ENOMEM;
    curl_multi_setopt(u->multi, CURLMOPT_SOCKETFUNCTION, upstream_socket_fn);
    curl_multi_setopt(u->multi, CURLMOPT_SOCKETDATA, u);
    curl_multi_setopt(u->multi, CURLMOPT_TIMERFUNCTION, upstream_timer_fn);
    curl_multi_setopt(u->multi, CURLMOPT_TIMERDATA, u);
    /* No cap on connections per host: a generation holds its connection
     * for seconds to minutes, so a cap would queue users behind each
     * other. Idle connections are kept for reuse, up to this many. */
    curl_multi_setopt(u->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
    curl_multi_setopt(u->multi, CURLMOPT_MAXCONNECTS, 1024L);
    return IR_OK;
}

bool
ir_upstream_started(const struct ir_upstream *u)
{
    return u->multi != NULL;
}

static void
upstream_req_detach(struct ir_upstream_req *r)
{
    struct ir_upstream *u = r->u;

    if (r->easy != NULL) {
        curl_multi_remove_handle(u->multi, r->easy);
        if (u->nidle < UPSTREAM_IDLE_MAX) {
            /* Forgets every option; keeps nothing of this request. */
            curl_easy_reset(r->easy);
            u->idle[u->nidle++] = r->easy;
        } else {
            curl_easy_cleanup(r->easy);
        }
        r->easy = NULL;
        u->active--;
    }
    if (r->prev != NULL)
        r->prev->next = r->next;
    else if (u->reqs == r)
        u->reqs = r->next;
    if (r->next != NULL)
        r->next->prev = r->prev;
    r->prev = r->next = NULL;
}

void
ir_upstream_req_free(struct ir_upstream_req *r)
{
    size_t i;

    if (r == NULL)
        return;
    upstream_req_detach(r);
    if (r->first_byte_timer != NULL)
        event_free(r->first_byte_timer);
    curl_slist_free_all(r->headers);
    ir_http_req_cleanup(&r->req);
    ir_buf_cleanup(&r->body);
    for (i = 0; i < r->nresp_headers; i++)
        ir_free(r->resp_headers[i]);
    ir_free(r->resp_headers);
    ir_free(r);
}

void
ir_upstream_free(struct ir_upstream *u)
{
    if (u == NULL)
        return;
    while (u->reqs != NULL)
        ir_upstream_req_free(u->reqs);
    while (u->nidle > 0)
        curl_easy_cleanup(u->idle[--u->nidle]);
    if (u->multi != NULL)
        curl_multi_cleanup(u->multi);
    if (u->timer != NULL)
        event_free(u->timer);
    ir_free(u);
}

size_t
ir_upstream_active(const struct ir_upstream *u)
{
    return u->active;
}

static void
upstream_got_byte(struct ir_upstream_req *r)
{
    if (!r->got_byte) {
        r->got_byte = true;
        if (r->first_byte_timer != NULL)
            evtimer_del(r->first_byte_timer);
    }
}

static size_t
upstream_header_cb(char *p, size_t size, size_t n, void *arg)
{
    struct ir_upstream_req *r = arg;
    size_t len = size * n, i;
    char **h;

    upstream_got_byte(r);
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        /* A new status line (after 100 Continue or a redirect). */
        for (i = 0; i < r->nresp_headers; i++)
            ir_free(r->resp_headers[i]);
        r->nresp_headers = 0;
        return len;
    }
    while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r'))
        len--;
    if (len == 0 || memchr(p, ':', len) == NULL)
        return size * n;
    if (r->nresp_headers >= 256)
        return size * n; /* ignore past a sane count */
    if (r->nresp_headers == r->capresp_headers) {
        size_t cap = r->capresp_headers ? r->capresp_headers * 2 : 16;

        h = ir_realloc(r->resp_headers, cap * sizeof *h);
        if (h == NULL)
            return 0;
        r->resp_headers = h;
        r->capresp_headers = cap;
    }
    if ((r->resp_headers[r->nresp_headers] = ir_strndup(p, len)) == NULL)
        return 0;
    r->nresp_headers++;
    return size * n;
}

/* Before the first byte of a body: room for all of it when the answer
 * says how long it is, so a 45 MB image is not copied through doubling
 * buffers up to 64 MB. Without Content-Length (or when it lies) the
 * buffer grows as usual. */
static void
upstream_size_body(struct ir_upstream_req *r)
{
    curl_off_t cl = -1;
    char *p;

    if (r->body.data != NULL ||
        curl_easy_getinfo(r->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
                          &cl) != CURLE_OK ||
        cl <= 0 || (uint64_t)cl > r->body.max)
        return;
    /* ir_buf_reserve rounds up to a power of two; size it exactly. A
     * big one reuses the last big answer's pages when it can. */
    if ((p = ir_bigblock_get((size_t)cl + 1)) == NULL &&
        (p = ir_malloc((size_t)cl + 1)) == NULL)
        return;
    p[0] = '\0';
    r->body.data = p;
    r->body.cap = (size_t)cl + 1; /* ir_malloc hints huge pages */
}

static size_t
upstream_write_cb(char *p, size_t size, size_t n, void *arg)
{
    struct ir_upstream_req *r = arg;
    size_t len = size * n;

    upstream_got_byte(r);
    if (r->on_data != NULL) {
        if (!r->on_data(r, p, len, r->arg)) {
            r->fail = IR_UPSTREAM_ABORTED;
            return 0;
        }
        return len;
    }
    upstream_size_body(r);
    if (ir_buf_add(&r->body, p, len) != IR_OK) {
        r->fail = IR_UPSTREAM_TOO_BIG;
        return 0;
    }
    return len;
}

/* The SSRF guard: refuse sockets to non-public addresses. curl calls this
 * with the address it resolved, so DNS rebinding cannot slip past. */
static bool
upstream_addr_public(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        uint32_t a = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);

        return !((a >> 24) == 0 || (a >> 24) == 10 || (a >> 24) == 127 ||
                 (a >> 20) == (172u << 4 | 1) ||
                 (a >> 16) == (192u << 8 | 168) ||
                 (a >> 16) == (169u << 8 | 254) ||
                 (a >> 22) == (100u << 2 | 1) || (a >> 28) >= 14);
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a =
            &((const struct sockaddr_in6 *)sa)->sin6_addr;

        if (IN6_IS_ADDR_V4MAPPED(a)) {
            struct sockaddr_in v4 = {0};

            v4.sin_family = AF_INET;
            memcpy(&v4.sin_addr, &a->s6_addr[12], 4);
            return upstream_addr_public((struct sockaddr *)&v4);
        }
        return !(IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_UNSPECIFIED(a) ||
                 IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_SITELOCAL(a) ||
                 IN6_IS_ADDR_MULTICAST(a) || (a->s6_addr[0] & 0xfe) == 0xfc);
    }
    return false;
}

/* Errors that mean this process, not the provider, ran short. */
static bool
upstream_errno_local(long e)
{
    return e == EMFILE || e == ENFILE || e == ENOMEM || e == ENOBUFS;
}

static curl_socket_t
upstream_opensocket_cb(void *arg, curlsocktype purpose,
                       struct curl_sockaddr *addr)
{
    struct ir_upstream_req *r = arg;
    curl_socket_t fd;

    (void)purpose;
    if (r->opts.public_only && !upstream_addr_public(&addr->addr)) {
        r->fail = IR_UPSTREAM_BLOCKED;
        return CURL_SOCKET_BAD;
    }
    fd = socket(addr->family, addr->socktype, addr->protocol);
    if (fd == CURL_SOCKET_BAD && upstream_errno_local(errno))
        r->local_errno = errno;
    return fd;
}

static void
upstream_first_byte_cb(evutil_socket_t fd, short what, void *arg)
{
    struct ir_upstream_req *r = arg;
    struct ir_upstream *u = r->u;

    (void)fd;
    (void)what;
    if (r->got_byte || r->finished)
        return;
    r->first_byte_timed_out = true;
    r->fail = IR_UPSTREAM_TIMEOUT;
    (void)snprintf(r->errmsg, sizeof r->errmsg,
                   "no response within %d ms", r->opts.first_byte_timeout_ms);
    /* Finish it as curl would have: remove the handle, then report. */
    upstream_req_detach(r);
    r->finished = true;
    r->end_ms = ir_time_mono_ms();
    r->done(r, r->arg);
    (void)u;
}

ir_err
ir_upstream_send(struct ir_upstream *u, struct ir_http_req *owned_req,
                 const struct ir_upstream_opts *opts,
                 ir_upstream_data_cb *on_data, ir_upstream_done_cb *done,
                 void *arg, struct ir_upstream_req **out)
{
    struct ir_upstream_req *r;
    struct curl_slist *h;
    size_t i;
    ir_err err;

    if ((err = upstream_multi(u))) {
        ir_http_req_cleanup(owned_req);
        return err;
    }
    if ((r = ir_calloc(1, sizeof *r)) == NULL) {
        ir_http_req_cleanup(owned_req);
        return IR_ENOMEM;
    }
    r->u = u;
    r->req = *owned_req;
    memset(owned_req, 0, sizeof *owned_req);
    r->opts = *opts;
    r->on_data = on_data;
    r->done = done;
    r->arg = arg;
    ir_buf_init(&r->body, opts->max_body ? opts->max_body
                                         : IR_MAX_UPSTREAM_BODY);
    r->easy = u->nidle > 0 ? u->idle[--u->nidle] : curl_easy_init();
    if (r->easy == NULL)
        goto fail;
    u->active++;
    for (i = 0; i < r->req.nheaders; i++) {
        h = curl_slist_append(r->headers, r->req.headers[i]);
        if (h == NULL)
            goto fail;
        r->headers = h;
    }
    /* curl adds "Expect: 100-continue" to large bodies; providers do not
     * need the round trip. */
    if ((h = curl_slist_append(r->headers, "Expect:")) == NULL)
        goto fail;
    r->headers = h;
    curl_easy_setopt(r->easy, CURLOPT_URL, r->req.url);
    curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
    curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(r->easy, CURLOPT_HEADERFUNCTION, upstream_header_cb);
    curl_easy_setopt(r->easy, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, upstream_write_cb);
    curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(r->easy, CURLOPT_OPENSOCKETFUNCTION,
                     upstream_opensocket_cb);
    curl_easy_setopt(r->easy, CURLOPT_OPENSOCKETDATA, r);
    curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(r->easy, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(r->easy, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(r->easy, CURLOPT_BUFFERSIZE, UPSTREAM_RECV_BUFFER);
    if (opts->public_only) {
        /* Redirects could lead anywhere: follow them, but each new
         * connection still passes the address check above. */
        curl_easy_setopt(r->easy, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(r->easy, CURLOPT_MAXREDIRS, 3L);
    }
    if (strcmp(r->req.method, "POST") == 0 || r->req.body != NULL) {
        curl_easy_setopt(r->easy, CURLOPT_POST, 1L);
        curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS,
                         r->req.body ? r->req.body : "");
        curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)r->req.body_len);
    }
    if (strcmp(r->req.method, "GET") != 0 &&
        strcmp(r->req.method, "POST") != 0)
        curl_easy_setopt(r->easy, CURLOPT_CUSTOMREQUEST, r->req.method);
    if (opts->connect_timeout_ms > 0)
        curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS,
                         (long)opts->connect_timeout_ms);
    if (opts->total_timeout_ms > 0)
        curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS,
                         (long)opts->total_timeout_ms);
    if (opts->first_byte_timeout_ms > 0) {
        struct timeval tv = {opts->first_byte_timeout_ms / 1000,
                             (opts->first_byte_timeout_ms % 1000) * 1000};

        r->first_byte_timer = evtimer_new(u->base, upstream_first_byte_cb, r);
        if (r->first_byte_timer == NULL)
            goto fail;
        evtimer_add(r->first_byte_timer, &tv);
    }
    r->start_ms = ir_time_mono_ms();
    if (curl_multi_add_handle(u->multi, r->easy) != CURLM_OK)
        goto fail;
    r->next = u->reqs;
    if (u->reqs != NULL)
        u->reqs->prev = r;
    u->reqs = r;
    *out = r;
    return IR_OK;
fail:
    if (r->easy != NULL) {
        curl_easy_cleanup(r->easy);
        r->easy = NULL;
        u->active--;
    }
    ir_upstream_req_free(r);
    return IR_ENOMEM;
}

static enum ir_upstream_fail
upstream_classify(struct ir_upstream_req *r, CURLcode rc)
{
    long os_errno = 0;

    if (r->fail != IR_UPSTREAM_OK)
        return r->fail; /* ours: too big, aborted, blocked */
    if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_OUT_OF_MEMORY) {
        curl_easy_getinfo(r->easy, CURLINFO_OS_ERRNO, &os_errno);
        if (r->local_errno != 0 || upstream_errno_local(os_errno) ||
            rc == CURLE_OUT_OF_MEMORY) {
            (void)snprintf(r->errmsg, sizeof r->errmsg, "%s",
                           r->local_errno ? strerror(r->local_errno)
                           : os_errno     ? strerror((int)os_errno)
                                          : curl_easy_strerror(rc));
            return IR_UPSTREAM_LOCAL;
        }
    }
    switch (rc) {
    case CURLE_OK:
        return IR_UPSTREAM_OK;
    case CURLE_OPERATION_TIMEDOUT:
        return IR_UPSTREAM_TIMEOUT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SSL_CONNECT_ERROR:
        return IR_UPSTREAM_CONNECT;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2_STREAM:
        return IR_UPSTREAM_TRUNCATED;
    default:
        return IR_UPSTREAM_OTHER;
    }
}

static void
upstream_finish(struct ir_upstream_req *r, CURLcode rc)
{
    long status = 0;

    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    r->fail = upstream_classify(r, rc);
    if (r->errmsg[0] == '\0')
        (void)snprintf(r->errmsg, sizeof r->errmsg, "%s",
                       r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc));
    upstream_req_detach(r);
    r->finished = true;
    r->end_ms = ir_time_mono_ms();
    r->resp.status = (int)status;
    r->resp.headers = (const char *const *)r->resp_headers;
    r->resp.nheaders = r->nresp_headers;
    r->resp.body = r->body.data ? r->body.data : "";
    r->resp.len = r->body.len;
    r->resp.truncated = r->fail == IR_UPSTREAM_TRUNCATED;
    if (r->first_byte_timer != NULL)
        evtimer_del(r->first_byte_timer);
    r->done(r, r->arg);
}

static void
upstream_check(struct ir_upstream *u)
{
    CURLMsg *m;
    int left;

    while ((m = curl_multi_info_read(u->multi, &left)) != NULL) {
        struct ir_upstream_req *r = NULL;

        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        if (r != NULL && !r->finished)
            upstream_finish(r, m->data.result);
    }
}

const struct ir_http_resp *
ir_upstream_resp(const struct ir_upstream_req *r)
{
    return &r->resp;
}

enum ir_upstream_fail
ir_upstream_failure(const struct ir_upstream_req *r)
{
    return r->fail;
}

const char *
ir_upstream_errmsg(const struct ir_upstream_req *r)
{
    return r->errmsg;
}

int64_t
ir_upstream_elapsed_ms(const struct ir_upstream_req *r)
{
    return (r->end_ms ? r->end_ms : ir_time_mono_ms()) - r->start_ms;
}

char *
ir_upstream_take_body(struct ir_upstream_req *r, size_t *len)
{
    char *b = ir_buf_take(&r->body, len);

    r->resp.body = "";
    r->resp.len = 0;
    return b;
}

bool
ir_upstream_ok_status(const struct ir_upstream_req *r)
{
    long status = r->resp.status;

    if (r->easy != NULL && !r->finished)
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    return status >= 200 && status < 300;
}

void
ir_upstream_set_body(struct ir_upstream_req *r, struct ir_buf *b)
{
    ir_buf_cleanup(&r->body);
    r->body = *b;
    ir_buf_init(b, b->max);
    r->resp.body = r->body.data ? r->body.data : "";
    r->resp.len = r->body.len;
}
