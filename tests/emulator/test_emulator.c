/* SPDX-License-Identifier: Apache-2.0
 * tests/emulator/test_emulator.c - emulator.wire: start ir-emulator on a
 * free port and check each provider's wire format through libcurl: a
 * success with a real image of the asked size, an auth failure, scripted
 * faults, BFL polling, SSE framing, Vertex's JWT exchange and the
 * /_emu/ record. Usage: ir-emulator-test path/to/ir-emulator
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <vips/vips.h>

#include "image.h"
#include "test_cache.h"
#include "test_http.h"
#include "util.h"

#define AUTH_OAI "Authorization: Bearer sk-test"
#define AUTH_ALL "Authorization: Bearer k-all"

static unsigned char *png_ref;
static size_t png_ref_len;

/* Counts "event: <name>" lines and checks each data JSON's type. */
static int
sse_count(const char *body, const char *event)
{
    const char *p = body;
    char want[96];
    int n = 0;

    snprintf(want, sizeof(want), "event: %s\ndata: ", event);
    while ((p = strstr(p, want)) != NULL) {
        const char *d = p + strlen(want), *end = strchr(d, '\n');
        json_t *j = json_loadb(d, end ? (size_t)(end - d) : strlen(d), 0,
                               NULL);
        CHECK(j != NULL && strcmp(jstr(j, "type"), event) == 0,
              "SSE data type for %s", event);
        json_decref(j);
        n++;
        p = d;
    }
    return n;
}

static void
test_openai(void)
{
    struct resp r;
    const char *b64;

    r = post("/v1/images/generations", AUTH_OAI, "{\"model\":\"gpt-image-1\","
             "\"prompt\":\"a red fox\",\"size\":\"1536x1024\","
             "\"quality\":\"low\"}");
    CHECK(r.status == 200, "openai gen status %ld", r.status);
    b64 = jstr(r.json, "data.0.b64_json");
    check_image(b64, strlen(b64), true, 1536, 1024, "png", "openai gen");
    png_ref = emu_b64_decode(b64, strlen(b64), &png_ref_len);
    CHECK(json_is_integer(jget(r.json, "usage.input_tokens_details."
                                       "text_tokens")) &&
          json_is_integer(jget(r.json, "usage.input_tokens_details."
                                       "image_tokens")) &&
          json_integer_value(jget(r.json, "usage.output_tokens")) == 408 &&
          json_is_integer(jget(r.json, "usage.total_tokens")),
          "openai usage %s", r.body);
    CHECK(strcmp(jstr(r.json, "size"), "1536x1024") == 0 &&
          strcmp(jstr(r.json, "quality"), "low") == 0, "openai echo");
    resp_free(&r);

    r = post("/v1/images/generations", "Authorization: Bearer sk-wrong",
             "{\"prompt\":\"x\"}");
    CHECK(r.status == 401 && strcmp(jstr(r.json, "error.code"),
                                    "invalid_api_key") == 0,
          "openai bad key %ld", r.status);
    resp_free(&r);
    r = post("/v1/images/generations", NULL, "{\"prompt\":\"x\"}");
    CHECK(r.status == 401 && strcmp(jstr(r.json, "error.type"),
                                    "invalid_request_error") == 0,
          "openai no key %ld", r.status);
    resp_free(&r);
    r = post("/v1/images/generations", AUTH_OAI, "{\"model\":\"gpt-image-1\","
             "\"prompt\":\"x\",\"size\":\"1000x1000\"}");
    CHECK(r.status == 400 && strcmp(jstr(r.json, "error.param"), "size") == 0
          && strcmp(jstr(r.json, "error.code"), "invalid_value") == 0,
          "openai bad size %ld %s", r.status, r.body);
    resp_free(&r);
    r = post("/v1/images/generations", AUTH_OAI, "{\"model\":\"gpt-image-9\","
             "\"prompt\":\"x\"}");
    CHECK(r.status == 400 && strcmp(jstr(r.json, "error.param"), "model") == 0,
          "openai unknown model %ld", r.status);
    resp_free(&r);
    r = post("/v1/images/generations", AUTH_OAI, "{\"model\":\"gpt-image-1\","
             "\"prompt\":\"x\",\"background\":\"transparent\","
             "\"output_format\":\"webp\",\"quality\":\"low\"}");
    b64 = jstr(r.json, "data.0.b64_json");
    check_image(b64, strlen(b64), true, 1024, 1024, "webp", "openai webp");
    resp_free(&r);
    r = post("/v1/images/generations", AUTH_OAI, "{\"model\":\"dall-e-3\","
             "\"prompt\":\"x\",\"size\":\"1024x1792\"}");
    CHECK(r.status == 200 && strlen(jstr(r.json, "data.0.url")) > 0,
          "dall-e-3 url %ld", r.status);
    {
        struct resp d = http("GET", jstr(r.json, "data.0.url"), NULL, NULL,
                             NULL, 0);
        check_image(d.body, d.len, false, 1024, 1792, "png", "dall-e-3 url");
        resp_free(&d);
    }
    resp_free(&r);

}

