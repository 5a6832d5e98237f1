/**
 * The singular value decomposition by one-sided Jacobi rotations (Hestenes), in float64 on the
 * host.
 * @module
 */
import { ShapeError } from "../shape/errors.js";
import type { AnyTensor as T, Tensor } from "../tensor/tensor.js";
import { fromMat, type Mat, toMat } from "./host.js";

/** The result of `svd`: `a = u · diag(s) · vt`, with K = min(M, N). */
export interface SvdResult<U extends T = T, S extends T = T, Vt extends T = T> {
  /** `[M, K]`, orthonormal columns: the left singular vectors. */
  u: U;
  /** `[K]`: the singular values, non-negative and in decreasing order. */
  s: S;
  /** `[K, N]`, orthonormal rows: the right singular vectors. */
  vt: Vt;
}

/** Thin SVD of an m × n matrix with m ≥ n: U (m × n), s (n), V (n × n). */
function jacobi(a: Mat): { u: Float64Array; s: Float64Array; v: Float64Array } {
  const { rows: m, cols: n } = a;
  const u = Float64Array.from(a.data);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const eps = 1e-15;
  for (let sweep = 0; sweep < 80; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const x = u[i * n + p];
          const y = u[i * n + q];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= eps * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        // the rotation that makes columns p and q orthogonal
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const x = u[i * n + p];
          const y = u[i * n + q];
          u[i * n + p] = c * x - s * y;
          u[i * n + q] = s * x + c * y;
        }
        for (let i = 0; i < n; i++) {
          const x = v[i * n + p];
          const y = v[i * n + q];
          v[i * n + p] = c * x - s * y;
          v[i * n + q] = s * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  // singular values are the column norms; sort them in decreasing order
  const norms = Array.from({ length: n }, (_, j) => {
    let s = 0;
    for (let i = 0; i < m; i++) s += u[i * n + j] ** 2;
    return Math.sqrt(s);
  });
  const order = norms.map((_, j) => j).sort((x, y) => norms[y] - norms[x]);
  const sv = Float64Array.from(order, (j) => norms[j]);
  const uo = new Float64Array(m * n);
  const vo = new Float64Array(n * n);
  const tol = (sv[0] || 0) * Math.max(m, n) * 2.2e-16;
  order.forEach((j, k) => {
    for (let i = 0; i < n; i++) vo[i * n + k] = v[i * n + j];
    if (sv[k] > tol) for (let i = 0; i < m; i++) uo[i * n + k] = u[i * n + j] / sv[k];
  });
  // columns of u for (numerically) zero singular values: complete to an orthonormal set
  for (let k = 0; k < n; k++) {
    if (sv[k] > tol) continue;
    for (let e = 0; e < m; e++) {
      const col = new Float64Array(m);
      col[e] = 1;
      for (let r = 0; r < 2; r++) {
        for (let j = 0; j < n; j++) {
          if (j === k || (j > k && sv[j] <= tol)) continue;
          let d = 0;
          for (let i = 0; i < m; i++) d += uo[i * n + j] * col[i];
          for (let i = 0; i < m; i++) col[i] -= d * uo[i * n + j];
        }
      }
      const nrm = Math.sqrt(col.reduce((acc, x) => acc + x * x, 0));
      if (nrm > 0.5) {
        for (let i = 0; i < m; i++) uo[i * n + k] = col[i] / nrm;
        break;
      }
    }
  }
  return { u: uo, s: sv, v: vo };
}

const transposed = (a: Mat): Mat => {
  const data = new Float64Array(a.rows * a.cols);
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < a.cols; j++) data[j * a.rows + i] = a.data[i * a.cols + j];
  return { rows: a.cols, cols: a.rows, data };
};

/**
 * The thin singular value decomposition `a = u · diag(s) · vt` of a matrix `[M, N]`, with
 * K = min(M, N): `u` `[M, K]` and `vt` `[K, N]` have orthonormal columns and rows, `s` `[K]` is
 * non-negative and decreasing (numpy's `svd(a, full_matrices=False)`). One-sided Jacobi rotations
 * in float64, accurate to a few ulps of the largest singular value. Signs of singular vector pairs
 * are not normalised. Not differentiable, not traceable.
 * @example
 * ```ts
 * const { u, s, vt } = tg.linalg.svd(tg.tensor([[3, 0], [0, -2], [0, 0]]));
 * s.toArray(); // [3, 2]
 * ```
 */
export function svd<M extends number, N extends number>(
  a: Tensor<readonly [M, N], "f32" | "f64">,
): SvdResult<Tensor<[M, number], "f32">, Tensor<[number], "f32">, Tensor<[number, N], "f32">>;
export function svd(a: T): SvdResult;
export function svd(a: T): SvdResult {
  const { m } = toMat("svd", a, "a");
  if (m.rows === 0 || m.cols === 0)
    throw new ShapeError("svd", `a must not be empty, got shape [${m.rows}, ${m.cols}]`);
  for (const x of m.data)
    if (!Number.isFinite(x)) throw new ShapeError("svd", `a holds a non-finite value (${x})`);
  const dtype = a.dtype;
  const wide = m.rows < m.cols;
  const k = Math.min(m.rows, m.cols);
  // scaled by its largest magnitude (so that squares neither overflow nor underflow); for a wide
  // matrix, decompose aᵀ = v s uᵀ and swap the factors
  let big = 0;
  for (const x of m.data) big = Math.max(big, Math.abs(x));
  const scaled: Mat = { ...m, data: big > 0 ? m.data.map((x) => x / big) : m.data };
  const r = jacobi(wide ? transposed(scaled) : scaled);
  if (big > 0) for (let i = 0; i < r.s.length; i++) r.s[i] *= big;
  const left: Mat = { rows: wide ? m.cols : m.rows, cols: k, data: r.u };
  const right: Mat = { rows: k, cols: k, data: r.v };
  const uMat = wide ? right : left;
  const vMat = wide ? left : right; // columns are the right singular vectors
  return {
    u: fromMat(uMat, false, dtype),
    s: fromMat({ rows: k, cols: 1, data: r.s }, true, dtype),
    vt: fromMat(transposed(vMat), false, dtype),
  };
}
