/* SPDX-License-Identifier: Apache-2.0
 * tests/integration/test_refs.c - input_references given as http(s) URLs:
 * the SSRF guard refuses loopback and private addresses by default; with
 * --allow-private-refs the router downloads them (for the built-in
 * renderer and for providers that need bytes), and refuses non-images.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "emu.h"
#include "harness.h"
#include "image/image.h"

/* A one-thread HTTP server: /red.png answers a PNG, /page.html HTML. */
struct files {
    int fd;
    int port;
    unsigned char *png;
    size_t png_len;
    int hits;
    pthread_t thread;
};

static void *
files_loop(void *arg)
{
    struct files *f = arg;
    char req[2048], head[256];
    int c;
    ssize_t n;

    while ((c = accept(f->fd, NULL, NULL)) >= 0) {
        n = read(c, req, sizeof req - 1);
        req[n > 0 ? n : 0] = '\0';
        f->hits++;
        if (strncmp(req, "GET /red.png", 12) == 0) {
            int k = snprintf(head, sizeof head,
                             "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                             "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                             f->png_len);
            (void)!write(c, head, (size_t)k);
            (void)!write(c, f->png, f->png_len);
        } else {
            static const char page[] =
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                "Content-Length: 13\r\nConnection: close\r\n\r\n<html></html>";

            (void)!write(c, page, sizeof page - 1);
        }
        close(c);
    }
    return NULL;
}

static void
files_start(struct files *f)
{
    struct sockaddr_in a = {0};
    socklen_t len = sizeof a;
    struct ir_pixels px = {0};
    struct ir_diag d = {{0}};
    size_t i;

    assert_int_equal(ir_pixels_alloc(&px, 64, 64, 3), IR_OK);
    for (i = 0; i < 64 * 64; i++) {
        px.data[i * 3] = 230;
        px.data[i * 3 + 1] = 10;
        px.data[i * 3 + 2] = 10;
    }
    assert_int_equal(ir_image_encode(&px, IR_FORMAT_PNG, -1, &f->png,
                                     &f->png_len, &d), IR_OK);
    ir_pixels_cleanup(&px);
    f->fd = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(f->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(f->fd, 16), 0);
    assert_int_equal(getsockname(f->fd, (struct sockaddr *)&a, &len), 0);
    f->port = ntohs(a.sin_port);
    pthread_create(&f->thread, NULL, files_loop, f);
}

static void
files_stop(struct files *f)
{
    shutdown(f->fd, SHUT_RDWR);
    close(f->fd);
    pthread_join(f->thread, NULL);
    free(f->png);
}

static struct files files;

static int
group_setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (ir_image_init("itest") != IR_OK)
        return -1;
    files_start(&files);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    files_stop(&files);
    ir_image_shutdown();
    curl_global_cleanup();
    return 0;
}

static void
gen_ref(const struct th_server *s, const char *model, const char *only,
        const char *path, struct th_resp *r)
{
    char body[1024];

    (void)snprintf(body, sizeof body,
                   "{\"model\":\"%s\",\"prompt\":\"ref\",\"resolution\":"
                   "\"1K\",%s%s%s\"input_references\":[{\"type\":"
                   "\"image_url\",\"image_url\":{\"url\":"
                   "\"http://127.0.0.1:%d%s\"}}]}",
                   model, only ? "\"provider\":{\"only\":[\"" : "",
                   only ? only : "", only ? "\"]}," : "", files.port, path);
    th_post_json(s, "/api/v1/images", s->key, body, r);
}

static void
test_loopback_refused_by_default(void **state)
{
    struct th_server s;
    struct th_resp r;
    int before = files.hits;

    (void)state;
    th_server_start(&s, NULL, NULL);
    gen_ref(&s, "imagerouter/abstract", NULL, "/red.png", &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "input_references[0]"));
    assert_non_null(strstr(r.body, "private or loopback"));
    th_resp_free(&r);
    /* Refused before connecting: the server saw nothing. */
    assert_int_equal(files.hits, before);
    assert_int_equal(th_server_stop(&s), 0);
}

static void
test_allowed_private_refs(void **state)
{
    const char *args[] = {"--allow-private-refs", NULL};
    struct th_emu emu;
    struct th_server s;
    struct th_resp r;
    json_t *reqs;
    char *dump;
    int before;

    (void)state;
    th_emu_start(&emu, NULL);
    th_server_start(&s, args, emu.envp);

    /* The built-in renderer needs the bytes: the router fetches them. */
    before = files.hits;
    gen_ref(&s, "imagerouter/abstract", NULL, "/red.png", &r);
    if (r.status != 200)
        fail_msg("%ld %s", r.status, r.body);
    assert_int_equal(files.hits, before + 1);
    th_resp_free(&r);

    /* OpenAI takes references as multipart bytes: fetched, then sent. */
    gen_ref(&s, "openai/gpt-image-1", "openai", "/red.png", &r);
    if (r.status != 200)
        fail_msg("%ld %s", r.status, r.body);
    reqs = th_emu_requests(&emu, "openai");
    dump = json_dumps(reqs, JSON_COMPACT);
    assert_non_null(strstr(dump, "\"sniffed\":\"png\""));
    free(dump);
    json_decref(reqs);
    th_resp_free(&r);

    /* A URL that is not an image is a 400 naming the reference. */
    gen_ref(&s, "imagerouter/abstract", NULL, "/page.html", &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "input_references[0]"));
    th_resp_free(&r);

    assert_int_equal(th_server_stop(&s), 0);
    th_emu_stop(&emu);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loopback_refused_by_default),
        cmocka_unit_test(test_allowed_private_refs),
    };

    return cmocka_run_group_tests_name("integration.refs", tests,
                                       group_setup, group_teardown);
}
