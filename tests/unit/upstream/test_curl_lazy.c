/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/upstream/test_curl_lazy.c - libcurl is not mapped until the
 * first call that needs it; then every forwarded call reaches it, with
 * each kind of setopt argument. This binary does not link libcurl.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <dlfcn.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "upstream/client.h"
#include "upstream/curl_lazy.h"

static bool
curl_lazy_mapped(void)
{
    void *h = dlopen(IR_CURL_SONAME, RTLD_LAZY | RTLD_NOLOAD);

    if (h == NULL)
        return false;
    dlclose(h);
    return true;
}

static size_t
curl_lazy_test_write(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
}

static void
test_not_loaded_until_first_send(void **state)
{
    struct event_base *base = event_base_new();
    struct ir_upstream *u = NULL;

    (void)state;
    assert_non_null(base);
    assert_false(curl_lazy_mapped());
    assert_false(ir_upstream_curl_lazy_loaded());
    assert_false(ir_upstream_global_inited());
    /* A client on the loop costs nothing until it sends. */
    assert_int_equal(ir_upstream_new(base, &u), IR_OK);
    assert_false(ir_upstream_started(u));
    ir_upstream_free(u);
    /* Frees of nothing do not load the library. */
    curl_slist_free_all(NULL);
    curl_easy_cleanup(NULL);
    ir_upstream_global_cleanup();
    assert_false(curl_lazy_mapped());
    assert_string_equal(ir_upstream_curl_lazy_error(), "");
    event_base_free(base);
}

static void
test_calls_forwarded(void **state)
{
    CURL *e;
    CURLM *m;
    struct curl_slist *l;
    char *url = NULL;
    long code = -1;

    (void)state;
    assert_int_equal(ir_upstream_global_init(), IR_OK);
    assert_true(ir_upstream_global_inited());
    assert_true(ir_upstream_curl_lazy_loaded());
    assert_true(curl_lazy_mapped());
    /* Twice is once. */
    assert_int_equal(ir_upstream_global_init(), IR_OK);
    assert_string_equal(curl_easy_strerror(CURLE_OK), "No error");

    assert_non_null(e = curl_easy_init());
    /* One option of each argument type: long, string, function, off_t. */
    assert_int_equal(curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L), CURLE_OK);
    assert_int_equal(curl_easy_setopt(e, CURLOPT_URL, "http://x.invalid/a"),
                     CURLE_OK);
    assert_int_equal(curl_easy_setopt(e, CURLOPT_WRITEFUNCTION,
                                      curl_lazy_test_write),
                     CURLE_OK);
    assert_int_equal(curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                                      (curl_off_t)3),
                     CURLE_OK);
    /* A wrong long value is refused by libcurl itself. */
    assert_int_equal(curl_easy_setopt(e, CURLOPT_HTTP_VERSION, 9999L),
                     CURLE_UNSUPPORTED_PROTOCOL);
    assert_int_equal(curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &url),
                     CURLE_OK);
    assert_string_equal(url, "http://x.invalid/a");
    assert_int_equal(curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code),
                     CURLE_OK);
    assert_int_equal(code, 0);

    assert_non_null(l = curl_slist_append(NULL, "A: b"));
    assert_non_null(l = curl_slist_append(l, "C: d"));
    assert_string_equal(l->next->data, "C: d");
    curl_slist_free_all(l);

    assert_non_null(m = curl_multi_init());
    assert_int_equal(curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, 7L),
                     CURLM_OK);
    assert_int_equal(curl_multi_add_handle(m, e), CURLM_OK);
    assert_int_equal(curl_multi_remove_handle(m, e), CURLM_OK);
    assert_int_equal(curl_multi_cleanup(m), CURLM_OK);
    curl_easy_cleanup(e);
    assert_true(curl_getdate("Sun, 06 Nov 1994 08:49:37 GMT", NULL) ==
                784111777);
    ir_upstream_global_cleanup();
}

int
main(void)
{
    /* In this order: the first test needs a process that has not yet
     * loaded libcurl. */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_loaded_until_first_send),
        cmocka_unit_test(test_calls_forwarded),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