/* Edits: multipart with two image[] parts; a part with a non-image type. */
static void
test_openai_edits(void)
{
    struct resp r;
    curl_mime *m;
    curl_mimepart *part;
    const char *b64;

    {
        const char *h[] = { AUTH_OAI, NULL };
        m = curl_mime_init(NULL);
        for (int i = 0; i < 2; i++) {
            part = curl_mime_addpart(m);
            curl_mime_name(part, "image[]");
            curl_mime_data(part, (const char *)png_ref, png_ref_len);
            curl_mime_filename(part, "ref.png");
            curl_mime_type(part, "image/png");
        }
        part = curl_mime_addpart(m);
        curl_mime_name(part, "prompt");
        curl_mime_data(part, "make it night", CURL_ZERO_TERMINATED);
        part = curl_mime_addpart(m);
        curl_mime_name(part, "model");
        curl_mime_data(part, "gpt-image-1", CURL_ZERO_TERMINATED);
        part = curl_mime_addpart(m);
        curl_mime_name(part, "size");
        curl_mime_data(part, "1024x1536", CURL_ZERO_TERMINATED);
        part = curl_mime_addpart(m);
        curl_mime_name(part, "output_format");
        curl_mime_data(part, "jpeg", CURL_ZERO_TERMINATED);
        r = http("POST", "/v1/images/edits", h, NULL, m, 0);
        CHECK(r.status == 200, "openai edits %ld %s", r.status,
              r.status != 200 ? r.body : "");
        b64 = jstr(r.json, "data.0.b64_json");
        check_image(b64, strlen(b64), true, 1024, 1536, "jpeg",
                    "openai edit");
        CHECK(json_integer_value(jget(r.json, "usage.input_tokens_details."
                                              "image_tokens")) > 0,
              "edit image tokens");
        resp_free(&r);
        curl_mime_free(m);

        m = curl_mime_init(NULL);
        part = curl_mime_addpart(m);
        curl_mime_name(part, "image[]");
        curl_mime_data(part, (const char *)png_ref, png_ref_len);
        curl_mime_filename(part, "ref.bin");
        curl_mime_type(part, "application/octet-stream");
        part = curl_mime_addpart(m);
        curl_mime_name(part, "prompt");
        curl_mime_data(part, "x", CURL_ZERO_TERMINATED);
        r = http("POST", "/v1/images/edits", h, NULL, m, 0);
        CHECK(r.status == 400 && strcmp(jstr(r.json, "error.code"),
                                        "unsupported_file_mimetype") == 0,
              "edit mimetype %ld %s", r.status, r.body);
        resp_free(&r);
        curl_mime_free(m);
    }

}

/* Streaming frames, then Azure's deployment path. */
static void
test_openai_stream(void)
{
    struct resp r;
    const char *b64;
    const char *azh[] = { "api-key: k-all", NULL };

    r = post("/v1/images/generations", AUTH_OAI, "{\"model\":\"gpt-image-1\","
             "\"prompt\":\"x\",\"stream\":true,\"partial_images\":2,"
             "\"quality\":\"low\"}");
    CHECK(r.status == 200 && strncmp(r.ctype, "text/event-stream", 17) == 0,
          "openai sse ctype %s", r.ctype);
    CHECK(sse_count(r.body, "image_generation.partial_image") == 2 &&
          sse_count(r.body, "image_generation.completed") == 1,
          "openai sse frames");
    CHECK(strstr(r.body, "\"partial_image_index\":1") != NULL &&
          strstr(r.body, "\"usage\":{") != NULL, "openai sse fields");
    resp_free(&r);

    /* Azure deployment path. */
    r = http("POST", "/openai/deployments/img/images/generations?api-version="
             "2025-04-01-preview", azh, "{\"prompt\":\"x\",\"size\":"
             "\"1024x1024\",\"quality\":\"low\"}", NULL, 0);
    b64 = jstr(r.json, "data.0.b64_json");
    CHECK(r.status == 200, "azure %ld %s", r.status, r.body);
    check_image(b64, strlen(b64), true, 1024, 1024, "png", "azure");
    resp_free(&r);
    {
        const char *bad[] = { "api-key: nope", NULL };
        r = http("POST", "/openai/deployments/img/images/generations?"
                 "api-version=2025-04-01-preview", bad, "{\"prompt\":\"x\"}",
                 NULL, 0);
        CHECK(r.status == 401 && strcmp(jstr(r.json, "error.code"), "401")
              == 0, "azure bad key %ld", r.status);
        resp_free(&r);
    }
    r = http("POST", "/openai/deployments/img/images/generations", azh,
             "{\"prompt\":\"x\"}", NULL, 0);
    CHECK(r.status == 404, "azure no api-version %ld", r.status);
    resp_free(&r);
}

