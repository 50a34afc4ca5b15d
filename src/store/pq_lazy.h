/* SPDX-License-Identifier: Apache-2.0
 * store/pq_lazy.h - libpq, dlopened when a PostgreSQL store is opened.
 *
 * pq_lazy.c defines the PQ* functions postgres.c calls, so the
 * executable does not link libpq (nor its TLS, LDAP and Kerberos
 * dependencies): a router on SQLite never maps them.
 */
#ifndef IR_STORE_PQ_LAZY_H
#define IR_STORE_PQ_LAZY_H

#include <stdbool.h>

#include "util/err.h"

#ifndef IR_PQ_SONAME
#define IR_PQ_SONAME "libpq.so.5"
#endif

/* Loads libpq once (thread-safe); IR_ENOTFOUND with the reason in
 * ir_store_pq_lazy_error() when it cannot be. */
ir_err ir_store_pq_lazy_load(void) IR_MUST_CHECK;
bool ir_store_pq_lazy_loaded(void);
const char *ir_store_pq_lazy_error(void);

#endif
