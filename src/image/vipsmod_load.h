/* SPDX-License-Identifier: Apache-2.0
 * image/vipsmod_load.h - the libvips module (imagerouter-vips.so): its
 * function table, and the loader that dlopens it on first use. libvips
 * links about 120 shared objects and VIPS_INIT dlopens more; keeping it
 * out of the executable keeps them off the start path and out of the
 * idle footprint of a router that only proxies.
 */
#ifndef IR_IMAGE_VIPSMOD_LOAD_H
#define IR_IMAGE_VIPSMOD_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "image/image.h"
#include "util/err.h"

/* File name of the module, and the variable that names it exactly. */
#define IR_IMAGE_VIPSMOD_FILE "imagerouter-vips.so"
#define IR_IMAGE_VIPSMOD_ENV "IR_VIPS_MODULE"
/* The one symbol the module exports: a function returning its table. */
#define IR_IMAGE_VIPSMOD_ENTRY "ir_image_vipsmod_ops"
/* Bumped whenever struct ir_image_vipsmod_ops or _host changes. */
#define IR_IMAGE_VIPSMOD_ABI 1
/* Search candidates: env, exe dir, exe-relative libdir, libdir, build. */
#define IR_IMAGE_VIPSMOD_MAX_CANDIDATES 5
#define IR_IMAGE_VIPSMOD_PATH_MAX 1024

/* What image.c recognised from the magic bytes; the module picks its
 * loader from this and never sniffs on its own. */
enum ir_image_kind {
    IR_IMAGE_KIND_UNKNOWN,
    IR_IMAGE_KIND_PNG,
    IR_IMAGE_KIND_JPEG,
    IR_IMAGE_KIND_WEBP,
    IR_IMAGE_KIND_GIF,
    IR_IMAGE_KIND_HEIC,
    IR_IMAGE_KIND_AVIF,
    IR_IMAGE_KIND_HEIF,
    IR_IMAGE_KIND_SVG,
};

/* Services of the executable the module uses instead of linking them:
 * caller-visible memory comes from the router's allocator (callers free
 * it with ir_free, and the test allocation hook still applies). */
struct ir_image_vipsmod_host {
    void *(*alloc)(size_t n);
    void (*free)(void *p);
    ir_err (*pixels_alloc)(struct ir_pixels *px, int w, int h, int bands);
    void (*log)(int level, const char *msg); /* enum ir_log_level */
};

/* The module's table. Arguments are checked by image.c before a call;
 * every function is thread-safe once init returned IR_OK. */
struct ir_image_vipsmod_ops {
    unsigned abi; /* IR_IMAGE_VIPSMOD_ABI */
    ir_err (*init)(const struct ir_image_vipsmod_host *host, const char *argv0,
                   struct ir_diag *d);
    void (*shutdown)(void);
    ir_err (*probe)(const void *bytes, size_t len, enum ir_image_kind kind,
                    int *w, int *h, struct ir_diag *d);
    ir_err (*encode)(const struct ir_pixels *px, enum ir_format fmt,
                     int compression, unsigned char **out, size_t *len,
                     struct ir_diag *d);
    ir_err (*decode)(const void *bytes, size_t len, enum ir_image_kind kind,
                     long long max_pixels, struct ir_pixels *out,
                     struct ir_diag *d);
    ir_err (*transcode)(const void *bytes, size_t len, enum ir_image_kind kind,
                        enum ir_format to, int compression, bool opaque,
                        unsigned char **out, size_t *outlen, struct ir_diag *d);
    /* Decodes to at most side x side pixels (aspect kept, never
     * enlarged); max_pixels is checked on the full-size header. */
    ir_err (*thumbnail)(const void *bytes, size_t len, enum ir_image_kind kind,
                        long long max_pixels, int side, struct ir_pixels *out,
                        struct ir_diag *d);
};

typedef const struct ir_image_vipsmod_ops *ir_image_vipsmod_entry_fn(void);

/* argv0 for VIPS_INIT (copied); call before the first get. */
void ir_image_vipsmod_load_set_argv0(const char *argv0);

/* The module's table, loading and initialising it on the first call
 * (once per process, thread-safe; meant for worker threads). When it
 * cannot be loaded, every call fails the same way: IR_EUNSUPPORTED and
 * a diag naming the path(s) tried. */
ir_err ir_image_vipsmod_load_get(const struct ir_image_vipsmod_ops **ops,
                                 struct ir_diag *d) IR_MUST_CHECK;

/* Where the module is looked for, in order, into paths[0..max-1];
 * returns how many. With IR_VIPS_MODULE set, that path alone. */
size_t
ir_image_vipsmod_load_candidates(char (*paths)[IR_IMAGE_VIPSMOD_PATH_MAX],
                                 size_t max);

/* Path of the loaded module, or NULL when not (yet) loaded. */
const char *ir_image_vipsmod_load_path(void);

/* Stops libvips if the module was loaded; it stays mapped (GLib types
 * cannot be unregistered). */
void ir_image_vipsmod_load_shutdown(void);

#endif
