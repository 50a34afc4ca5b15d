/* SPDX-License-Identifier: Apache-2.0
 * tests/integration/emu.h - runs the provider emulator (ir-emulator) for
 * a test and talks to its /_emu/ control API.
 */
#ifndef IR_TEST_EMU_H
#define IR_TEST_EMU_H

#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>

struct th_emu {
    pid_t pid;
    int port;
    char base[64];       /* http://127.0.0.1:PORT */
    char env[24][256];   /* provider variables pointing the router here */
    const char *envp[25];
};

/* Starts ir-emulator (IR_EMULATOR) with key "tk" and extra args. Fills
 * env with every provider's key and base URL variable for the router. */
void th_emu_start(struct th_emu *e, const char *const *extra_args);
void th_emu_stop(struct th_emu *e);
/* POST /_emu/script with a JSON document (one script or an array). */
void th_emu_script(const struct th_emu *e, const char *json);
void th_emu_reset(const struct th_emu *e);
/* GET /_emu/requests[?provider=p]; caller decrefs. */
json_t *th_emu_requests(const struct th_emu *e, const char *provider);
/* GET /_emu/stats; caller decrefs. */
json_t *th_emu_stats(const struct th_emu *e);

/* What a router on tests/integration/routing_catalog.json needs when its
 * endpoints A, B and C all lead to one emulator: --catalog's path, and
 * the emulator's variables plus IR_TEST_EMU_KEY and IR_TEST_EMU_A..C. */
struct th_routing_env {
    char catalog[512];
    char own[4][256];
    const char *env[48]; /* NULL-terminated */
};

void th_routing_env_init(struct th_routing_env *re, const struct th_emu *e);

#endif
