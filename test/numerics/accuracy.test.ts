/**
 * The accuracy docs/numerics.md states against float64, measured: the wasm float32 kernels against
 * the reference backend run in float64, on fixed pseudo-random inputs (so the measured worst case
 * is the same on every run). One table drives the transcendental functions.
 */
import { afterAll, describe, expect, it } from "vitest";
import * as tg from "../../src/index.js";
import { getBackend, setBackend } from "../../src/backend/registry.js";

const before = getBackend();
afterAll(() => setBackend(before));

/** A linear congruential generator: the same inputs on every run. */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

/** One float32 ulp at `v` (the subnormal spacing below the smallest normal). */
const ulp = (v: number) => {
  const a = Math.abs(v);
  return a < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(a)) - 23);
};

/** Each function, the inputs it is measured on, and the stated bound in ulp. */
const TRANSCENDENTAL: [string, (u: number) => number, number][] = [
  ["exp", (u) => -87 + 175 * u, 1],
  ["log", (u) => Math.exp(-69 + 138 * u), 1],
  ["tanh", (u) => -10 + 20 * u, 2],
  ["sigmoid", (u) => -80 + 160 * u, 3],
  ["sin", (u) => -100 + 200 * u, 1],
  ["cos", (u) => -100 + 200 * u, 1],
  ["erf", (u) => -5 + 10 * u, 1],
  ["softplus", (u) => -80 + 160 * u, 1],
];

describe("wasm float32 against float64", () => {
  const n = 50_000;
  for (const [op, input, bound] of TRANSCENDENTAL) {
    it(`${op}: within ${bound} ulp of the float64 result on ${n} inputs`, () => {
      const u = uniform(op.length * 7919);
      const xs = Float32Array.from({ length: n }, () => input(u()));
      setBackend("wasm");
      const got = (tg as any)[op](tg.fromArray(xs, [n])).dataSync() as Float32Array;
      setBackend("reference");
      const want = (tg as any)[op](tg.fromArray(Float64Array.from(xs), [n], "f64")).dataSync();
      let worst = 0;
      for (let i = 0; i < n; i++) {
        if (Math.abs(want[i]) < 2 ** -126) continue; // below the smallest normal: flushed (docs)
        worst = Math.max(worst, Math.abs(got[i] - want[i]) / ulp(want[i]));
      }
      expect(worst).toBeLessThanOrEqual(bound);
    });
  }

  it("sum: within ε·Σ|x| of the float64 sum (ε = 2⁻²⁴), for 10³ to 10⁶ terms", () => {
    setBackend("wasm");
    const u = uniform(3);
    for (const n of [1_000, 100_000, 1_000_000]) {
      const xs = Float32Array.from({ length: n }, () => 2 * u() - 1);
      const got = tg.sum(tg.fromArray(xs, [n])).item();
      let exact = 0;
      let abs = 0;
      for (const v of xs) {
        exact += v;
        abs += Math.abs(v);
      }
      expect(Math.abs(got - exact)).toBeLessThanOrEqual(2 ** -24 * abs);
    }
  });

  it("matmul: each entry within 4·ε·Σ|aᵢbᵢ| of the float64 product, k up to 4096", () => {
    setBackend("wasm");
    const u = uniform(5);
    for (const k of [64, 512, 4096]) {
      const [m, p] = [16, 16];
      const a = Float32Array.from({ length: m * k }, () => 2 * u() - 1);
      const b = Float32Array.from({ length: k * p }, () => 2 * u() - 1);
      const c = tg.matmul(tg.fromArray(a, [m, k]), tg.fromArray(b, [k, p])).dataSync();
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < p; j++) {
          let exact = 0;
          let abs = 0;
          for (let t = 0; t < k; t++) {
            const q = a[i * k + t] * b[t * p + j];
            exact += q;
            abs += Math.abs(q);
          }
          expect(Math.abs(c[i * p + j] - exact)).toBeLessThanOrEqual(4 * 2 ** -24 * abs);
        }
      }
    }
  });
});
