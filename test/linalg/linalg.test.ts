/** linalg on random well-conditioned systems, checked by substitution in float64; errors. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import "../../src/index.js";
import * as linalg from "../../src/linalg/index.js";
import { constant } from "../../src/prims/constants.js";
import { ShapeError } from "../../src/shape/errors.js";
import { grad } from "../../src/transforms/grad.js";
import { reduceSum } from "../../src/prims/reduce.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { expectClose } from "../util/close.js";

const arbEntries = (n: number) =>
  fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n, maxLength: n });
/** An n×n matrix made diagonally dominant (so well conditioned), and a right-hand side. */
const arbSystem = fc.integer({ min: 1, max: 6 }).chain((n) =>
  fc
    .record({ n: fc.constant(n), a: arbEntries(n * n), b: arbEntries(n * 2) })
    .map(({ n, a, b }) => {
      for (let i = 0; i < n; i++) a[i * n + i] += n * Math.sign(a[i * n + i] || 1) + 0.5;
      return { n, a, b };
    }),
);

const matmulHost = (
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
): number[] => {
  const out = new Array(m * n).fill(0);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++)
      for (let l = 0; l < k; l++) out[i * n + j] += a[i * k + l] * b[l * n + j];
  return out;
};

describe("solve and inv", () => {
  test("a · solve(a, b) = b (matrix and vector b, f64)", () => {
    fc.assert(
      fc.property(arbSystem, ({ n, a, b }) => {
        const A = constant(a, [n, n], "f64");
        const x = linalg.solve(A, constant(b, [n, 2], "f64"));
        expect(x.shape).toEqual([n, 2]);
        expect(x.dtype).toBe("f64");
        expectClose(matmulHost(a, x.dataSync(), n, n, 2), b, { tol: 1e-10 });
        const xv = linalg.solve(A, constant(b.slice(0, n), [n], "f64"));
        expect(xv.shape).toEqual([n]);
        expectClose(matmulHost(a, xv.dataSync(), n, n, 1), b.slice(0, n), { tol: 1e-10 });
      }),
      { numRuns: 40 },
    );
  });
  test("a · inv(a) = I, and det matches the product of eigen-free formulas for 2×2", () => {
    fc.assert(
      fc.property(arbSystem, ({ n, a }) => {
        const Ai = linalg.inv(constant(a, [n, n], "f64"));
        const eye = Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));
        expectClose(matmulHost(a, Ai.dataSync(), n, n, n), eye, { tol: 1e-10 });
      }),
      { numRuns: 40 },
    );
    expect(linalg.det(constant([1, 2, 3, 4], [2, 2], "f64"))).toBeCloseTo(-2, 12);
    expect(linalg.det(constant([0, 1, 1, 0], [2, 2], "f64"))).toBeCloseTo(-1, 12);
    expect(linalg.det(constant([1, 2, 2, 4], [2, 2], "f64"))).toBe(0);
  });
  test("worked example in f32", () => {
    const x = linalg.solve(constant([2, 1, 1, 3], [2, 2], "f32"), constant([3, 5], [2], "f32"));
    expect(x.dtype).toBe("f32");
    expectClose(x.dataSync(), [0.8, 1.4], { tol: 1e-6 });
    expectClose(
      linalg.inv(constant([4, 7, 2, 6], [2, 2], "f32")).dataSync(),
      [0.6, -0.7, -0.2, 0.4],
      { tol: 1e-6 },
    );
  });
  test("singular and mis-shaped input throw ShapeErrors that name the operation", () => {
    expect(() =>
      linalg.solve(constant([1, 2, 2, 4], [2, 2], "f64"), constant([1, 2], [2], "f64")),
    ).toThrow(/solve.*singular/);
    expect(() => linalg.inv(constant([0, 0, 0, 0], [2, 2], "f32"))).toThrow(ShapeError);
    expect(() => linalg.inv(constant([1, 2, 3, 4, 5, 6], [2, 3], "f32"))).toThrow(/square/);
    expect(() =>
      linalg.solve(constant([1, 0, 0, 1], [2, 2], "f32"), constant([1, 2, 3], [3], "f32")),
    ).toThrow(/2 rows/);
    expect(() => linalg.solve(constant([1], [1], "f32") as T, constant([1], [1], "f32"))).toThrow(
      /matrix/,
    );
    expect(() => linalg.inv(constant([1, 0, 0, 1], [2, 2], "i32"))).toThrow(/f32 or f64/);
  });
  test("not traceable: inside grad it says so", () => {
    const f = (a: T) => reduceSum(linalg.inv(a));
    expect(() => grad(f)(constant([2, 0, 0, 2], [2, 2], "f32"))).toThrow(
      /neither differentiable nor traceable/,
    );
  });
});

