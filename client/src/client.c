/* SPDX-License-Identifier: Apache-2.0
 * client/client.c - imagerouter_client_new/free, option defaults, the
 * easy-handle pool and the headers every call sends.
 */
#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define OPTIONS_VERSION 1

static pthread_once_t client_curl_once = PTHREAD_ONCE_INIT;
static CURLcode client_curl_status = CURLE_OK;

static void client_curl_init(void);
static char *client_header(const char *name, const char *value);
static int client_set_strings(imagerouter_client *c,
                              const imagerouter_options *o);

const char *
imagerouter_version(void)
{
    return IMAGEROUTER_VERSION_STRING;
}

void
imagerouter_options_init(imagerouter_options *o)
{
    memset(o, 0, sizeof *o);
    o->version = OPTIONS_VERSION;
    o->max_response_bytes = IRC_DEFAULT_MAX_RESPONSE;
    imagerouter_retry_config_init(&o->retry);
}

void
imagerouter_call_options_init(imagerouter_call_options *o)
{
    memset(o, 0, sizeof *o);
    o->version = OPTIONS_VERSION;
}

/* curl_global_init is not thread-safe in older libcurl; run it once. */
static void
client_curl_init(void)
{
    client_curl_status = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* "Name: value", or NULL for a NULL/empty value or OOM. */
static char *
client_header(const char *name, const char *value)
{
    size_t n;
    char *h;

    if (!value || !*value)
        return NULL;
    n = strlen(name) + strlen(value) + 3;
    h = malloc(n);
    if (h)
        snprintf(h, n, "%s: %s", name, value);
    return h;
}

static int
client_set_strings(imagerouter_client *c, const imagerouter_options *o)
{
    const char *key = o->api_key, *base = o->base_url;
    char ua[64];
    size_t n;

    if (!key)
        key = getenv("IMAGEROUTER_API_KEY");
    if (!base || !*base)
        base = getenv("IMAGEROUTER_BASE_URL");
    if (!base || !*base)
        base = IMAGEROUTER_DEFAULT_BASE_URL;
    if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0)
        return IMAGEROUTER_ERR_INVALID_ARGUMENT;
    c->base_url = strdup(base);
    if (!c->base_url)
        return IMAGEROUTER_ERR_NO_MEMORY;
    n = strlen(c->base_url);
    while (n > 0 && c->base_url[n - 1] == '/')
        c->base_url[--n] = '\0';
    if (key && *key) {
        bool bearer = strncmp(key, "Bearer ", 7) == 0;
        size_t len = strlen(key) + 32;

        c->auth_header = malloc(len);
        if (!c->auth_header)
            return IMAGEROUTER_ERR_NO_MEMORY;
        snprintf(c->auth_header, len, "Authorization: %s%s",
                 bearer ? "" : "Bearer ", key);
    }
    c->referer_header = client_header("HTTP-Referer", o->http_referer);
    c->title_header = client_header("X-OpenRouter-Title", o->app_title);
    c->categories_header =
        client_header("X-OpenRouter-Categories", o->app_categories);
    snprintf(ua, sizeof(ua), "imagerouter-c/%s", IMAGEROUTER_VERSION_STRING);
    c->user_agent = strdup(o->user_agent ? o->user_agent : ua);
    if ((o->http_referer && *o->http_referer && !c->referer_header) ||
        (o->app_title && *o->app_title && !c->title_header) ||
        (o->app_categories && *o->app_categories && !c->categories_header) ||
        !c->user_agent)
        return IMAGEROUTER_ERR_NO_MEMORY;
    return IMAGEROUTER_OK;
}

int
imagerouter_client_new(const imagerouter_options *opts,
                       imagerouter_client **out, imagerouter_error **err)
{
    imagerouter_options defaults;
    imagerouter_client *c;
    int rc;

    if (!out)
        return irc_fail(err, IMAGEROUTER_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if (!opts) {
        imagerouter_options_init(&defaults);
        opts = &defaults;
    }
    pthread_once(&client_curl_once, client_curl_init);
    if (client_curl_status != CURLE_OK)
        return irc_fail(err, IMAGEROUTER_ERR_CONNECTION,
                        "curl_global_init: %s",
                        curl_easy_strerror(client_curl_status));
    c = calloc(1, sizeof *c);
    if (!c)
        return irc_fail(err, IMAGEROUTER_ERR_NO_MEMORY, "out of memory");
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        return irc_fail(err, IMAGEROUTER_ERR_NO_MEMORY, "mutex init failed");
    }
    rc = client_set_strings(c, opts);
    if (rc != IMAGEROUTER_OK) {
        imagerouter_client_free(c);
        if (rc == IMAGEROUTER_ERR_INVALID_ARGUMENT)
            return irc_fail(err, rc, "base URL must start with http:// or "
                                     "https://");
        return irc_fail(err, rc, "out of memory");
    }
    c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 0;
    c->connect_timeout_ms =
        opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 0;
    c->max_response_bytes = opts->max_response_bytes
                                ? opts->max_response_bytes
                                : IRC_DEFAULT_MAX_RESPONSE;
    c->retry = opts->retry;
    *out = c;
    return IMAGEROUTER_OK;
}

void
imagerouter_client_free(imagerouter_client *c)
{
    size_t i;

    if (!c)
        return;
    for (i = 0; i < c->idle_count; i++)
        curl_easy_cleanup(c->idle[i]);
    pthread_mutex_destroy(&c->lock);
    free(c->base_url);
    free(c->auth_header);
    free(c->referer_header);
    free(c->title_header);
    free(c->categories_header);
    free(c->user_agent);
    free(c);
}

const char *
imagerouter_client_base_url(const imagerouter_client *c)
{
    return c ? c->base_url : NULL;
}

CURL *
irc_client_take_handle(imagerouter_client *c)
{
    CURL *h = NULL;

    pthread_mutex_lock(&c->lock);
    if (c->idle_count > 0)
        h = c->idle[--c->idle_count];
    pthread_mutex_unlock(&c->lock);
    if (h) {
        curl_easy_reset(h);   /* options go; connections stay */
        return h;
    }
    return curl_easy_init();
}

void
irc_client_give_handle(imagerouter_client *c, CURL *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&c->lock);
    if (c->idle_count < IRC_POOL_MAX) {
        c->idle[c->idle_count++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&c->lock);
    if (h)
        curl_easy_cleanup(h);
}

struct curl_slist *
irc_client_headers(const imagerouter_client *c, bool post, bool accept_stream)
{
    const char *fixed[] = {
        accept_stream ? "Accept: text/event-stream"
                      : "Accept: application/json",
        post ? "Content-Type: application/json" : NULL,
        "Expect:",   /* no 100-continue round trip for big bodies */
        c->auth_header, c->referer_header, c->title_header,
        c->categories_header,
    };
    struct curl_slist *list = NULL, *next;
    size_t i;

    for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        if (!fixed[i])
            continue;
        next = curl_slist_append(list, fixed[i]);
        if (!next) {
            curl_slist_free_all(list);
            return NULL;
        }
        list = next;
    }
    return list;
}
