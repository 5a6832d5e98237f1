/**
 * The webgpu backend in a real headless Chromium (`--enable-unsafe-webgpu`; without a GPU Chromium
 * gives a SwiftShader adapter): the library is bundled with esbuild, served from 127.0.0.1 (a
 * secure context, which `navigator.gpu` needs), and the page trains the MLP of `mlp.ts` with
 * jitted, donated Adam steps on WebGPU. Its losses must match the same run on wasm in Node
 * (rel 1e-4). The browser is `TYPEGRAD_CHROMIUM` or the Debian path; without a browser or an
 * adapter the test is skipped with the reason, unless `TYPEGRAD_REQUIRE_WEBGPU=1` (CI): then it
 * fails.
 */
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import puppeteer from "puppeteer-core";
import { expect, it } from "vitest";
import * as tg from "../../src/index.js";
import { expectClose } from "../util/close.js";
import type { PageRun } from "./browser-entry.js";
import { trainMlp } from "./mlp.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const WASM = [
  "typegrad.wasm",
  "typegrad-mt.wasm",
  "typegrad-relaxed.wasm",
  "typegrad-mt-relaxed.wasm",
];
const chromium =
  process.env.TYPEGRAD_CHROMIUM ??
  [
    "/usr/bin/chromium-headless-shell",
    "/usr/lib/chromium/chromium-headless-shell",
    "/usr/bin/chromium",
  ].find((p) => existsSync(p));
const required = process.env.TYPEGRAD_REQUIRE_WEBGPU === "1";

it("a jitted MLP trains on WebGPU in headless Chromium and matches wasm", async (ctx) => {
  if (!chromium || !existsSync(chromium)) {
    if (required) throw new Error("TYPEGRAD_REQUIRE_WEBGPU=1 but no Chromium was found");
    ctx.skip("no Chromium found (apt-get install chromium-headless-shell)");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "typegrad-webgpu-"));
  const server = createServer((req, res) => {
    const name = (req.url ?? "/").slice(1) || "index.html";
    const file = join(dir, name);
    if (!/^[\w.-]+$/.test(name) || !existsSync(file)) return res.writeHead(404).end();
    const type = name.endsWith(".js")
      ? "text/javascript"
      : name.endsWith(".wasm")
        ? "application/wasm"
        : "text/html";
    res.writeHead(200, { "Content-Type": type }).end(readFileSync(file));
  });
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: "shell",
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--enable-unsafe-webgpu"],
  });
  try {
    await build({
      entryPoints: { entry: join(ROOT, "test/webgpu/browser-entry.ts") },
      outdir: dir,
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      external: ["node:*"],
      logLevel: "error",
    });
    for (const f of WASM) copyFileSync(join(ROOT, "src/backend/wasm", f), join(dir, f));
    writeFileSync(
      join(dir, "index.html"),
      '<!doctype html><meta charset="utf-8"><title>webgpu</title>',
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${origin}/index.html`);
    const got = (await page.evaluate(
      `import(${JSON.stringify(`${origin}/entry.js`)}).then((m) => m.run())`,
    )) as PageRun;
    expect(errors).toEqual([]);
    if ("error" in got) {
      if (required)
        throw new Error(`TYPEGRAD_REQUIRE_WEBGPU=1 but the page had no WebGPU: ${got.error}`);
      ctx.skip(`no WebGPU in the page: ${got.error}`);
      return;
    }
    expect(got.adapter).toMatch(/\S/);
    expect(got.run.onGpu).toBe(true);
    await tg.useBackend("wasm");
    const want = await trainMlp(5, true);
    expectClose(got.run.losses, want.losses, { rtol: 1e-4, atol: 1e-6, what: "losses" });
    expectClose(got.run.flat, want.flat, { rtol: 1e-4, atol: 1e-5, what: "parameters" });
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
