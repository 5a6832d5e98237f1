/**
 * `lstsq`: least squares by Householder QR, in float64 on the host — the closed-form fit of a
 * linear regression. Not differentiable and not traceable.
 * @module
 */
import { fmt, ShapeError } from "../shape/errors.js";
import type { AnyTensor as T, Tensor } from "../tensor/tensor.js";
import { fromMat, type Mat, resultDtype, toMat } from "./host.js";

/**
 * The dtype of a result computed from float inputs `DA` and `DB`: f64 if either is, f32 if both
 * are (both possible while an input's dtype is not known).
 * @example
 * ```ts
 * type D = FloatResult<"f32", "f64">; // "f64"
 * ```
 */
export type FloatResult<DA extends "f32" | "f64", DB extends "f32" | "f64"> = [DA] extends ["f32"]
  ? DB
  : [DA] extends ["f64"]
    ? "f64"
    : "f32" | "f64";

/** The result of `lstsq`. */
export interface LstsqResult<X extends T = T> {
  /** The minimizer of ‖a·x − b‖², shaped `[N]` or `[N, K]` like `b`'s columns. */
  x: X;
  /** The sum of squared residuals of each column of `b` (`[K]`, or one number for a vector `b`). */
  residuals: number[];
  /** The numerical rank of `a` (equal to N: rank-deficient input throws). */
  rank: number;
}

/**
 * The least-squares solution of `a · x ≈ b` for `a` of shape `[M, N]` with M ≥ N and full column
 * rank, and `b` of shape `[M]` or `[M, K]`, by Householder QR in float64: `x = R⁻¹ Qᵀ b`, which
 * is better conditioned than the normal equation `(aᵀa)⁻¹aᵀb` (the same minimizer). Throws a
 * `ShapeError` for mis-shaped or rank-deficient `a`. Not differentiable, not traceable.
 * @example
 * ```ts
 * const a = tg.tensor([[1, 0], [1, 1], [1, 2]]);        // a column of ones for the intercept
 * tg.linalg.lstsq(a, tg.tensor([1, 3, 5])).x.toArray();  // [1, 2]: y = 1 + 2x
 * ```
 */
export function lstsq<
  M extends number,
  N extends number,
  DA extends "f32" | "f64" = "f32",
  DB extends "f32" | "f64" = "f32",
>(
  a: Tensor<readonly [M, N], DA>,
  b: Tensor<readonly [M], DB>,
): LstsqResult<Tensor<readonly [N], FloatResult<DA, DB>>>;
export function lstsq<
  M extends number,
  N extends number,
  K extends number,
  DA extends "f32" | "f64" = "f32",
  DB extends "f32" | "f64" = "f32",
>(
  a: Tensor<readonly [M, N], DA>,
  b: Tensor<readonly [M, K], DB>,
): LstsqResult<Tensor<readonly [N, K], FloatResult<DA, DB>>>;
export function lstsq(a: T, b: T): LstsqResult;
export function lstsq(a: T, b: T): LstsqResult {
  const A = toMat("lstsq", a, "a").m;
  const { m: B, vector } = toMat("lstsq", b, "b", true);
  const { rows: m, cols: n } = A;
  if (B.rows !== m)
    throw new ShapeError("lstsq", `a ${fmt(a.shape)} and b ${fmt(b.shape)}: b needs ${m} rows`);
  if (n === 0 || m < n)
    throw new ShapeError(
      "lstsq",
      `a ${fmt(a.shape)} needs at least as many rows as columns (and one column)`,
    );
  const k = B.cols;
  const R = Float64Array.from(A.data);
  const QtB = Float64Array.from(B.data);
  let scale = 0;
  for (const v of R) scale = Math.max(scale, Math.abs(v));
  const tol = Math.max(scale, 1e-300) * Math.max(m, n) * Number.EPSILON * 16;
  const v = new Float64Array(m);
  for (let j = 0; j < n; j++) {
    // Householder vector for column j, rows j..m-1
    let norm = 0;
    for (let i = j; i < m; i++) norm += R[i * n + j] ** 2;
    norm = Math.sqrt(norm);
    if (!(norm > tol))
      throw new ShapeError(
        "lstsq",
        `a ${fmt(a.shape)} is rank-deficient: column ${j} depends on the columns before it (rank < ${n})`,
      );
    const alpha = R[j * n + j] > 0 ? -norm : norm;
    for (let i = j; i < m; i++) v[i] = R[i * n + j];
    v[j] -= alpha;
    let vv = 0;
    for (let i = j; i < m; i++) vv += v[i] * v[i];
    if (vv === 0) continue;
    const reflect = (M: Float64Array, cols: number, from: number) => {
      for (let c = from; c < cols; c++) {
        let s = 0;
        for (let i = j; i < m; i++) s += v[i] * M[i * cols + c];
        const f = (2 * s) / vv;
        for (let i = j; i < m; i++) M[i * cols + c] -= f * v[i];
      }
    };
    reflect(R, n, j);
    reflect(QtB, k, 0);
  }
  for (let j = 0; j < n; j++) {
    if (!(Math.abs(R[j * n + j]) > tol))
      throw new ShapeError("lstsq", `a ${fmt(a.shape)} is rank-deficient (rank < ${n})`);
  }
  const x = new Float64Array(n * k);
  for (let c = 0; c < k; c++) {
    for (let i = n - 1; i >= 0; i--) {
      let s = QtB[i * k + c];
      for (let j = i + 1; j < n; j++) s -= R[i * n + j] * x[j * k + c];
      x[i * k + c] = s / R[i * n + i];
    }
  }
  const residuals = Array.from({ length: k }, (_, c) => {
    let s = 0;
    for (let i = n; i < m; i++) s += QtB[i * k + c] ** 2;
    return s;
  });
  const X: Mat = { rows: n, cols: k, data: x };
  return { x: fromMat(X, vector, resultDtype(a, b)), residuals, rank: n };
}