static void
test_gemini(void)
{
    const char *h[] = { "x-goog-api-key: k-all", NULL };
    const char *bad[] = { "x-goog-api-key: nope", NULL };
    const char *body = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\""
        ":\"a fox\"}]}],\"generationConfig\":{\"responseModalities\":[\"TEXT\","
        "\"IMAGE\"],\"imageConfig\":{\"aspectRatio\":\"16:9\",\"imageSize\":"
        "\"1K\"}}}";
    const char *url = "/v1beta/models/gemini-2.5-flash-image:generateContent";
    struct resp r;
    const char *b64;

    r = http("POST", url, h, body, NULL, 0);
    CHECK(r.status == 200, "gemini %ld", r.status);
    b64 = jstr(r.json, "candidates.0.content.parts.1.inlineData.data");
    check_image(b64, strlen(b64), true, 1344, 768, "png", "gemini");
    CHECK(json_integer_value(jget(r.json, "usageMetadata."
                                          "candidatesTokenCount")) == 1290,
          "gemini usage");
    resp_free(&r);
    r = http("POST", "/gemini/v1beta/models/gemini-3-pro-image-preview:"
             "generateContent", h, body, NULL, 0);
    b64 = jstr(r.json, "candidates.0.content.parts.1.inlineData.data");
    check_image(b64, strlen(b64), true, 1376, 768, "png", "gemini-3");
    resp_free(&r);
    r = http("POST", url, bad, body, NULL, 0);
    CHECK(r.status == 400 && strcmp(jstr(r.json, "error.details.0.reason"),
                                    "API_KEY_INVALID") == 0,
          "gemini bad key %ld %s", r.status, r.body);
    resp_free(&r);
    r = http("POST", "/v1beta/models/gemini-9-pro:generateContent", h, body,
             NULL, 0);
    CHECK(r.status == 404 && strcmp(jstr(r.json, "error.status"),
                                    "NOT_FOUND") == 0, "gemini model 404");
    resp_free(&r);
    script("{\"match\":{\"provider\":\"gemini\"},\"action\":"
           "{\"content_policy\":true}}");
    r = http("POST", url, h, body, NULL, 0);
    CHECK(r.status == 200 && strlen(jstr(r.json, "promptFeedback."
                                                 "blockReason")) > 0 &&
          jget(r.json, "candidates") == NULL, "gemini blockReason %s",
          r.body);
    resp_free(&r);
    script("{\"match\":{\"provider\":\"gemini\"},\"action\":"
           "{\"content_policy\":\"output\"}}");
    r = http("POST", url, h, body, NULL, 0);
    CHECK(r.status == 200 && strcmp(jstr(r.json, "candidates.0."
                                             "finishReason"),
                                    "IMAGE_SAFETY") == 0, "gemini output");
    resp_free(&r);
    script("{\"match\":{\"provider\":\"gemini\"},\"action\":"
           "{\"provider_error\":429,\"retry_after\":7}}");
    r = http("POST", url, h, body, NULL, 0);
    CHECK(r.status == 429 && strcmp(jstr(r.json, "error.status"),
                                    "RESOURCE_EXHAUSTED") == 0 &&
          strcmp(jstr(r.json, "error.details.1.retryDelay"), "7s") == 0 &&
          atoi(r.retry_after) == 7, "gemini 429 %s", r.body);
    resp_free(&r);
}

static char *
b64url(const void *p, size_t n)
{
    char *s = emu_b64_encode(p, n), *q;

    for (q = s; *q != '\0'; q++) {
        if (*q == '+')
            *q = '-';
        else if (*q == '/')
            *q = '_';
        else if (*q == '=') {
            *q = '\0';
            break;
        }
    }
    return s;
}

