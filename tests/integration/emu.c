/* SPDX-License-Identifier: Apache-2.0
 * tests/integration/emu.c - the provider emulator as a test fixture.
 */
#include "emu.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static void
emu_env(struct th_emu *e, size_t *n, const char *name, const char *fmt)
{
    char val[200];

    (void)snprintf(val, sizeof val, fmt, e->base);
    (void)snprintf(e->env[*n], sizeof e->env[*n], "%s=%s", name, val);
    e->envp[*n] = e->env[*n];
    (*n)++;
}

void
th_emu_start(struct th_emu *e, const char *const *extra_args)
{
    const char *bin = getenv("IR_EMULATOR");
    const char *args[32] = {bin, "--port", "0", "--key", "tk", "--quiet"};
    char line[128];
    size_t i, n = 6;
    int pfd[2];
    FILE *f;

    memset(e, 0, sizeof *e);
    if (bin == NULL) {
        fprintf(stderr, "IR_EMULATOR is not set\n");
        exit(1);
    }
    for (i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
        args[n++] = extra_args[i];
    args[n] = NULL;
    if (pipe(pfd) != 0)
        exit(1);
    e->pid = fork();
    if (e->pid == 0) {
        dup2(pfd[1], 1);
        close(pfd[0]);
        execv(bin, (char *const *)args);
        _exit(127);
    }
    close(pfd[1]);
    f = fdopen(pfd[0], "r");
    if (f == NULL || fgets(line, sizeof line, f) == NULL ||
        sscanf(line, "listening 127.0.0.1:%d", &e->port) != 1) {
        fprintf(stderr, "the emulator did not start\n");
        exit(1);
    }
    /* Its stdout stays open on our side; we do not read it again. */
    (void)snprintf(e->base, sizeof e->base, "http://127.0.0.1:%d", e->port);
    n = 0;
    emu_env(e, &n, "OPENAI_API_KEY", "tk");
    emu_env(e, &n, "OPENAI_BASE_URL", "%s/openai/v1");
    emu_env(e, &n, "AZURE_OPENAI_API_KEY", "tk");
    emu_env(e, &n, "AZURE_OPENAI_ENDPOINT", "%s/azure");
    emu_env(e, &n, "GEMINI_API_KEY", "tk");
    emu_env(e, &n, "GEMINI_BASE_URL", "%s/gemini");
    emu_env(e, &n, "VERTEX_PROJECT", "proj-1");
    emu_env(e, &n, "VERTEX_LOCATION", "us-central1");
    emu_env(e, &n, "VERTEX_BASE_URL", "%s/vertex");
    emu_env(e, &n, "VERTEX_ACCESS_TOKEN", "tk");
    emu_env(e, &n, "ARK_API_KEY", "tk");
    emu_env(e, &n, "ARK_BASE_URL", "%s/seedream/api/v3");
    emu_env(e, &n, "BFL_API_KEY", "tk");
    emu_env(e, &n, "BFL_BASE_URL", "%s/bfl");
    emu_env(e, &n, "XAI_API_KEY", "tk");
    emu_env(e, &n, "XAI_BASE_URL", "%s/xai/v1");
    emu_env(e, &n, "RECRAFT_API_KEY", "tk");
    emu_env(e, &n, "RECRAFT_BASE_URL", "%s/recraft/v1");
    e->envp[n] = NULL;
}

void
th_emu_stop(struct th_emu *e)
{
    if (e->pid > 0) {
        kill(e->pid, SIGTERM);
        waitpid(e->pid, NULL, 0);
        e->pid = 0;
    }
}

void
th_emu_script(const struct th_emu *e, const char *json)
{
    char url[128];
    const char *h[] = {"Content-Type: application/json", NULL};
    struct th_resp r;

    (void)snprintf(url, sizeof url, "%s/_emu/script", e->base);
    th_request("POST", url, h, json, strlen(json), &r);
    if (r.status != 200) {
        fprintf(stderr, "emulator script refused (%ld): %s\n", r.status,
                r.body);
        exit(1);
    }
    th_resp_free(&r);
}

void
th_emu_reset(const struct th_emu *e)
{
    char url[128];
    struct th_resp r;

    (void)snprintf(url, sizeof url, "%s/_emu/reset", e->base);
    th_request("POST", url, NULL, "", 0, &r);
    th_resp_free(&r);
}

static json_t *
emu_get_json(const struct th_emu *e, const char *path)
{
    char url[256];
    struct th_resp r;
    json_t *j;

    (void)snprintf(url, sizeof url, "%s%s", e->base, path);
    th_request("GET", url, NULL, NULL, 0, &r);
    j = r.json;
    r.json = NULL;
    th_resp_free(&r);
    return j;
}

json_t *
th_emu_requests(const struct th_emu *e, const char *provider)
{
    char path[128];

    (void)snprintf(path, sizeof path, "/_emu/requests%s%s",
                   provider ? "?provider=" : "", provider ? provider : "");
    return emu_get_json(e, path);
}

json_t *
th_emu_stats(const struct th_emu *e)
{
    return emu_get_json(e, "/_emu/stats");
}

void
th_routing_env_init(struct th_routing_env *re, const struct th_emu *e)
{
    const char *src = getenv("IR_SOURCE_DIR");
    size_t n = 0, i;

    (void)snprintf(re->catalog, sizeof re->catalog,
                   "%s/tests/integration/routing_catalog.json",
                   src ? src : ".");
    for (i = 0; e->envp[i] != NULL; i++)
        re->env[n++] = e->envp[i];
    (void)snprintf(re->own[0], sizeof re->own[0], "IR_TEST_EMU_KEY=tk");
    for (i = 0; i < 3; i++)
        (void)snprintf(re->own[i + 1], sizeof re->own[i + 1],
                       "IR_TEST_EMU_%c=%s/openai/v1", "ABC"[i], e->base);
    for (i = 0; i < 4; i++)
        re->env[n++] = re->own[i];
    re->env[n] = NULL;
}
