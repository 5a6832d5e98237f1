import { describe, expect, it } from "vitest";
import type { UnaryOp } from "../../src/backend/backend.js";
import { wasmBackend as B } from "../../src/backend/wasm/backend.js";
import { buf, erf64, rand, read } from "./wasm-util.js";
import { closeness } from "../util/close.js";

const logistic = (x: number) => 1 / (1 + Math.exp(-x));
/** Independent float64 oracles of the ops checked below (a new op is covered by kernels.test.ts). */
const ORACLE = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  logistic,
  sqrt: Math.sqrt,
  abs: Math.abs,
  sign: Math.sign,
  floor: Math.floor,
  erf: erf64,
} satisfies { readonly [K in UnaryOp]?: (x: number) => number };

const SPECIAL = [
  0,
  -0,
  1,
  -1,
  1000,
  -1000,
  Infinity,
  -Infinity,
  NaN,
  1e-30,
  -1e-30,
  1e-45,
  88.7,
  88.8,
  -103,
  -104,
  -110,
];
const WIDE = [
  ...SPECIAL,
  ...rand(2000, 1, -10, 10),
  ...rand(1000, 2, -100, 100),
  ...rand(500, 3, -1000, 1000),
  ...rand(200, 4, -1e-3, 1e-3),
  ...rand(200, 5, 0, 1).map((u) => Math.fround(Math.exp(u * 170 - 85))),
  ...rand(200, 6, 0, 1).map((u) => -Math.fround(Math.exp(u * 170 - 85))),
  3.4e38,
  -3.4e38,
  1e10,
  123456789,
  -1e20,
  2 ** 30,
  1.5707963705062866,
  3.1415927410125732,
];

/** The float32 result of a float64 oracle, with the tolerance the kernels promise. */
function check(op: keyof typeof ORACLE, xs: number[], rel: number, abs = 0): void {
  const x = buf("f32", xs);
  const y = B.alloc("f32", xs.length);
  B.unary(op, x, y);
  const xf = read(x);
  const want = xf.map((v) => Math.fround(ORACLE[op](v)));
  const r = closeness(read(y), want, { rtol: rel, atol: abs });
  expect(r.message, `${op}: ${r.message} for x = ${r.worst ? xf[r.worst.index] : ""}`).toBeNull();
  B.free(x);
  B.free(y);
}

describe("wasm unary f32 vs Math.*", () => {
  it("exact ops: neg abs sign floor sqrt", () => {
    for (const op of ["neg", "abs", "sign", "floor", "sqrt"] as const) check(op, WIDE, 0);
  });
  it("exp and logistic flush results below the smallest normal f32 to 0 (no subnormals)", () => {
    const xs = [-87, -87.3, -87.4, -88, -95, -103.9, -104, -200];
    for (const op of ["exp", "logistic"] as const) {
      for (const n of [xs.length, 1]) {
        const x = buf("f32", xs.slice(0, n));
        const y = B.alloc("f32", n);
        B.unary(op, x, y);
        read(y).forEach((v, i) => {
          const want = Math.fround(ORACLE[op](xs[i]));
          if (want < 2 ** -126) expect(v, `${op}(${xs[i]})`).toBe(0);
          else expect(Math.abs(v - want), `${op}(${xs[i]})`).toBeLessThanOrEqual(1e-5 * want);
        });
      }
    }
  });
  it("exp, log within 2 ulp", () => {
    check("exp", WIDE, 2 ** -22, 2 ** -126); // results below the smallest normal flush to 0
    check("log", WIDE, 2 ** -22);
  });
  it("tanh and logistic within a few ulp, saturating at ±1000", () => {
    check("tanh", WIDE, 2 ** -22);
    check("logistic", WIDE, 2 ** -22, 2 ** -126);
  });
  it("sin and cos within 2 ulp for every finite f32, including huge arguments", () => {
    const huge = rand(2000, 7, 0, 1).map((u) =>
      Math.fround((u < 0.5 ? -1 : 1) * 2 ** (u * 254 - 127)),
    );
    check("sin", [...WIDE, ...huge], 2 ** -22, 1e-44);
    check("cos", [...WIDE, ...huge], 2 ** -22, 1e-44);
  });
  it("erf within 1e-6", () => {
    check("erf", [...WIDE, ...rand(2000, 8, -5, 5)], 1e-6, 1e-7);
  });
  it("saturation and special values", () => {
    const x = buf("f32", [1000, -1000, Infinity, -Infinity, NaN]);
    const y = B.alloc("f32", 5);
    B.unary("exp", x, y);
    expect(read(y)).toEqual([Infinity, 0, Infinity, 0, NaN]);
    B.unary("tanh", x, y);
    expect(read(y)).toEqual([1, -1, 1, -1, NaN]);
    B.unary("logistic", x, y);
    expect(read(y)).toEqual([1, 0, 1, 0, NaN]);
  });
  it("sizes 0, 1, primes and non-multiples of 4; in place", () => {
    for (const n of [0, 1, 2, 3, 5, 7, 13, 31, 97]) check("exp", rand(n, n, -5, 5), 2 ** -22);
    const x = buf("f32", [1, 2, 3, 4, 5]);
    B.unary("neg", x, x);
    expect(read(x)).toEqual([-1, -2, -3, -4, -5]);
  });
  it("i32 neg abs sign", () => {
    const x = buf("i32", [0, 5, -7, 2147483647, -2147483648]);
    const y = B.alloc("i32", 5);
    B.unary("neg", x, y);
    expect(read(y)).toEqual([0, -5, 7, -2147483647, -2147483648]);
    B.unary("abs", x, y);
    expect(read(y)).toEqual([0, 5, 7, 2147483647, -2147483648]);
    B.unary("sign", x, y);
    expect(read(y)).toEqual([0, 1, -1, 1, -1]);
    expect(() => B.unary("exp", x, y)).toThrow();
  });
});

describe("wasm pow f32 vs Math.pow", () => {
  it("agrees on a grid of specials and random values", () => {
    const base = [0, -0, 1, -1, 2, -2, 0.5, -0.5, 10, Infinity, -Infinity, NaN, 1e-20, 3.7, -3.7];
    const exps = [0, -0, 1, -1, 2, 3, -3, 0.5, -0.5, 2.5, Infinity, -Infinity, NaN, 100, -100, 31];
    const xs: number[] = [];
    const ys: number[] = [];
    for (const a of base) {
      for (const b of exps) {
        xs.push(a);
        ys.push(b);
      }
    }
    const ra = rand(1000, 9, 0, 20);
    const rb = rand(1000, 10, -30, 30);
    xs.push(...ra);
    ys.push(...rb);
    const a = buf("f32", xs);
    const b = buf("f32", ys);
    const y = B.alloc("f32", xs.length);
    B.binary("pow", a, b, y, [xs.length], [1], [1]);
    const bf = read(b);
    const want = read(a).map((v, i) => Math.fround(v ** bf[i]));
    expect(closeness(read(y), want, { rtol: 2 ** -21, atol: 1e-45 }).message).toBeNull();
  });
});
