/**
 * `tg.linalg`: dense linear algebra on concrete tensors — `solve`, `inv`, `det` (LU with partial
 * pivoting), `lstsq` (Householder QR), the closed-form fit of linear regression, and `svd`
 * (one-sided Jacobi), the basis of PCA.
 *
 * These run **on the host in float64**: they read their inputs, and return new tensors in the
 * inputs' dtype. They are **not differentiable and not traceable** (calling them inside `grad`,
 * `jit` or `vmap` throws a `ShapeError` saying so). Singular, rank-deficient or mis-shaped input
 * throws a `ShapeError`.
 * @example
 * ```ts
 * const x = tg.linalg.solve(tg.tensor([[2, 1], [1, 3]]), tg.tensor([3, 5])); // [0.8, 1.4]
 * const [features, targets] = [tg.tensor([[1, 0], [1, 1], [1, 2]]), tg.tensor([1, 3, 5])];
 * const { x: w } = tg.linalg.lstsq(features, targets);                         // least squares: [1, 2]
 * ```
 * @module
 */
export { type FloatResult, type LstsqResult, lstsq } from "./lstsq.js";
export { det, inv, solve } from "./solve.js";
export { type SvdResult, svd } from "./svd.js";