static char *
make_jwt(EVP_PKEY *k, long iat, long exp)
{
    char claims[512], *h, *c, *signing, *sig, *out;
    unsigned char sb[512];
    size_t sl = sizeof(sb);
    EVP_MD_CTX *md = EVP_MD_CTX_new();

    snprintf(claims, sizeof(claims), "{\"iss\":\"sa@p.iam.gserviceaccount."
             "com\",\"scope\":\"https://www.googleapis.com/auth/cloud-"
             "platform\",\"aud\":\"https://oauth2.googleapis.com/token\","
             "\"iat\":%ld,\"exp\":%ld}", iat, exp);
    h = b64url("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", 27);
    c = b64url(claims, strlen(claims));
    if (asprintf(&signing, "%s.%s", h, c) < 0)
        exit(2);
    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k);
    EVP_DigestSign(md, sb, &sl, (unsigned char *)signing, strlen(signing));
    EVP_MD_CTX_free(md);
    sig = b64url(sb, sl);
    if (asprintf(&out, "%s.%s", signing, sig) < 0)
        exit(2);
    free(h);
    free(c);
    free(signing);
    free(sig);
    return out;
}

static struct resp
token(const char *jwt)
{
    char body[4096];
    const char *h[] = { "Content-Type: application/x-www-form-urlencoded",
                        NULL };

    snprintf(body, sizeof(body), "grant_type=urn%%3Aietf%%3Aparams%%3Aoauth"
             "%%3Agrant-type%%3Ajwt-bearer&assertion=%s", jwt);
    return http("POST", "/token", h, body, NULL, 0);
}

static void
test_vertex(EVP_PKEY *k)
{
    long now = (long)time(NULL);
    char *jwt = make_jwt(k, now, now + 3600), auth[256];
    EVP_PKEY *other = EVP_RSA_gen(2048);
    const char *url = "/v1/projects/p1/locations/global/publishers/google/"
        "models/gemini-3-pro-image-preview:generateContent";
    const char *body = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\""
        ":\"a fox\"}]}],\"generationConfig\":{\"responseModalities\":"
        "[\"IMAGE\"],\"imageConfig\":{\"aspectRatio\":\"1:1\",\"imageSize\":"
        "\"2K\",\"imageOutputOptions\":{\"mimeType\":\"image/jpeg\"}}}}";
    const char *h[] = { auth, NULL };
    struct resp r = token(jwt);
    const char *b64;

    CHECK(r.status == 200 && strncmp(jstr(r.json, "access_token"), "ya29.",
                                     5) == 0 &&
          strcmp(jstr(r.json, "token_type"), "Bearer") == 0 &&
          json_is_integer(jget(r.json, "expires_in")), "token %s", r.body);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
             jstr(r.json, "access_token"));
    resp_free(&r);
    free(jwt);
    r = http("POST", url, h, body, NULL, 0);
    CHECK(r.status == 200, "vertex %ld %s", r.status, r.body);
    b64 = jstr(r.json, "candidates.0.content.parts.0.inlineData.data");
    check_image(b64, strlen(b64), true, 2048, 2048, "jpeg", "vertex");
    resp_free(&r);
    snprintf(auth, sizeof(auth), "Authorization: Bearer ya29.forged");
    r = http("POST", url, h, body, NULL, 0);
    CHECK(r.status == 401 && strcmp(jstr(r.json, "error.status"),
                                    "UNAUTHENTICATED") == 0, "vertex 401");
    resp_free(&r);
    jwt = make_jwt(other, now, now + 3600);
    r = token(jwt);
    CHECK(r.status == 400 && strcmp(jstr(r.json, "error"), "invalid_grant")
          == 0 && strstr(jstr(r.json, "error_description"), "Signature"),
          "jwt bad signature %s", r.body);
    resp_free(&r);
    free(jwt);
    jwt = make_jwt(k, now - 7200, now - 3600);
    r = token(jwt);
    CHECK(r.status == 400 && strcmp(jstr(r.json, "error"), "invalid_grant")
          == 0, "jwt expired %s", r.body);
    resp_free(&r);
    free(jwt);
    EVP_PKEY_free(other);
}

