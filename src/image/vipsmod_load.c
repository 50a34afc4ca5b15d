/* SPDX-License-Identifier: Apache-2.0
 * image/vipsmod_load.c - finds imagerouter-vips.so, dlopens it and starts
 * libvips on the first image operation, once per process.
 *
 * Search order (the first file that exists is loaded; a file that exists
 * but fails to load is an error, not a reason to try the next):
 *   1. $IR_VIPS_MODULE, and nothing else when it is set;
 *   2. the directory of the running executable (/proc/self/exe);
 *   3. <exe dir>/<bindir-to-libdir>/imagerouter/, so an install under
 *      any prefix or DESTDIR finds its own module;
 *   4. the configured install libdir (IR_VIPS_LIBDIR)/imagerouter/;
 *   5. the build tree (IR_VIPS_BUILDDIR), for tests and the build.
 * The state is process-wide because libvips and GLib are: there is one
 * module per process, whatever the number of servers.
 */
#include "image/vipsmod_load.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"
#include "util/mem.h"

#ifndef IR_VIPS_LIBDIR
#define IR_VIPS_LIBDIR ""
#endif
#ifndef IR_VIPS_REL_LIBDIR
#define IR_VIPS_REL_LIBDIR ""
#endif
#ifndef IR_VIPS_BUILDDIR
#define IR_VIPS_BUILDDIR ""
#endif

struct vipsmod_load_state {
    const struct ir_image_vipsmod_ops *ops; /* NULL until loaded */
    ir_err err;                             /* why not, when ops is NULL */
    char why[sizeof((struct ir_diag *)0)->msg];
    char path[IR_IMAGE_VIPSMOD_PATH_MAX];
    char argv0[256];
    bool stopped;
};

static pthread_once_t vipsmod_load_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t vipsmod_load_mu = PTHREAD_MUTEX_INITIALIZER;
static struct vipsmod_load_state loader;

static void vipsmod_load_run(void);
static ir_err vipsmod_load_open(const char *path,
                                struct ir_diag *d) IR_MUST_CHECK;
static void vipsmod_load_not_found(char (*paths)[IR_IMAGE_VIPSMOD_PATH_MAX],
                                   size_t n);
static bool vipsmod_load_add(char (*paths)[IR_IMAGE_VIPSMOD_PATH_MAX],
                             size_t *n, size_t max, const char *dir,
                             const char *sub);
static void vipsmod_load_host_log(int level, const char *msg);

static const struct ir_image_vipsmod_host vipsmod_load_host = {
    .alloc = ir_malloc,
    .free = ir_free,
    .pixels_alloc = ir_pixels_alloc,
    .log = vipsmod_load_host_log,
};

void
ir_image_vipsmod_load_set_argv0(const char *argv0)
{
    pthread_mutex_lock(&vipsmod_load_mu);
    (void)snprintf(loader.argv0, sizeof loader.argv0, "%s",
                   argv0 != NULL ? argv0 : "");
    pthread_mutex_unlock(&vipsmod_load_mu);
}

/* dir + "/" + sub + "/" + file; false when it does not fit (skipped). */
static bool
vipsmod_load_add(char (*paths)[IR_IMAGE_VIPSMOD_PATH_MAX], size_t *n,
                 size_t max, const char *dir, const char *sub)
{
    int r;

    if (*n >= max || dir[0] == '\0')
        return false;
    r = snprintf(paths[*n], IR_IMAGE_VIPSMOD_PATH_MAX, "%s%s%s/%s", dir,
                 sub[0] != '\0' ? "/" : "", sub, IR_IMAGE_VIPSMOD_FILE);
    if (r < 0 || r >= IR_IMAGE_VIPSMOD_PATH_MAX)
        return false;
    (*n)++;
    return true;
}

size_t
ir_image_vipsmod_load_candidates(char (*paths)[IR_IMAGE_VIPSMOD_PATH_MAX],
                                 size_t max)
{
    const char *env = getenv(IR_IMAGE_VIPSMOD_ENV);
    char exe[IR_IMAGE_VIPSMOD_PATH_MAX], *slash;
    size_t n = 0;
    ssize_t k;

    if (env != NULL && env[0] != '\0') {
        if (max == 0 || strlen(env) >= IR_IMAGE_VIPSMOD_PATH_MAX)
            return 0;
        memcpy(paths[0], env, strlen(env) + 1);
        return 1;
    }
    k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k > 0) {
        exe[k] = '\0';
        slash = strrchr(exe, '/');
        if (slash != NULL && slash != exe) {
            *slash = '\0';
            (void)vipsmod_load_add(paths, &n, max, exe, "");
            if (IR_VIPS_REL_LIBDIR[0] != '\0')
                (void)vipsmod_load_add(paths, &n, max, exe,
                                       IR_VIPS_REL_LIBDIR "/imagerouter");
        }
    }
    (void)vipsmod_load_add(paths, &n, max, IR_VIPS_LIBDIR, "imagerouter");
    (void)vipsmod_load_add(paths, &n, max, IR_VIPS_BUILDDIR, "");
    return n;
}

static void
vipsmod_load_host_log(int level, const char *msg)
{
    ir_log((enum ir_log_level)level, "%s", msg);
}

