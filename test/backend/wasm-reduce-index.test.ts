import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ReduceOp } from "../../src/backend/backend.js";
import { wasmBackend as B } from "../../src/backend/wasm/backend.js";
import { kernels } from "../../src/backend/wasm/loader.js";
import { buf, rand, read } from "./wasm-util.js";
import { closeness, expectClose } from "../util/close.js";

const DIMS = [0, 1, 2, 3, 4, 5, 7, 8, 13, 16, 17, 33, 100];

/** Float64 reduction of `[outer, mid, inner]`; also returns Σ|x| per output for tolerances. */
function reduce64(op: ReduceOp, x: number[], outer: number, mid: number, inner: number) {
  const out: number[] = [];
  const scale: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let acc = op === "sum" ? 0 : x[o * mid * inner + i];
      let best = 0;
      let s = 0;
      for (let j = 0; j < mid; j++) {
        const v = x[(o * mid + j) * inner + i];
        if ((op === "argmax" || op === "argmin") && Number.isNaN(v)) {
          if (!Number.isNaN(acc) || j === 0) best = j;
          acc = Number.NaN;
          continue;
        }
        if (Number.isNaN(acc)) continue;
        s += Math.abs(v);
        if (op === "sum") acc += v;
        else if (op === "max") acc = Math.max(acc, v);
        else if (op === "min") acc = Math.min(acc, v);
        else if (op === "argmax" ? v > acc : v < acc) {
          acc = v;
          best = j;
        }
      }
      out.push(op === "argmax" || op === "argmin" ? best : acc);
      scale.push(s);
    }
  }
  return { out, scale };
}

describe("wasm reduce", () => {
  it("f32 and i32 over random [outer, mid, inner], with ties and NaN", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DIMS),
        fc.constantFrom(...DIMS),
        fc.constantFrom(...DIMS),
        fc.constantFrom<ReduceOp>("sum", "max", "min", "argmax", "argmin"),
        fc.constantFrom("f32", "i32"),
        fc.integer({ min: 1, max: 1 << 30 }),
        (outer, mid, inner, op, dt, seed) => {
          if (op !== "sum" && mid === 0) mid = 1;
          const n = outer * mid * inner;
          const xd = rand(n, seed, -3, 3).map((v) =>
            dt === "i32" ? Math.round(v) : v > 2.95 && op !== "sum" ? NaN : v,
          );
          const x = buf(dt, xd);
          const outDt = op === "argmax" || op === "argmin" ? "i32" : dt;
          const out = B.alloc(outDt, outer * inner);
          B.reduce(op, x, out, outer, mid, inner);
          const { out: want, scale } = reduce64(op, xd, outer, mid, inner);
          const got = read(out);
          B.free(x);
          B.free(out);
          if (op === "sum" && dt === "f32") {
            expectClose(got, want, { rtol: 1e-6, atol: 1e-30, scale });
          } else {
            expect(closeness(got, want.map(Math.fround), { rtol: 0, atol: 0 }).message).toBeNull();
          }
        },
      ),
      { numRuns: 300 },
    );
  });
  it("bool max/min are any/all", () => {
    const x = buf("bool", [0, 0, 1, 0, 1, 1]);
    const out = B.alloc("bool", 3);
    B.reduce("max", x, out, 3, 2, 1);
    expect(read(out)).toEqual([0, 1, 1]);
    B.reduce("min", x, out, 3, 2, 1);
    expect(read(out)).toEqual([0, 0, 1]);
  });
  it("a long contiguous f32 sum is accurate", () => {
    const n = 1_000_003;
    const xd = rand(n, 42, 0, 1);
    const x = buf("f32", xd);
    const out = B.alloc("f32", 1);
    B.reduce("sum", x, out, 1, n, 1);
    const want = xd.reduce((a, b) => a + b, 0);
    expect(Math.abs(read(out)[0] - want) / want).toBeLessThan(1e-5);
  });
});

