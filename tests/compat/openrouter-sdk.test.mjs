// SPDX-License-Identifier: Apache-2.0
// tests/compat/openrouter-sdk.test.mjs - @openrouter/sdk, unmodified,
// against the imagerouter binary: images.generate (buffered and streamed),
// images.listModels, images.listModelEndpoints, and every documented error
// status surfacing as the SDK's own error class.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { OpenRouter } from "@openrouter/sdk";
import * as errors from "@openrouter/sdk/models/errors";
import {
  defaultCatalogModel,
  isPng,
  skipNoBin,
  skipNoEmulator,
  startEmulator,
  startRouter,
} from "./harness.mjs";

const NO_RETRY = { retries: { strategy: "none" } };
const MODEL = "imagerouter/abstract";

// A copy of the built-in model with a price, so a key's spending limit
// can be exceeded (402).
function pricedModel() {
  const m = defaultCatalogModel(MODEL);
  m.id = "compat/priced";
  m.name = "compat: priced abstract";
  for (const e of m.endpoints) e.pricing = [{ billable: "output_image", unit: "image", cost_usd: 1 }];
  return m;
}

describe("@openrouter/sdk", { skip: skipNoBin }, () => {
  let router;
  let or;

  before(async () => {
    router = await startRouter({
      catalog: { models: [pricedModel()] },
      args: ["--max-body", "65536"],
      keys: [
        { name: "poor", args: ["--limit", "0.5"] },
        { name: "admin", args: ["--management"] },
      ],
    });
    or = new OpenRouter({
      serverURL: router.api,
      apiKey: router.key,
      httpReferer: "https://example.test/compat",
      appTitle: "imagerouter compat",
      appCategories: "image-gen",
    });
  });
  after(async () => router && (await router.stop()));

  test("images.generate, buffered", async () => {
    const res = await or.images.generate(
      {
        imageGenerationRequest: {
          model: MODEL,
          prompt: "a red panda astronaut",
          aspectRatio: "16:9",
          resolution: "512",
          outputFormat: "png",
          seed: 7,
        },
      },
      NO_RETRY,
    );
    assert.equal(typeof res.created, "number");
    assert.ok(Number.isInteger(res.created));
    assert.equal(res.data.length, 1);
    assert.ok(isPng(res.data[0].b64Json));
    assert.equal(res.data[0].mediaType, "image/png");
    assert.ok(Number.isInteger(res.usage.totalTokens));
    assert.equal(typeof res.usage.cost, "number");
  });

  test("images.generate, n = 2 with provider preferences", async () => {
    const res = await or.images.generate(
      {
        imageGenerationRequest: {
          model: MODEL,
          prompt: "two",
          n: 2,
          resolution: "512",
          provider: { only: ["local"], allowFallbacks: false },
        },
      },
      NO_RETRY,
    );
    assert.equal(res.data.length, 2);
  });

  test("images.generate, streamed (for await over events)", async () => {
    const stream = await or.images.generate(
      { imageGenerationRequest: { model: MODEL, prompt: "stream", resolution: "512", stream: true } },
      NO_RETRY,
    );
    assert.equal(typeof stream[Symbol.asyncIterator], "function", "an EventStream, not JSON");
    const types = [];
    let next = 0;
    let completed;
    for await (const ev of stream) {
      assert.notEqual(ev.isUnknown, true, `unknown event ${JSON.stringify(ev)}`);
      types.push(ev.type);
      if (ev.type === "image_generation.partial_image") {
        assert.equal(ev.partialImageIndex, next++);
        assert.ok(isPng(ev.b64Json));
      } else if (ev.type === "image_generation.completed") {
        completed = ev;
      }
    }
    assert.ok(next >= 1, `partial images: ${types}`);
    assert.ok(completed, `no completed event: ${types}`);
    assert.equal(types[types.length - 1], "image_generation.completed");
    assert.ok(Number.isInteger(completed.created));
    assert.equal(completed.mediaType, "image/png");
    assert.ok(isPng(completed.b64Json));
    assert.ok(completed.usage && Number.isInteger(completed.usage.totalTokens));
  });

  test("images.generate with stream:true on a non-streaming model returns JSON", async () => {
    const res = await or.images.generate(
      { imageGenerationRequest: { model: "imagerouter/abstract-vector", prompt: "v", stream: true } },
      NO_RETRY,
    );
    assert.ok(Array.isArray(res.data));
    assert.equal(res.data[0].mediaType, "image/svg+xml");
  });

  test("images.listModels", async () => {
    const res = await or.images.listModels(undefined, NO_RETRY);
    const m = res.data.find((x) => x.id === MODEL);
    assert.ok(m, "the built-in model is listed");
    assert.equal(typeof m.name, "string");
    assert.ok(Number.isInteger(m.created));
    assert.equal(m.supportsStreaming, true);
    assert.ok(m.architecture.outputModalities.includes("image"));
    assert.equal(m.endpoints, `/api/v1/images/models/${MODEL}/endpoints`);
    for (const [name, d] of Object.entries(m.supportedParameters)) {
      assert.notEqual(d.isUnknown, true, `descriptor ${name}`);
      assert.ok(["enum", "range", "boolean"].includes(d.type), name);
    }
  });

  test("images.listModelEndpoints", async () => {
    const res = await or.images.listModelEndpoints({ author: "imagerouter", slug: "abstract" }, NO_RETRY);
    assert.equal(res.id, MODEL);
    assert.ok(res.endpoints.length >= 1);
    const e = res.endpoints[0];
    assert.equal(typeof e.providerName, "string");
    assert.equal(typeof e.providerSlug, "string");
    assert.ok(e.providerTag === null || typeof e.providerTag === "string");
    assert.ok(Array.isArray(e.allowedPassthroughParameters));
    assert.equal(typeof e.supportsStreaming, "boolean");
    assert.ok(e.pricing.length >= 1);
    assert.equal(typeof e.pricing[0].costUsd, "number");
  });

  // ---- errors: each status as the SDK's own class -------------------------

  async function expectError(promise, cls, status) {
    await assert.rejects(promise, (err) => {
      assert.ok(err instanceof cls, `${err?.constructor?.name}: ${err?.message}`);
      assert.equal(err.statusCode, status);
      assert.ok(err instanceof errors.OpenRouterError);
      assert.equal(typeof err.message, "string");
      assert.ok(err.message.length > 0);
      return true;
    });
  }

  const gen = (client, req, o = NO_RETRY) =>
    client.images.generate({ imageGenerationRequest: { model: MODEL, prompt: "e", ...req } }, o);

  test("400 BadRequestResponseError (unknown model, bad parameter)", async () => {
    await expectError(gen(or, { model: "nobody/nothing" }), errors.BadRequestResponseError, 400);
    await expectError(gen(or, { size: "12x34", resolution: "4K" }), errors.BadRequestResponseError, 400);
  });

  test("401 UnauthorizedResponseError", async () => {
    const bad = new OpenRouter({ serverURL: router.api, apiKey: "sk-not-a-key" });
    await expectError(gen(bad, {}), errors.UnauthorizedResponseError, 401);
    const none = new OpenRouter({ serverURL: router.api });
    await expectError(gen(none, {}), errors.UnauthorizedResponseError, 401);
  });

  test("402 PaymentRequiredResponseError (spending limit)", async () => {
    const poor = new OpenRouter({ serverURL: router.api, apiKey: router.keys.poor });
    await expectError(gen(poor, { model: "compat/priced" }), errors.PaymentRequiredResponseError, 402);
  });

  test("403 ForbiddenResponseError (a management key cannot generate)", async () => {
    const admin = new OpenRouter({ serverURL: router.api, apiKey: router.keys.admin });
    await expectError(gen(admin, {}), errors.ForbiddenResponseError, 403);
  });

  test("404 NotFoundResponseError (provider.only leaves nothing; unknown model's endpoints)", async () => {
    await expectError(gen(or, { provider: { only: ["no-such-provider"] } }), errors.NotFoundResponseError, 404);
    await expectError(
      or.images.listModelEndpoints({ author: "nobody", slug: "nothing:free" }, NO_RETRY),
      errors.NotFoundResponseError,
      404,
    );
  });

  test("413 PayloadTooLargeResponseError (body over --max-body)", async () => {
    const big = "data:image/png;base64," + "A".repeat(100000);
    await expectError(
      gen(or, { inputReferences: [{ type: "image_url", imageUrl: { url: big } }] }),
      errors.PayloadTooLargeResponseError,
      413,
    );
  });

  test("500 InternalServerResponseError", { skip: "a masked internal error; nothing provokes one on purpose" }, () => {});
});

