/* SPDX-License-Identifier: Apache-2.0
 * upstream/curl_mem.c - libcurl's allocator: blocks of IR_CURL_MEM_BIG
 * and more are mmapped with their size kept aside, the rest is malloc.
 *
 * An allocator, so like util/mem.c it calls the C allocator itself
 * (scripts/checksrc knows). No ir_mem_fail_at hook: curl's own failures
 * are curl's to test.
 */
#include "upstream/curl_mem.h"

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The side table: open addressing, linear probing, deletion by shifting
 * back (no tombstones). A key is a mapping's address, 0 an empty slot. */
struct curl_mem_slot {
    uintptr_t addr;
    size_t len; /* bytes mapped: the size asked for, rounded to pages */
};

static pthread_mutex_t curl_mem_mu = PTHREAD_MUTEX_INITIALIZER;
static struct curl_mem_slot *curl_mem_tab;
static size_t curl_mem_cap; /* a power of two, or 0 */
static size_t curl_mem_live;

static size_t
curl_mem_page(void)
{
    static _Atomic size_t page;
    size_t n = atomic_load_explicit(&page, memory_order_relaxed);

    if (n == 0) {
        n = (size_t)sysconf(_SC_PAGESIZE);
        atomic_store_explicit(&page, n, memory_order_relaxed);
    }
    return n;
}

static size_t
curl_mem_home(uintptr_t addr, size_t cap)
{
    return (size_t)(((addr >> 12) * 0x9E3779B97F4A7C15ull) >> 20) &
           (cap - 1);
}

/* The slot holding addr, or -1. Lock held. */
static long
curl_mem_find(uintptr_t addr)
{
    size_t i;

    if (curl_mem_cap == 0)
        return -1;
    i = curl_mem_home(addr, curl_mem_cap);
    while (curl_mem_tab[i].addr != 0) {
        if (curl_mem_tab[i].addr == addr)
            return (long)i;
        i = (i + 1) & (curl_mem_cap - 1);
    }
    return -1;
}

/* Adds addr, which is absent, to a table with room. Lock held. */
static void
curl_mem_put(uintptr_t addr, size_t len)
{
    size_t i = curl_mem_home(addr, curl_mem_cap);

    while (curl_mem_tab[i].addr != 0)
        i = (i + 1) & (curl_mem_cap - 1);
    curl_mem_tab[i].addr = addr;
    curl_mem_tab[i].len = len;
    curl_mem_live++;
}

/* Empties slot i, moving later entries of its run back into the gap so
 * every lookup still finds them. Lock held. */
static void
curl_mem_del(size_t i)
{
    size_t mask = curl_mem_cap - 1;
    size_t j = i;

    for (;;) {
        j = (j + 1) & mask;
        if (curl_mem_tab[j].addr == 0)
            break;
        /* j may fill the gap at i unless its home lies in (i, j]. */
        size_t h = curl_mem_home(curl_mem_tab[j].addr, curl_mem_cap);
        if (((j - h) & mask) >= ((j - i) & mask)) {
            curl_mem_tab[i] = curl_mem_tab[j];
            i = j;
        }
    }
    curl_mem_tab[i].addr = 0;
    curl_mem_tab[i].len = 0;
    curl_mem_live--;
}

/* Room for one more entry, at most half full. Lock held. 0 or -1. */
static int
curl_mem_reserve(void)
{
    struct curl_mem_slot *old = curl_mem_tab;
    size_t oldcap = curl_mem_cap, i;

    if ((curl_mem_live + 1) * 2 <= curl_mem_cap)
        return 0;
    curl_mem_cap = oldcap ? oldcap * 2 : 64;
    curl_mem_tab = calloc(curl_mem_cap, sizeof *curl_mem_tab);
    if (curl_mem_tab == NULL) {
        curl_mem_tab = old;
        curl_mem_cap = oldcap;
        return -1;
    }
    curl_mem_live = 0;
    for (i = 0; i < oldcap; i++)
        if (old[i].addr != 0)
            curl_mem_put(old[i].addr, old[i].len);
    free(old);
    return 0;
}

static size_t
curl_mem_round(size_t n)
{
    size_t page = curl_mem_page();

    return (n + page - 1) & ~(page - 1);
}

/* A mapping of at least n bytes (n >= IR_CURL_MEM_BIG), zeroed, and in
 * the table; NULL when either fails. */
