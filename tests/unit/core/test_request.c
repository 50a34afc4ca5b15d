/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/core/test_request.c - core/request.c: a table of valid and
 * invalid bodies (each invalid one must be a 400 whose message and
 * metadata name the field), the parsed values of full bodies, limits,
 * and cleanup when any allocation fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/request.h"
#include "image/base64.h"
#include "util/mem.h"

/* Bodies are written with ' for " to stay readable. */
static char *
q(const char *s)
{
    char *d = ir_strdup(s), *p;

    assert_non_null(d);
    for (p = d; *p; p++)
        if (*p == '\'')
            *p = '"';
    return d;
}

struct parsed {
    struct ir_request r;
    struct ir_error e;
    ir_err rc;
};

static void
parse(const char *body_sq, struct parsed *p)
{
    char *body = q(body_sq);

    ir_request_init(&p->r);
    ir_error_init(&p->e);
    p->rc = ir_core_request_parse(body, strlen(body), &p->r, &p->e);
    ir_free(body);
}

static void
parsed_cleanup(struct parsed *p)
{
    ir_request_cleanup(&p->r);
    ir_error_cleanup(&p->e);
}

static const char *
meta(const struct ir_error *e, const char *key)
{
    return json_string_value(json_object_get(e->metadata, key));
}

#define M "'model':'openai/gpt-image-2','prompt':'a red panda'"

struct req_case {
    const char *body;  /* ' for " */
    int status;        /* 0 = accepted */
    const char *param; /* metadata.param; named in the message */
    const char *also;  /* another substring the message must hold */
};

