/**
 * typegrad in a real headless Chromium: the library (src/, through test/browser/checks.ts) is
 * bundled for the browser with esbuild next to copies of the four kernel builds, served from
 * 127.0.0.1 once with the COOP/COEP headers (a cross-origin-isolated page: the threaded build and
 * a Web Worker pool) and once without (the single-threaded build, with the reason), and driven
 * with puppeteer-core. Each page checks matmuls against values computed here in float64 and
 * trains a small MLP with jitted steps; the isolated page also does it all inside a Web Worker.
 *
 * The browser is `TYPEGRAD_CHROMIUM`, else the first of the usual Chromium paths that exists
 * (Debian: `apt-get install chromium-headless-shell`). Without one the tests are skipped, unless
 * `TYPEGRAD_REQUIRE_BROWSER` is set (as in CI): then they fail.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import puppeteer, { type Browser } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckInput, CheckOutput } from "./checks.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const WASM = [
  "typegrad.wasm",
  "typegrad-mt.wasm",
  "typegrad-relaxed.wasm",
  "typegrad-mt-relaxed.wasm",
];
const CANDIDATES = [
  "/usr/bin/chromium-headless-shell",
  "/usr/lib/chromium/chromium-headless-shell",
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
];

/** The Chromium binary to drive, or null if none is found. */
function findChromium(): string | null {
  const env = process.env.TYPEGRAD_CHROMIUM;
  if (env) return existsSync(env) ? env : null;
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

const chromium = findChromium();
const required = (process.env.TYPEGRAD_REQUIRE_BROWSER ?? "") !== "";

/** A deterministic generator of numbers in [-1, 1) (a 32-bit LCG). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

const next = lcg(12345);
const input: CheckInput = (() => {
  const a = Array.from({ length: 64 * 300 }, next);
  const b = Array.from({ length: 300 * 70 }, next);
  const x = Array.from({ length: 256 * 64 }, next);
  const w = Array.from({ length: 64 }, next);
  const y = Array.from({ length: 256 }, (_, i) =>
    w.reduce((s, wj, j) => s + wj * x[i * 64 + j], 0.25),
  );
  // the float32 values the page will see
  const f = (v: number[]) => Array.from(Float32Array.from(v));
  return { a: f(a), b: f(b), x: f(x), y: f(y) };
})();

/** a @ b in float64, and the sums of |a||b| that bound its rounding error. */
const expected = (() => {
  const product = new Float64Array(64 * 70);
  const bound = new Float64Array(64 * 70);
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 70; j++) {
      let s = 0;
      let t = 0;
      for (let q = 0; q < 300; q++) {
        s += input.a[i * 300 + q] * input.b[q * 70 + j];
        t += Math.abs(input.a[i * 300 + q] * input.b[q * 70 + j]);
      }
      product[i * 70 + j] = s;
      bound[i * 70 + j] = t;
    }
  }
  return { product, bound };
})();

/** The page's script: imports the bundle, runs the checks, and (if asked) runs them in a worker. */
const PAGE_SCRIPT = `async ({ bundle, worker, input }) => {
  const { runChecks } = await import(bundle);
  const main = runChecks(input);
  if (!worker) return { main, worker: null };
  const inWorker = await new Promise((resolve, reject) => {
    const w = new Worker(worker, { type: "module" });
    w.onmessage = (e) => {
      if (e.data === "ready") w.postMessage(input);
      else if (e.data.error) reject(new Error(e.data.error));
      else resolve(e.data.ok);
      if (e.data !== "ready") w.terminate();
    };
    w.onerror = (e) => reject(new Error("worker: " + e.message));
  });
  return { main, worker: inWorker };
}`;

interface PageResult {
  main: CheckOutput;
  worker: CheckOutput | null;
}

const MIME: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
  ".map": "application/json",
};

/**
 * Serves `dir` under /iso/ (with COOP/COEP: cross-origin isolated), /plain/ (without), and
 * /isocsp/ (isolated, but a Content-Security-Policy that forbids workers from blob: URLs).
 */
