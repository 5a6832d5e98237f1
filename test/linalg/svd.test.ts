/** linalg.svd on random, rank-deficient, tall and wide matrices: reconstruction and orthogonality in float64; errors. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import "../../src/index.js";
import * as linalg from "../../src/linalg/index.js";
import { constant } from "../../src/prims/constants.js";
import { reduceSum } from "../../src/prims/reduce.js";
import { ShapeError } from "../../src/shape/errors.js";
import { grad } from "../../src/transforms/grad.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";

/** An m × n matrix of entries in [-1, 1], optionally with its last column a copy of the first (rank-deficient). */
const arbMatrix = fc
  .record({
    m: fc.integer({ min: 1, max: 7 }),
    n: fc.integer({ min: 1, max: 7 }),
    dup: fc.boolean(),
  })
  .chain(({ m, n, dup }) =>
    fc
      .array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: m * n, maxLength: m * n })
      .map((a) => {
        if (dup && n > 1) for (let i = 0; i < m; i++) a[i * n + n - 1] = a[i * n];
        return { m, n, a };
      }),
  );

/** Checks a = u·diag(s)·vt, uᵀu = I, vt·vtᵀ = I, s ≥ 0 decreasing, in float64 on the host. */
function check(
  m: number,
  n: number,
  a: readonly number[],
  r: { u: T; s: T; vt: T },
  tol: number,
): void {
  const k = Math.min(m, n);
  expect(r.u.shape).toEqual([m, k]);
  expect(r.s.shape).toEqual([k]);
  expect(r.vt.shape).toEqual([k, n]);
  const u = r.u.dataSync();
  const s = r.s.dataSync();
  const vt = r.vt.dataSync();
  for (let j = 0; j < k; j++) {
    expect(s[j]).toBeGreaterThanOrEqual(0);
    if (j > 0) expect(s[j]).toBeLessThanOrEqual(s[j - 1] + tol);
  }
  const scale = Math.max(1, s[0]);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let x = 0;
      for (let l = 0; l < k; l++) x += u[i * k + l] * s[l] * vt[l * n + j];
      expect(Math.abs(x - a[i * n + j])).toBeLessThanOrEqual(tol * scale);
    }
  for (let p = 0; p < k; p++)
    for (let q = 0; q < k; q++) {
      let uu = 0;
      let vv = 0;
      for (let i = 0; i < m; i++) uu += u[i * k + p] * u[i * k + q];
      for (let j = 0; j < n; j++) vv += vt[p * n + j] * vt[q * n + j];
      expect(Math.abs(uu - (p === q ? 1 : 0))).toBeLessThanOrEqual(tol);
      expect(Math.abs(vv - (p === q ? 1 : 0))).toBeLessThanOrEqual(tol);
    }
}

describe("linalg.svd", () => {
  test("reconstructs random matrices with orthonormal factors (f64: 1e-12, f32: 1e-5)", () => {
    fc.assert(
      fc.property(arbMatrix, ({ m, n, a }) => {
        check(m, n, a, linalg.svd(constant(a, [m, n], "f64")), 1e-12);
        check(m, n, a, linalg.svd(constant(a, [m, n], "f32")), 1e-5);
      }),
      { numRuns: 150 },
    );
  });

  test("singular values are the square roots of the eigenvalues of aᵀa: a diagonal and a rank-1 case", () => {
    expect(
      Array.from(linalg.svd(constant([3, 0, 0, -2, 0, 0], [3, 2], "f64")).s.dataSync()),
    ).toEqual([3, 2]);
    // the outer product of [1, 2, 2] and [3, 4]: one singular value 3·5 = 15, the other 0
    const s = linalg.svd(constant([3, 4, 6, 8, 6, 8], [3, 2], "f64")).s.dataSync();
    expect(s[0]).toBeCloseTo(15, 12);
    expect(Math.abs(s[1])).toBeLessThan(1e-12);
  });

  test("the zero matrix: s = 0 and u still orthonormal", () => {
    const r = linalg.svd(constant(new Array(12).fill(0), [4, 3], "f64"));
    check(4, 3, new Array(12).fill(0), r, 1e-12);
  });

  test("bad input is a ShapeError naming svd", () => {
    expect(() => linalg.svd(constant([1, 2, 3], [3], "f32") as never)).toThrow(ShapeError);
    expect(() => linalg.svd(constant([1, 2, 3], [3], "f32") as never)).toThrow(/svd/);
    expect(() => linalg.svd(constant([1, Number.NaN], [1, 2], "f32"))).toThrow(/non-finite/);
    expect(() => linalg.svd(constant([1, 2], [1, 2], "i32") as never)).toThrow(/f32 or f64/);
    expect(() =>
      grad((x: T) => reduceSum(linalg.svd(x).s))(constant([1, 2, 3, 4], [2, 2], "f32")),
    ).toThrow(/traced value/);
  });
});
