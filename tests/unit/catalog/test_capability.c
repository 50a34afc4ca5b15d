/* SPDX-License-Identifier: Apache-2.0
 * tests/unit/catalog/test_capability.c - catalog/capability.c: requests
 * against endpoint descriptors (enum, range, boolean, undeclared,
 * unknown types), the "no endpoint can serve this" 400 and the model-level
 * union. Endpoints are built by hand, independent of the catalog loader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "catalog/capability.h"
#include "util/mem.h"

#define MODEL "google/gemini-3.1-flash-image"

/* Gemini on Vertex: 1K/2K only. */
#define SP_VERTEX                                                          \
    "{'resolution':{'type':'enum','values':['1K','2K']},"                  \
    "'aspect_ratio':{'type':'enum','values':['1:1','16:9','9:16']},"       \
    "'n':{'type':'range','min':1,'max':1},"                                \
    "'input_references':{'type':'range','min':0,'max':14}}"
/* Gemini on AI Studio: 512..4K. */
#define SP_STUDIO                                                          \
    "{'resolution':{'type':'enum','values':['512','1K','2K','4K']},"       \
    "'n':{'type':'range','min':1,'max':1},"                                \
    "'input_references':{'type':'range','min':0,'max':14}}"
/* gpt-image-2. */
#define SP_OPENAI                                                          \
    "{'aspect_ratio':{'type':'enum','values':['1:1','3:2','2:3','auto']}," \
    "'quality':{'type':'enum','values':['auto','low','medium','high']},"   \
    "'background':{'type':'enum','values':['auto','opaque']},"             \
    "'output_format':{'type':'enum','values':['png','jpeg','webp']},"      \
    "'output_compression':{'type':'range','min':0,'max':100},"             \
    "'n':{'type':'range','min':1,'max':10},"                               \
    "'input_references':{'type':'range','min':0,'max':16}}"
/* Recraft V4 styles: references required. */
#define SP_RECRAFT                                                         \
    "{'n':{'type':'range','min':1,'max':6},"                               \
    "'input_references':{'type':'range','min':1,'max':10}}"
/* xAI grok-imagine 2.0. */
#define SP_GROK                                                            \
    "{'quality':{'type':'enum','values':['low','medium']},"                \
    "'resolution':{'type':'enum','values':['1K','2K']},"                   \
    "'output_compression':{'type':'range','min':0,'max':90},"              \
    "'seed':{'type':'boolean'}}"
/* Ming: declares size; a quality of a type we do not know. */
#define SP_MING                                                            \
    "{'size':{'type':'enum','values':['1024x1024','1328x1824']},"          \
    "'quality':{'type':'fancy','values':['x']},"                           \
    "'output_format':{'type':'enum','values':['png','jpeg','webp']}}"
/* Takes no references at all. */
#define SP_TEXT_ONLY "{'n':{'type':'range','min':1,'max':4}}"