function serve(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const m = /^\/(iso|plain|isocsp)\/([\w.-]+)$/.exec(
      new URL(req.url ?? "/", "http://x").pathname,
    );
    const file = m && join(dir, m[2]);
    if (!m || !file || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const headers: Record<string, string> = {
      "Content-Type": MIME[extname(file)] ?? "application/octet-stream",
      "Cache-Control": "no-store",
    };
    if (m[1] !== "plain") {
      headers["Cross-Origin-Opener-Policy"] = "same-origin";
      headers["Cross-Origin-Embedder-Policy"] = "require-corp";
    }
    if (m[1] === "isocsp") headers["Content-Security-Policy"] = "worker-src 'self'";
    res.writeHead(200, headers).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe.skipIf(chromium === null && !required)("in a headless Chromium", () => {
  let dir = "";
  let server: Server | null = null;
  let browser: Browser | null = null;
  let origin = "";

  beforeAll(async () => {
    // without a browser (only reached with TYPEGRAD_REQUIRE_BROWSER set) every test below fails
    if (chromium === null) return;
    dir = mkdtempSync(join(tmpdir(), "typegrad-browser-"));
    await build({
      entryPoints: {
        checks: join(ROOT, "test/browser/checks.ts"),
        worker: join(ROOT, "test/browser/worker-entry.ts"),
      },
      outdir: dir,
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      // the loader and the data helpers reach Node's modules only behind runtime checks
      external: ["node:*"],
      logLevel: "error",
    });
    for (const f of WASM) copyFileSync(join(ROOT, "src/backend/wasm", f), join(dir, f));
    copyFileSync(join(ROOT, "test/browser/index.html"), join(dir, "index.html"));
    server = await serve(dir);
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await puppeteer.launch({
      executablePath: chromium,
      headless: "shell",
      args: ["--no-sandbox", "--disable-dev-shm-usage"],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(null)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Opens /{path}/index.html, runs the checks in the page (and in a worker if asked). */
  async function runIn(path: "iso" | "plain" | "isocsp", inWorker: boolean): Promise<PageResult> {
    if (browser === null) throw new Error("no browser was launched");
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    try {
      if (availableParallelism() < 2) {
        // a one-core machine: make the page ask for two threads anyway
        const cdp = await page.createCDPSession();
        await cdp.send("Emulation.setHardwareConcurrencyOverride", { hardwareConcurrency: 2 });
      }
      await page.goto(`${origin}/${path}/index.html`);
      const args = {
        bundle: `${origin}/${path}/checks.js`,
        worker: inWorker ? `${origin}/${path}/worker.js` : null,
        input,
      };
      const result = (await page.evaluate(
        `(${PAGE_SCRIPT})(${JSON.stringify(args)})`,
      )) as PageResult;
      expect(errors).toEqual([]);
      return result;
    } finally {
      await page.close();
    }
  }

  /** The results every page must get, whatever its build. */
  function checkResults(r: CheckOutput): void {
    expect(r.onesLength).toBe(64 * 70);
    expect(r.onesValues).toEqual([300]);
    expect(r.product).toHaveLength(64 * 70);
    for (let i = 0; i < 64 * 70; i++) {
      const err = Math.abs(r.product[i] - expected.product[i]);
      if (err > 1e-5 * expected.bound[i] + 1e-6) {
        throw new Error(`a @ b at ${i}: ${r.product[i]}, want ${expected.product[i]}`);
      }
    }
    expect(r.bigOk).toBe(true);
    expect(r.losses).toHaveLength(8);
    for (const l of r.losses) expect(Number.isFinite(l)).toBe(true);
    expect(r.losses[7]).toBeLessThan(0.8 * r.losses[0]);
  }

  it("has a Chromium to drive", () => {
    expect(
      chromium,
      `TYPEGRAD_REQUIRE_BROWSER is set but no Chromium was found (set TYPEGRAD_CHROMIUM, or apt-get install chromium-headless-shell); looked at ${process.env.TYPEGRAD_CHROMIUM || CANDIDATES.join(", ")}`,
    ).not.toBeNull();
  });

  let isolatedLosses: number[] = [];

  it("an isolated page runs the threaded build on a Web Worker pool, in the page and in a worker", async () => {
    const { main, worker } = await runIn("iso", true);
    expect(main.crossOriginIsolated).toBe(true);
    expect(main.hardwareConcurrency).toBeGreaterThanOrEqual(2);
    const threads = Math.min(8, main.hardwareConcurrency);
    expect(main.info).toEqual({
      threads,
      poolThreads: threads,
      build: "threaded",
      fallback: null,
      relaxedSimd: true,
    });
    checkResults(main);
    // the workers, not only the page's thread, ran parts of the big products
    expect(main.workerParts).toBeGreaterThan(0);
    isolatedLosses = main.losses;

    // typegrad inside a Web Worker (where the caller may block) starts its own pool
    expect(worker).not.toBeNull();
    expect(worker!.crossOriginIsolated).toBe(true);
    const wThreads = Math.min(8, worker!.hardwareConcurrency);
    expect(wThreads).toBeGreaterThanOrEqual(2);
    expect(worker!.info).toMatchObject({
      build: "threaded",
      poolThreads: wThreads,
      fallback: null,
    });
    checkResults(worker!);
    expect(worker!.workerParts).toBeGreaterThan(0);
  }, 120_000);

  it("a page without COOP/COEP runs the single-threaded build and says why", async () => {
    const { main } = await runIn("plain", false);
    expect(main.crossOriginIsolated).toBe(false);
    expect(main.sharedArrayBuffer).toBe(false);
    expect(main.info).toEqual({
      threads: 1,
      poolThreads: 1,
      build: "single-threaded",
      fallback: expect.stringMatching(/not cross-origin isolated .*Cross-Origin-Opener-Policy/),
      relaxedSimd: true,
    });
    checkResults(main);
    expect(main.workerParts).toBe(0);
    // the same training as the threaded page, to rounding (split matmuls sum in another order)
    if (isolatedLosses.length > 0) {
      for (let i = 0; i < 8; i++) {
        expect(Math.abs(main.losses[i] - isolatedLosses[i])).toBeLessThan(1e-4 * isolatedLosses[i]);
      }
    }
  }, 120_000);

  it("an isolated page whose Web Workers cannot start runs on one thread and says why", async () => {
    const { main } = await runIn("isocsp", false);
    expect(main.crossOriginIsolated).toBe(true);
    expect(main.info).toEqual({
      threads: 1,
      poolThreads: 1,
      build: "threaded",
      fallback: expect.stringMatching(/^the Web Workers did not start: /),
      relaxedSimd: true,
    });
    checkResults(main);
    expect(main.workerParts).toBe(0);
  }, 120_000);
});
