/* SPDX-License-Identifier: Apache-2.0
 * upstream/curl_lazy.c - the curl_* functions the router and the SDK use,
 * forwarding to libcurl dlopened on the first call (see curl_lazy.h).
 */
#include "upstream/curl_lazy.h"

#include <stdarg.h>
#include <stddef.h>
#include <time.h>

/* The checking macros of typecheck-gcc.h would rename the definitions
 * below. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include "util/dlib.h"

/* X(return type, name, (params), (args), value when not loadable) */
#define CURL_LAZY_CALLS(X)                                                   \
    X(CURLcode, curl_global_init, (long flags), (flags), CURLE_FAILED_INIT)  \
    X(CURL *, curl_easy_init, (void), (), NULL)                              \
    X(CURLcode, curl_easy_perform, (CURL *e), (e), CURLE_FAILED_INIT)        \
    X(const char *, curl_easy_strerror, (CURLcode c), (c),                   \
      "libcurl could not be loaded")                                         \
    X(CURLHcode, curl_easy_header,                                           \
      (CURL *e, const char *name, size_t index, unsigned int origin,         \
       int request, struct curl_header **hout),                              \
      (e, name, index, origin, request, hout), CURLHE_NOT_BUILT_IN)          \
    X(time_t, curl_getdate, (const char *p, const time_t *unused),          \
      (p, unused), -1)                                                       \
    X(struct curl_slist *, curl_slist_append,                                \
      (struct curl_slist *l, const char *s), (l, s), NULL)                   \
    X(CURLM *, curl_multi_init, (void), (), NULL)                            \
    X(CURLMcode, curl_multi_add_handle, (CURLM *m, CURL *e), (m, e),         \
      CURLM_INTERNAL_ERROR)                                                  \
    X(CURLMcode, curl_multi_remove_handle, (CURLM *m, CURL *e), (m, e),      \
      CURLM_INTERNAL_ERROR)                                                  \
    X(CURLMcode, curl_multi_cleanup, (CURLM *m), (m), CURLM_INTERNAL_ERROR) \
    X(CURLMsg *, curl_multi_info_read, (CURLM *m, int *left), (m, left),     \
      NULL)                                                                  \
    X(CURLMcode, curl_multi_socket_action,                                   \
      (CURLM *m, curl_socket_t s, int ev, int *running),                     \
      (m, s, ev, running), CURLM_INTERNAL_ERROR)                             \
    X(CURLMcode, curl_multi_assign, (CURLM *m, curl_socket_t s, void *p),    \
      (m, s, p), CURLM_INTERNAL_ERROR)

/* V(name, (params), (args)): no result, and nothing to do unless loaded
 * (there can be no handle or list to free before the first load). */
#define CURL_LAZY_VOIDS(V)                                                   \
    V(curl_global_cleanup, (void), ())                                       \
    V(curl_easy_cleanup, (CURL *e), (e))                                     \
    V(curl_easy_reset, (CURL *e), (e))                                       \
    V(curl_slist_free_all, (struct curl_slist *l), (l))

/* The variadic ones, written out below. */
#define CURL_LAZY_VARIADIC(N)                                                \
    N(curl_easy_setopt) N(curl_multi_setopt) N(curl_easy_getinfo)

#define LAZY_ENUM(ret, name, ...) CL_##name,
#define LAZY_ENUMV(name, ...) CL_##name,
#define LAZY_ENUMN(name) CL_##name,
#define LAZY_NAME(ret, name, ...) #name,
#define LAZY_NAMEV(name, ...) #name,
#define LAZY_NAMEN(name) #name,

enum {
    CURL_LAZY_CALLS(LAZY_ENUM) CURL_LAZY_VOIDS(LAZY_ENUMV)
    CURL_LAZY_VARIADIC(LAZY_ENUMN) CL_COUNT
};

static const char *const curl_lazy_names[CL_COUNT] = {
    CURL_LAZY_CALLS(LAZY_NAME) CURL_LAZY_VOIDS(LAZY_NAMEV)
    CURL_LAZY_VARIADIC(LAZY_NAMEN)
};