static json_t *
sq_json(const char *sq)
{
    char *s = ir_strdup(sq), *p;
    json_t *v; /* owned */

    assert_non_null(s);
    for (p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    v = json_loads(s, 0, NULL);
    ir_free(s);
    assert_non_null(v);
    return v;
}

static void
ep_init(struct ir_endpoint *ep, const char *model, const char *tag,
        const char *sp)
{
    memset(ep, 0, sizeof *ep);
    ep->model_id = model;
    ep->provider_slug = tag;
    ep->provider_name = tag;
    ep->provider_tag = tag;
    ep->available = true;
    ep->supported_parameters = sq_json(sp);
}

static void
ep_cleanup(struct ir_endpoint *ep)
{
    json_decref(ep->supported_parameters);
}

static void
req(const char *extra_sq, struct ir_request *r)
{
    char body[1024];
    struct ir_error e;
    char *p;

    (void)snprintf(body, sizeof body,
                   "{'model':'" MODEL "','prompt':'p'%s%s}",
                   extra_sq[0] ? "," : "", extra_sq);
    for (p = body; *p; p++)
        if (*p == '\'')
            *p = '"';
    ir_request_init(r);
    ir_error_init(&e);
    if (ir_core_request_parse(body, strlen(body), r, &e) != IR_OK)
        fail_msg("%s: %s", body, e.message);
    ir_error_cleanup(&e);
}

#define REF "{'type':'image_url','image_url':{'url':'https://e.com/a.png'}}"

struct cap_case {
    const char *sp;     /* endpoint descriptors */
    const char *fields; /* request fields, ' for " */
    bool ok;
    const char *param, *value, *accepted;
};

static const struct cap_case cap_cases[] = {
    {SP_VERTEX, "", true, NULL, NULL, NULL},
    {SP_VERTEX, "'resolution':'4K'", false, "resolution", "4K", "1K, 2K"},
    {SP_STUDIO, "'resolution':'4K'", true, NULL, NULL, NULL},
    {SP_VERTEX, "'resolution':'2k'", true, NULL, NULL, NULL},
    /* A tier size is the resolution; a pixel size has no tier. */
    {SP_VERTEX, "'size':'4k'", false, "resolution", "4K", "1K, 2K"},
    {SP_VERTEX, "'size':'4096x4096'", true, NULL, NULL, NULL},
    /* More images than one call makes is split, not refused. */
    {SP_VERTEX, "'n':2", true, NULL, NULL, NULL},
    {SP_OPENAI, "'n':4", true, NULL, NULL, NULL},
    {SP_OPENAI, "'n':10", true, NULL, NULL, NULL},
    /* Undeclared parameters are dropped, not filtered. */
    {SP_VERTEX, "'quality':'high','background':'opaque','seed':1", true,
     NULL, NULL, NULL},
    {SP_VERTEX, "'output_format':'png','output_compression':5", true, NULL,
     NULL, NULL},
    {SP_OPENAI, "'quality':'xhigh'", false, "quality", "xhigh",
     "auto, low, medium, high"},
    {SP_OPENAI, "'quality':'high'", true, NULL, NULL, NULL},
    /* auto never filters. */
    {SP_GROK, "'quality':'auto'", true, NULL, NULL, NULL},
    {SP_GROK, "'quality':'high'", false, "quality", "high", "low, medium"},
    {SP_OPENAI, "'background':'transparent'", false, "background",
     "transparent", "auto, opaque"},
    {SP_OPENAI, "'background':'auto'", true, NULL, NULL, NULL},
    {SP_OPENAI, "'output_format':'svg'", false, "output_format", "svg",
     "png, jpeg, webp"},
    {SP_OPENAI, "'output_format':'jpeg','output_compression':100", true,
     NULL, NULL, NULL},
    {SP_GROK, "'output_compression':95", false, "output_compression", "95",
     "0-90"},
    {SP_GROK, "'output_compression':90", true, NULL, NULL, NULL},
    /* References: the count, minimum included. */
    {SP_RECRAFT, "", false, "input_references", "0", "1-10"},
    {SP_RECRAFT, "'input_references':[" REF "," REF "," REF "]", true, NULL,
     NULL, NULL},
    {SP_RECRAFT,
     "'input_references':[" REF "," REF "," REF "," REF "," REF "," REF
     "," REF "," REF "," REF "," REF "," REF "]",
     false, "input_references", "11", "1-10"},
    {SP_TEXT_ONLY, "'input_references':[" REF "," REF "]", false,
     "input_references", "2", "0"},
    {SP_TEXT_ONLY, "", true, NULL, NULL, NULL},
    /* aspect_ratio never filters: geometry clamps it. */
    {SP_OPENAI, "'aspect_ratio':'8:1'", true, NULL, NULL, NULL},
    {SP_VERTEX, "'aspect_ratio':'auto'", true, NULL, NULL, NULL},
    /* seed and stream never filter. */
    {SP_OPENAI, "'seed':42,'stream':true", true, NULL, NULL, NULL},
    {SP_GROK, "'seed':42", true, NULL, NULL, NULL},
    /* size, when declared as an enum. */
    {SP_MING, "'size':'1328x1824'", true, NULL, NULL, NULL},
    {SP_MING, "'size':'1024x768'", false, "size", "1024x768",
     "1024x1024, 1328x1824"},
    {SP_MING, "'size':'auto'", true, NULL, NULL, NULL},
    /* A descriptor type we do not know does not filter. */
    {SP_MING, "'quality':'low'", true, NULL, NULL, NULL},
    /* Checked in order: the first violation is the one reported. */
    {SP_VERTEX, "'resolution':'4K','n':3", false, "resolution", "4K",
     "1K, 2K"},
};

static void
test_check_table(void **state)
{
    struct ir_endpoint ep;
    struct ir_cap_reject why;
    struct ir_request r;
    size_t i;
    bool ok;

    (void)state;
    for (i = 0; i < sizeof cap_cases / sizeof cap_cases[0]; i++) {
        const struct cap_case *c = &cap_cases[i];

        ep_init(&ep, MODEL, "google-vertex/global", c->sp);
        req(c->fields, &r);
        ok = ir_catalog_capability_check(&r, &ep, &why);
        if (ok != c->ok)
            fail_msg("case %zu (%s): got %s (%s)", i, c->fields,
                     ok ? "ok" : "rejected", ok ? "" : why.param);
        if (!ok && (strcmp(why.param, c->param) != 0 ||
                    strcmp(why.value, c->value) != 0 ||
                    strcmp(why.accepted, c->accepted) != 0))
            fail_msg("case %zu: got %s '%s' [%s], want %s '%s' [%s]", i,
                     why.param, why.value, why.accepted, c->param, c->value,
                     c->accepted);
        if (!ok) {
            assert_string_equal(why.model_id, MODEL);
            assert_string_equal(why.provider, "google-vertex/global");
        }
        /* why may be NULL. */
        assert_true(ir_catalog_capability_check(&r, &ep, NULL) == c->ok);
        ir_request_cleanup(&r);
        ep_cleanup(&ep);
    }
}

static void
test_n_max(void **state)
{
    struct ir_endpoint ep;

    (void)state;
    ep_init(&ep, MODEL, "openai", SP_OPENAI); /* n 1-10 */
    assert_int_equal(ir_catalog_capability_n_max(&ep), 10);
    ep_cleanup(&ep);
    ep_init(&ep, MODEL, "google-vertex/global", SP_VERTEX); /* n 1-1 */
    assert_int_equal(ir_catalog_capability_n_max(&ep), 1);
    ep_cleanup(&ep);
    ep_init(&ep, MODEL, "recraft", "{'seed':{'type':'boolean'}}");
    assert_int_equal(ir_catalog_capability_n_max(&ep), 1); /* undeclared */
    ep_cleanup(&ep);
    /* Below an endpoint's minimum still disqualifies it. */
    ep_init(&ep, MODEL, "x", "{'n':{'type':'range','min':2,'max':4}}");
    {
        struct ir_request req;
        struct ir_cap_reject why;

        ir_request_init(&req);
        req.n = 1;
        assert_false(ir_catalog_capability_check(&req, &ep, &why));
        assert_string_equal(why.param, "n");
        req.n = 9;
        assert_true(ir_catalog_capability_check(&req, &ep, &why));
        ir_request_cleanup(&req);
    }
    ep_cleanup(&ep);
}

static void
test_declared(void **state)
{
    struct ir_endpoint ep;

    (void)state;
    ep_init(&ep, MODEL, "openai", SP_OPENAI);
    assert_true(ir_catalog_capability_declared(&ep, "quality"));
    assert_true(ir_catalog_capability_declared(&ep, "n"));
    assert_false(ir_catalog_capability_declared(&ep, "seed"));
    assert_false(ir_catalog_capability_declared(&ep, "resolution"));
    assert_false(ir_catalog_capability_declared(NULL, "n"));
    ep_cleanup(&ep);
    memset(&ep, 0, sizeof ep);
    assert_false(ir_catalog_capability_declared(&ep, "n"));
}

static void
test_enum_values(void **state)
{
    struct ir_endpoint ep;
    const char *vals[8];

    (void)state;
    ep_init(&ep, MODEL, "openai", SP_OPENAI);
    assert_int_equal(ir_catalog_capability_enum(&ep, "aspect_ratio", vals, 8),
                     4);
    assert_string_equal(vals[1], "3:2");
    assert_string_equal(vals[3], "auto");
    assert_int_equal(ir_catalog_capability_enum(&ep, "aspect_ratio", vals, 2),
                     2);
    assert_int_equal(ir_catalog_capability_enum(&ep, "n", vals, 8), 0);
    assert_int_equal(ir_catalog_capability_enum(&ep, "seed", vals, 8), 0);
    assert_int_equal(ir_catalog_capability_enum(NULL, "n", vals, 8), 0);
    ep_cleanup(&ep);
}

/* Rejections from endpoints with the given descriptors for one request. */
static size_t
rejections(const char *fields, const char *const *sps, size_t n,
           struct ir_endpoint *eps, struct ir_cap_reject *whys)
{
    struct ir_request r;
    size_t i, k = 0;

    req(fields, &r);
    for (i = 0; i < n; i++) {
        ep_init(&eps[i], MODEL, i ? "google-ai-studio" : "google-vertex",
                sps[i]);
        if (!ir_catalog_capability_check(&r, &eps[i], &whys[k]))
            k++;
    }
    ir_request_cleanup(&r);
    return k;
}

static const char *
meta_str(const struct ir_error *e, const char *key)
{
    return json_string_value(json_object_get(e->metadata, key));
}

static void
test_error_one_param(void **state)
{
    static const char *const sps[] = {
        SP_VERTEX,
        "{'resolution':{'type':'enum','values':['512','1K','2K']}}",
    };
    struct ir_endpoint eps[2];
    struct ir_cap_reject whys[2];
    struct ir_error e;
    json_t *acc; /* borrowed */
    char *s;

    (void)state;
    assert_int_equal(rejections("'resolution':'4K'", sps, 2, eps, whys), 2);
    ir_error_init(&e);
    ir_catalog_capability_error(whys, 2, &e);
    assert_int_equal(e.status, 400);
    assert_string_equal(e.message,
                        "resolution '4K' is not supported by any endpoint "
                        "of " MODEL "; supported: 1K, 2K, 512");
    assert_string_equal(meta_str(&e, "error_type"), "unsupported_parameter");
    assert_string_equal(meta_str(&e, "param"), "resolution");
    assert_string_equal(meta_str(&e, "value"), "4K");
    acc = json_object_get(e.metadata, "accepted");
    assert_int_equal(json_array_size(acc), 3);
    assert_string_equal(json_string_value(json_array_get(acc, 2)), "512");
    s = ir_error_to_json(&e);
    assert_non_null(s);
    assert_non_null(strstr(s, "\"code\":400"));
    ir_free(s);
    ir_error_cleanup(&e);
    ep_cleanup(&eps[0]);
    ep_cleanup(&eps[1]);
}

static void
test_error_ranges(void **state)
{
    static const char *const sps[] = {
        "{'output_compression':{'type':'range','min':0,'max':1}}",
        "{'output_compression':{'type':'range','min':0,'max':2}}",
    };
    static const char *const refs[] = {SP_RECRAFT, SP_RECRAFT};
    struct ir_endpoint eps[2];
    struct ir_cap_reject whys[2];
    struct ir_error e;
    json_t *acc; /* borrowed */

    (void)state;
    assert_int_equal(rejections("'output_compression':4", sps, 2, eps, whys),
                     2);
    ir_error_init(&e);
    ir_catalog_capability_error(whys, 2, &e);
    assert_string_equal(e.message, "output_compression 4 is not supported "
                                   "by any endpoint of " MODEL
                                   "; supported: 0-2");
    acc = json_object_get(e.metadata, "accepted");
    assert_int_equal(json_integer_value(json_object_get(acc, "min")), 0);
    assert_int_equal(json_integer_value(json_object_get(acc, "max")), 2);
    ir_error_cleanup(&e);
    ep_cleanup(&eps[0]);
    ep_cleanup(&eps[1]);

    assert_int_equal(rejections("", refs, 1, eps, whys), 1);
    ir_catalog_capability_error(whys, 1, &e);
    assert_string_equal(e.message, "input_references count 0 is not "
                                   "supported by any endpoint of " MODEL
                                   "; supported: 1-10");
    assert_string_equal(meta_str(&e, "param"), "input_references");
    ir_error_cleanup(&e);
    ep_cleanup(&eps[0]);
}

static void
test_error_several_params(void **state)
{
    static const char *const sps[] = {SP_VERTEX, SP_OPENAI};
    struct ir_endpoint eps[2];
    struct ir_cap_reject whys[2];
    struct ir_error e;
    json_t *params; /* borrowed */

    (void)state;
    /* Vertex fails on resolution, OpenAI on quality. */
    assert_int_equal(rejections("'resolution':'4K','quality':'max'", sps, 2,
                                eps, whys),
                     2);
    ir_error_init(&e);
    ir_catalog_capability_error(whys, 2, &e);
    assert_int_equal(e.status, 400);
    assert_string_equal(e.message,
                        "No endpoint of " MODEL " supports all the requested "
                        "parameters: resolution '4K' (supported: 1K, 2K); "
                        "quality 'max' (supported: auto, low, medium, "
                        "high)");
    assert_string_equal(meta_str(&e, "param"), "resolution");
    params = json_object_get(e.metadata, "params");
    assert_int_equal(json_array_size(params), 2);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(params, 1), "param")),
                        "quality");
    ir_error_cleanup(&e);
    ep_cleanup(&eps[0]);
    ep_cleanup(&eps[1]);

    /* No rejections at all still gives a 400. */
    ir_catalog_capability_error(NULL, 0, &e);
    assert_int_equal(e.status, 400);
    assert_non_null(strstr(e.message, "this model"));
    ir_error_cleanup(&e);
}

