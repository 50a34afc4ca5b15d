/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/image/test_vipsmod_load.c - image/vipsmod_load.c: where the
 * libvips module is looked for, the error that names the paths when it
 * cannot be loaded, and that loading happens once however often (and
 * from however many threads) it is asked for.
 *
 * The loader keeps per-process state (it runs once), so each case that
 * needs a fresh loader runs in a child: this binary re-executed with a
 * mode argument, its environment set by the parent.
 */
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "image/image.h"
#include "image/vipsmod_load.h"
#include "util/mem.h"

#define RACE_THREADS 4

static char self_exe[IR_IMAGE_VIPSMOD_PATH_MAX];

/* ---- child modes (exit 0 = the expectations held) ------------------- */

#define CHILD_CHECK(cond, ...)                                                 \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "child: " __VA_ARGS__);                            \
            fputc('\n', stderr);                                               \
            return 1;                                                          \
        }                                                                      \
    } while (0)

/* The module cannot be loaded from $IR_VIPS_MODULE: the router side
 * still starts, sniffing works, every image call fails the same way
 * with a message that names the path and each needle. */
static int
child_bad(int nneedles, char **needles)
{
    static const unsigned char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const struct ir_image_vipsmod_ops *ops = NULL;
    struct ir_diag d1 = {{0}}, d2 = {{0}}, d3 = {{0}};
    struct ir_pixels px = {0};
    unsigned char *out = NULL;
    size_t len = 0;
    int i;

    CHILD_CHECK(ir_image_init("test_vipsmod_load") == IR_OK,
                "init failed on a missing module");
    CHILD_CHECK(ir_image_sniff(png, sizeof png - 1) == IR_FORMAT_PNG,
                "sniffing needs no module");
    CHILD_CHECK(ir_image_vipsmod_load_get(&ops, &d1) == IR_EUNSUPPORTED &&
                    ops == NULL,
                "first get did not fail");
    CHILD_CHECK(ir_image_vipsmod_load_get(&ops, &d2) == IR_EUNSUPPORTED &&
                    ops == NULL,
                "second get did not fail");
    CHILD_CHECK(strcmp(d1.msg, d2.msg) == 0, "messages differ: '%s' / '%s'",
                d1.msg, d2.msg);
    CHILD_CHECK(strstr(d1.msg, getenv(IR_IMAGE_VIPSMOD_ENV)) != NULL,
                "'%s' does not name the path", d1.msg);
    for (i = 0; i < nneedles; i++)
        CHILD_CHECK(strstr(d1.msg, needles[i]) != NULL, "'%s' lacks '%s'",
                    d1.msg, needles[i]);
    CHILD_CHECK(ir_image_vipsmod_load_path() == NULL, "a path is loaded");
    CHILD_CHECK(ir_pixels_alloc(&px, 4, 4, 3) == IR_OK, "alloc");
    memset(px.data, 7, 4 * 4 * 3);
    CHILD_CHECK(ir_image_encode(&px, IR_FORMAT_PNG, -1, &out, &len, &d3) ==
                        IR_EUNSUPPORTED &&
                    out == NULL && strcmp(d3.msg, d1.msg) == 0,
                "encode without a module: '%s'", d3.msg);
    ir_pixels_cleanup(&px);
    ir_image_shutdown();
    return 0;
}

static void *
race_thread(void *arg)
{
    const struct ir_image_vipsmod_ops **ops = arg;
    struct ir_diag d = {{0}};

    if (ir_image_vipsmod_load_get(ops, &d) != IR_OK)
        *ops = NULL;
    return NULL;
}

/* Several threads ask at once: one load, one table, and it works. */
static int
child_race(void)
{
    const struct ir_image_vipsmod_ops *ops[RACE_THREADS] = {0}, *again;
    pthread_t t[RACE_THREADS];
    struct ir_diag d = {{0}};
    struct ir_pixels px = {0}, back = {0};
    unsigned char *png = NULL;
    size_t len = 0;
    int i;

    CHILD_CHECK(ir_image_init("test_vipsmod_load") == IR_OK, "init");
    CHILD_CHECK(ir_image_vipsmod_load_path() == NULL,
                "loaded before the first operation");
    for (i = 0; i < RACE_THREADS; i++)
        CHILD_CHECK(pthread_create(&t[i], NULL, race_thread, &ops[i]) == 0,
                    "thread");
    for (i = 0; i < RACE_THREADS; i++)
        pthread_join(t[i], NULL);
    for (i = 0; i < RACE_THREADS; i++)
        CHILD_CHECK(ops[i] != NULL && ops[i] == ops[0],
                    "thread %d got %p, thread 0 %p", i, (void *)ops[i],
                    (void *)ops[0]);
    CHILD_CHECK(ir_image_vipsmod_load_get(&again, &d) == IR_OK &&
                    again == ops[0],
                "a later get returned another table: %s", d.msg);
    CHILD_CHECK(ir_image_vipsmod_load_path() != NULL &&
                    access(ir_image_vipsmod_load_path(), R_OK) == 0,
                "no loaded path");
    CHILD_CHECK(ir_pixels_alloc(&px, 8, 6, 3) == IR_OK, "alloc");
    memset(px.data, 200, 8 * 6 * 3);
    CHILD_CHECK(ir_image_encode(&px, IR_FORMAT_PNG, -1, &png, &len, &d) ==
                    IR_OK,
                "encode: %s", d.msg);
    CHILD_CHECK(ir_image_decode(png, len, 0, &back, &d) == IR_OK &&
                    back.w == 8 && back.h == 6,
                "decode: %s", d.msg);
    ir_free(png);
    ir_pixels_cleanup(&px);
    ir_pixels_cleanup(&back);
    ir_image_shutdown();
    /* After shutdown the table is not handed out again. */
    CHILD_CHECK(ir_image_vipsmod_load_get(&again, &d) == IR_EUNSUPPORTED,
                "get after shutdown");
    return 0;
}