describe("wasm gather and scatterAdd", () => {
  it("gather then scatterAdd equal float64 loops", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 7 }),
        fc.integer({ min: 0, max: 13 }),
        fc.constantFrom("f32", "i32", "bool"),
        fc.integer({ min: 1, max: 1 << 30 }),
        (outer, axis, inner, nIdx, dt, seed) => {
          const xd = rand(outer * axis * inner, seed, -9, 9).map((v) =>
            dt === "f32" ? v : dt === "i32" ? Math.round(v) : +(v > 0),
          );
          const id = rand(nIdx, seed + 1, 0, axis).map(Math.floor);
          const [x, idx] = [buf(dt, xd), buf("i32", id)];
          const g = B.alloc(dt, outer * nIdx * inner);
          B.gather(x, idx, g, outer, axis, inner, nIdx);
          const want: number[] = [];
          for (let o = 0; o < outer; o++)
            for (let j = 0; j < nIdx; j++)
              for (let i = 0; i < inner; i++) want.push(xd[(o * axis + id[j]) * inner + i]);
          expect(closeness(read(g), want, { rtol: 0, atol: 0 }).message).toBeNull();
          if (dt !== "bool") {
            const s = B.alloc(dt, outer * axis * inner);
            B.fill(s, 5);
            B.scatterAdd(g, idx, s, outer, axis, inner, nIdx);
            const back = new Array(outer * axis * inner).fill(0);
            for (let o = 0; o < outer; o++)
              for (let j = 0; j < nIdx; j++)
                for (let i = 0; i < inner; i++)
                  back[(o * axis + id[j]) * inner + i] += want[(o * nIdx + j) * inner + i];
            expect(
              closeness(read(s), back.map(Math.fround), { rtol: 1e-6, atol: 1e-6 }).message,
            ).toBeNull();
            B.free(s);
          }
          for (const b of [x, idx, g]) B.free(b);
        },
      ),
      { numRuns: 150 },
    );
  });
});

/** Threefry-2x32-20 in plain JS, as backend.ts specifies it. */
function threefry(k0: number, k1: number, c0: number, c1: number): [number, number] {
  const rot = [13, 15, 26, 6, 17, 29, 16, 24];
  const ks = [k0 >>> 0, k1 >>> 0, (0x1bd11bda ^ k0 ^ k1) >>> 0];
  let x0 = (c0 + ks[0]) >>> 0;
  let x1 = (c1 + ks[1]) >>> 0;
  for (let r = 0; r < 20; r++) {
    x0 = (x0 + x1) >>> 0;
    const s = rot[r % 8];
    x1 = (((x1 << s) | (x1 >>> (32 - s))) ^ x0) >>> 0;
    if (r % 4 === 3) {
      const q = (r + 1) / 4;
      x0 = (x0 + ks[q % 3]) >>> 0;
      x1 = (x1 + ks[(q + 1) % 3] + q) >>> 0;
    }
  }
  return [x0, x1];
}

describe("wasm random (Threefry-2x32-20)", () => {
  it("matches the Random123 known-answer vectors", () => {
    const cases: [number[], number[]][] = [
      [
        [0, 0, 0, 0],
        [0x6b200159, 0x99ba4efe],
      ],
      [
        [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
        [0x1cb996fc, 0xbb002be7],
      ],
      [
        [0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3],
        [0xc4923a9c, 0x483df7a0],
      ],
    ];
    const out = B.alloc("i32", 2);
    const at = (out as unknown as { ptr: number }).ptr;
    for (const [[k0, k1, c0, c1], want] of cases) {
      kernels.tg_threefry2x32(k0, k1, c0, c1, at);
      expect(Array.from(B.read(out)).map((v) => v >>> 0)).toEqual(want);
      expect(threefry(k0, k1, c0, c1)).toEqual(want);
    }
  });
  it("bits and uniform follow the spec for several keys", () => {
    const keys = [1, 2, 0xdeadbeef | 0, 42, 0, 0, -1, 7];
    const k = buf("i32", keys);
    const per = 37;
    const bits = B.alloc("i32", 4 * per);
    const uni = B.alloc("f32", 4 * per);
    B.random("bits", k, bits, 4, per);
    B.random("uniform", k, uni, 4, per);
    const wantBits: number[] = [];
    const wantUni: number[] = [];
    for (let q = 0; q < 4; q++) {
      for (let c = 0; c < per; c++) {
        const h = threefry(keys[2 * q], keys[2 * q + 1], c, 0)[0];
        wantBits.push(h | 0);
        wantUni.push((h >>> 8) / 2 ** 24);
      }
    }
    expect(read(bits)).toEqual(wantBits);
    expect(read(uni)).toEqual(wantUni);
    expect(Math.max(...read(uni))).toBeLessThan(1);
  });
});