/* dlopen, look up the table, check its ABI, start libvips. */
static ir_err
vipsmod_load_open(const char *path, struct ir_diag *d)
{
    ir_image_vipsmod_entry_fn *entry;
    const struct ir_image_vipsmod_ops *ops;
    const char *argv0;
    void *h;
    ir_err e;

    /* RTLD_LOCAL: GLib and vips symbols stay out of the global scope;
     * no RTLD_DEEPBIND, which AddressSanitizer cannot work with. */
    h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        ir_diag_set(d, "image module %s: %s", path, dlerror());
        return IR_EUNSUPPORTED;
    }
    *(void **)&entry = dlsym(h, IR_IMAGE_VIPSMOD_ENTRY);
    ops = entry != NULL ? entry() : NULL;
    if (ops == NULL || ops->abi != IR_IMAGE_VIPSMOD_ABI) {
        ir_diag_set(d, "image module %s: no %s of ABI %d", path,
                    IR_IMAGE_VIPSMOD_ENTRY, IR_IMAGE_VIPSMOD_ABI);
        (void)dlclose(h);
        return IR_EUNSUPPORTED;
    }
    argv0 = loader.argv0[0] != '\0' ? loader.argv0 : "imagerouter";
    e = ops->init(&vipsmod_load_host, argv0, d);
    if (e != IR_OK)
        return e; /* vips may have half-started: keep it mapped */
    loader.ops = ops;
    return IR_OK;
}

/* "image module imagerouter-vips.so not found; tried A, B, C" - as
 * many paths as fit the diag; the log line has them all. */
static void
vipsmod_load_not_found(char (*paths)[IR_IMAGE_VIPSMOD_PATH_MAX], size_t n)
{
    char all[IR_IMAGE_VIPSMOD_MAX_CANDIDATES * (IR_IMAGE_VIPSMOD_PATH_MAX + 2)];
    size_t i, used = 0;
    int r;

    all[0] = '\0';
    for (i = 0; i < n; i++) {
        r = snprintf(all + used, sizeof all - used, "%s%s", i ? ", " : "",
                     paths[i]);
        if (r < 0 || (size_t)r >= sizeof all - used)
            break;
        used += (size_t)r;
    }
    r = snprintf(loader.why, sizeof loader.why,
                 "image module " IR_IMAGE_VIPSMOD_FILE
                 " not found (set " IR_IMAGE_VIPSMOD_ENV "); tried %s",
                 n > 0 ? all : "no path");
    if (r < 0 || (size_t)r >= sizeof loader.why)
        memcpy(loader.why + sizeof loader.why - 4, "...", 4);
    ir_log_warn("image module " IR_IMAGE_VIPSMOD_FILE " not found; tried %s",
                n > 0 ? all : "no path");
}

static void
vipsmod_load_run(void)
{
    char paths[IR_IMAGE_VIPSMOD_MAX_CANDIDATES][IR_IMAGE_VIPSMOD_PATH_MAX];
    struct ir_diag d = {{0}};
    size_t i, n;

    pthread_mutex_lock(&vipsmod_load_mu);
    loader.err = IR_EUNSUPPORTED;
    n = ir_image_vipsmod_load_candidates(paths,
                                         IR_IMAGE_VIPSMOD_MAX_CANDIDATES);
    for (i = 0; i < n && access(paths[i], F_OK) != 0; i++)
        ;
    if (i == n) {
        vipsmod_load_not_found(paths, n);
    } else {
        loader.err = vipsmod_load_open(paths[i], &d);
        if (loader.err == IR_OK) {
            memcpy(loader.path, paths[i], strlen(paths[i]) + 1);
            ir_log_debug("image module %s loaded", loader.path);
        } else {
            memcpy(loader.why, d.msg, sizeof loader.why);
            ir_log_warn("%s", loader.why);
        }
    }
    pthread_mutex_unlock(&vipsmod_load_mu);
}

ir_err
ir_image_vipsmod_load_get(const struct ir_image_vipsmod_ops **ops,
                          struct ir_diag *d)
{
    ir_err e = IR_OK;

    (void)pthread_once(&vipsmod_load_once, vipsmod_load_run);
    pthread_mutex_lock(&vipsmod_load_mu);
    *ops = NULL;
    if (loader.stopped) {
        ir_diag_set(d, "image module: libvips was shut down");
        e = IR_EUNSUPPORTED;
    } else if (loader.ops == NULL) {
        ir_diag_set(d, "%s", loader.why);
        e = loader.err;
    } else {
        *ops = loader.ops;
    }
    pthread_mutex_unlock(&vipsmod_load_mu);
    return e;
}

const char *
ir_image_vipsmod_load_path(void)
{
    const char *p;

    pthread_mutex_lock(&vipsmod_load_mu);
    p = loader.ops != NULL ? loader.path : NULL;
    pthread_mutex_unlock(&vipsmod_load_mu);
    return p;
}

void
ir_image_vipsmod_load_shutdown(void)
{
    const struct ir_image_vipsmod_ops *ops;

    pthread_mutex_lock(&vipsmod_load_mu);
    ops = loader.stopped ? NULL : loader.ops;
    loader.stopped = loader.ops != NULL;
    pthread_mutex_unlock(&vipsmod_load_mu);
    if (ops != NULL)
        ops->shutdown();
}
