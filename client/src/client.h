/* SPDX-License-Identifier: Apache-2.0
 * client/client.h - the client handle: immutable settings plus a
 * mutex-protected pool of idle curl easy handles.
 */
#ifndef IRC_CLIENT_H
#define IRC_CLIENT_H

#include <pthread.h>
#include <stdbool.h>

#include <curl/curl.h>

#include "imagerouter.h"

#define IRC_POOL_MAX 8
#define IRC_DEFAULT_MAX_RESPONSE ((size_t)256 * 1024 * 1024)

struct imagerouter_client {
    char *base_url;          /* no trailing slash */
    char *auth_header;       /* "Authorization: Bearer ..." or NULL */
    char *referer_header;    /* "HTTP-Referer: ..." or NULL */
    char *title_header;      /* "X-OpenRouter-Title: ..." or NULL */
    char *categories_header; /* "X-OpenRouter-Categories: ..." or NULL */
    char *user_agent;
    long timeout_ms;
    long connect_timeout_ms;
    size_t max_response_bytes;
    imagerouter_retry_config retry;

    pthread_mutex_t lock;    /* guards idle[] */
    CURL *idle[IRC_POOL_MAX];
    size_t idle_count;
};

/* An easy handle for one call (reset, connections kept); NULL on OOM. */
CURL *irc_client_take_handle(imagerouter_client *c);
/* Back to the pool (or cleaned up when the pool is full). */
void irc_client_give_handle(imagerouter_client *c, CURL *h);
/* The request headers for one call; NULL on OOM. */
struct curl_slist *irc_client_headers(const imagerouter_client *c, bool post,
                                      bool accept_stream);

#endif
