import fc from "fast-check";
import { describe, it } from "vitest";
import type { Conv2dGeometry } from "../../src/backend/backend.js";
import { wasmBackend as B } from "../../src/backend/wasm/backend.js";
import { expectClose } from "../util/close.js";
import { buf, rand, read } from "./wasm-util.js";

const SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 17, 31, 64, 97];

function matmulCase(
  batch: number,
  m: number,
  k: number,
  n: number,
  tA: boolean,
  tB: boolean,
  shareA: boolean,
  shareB: boolean,
  seed: number,
): void {
  const aStride = shareA ? 0 : m * k;
  const bStride = shareB ? 0 : k * n;
  const ad = rand(Math.max(1, shareA ? 1 : batch) * m * k, seed);
  const bd = rand(Math.max(1, shareB ? 1 : batch) * k * n, seed + 1);
  const a = buf("f32", ad);
  const b = buf("f32", bd);
  const out = B.alloc("f32", batch * m * n);
  B.fill(out, 7); // must be overwritten
  B.matmul(a, b, out, batch, m, k, n, tA, tB, aStride, bStride);
  const want: number[] = [];
  const scale: number[] = [];
  for (let q = 0; q < batch; q++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        let t = 0;
        for (let p = 0; p < k; p++) {
          const av = ad[q * aStride + (tA ? p * m + i : i * k + p)];
          const bv = bd[q * bStride + (tB ? j * k + p : p * n + j)];
          s += av * bv;
          t += Math.abs(av * bv);
        }
        want.push(s);
        scale.push(t);
      }
    }
  }
  expectClose(read(out), want, {
    rtol: 2e-6,
    atol: 1e-30,
    scale: scale,
    what: `matmul b${batch} ${m}x${k}x${n} tA=${tA} tB=${tB}`,
  });
  B.free(a);
  B.free(b);
  B.free(out);
}

describe("wasm matmul vs float64", () => {
  it("random sizes, transposes and batch strides", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom(...SIZES),
        fc.constantFrom(...SIZES),
        fc.constantFrom(...SIZES),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 1 << 30 }),
        (batch, m, k, n, tA, tB, sA, sB, seed) => matmulCase(batch, m, k, n, tA, tB, sA, sB, seed),
      ),
      { numRuns: 150 },
    );
  });
  it("sizes crossing every block boundary (KC=256, MC=96, NC=1024, 6x8 tiles)", () => {
    matmulCase(1, 101, 517, 37, false, false, false, false, 1);
    matmulCase(1, 200, 300, 1030, true, false, false, false, 2);
    matmulCase(2, 97, 259, 41, false, true, false, true, 3);
    matmulCase(3, 13, 270, 9, true, true, false, false, 4);
    matmulCase(4, 7, 5, 3, false, false, false, true, 5);
  });
});

/** Direct float64 convolution and its two gradients. */
function conv64(g: Conv2dGeometry, x: number[], w: number[], dy: number[]) {
  const y = new Array(g.batch * g.outH * g.outW * g.outC).fill(0);
  const ys = new Array(y.length).fill(0);
  const dx = new Array(x.length).fill(0);
  const dxs = new Array(x.length).fill(0);
  const dw = new Array(w.length).fill(0);
  const dws = new Array(w.length).fill(0);
  for (let b = 0; b < g.batch; b++)
    for (let oh = 0; oh < g.outH; oh++)
      for (let ow = 0; ow < g.outW; ow++)
        for (let i = 0; i < g.kH; i++)
          for (let j = 0; j < g.kW; j++) {
            const ih = oh * g.strideH + i - g.padTop;
            const iw = ow * g.strideW + j - g.padLeft;
            if (ih < 0 || ih >= g.inH || iw < 0 || iw >= g.inW) continue;
            for (let ci = 0; ci < g.inC; ci++)
              for (let co = 0; co < g.outC; co++) {
                const xi = ((b * g.inH + ih) * g.inW + iw) * g.inC + ci;
                const wi = ((i * g.kW + j) * g.inC + ci) * g.outC + co;
                const yi = ((b * g.outH + oh) * g.outW + ow) * g.outC + co;
                y[yi] += x[xi] * w[wi];
                ys[yi] += Math.abs(x[xi] * w[wi]);
                dx[xi] += dy[yi] * w[wi];
                dxs[xi] += Math.abs(dy[yi] * w[wi]);
                dw[wi] += x[xi] * dy[yi];
                dws[wi] += Math.abs(x[xi] * dy[yi]);
              }
          }
  return { y, ys, dx, dxs, dw, dws };
}

