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
