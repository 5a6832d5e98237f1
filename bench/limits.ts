/**
 * What this machine allows WebAssembly at all, measured in the same run as the benchmark, so that
 * a target can be checked against a ceiling and not only against the peers:
 * - the multiply-add peak of SIMD128 (a hand-assembled loop of 12 independent `f32x4.relaxed_madd`
 *   chains, no memory traffic), on one thread and on every thread at once (`worker_threads`);
 * - the bandwidth of typegrad's own f32 add kernel on a working set that stays in L2 and on one
 *   that does not (12 bytes per element, as in the add benchmark), on one thread and on all.
 *
 * ```sh
 * npm run build && node dist/bench/limits.js
 * ```
 * @module
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import * as tg from "../src/index.js";

/** Iterations of the peak loop per timed call (12 chains × 8 flops each per iteration). */
const ITERS = 20_000_000;

/** An unsigned LEB128 encoding. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/**
 * A module exporting `peak(n: i32) -> f32`: `n` iterations of `accⱼ = x·accⱼ + y` over 12
 * independent v128 accumulators, with `f32x4.relaxed_madd` (`fused`) or a multiply and an add.
 */
export function peakModule(fused: boolean): Uint8Array {
  const ACC = 12;
  const [X, Y] = [ACC + 1, ACC + 2]; // locals: 0 = n, 1..12 = accumulators, 13 = x, 14 = y
  const splat = (v: number): number[] => [
    0xfd,
    0x0c,
    ...new Uint8Array(new Float32Array([v, v, v, v]).buffer),
  ];
  const body: number[] = [0x01, ACC + 2, 0x7b]; // 14 v128 locals
  body.push(...splat(0.999), 0x21, X, ...splat(0.001), 0x21, Y);
  body.push(0x03, 0x40); // loop
  for (let j = 1; j <= ACC; j++) {
    if (fused) body.push(0x20, X, 0x20, j, 0x20, Y, 0xfd, 0x85, 0x02, 0x21, j);
    else body.push(0x20, X, 0x20, j, 0xfd, 0xe6, 0x01, 0x20, Y, 0xfd, 0xe4, 0x01, 0x21, j);
  }
  body.push(0x20, 0, 0x41, 1, 0x6b, 0x22, 0, 0x0d, 0, 0x0b); // n -= 1; br_if n; end
  body.push(0x20, 1);
  for (let j = 2; j <= ACC; j++) body.push(0x20, j, 0xfd, 0xe4, 0x01);
  body.push(0xfd, 0x1f, 0x00, 0x0b); // extract lane 0; end
  const code = [...uleb(body.length), ...body];
  const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7d]), // (i32) -> f32
    ...section(3, [1, 0]),
    ...section(7, [1, 4, ...new TextEncoder().encode("peak"), 0x00, 0]),
    ...section(10, [1, ...code]),
  ]);
}

/** Runs the peak loop on `threads` threads at once; total GFLOP/s (best of `reps`). */
async function peak(fused: boolean, threads: number, reps = 5): Promise<number> {
  const bytes = peakModule(fused);
  const source = `
    const { parentPort, workerData } = require("node:worker_threads");
    const { bytes, iters, go } = workerData;
    const peak = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.peak;
    peak(1000);
    const flag = new Int32Array(go);
    parentPort.postMessage("ready");
    parentPort.on("message", (rep) => {
      while (Atomics.load(flag, 0) !== rep) {}
      const t = performance.now();
      peak(iters);
      parentPort.postMessage(performance.now() - t);
    });`;
  const go = new SharedArrayBuffer(4);
  const workers = Array.from(
    { length: threads },
    () => new Worker(source, { eval: true, workerData: { bytes, iters: ITERS, go } }),
  );
  try {
    await Promise.all(workers.map((w) => new Promise((r) => w.once("message", r))));
    let best = 0;
    for (let rep = 1; rep <= reps; rep++) {
      const times = workers.map((w) => new Promise<number>((r) => w.once("message", r)));
      for (const w of workers) w.postMessage(rep);
      Atomics.store(new Int32Array(go), 0, rep);
      const ms = Math.max(...(await Promise.all(times)));
      best = Math.max(best, (threads * ITERS * 12 * 8) / ms / 1e6);
    }
    return best;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** GB/s (12 bytes per element) of `tg.add` over `n` elements on `threads` threads (best of 9). */
function addBandwidth(n: number, threads: number): number {
  const before = tg.backendInfo().threads;
  tg.setThreads(threads);
  try {
    const a = tg.random.normal(tg.random.key(1), [n]);
    const b = tg.random.normal(tg.random.key(2), [n]);
    const reps = Math.max(10, Math.round(3e8 / (12 * n)));
    let best = Number.POSITIVE_INFINITY;
    for (let r = 0; r < 9; r++) {
      const t = performance.now();
      for (let i = 0; i < reps; i++) tg.add(a, b).dispose();
      best = Math.min(best, (performance.now() - t) / reps);
    }
    a.dispose();
    b.dispose();
    return (12 * n) / best / 1e6;
  } finally {
    tg.setThreads(before);
  }
}

/** The machine's ceilings, as markdown lines for `bench/results.md`. */
export async function machineLimits(): Promise<string[]> {
  const all = Math.min(tg.backendInfo().poolThreads, availableParallelism());
  const fused1 = await peak(true, 1);
  const fusedAll = await peak(true, all);
  const plain1 = await peak(false, 1);
  // MLP 784-256-128-10 at batch 128: the three products dominate (bias and relu are memory-bound)
  const mlpFlops = 2 * 128 * (784 * 256 + 256 * 128 + 128 * 10);
  const l2 = 100_000; // 1.2 MB: stays in L2
  const big = 1_000_000; // 12 MB: the add benchmark's size
  const bw = (n: number, t: number) => addBandwidth(n, t).toFixed(0);
  return [
    `- SIMD128 multiply-add peak (12 independent chains, no memory traffic): ${fused1.toFixed(1)} GFLOP/s on one thread with f32x4.relaxed_madd (${plain1.toFixed(1)} with a multiply and an add), ${fusedAll.toFixed(1)} on ${all} thread${all > 1 ? "s" : ""} at once. So MLP inference at batch 128 (${(mlpFlops / 1e6).toFixed(1)} MFLOP of products) takes at least ${((mlpFlops / fusedAll) * 1e-3).toFixed(0)} µs here, even at 100 % of that peak.`,
    `- Bandwidth of typegrad's f32 add (12 B/element): ${bw(l2, 1)} GB/s on one thread with a 1.2 MB working set (in L2), ${bw(big, 1)} GB/s with 12 MB (beyond L2); on ${all} thread${all > 1 ? "s" : ""} ${bw(l2 * 3, all)} GB/s with 3.6 MB (in the two L2s) and ${bw(big, all)} GB/s with 12 MB.`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await machineLimits()) console.log(line);
}