static const struct req_case req_cases[] = {
    /* ---- accepted ---- */
    {"{" M "}", 0, NULL, NULL},
    {"{" M ",'n':10,'resolution':'4K','aspect_ratio':'21:9'}", 0, NULL, NULL},
    {"{" M ",'resolution':'2k'}", 0, NULL, NULL},
    {"{" M ",'resolution':'1.5K','aspect_ratio':'9:19.5'}", 0, NULL, NULL},
    {"{" M ",'resolution':'768'}", 0, NULL, NULL},
    {"{" M ",'aspect_ratio':'2.35:1'}", 0, NULL, NULL},
    {"{" M ",'aspect_ratio':'AUTO','size':'Auto'}", 0, NULL, NULL},
    {"{" M ",'size':'2K','resolution':'2K','aspect_ratio':'3:4'}", 0, NULL,
     NULL},
    {"{" M ",'size':'4k','resolution':'4K'}", 0, NULL, NULL},
    {"{" M ",'size':'1024x1536','aspect_ratio':'2:3','resolution':'1K'}", 0,
     NULL, NULL},
    {"{" M ",'size':'1920x1080','resolution':'2K','aspect_ratio':'16:9'}", 0,
     NULL, NULL},
    {"{" M ",'size':'3840x2160','resolution':'4K'}", 0, NULL, NULL},
    {"{" M ",'size':'1024X1024','aspect_ratio':'auto'}", 0, NULL, NULL},
    {"{" M ",'size':'1344x768','aspect_ratio':'16:9'}", 0, NULL, NULL},
    {"{" M ",'quality':'xhigh'}", 0, NULL, NULL},
    {"{" M ",'quality':'MAX','background':'Opaque'}", 0, NULL, NULL},
    {"{" M ",'background':'transparent','output_format':'webp'}", 0, NULL,
     NULL},
    {"{" M ",'background':'transparent','output_format':'svg'}", 0, NULL,
     NULL},
    {"{" M ",'output_format':'jpeg','output_compression':0}", 0, NULL, NULL},
    {"{" M ",'output_compression':100,'seed':-5,'stream':false}", 0, NULL,
     NULL},
    {"{" M ",'seed':9223372036854775807}", 0, NULL, NULL},
    {"{" M ",'n':null,'size':null,'quality':null,'provider':null,"
     "'input_references':null,'user':null,'seed':null}",
     0, NULL, NULL},
    {"{" M ",'provider_tag':'x','session_id':7,'trace':{'a':1},"
     "'require_parameters':true}",
     0, NULL, NULL},
    {"{" M ",'provider':{'order':['openai'],'only':null,'ignore':[],"
     "'allow_fallbacks':null,'sort':{'by':'latency','partition':'none'},"
     "'options':null,'zdr':true}}",
     0, NULL, NULL},
    {"{" M ",'provider':{'sort':'exacto'}}", 0, NULL, NULL},
    {"{" M ",'provider':{'sort':{'by':null}}}", 0, NULL, NULL},
    {"{'model':'bytedance-seed/seedream-4.5:free','prompt':' '}", 0, NULL,
     NULL},
    {"{" M ",'input_references':[{'type':'image_url','image_url':{'url':"
     "'https://example.com/a.png','detail':'high'}}]}",
     0, NULL, NULL},
    {"{" M ",'partial_images':3,'stream':true}", 0, NULL, NULL},

    /* ---- body ---- */
    {"{" M ",}", 400, NULL, "Invalid JSON at line 1, column"},
    {"", 400, NULL, "Invalid JSON at line"},
    {"['model']", 400, NULL, "must be a JSON object, got an array"},
    {"{" M "} x", 400, NULL, "Invalid JSON"},

    /* ---- model ---- */
    {"{'prompt':'p'}", 400, "model", "required"},
    {"{'model':null,'prompt':'p'}", 400, "model", "required"},
    {"{'model':5,'prompt':'p'}", 400, "model", "got number 5"},
    {"{'model':'','prompt':'p'}", 400, "model", "author/slug"},
    {"{'model':'gpt-image-1','prompt':'p'}", 400, "model", "'gpt-image-1'"},
    {"{'model':'a/b/c','prompt':'p'}", 400, "model", "author/slug"},
    {"{'model':'/b','prompt':'p'}", 400, "model", "author/slug"},
    {"{'model':'a/','prompt':'p'}", 400, "model", "author/slug"},
    {"{'model':'a b/c','prompt':'p'}", 400, "model", "author/slug"},

    /* ---- prompt ---- */
    {"{'model':'a/b'}", 400, "prompt", "required"},
    {"{'model':'a/b','prompt':''}", 400, "prompt", "empty"},
    {"{'model':'a/b','prompt':['x']}", 400, "prompt", "got an array"},

    /* ---- n ---- */
    {"{" M ",'n':0}", 400, "n", "from 1 to 10, got 0"},
    {"{" M ",'n':11}", 400, "n", "got 11"},
    {"{" M ",'n':2.0}", 400, "n", "got number 2.0"},
    {"{" M ",'n':'2'}", 400, "n", "got string '2'"},
    {"{" M ",'n':true}", 400, "n", "got boolean true"},

    /* ---- enums ---- */
    {"{" M ",'resolution':'3K'}", 400, "resolution", "512, 768, 1K, 1.5K"},
    {"{" M ",'resolution':1024}", 400, "resolution", "got number 1024"},
    {"{" M ",'aspect_ratio':'7:5'}", 400, "aspect_ratio", "'7:5'"},
    {"{" M ",'aspect_ratio':'16:10'}", 400, "aspect_ratio", "21:9, 2.35:1"},
    {"{" M ",'aspect_ratio':1.5}", 400, "aspect_ratio", "got number 1.5"},
    {"{" M ",'quality':'ultra'}", 400, "quality",
     "auto, low, medium, high, xhigh, max"},
    {"{" M ",'background':'white'}", 400, "background", "transparent"},
    {"{" M ",'output_format':'jpg'}", 400, "output_format", "use \"jpeg\""},
    {"{" M ",'output_format':'gif'}", 400, "output_format",
     "png, jpeg, webp, svg"},

    /* ---- integers, booleans, strings ---- */
    {"{" M ",'output_compression':101}", 400, "output_compression",
     "from 0 to 100"},
    {"{" M ",'output_compression':-1}", 400, "output_compression", "got -1"},
    {"{" M ",'output_compression':50.5}", 400, "output_compression",
     "got number 50.5"},
    {"{" M ",'seed':1.5}", 400, "seed", "must be an integer"},
    {"{" M ",'seed':'42'}", 400, "seed", "got string '42'"},
    {"{" M ",'stream':'true'}", 400, "stream", "boolean"},
    {"{" M ",'stream':1}", 400, "stream", "got number 1"},
    {"{" M ",'partial_images':4}", 400, "partial_images", "from 0 to 3"},
    {"{" M ",'user':5}", 400, "user", "must be a string"},

    /* ---- size ---- */
    {"{" M ",'size':'big'}", 400, "size", "WIDTHxHEIGHT"},
    {"{" M ",'size':1024}", 400, "size", "got number 1024"},
    {"{" M ",'size':'1024x'}", 400, "size", "'1024x'"},
    {"{" M ",'size':'1024 x 1024'}", 400, "size", "WIDTHxHEIGHT"},
    {"{" M ",'size':'-1x5'}", 400, "size", "WIDTHxHEIGHT"},
    {"{" M ",'size':'1024x1024x3'}", 400, "size", "WIDTHxHEIGHT"},
    {"{" M ",'size':'0x512'}", 400, "size", "from 1 to 16384"},
    {"{" M ",'size':'20000x10'}", 400, "size", "from 1 to 16384"},
    {"{" M ",'size':'16384x16384'}", 400, "size", "at most 33554432"},
    {"{" M ",'size':'2K','resolution':'4K'}", 400, "size", "resolution '4K'"},
    {"{" M ",'size':'1024x1024','resolution':'4K'}", 400, "size",
     "resolution '4K'"},
    {"{" M ",'size':'1024x1024','resolution':'2K'}", 400, "size",
     "does not match resolution"},
    {"{" M ",'size':'1024x1024','resolution':'512'}", 400, "size",
     "does not match resolution"},
    {"{" M ",'size':'1024x1024','aspect_ratio':'16:9'}", 400, "size",
     "aspect_ratio '16:9'"},
    {"{" M ",'size':'1328x1824','aspect_ratio':'3:4'}", 400, "size",
     "aspect_ratio '3:4'"},

    /* ---- cross-field ---- */
    {"{" M ",'background':'transparent','output_format':'jpeg'}", 400,
     "background", "output_format is 'jpeg'"},

    /* ---- input_references ---- */
    {"{" M ",'input_references':'https://e.com/a.png'}", 400,
     "input_references", "must be an array"},
    {"{" M ",'input_references':['https://e.com/a.png']}", 400,
     "input_references[0]", "{\"type\":\"image_url\",\"image_url\""},
    {"{" M ",'input_references':[{'image_url':{'url':'https://e.com/a'}}]}",
     400, "input_references[0]", "type must be \"image_url\", got nothing"},
    {"{" M ",'input_references':[{'type':'image','image_url':{'url':'x'}}]}",
     400, "input_references[0]", "got string 'image'"},
    {"{" M ",'input_references':[{'type':'image_url','image_url':"
     "'https://e.com/a.png'}]}",
     400, "input_references[0]", "image_url must be an object"},
    {"{" M ",'input_references':[{'type':'image_url','image_url':{}}]}", 400,
     "input_references[0]", "url must be a non-empty string"},
    {"{" M ",'input_references':[{'type':'image_url','image_url':"
     "{'url':''}}]}",
     400, "input_references[0]", "non-empty"},
    {"{" M ",'input_references':[{'type':'image_url','image_url':{'url':"
     "'https://e.com/a'}},{'type':'image_url','image_url':{'url':"
     "'ftp://e.com/a.png'}}]}",
     400, "input_references[1]", "'ftp://e.com/a.png'"},
    {"{" M ",'input_references':[{'type':'image_url','image_url':{'url':"
     "'https:///a.png'}}]}",
     400, "input_references[0]", "needs a host"},
    {"{" M ",'input_references':[{'type':'image_url','image_url':{'url':"
     "'https://e.com/a b.png'}}]}",
     400, "input_references[0]", "no spaces"},
    {"{" M ",'input_references':[{'type':'image_url','image_url':{'url':"
     "'data:image/png;base64,@@@@'}}]}",
     400, "input_references[0]", "not valid base64"},
    {"{" M ",'input_references':[{'type':'image_url','image_url':{'url':"
     "'data:image/png,abc'}}]}",
     400, "input_references[0]", "not base64-encoded"},

    /* ---- provider ---- */
    {"{" M ",'provider':'openai'}", 400, "provider", "must be an object"},
    {"{" M ",'provider':{'only':'openai'}}", 400, "provider.only",
     "array of provider slugs"},
    {"{" M ",'provider':{'order':[1]}}", 400, "provider.order[0]",
     "got number 1"},
    {"{" M ",'provider':{'ignore':['']}}", 400, "provider.ignore[0]",
     "non-empty"},
    {"{" M ",'provider':{'allow_fallbacks':'no'}}", 400,
     "provider.allow_fallbacks", "boolean"},
    {"{" M ",'provider':{'sort':'fastest'}}", 400, "provider.sort",
     "\"price\", \"latency\", \"throughput\""},
    {"{" M ",'provider':{'sort':3}}", 400, "provider.sort", "an object"},
    {"{" M ",'provider':{'sort':{'by':'cheap'}}}", 400, "provider.sort.by",
     "'cheap'"},
    {"{" M ",'provider':{'sort':{'by':'price','partition':'x'}}}", 400,
     "provider.sort.partition", "\"model\", \"none\""},
    {"{" M ",'provider':{'options':[]}}", 400, "provider.options",
     "keyed by provider slug"},
};

