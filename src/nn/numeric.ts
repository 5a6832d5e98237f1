/**
 * Private numeric helpers shared by layers and losses, composed from the untyped primitives (no
 * derivative code). They take and return any-shaped tensors; the public layers type them.
 *
 * @example
 * ```ts
 * const logits = tg.tensor([[1000, 0], [0, 1000]]);
 * logSoftmaxAxis(logits, -1); // stable: x − max − log Σ exp(x − max); [[0, -1000], [-1000, 0]]
 * ```
 * @module
 */
import { add, div, exp, log, mul, stopGradient, sub } from "../prims/elementwise.js";
import { reshape } from "../prims/movement.js";
import { keptShape, reduceMax, reduceSum } from "../prims/reduce.js";
import { normAxes } from "../prims/shapes.js";
import type { AnyTensor as T } from "../tensor/tensor.js";

/**
 * Sum over `axes`, keeping them as size 1.
 * @example
 * ```ts
 * const x = tg.tensor([[1, 2], [3, 4]]);
 * sumKeep(x, [-1]); // [[3], [7]]
 * ```
 */
export function sumKeep(x: T, axes: readonly number[]): T {
  const ax = normAxes("sum", axes, x.rank);
  return reshape(reduceSum(x, ax), keptShape(x.shape, ax));
}

/**
 * Mean over `axes` (all when omitted); `keep` keeps them as size 1.
 * @example
 * ```ts
 * const x = tg.tensor([[1, 2], [3, 4]]);
 * meanAxes(x, [0]); // [2, 3]
 * ```
 */
export function meanAxes(x: T, axes?: readonly number[], keep = false): T {
  const ax = normAxes("mean", axes, x.rank);
  const n = ax.reduce((a, i) => a * x.shape[i], 1);
  const s = div(reduceSum(x, ax), n);
  return keep ? reshape(s, keptShape(x.shape, ax)) : s;
}

/**
 * `log Σ exp(x)` over `axis`, computed after subtracting the (gradient-stopped) maximum, so it
 * neither overflows nor underflows; `keep` keeps the axis as size 1.
 * @example
 * ```ts
 * logsumexpAxis(tg.tensor([1000, 1000]), -1); // 1000 + log 2
 * ```
 */
export function logsumexpAxis(x: T, axis: number, keep = false): T {
  const ax = normAxes("logsumexp", [axis], x.rank);
  const kept = keptShape(x.shape, ax);
  const m = stopGradient(reshape(reduceMax(x, ax), kept));
  const s = add(
    log(reduceSum(exp(sub(x, m)), ax)),
    reshape(
      m,
      m.shape.filter((_: number, i: number) => !ax.includes(i)),
    ),
  );
  return keep ? reshape(s, kept) : s;
}

/**
 * `x − logsumexp(x)` along `axis`.
 * @example
 * ```ts
 * const x = tg.tensor([[0, 0], [1, 1]]);
 * logSoftmaxAxis(x, -1); // [[-ln 2, -ln 2], [-ln 2, -ln 2]]
 * ```
 */
export function logSoftmaxAxis(x: T, axis = -1): T {
  return sub(x, logsumexpAxis(x, axis, true));
}

/**
 * `exp(x − max) / Σ exp(x − max)` along `axis`.
 * @example
 * ```ts
 * const x = tg.tensor([[0, 0], [1, 1]]);
 * softmaxAxis(x, -1); // [[0.5, 0.5], [0.5, 0.5]]
 * ```
 */
export function softmaxAxis(x: T, axis = -1): T {
  const ax = normAxes("softmax", [axis], x.rank);
  const m = stopGradient(reshape(reduceMax(x, ax), keptShape(x.shape, ax)));
  const e = exp(sub(x, m));
  return div(e, sumKeep(e, ax));
}

/**
 * Mean and (biased) variance over `axes`, kept as size 1.
 * @example
 * ```ts
 * const x = tg.tensor([[1, 2], [3, 6]]);
 * const [mu, v] = moments(x, [0]); // mean [[2, 4]], variance [[1, 4]] (the axis kept)
 * ```
 */
export function moments(x: T, axes: readonly number[]): [T, T] {
  const mu = meanAxes(x, axes, true);
  const d = sub(x, mu);
  return [mu, meanAxes(mul(d, d), axes, true)];
}