/* ---- parent side ----------------------------------------------------- */

/* Runs this binary in mode with IR_VIPS_MODULE=module (NULL: unset);
 * returns its exit status (-1 when it did not exit normally). */
static int
run_child(const char *module, const char *const *args)
{
    char *argv[8];
    size_t n = 0;
    pid_t pid;
    int status;

    argv[n++] = self_exe;
    while (*args != NULL && n < sizeof argv / sizeof argv[0] - 1)
        argv[n++] = (char *)(uintptr_t)*args++;
    argv[n] = NULL;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (module != NULL)
            setenv(IR_IMAGE_VIPSMOD_ENV, module, 1);
        else
            unsetenv(IR_IMAGE_VIPSMOD_ENV);
        execv(self_exe, argv);
        _exit(127);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_candidates(void **state)
{
    char paths[IR_IMAGE_VIPSMOD_MAX_CANDIDATES][IR_IMAGE_VIPSMOD_PATH_MAX];
    char dir[IR_IMAGE_VIPSMOD_PATH_MAX], want[IR_IMAGE_VIPSMOD_PATH_MAX + 32];
    size_t i, n, found = 0;

    (void)state;
    unsetenv(IR_IMAGE_VIPSMOD_ENV);
    n = ir_image_vipsmod_load_candidates(paths,
                                         IR_IMAGE_VIPSMOD_MAX_CANDIDATES);
    assert_true(n >= 3);
    /* First: next to the running executable. */
    memcpy(dir, self_exe, sizeof dir);
    *strrchr(dir, '/') = '\0';
    assert_true(snprintf(want, sizeof want, "%s/%s", dir,
                         IR_IMAGE_VIPSMOD_FILE) < (int)sizeof want);
    assert_string_equal(paths[0], want);
    /* Every candidate names the module file; the build tree has it. */
    for (i = 0; i < n; i++) {
        const char *slash = strrchr(paths[i], '/');

        assert_non_null(slash);
        assert_string_equal(slash + 1, IR_IMAGE_VIPSMOD_FILE);
        found += access(paths[i], R_OK) == 0;
    }
    assert_true(found >= 1);
    /* Fewer slots than candidates: no overrun, the first ones kept. */
    assert_int_equal(ir_image_vipsmod_load_candidates(paths, 1), 1);
    assert_string_equal(paths[0], want);

    /* The variable is the only candidate when set. */
    setenv(IR_IMAGE_VIPSMOD_ENV, "/opt/x/imagerouter-vips.so", 1);
    assert_int_equal(ir_image_vipsmod_load_candidates(
                         paths, IR_IMAGE_VIPSMOD_MAX_CANDIDATES),
                     1);
    assert_string_equal(paths[0], "/opt/x/imagerouter-vips.so");
    unsetenv(IR_IMAGE_VIPSMOD_ENV);
}

static void
test_missing_module(void **state)
{
    const char *args[] = {"bad", "not found", IR_IMAGE_VIPSMOD_ENV, NULL};

    (void)state;
    assert_int_equal(
        run_child("/nonexistent/ir-test/imagerouter-vips.so", args), 0);
}

/* A file that is there but is no shared object: its own dlopen error,
 * not "not found". */
static void
test_not_a_module(void **state)
{
    const char *args[] = {"bad", "image module", NULL};
    char path[IR_IMAGE_VIPSMOD_PATH_MAX];

    (void)state;
    assert_true(snprintf(path, sizeof path, "%s/README.md", IR_SOURCE_DIR) <
                (int)sizeof path);
    assert_int_equal(access(path, R_OK), 0);
    assert_int_equal(run_child(path, args), 0);
}

/* A shared object without the entry point (libm, which this binary
 * links): refused by name. */
static void
test_wrong_module(void **state)
{
    const char *args[] = {"bad", IR_IMAGE_VIPSMOD_ENTRY, NULL};
    double (*fn)(double) = cos;
    Dl_info info;

    (void)state;
    assert_true(dladdr(*(void **)&fn, &info) != 0);
    assert_non_null(info.dli_fname);
    assert_int_equal(run_child(info.dli_fname, args), 0);
}

static void
test_load_once(void **state)
{
    const char *args[] = {"race", NULL};

    (void)state;
    assert_int_equal(run_child(NULL, args), 0);
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_candidates),
        cmocka_unit_test(test_missing_module),
        cmocka_unit_test(test_not_a_module),
        cmocka_unit_test(test_wrong_module),
        cmocka_unit_test(test_load_once),
    };
    ssize_t k = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);

    if (k <= 0)
        return 1;
    self_exe[k] = '\0';
    if (argc >= 2 && strcmp(argv[1], "bad") == 0)
        return child_bad(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "race") == 0)
        return child_race();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