static void
test_table(void **state)
{
    struct parsed p;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof req_cases / sizeof req_cases[0]; i++) {
        const struct req_case *c = &req_cases[i];

        parse(c->body, &p);
        if (c->status == 0) {
            if (p.rc != IR_OK)
                fail_msg("case %zu (%s): %d %s", i, c->body, p.e.status,
                         p.e.message);
            parsed_cleanup(&p);
            continue;
        }
        if (p.rc == IR_OK || p.e.status != c->status)
            fail_msg("case %zu (%s): want %d, got rc %d status %d", i,
                     c->body, c->status, p.rc, p.e.status);
        if (c->param != NULL &&
            (strstr(p.e.message, c->param) == NULL ||
             meta(&p.e, "param") == NULL ||
             strcmp(meta(&p.e, "param"), c->param) != 0))
            fail_msg("case %zu (%s): param %s not named: '%s' (meta %s)", i,
                     c->body, c->param, p.e.message,
                     meta(&p.e, "param") ? meta(&p.e, "param") : "-");
        if (c->also != NULL && strstr(p.e.message, c->also) == NULL)
            fail_msg("case %zu (%s): message '%s' lacks '%s'", i, c->body,
                     p.e.message, c->also);
        if (meta(&p.e, "error_type") == NULL ||
            strcmp(meta(&p.e, "error_type"), "invalid_request") != 0)
            fail_msg("case %zu: error_type missing", i);
        parsed_cleanup(&p);
    }
}

