/**
 * A worker that dies in the middle of a part (simulated: the part looks claimed and never
 * finishes) does not hang the caller: after a stretch without progress the caller runs the part
 * itself, stops the pool and says why in `backendInfo().fallback`; later kernels run on the
 * calling thread. (Its own file: the pool stays stopped for the rest of the process.)
 */
import { describe, expect, it } from "vitest";
import { backendInfo } from "../../src/backend/wasm/backend.js";
import { stallNextPart } from "../../src/backend/wasm/pool.js";
import * as tg from "../../src/index.js";
import { expectClose } from "../util/close.js";
import { rand } from "./wasm-util.js";

/** `[m, k] × [k, n]` in float64 from row-major arrays. */
function product(a: number[], b: number[], m: number, k: number, n: number): number[] {
  const out = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++)
      for (let j = 0; j < n; j++) out[i * n + j] += a[i * k + p] * b[p * n + j];
  return out;
}

describe.runIf(backendInfo().poolThreads > 1)("a stalled worker", () => {
  it("costs a wait, not a hang: the caller finishes the part and the pool stops", () => {
    const [m, k, n] = [64, 300, 70]; // 1.3 M multiply-adds: split over the threads
    const a = rand(m * k, 1);
    const b = rand(k * n, 2);
    const want = product(a, b, m, k, n);
    const x = tg.reshape(tg.tensor(a), [m, k]);
    const w = tg.reshape(tg.tensor(b), [k, n]);

    expectClose(tg.matmul(x, w).dataSync(), want, { tol: 1e-4 });
    stallNextPart(200);
    const t0 = performance.now();
    const y = tg.matmul(x, w).dataSync();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(200);
    expectClose(y, want, { tol: 1e-4 });
    const info = backendInfo();
    expect(info.threads).toBe(1);
    expect(info.poolThreads).toBe(1);
    expect(info.fallback).toMatch(
      /a worker did not finish part 1 of tg_matmul_part_f32 within 0.2 s; the pool was stopped/,
    );
    // later kernels, split or not, run on the calling thread and stay right
    expectClose(tg.matmul(x, w).dataSync(), want, { tol: 1e-4 });
    expect(
      Array.from(
        tg
          .add(tg.ones([300_000]), 1)
          .dataSync()
          .slice(0, 3),
      ),
    ).toEqual([2, 2, 2]);
  });
});
