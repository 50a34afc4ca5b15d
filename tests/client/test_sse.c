/* SPDX-License-Identifier: Apache-2.0
 * tests/client/test_sse.c - the SSE parser alone: framing variants,
 * comments, multi-line data, [DONE] as plain data, EOF without a blank
 * line, and the same stream fed whole, byte by byte, and split at every
 * point.
 */
#include "testutil.h"

#include <stdio.h>

#include "sse.h"

struct rec {
    char out[4096];    /* "event|data;" per event */
    int count;
    int stop_after;    /* stop once count reaches this (0: never) */
};

static int
rec_cb(const char *event, const char *data, size_t len, void *arg)
{
    struct rec *r = arg;
    size_t n = strlen(r->out);

    assert_int_equal(strlen(data), len);
    snprintf(r->out + n, sizeof(r->out) - n, "%s|%s;", event, data);
    r->count++;
    return r->stop_after && r->count >= r->stop_after;
}

/* Feeds s in chunks of `step` bytes (0: whole). */
static void
parse(const char *s, size_t step, struct rec *r)
{
    struct irc_sse p;
    size_t len = strlen(s), i, n;

    memset(r, 0, sizeof *r);
    irc_sse_init(&p, 1 << 20, rec_cb, r);
    if (step == 0)
        step = len ? len : 1;
    for (i = 0; i < len; i += n) {
        n = len - i < step ? len - i : step;
        assert_int_equal(irc_sse_feed(&p, s + i, n), IRC_SSE_OK);
    }
    assert_int_equal(irc_sse_finish(&p), IRC_SSE_OK);
    irc_sse_cleanup(&p);
}

static void
expect(const char *stream, const char *want)
{
    struct rec r;
    size_t step;

    for (step = 0; step <= 7; step++) {
        parse(stream, step, &r);
        if (strcmp(r.out, want) != 0)
            fail_msg("step %zu: got \"%s\", want \"%s\"", step, r.out, want);
    }
}

static void
test_framing_variants(void **state)
{
    (void)state;
    expect("data: a\n\ndata: b\n\n", "|a;|b;");
    expect("data: a\r\n\r\ndata: b\r\n\r\n", "|a;|b;");
    expect("data: a\r\n\ndata: b\n\r\n", "|a;|b;");   /* mixed */
    expect("data: a\r\rdata: b\r\r", "|a;|b;");       /* bare CR */
    expect("data: a\n\n\n\n\ndata: b\n\n", "|a;|b;"); /* extra blanks */
}

static void
test_fields(void **state)
{
    (void)state;
    /* Comments and keep-alives are skipped, alone or inside an event. */
    expect(": OPENROUTER PROCESSING\n\ndata: x\n: ka\ndata: y\n\n",
           "|x\ny;");
    /* event:, id:, retry: and unknown fields. */
    expect("event: image_generation.completed\nid: 7\nretry: 10\n"
           "foo: bar\ndata: {\"a\":1}\n\n",
           "image_generation.completed|{\"a\":1};");
    /* No space after the colon; only one space is stripped. */
    expect("data:tight\n\ndata:  two\n\n", "|tight;| two;");
    /* A field with no colon, and an event with no data, are skipped. */
    expect("data\n\nevent: lonely\n\ndata: z\n\n", "|;|z;");
    /* [DONE] is data like any other to the parser. */
    expect("data: [DONE]\n\n", "|[DONE];");
    /* The event name does not leak into the next event. */
    expect("event: e1\ndata: 1\n\ndata: 2\n\n", "e1|1;|2;");
}

static void
test_eof_without_blank_line(void **state)
{
    (void)state;
    expect("data: last", "|last;");
    expect("data: a\n\ndata: b\n", "|a;|b;");
    expect("data: a\r\n\r\ndata: b\r", "|a;|b;");
    expect("", "");
}

static void
test_every_split_point(void **state)
{
    const char *s =
        ": hello\r\n\r\n"
        "data: {\"type\":\"image_generation.partial_image\",\r\n"
        "data: \"partial_image_index\":0}\r\n\r\n"
        "event: x\n"
        "data: {\"type\":\"image_generation.completed\"}\n\n"
        "data: [DONE]\r\n\r\n";
    const char *want =
        "|{\"type\":\"image_generation.partial_image\",\n"
        "\"partial_image_index\":0};"
        "x|{\"type\":\"image_generation.completed\"};"
        "|[DONE];";
    struct irc_sse p;
    struct rec r;
    size_t len = strlen(s), cut;

    (void)state;
    for (cut = 0; cut <= len; cut++) {
        memset(&r, 0, sizeof r);
        irc_sse_init(&p, 1 << 20, rec_cb, &r);
        assert_int_equal(irc_sse_feed(&p, s, cut), IRC_SSE_OK);
        assert_int_equal(irc_sse_feed(&p, s + cut, len - cut), IRC_SSE_OK);
        assert_int_equal(irc_sse_finish(&p), IRC_SSE_OK);
        irc_sse_cleanup(&p);
        if (strcmp(r.out, want) != 0)
            fail_msg("cut %zu: got \"%s\"", cut, r.out);
    }
    /* Byte by byte. */
    parse(s, 1, &r);
    assert_string_equal(r.out, want);
}

static void
test_stop_and_limits(void **state)
{
    struct irc_sse p;
    struct rec r = {.stop_after = 1};
    char big[300];

    (void)state;
    irc_sse_init(&p, 1 << 20, rec_cb, &r);
    assert_int_equal(irc_sse_feed(&p, "data: a\n\ndata: b\n\n", 18),
                     IRC_SSE_STOPPED);
    assert_string_equal(r.out, "|a;");
    /* Once stopped, it stays stopped. */
    assert_int_equal(irc_sse_feed(&p, "data: c\n\n", 9), IRC_SSE_STOPPED);
    assert_int_equal(irc_sse_finish(&p), IRC_SSE_STOPPED);
    /* reset() makes it usable again. */
    irc_sse_reset(&p);
    r.stop_after = 0;
    r.out[0] = '\0';
    assert_int_equal(irc_sse_feed(&p, "data: d\n\n", 9), IRC_SSE_OK);
    assert_string_equal(r.out, "|d;");
    irc_sse_cleanup(&p);

    /* A line or event over the ceiling. */
    memset(big, 'x', sizeof big);
    irc_sse_init(&p, 256, rec_cb, &r);
    assert_int_equal(irc_sse_feed(&p, "data: ", 6), IRC_SSE_OK);
    assert_int_equal(irc_sse_feed(&p, big, sizeof big), IRC_SSE_TOO_BIG);
    irc_sse_cleanup(&p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framing_variants),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_eof_without_blank_line),
        cmocka_unit_test(test_every_split_point),
        cmocka_unit_test(test_stop_and_limits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