static void
test_defaults(void **state)
{
    struct parsed p;

    (void)state;
    parse("{" M "}", &p);
    assert_int_equal(p.rc, IR_OK);
    assert_string_equal(p.r.model, "openai/gpt-image-2");
    assert_string_equal(p.r.prompt, "a red panda");
    assert_int_equal(p.r.n, 1);
    assert_false(p.r.n_set);
    assert_string_equal(p.r.resolution, "");
    assert_string_equal(p.r.aspect_ratio, "");
    assert_int_equal(p.r.size_kind, IR_SIZE_UNSET);
    assert_int_equal(p.r.quality, IR_QUALITY_UNSET);
    assert_int_equal(p.r.background, IR_BACKGROUND_UNSET);
    assert_int_equal(p.r.output_format, IR_FORMAT_UNSET);
    assert_false(p.r.output_compression_set);
    assert_false(p.r.seed_set);
    assert_false(p.r.stream);
    assert_int_equal(p.r.partial_images, -1);
    assert_int_equal(p.r.nrefs, 0);
    assert_true(p.r.provider.allow_fallbacks);
    assert_int_equal(p.r.provider.sort, IR_SORT_NONE);
    assert_null(p.r.provider.options);
    assert_null(p.r.user);
    assert_string_equal(ir_core_request_tier(&p.r), "");
    parsed_cleanup(&p);
}

