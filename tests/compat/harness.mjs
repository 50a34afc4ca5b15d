// SPDX-License-Identifier: Apache-2.0
// tests/compat/harness.mjs - starts the imagerouter binary (IR_BIN) on a free
// loopback port with a temporary SQLite store and fresh keys, and optionally
// the provider emulator (IR_EMULATOR), for the npm client tests.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const BIN = process.env.IR_BIN;
export const EMULATOR = process.env.IR_EMULATOR;
export const skipNoBin = BIN ? false : "IR_BIN is not set";
export const skipNoEmulator =
  !BIN ? "IR_BIN is not set" : !EMULATOR ? "IR_EMULATOR is not set" : false;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function isPng(b64) {
  const bytes = Buffer.from(b64, "base64");
  return bytes.length > 8 && bytes.subarray(0, 8).equals(PNG_SIGNATURE);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const running = (child) => child.exitCode === null && child.signalCode === null;

async function stopChild(child) {
  if (!running(child)) return;
  const done = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await Promise.race([done, sleep(10000)]);
  if (running(child)) child.kill("SIGKILL");
}

// `imagerouter keys create --db PATH --name NAME ...`: the key is the last
// line of stdout.
export function createKey(db, name, extra = []) {
  const out = execFileSync(BIN, ["keys", "create", "--db", db, "--name", name, ...extra], {
    encoding: "utf8",
  });
  const lines = out.trim().split("\n");
  return lines[lines.length - 1].trim();
}

async function waitFor(url, child, what) {
  for (let i = 0; i < 300; i++) {
    if (!running(child)) return false;
    try {
      const r = await fetch(url);
      if (r.ok) return true;
    } catch {
      /* not up yet */
    }
    await sleep(20);
  }
  throw new Error(`${what} did not come up at ${url}`);
}

// Starts the router. opts: { args: [...], env: {...}, catalog: object,
// keys: [{name, args}] } -> { base, api, key, keys, db, dir, log(), stop() }
export async function startRouter(opts = {}) {
  const dir = mkdtempSync(join(tmpdir(), "ir-compat-"));
  const db = join(dir, "store.db");
  const args = [];
  if (opts.catalog) {
    const file = join(dir, "catalog.json");
    writeFileSync(file, JSON.stringify(opts.catalog));
    args.push("--catalog", file);
  }
  args.push(...(opts.args ?? []));
  const key = createKey(db, "compat");
  const keys = {};
  for (const k of opts.keys ?? []) keys[k.name] = createKey(db, k.name, k.args ?? []);

  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = spawn(
      BIN,
      ["serve", "--listen", `127.0.0.1:${port}`, "--db", db, "--no-bootstrap", ...args],
      { env: { ...process.env, ...(opts.env ?? {}) }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let log = "";
    child.stdout.on("data", (d) => (log += d));
    child.stderr.on("data", (d) => (log += d));
    if (!(await waitFor(`${base}/health`, child, "imagerouter"))) continue; // port taken
    return {
      base,
      api: `${base}/api/v1`,
      key,
      keys,
      db,
      dir,
      log: () => log,
      // The router's exit: "code N" or "signal SIGSEGV"; null while running.
      exit: () =>
        running(child) ? null : child.signalCode ? `signal ${child.signalCode}` : `code ${child.exitCode}`,
      async stop() {
        await stopChild(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error("imagerouter would not start (see IR_BIN)");
}

// Starts ir-emulator with one accepted key -> { base, key, script(), reset(), stop() }
export async function startEmulator() {
  const key = "emu-compat-key";
  const child = spawn(EMULATOR, ["--port", "0", "--key", key], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const port = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening [\d.]+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", () => reject(new Error("ir-emulator exited")));
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    key,
    async script(s) {
      const r = await fetch(`${base}/_emu/script`, { method: "POST", body: JSON.stringify(s) });
      if (!r.ok) throw new Error(`emulator script: ${r.status} ${await r.text()}`);
    },
    async reset() {
      await fetch(`${base}/_emu/reset`, { method: "POST" });
    },
    stop: () => stopChild(child),
  };
}

// The built-in model, as published by the router's default catalogue.
export function defaultCatalogModel(id) {
  const here = dirname(fileURLToPath(import.meta.url));
  const file = join(here, "..", "..", "src", "catalog", "default_catalog.json");
  const cat = JSON.parse(readFileSync(file, "utf8"));
  return structuredClone(cat.models.find((m) => m.id === id) ?? null);
}