static void
test_seedream(void)
{
    struct resp r;
    const char *b64;

    r = post("/api/v3/images/generations", AUTH_ALL, "{\"model\":\"seedream-"
             "4-0-250828\",\"prompt\":\"x\",\"size\":\"2K\",\"response_"
             "format\":\"b64_json\",\"watermark\":false}");
    CHECK(r.status == 200 && json_integer_value(jget(r.json, "usage."
                                                     "generated_images")) == 1,
          "seedream %ld", r.status);
    b64 = jstr(r.json, "data.0.b64_json");
    check_image(b64, strlen(b64), true, 2048, 2048, "jpeg", "seedream");
    resp_free(&r);
    r = post("/api/v3/images/generations", AUTH_ALL, "{\"model\":\"seedream-"
             "4-5-251128\",\"prompt\":\"x\",\"size\":\"1024x1024\"}");
    CHECK(r.status == 400 && strcmp(jstr(r.json, "error.code"),
                                    "InvalidParameter") == 0,
          "seedream 4.5 size");
    resp_free(&r);
    r = post("/api/v3/images/generations", "Authorization: Bearer nope",
             "{\"model\":\"seedream-4-0-250828\",\"prompt\":\"x\"}");
    CHECK(r.status == 401 && strcmp(jstr(r.json, "error.code"),
                                    "AuthenticationError") == 0,
          "seedream 401");
    resp_free(&r);
    r = post("/api/v3/images/generations", AUTH_ALL, "{\"model\":\"seedream-"
             "4-0-250828\",\"prompt\":\"x\",\"size\":\"1K\",\"stream\":true,"
             "\"sequential_image_generation\":\"auto\",\"sequential_image_"
             "generation_options\":{\"max_images\":2}}");
    CHECK(sse_count(r.body, "image_generation.partial_succeeded") == 2 &&
          sse_count(r.body, "image_generation.completed") == 1 &&
          strstr(r.body, "data: [DONE]\n\n") != NULL, "seedream sse");
    resp_free(&r);
    script("{\"match\":{\"provider\":\"seedream\"},\"action\":"
           "{\"content_policy\":true}}");
    r = post("/api/v3/images/generations", AUTH_ALL, "{\"model\":\"seedream-"
             "4-0-250828\",\"prompt\":\"x\"}");
    CHECK(r.status == 400 && strcmp(jstr(r.json, "error.code"),
                                    "InputTextSensitiveContentDetected") == 0,
          "seedream policy");
    resp_free(&r);
}

static void
test_bfl(void)
{
    const char *h[] = { "x-key: k-all", NULL };
    struct resp r, p;
    char poll[512];
    int i;

    script("{\"match\":{\"provider\":\"bfl\"},\"action\":"
           "{\"pending_polls\":2}}");
    r = http("POST", "/v1/flux-2-pro", h, "{\"prompt\":\"a fox\",\"width\":"
             "1024,\"height\":768,\"output_format\":\"png\"}", NULL, 0);
    CHECK(r.status == 200 && strncmp(jstr(r.json, "polling_url"),
                                     emu_test_base,
                                     strlen(emu_test_base)) == 0 &&
          json_is_number(jget(r.json, "cost")), "bfl submit %s", r.body);
    snprintf(poll, sizeof(poll), "%s", jstr(r.json, "polling_url"));
    resp_free(&r);
    for (i = 0; i < 2; i++) {
        p = http("GET", poll, h, NULL, NULL, 0);
        CHECK(strcmp(jstr(p.json, "status"), "Pending") == 0,
              "bfl poll %d %s", i, p.body);
        resp_free(&p);
    }
    p = http("GET", poll, h, NULL, NULL, 0);
    CHECK(strcmp(jstr(p.json, "status"), "Ready") == 0, "bfl ready");
    r = http("GET", jstr(p.json, "result.sample"), NULL, NULL, NULL, 0);
    check_image(r.body, r.len, false, 1024, 768, "png", "bfl sample");
    resp_free(&r);
    resp_free(&p);
    r = http("POST", "/v1/flux-pro-1.1", h, "{\"prompt\":\"x\",\"width\":"
             "1000}", NULL, 0);
    CHECK(r.status == 422 && strcmp(jstr(r.json, "detail.0.type"),
                                    "multiple_of") == 0, "bfl 422");
    resp_free(&r);
    {
        const char *bad[] = { "x-key: nope", NULL };
        r = http("POST", "/v1/flux-2-pro", bad, "{\"prompt\":\"x\"}", NULL,
                 0);
        CHECK(r.status == 403 && strlen(jstr(r.json, "detail")) > 0,
              "bfl bad key %ld", r.status);
        resp_free(&r);
    }
    script("{\"match\":{\"provider\":\"bfl\"},\"action\":"
           "{\"content_policy\":true,\"pending_polls\":0}}");
    r = http("POST", "/bfl/v1/flux-2-pro", h, "{\"prompt\":\"x\"}", NULL, 0);
    CHECK(strstr(jstr(r.json, "polling_url"), "/bfl/v1/get_result?id=")
          != NULL, "bfl prefixed polling_url");
    p = http("GET", jstr(r.json, "polling_url"), h, NULL, NULL, 0);
    CHECK(strcmp(jstr(p.json, "status"), "Request Moderated") == 0,
          "bfl moderated %s", p.body);
    resp_free(&p);
    resp_free(&r);
    p = http("GET", "/v1/get_result?id=nope", h, NULL, NULL, 0);
    CHECK(strcmp(jstr(p.json, "status"), "Task not found") == 0,
          "bfl unknown task");
    resp_free(&p);
}

