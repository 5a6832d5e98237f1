import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ArithOp, CompareOp } from "../../src/backend/backend.js";
import { wasmBackend as B, collapse } from "../../src/backend/wasm/backend.js";
import { buf, forEachIndex, rand, read, stridesOf } from "./wasm-util.js";
import { closeness } from "../util/close.js";

const DIMS = [0, 1, 1, 2, 3, 4, 5, 7, 8, 13];

/** An operand broadcast to `shape`: its storage (axes permuted, broadcast axes of size 1) and strides. */
interface Operand {
  size: number;
  strides: number[];
}

const shapeArb = fc.array(fc.constantFrom(...DIMS), { minLength: 0, maxLength: 4 });

/** For each axis: broadcast it or not; and a permutation of the storage order. */
function operandArb(rank: number) {
  return fc.record({
    bcast: fc.array(fc.boolean(), { minLength: rank, maxLength: rank }),
    order: fc.shuffledSubarray(
      Array.from({ length: rank }, (_, i) => i),
      { minLength: rank, maxLength: rank },
    ),
  });
}

function operand(shape: number[], o: { bcast: boolean[]; order: number[] }): Operand {
  const dims = shape.map((n, d) => (o.bcast[d] ? 1 : n));
  const strides = new Array<number>(shape.length).fill(0);
  let acc = 1;
  for (let q = o.order.length - 1; q >= 0; q--) {
    const d = o.order[q];
    strides[d] = dims[d] === 1 ? 0 : acc;
    acc *= dims[d];
  }
  return { size: dims.reduce((a, b) => a * b, 1), strides };
}

const caseArb = shapeArb.chain((shape) =>
  fc.record({
    shape: fc.constant(shape),
    a: operandArb(shape.length),
    b: operandArb(shape.length),
    c: operandArb(shape.length),
    seed: fc.integer({ min: 1, max: 1 << 30 }),
  }),
);

/** The expected result of a broadcast op in float64, rounded as the output dtype stores it. */
function oracle(
  shape: number[],
  ops: { data: number[]; strides: number[] }[],
  f: (...v: number[]) => number,
): number[] {
  const out: number[] = [];
  forEachIndex(shape, (idx) => {
    const vals = ops.map((o) => o.data[idx.reduce((s, i, d) => s + i * o.strides[d], 0)]);
    out.push(f(...vals));
  });
  return out;
}

const ARITH: Record<ArithOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  max: Math.max,
  min: Math.min,
  pow: (a, b) => a ** b,
};
const I32: Record<ArithOp, (a: number, b: number) => number> = {
  add: (a, b) => (a + b) | 0,
  sub: (a, b) => (a - b) | 0,
  mul: (a, b) => Math.imul(a, b),
  div: (a, b) => (b === 0 ? 0 : Math.trunc(a / b) | 0),
  max: Math.max,
  min: Math.min,
  pow: (a, b) =>
    b < 0
      ? a === 1
        ? 1
        : a === -1
          ? b % 2
            ? -1
            : 1
          : 0
      : Number(BigInt.asIntN(32, BigInt(a) ** BigInt(b))),
};
const CMP: Record<CompareOp, (a: number, b: number) => number> = {
  lt: (a, b) => +(a < b),
  le: (a, b) => +(a <= b),
  gt: (a, b) => +(a > b),
  ge: (a, b) => +(a >= b),
  eq: (a, b) => +(a === b),
  ne: (a, b) => +(a !== b),
};

