// SPDX-License-Identifier: Apache-2.0
// tests/compat/contract.test.mjs - the router's answers validated against
// the wire contract itself: the OpenAPI schemas in tests/contract/ (a copy
// of the steering repo's api/*.openapi.yaml), compiled with ajv. Covers
// discovery, buffered and streamed generations, the error envelopes, and
// the generation lookup.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import YAML from "yaml";
import { skipNoBin, startRouter } from "./harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const spec = (name) =>
  YAML.parse(readFileSync(join(here, "..", "contract", name), "utf8"));

// OpenAPI 3.1 schemas are JSON Schema 2020-12 plus annotations
// (example, x-speakeasy-*): ajv in non-strict mode reads them as they are.
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema({ $id: "images", components: spec("openrouter-images.openapi.yaml").components });
ajv.addSchema({ $id: "accounts", components: spec("openrouter-accounts.openapi.yaml").components });

function check(doc, name, value) {
  const validate = ajv.getSchema(`${doc}#/components/schemas/${name}`);
  assert.ok(validate, `no schema ${name}`);
  const ok = validate(value);
  assert.ok(ok, `${name}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value).slice(0, 400)}`);
}

// A priced copy of the built-in model, so a spending limit can bite (402).
function catalog() {
  const all = JSON.parse(readFileSync(join(here, "..", "..", "src", "catalog", "default_catalog.json"), "utf8"));
  const m = structuredClone(all.models.find((x) => x.id === "imagerouter/abstract"));
  m.id = "contract/priced";
  for (const e of m.endpoints) e.pricing = [{ billable: "output_image", unit: "image", cost_usd: 1 }];
  return { models: [m] };
}

describe("wire contract (OpenAPI schemas)", { skip: skipNoBin }, () => {
  let router;
  const post = (path, body, key = router.key, headers = {}) =>
    fetch(`${router.api}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const get = (path, key) =>
    fetch(`${router.api}${path}`, key ? { headers: { authorization: `Bearer ${key}` } } : {});

  before(async () => {
    router = await startRouter({
      catalog: catalog(),
      args: ["--max-body", "65536"],
      keys: [
        { name: "poor", args: ["--limit", "0.5"] },
        { name: "admin", args: ["--management"] },
      ],
    });
  });
  after(async () => router && (await router.stop()));

  test("GET /images/models is an ImageModelsListResponse", async () => {
    const r = await get("/images/models");
    assert.equal(r.status, 200);
    const body = await r.json();
    check("images", "ImageModelsListResponse", body);
    assert.ok(body.data.length >= 2);
  });

  test("GET /images/models/{author}/{slug}/endpoints is an ImageModelEndpointsResponse", async () => {
    for (const id of ["imagerouter/abstract", "imagerouter/abstract-vector", "contract/priced"]) {
      const r = await get(`/images/models/${id}/endpoints`);
      assert.equal(r.status, 200);
      check("images", "ImageModelEndpointsResponse", await r.json());
    }
    const r = await get("/images/models/nobody/nothing/endpoints");
    assert.equal(r.status, 404);
    check("images", "NotFoundResponse", await r.json());
  });

  test("POST /images answers are ImageGenerationResponses", async () => {
    const bodies = [
      { model: "imagerouter/abstract", prompt: "contract", resolution: "512" },
      { model: "imagerouter/abstract", prompt: "contract", size: "640x480", n: 2, output_format: "webp" },
      { model: "imagerouter/abstract", prompt: "contract", resolution: "512", background: "transparent" },
      { model: "imagerouter/abstract-vector", prompt: "contract" },
      { model: "contract/priced", prompt: "contract", resolution: "512" },
    ];
    for (const b of bodies) {
      const r = await post("/images", b);
      assert.equal(r.status, 200, JSON.stringify(b));
      const body = await r.json();
      check("images", "ImageGenerationResponse", body);
      assert.match(r.headers.get("x-generation-id"), /^gen-img-\d+-[A-Za-z0-9]{20}$/);
    }
  });

  test("every SSE event is an ImageStreamingResponse's data", async () => {
    const r = await post(
      "/images",
      { model: "imagerouter/abstract", prompt: "sse", resolution: "512", stream: true },
      router.key,
      { accept: "text/event-stream" },
    );
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type"), /^text\/event-stream/);
    const frames = (await r.text()).split("\n\n").filter((f) => f.length > 0);
    assert.equal(frames.at(-1), "data: [DONE]");
    const events = frames.slice(0, -1).map((f) => JSON.parse(f.replace(/^data: /, "")));
    for (const e of events) check("images", "ImageStreamingResponse", { data: e });
    assert.ok(events.some((e) => e.type === "image_generation.partial_image"));
    assert.equal(events.at(-1).type, "image_generation.completed");
  });

  test("error bodies match their status's schema", async () => {
    const cases = [
      [await post("/images", { model: "imagerouter/abstract", prompt: "" }), 400, "BadRequestResponse"],
      [await post("/images", "{not json"), 400, "BadRequestResponse"],
      [await post("/images", { model: "imagerouter/abstract", prompt: "x" }, "sk-bad"), 401, "UnauthorizedResponse"],
      [await post("/images", { model: "contract/priced", prompt: "x" }, router.keys.poor), 402, "PaymentRequiredResponse"],
      [await post("/images", { model: "imagerouter/abstract", prompt: "x" }, router.keys.admin), 403, "ForbiddenResponse"],
      [await post("/images", { model: "imagerouter/abstract", prompt: "x", provider: { only: ["none"] } }), 404, "NotFoundResponse"],
      [await post("/images", JSON.stringify({ model: "imagerouter/abstract", prompt: "x".repeat(70000) })), 413, "PayloadTooLargeResponse"],
    ];
    for (const [r, status, schema] of cases) {
      assert.equal(r.status, status, schema);
      assert.match(r.headers.get("content-type"), /^application\/json/);
      check("images", schema, await r.json());
    }
  });

  test("GET /generation is a GenerationResponse", async () => {
    const r = await post("/images", { model: "contract/priced", prompt: "lookup", resolution: "512" }, router.key, {
      "http-referer": "https://apps.example/contract",
      "x-openrouter-title": "Contract",
    });
    assert.equal(r.status, 200);
    const id = r.headers.get("x-generation-id");
    const g = await get(`/generation?id=${id}`, router.key);
    assert.equal(g.status, 200);
    const body = await g.json();
    check("accounts", "GenerationResponse", body);
    assert.equal(body.data.id, id);
    assert.equal(body.data.total_cost, 1);
    assert.equal(body.data.http_referer, "https://apps.example/contract");
    const missing = await get("/generation?id=gen-img-1-none", router.key);
    assert.equal(missing.status, 404);
    check("accounts", "NotFoundResponse", await missing.json());
  });
});