static void
test_xai_recraft(void)
{
    struct resp r;
    const char *b64;
    size_t n;
    unsigned char *svg;

    r = post("/v1/images/generations", AUTH_ALL, "{\"model\":\"grok-imagine-"
             "image\",\"prompt\":\"x\",\"response_format\":\"b64_json\","
             "\"aspect_ratio\":\"1:1\"}");
    b64 = jstr(r.json, "data.0.b64_json");
    check_image(b64, strlen(b64), true, 1024, 1024, "jpeg", "xai");
    CHECK(json_integer_value(jget(r.json, "usage.cost_in_usd_ticks")) > 0,
          "xai cost");
    resp_free(&r);
    r = post("/xai/v1/images/generations", "Authorization: Bearer nope",
             "{\"model\":\"grok-imagine-image\",\"prompt\":\"x\"}");
    CHECK(r.status == 400 && strlen(jstr(r.json, "code")) > 0 &&
          strstr(jstr(r.json, "error"), "Incorrect API key"), "xai bad key");
    resp_free(&r);
    r = post("/xai/v1/images/generations", AUTH_ALL, "{\"model\":\"grok-"
             "imagine-image\",\"prompt\":\"x\",\"size\":\"1024x1024\"}");
    CHECK(r.status == 400 && strstr(jstr(r.json, "error"), "size"),
          "xai size");
    resp_free(&r);
    r = post("/xai/v1/images/edits", AUTH_ALL, "{\"model\":\"grok-imagine-"
             "image\",\"prompt\":\"x\",\"image\":{\"type\":\"image_url\","
             "\"url\":\"https://example.com/a.png\"},\"response_format\":"
             "\"b64_json\"}");
    CHECK(r.status == 200, "xai edit %s", r.body);
    resp_free(&r);

    r = post("/v1/images/generations", AUTH_ALL, "{\"model\":\"recraftv3\","
             "\"prompt\":\"x\",\"size\":\"1365x1024\",\"response_format\":"
             "\"b64_json\"}");
    b64 = jstr(r.json, "data.0.b64_json");
    check_image(b64, strlen(b64), true, 1365, 1024, "webp", "recraft");
    CHECK(json_integer_value(jget(r.json, "credits")) == 40 &&
          strlen(jstr(r.json, "data.0.image_id")) == 36, "recraft fields");
    resp_free(&r);
    r = post("/recraft/v1/images/generations", AUTH_ALL, "{\"model\":"
             "\"recraftv4_vector\",\"prompt\":\"x\",\"response_format\":"
             "\"b64_json\"}");
    b64 = jstr(r.json, "data.0.b64_json");
    svg = emu_b64_decode(b64, strlen(b64), &n);
    CHECK(svg != NULL && n > 5 && memcmp(svg, "<svg", 4) == 0,
          "recraft svg");
    free(svg);
    resp_free(&r);
    r = post("/recraft/v1/images/generations", "Authorization: Bearer no",
             "{\"prompt\":\"x\"}");
    CHECK(r.status == 401 && strncmp(r.ctype, "text/plain", 10) == 0,
          "recraft 401");
    resp_free(&r);
    r = post("/recraft/v1/images/generations", AUTH_ALL, "{\"model\":"
             "\"recraftv3\",\"prompt\":\"x\",\"size\":\"1000x1000\"}");
    CHECK(r.status == 400, "recraft bad size");
    resp_free(&r);
}

static long
stats_int(const char *path)
{
    struct resp s = http("GET", "/_emu/stats", NULL, NULL, NULL, 0);
    long v = (long)json_integer_value(jget(s.json, path));

    resp_free(&s);
    return v;
}

