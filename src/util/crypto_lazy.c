/* SPDX-License-Identifier: Apache-2.0
 * util/crypto_lazy.c - the libcrypto functions the router uses,
 * forwarding to libcrypto dlopened on first use (see crypto_lazy.h).
 */
#include "util/crypto_lazy.h"

#include <stddef.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "util/dlib.h"

/* X(return type, name, (params), (args), value when not loadable) */
#define CRYPTO_LAZY_CALLS(X)                                                 \
    X(BIO *, BIO_new_mem_buf, (const void *buf, int len), (buf, len), NULL)  \
    X(int, BIO_free, (BIO *b), (b), 0)                                       \
    X(EVP_PKEY *, PEM_read_bio_PrivateKey,                                   \
      (BIO *bp, EVP_PKEY **x, pem_password_cb *cb, void *u),                 \
      (bp, x, cb, u), NULL)                                                  \
    X(EVP_MD_CTX *, EVP_MD_CTX_new, (void), (), NULL)                        \
    X(const EVP_MD *, EVP_sha256, (void), (), NULL)                          \
    X(int, EVP_DigestSignInit,                                               \
      (EVP_MD_CTX *ctx, EVP_PKEY_CTX **pctx, const EVP_MD *type, ENGINE *e,  \
       EVP_PKEY *pkey),                                                      \
      (ctx, pctx, type, e, pkey), 0)                                         \
    X(int, EVP_DigestSign,                                                   \
      (EVP_MD_CTX *ctx, unsigned char *sig, size_t *siglen,                  \
       const unsigned char *tbs, size_t tbslen),                             \
      (ctx, sig, siglen, tbs, tbslen), 0)

/* V(name, (params), (args)): frees, with nothing to free before the
 * first load. */
#define CRYPTO_LAZY_VOIDS(V)                                                 \
    V(EVP_MD_CTX_free, (EVP_MD_CTX *ctx), (ctx))                             \
    V(EVP_PKEY_free, (EVP_PKEY *k), (k))

#define LAZY_ENUM(ret, name, ...) CR_##name,
#define LAZY_ENUMV(name, ...) CR_##name,
#define LAZY_NAME(ret, name, ...) #name,
#define LAZY_NAMEV(name, ...) #name,

enum {
    CRYPTO_LAZY_CALLS(LAZY_ENUM) CRYPTO_LAZY_VOIDS(LAZY_ENUMV) CR_COUNT
};

static const char *const crypto_lazy_names[CR_COUNT] = {
    CRYPTO_LAZY_CALLS(LAZY_NAME) CRYPTO_LAZY_VOIDS(LAZY_NAMEV)
};

static void (*crypto_lazy_fns[CR_COUNT])(void);

static struct ir_dlib crypto_lazy_lib = {
    .soname = IR_CRYPTO_SONAME,
    .names = crypto_lazy_names,
    .fns = crypto_lazy_fns,
    .nfns = CR_COUNT,
};

ir_err
ir_crypto_lazy_load(void)
{
    return ir_dlib_load(&crypto_lazy_lib);
}

bool
ir_crypto_lazy_loaded(void)
{
    return ir_dlib_loaded(&crypto_lazy_lib);
}

const char *
ir_crypto_lazy_error(void)
{
    return ir_dlib_loaded(&crypto_lazy_lib) ? "" : crypto_lazy_lib.error;
}

#define LAZY_DEF(ret, name, params, args, fail)                              \
    ret name params                                                          \
    {                                                                        \
        if (ir_dlib_load(&crypto_lazy_lib) != IR_OK)                         \
            return fail;                                                     \
        return ((ret(*) params)crypto_lazy_fns[CR_##name]) args;             \
    }
#define LAZY_DEFV(name, params, args)                                        \
    void name params                                                         \
    {                                                                        \
        if (ir_dlib_loaded(&crypto_lazy_lib))                                \
            ((void(*) params)crypto_lazy_fns[CR_##name]) args;               \
    }

CRYPTO_LAZY_CALLS(LAZY_DEF)
CRYPTO_LAZY_VOIDS(LAZY_DEFV)