static void *
curl_mem_big_new(size_t n)
{
    size_t len = curl_mem_round(n);
    void *p;
    int rc;

    if (len < n)
        return NULL;
    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
             -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    pthread_mutex_lock(&curl_mem_mu);
    rc = curl_mem_reserve();
    if (rc == 0)
        curl_mem_put((uintptr_t)p, len);
    pthread_mutex_unlock(&curl_mem_mu);
    if (rc != 0) {
        munmap(p, len);
        return NULL;
    }
    return p;
}

/* p's mapped length when p is one of our mappings, else 0. */
static size_t
curl_mem_big_len(const void *p)
{
    size_t len = 0;
    long i;

    if (p == NULL || ((uintptr_t)p & (curl_mem_page() - 1)) != 0)
        return 0;
    pthread_mutex_lock(&curl_mem_mu);
    i = curl_mem_find((uintptr_t)p);
    if (i >= 0)
        len = curl_mem_tab[i].len;
    pthread_mutex_unlock(&curl_mem_mu);
    return len;
}

/* Takes p out of the table, then unmaps it: while the lock is held it is
 * still mapped, so no other thread can be given its address yet. */
static void
curl_mem_big_free(void *p)
{
    size_t len = 0;
    long i;

    pthread_mutex_lock(&curl_mem_mu);
    i = curl_mem_find((uintptr_t)p);
    if (i >= 0) {
        len = curl_mem_tab[i].len;
        curl_mem_del((size_t)i);
    }
    pthread_mutex_unlock(&curl_mem_mu);
    if (len != 0)
        munmap(p, len);
}

/* A big block resized to n bytes, still big: mremap, which may move it. */
static void *
curl_mem_big_resize(void *p, size_t len, size_t n)
{
    size_t nlen = curl_mem_round(n);
    void *q;
    long i;

    if (nlen < n)
        return NULL;
    if (nlen == len)
        return p;
    /* Under the lock: once moved, p's old address may be handed out
     * again, and must not be in the table by then. */
    pthread_mutex_lock(&curl_mem_mu);
    q = mremap(p, len, nlen, MREMAP_MAYMOVE);
    if (q != MAP_FAILED) {
        i = curl_mem_find((uintptr_t)p);
        curl_mem_del((size_t)i);
        curl_mem_put((uintptr_t)q, nlen); /* the slot just freed */
    }
    pthread_mutex_unlock(&curl_mem_mu);
    return q == MAP_FAILED ? NULL : q;
}

void *
ir_upstream_curl_mem_malloc(size_t n)
{
    if (n >= IR_CURL_MEM_BIG)
        return curl_mem_big_new(n);
    return malloc(n);
}

void
ir_upstream_curl_mem_free(void *p)
{
    if (curl_mem_big_len(p) != 0)
        curl_mem_big_free(p);
    else
        free(p);
}

void *
ir_upstream_curl_mem_realloc(void *p, size_t n)
{
    size_t len = curl_mem_big_len(p);
    size_t have;
    void *q;

    if (p == NULL)
        return ir_upstream_curl_mem_malloc(n);
    if (len != 0 && n >= IR_CURL_MEM_BIG)
        return curl_mem_big_resize(p, len, n);
    if (len == 0 && n < IR_CURL_MEM_BIG)
        return realloc(p, n);
    /* Crossing the threshold, either way: copy into the other kind. */
    q = ir_upstream_curl_mem_malloc(n ? n : 1);
    if (q == NULL)
        return NULL;
    have = len != 0 ? len : malloc_usable_size(p);
    memcpy(q, p, have < n ? have : n);
    ir_upstream_curl_mem_free(p);
    return q;
}

char *
ir_upstream_curl_mem_strdup(const char *s)
{
    return strdup(s);
}

void *
ir_upstream_curl_mem_calloc(size_t nmemb, size_t size)
{
    if (size != 0 && nmemb > SIZE_MAX / size)
        return NULL;
    if (nmemb * size >= IR_CURL_MEM_BIG)
        return curl_mem_big_new(nmemb * size); /* mmap zeroes */
    return calloc(nmemb, size);
}

size_t
ir_upstream_curl_mem_big_live(void)
{
    size_t n;

    pthread_mutex_lock(&curl_mem_mu);
    n = curl_mem_live;
    pthread_mutex_unlock(&curl_mem_mu);
    return n;
}