function convCase(g: Conv2dGeometry, seed: number): void {
  const xd = rand(g.batch * g.inH * g.inW * g.inC, seed);
  const wd = rand(g.kH * g.kW * g.inC * g.outC, seed + 1);
  const dyd = rand(g.batch * g.outH * g.outW * g.outC, seed + 2);
  const [x, w, dy] = [buf("f32", xd), buf("f32", wd), buf("f32", dyd)];
  const y = B.alloc("f32", dyd.length);
  const dx = B.alloc("f32", xd.length);
  const dw = B.alloc("f32", wd.length);
  for (const o of [y, dx, dw]) B.fill(o, 7);
  B.conv2d(x, w, y, g);
  B.conv2dBackpropInput(dy, w, dx, g);
  B.conv2dBackpropFilter(x, dy, dw, g);
  const r = conv64(g, xd, wd, dyd);
  const what = JSON.stringify(g);
  expectClose(read(y), r.y, { rtol: 2e-6, atol: 1e-30, scale: r.ys, what: `conv2d ${what}` });
  expectClose(read(dx), r.dx, {
    rtol: 2e-6,
    atol: 1e-30,
    scale: r.dxs,
    what: `backprop input ${what}`,
  });
  expectClose(read(dw), r.dw, {
    rtol: 2e-6,
    atol: 1e-30,
    scale: r.dws,
    what: `backprop filter ${what}`,
  });
  for (const b of [x, w, dy, y, dx, dw]) B.free(b);
}

const geomArb = fc
  .record({
    batch: fc.integer({ min: 0, max: 2 }),
    inH: fc.integer({ min: 1, max: 9 }),
    inW: fc.integer({ min: 1, max: 9 }),
    inC: fc.integer({ min: 1, max: 5 }),
    outC: fc.integer({ min: 1, max: 9 }),
    kH: fc.integer({ min: 1, max: 4 }),
    kW: fc.integer({ min: 1, max: 4 }),
    strideH: fc.integer({ min: 1, max: 3 }),
    strideW: fc.integer({ min: 1, max: 3 }),
    padTop: fc.integer({ min: 0, max: 2 }),
    padLeft: fc.integer({ min: 0, max: 2 }),
    padBottom: fc.integer({ min: 0, max: 2 }),
    padRight: fc.integer({ min: 0, max: 2 }),
  })
  .map(({ padBottom, padRight, ...g }) => ({
    ...g,
    outH: Math.floor((g.inH + g.padTop + padBottom - g.kH) / g.strideH) + 1,
    outW: Math.floor((g.inW + g.padLeft + padRight - g.kW) / g.strideW) + 1,
  }))
  .filter((g) => g.outH >= 1 && g.outW >= 1);

describe("wasm conv2d (NHWC, HWIO) vs direct float64", () => {
  it("random geometry: strides, paddings, kernel sizes", () => {
    fc.assert(
      fc.property(geomArb, fc.integer({ min: 1, max: 1 << 30 }), (g, seed) => convCase(g, seed)),
      { numRuns: 120 },
    );
  });
  it("pointwise 1x1 (no im2col) and a large case that runs im2col in chunks", () => {
    const base = { strideH: 1, strideW: 1, padTop: 0, padLeft: 0 };
    convCase(
      { ...base, batch: 2, inH: 5, inW: 6, inC: 7, outH: 5, outW: 6, outC: 9, kH: 1, kW: 1 },
      1,
    );
    convCase(
      {
        ...base,
        batch: 3,
        inH: 40,
        inW: 40,
        inC: 32,
        outH: 40,
        outW: 40,
        outC: 3,
        kH: 3,
        kW: 3,
        padTop: 1,
        padLeft: 1,
      },
      2,
    );
  });
});