static void (*curl_lazy_fns[CL_COUNT])(void);

static struct ir_dlib curl_lazy_lib = {
    .soname = IR_CURL_SONAME,
    .names = curl_lazy_names,
    .fns = curl_lazy_fns,
    .nfns = CL_COUNT,
};

bool
ir_upstream_curl_lazy_loaded(void)
{
    return ir_dlib_loaded(&curl_lazy_lib);
}

const char *
ir_upstream_curl_lazy_error(void)
{
    return ir_dlib_loaded(&curl_lazy_lib) ? "" : curl_lazy_lib.error;
}

#define LAZY_DEF(ret, name, params, args, fail)                              \
    ret name params                                                          \
    {                                                                        \
        if (ir_dlib_load(&curl_lazy_lib) != IR_OK)                           \
            return fail;                                                     \
        return ((ret(*) params)curl_lazy_fns[CL_##name]) args;               \
    }
#define LAZY_DEFV(name, params, args)                                        \
    void name params                                                         \
    {                                                                        \
        if (ir_dlib_loaded(&curl_lazy_lib))                                  \
            ((void(*) params)curl_lazy_fns[CL_##name]) args;                 \
    }

CURL_LAZY_CALLS(LAZY_DEF)
CURL_LAZY_VOIDS(LAZY_DEFV)

/* setopt's one argument has the type its option number's range says. */
typedef CURLcode curl_lazy_easy_fn(CURL *, CURLoption, ...);
typedef CURLMcode curl_lazy_multi_fn(CURLM *, CURLMoption, ...);
typedef CURLcode curl_lazy_info_fn(CURL *, CURLINFO, ...);
typedef void curl_lazy_any_fn(void);

CURLcode
curl_easy_setopt(CURL *e, CURLoption opt, ...)
{
    curl_lazy_easy_fn *f;
    CURLcode rc;
    va_list ap;

    if (ir_dlib_load(&curl_lazy_lib) != IR_OK)
        return CURLE_FAILED_INIT;
    f = (curl_lazy_easy_fn *)curl_lazy_fns[CL_curl_easy_setopt];
    va_start(ap, opt);
    if (opt < CURLOPTTYPE_OBJECTPOINT)
        rc = f(e, opt, va_arg(ap, long));
    else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
        rc = f(e, opt, va_arg(ap, void *));
    else if (opt < CURLOPTTYPE_OFF_T)
        rc = f(e, opt, va_arg(ap, curl_lazy_any_fn *));
    else if (opt < CURLOPTTYPE_BLOB)
        rc = f(e, opt, va_arg(ap, curl_off_t));
    else
        rc = f(e, opt, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

CURLMcode
curl_multi_setopt(CURLM *m, CURLMoption opt, ...)
{
    curl_lazy_multi_fn *f;
    CURLMcode rc;
    va_list ap;

    if (ir_dlib_load(&curl_lazy_lib) != IR_OK)
        return CURLM_INTERNAL_ERROR;
    f = (curl_lazy_multi_fn *)curl_lazy_fns[CL_curl_multi_setopt];
    va_start(ap, opt);
    if (opt < CURLOPTTYPE_OBJECTPOINT)
        rc = f(m, opt, va_arg(ap, long));
    else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
        rc = f(m, opt, va_arg(ap, void *));
    else if (opt < CURLOPTTYPE_OFF_T)
        rc = f(m, opt, va_arg(ap, curl_lazy_any_fn *));
    else
        rc = f(m, opt, va_arg(ap, curl_off_t));
    va_end(ap);
    return rc;
}

CURLcode
curl_easy_getinfo(CURL *e, CURLINFO info, ...)
{
    curl_lazy_info_fn *f;
    CURLcode rc;
    va_list ap;

    if (ir_dlib_load(&curl_lazy_lib) != IR_OK)
        return CURLE_FAILED_INIT;
    f = (curl_lazy_info_fn *)curl_lazy_fns[CL_curl_easy_getinfo];
    /* Every info writes through one pointer. */
    va_start(ap, info);
    rc = f(e, info, va_arg(ap, void *));
    va_end(ap);
    return rc;
}
