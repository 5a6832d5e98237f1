/**
 * Micro-benchmarks of the wasm kernels (not part of `npm test`):
 * `npx vitest run --config bench/vitest.config.ts`. Prints GFLOP/s for matmul and GB/s for add.
 */
import { it } from "vitest";
import type { Buf } from "../src/backend/backend.js";
import { wasmBackend as B } from "../src/backend/wasm/backend.js";

function filled(n: number): Buf {
  const b = B.alloc("f32", n);
  const v = B.view(b) as Float32Array;
  for (let i = 0; i < n; i++) v[i] = Math.sin(i);
  return b;
}

/** Best seconds per call of `f` over about `budget` seconds (the machine is shared: best, not median). */
function time(f: () => void, budget = 0.5): number {
  f();
  const samples: number[] = [];
  const start = performance.now();
  while (performance.now() - start < budget * 1000 || samples.length < 3) {
    const t = performance.now();
    f();
    samples.push((performance.now() - t) / 1000);
  }
  return Math.min(...samples);
}

it("matmul GFLOP/s", () => {
  // warm up: V8 compiles wasm with its baseline compiler first and tiers hot functions up later
  const w = filled(256 * 256);
  for (let i = 0; i < 50; i++) B.matmul(w, w, w, 1, 128, 128, 128, i % 2 === 0, i % 3 === 0, 0, 0);
  B.free(w);
  const sizes = (process.env.MM_SIZES ?? "64,128,256,512,1024").split(",").map(Number);
  for (const n of sizes) {
    const a = filled(n * n);
    const b = filled(n * n);
    const c = B.alloc("f32", n * n);
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
    ]) {
      const s = time(() => B.matmul(a, b, c, 1, n, n, n, ta, tb, 0, 0));
      console.log(
        `matmul ${n}x${n}x${n} tA=${+ta} tB=${+tb}: ${((2 * n ** 3) / s / 1e9).toFixed(1)} GFLOP/s`,
      );
    }
    B.free(a);
    B.free(b);
    B.free(c);
  }
});

it("elementwise GB/s", () => {
  const n = 1_000_000;
  const a = filled(n);
  const b = filled(n);
  const c = B.alloc("f32", n);
  const s = time(() => B.binary("add", a, b, c, [n], [1], [1]));
  console.log(`add 1e6 f32: ${((12 * n) / s / 1e9).toFixed(1)} GB/s (${(s * 1e6).toFixed(0)} µs)`);
  const sb = time(() => B.binary("mul", a, b, c, [1000, 1000], [1000, 1], [0, 1]));
  console.log(`mul 1000x1000 by row vector: ${((8 * n) / sb / 1e9).toFixed(1)} GB/s`);
  for (const op of ["exp", "tanh", "logistic"] as const) {
    const se = time(() => B.unary(op, a, c));
    console.log(`${op} 1e6 f32: ${(n / se / 1e6).toFixed(0)} Melem/s`);
  }
  const sr = time(() => B.reduce("sum", a, c, 1, n, 1));
  console.log(`sum 1e6 f32: ${((4 * n) / sr / 1e9).toFixed(1)} GB/s`);
  const st = time(() => B.copy(a, 0, [1, 1000], c, 0, [1000, 1], [1000, 1000]));
  console.log(`transpose 1000x1000: ${((8 * n) / st / 1e9).toFixed(1)} GB/s`);
});

it("conv2d GFLOP/s", () => {
  const cases = [
    { batch: 64, inH: 28, inW: 28, inC: 1, outC: 32, kH: 3, kW: 3 },
    { batch: 64, inH: 14, inW: 14, inC: 32, outC: 64, kH: 3, kW: 3 },
    { batch: 16, inH: 32, inW: 32, inC: 64, outC: 64, kH: 1, kW: 1 },
  ];
  for (const c of cases) {
    const pad = (c.kH - 1) >> 1;
    const g = { ...c, outH: c.inH, outW: c.inW, strideH: 1, strideW: 1, padTop: pad, padLeft: pad };
    const x = filled(g.batch * g.inH * g.inW * g.inC);
    const w = filled(g.kH * g.kW * g.inC * g.outC);
    const y = filled(g.batch * g.outH * g.outW * g.outC);
    const flops = 2 * g.batch * g.outH * g.outW * g.outC * g.kH * g.kW * g.inC;
    const rate = (s: number) => (flops / s / 1e9).toFixed(1);
    const f = time(() => B.conv2d(x, w, y, g));
    const bi = time(() => B.conv2dBackpropInput(y, w, x, g));
    const bf = time(() => B.conv2dBackpropFilter(x, y, w, g));
    const name = `${g.batch}x${g.inH}x${g.inW}x${g.inC} k${g.kH} → ${g.outC}`;
    console.log(`conv2d ${name}: fwd ${rate(f)}, dx ${rate(bi)}, dw ${rate(bf)} GFLOP/s`);
    for (const b of [x, w, y]) B.free(b);
  }
});