describe("wasm binary with broadcasting", () => {
  it("collapse merges contiguous axes and drops size-1 axes", () => {
    expect(
      collapse(
        [2, 3, 4],
        [
          [12, 4, 1],
          [0, 0, 1],
        ],
      ),
    ).toEqual({
      shape: [6, 4],
      strides: [
        [4, 1],
        [0, 1],
      ],
    });
    expect(collapse([2, 1, 4], [[4, 4, 1]])).toEqual({ shape: [8], strides: [[1]] });
    expect(collapse([2, 0], [[1, 1]])).toBeNull();
    expect(collapse([], [[]])).toEqual({ shape: [], strides: [[]] });
  });

  it("f32 arithmetic equals float64 rounded to f32", () => {
    fc.assert(
      fc.property(caseArb, fc.constantFrom(...(Object.keys(ARITH) as ArithOp[])), (c, op) => {
        const a = operand(c.shape, c.a);
        const b = operand(c.shape, c.b);
        const ad = rand(a.size, c.seed, -4, 4);
        const bd = op === "pow" ? rand(b.size, c.seed + 1, -3, 3) : rand(b.size, c.seed + 1, -4, 4);
        const ab = buf("f32", op === "pow" ? ad.map(Math.abs) : ad);
        const bb = buf("f32", bd);
        const n = c.shape.reduce((x, y) => x * y, 1);
        const out = B.alloc("f32", n);
        B.binary(op, ab, bb, out, c.shape, a.strides, b.strides);
        const want = oracle(
          c.shape,
          [
            { data: read(ab), strides: a.strides },
            { data: bd, strides: b.strides },
          ],
          (x, y) => Math.fround(ARITH[op](x, y)),
        );
        const m = closeness(read(out), want, {
          rtol: op === "pow" ? 2 ** -21 : 0,
          atol: op === "pow" ? 1e-44 : 0,
        }).message;
        for (const x of [ab, bb, out]) B.free(x);
        expect(m, `${op} ${JSON.stringify(c.shape)}`).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it("i32 arithmetic wraps; division truncates and x/0 = 0", () => {
    fc.assert(
      fc.property(caseArb, fc.constantFrom(...(Object.keys(I32) as ArithOp[])), (c, op) => {
        const a = operand(c.shape, c.a);
        const b = operand(c.shape, c.b);
        const big = op === "pow" ? 5 : 3e9;
        const ad = rand(a.size, c.seed, -big, big).map((v) => v | 0);
        const bd = rand(b.size, c.seed + 1, op === "pow" ? -3 : -big, op === "pow" ? 9 : big).map(
          (v) => (op === "div" && v > 0 && v < 1e8 ? 0 : v | 0),
        );
        const ab = buf("i32", ad);
        const bb = buf("i32", bd);
        const out = B.alloc(
          "i32",
          c.shape.reduce((x, y) => x * y, 1),
        );
        B.binary(op, ab, bb, out, c.shape, a.strides, b.strides);
        const want = oracle(
          c.shape,
          [
            { data: ad, strides: a.strides },
            { data: bd, strides: b.strides },
          ],
          I32[op],
        );
        const m = closeness(read(out), want, { rtol: 0, atol: 0 }).message;
        for (const x of [ab, bb, out]) B.free(x);
        expect(m, `${op} ${JSON.stringify(c.shape)}`).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it("comparisons of f32 (with NaN), i32 and bool give bool", () => {
    fc.assert(
      fc.property(
        caseArb,
        fc.constantFrom(...(Object.keys(CMP) as CompareOp[])),
        fc.constantFrom("f32", "i32", "bool"),
        (c, op, dt) => {
          const a = operand(c.shape, c.a);
          const b = operand(c.shape, c.b);
          const gen = (n: number, s: number) =>
            rand(n, s, -2, 2).map((v) =>
              dt === "f32"
                ? v > 1.8
                  ? NaN
                  : Math.round(v * 2) / 2
                : dt === "i32"
                  ? Math.round(v)
                  : +(v > 0),
            );
          const ad = gen(a.size, c.seed);
          const bd = gen(b.size, c.seed + 7);
          const ab = buf(dt, ad);
          const bb = buf(dt, bd);
          const out = B.alloc(
            "bool",
            c.shape.reduce((x, y) => x * y, 1),
          );
          B.binary(op, ab, bb, out, c.shape, a.strides, b.strides);
          const want = oracle(
            c.shape,
            [
              { data: ad, strides: a.strides },
              { data: bd, strides: b.strides },
            ],
            CMP[op],
          );
          const m = closeness(read(out), want, { rtol: 0, atol: 0 }).message;
          for (const x of [ab, bb, out]) B.free(x);
          expect(m).toBeNull();
        },
      ),
      { numRuns: 200 },
    );
  });

  it("where with broadcast condition for f32, i32 and bool", () => {
    fc.assert(
      fc.property(caseArb, fc.constantFrom("f32", "i32", "bool"), (c, dt) => {
        const [co, a, b] = [operand(c.shape, c.c), operand(c.shape, c.a), operand(c.shape, c.b)];
        const cd = rand(co.size, c.seed).map((v) => +(v > 0));
        const ad = rand(a.size, c.seed + 1, -9, 9).map((v) =>
          dt === "bool" ? +(v > 0) : Math.round(v),
        );
        const bd = rand(b.size, c.seed + 2, -9, 9).map((v) =>
          dt === "bool" ? +(v > 0) : Math.round(v),
        );
        const [cb, ab, bb] = [buf("bool", cd), buf(dt, ad), buf(dt, bd)];
        const out = B.alloc(
          dt,
          c.shape.reduce((x, y) => x * y, 1),
        );
        B.where(cb, ab, bb, out, c.shape, co.strides, a.strides, b.strides);
        const want = oracle(
          c.shape,
          [
            { data: cd, strides: co.strides },
            { data: ad, strides: a.strides },
            { data: bd, strides: b.strides },
          ],
          (x, y, z) => (x ? y : z),
        );
        const m = closeness(read(out), want, { rtol: 0, atol: 0 }).message;
        for (const x of [cb, ab, bb, out]) B.free(x);
        expect(m).toBeNull();
      }),
      { numRuns: 150 },
    );
  });
});

describe("wasm long rows (SIMD paths)", () => {
  it("compare and where on contiguous and broadcast rows of 1001", () => {
    const n = 1001;
    for (const dt of ["f32", "i32"] as const) {
      const ad = rand(n, 11, -3, 3).map((v) => (dt === "f32" && v > 2.7 ? NaN : Math.round(v)));
      const bd = rand(n, 12, -3, 3).map((v) => Math.round(v));
      const [a, b] = [buf(dt, ad), buf(dt, bd)];
      const out = B.alloc("bool", n);
      for (const op of Object.keys(CMP) as CompareOp[]) {
        for (const [sa, sb] of [
          [1, 1],
          [1, 0],
          [0, 1],
          [0, 0],
        ]) {
          B.binary(op, a, b, out, [n], [sa], [sb]);
          const want = ad.map((_, i) => CMP[op](ad[i * sa], bd[i * sb]));
          expect(
            closeness(read(out), want, { rtol: 0, atol: 0 }).message,
            `${dt} ${op} ${sa}${sb}`,
          ).toBeNull();
        }
      }
      const cd = rand(n, 13).map((v) => +(v > 0));
      const c = buf("bool", cd);
      const w = B.alloc(dt, n);
      B.where(c, a, b, w, [n], [1], [1], [1]);
      expect(
        closeness(
          read(w),
          cd.map((v, i) => (v ? ad[i] : bd[i])),
          { rtol: 0, atol: 0 },
        ).message,
      ).toBeNull();
      for (const x of [a, b, out, c, w]) B.free(x);
    }
  });
});

describe("wasm cast, fill, copy", () => {
  it("cast between f32, i32 and bool", () => {
    const f = buf("f32", [0, -0, 1.7, -1.7, 2.5, NaN, 1e10, -1e10, 0.25]);
    const i = B.alloc("i32", 9);
    const b = B.alloc("bool", 9);
    B.cast(f, i);
    expect(read(i)).toEqual([0, 0, 1, -1, 2, 0, 2147483647, -2147483648, 0]);
    B.cast(f, b);
    expect(read(b)).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 1]);
    const f2 = B.alloc("f32", 9);
    B.cast(b, f2);
    expect(read(f2)).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 1]);
    B.cast(i, f2);
    expect(read(f2)).toEqual([0, 0, 1, -1, 2, 0, 2147483648, -2147483648, 0]);
    B.cast(i, b);
    expect(read(b)).toEqual([0, 0, 1, 1, 1, 0, 1, 1, 0]);
    const i2 = B.alloc("i32", 9);
    B.cast(b, i2);
    expect(read(i2)).toEqual([0, 0, 1, 1, 1, 0, 1, 1, 0]);
    B.cast(f, f2);
    expect(read(f2)).toEqual(read(f));
  });

  it("fill and write per dtype", () => {
    for (const n of [0, 1, 3, 4, 5, 17]) {
      const f = B.alloc("f32", n);
      B.fill(f, 1.5);
      expect(read(f)).toEqual(new Array(n).fill(1.5));
      const i = B.alloc("i32", n);
      B.fill(i, -3);
      expect(read(i)).toEqual(new Array(n).fill(-3));
      const b = B.alloc("bool", n);
      B.fill(b, 2);
      expect(read(b)).toEqual(new Array(n).fill(1));
      B.write(b, new Array(n).fill(0.5));
      expect(read(b)).toEqual(new Array(n).fill(1));
    }
    expect(() => B.alloc("f64", 3)).toThrow(/f64/);
  });

  it("strided copy: transpose, negative-step slices, broadcast", () => {
    fc.assert(
      fc.property(
        shapeArb,
        fc.integer({ min: 1, max: 1 << 30 }),
        fc.constantFrom("f32", "i32", "bool"),
        (shape, seed, dt) => {
          const r = shape.length;
          const steps = rand(r, seed, -3, 3).map((v) => Math.round(v) || 1);
          const bcast = rand(r, seed + 3).map((v) => v > 0.6);
          // x: a larger source with steps (possibly negative) and broadcast axes
          const span = shape.map((n, d) =>
            n === 0 ? 0 : bcast[d] ? 1 : (n - 1) * Math.abs(steps[d]) + 1,
          );
          const srcStrides = stridesOf(span);
          const xStrides = shape.map((_, d) => (bcast[d] ? 0 : srcStrides[d] * steps[d]));
          const xOffset = shape.reduce(
            (s, n, d) => s + (xStrides[d] < 0 ? -xStrides[d] * (n - 1) : 0),
            0,
          );
          const xSize = span.reduce((a, b) => a * b, 1);
          const xd = rand(xSize, seed + 1, -50, 50).map((v) =>
            dt === "bool" ? +(v > 0) : Math.round(v),
          );
          // out: a permuted layout at an offset
          const order = rand(r, seed + 2)
            .map((v, i) => [v, i])
            .sort((p, q) => p[0] - q[0])
            .map((p) => p[1]);
          const outStrides = new Array<number>(r).fill(0);
          let acc = 1;
          for (let q = r - 1; q >= 0; q--) {
            outStrides[order[q]] = acc;
            acc *= shape[order[q]];
          }
          const x = buf(dt, xd);
          const out = B.alloc(dt, acc + 3);
          B.copy(x, xOffset, xStrides, out, 3, outStrides, shape);
          const want = new Array<number>(acc + 3).fill(0);
          forEachIndex(shape, (idx) => {
            const xi = idx.reduce((s, i, d) => s + i * xStrides[d], xOffset);
            const oi = idx.reduce((s, i, d) => s + i * outStrides[d], 3);
            want[oi] = xd[xi];
          });
          const m = closeness(read(out), want, { rtol: 0, atol: 0 }).message;
          B.free(x);
          B.free(out);
          expect(m).toBeNull();
        },
      ),
      { numRuns: 200 },
    );
  });
});
