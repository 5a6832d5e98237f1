/**
 * Indexing: take slices of a tensor by integer (i32) indices.
 *
 * @example
 * ```ts
 * const table = tg.zeros([1000, 64]);
 * tg.gather(table, tg.tensor([[1, 2]], "i32")); // Tensor<[1, 2, 64]>
 * tg.oneHot(tg.tensor([0, 2], "i32"), 3);       // Tensor<[2, 3]>
 * ```
 * @module
 */
import * as P from "../prims/elementwise.js";
import { gather as gatherP } from "../prims/indexing.js";
import { reshape } from "../prims/movement.js";
import { constant } from "../prims/constants.js";
import type { Gather, OneHot } from "../shape/axes.js";
import type { DType } from "../shape/dtype.js";
import type { Check, Ok } from "../shape/dims.js";
import { DTypeError, ShapeError } from "../shape/errors.js";
import type { Shape, Tensor } from "../tensor/tensor.js";
import { named } from "./named.js";

/**
 * The slices of `x` along `axis` (0 by default) picked by `indices`: the shape is
 * `x.shape[:axis] + indices.shape + x.shape[axis+1:]`. An index out of range is a ShapeError.
 * @example
 * ```ts
 * tg.gather(tg.tensor([[1, 2], [3, 4], [5, 6]]), tg.tensor([2, 0], "i32")); // [[5, 6], [1, 2]]
 * ```
 */
export function gather<
  S extends Shape,
  D extends DType,
  I extends Shape,
  const A extends number = 0,
>(
  x: Tensor<S, D>,
  indices: Tensor<I, "i32">,
  axis?: A & NoInfer<Check<Gather<S, I, A>>>,
): Tensor<Ok<Gather<S, I, A>>, D> {
  if (indices.dtype !== "i32")
    throw new DTypeError("gather", `indices must be i32, got ${indices.dtype}`);
  return gatherP(x, indices, axis ?? 0);
}

/**
 * numpy's `take`: like `gather`, but without `axis` it indexes the flattened tensor.
 * @example
 * ```ts
 * tg.take(tg.tensor([[1, 2], [3, 4]]), tg.tensor([3, 0], "i32")); // Tensor<[2]>: [4, 1]
 * ```
 */
export function take<
  S extends Shape,
  D extends DType,
  I extends Shape,
  const A extends number | undefined = undefined,
>(
  x: Tensor<S, D>,
  indices: Tensor<I, "i32">,
  axis?: A & NoInfer<A extends number ? Check<Gather<S, I, A>> : unknown>,
): Tensor<A extends number ? Ok<Gather<S, I, A>> : I, D> {
  return named("take", () =>
    axis === undefined ? gatherP(reshape(x, [-1]), indices, 0) : gatherP(x, indices, axis),
  );
}

/**
 * One-hot vectors of length `depth` for i32 class indices (a new last axis). Indices outside
 * `[0, depth)` give all-zero rows.
 * (PyTorch raises on such indices.) Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.oneHot(tg.tensor([0, 2], "i32"), 3); // Tensor<[2, 3]>: [[1, 0, 0], [0, 0, 1]]
 * ```
 */
export function oneHot<S extends Shape, N extends number, D extends DType = "f32">(
  indices: Tensor<S, "i32">,
  depth: N,
  dtype?: D,
): Tensor<OneHot<S, N>, D> {
  if (indices.dtype !== "i32")
    throw new DTypeError("oneHot", `indices must be i32, got ${indices.dtype}`);
  if (!(Number.isInteger(depth) && depth >= 0))
    throw new ShapeError("oneHot", `depth ${depth} must be an integer ≥ 0`);
  const classes = constant(
    Array.from({ length: depth }, (_, i) => i),
    [depth],
    "i32",
  );
  const hit = P.eq(reshape(indices, [...indices.shape, 1]), classes);
  return P.cast(hit, dtype ?? "f32");
}