static void
test_full_body(void **state)
{
    struct parsed p;

    (void)state;
    parse("{'model':'google/gemini-3-pro-image','prompt':'x','n':3,"
          "'resolution':'2k','aspect_ratio':'16:9','quality':'HIGH',"
          "'background':'opaque','output_format':'webp',"
          "'output_compression':80,'seed':-9007199254740993,'stream':true,"
          "'partial_images':2,'user':'u-1','input_references':["
          "{'type':'image_url','image_url':{'url':'https://e.com/a.png'}},"
          "{'type':'image_url','image_url':{'url':"
          "'data:image/png;base64,iVBORw0KGgo='}}],"
          "'provider':{'order':['google-vertex/global','google-ai-studio'],"
          "'only':['google-vertex'],'ignore':['x'],'allow_fallbacks':false,"
          "'sort':'throughput','options':{'google-vertex':{'k':1}}}}",
          &p);
    assert_int_equal(p.rc, IR_OK);
    assert_int_equal(p.r.n, 3);
    assert_true(p.r.n_set);
    assert_string_equal(p.r.resolution, "2K");
    assert_string_equal(ir_core_request_tier(&p.r), "2K");
    assert_string_equal(p.r.aspect_ratio, "16:9");
    assert_int_equal(p.r.quality, IR_QUALITY_HIGH);
    assert_int_equal(p.r.background, IR_BACKGROUND_OPAQUE);
    assert_int_equal(p.r.output_format, IR_FORMAT_WEBP);
    assert_int_equal(p.r.output_compression, 80);
    assert_true(p.r.output_compression_set);
    assert_true(p.r.seed_set);
    assert_true(p.r.seed == -9007199254740993LL);
    assert_true(p.r.stream);
    assert_int_equal(p.r.partial_images, 2);
    assert_string_equal(p.r.user, "u-1");
    assert_int_equal(p.r.nrefs, 2);
    assert_string_equal(p.r.refs[0].url, "https://e.com/a.png");
    assert_null(p.r.refs[0].bytes);
    assert_non_null(p.r.refs[1].bytes);
    assert_int_equal(p.r.refs[1].len, 8);
    assert_memory_equal(p.r.refs[1].bytes, "\x89PNG\r\n\x1a\n", 8);
    assert_string_equal(p.r.refs[1].media_type, "image/png");
    assert_int_equal(p.r.provider.order.count, 2);
    assert_string_equal(p.r.provider.order.items[1], "google-ai-studio");
    assert_int_equal(p.r.provider.only.count, 1);
    assert_int_equal(p.r.provider.ignore.count, 1);
    assert_false(p.r.provider.allow_fallbacks);
    assert_int_equal(p.r.provider.sort, IR_SORT_THROUGHPUT);
    assert_non_null(p.r.provider.options);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(p.r.provider.options,
                                         "google-vertex"),
                         "k")),
                     1);
    parsed_cleanup(&p);
}

static void
test_size_forms(void **state)
{
    struct parsed p;

    (void)state;
    parse("{" M ",'size':'2k','aspect_ratio':'3:4'}", &p);
    assert_int_equal(p.rc, IR_OK);
    assert_int_equal(p.r.size_kind, IR_SIZE_TIER);
    assert_string_equal(p.r.size, "2k");
    assert_string_equal(p.r.resolution, "");
    assert_string_equal(ir_core_request_tier(&p.r), "2K");
    parsed_cleanup(&p);

    parse("{" M ",'size':'1328x1824'}", &p);
    assert_int_equal(p.rc, IR_OK);
    assert_int_equal(p.r.size_kind, IR_SIZE_PIXELS);
    assert_int_equal(p.r.size_w, 1328);
    assert_int_equal(p.r.size_h, 1824);
    assert_string_equal(ir_core_request_tier(&p.r), "");
    parsed_cleanup(&p);

    parse("{" M ",'size':'auto'}", &p);
    assert_int_equal(p.r.size_kind, IR_SIZE_AUTO);
    parsed_cleanup(&p);

    /* The resolution window is (P/4, 2P]: exactly P/4 is out. */
    parse("{" M ",'size':'2048x2048','resolution':'4K'}", &p);
    assert_int_equal(p.e.status, 400);
    parsed_cleanup(&p);
    parse("{" M ",'size':'1448x1448','resolution':'1K'}", &p);
    assert_int_equal(p.rc, IR_OK);
    parsed_cleanup(&p);
}

static void
test_sort_forms(void **state)
{
    static const struct {
        const char *body;
        enum ir_sort want;
    } cases[] = {
        {"{" M ",'provider':{'sort':'price'}}", IR_SORT_PRICE},
        {"{" M ",'provider':{'sort':'latency'}}", IR_SORT_LATENCY},
        {"{" M ",'provider':{'sort':{'by':'throughput'}}}",
         IR_SORT_THROUGHPUT},
        {"{" M ",'provider':{'sort':{'partition':'model'}}}", IR_SORT_NONE},
        {"{" M ",'provider':{'sort':null}}", IR_SORT_NONE},
        {"{" M ",'provider':{'sort':'exacto'}}", IR_SORT_NONE},
    };
    struct parsed p;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        parse(cases[i].body, &p);
        assert_int_equal(p.rc, IR_OK);
        assert_int_equal(p.r.provider.sort, cases[i].want);
        parsed_cleanup(&p);
    }
}

