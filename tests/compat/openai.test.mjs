// SPDX-License-Identifier: Apache-2.0
// tests/compat/openai.test.mjs - the `openai` npm client, unmodified,
// against the router's OpenAI route /v1/images/generations: buffered with
// usage.input_tokens/output_tokens, and streamed with partial_images:2 and
// OpenAI's event names.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { isPng, skipNoBin, startRouter } from "./harness.mjs";

const MODEL = "imagerouter/abstract";

describe("openai", { skip: skipNoBin }, () => {
  let router;
  let client;

  before(async () => {
    router = await startRouter();
    client = new OpenAI({ baseURL: `${router.base}/v1`, apiKey: router.key, maxRetries: 0 });
  });
  after(async () => router && (await router.stop()));

  test("images.generate, buffered", async () => {
    const res = await client.images.generate({
      model: MODEL,
      prompt: "a red panda",
      size: "1024x1024",
      n: 1,
      response_format: "b64_json",
    });
    assert.ok(Number.isInteger(res.created));
    assert.equal(res.data.length, 1);
    assert.ok(isPng(res.data[0].b64_json));
    assert.ok(Number.isInteger(res.usage.input_tokens));
    assert.ok(Number.isInteger(res.usage.output_tokens));
    assert.ok(Number.isInteger(res.usage.total_tokens));
  });

  test("images.generate, stream with partial_images: 2", async () => {
    const stream = await client.images.generate({
      model: MODEL,
      prompt: "a red panda",
      size: "1024x1024",
      stream: true,
      partial_images: 2,
    });
    const partials = [];
    let completed;
    for await (const ev of stream) {
      if (ev.type === "image_generation.partial_image") {
        partials.push(ev.partial_image_index);
        assert.ok(isPng(ev.b64_json));
        for (const k of ["background", "created_at", "output_format", "quality", "size"])
          assert.ok(k in ev, `partial event lacks ${k}`);
      } else if (ev.type === "image_generation.completed") {
        completed = ev;
      } else {
        assert.fail(`unexpected event ${ev.type}`);
      }
    }
    assert.deepEqual(partials, [0, 1]);
    assert.ok(completed, "no completed event");
    assert.ok(isPng(completed.b64_json));
    assert.equal(completed.size, "1024x1024");
    assert.ok(Number.isInteger(completed.created_at));
    assert.ok(Number.isInteger(completed.usage.input_tokens));
    assert.ok(Number.isInteger(completed.usage.output_tokens));
  });

  test("errors map to openai's classes", async () => {
    const bad = new OpenAI({ baseURL: `${router.base}/v1`, apiKey: "sk-not-a-key", maxRetries: 0 });
    await assert.rejects(bad.images.generate({ model: MODEL, prompt: "x" }), (e) => {
      assert.ok(e instanceof OpenAI.AuthenticationError, e.constructor.name);
      assert.equal(e.status, 401);
      return true;
    });
    await assert.rejects(
      client.images.generate({ model: MODEL, prompt: "x", response_format: "url" }),
      (e) => {
        assert.ok(e instanceof OpenAI.BadRequestError, e.constructor.name);
        assert.equal(e.status, 400);
        return true;
      },
    );
  });
});