// Upstream failures, through a model whose only endpoint is the OpenAI
// adapter pointed at the provider emulator.
describe("@openrouter/sdk upstream errors", { skip: skipNoEmulator }, () => {
  let router;
  let emu;
  let or;

  before(async () => {
    emu = await startEmulator();
    const m = defaultCatalogModel(MODEL);
    const e = m.endpoints[0];
    m.id = "compat/upstream";
    m.name = "compat: emulated OpenAI";
    Object.assign(e, {
      provider_slug: "openai",
      provider_name: "OpenAI",
      provider_tag: "openai",
      adapter: "openai",
      upstream_model: "gpt-image-1",
      supports_streaming: false,
      base_url: `${emu.base}/v1`,
      api_key_env: "COMPAT_EMU_KEY",
      config: {},
    });
    router = await startRouter({
      catalog: { models: [m] },
      env: { COMPAT_EMU_KEY: emu.key },
      args: ["--first-byte-timeout", "1"],
    });
    or = new OpenRouter({ serverURL: router.api, apiKey: router.key });
  });
  after(async () => {
    if (router) await router.stop();
    if (emu) await emu.stop();
  });

  const gen = () =>
    or.images.generate(
      { imageGenerationRequest: { model: "compat/upstream", prompt: "up", n: 1 } },
      NO_RETRY,
    );

  async function expectUpstream(action, cls, status) {
    await emu.reset();
    await emu.script({ action, times: -1 });
    await assert.rejects(gen(), (err) => {
      assert.equal(router.exit(), null, "the router died");
      assert.ok(err instanceof cls, `${err?.constructor?.name}: ${err?.message}`);
      assert.equal(err.statusCode, status);
      return true;
    });
  }

  test("the emulated endpoint works", async () => {
    await emu.reset();
    const res = await gen();
    assert.equal(res.data.length, 1);
  });

  test("429 TooManyRequestsResponseError", () =>
    expectUpstream(
      { status: 429, body: '{"error":{"message":"Rate limit reached","type":"requests"}}', headers: { "Retry-After": "1" } },
      errors.TooManyRequestsResponseError,
      429,
    ));

  test("502 BadGatewayResponseError", () =>
    expectUpstream(
      { status: 500, body: '{"error":{"message":"The server had an error","type":"server_error"}}' },
      errors.BadGatewayResponseError,
      502,
    ));

  test("524 EdgeNetworkTimeoutResponseError", () =>
    expectUpstream({ delay_ms: 3000 }, errors.EdgeNetworkTimeoutResponseError, 524));

  test("529 ProviderOverloadedResponseError", () =>
    expectUpstream(
      { status: 529, body: '{"error":{"message":"overloaded","type":"server_error"}}' },
      errors.ProviderOverloadedResponseError,
      529,
    ));
});