/* Builds {M, "<key>": <value repeated>} bodies that exceed limits. */
static char *
body_with(const char *prefix, const char *unit, size_t times,
          const char *suffix)
{
    size_t ul = strlen(unit), pl = strlen(prefix), sl = strlen(suffix), i;
    char *b = ir_malloc(pl + ul * times + sl + 1), *p = b;

    assert_non_null(b);
    memcpy(p, prefix, pl);
    p += pl;
    for (i = 0; i < times; i++, p += ul)
        memcpy(p, unit, ul);
    memcpy(p, suffix, sl + 1);
    return b;
}

static void
expect(char *body, int status, const char *param, const char *also)
{
    struct ir_request r;
    struct ir_error e;
    ir_err rc;

    ir_request_init(&r);
    ir_error_init(&e);
    rc = ir_core_request_parse(body, strlen(body), &r, &e);
    if (status == 0) {
        if (rc != IR_OK)
            fail_msg("want OK, got %d: %s", e.status, e.message);
    } else {
        assert_int_not_equal(rc, IR_OK);
        assert_int_equal(e.status, status);
        assert_non_null(strstr(e.message, param));
        assert_string_equal(meta(&e, "param"), param);
        if (also != NULL && strstr(e.message, also) == NULL)
            fail_msg("'%s' lacks '%s'", e.message, also);
    }
    ir_request_cleanup(&r);
    ir_error_cleanup(&e);
    ir_free(body);
}

static void
test_limits(void **state)
{
    char *prefix;
    unsigned char *raw;
    char *b64;
    size_t n;

    (void)state;
    /* prompt: exactly IR_MAX_PROMPT bytes is fine, one more is not. */
    expect(body_with("{\"model\":\"a/b\",\"prompt\":\"", "x", IR_MAX_PROMPT,
                     "\"}"),
           0, NULL, NULL);
    expect(body_with("{\"model\":\"a/b\",\"prompt\":\"", "x",
                     IR_MAX_PROMPT + 1, "\"}"),
           400, "prompt", "32001 bytes");
    /* model id length. */
    expect(body_with("{\"prompt\":\"p\",\"model\":\"a/", "b",
                     IR_MAX_MODEL_ID - 2, "\"}"),
           0, NULL, NULL);
    expect(body_with("{\"prompt\":\"p\",\"model\":\"a/", "b",
                     IR_MAX_MODEL_ID - 1, "\"}"),
           400, "model", "at most 128");
    /* 16 references fine, 17 not. */
    prefix = q("{" M ",'input_references':[");
    expect(body_with(prefix,
                     "{\"type\":\"image_url\",\"image_url\":{\"url\":"
                     "\"https://e.com/a.png\"}},",
                     15,
                     "{\"type\":\"image_url\",\"image_url\":{\"url\":"
                     "\"https://e.com/a.png\"}}]}"),
           0, NULL, NULL);
    expect(body_with(prefix,
                     "{\"type\":\"image_url\",\"image_url\":{\"url\":"
                     "\"https://e.com/a.png\"}},",
                     16,
                     "{\"type\":\"image_url\",\"image_url\":{\"url\":"
                     "\"https://e.com/a.png\"}}]}"),
           400, "input_references", "17 items");
    ir_free(prefix);
    /* provider.order: IR_MAX_PREF_ITEMS fine, one more not. */
    prefix = q("{" M ",'provider':{'order':[");
    expect(body_with(prefix, "\"p\",", IR_MAX_PREF_ITEMS - 1, "\"p\"]}}"), 0,
           NULL, NULL);
    expect(body_with(prefix, "\"p\",", IR_MAX_PREF_ITEMS, "\"p\"]}}"), 400,
           "provider.order", "65 items");
    ir_free(prefix);
    /* An http URL past 8 KiB. */
    prefix = q("{" M ",'input_references':[{'type':'image_url','image_url':"
               "{'url':'https://e.com/");
    expect(body_with(prefix, "a", 8200, "\"}}]}"), 400, "input_references[0]",
           "at most 8192 bytes");
    ir_free(prefix);
    /* A data: URL decoding past IR_MAX_REF_BYTES. */
    n = IR_MAX_REF_BYTES + 1;
    raw = ir_calloc(1, n);
    assert_non_null(raw);
    assert_int_equal(ir_base64_encode(raw, n, &b64, NULL), IR_OK);
    ir_free(raw);
    prefix = q("{" M ",'input_references':[{'type':'image_url','image_url':"
               "{'url':'data:image/png;base64,");
    expect(body_with(prefix, b64, 1, "\"}}]}"), 400, "input_references[0]",
           "20971521 bytes");
    ir_free(prefix);
    ir_free(b64);
}

