// Starting node with process-wide flags must not silently disable the worker pool (Node refuses
// such flags in a worker's execArgv). Runs the built package, so it needs dist/ (npm install builds it).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const dist = fileURLToPath(new URL("../../dist/src/index.js", import.meta.url));

describe.runIf(existsSync(dist) && availableParallelism() > 1)("node flags", () => {
  for (const flags of [
    ["--expose-gc"],
    ["--max-old-space-size=4096"],
    ["--expose-gc", "--max-semi-space-size=32"],
  ]) {
    it(`the pool starts under ${flags.join(" ")}`, () => {
      const out = execFileSync(
        process.execPath,
        [
          ...flags,
          "--input-type=module",
          "-e",
          `const tg = await import(${JSON.stringify(dist)}); console.log(JSON.stringify(tg.backendInfo()));`,
        ],
        { encoding: "utf8", env: { ...process.env, TYPEGRAD_THREADS: "2" } },
      );
      const info = JSON.parse(out.trim().split("\n").pop() ?? "{}");
      expect(info.fallback).toBe(null);
      expect(info.poolThreads).toBe(2);
    });
  }
});

describe.runIf(existsSync(dist))("reclaiming without cleanupSome", () => {
  it("TYPEGRAD_GC=job frees a synchronous loop's dropped tensors once the job ends", () => {
    const script = `
      const tg = await import(${JSON.stringify(dist)});
      const MB = 2 ** 20;
      tg.debug.memoryWarning(false);
      const start = tg.memoryStats().bytesInUse;
      const x = tg.ones([1_000_000]);
      let y = tg.zeros([1_000_000]);
      for (let i = 0; i < 100; i++) y = tg.add(y, x);
      const held = tg.memoryStats().bytesInUse - start;
      const value = y.dataSync()[5];
      y = null;
      const t0 = performance.now();
      while (tg.memoryStats().bytesInUse - start > 16 * MB && performance.now() - t0 < 2000) {
        await new Promise((r) => setTimeout(r, 5));
      }
      console.log(JSON.stringify({ held, after: tg.memoryStats().bytesInUse - start, value }));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      env: { ...process.env, TYPEGRAD_GC: "job" },
    });
    const r = JSON.parse(out.trim().split("\n").pop() ?? "{}");
    expect(r.value).toBe(100);
    expect(r.held).toBeGreaterThan(300 * 2 ** 20); // nothing freed inside the job
    expect(r.after).toBeLessThan(16 * 2 ** 20);
  });
});
