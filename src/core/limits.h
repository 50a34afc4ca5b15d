/* SPDX-License-Identifier: Apache-2.0
 * core/limits.h - every input ceiling in one place.
 */
#ifndef IR_CORE_LIMITS_H
#define IR_CORE_LIMITS_H

#define IR_MAX_BODY (64u * 1024 * 1024)        /* request body, default */
#define IR_MAX_HEADERS (64u * 1024)            /* all request headers */
#define IR_MAX_PROMPT 32000                    /* bytes of prompt */
#define IR_MAX_MODEL_ID 128                    /* bytes of model id */
#define IR_MAX_N 10                            /* images per request */
#define IR_MAX_REFS 16                         /* input_references */
#define IR_MAX_REF_BYTES (20u * 1024 * 1024)   /* one decoded reference */
#define IR_MAX_PIXELS (4096ll * 4096 * 2)      /* one output image */
#define IR_MAX_SIDE 16384                      /* one output side */
#define IR_MAX_UPSTREAM_BODY (512u * 1024 * 1024) /* provider response */
#define IR_MAX_PREF_ITEMS 64                   /* provider.only etc. */
#define IR_MAX_RESPONSE (1024u * 1024 * 1024)  /* one JSON response */

#endif
