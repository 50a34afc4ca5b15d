/* SPDX-License-Identifier: Apache-2.0
 * upstream/curl_mem.h - libcurl's allocator (curl_global_init_mem): big
 * blocks straight from mmap, with no header written into them.
 */
#ifndef IR_UPSTREAM_CURL_MEM_H
#define IR_UPSTREAM_CURL_MEM_H

#include <stddef.h>

/* Blocks of at least this many bytes are mappings of their own. */
#define IR_CURL_MEM_BIG ((size_t)64 * 1024)

/* Why: curl's 256 KB receive buffer (one per transfer, allocated when it
 * connects) is a mapping glibc starts with a chunk header, so each held
 * transfer had a resident page before any byte of its answer arrived.
 * Here a big block's size lives in a side table keyed by its (page
 * aligned) address, so untouched pages stay unmapped. Smaller blocks go
 * to malloc and friends unchanged. Thread-safe. */
void *ir_upstream_curl_mem_malloc(size_t n);
void ir_upstream_curl_mem_free(void *p);
void *ir_upstream_curl_mem_realloc(void *p, size_t n);
char *ir_upstream_curl_mem_strdup(const char *s);
void *ir_upstream_curl_mem_calloc(size_t nmemb, size_t size);

/* Big blocks now live (tests and stats). */
size_t ir_upstream_curl_mem_big_live(void);

#endif
