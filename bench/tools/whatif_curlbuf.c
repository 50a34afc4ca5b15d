/* SPDX-License-Identifier: Apache-2.0
 * bench/tools/whatif_curlbuf.c - LD_PRELOAD what-if for bench/inflight.sh
 * (PERF_ROUTER_PRELOAD): every easy handle the router creates gets
 * CURLOPT_BUFFERSIZE = WHATIF_CURL_BUFSIZE (default 4096) instead of
 * curl's 16 KB, to measure what that one setopt in src/upstream/client.c
 * (ir_upstream_send) would save per held generation. Never shipped.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

#include <curl/curl.h>

CURL *
curl_easy_init(void)
{
    static CURL *(*real)(void);
    const char *s = getenv("WHATIF_CURL_BUFSIZE");
    CURL *h;

    if (real == NULL)
        real = (CURL * (*)(void)) dlsym(RTLD_NEXT, "curl_easy_init");
    if (real == NULL || (h = real()) == NULL)
        return NULL;
    curl_easy_setopt(h, CURLOPT_BUFFERSIZE, s != NULL ? atol(s) : 4096L);
    return h;
}
