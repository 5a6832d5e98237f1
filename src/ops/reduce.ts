/**
 * Reductions, each `(x, axis?, keepDims?)`: `axis` is one axis, a list, or omitted for all axes;
 * negative axes count from the end; an axis out of range is a compile error.
 *
 * @example
 * ```ts
 * const x = tg.tensor([[1, 2, 3], [4, 5, 6]]);
 * tg.sum(x);          // Tensor<[]>: 21
 * tg.sum(x, 1);       // Tensor<[2]>: [6, 15]
 * tg.max(x, 0, true); // Tensor<[1, 3]>: [[4, 5, 6]]
 * ```
 * @module
 */
import { div } from "../prims/elementwise.js";
import {
  argmax as argmaxP,
  argmin as argminP,
  keptShape,
  reduceMax,
  reduceMin,
  reduceSum,
} from "../prims/reduce.js";
import { reshape } from "../prims/movement.js";
import { normAxes } from "../prims/shapes.js";
import type { Axes, Reduce } from "../shape/axes.js";
import type { DType, DTypeCheck, NumericDType } from "../shape/dtype.js";
import type { Check, Kinds, Named, Ok } from "../shape/dims.js";
import type { AnyTensor, Shape, Tensor } from "../tensor/tensor.js";
import { toFloat } from "./float.js";

/** The axis argument of a reduction over `S`, checked: a mismatch when an axis is out of range. */
export type AxisArg<Op extends string, S extends Shape, A extends Axes, K extends boolean> = A &
  NoInfer<Check<Named<Op, Reduce<S, A, K>>>>;
/** The result of reducing a `Tensor<S, D>` over `A`. */
export type Reduced<S extends Shape, A extends Axes, K extends boolean, D extends DType> = Tensor<
  Ok<Reduce<S, A, K>>,
  D
>;

/** The dtype of a float-valued reduction (mean, logsumexp) of a `D` tensor: f32 for i32 and bool. */
export type FloatOf<D extends DType> = D extends "f32" | "f64" ? D : "f32";

/** Runs `f` over the normalised axes and keeps them as size 1 when asked. @internal */
export function reduceWith(
  op: string,
  f: (x: AnyTensor, axes: number[]) => AnyTensor,
  x: AnyTensor,
  axis: Axes,
  keepDims?: boolean,
): AnyTensor {
  const axes = normAxes(op, axis, x.rank);
  const y = f(x, axes);
  return keepDims ? reshape(y, keptShape(x.shape, axes)) : y;
}

/**
 * The sum over `axis` (all axes when omitted).
 * The sum over an empty axis is 0; i32 sums wrap. Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.sum(tg.tensor([[1, 2], [3, 4]]), 0); // Tensor<[2]>: [4, 6]
 * ```
 */
export function sum<
  S extends Shape,
  D extends DType,
  const A extends Axes = undefined,
  K extends boolean = false,
  Kn extends Kinds = Kinds,
>(
  x: Tensor<S, D> & NoInfer<DTypeCheck<"sum", D, NumericDType, Kn>>,
  axis?: AxisArg<"sum", S, A, K>,
  keepDims?: K,
): Reduced<S, A, K, D> {
  return reduceWith("sum", reduceSum, x, axis, keepDims);
}

/**
 * The mean over `axis` (all axes when omitted). An i32 or bool input gives an f32 mean (as NumPy
 * and JAX; never truncated); the mean over an empty axis is NaN. Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.mean(tg.tensor([[1, 2], [3, 4]]), 1); // Tensor<[2]>: [1.5, 3.5]
 * ```
 */
export function mean<
  S extends Shape,
  D extends DType,
  const A extends Axes = undefined,
  K extends boolean = false,
>(x: Tensor<S, D>, axis?: AxisArg<"mean", S, A, K>, keepDims?: K): Reduced<S, A, K, FloatOf<D>> {
  const axes = normAxes("mean", axis, x.rank);
  const n = axes.reduce((p, a) => p * x.shape[a], 1);
  return div(reduceWith("mean", reduceSum, toFloat(x), axis, keepDims), n);
}

