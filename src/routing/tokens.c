/* SPDX-License-Identifier: Apache-2.0
 * routing/tokens.c - the access-token cache: a few entries, keyed by the
 * credentials themselves (several endpoints share one service account).
 */
#include "routing/tokens.h"

#include <string.h>

#include "util/mem.h"

#define TOKENS_MAX 16

struct tokens_entry {
    char *credentials; /* owned copy: the key */
    char *token;       /* owned */
    int64_t expires_ms;
};

struct ir_tokens {
    struct tokens_entry e[TOKENS_MAX];
};

ir_err
ir_routing_tokens_new(struct ir_tokens **out)
{
    *out = ir_calloc(1, sizeof **out);
    return *out ? IR_OK : IR_ENOMEM;
}

static void
tokens_clear(struct tokens_entry *e)
{
    if (e->token != NULL)
        memset(e->token, 0, strlen(e->token));
    ir_free(e->token);
    ir_free(e->credentials);
    memset(e, 0, sizeof *e);
}

void
ir_routing_tokens_free(struct ir_tokens *t)
{
    size_t i;

    if (t == NULL)
        return;
    for (i = 0; i < TOKENS_MAX; i++)
        tokens_clear(&t->e[i]);
    ir_free(t);
}

const char *
ir_routing_tokens_get(struct ir_tokens *t, const char *credentials,
                      int64_t now_ms)
{
    size_t i;

    for (i = 0; i < TOKENS_MAX; i++)
        if (t->e[i].credentials != NULL &&
            strcmp(t->e[i].credentials, credentials) == 0)
            return now_ms < t->e[i].expires_ms ? t->e[i].token : NULL;
    return NULL;
}

ir_err
ir_routing_tokens_put(struct ir_tokens *t, const char *credentials,
                      char *owned_token, int64_t expires_ms)
{
    struct tokens_entry *slot = NULL;
    size_t i;

    for (i = 0; i < TOKENS_MAX && slot == NULL; i++)
        if (t->e[i].credentials != NULL &&
            strcmp(t->e[i].credentials, credentials) == 0)
            slot = &t->e[i];
    for (i = 0; i < TOKENS_MAX && slot == NULL; i++)
        if (t->e[i].credentials == NULL)
            slot = &t->e[i];
    if (slot == NULL)
        slot = &t->e[0]; /* more accounts than slots: evict */
    if (slot->credentials == NULL ||
        strcmp(slot->credentials, credentials) != 0) {
        tokens_clear(slot);
        if ((slot->credentials = ir_strdup(credentials)) == NULL) {
            ir_free(owned_token);
            return IR_ENOMEM;
        }
    }
    if (slot->token != NULL)
        memset(slot->token, 0, strlen(slot->token));
    ir_free(slot->token);
    slot->token = owned_token;
    slot->expires_ms = expires_ms;
    return IR_OK;
}
