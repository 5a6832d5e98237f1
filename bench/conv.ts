/**
 * Convolution forward pass against its two gradients (data and filter), kernel by kernel, for the
 * two layers of the benchmark's CNN (batch 64): the issue asks for a backward pass as fast as the
 * forward one. Prints best and median milliseconds per call, and each gradient's ratio to the
 * forward pass.
 *
 * ```sh
 * npm run build && node dist/bench/conv.js
 * ```
 * @module
 */
import type { Buf, Conv2dGeometry } from "../src/backend/backend.js";
import { wasmBackend as B } from "../src/backend/wasm/backend.js";

/** A valid, stride-1 convolution of `batch` images. */
function geometry(batch: number, size: number, inC: number, outC: number): Conv2dGeometry {
  const out = size - 2;
  return {
    ...{ batch, inH: size, inW: size, inC, outH: out, outW: out, outC, kH: 3, kW: 3 },
    ...{ strideH: 1, strideW: 1, padTop: 0, padLeft: 0 },
  };
}

/** Best and median milliseconds of `f` over `reps` timed calls after a warm-up. */
function time(f: () => void, reps = 25): { best: number; median: number } {
  for (let i = 0; i < 5; i++) f();
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    f();
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return { best: ts[0], median: ts[reps >> 1] };
}

const filled = (n: number, seed: number): Buf => {
  const b = B.alloc("f32", n);
  B.write(
    b,
    Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed)),
  );
  return b;
};

const LAYERS: [string, Conv2dGeometry][] = [
  ["conv 28×28×1 → 32, 3×3, batch 64", geometry(64, 28, 1, 32)],
  ["conv 13×13×32 → 64, 3×3, batch 64", geometry(64, 13, 32, 64)],
];

for (const [name, g] of LAYERS) {
  const x = filled(g.batch * g.inH * g.inW * g.inC, 1);
  const w = filled(g.kH * g.kW * g.inC * g.outC, 2);
  const dy = filled(g.batch * g.outH * g.outW * g.outC, 3);
  const y = B.alloc("f32", g.batch * g.outH * g.outW * g.outC);
  const dx = B.alloc("f32", g.batch * g.inH * g.inW * g.inC);
  const dw = B.alloc("f32", g.kH * g.kW * g.inC * g.outC);
  const fwd = time(() => B.conv2d(x, w, y, g));
  const bpi = time(() => B.conv2dBackpropInput(dy, w, dx, g));
  const bpf = time(() => B.conv2dBackpropFilter(x, dy, dw, g));
  const ms = (t: { best: number; median: number }) =>
    `${t.best.toFixed(2)} ms best, ${t.median.toFixed(2)} median`;
  console.log(`${name}:`);
  console.log(`  forward          ${ms(fwd)}`);
  console.log(`  data gradient    ${ms(bpi)} (${(bpi.median / fwd.median).toFixed(2)}× forward)`);
  console.log(`  filter gradient  ${ms(bpf)} (${(bpf.median / fwd.median).toFixed(2)}× forward)`);
  for (const b of [x, w, dy, y, dx, dw]) B.free(b);
}
