/* SPDX-License-Identifier: Apache-2.0
 * util/crypto_lazy.h - OpenSSL's libcrypto, dlopened on first use.
 *
 * crypto_lazy.c defines the few libcrypto functions the router calls
 * (RS256 signing of Vertex service-account tokens), so the executable
 * does not link libcrypto: loading and relocating it cost every start
 * ~1.4 MB and a few ms, for a feature most routers never use.
 */
#ifndef IR_UTIL_CRYPTO_LAZY_H
#define IR_UTIL_CRYPTO_LAZY_H

#include <stdbool.h>

#include "util/err.h"

#ifndef IR_CRYPTO_SONAME
#define IR_CRYPTO_SONAME "libcrypto.so.3"
#endif

/* Loads libcrypto once (thread-safe); IR_ENOTFOUND with the reason in
 * ir_crypto_lazy_error() when it cannot be. */
ir_err ir_crypto_lazy_load(void) IR_MUST_CHECK;
bool ir_crypto_lazy_loaded(void);
const char *ir_crypto_lazy_error(void);

#endif
