/**
 * Memory without `dispose`, measured in the same run as the benchmark (issue 12's targets):
 * - an async loop of 3,000 eager 1e6-element adds that yields each op (setImmediate): the peak of
 *   wasm bytes in use above its start (target: under 128 MB);
 * - a synchronous loop of 200 such adds: the most bytes held during it (in Node, in-job
 *   reclamation bounds it), and how long after the event loop turns they come back (target: 1 s);
 * - eager op speed when results are dropped against when they are disposed: add of 1e3 elements
 *   (target: within 1.5×), add of 1e6 elements and matmul 512.
 *
 * ```sh
 * npm run build && node dist/bench/memory.js
 * ```
 * @module
 */
import { fileURLToPath } from "node:url";
import * as tg from "../src/index.js";

const MB = 2 ** 20;
const turn = () => new Promise<void>((r) => setImmediate(r));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/**
 * Median time per op of `n` chained ops, dropping or disposing each result. Each repetition is a
 * synchronous loop of its own, and the event loop turns between repetitions (so that each starts
 * from the same memory).
 */
async function perOp(
  make: () => tg.Tensor,
  op: (a: tg.Tensor, b: tg.Tensor) => tg.Tensor,
  n: number,
  dispose: boolean,
): Promise<number> {
  const x = make();
  const reps: number[] = [];
  for (let r = 0; r < 7; r++) {
    const base = tg.memoryStats().bytesInUse;
    let y = make();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const next = op(y, x);
      if (dispose) y.dispose();
      y = next;
    }
    y.dataSync();
    reps.push(((performance.now() - t0) * 1000) / n);
    y.dispose();
    const t1 = performance.now();
    while (tg.memoryStats().bytesInUse > base + 16 * MB && performance.now() - t1 < 3000) {
      await new Promise((res) => setTimeout(res, 5));
    }
  }
  x.dispose();
  return median(reps);
}

/**
 * Runs the measurements and returns them as markdown lines.
 * @example
 * ```ts
 * for (const line of await memoryFigures()) console.log(line);
 * ```
 */
export async function memoryFigures(): Promise<string[]> {
  const out: string[] = [];
  // 1. async loop
  await turn();
  let start = tg.memoryStats().bytesInUse;
  const x = tg.ones([1_000_000]);
  let y: tg.Tensor<[1000000]> = tg.zeros([1_000_000]);
  let peak = 0;
  let t0 = performance.now();
  for (let i = 0; i < 3000; i++) {
    y = tg.add(y, x);
    peak = Math.max(peak, tg.memoryStats().bytesInUse - start);
    await turn();
  }
  const asyncMs = performance.now() - t0;
  const ok = y.dataSync()[0] === 3000;
  out.push(
    `- Async loop, 3,000 eager 1e6-element adds yielding each op, nothing disposed: peak ${(peak / MB).toFixed(0)} MB above its start (target < 128 MB), ${(asyncMs / 1000).toFixed(1)} s${ok ? "" : " (WRONG RESULT)"}.`,
  );
  y.dispose();
  // 2. synchronous loop, then the event loop turns
  await turn();
  start = tg.memoryStats().bytesInUse;
  tg.debug.memoryWarning(false);
  let held = 0;
  (() => {
    let z: tg.Tensor<[1000000]> = tg.zeros([1_000_000]);
    for (let i = 0; i < 200; i++) {
      z = tg.add(z, x);
      held = Math.max(held, tg.memoryStats().bytesInUse - start);
    }
    z.dataSync();
  })();
  t0 = performance.now();
  while (tg.memoryStats().bytesInUse - start > 16 * MB && performance.now() - t0 < 5000) {
    await new Promise((r) => setTimeout(r, 1));
  }
  const back = performance.now() - t0;
  out.push(
    `- Synchronous loop of 200 such adds (800 MB made): at most ${(held / MB).toFixed(0)} MB held during it; back under 16 MB ${back.toFixed(0)} ms after the event loop turns (target < 1,000 ms).`,
  );
  x.dispose();
  // 3. speed (the dropped runs hold up to 800 MB in one synchronous loop, on purpose), dropped against disposed
  const cases: [string, () => tg.Tensor, (a: tg.Tensor, b: tg.Tensor) => tg.Tensor, number][] = [
    ["add 1e3", () => tg.ones([1000]) as tg.Tensor, (a, b) => tg.add(a, b), 20_000],
    ["add 1e6", () => tg.ones([1_000_000]) as tg.Tensor, (a, b) => tg.add(a, b), 200],
    [
      "matmul 512",
      () => tg.mul(tg.ones([512, 512]), 1 / 512) as tg.Tensor,
      (a, b) => tg.matmul(a as tg.Tensor<[512, 512]>, b as tg.Tensor<[512, 512]>),
      50,
    ],
  ];
  for (const [name, make, op, n] of cases) {
    await perOp(make, op, Math.min(n, 100), true); // warm-up
    const disposed = await perOp(make, op, n, true);
    const dropped = await perOp(make, op, n, false);
    out.push(
      `- Eager ${name}: ${dropped.toFixed(2)} µs per op with results dropped, ${disposed.toFixed(2)} µs disposed: ${(dropped / disposed).toFixed(2)}×${name === "add 1e3" ? " (target ≤ 1.5×)" : ""}.`,
    );
  }
  tg.debug.memoryWarning(true);
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const line of await memoryFigures()) console.log(line);
}