static void
test_from_json_not_object(void **state)
{
    struct ir_request r;
    struct ir_error e;
    json_t *root = json_string("x"); /* owned */

    (void)state;
    ir_request_init(&r);
    ir_error_init(&e);
    assert_int_equal(ir_core_request_from_json(root, &r, &e), IR_EINVAL);
    assert_int_equal(e.status, 400);
    assert_non_null(strstr(e.message, "got string 'x'"));
    assert_int_equal(ir_core_request_from_json(NULL, &r, &e), IR_EINVAL);
    json_decref(root);
    ir_request_cleanup(&r);
    ir_error_cleanup(&e);
}

static void
test_message_is_valid_utf8(void **state)
{
    struct parsed p;
    char *json;

    (void)state;
    /* A long multibyte value is clipped on a character boundary, so the
     * error renders as JSON. */
    parse("{" M ",'quality':'\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
          "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
          "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
          "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9'}",
          &p);
    assert_int_equal(p.e.status, 400);
    json = ir_error_to_json(&p.e);
    assert_non_null(json);
    assert_non_null(strstr(json, "..."));
    ir_free(json);
    parsed_cleanup(&p);
}

static void
test_names(void **state)
{
    size_t i;

    (void)state;
    assert_string_equal(ir_core_request_format_name(IR_FORMAT_JPEG), "jpeg");
    assert_string_equal(ir_core_request_format_name(IR_FORMAT_UNSET), "");
    assert_string_equal(ir_core_request_quality_name(IR_QUALITY_XHIGH),
                        "xhigh");
    assert_string_equal(ir_core_request_background_name(
                            IR_BACKGROUND_TRANSPARENT),
                        "transparent");
    for (i = 0; ir_core_request_resolutions[i] != NULL; i++)
        ;
    assert_int_equal(i, 6);
    for (i = 0; ir_core_request_aspect_ratios[i] != NULL; i++)
        assert_true(strlen(ir_core_request_aspect_ratios[i]) < 8);
    assert_int_equal(i, 23);
}

/* Fails each allocation of a full parse in turn: every failure must be a
 * clean IR_ENOMEM/500 with nothing leaked (ASan checks the latter). */
static void
test_alloc_failures(void **state)
{
    static const char body_sq[] =
        "{'model':'a/b','prompt':'p','user':'u','input_references':["
        "{'type':'image_url','image_url':{'url':'https://e.com/a.png'}},"
        "{'type':'image_url','image_url':{'url':'data:image/png;base64,"
        "iVBORw0KGgo='}}],'provider':{'order':['a','b'],'only':['c'],"
        "'ignore':['d'],'options':{'a':{}}}}";
    char *body = q(body_sq);
    struct ir_request r;
    struct ir_error e;
    unsigned long k;
    ir_err rc = IR_ENOMEM;

    (void)state;
    for (k = 1; k < 100 && rc != IR_OK; k++) {
        ir_request_init(&r);
        ir_error_init(&e);
        ir_mem_fail_at(k);
        rc = ir_core_request_parse(body, strlen(body), &r, &e);
        ir_mem_fail_at(0);
        if (rc != IR_OK) {
            assert_int_equal(rc, IR_ENOMEM);
            assert_int_equal(e.status, 500);
        }
        ir_request_cleanup(&r);
        ir_error_cleanup(&e);
    }
    assert_int_equal(rc, IR_OK);
    /* model, prompt, 2 x url, 1 x bytes, 3 lists + 4 items, user. */
    assert_true(k > 12);
    ir_free(body);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_full_body),
        cmocka_unit_test(test_size_forms),
        cmocka_unit_test(test_sort_forms),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_from_json_not_object),
        cmocka_unit_test(test_message_is_valid_utf8),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_alloc_failures),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
