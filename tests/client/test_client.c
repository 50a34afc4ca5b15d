/* SPDX-License-Identifier: Apache-2.0
 * tests/client/test_client.c - the client handle: defaults, version, and
 * one client shared by several threads at once.
 */
#include "testutil.h"

#include <pthread.h>

#define THREADS 4
#define CALLS 6

struct worker {
    imagerouter_client *client;
    int ok;
};

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    imagerouter_request req;
    imagerouter_result *res;
    int i;

    tu_request(&req);
    for (i = 0; i < CALLS; i++) {
        res = NULL;
        if (imagerouter_generate(w->client, &req, NULL, &res, NULL) ==
                IMAGEROUTER_OK &&
            res->image_count == 1 && res->images[0].len == TU_PNG_LEN)
            w->ok++;
        imagerouter_result_free(res);
    }
    return NULL;
}

static void
test_shared_between_threads(void **state)
{
    struct tu_env *e = *state;
    struct worker w[THREADS];
    pthread_t t[THREADS];
    int i;

    for (i = 0; i < THREADS * CALLS; i++)
        ts_push_json(e->srv, 200, TU_OK_BODY);
    for (i = 0; i < THREADS; i++) {
        w[i].client = e->client;
        w[i].ok = 0;
        assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
    }
    for (i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].ok, CALLS);
    }
    assert_int_equal(ts_request_count(e->srv), THREADS * CALLS);
}

static void
test_version_and_nulls(void **state)
{
    imagerouter_error *err = NULL;

    (void)state;
    assert_string_equal(imagerouter_version(), IMAGEROUTER_VERSION_STRING);
    assert_int_equal(imagerouter_client_new(NULL, NULL, &err),
                     IMAGEROUTER_ERR_INVALID_ARGUMENT);
    imagerouter_error_free(err);
    imagerouter_client_free(NULL);
    imagerouter_result_free(NULL);
    imagerouter_endpoint_list_free(NULL);
    imagerouter_free(NULL);
    assert_null(imagerouter_client_base_url(NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_shared_between_threads, tu_setup,
                                        tu_teardown),
        cmocka_unit_test(test_version_and_nulls),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