static void
test_faults(void)
{
    const char *gen = "{\"model\":\"gpt-image-1\",\"prompt\":\"x\","
                      "\"quality\":\"low\",\"size\":\"1024x1024\"}";
    const char *u = "/v1/images/generations";
    struct resp r;
    const char *b64;
    long aborted;

    script("{\"match\":{\"provider\":\"openai\"},\"action\":"
           "{\"provider_error\":429,\"retry_after\":3}}");
    r = post(u, AUTH_OAI, gen);
    CHECK(r.status == 429 && atoi(r.retry_after) == 3 &&
          strcmp(jstr(r.json, "error.code"), "rate_limit_exceeded") == 0,
          "fault 429");
    resp_free(&r);
    script("{\"action\":{\"status\":503,\"body\":\"overloaded\"}}");
    r = post(u, AUTH_OAI, gen);
    CHECK(r.status == 503 && strcmp(r.body, "overloaded") == 0, "fault raw");
    resp_free(&r);
    script("{\"action\":{\"malformed_json\":true}}");
    r = post(u, AUTH_OAI, gen);
    CHECK(r.status == 200 && r.json == NULL, "fault malformed");
    resp_free(&r);
    script("{\"action\":{\"ok_without_image\":true}}");
    r = post(u, AUTH_OAI, gen);
    CHECK(r.status == 200 && json_array_size(jget(r.json, "data")) == 0,
          "fault no image");
    resp_free(&r);
    script("{\"action\":{\"truncate\":true}}");
    r = post(u, AUTH_OAI, gen);
    CHECK(r.rc != CURLE_OK, "fault truncate rc %d", r.rc);
    resp_free(&r);
    script("{\"action\":{\"delay_ms\":300}}");
    r = post(u, AUTH_OAI, gen);
    CHECK(r.status == 200 && r.secs >= 0.3, "fault delay %.3f", r.secs);
    resp_free(&r);
    script("{\"action\":{\"drip_ms\":40,\"image_format\":\"jpeg\"}}");
    r = post(u, AUTH_OAI, gen);
    b64 = jstr(r.json, "data.0.b64_json");
    check_image(b64, strlen(b64), true, 1024, 1024, "jpeg", "drip+format");
    CHECK(r.secs >= 0.08, "drip took %.3f", r.secs);
    resp_free(&r);
    script("{\"match\":{\"provider\":\"xai\"},\"action\":{\"status\":500}}");
    script("{\"match\":{\"model\":\"gpt-image-1\"},\"times\":2,\"action\":"
           "{\"status\":502}}");
    for (int i = 0; i < 3; i++) {
        r = post(u, AUTH_OAI, gen);
        CHECK(r.status == (i < 2 ? 502 : 200), "times %d: %ld", i, r.status);
        resp_free(&r);
    }
    CHECK(stats_int("scripts_pending") == 1, "xai script left");
    r = http("DELETE", "/_emu/scripts", NULL, NULL, NULL, 0);
    resp_free(&r);

    /* Client gives up on a hanging / dripping answer: recorded fast. */
    aborted = stats_int("aborted");
    script("{\"action\":{\"hang\":true}}");
    r = http("POST", u, (const char *[]){ AUTH_OAI, NULL }, gen, NULL, 300);
    CHECK(r.rc == CURLE_OPERATION_TIMEDOUT, "hang timed out");
    resp_free(&r);
    script("{\"action\":{\"drip_ms\":500}}");
    r = http("POST", u, (const char *[]){ AUTH_OAI, NULL }, gen, NULL, 300);
    resp_free(&r);
    usleep(600 * 1000);
    CHECK(stats_int("aborted") == aborted + 2, "aborts recorded");
    CHECK(stats_int("aborts.0.after_ms") < 1000, "abort noticed in time");
    CHECK(stats_int("in_flight") == 0, "nothing left in flight");
}

static void
test_record(void)
{
    struct resp r;

    r = http("DELETE", "/_emu/requests", NULL, NULL, NULL, 0);
    resp_free(&r);
    r = post("/v1/images/generations", AUTH_OAI, "{\"model\":\"gpt-image-1\","
             "\"prompt\":\"recorded\",\"quality\":\"low\"}");
    resp_free(&r);
    r = http("GET", "/_emu/requests", NULL, NULL, NULL, 0);
    CHECK(json_array_size(r.json) == 1, "one request recorded");
    CHECK(strcmp(jstr(r.json, "0.provider"), "openai") == 0 &&
          strcmp(jstr(r.json, "0.method"), "POST") == 0 &&
          strcmp(jstr(r.json, "0.path"), "/v1/images/generations") == 0 &&
          strcmp(jstr(r.json, "0.headers.authorization"),
                 "Bearer sk-test") == 0 &&
          strcmp(jstr(r.json, "0.body.prompt"), "recorded") == 0 &&
          json_integer_value(jget(r.json, "0.status")) == 200 &&
          json_is_integer(jget(r.json, "0.time_ms")), "record fields %s",
          r.body);
    resp_free(&r);
    r = http("GET", "/_emu/requests?provider=bfl", NULL, NULL, NULL, 0);
    CHECK(json_array_size(r.json) == 0, "provider filter");
    resp_free(&r);
    script("{\"action\":{\"hang\":true}}");
    r = http("POST", "/_emu/reset", NULL, "{}", NULL, 0);
    resp_free(&r);
    CHECK(stats_int("scripts_pending") == 0 && stats_int("requests") == 0,
          "reset");
}

