/**
 * `solve` and `inv` by LU decomposition with partial pivoting, in float64 on the host.
 * Not differentiable and not traceable: call them on concrete tensors, outside `grad`/`jit`.
 * @module
 */
import { ShapeError, fmt } from "../shape/errors.js";
import type { AnyTensor as T, Tensor } from "../tensor/tensor.js";
import { fromMat, type Mat, resultDtype, toMat } from "./host.js";

/**
 * LU of a square matrix (Doolittle, partial pivoting), on a copy; throws on a singular matrix.
 * @example
 * ```ts
 * const { lu, perm } = luFactor("solve", { rows: 2, cols: 2, data: Float64Array.of(2, 1, 1, 3) });
 * ```
 */
export function luFactor(op: string, a: Mat): { lu: Float64Array; perm: Int32Array } {
  const n = a.rows;
  const lu = Float64Array.from(a.data);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  let scale = 0;
  for (const v of lu) scale = Math.max(scale, Math.abs(v));
  const tol = scale * n * Number.EPSILON * 8;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(lu[i * n + k]) > Math.abs(lu[p * n + k])) p = i;
    if (!(Math.abs(lu[p * n + k]) > tol)) {
      throw new ShapeError(
        op,
        `the ${n}×${n} matrix is singular (or numerically so): no pivot in column ${k}`,
      );
    }
    if (p !== k) {
      for (let j = 0; j < n; j++) [lu[k * n + j], lu[p * n + j]] = [lu[p * n + j], lu[k * n + j]];
      [perm[k], perm[p]] = [perm[p], perm[k]];
    }
    const d = lu[k * n + k];
    for (let i = k + 1; i < n; i++) {
      const f = (lu[i * n + k] /= d);
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) lu[i * n + j] -= f * lu[k * n + j];
    }
  }
  return { lu, perm };
}

/** Solves `LU x = P b` for every column of `b`. */
function luSolve(lu: Float64Array, perm: Int32Array, n: number, b: Mat): Mat {
  const k = b.cols;
  const x = new Float64Array(n * k);
  for (let c = 0; c < k; c++) {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = b.data[perm[i] * k + c];
      for (let j = 0; j < i; j++) s -= lu[i * n + j] * y[j];
      y[i] = s;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i];
      for (let j = i + 1; j < n; j++) s -= lu[i * n + j] * x[j * k + c];
      x[i * k + c] = s / lu[i * n + i];
    }
  }
  return { rows: n, cols: k, data: x };
}

function square(op: string, a: Mat): void {
  if (a.rows !== a.cols)
    throw new ShapeError(op, `the matrix must be square, got ${fmt([a.rows, a.cols])}`);
  if (a.rows === 0) throw new ShapeError(op, "the matrix is empty");
}

/**
 * The solution `x` of `a · x = b`, for a square, non-singular `a` (`[N, N]`) and `b` of shape
 * `[N]` or `[N, K]`. Computed in float64 by LU with partial pivoting; the result has the inputs'
 * dtype (f64 if either is). Throws a `ShapeError` for mis-shaped or singular input. Not
 * differentiable, not traceable.
 * @example
 * ```ts
 * tg.linalg.solve(tg.tensor([[2, 1], [1, 3]]), tg.tensor([3, 5])).toArray(); // [0.8, 1.4]
 * ```
 */
export function solve<N extends number, R extends readonly [N] | readonly [N, number]>(
  a: Tensor<readonly [N, N], "f32" | "f64">,
  b: Tensor<R, "f32" | "f64">,
): Tensor<R, "f32">;
export function solve(a: T, b: T): T;
export function solve(a: T, b: T): T {
  const A = toMat("solve", a, "a").m;
  square("solve", A);
  const { m: B, vector } = toMat("solve", b, "b", true);
  if (B.rows !== A.rows)
    throw new ShapeError(
      "solve",
      `a ${fmt(a.shape)} and b ${fmt(b.shape)}: b needs ${A.rows} rows`,
    );
  const { lu, perm } = luFactor("solve", A);
  return fromMat(luSolve(lu, perm, A.rows, B), vector, resultDtype(a, b));
}

/**
 * The inverse of a square, non-singular matrix, in float64 by LU with partial pivoting. Prefer
 * `solve` for systems. Throws a `ShapeError` for non-square or singular input. Not differentiable,
 * not traceable.
 * @example
 * ```ts
 * tg.linalg.inv(tg.tensor([[4, 7], [2, 6]])).toArray(); // [[0.6, -0.7], [-0.2, 0.4]]
 * ```
 */
export function inv<N extends number>(
  a: Tensor<readonly [N, N], "f32" | "f64">,
): Tensor<readonly [N, N], "f32">;
export function inv(a: T): T;
export function inv(a: T): T {
  const A = toMat("inv", a, "a").m;
  square("inv", A);
  const n = A.rows;
  const { lu, perm } = luFactor("inv", A);
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  return fromMat(luSolve(lu, perm, n, { rows: n, cols: n, data: eye }), false, a.dtype);
}

/**
 * The determinant of a square matrix (0 for a singular one), in float64.
 * @example
 * ```ts
 * tg.linalg.det(tg.tensor([[1, 2], [3, 4]])); // -2
 * ```
 */
export function det(a: T): number {
  const A = toMat("det", a, "a").m;
  square("det", A);
  try {
    const { lu, perm } = luFactor("det", A);
    let d = 1;
    const n = A.rows;
    for (let i = 0; i < n; i++) d *= lu[i * n + i];
    // the sign of the permutation
    const seen = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      if (seen[i]) continue;
      let len = 0;
      for (let j = i; !seen[j]; j = perm[j]) {
        seen[j] = 1;
        len++;
      }
      if (len % 2 === 0) d = -d;
    }
    return d;
  } catch (e) {
    if (e instanceof ShapeError) return 0;
    throw e;
  }
}
