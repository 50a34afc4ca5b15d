/* SPDX-License-Identifier: Apache-2.0
 * tests/client/test_example.c - runs the README example program
 * (client/examples/generate.c, printed in docs/sdk.md) against the scripted
 * server and checks what it sent and wrote.
 */
#include "testutil.h"

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static int
run_example(const char *base, const char *out_path)
{
    pid_t pid = fork();
    int status = 0;

    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("IMAGEROUTER_BASE_URL", base, 1);
        setenv("IMAGEROUTER_API_KEY", "sk-example", 1);
        execl(IRC_EXAMPLE_BIN, IRC_EXAMPLE_BIN, "a red panda astronaut",
              out_path, (char *)NULL);
        _exit(127);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_example_runs(void **state)
{
    struct tu_env *e = *state;
    char path[] = "/tmp/irc-example-XXXXXX";
    unsigned char buf[256];
    const struct ts_request *r;
    size_t n;
    FILE *f;
    int fd;

    fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    ts_push(e->srv, 200,
            "Content-Type: application/json\r\n"
            "X-Generation-Id: gen-img-1-BBBBBBBBBBBBBBBBBBBB\r\n",
            TU_OK_BODY);
    assert_int_equal(run_example(ts_base_url(e->srv), path), 0);
    r = ts_request(e->srv, 0);
    assert_non_null(r);
    assert_string_equal(r->body, "{\"model\":\"imagerouter/abstract\","
                                 "\"prompt\":\"a red panda astronaut\","
                                 "\"aspect_ratio\":\"16:9\","
                                 "\"output_format\":\"png\"}");
    assert_string_equal(ts_header(r, "Authorization"), "Bearer sk-example");
    assert_string_equal(ts_header(r, "X-OpenRouter-Title"),
                        "imagerouter example");
    f = fopen(path, "rb");
    assert_non_null(f);
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    unlink(path);
    assert_int_equal(n, TU_PNG_LEN);
    assert_memory_equal(buf, "\x89PNG", 4);

    /* A server error: exit status 1. */
    ts_push_json(e->srv, 401, "{\"error\":{\"code\":401,\"message\":"
                              "\"Missing Authentication header\"}}");
    assert_int_equal(run_example(ts_base_url(e->srv), path), 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_example_runs, tu_setup,
                                        tu_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