/* The hot-path shortcuts over the wire: a repeated image comes from the
 * cache with the bytes a fresh render has, and --log-max (here set
 * through /_emu/config) bounds the record while the counters go on. */
static void
test_cache_wire(void)
{
    const char *gen = "{\"model\":\"gpt-image-1\",\"prompt\":\"cached\"}";
    struct resp a, b, r;
    struct emu_image fresh;
    unsigned char *bin;
    size_t blen;
    long hits;

    r = http("POST", "/_emu/config", NULL, "{\"tiny\":true}", NULL, 0);
    resp_free(&r);
    hits = stats_int("image_cache.hits");
    a = post("/v1/images/generations", AUTH_OAI, gen);
    b = post("/v1/images/generations", AUTH_OAI, gen);
    CHECK(a.status == 200 && b.status == 200 &&
          strcmp(jstr(a.json, "data.0.b64_json"),
                 jstr(b.json, "data.0.b64_json")) == 0,
          "tiny answers repeat");
    CHECK(stats_int("image_cache.hits") >= hits + 1, "second one cached");
    bin = emu_b64_decode(jstr(b.json, "data.0.b64_json"),
                         strlen(jstr(b.json, "data.0.b64_json")), &blen);
    CHECK(emu_image_make(512, 512, "png", 99, false, true, &fresh) &&
          bin != NULL && blen == fresh.len &&
          memcmp(bin, fresh.data, blen) == 0,
          "cached answer is a fresh render's bytes");
    free(bin);
    emu_image_cleanup(&fresh);
    resp_free(&a);
    resp_free(&b);
    r = http("POST", "/_emu/config", NULL, "{\"tiny\":false,\"log_max\":1}",
             NULL, 0);
    CHECK(json_integer_value(jget(r.json, "log_max")) == 1, "log_max set");
    resp_free(&r);
    r = http("DELETE", "/_emu/requests", NULL, NULL, NULL, 0);
    resp_free(&r);
    r = post("/v1/images/generations", AUTH_OAI, gen);
    resp_free(&r);
    a = post("/v1/images/generations", AUTH_OAI,
             "{\"model\":\"gpt-image-1\",\"prompt\":\"last\"}");
    resp_free(&a);
    r = http("GET", "/_emu/requests", NULL, NULL, NULL, 0);
    CHECK(json_array_size(r.json) == 1 &&
          strcmp(jstr(r.json, "0.body.prompt"), "last") == 0 &&
          json_integer_value(jget(r.json, "0.status")) == 200,
          "log_max 1 keeps the last request: %s", r.body);
    resp_free(&r);
    r = http("POST", "/_emu/config", NULL, "{\"log_max\":0}", NULL, 0);
    resp_free(&r);
    r = post("/v1/images/generations", AUTH_OAI, gen);
    resp_free(&r);
    r = http("GET", "/_emu/requests", NULL, NULL, NULL, 0);
    CHECK(json_array_size(r.json) == 1 && stats_int("requests") == 3,
          "log_max 0 records nothing, counts all: %s", r.body);
    resp_free(&r);
    r = http("POST", "/_emu/config", NULL, "{\"log_max\":-1}", NULL, 0);
    resp_free(&r);
}

static void
run_cases(EVP_PKEY *k)
{
    test_openai();
    test_openai_edits();
    test_openai_stream();
    test_gemini();
    test_vertex(k);
    test_seedream();
    test_bfl();
    test_xai_recraft();
    test_faults();
    test_record();
    test_cache_wire();
    test_image_cache();
    test_json_dump();
    free(png_ref);
}

int
main(int argc, char **argv)
{
    EVP_PKEY *key;

    if (argc != 2) {
        fprintf(stderr, "usage: %s path/to/ir-emulator\n", argv[0]);
        return 2;
    }
    if (VIPS_INIT(argv[0]) != 0)
        return 2;
    curl_global_init(CURL_GLOBAL_ALL);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    atexit(stop_emulator);
    key = EVP_RSA_gen(2048);
    start_emulator(argv[1], key);
    run_cases(key);
    EVP_PKEY_free(key);
    stop_emulator();
    printf("emulator.wire: %d checks, %d failures\n", emu_test_checks,
           emu_test_failures);
    return emu_test_failures ? 1 : 0;
}