static void
test_union(void **state)
{
    struct ir_endpoint eps[4];
    struct ir_model m;
    json_t *u, *d, *before; /* owned, borrowed, owned */

    (void)state;
    ep_init(&eps[0], MODEL, "google-vertex", SP_VERTEX);
    ep_init(&eps[1], MODEL, "google-ai-studio",
            "{'resolution':{'type':'enum','values':['512','1K','2K','4K']},"
            "'n':{'type':'range','min':1,'max':4},"
            "'input_references':{'type':'range','min':0},"
            "'seed':{'type':'boolean'},"
            "'aspect_ratio':{'type':'range','min':0,'max':1}}");
    ep_init(&eps[2], MODEL, "openai", SP_OPENAI);
    eps[2].available = false; /* no credentials: not in the union */
    ep_init(&eps[3], MODEL, "other",
            "{'n':{'type':'range','min':0,'max':2},'seed':{'type':'boolean'},"
            "'resolution':{'type':'enum','values':['2K','768']}}");
    before = json_deep_copy(eps[0].supported_parameters);
    memset(&m, 0, sizeof m);
    m.id = MODEL;
    m.endpoints = eps;
    m.nendpoints = 4;

    u = ir_catalog_capability_union(&m);
    assert_non_null(u);
    d = json_object_get(u, "resolution");
    assert_string_equal(json_string_value(json_object_get(d, "type")),
                        "enum");
    assert_int_equal(json_array_size(json_object_get(d, "values")), 5);
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(d, "values"), 2)),
                        "512");
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(d, "values"), 4)),
                        "768");
    d = json_object_get(u, "n");
    assert_int_equal(json_integer_value(json_object_get(d, "min")), 0);
    assert_int_equal(json_integer_value(json_object_get(d, "max")), 4);
    /* One endpoint has no upper bound on references: neither has the
     * union. */
    d = json_object_get(u, "input_references");
    assert_int_equal(json_integer_value(json_object_get(d, "min")), 0);
    assert_null(json_object_get(d, "max"));
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(u, "seed"), "type")),
                        "boolean");
    /* Conflicting types: the first endpoint's descriptor stands. */
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(u, "aspect_ratio"), "type")),
                        "enum");
    /* The unavailable endpoint adds nothing. */
    assert_null(json_object_get(u, "quality"));
    assert_null(json_object_get(u, "background"));
    /* The catalog itself is untouched. */
    assert_true(json_equal(before, eps[0].supported_parameters));
    json_decref(u);
    json_decref(before);

    /* No available endpoint: an empty object. */
    m.nendpoints = 0;
    u = ir_catalog_capability_union(&m);
    assert_non_null(u);
    assert_int_equal(json_object_size(u), 0);
    json_decref(u);
    for (size_t i = 0; i < 4; i++)
        ep_cleanup(&eps[i]);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_table),
        cmocka_unit_test(test_declared),
        cmocka_unit_test(test_enum_values),
        cmocka_unit_test(test_error_one_param),
        cmocka_unit_test(test_error_ranges),
        cmocka_unit_test(test_error_several_params),
        cmocka_unit_test(test_union),
        cmocka_unit_test(test_n_max),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