/**
 * The maximum over `axis` (all axes when omitted).
 * NaN propagates; ties split the gradient evenly (as torch.amax); an empty axis is a ShapeError.
 * Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.max(tg.tensor([[1, 5], [3, 4]]), 1); // Tensor<[2]>: [5, 4]
 * ```
 */
export function max<
  S extends Shape,
  D extends DType,
  const A extends Axes = undefined,
  K extends boolean = false,
  Kn extends Kinds = Kinds,
>(
  x: Tensor<S, D> & NoInfer<DTypeCheck<"max", D, NumericDType, Kn>>,
  axis?: AxisArg<"max", S, A, K>,
  keepDims?: K,
): Reduced<S, A, K, D> {
  return reduceWith("max", reduceMax, x, axis, keepDims);
}

/**
 * The minimum over `axis` (all axes when omitted).
 * NaN propagates; ties split the gradient evenly (as torch.amin); an empty axis is a ShapeError.
 * Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.min(tg.tensor([[1, 5], [3, 4]]), 1); // Tensor<[2]>: [1, 3]
 * ```
 */
export function min<
  S extends Shape,
  D extends DType,
  const A extends Axes = undefined,
  K extends boolean = false,
  Kn extends Kinds = Kinds,
>(
  x: Tensor<S, D> & NoInfer<DTypeCheck<"min", D, NumericDType, Kn>>,
  axis?: AxisArg<"min", S, A, K>,
  keepDims?: K,
): Reduced<S, A, K, D> {
  return reduceWith("min", reduceMin, x, axis, keepDims);
}

function argReduce(
  op: "argmax" | "argmin",
  x: AnyTensor,
  axis: number | undefined,
  keepDims?: boolean,
): AnyTensor {
  const f = op === "argmax" ? argmaxP : argminP;
  if (axis === undefined) {
    const y = f(reshape(x, [-1]), 0);
    return keepDims
      ? reshape(
          y,
          x.shape.map(() => 1),
        )
      : y;
  }
  return reduceWith(op, (t, [a]) => f(t, a), x, axis, keepDims);
}

/**
 * The index (i32) of the largest value along `axis`; over the flattened tensor when omitted.
 * Ties give the first index; NaN counts as the largest (its first index). Edge cases:
 * docs/numerics.md.
 * @example
 * ```ts
 * tg.argmax(tg.tensor([[1, 5], [3, 4]]), 1); // Tensor<[2], "i32">: [1, 1]
 * ```
 */
export function argmax<
  S extends Shape,
  D extends DType,
  const A extends number | undefined = undefined,
  K extends boolean = false,
  Kn extends Kinds = Kinds,
>(
  x: Tensor<S, D> & NoInfer<DTypeCheck<"argmax", D, NumericDType, Kn>>,
  axis?: AxisArg<"argmax", S, A, K>,
  keepDims?: K,
): Reduced<S, A, K, "i32"> {
  return argReduce("argmax", x, axis, keepDims);
}

/**
 * The index (i32) of the smallest value along `axis`; over the flattened tensor when omitted.
 * Ties give the first index; NaN counts as the smallest (its first index). Edge cases:
 * docs/numerics.md.
 * @example
 * ```ts
 * tg.argmin(tg.tensor([[1, 5], [3, 4]]), 1); // Tensor<[2], "i32">: [0, 0]
 * ```
 */
export function argmin<
  S extends Shape,
  D extends DType,
  const A extends number | undefined = undefined,
  K extends boolean = false,
  Kn extends Kinds = Kinds,
>(
  x: Tensor<S, D> & NoInfer<DTypeCheck<"argmin", D, NumericDType, Kn>>,
  axis?: AxisArg<"argmin", S, A, K>,
  keepDims?: K,
): Reduced<S, A, K, "i32"> {
  return argReduce("argmin", x, axis, keepDims);
}
