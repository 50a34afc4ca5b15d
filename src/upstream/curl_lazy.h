/* SPDX-License-Identifier: Apache-2.0
 * upstream/curl_lazy.h - libcurl, dlopened on the first curl call.
 *
 * curl_lazy.c defines the curl_* functions that the router and the SDK
 * call, so the executable does not link libcurl: the library (and its
 * TLS, LDAP, SSH and Kerberos dependencies, ~4 MB of mapped pages and
 * most of the start-up relocations) is loaded by the first call, which
 * for serve is the first outbound request. A call that needs the
 * library when it cannot be loaded fails as libcurl would on a broken
 * handle (NULL, CURLE_FAILED_INIT, CURLM_INTERNAL_ERROR).
 */
#ifndef IR_UPSTREAM_CURL_LAZY_H
#define IR_UPSTREAM_CURL_LAZY_H

#include <stdbool.h>

/* The soname opened; the build may name another. */
#ifndef IR_CURL_SONAME
#define IR_CURL_SONAME "libcurl.so.4"
#endif

/* Has libcurl been loaded (without loading it)? */
bool ir_upstream_curl_lazy_loaded(void);
/* Why loading failed ("" before any attempt or after success). */
const char *ir_upstream_curl_lazy_error(void);

#endif