describe("lstsq", () => {
  const arbProblem = fc
    .record({ n: fc.integer({ min: 1, max: 4 }), extra: fc.integer({ min: 0, max: 8 }) })
    .chain(({ n, extra }) => {
      const m = n + extra;
      return fc.record({
        n: fc.constant(n),
        m: fc.constant(m),
        a: arbEntries(m * n),
        b: arbEntries(m),
      });
    })
    .map((p) => {
      for (let i = 0; i < p.n; i++) p.a[i * p.n + i] += 3; // full column rank
      return p;
    });
  test("the residual is orthogonal to the columns of a (normal equations), in f64", () => {
    fc.assert(
      fc.property(arbProblem, ({ n, m, a, b }) => {
        const r = linalg.lstsq(constant(a, [m, n], "f64"), constant(b, [m], "f64"));
        const x = r.x.dataSync();
        const ax = matmulHost(a, x, m, n, 1);
        const res = b.map((v, i) => v - ax[i]);
        const at: number[] = [];
        for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) at.push(a[i * n + j]);
        expectClose(matmulHost(at, res, n, m, 1), new Array(n).fill(0), { tol: 1e-9 });
        expectClose([r.residuals[0]], [res.reduce((s, v) => s + v * v, 0)], { tol: 1e-9 });
        expect(r.rank).toBe(n);
      }),
      { numRuns: 40 },
    );
  });
  test("fits a line exactly; matches solve on the normal equation", () => {
    const a = constant([1, 0, 1, 1, 1, 2], [3, 2], "f32");
    const r = linalg.lstsq(a, constant([1, 3, 5], [3], "f32"));
    expectClose(r.x.dataSync(), [1, 2], { tol: 1e-6 });
    expect(r.residuals[0]).toBeLessThan(1e-10);
    const b2 = constant([1, 2, 3, 2, 5, 1], [3, 2], "f32");
    const two = linalg.lstsq(a, b2);
    expect(two.x.shape).toEqual([2, 2]);
    // normal equation: (aᵀa) x = aᵀ b
    const ata = constant([3, 3, 3, 5], [2, 2], "f64");
    const atb = constant([1 + 3 + 5, 3 + 2 * 5], [2], "f64");
    expectClose(linalg.solve(ata, atb).dataSync(), [1, 2], { tol: 1e-12 });
  });
  test("rank-deficient and mis-shaped input throw", () => {
    expect(() =>
      linalg.lstsq(constant([1, 2, 2, 4, 3, 6], [3, 2], "f64"), constant([1, 2, 3], [3], "f64")),
    ).toThrow(/rank-deficient/);
    expect(() =>
      linalg.lstsq(constant([1, 2, 3, 4, 5, 6], [2, 3], "f64"), constant([1, 2], [2], "f64")),
    ).toThrow(/at least as many rows/);
    expect(() =>
      linalg.lstsq(constant([1, 2], [2, 1], "f64"), constant([1, 2, 3], [3], "f64")),
    ).toThrow(/2 rows/);
  });
});
