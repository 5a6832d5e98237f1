/**
 * Movement ops: they rearrange elements without computing new values. Reshape checks the element
 * count at compile time (one `-1` is inferred), the others check axes and sizes.
 *
 * @example
 * ```ts
 * const x = tg.tensor([[1, 2, 3], [4, 5, 6]]);
 * tg.reshape(x, [3, 2]);   // Tensor<[3, 2]>
 * tg.reshape(x, [-1]);     // Tensor<[6]>
 * tg.transpose(x);         // Tensor<[3, 2]>
 * ```
 * @module
 */
import * as M from "../prims/movement.js";
import { normAxis } from "../prims/shapes.js";
import type { ExpandDims, Permute, Squeeze } from "../shape/axes.js";
import type { DType } from "../shape/dtype.js";
import type { Check, Ok } from "../shape/dims.js";
import { fmt, ShapeError } from "../shape/errors.js";
import type { BroadcastTo, Concat, Pad, Slice, Stack } from "../shape/join.js";
import type { Flatten, Reshape } from "../shape/reshape.js";
import type { AnyTensor, Shape, Tensor } from "../tensor/tensor.js";
import type { Mut } from "../tensor/create.js";

/** The shapes of a tuple of tensors. */
export type ShapesOf<T extends readonly AnyTensor[]> = { -readonly [K in keyof T]: T[K]["shape"] };
/** The dtype of a tuple of tensors. */
export type DTypeOfAll<T extends readonly AnyTensor[]> =
  T[number] extends Tensor<any, infer D> ? D : never;

/**
 * The same elements in a new shape; one entry may be `-1` (inferred). The element counts must
 * match. Shares the data: no copy.
 * @example
 * ```ts
 * tg.reshape(tg.zeros([2, 3]), [3, 2]); // Tensor<[3, 2]>
 * // @ts-expect-error: reshape: cannot reshape [2, 3] (6 elements) to [4, 2] (8 elements)
 * tg.reshape(tg.zeros([2, 3]), [4, 2]); // compile error: 6 vs 8 elements
 * ```
 */
export function reshape<S extends Shape, D extends DType, const T extends Shape>(
  x: Tensor<S, D>,
  shape: T & NoInfer<Check<Reshape<S, T>>>,
): Tensor<Mut<Ok<Reshape<S, T>>>, D> {
  return M.reshape(x, shape);
}

/**
 * Merges the axes from `axis` on into one; by default keeps the first (batch) axis:
 * `[B, 7, 7, 64]` → `[B, 3136]`. `flatten(x, 0)` gives a vector.
 * @example
 * ```ts
 * tg.flatten(tg.zeros([8, 7, 7, 64]));    // Tensor<[8, 3136]>
 * tg.flatten(tg.zeros([2, 3]), 0);        // Tensor<[6]>
 * ```
 */
export function flatten<S extends Shape, D extends DType, const A extends number = 1>(
  x: Tensor<S, D> & NoInfer<Check<Flatten<S, A>>>,
  axis?: A,
): Tensor<Ok<Flatten<S, A>>, D> {
  const a = axis ?? 1;
  if (!Number.isInteger(a) || a < 0 || a > x.rank)
    throw new ShapeError("flatten", `axis ${a} is out of range for ${fmt(x.shape)}`);
  return M.reshape(x, [...x.shape.slice(0, a), -1]);
}

/**
 * Permutes the axes (reverses them when `perm` is omitted).
 * @example
 * ```ts
 * tg.transpose(tg.zeros([2, 3, 4]), [2, 0, 1]); // Tensor<[4, 2, 3]>
 * ```
 */
export function transpose<
  S extends Shape,
  D extends DType,
  const P extends readonly number[] | undefined = undefined,
>(x: Tensor<S, D>, perm?: P & NoInfer<Check<Permute<S, P>>>): Tensor<Ok<Permute<S, P>>, D> {
  if (perm && perm.length !== x.rank) {
    throw new ShapeError(
      "transpose",
      `permutation ${fmt(perm)} does not have one entry per axis of ${fmt(x.shape)}`,
    );
  }
  return M.transpose(x, perm);
}

/**
 * Inserts an axis of size 1 at `axis` (negative counts from the end: -1 appends).
 * @example
 * ```ts
 * tg.expandDims(tg.zeros([2, 3]), 0); // Tensor<[1, 2, 3]>
 * ```
 */
export function expandDims<S extends Shape, D extends DType, const A extends number>(
  x: Tensor<S, D>,
  axis: A & NoInfer<Check<ExpandDims<S, A>>>,
): Tensor<Ok<ExpandDims<S, A>>, D> {
  const a = normAxis("expandDims", axis, x.rank + 1);
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return M.reshape(x, shape);
}

/**
 * Removes axis `axis`, which must have size 1; without `axis`, every axis of size 1.
 * @example
 * ```ts
 * tg.squeeze(tg.zeros([2, 1, 3]), 1); // Tensor<[2, 3]>
 * tg.squeeze(tg.zeros([1, 2, 1]));    // Tensor<[2]>
 * ```
 */
export function squeeze<
  S extends Shape,
  D extends DType,
  const A extends number | undefined = undefined,
>(x: Tensor<S, D>, axis?: A & NoInfer<Check<Squeeze<S, A>>>): Tensor<Ok<Squeeze<S, A>>, D> {
  if (axis === undefined)
    return M.reshape(
      x,
      x.shape.filter((d: number) => d !== 1),
    );
  const a = normAxis("squeeze", axis, x.rank);
  if (x.shape[a] !== 1)
    throw new ShapeError(
      "squeeze",
      `cannot squeeze axis ${axis} of ${fmt(x.shape)}: its size is ${x.shape[a]}, not 1`,
    );
  return M.reshape(
    x,
    x.shape.filter((_: number, i: number) => i !== a),
  );
}

/**
 * Joins tensors along an existing axis; the other sizes must agree.
 * @example
 * ```ts
 * tg.concat([tg.zeros([2, 3]), tg.zeros([4, 3])], 0); // Tensor<[6, 3]>
 * ```
 */
export function concat<const T extends readonly AnyTensor[], const A extends number = 0>(
  xs: T & NoInfer<Check<Concat<ShapesOf<T>, A>>>,
  axis?: A,
): Tensor<Ok<Concat<ShapesOf<T>, A>>, DTypeOfAll<T>> {
  return M.concat([...xs], axis ?? 0);
}

/**
 * Stacks equally shaped tensors along a new axis.
 * @example
 * ```ts
 * tg.stack([tg.zeros([2, 3]), tg.zeros([2, 3])], 0); // Tensor<[2, 2, 3]>
 * ```
 */
export function stack<const T extends readonly AnyTensor[], const A extends number = 0>(
  xs: T & NoInfer<Check<Stack<ShapesOf<T>, A>>>,
  axis?: A,
): Tensor<Ok<Stack<ShapesOf<T>, A>>, DTypeOfAll<T>> {
  if (xs.length === 0) throw new ShapeError("stack", "needs at least one tensor");
  const first = xs[0];
  for (const x of xs) {
    if (x.rank !== first.rank || x.shape.some((d: number, i: number) => d !== first.shape[i])) {
      throw new ShapeError("stack", `shapes ${xs.map((t) => fmt(t.shape)).join(", ")} differ`);
    }
  }
  const a = normAxis("stack", axis ?? 0, first.rank + 1);
  const shape = [...first.shape];
  shape.splice(a, 0, 1);
  return M.concat(
    xs.map((x) => M.reshape(x, shape)),
    a,
  );
}

/**
 * The block that starts at `begin` with sizes `size` (`-1`: to the end of that axis). Axes past
 * the end of `begin` are kept whole.
 * @example
 * ```ts
 * tg.slice(tg.zeros([4, 10]), [1, 2], [2, -1]); // Tensor<[2, 8]>
 * ```
 */
export function slice<
  S extends Shape,
  D extends DType,
  const B extends readonly number[],
  const Z extends readonly number[],
>(
  x: Tensor<S, D>,
  begin: B,
  size: Z & NoInfer<Check<Slice<S, B, Z>>>,
): Tensor<Ok<Slice<S, B, Z>>, D> {
  if (begin.length > x.rank || size.length > begin.length) {
    throw new ShapeError(
      "slice",
      `begin ${fmt(begin)} and size ${fmt(size)} do not fit ${fmt(x.shape)}`,
    );
  }
  const starts = x.shape.map((_: number, i: number) => begin[i] ?? 0);
  const ends = x.shape.map((d: number, i: number) => {
    const z = size[i] ?? -1;
    return z === -1 ? d : starts[i] + z;
  });
  starts.forEach((s: number, i: number) => {
    if (!(Number.isInteger(s) && s >= 0 && ends[i] <= x.shape[i] && s <= ends[i])) {
      throw new ShapeError(
        "slice",
        `[${s}, ${ends[i]}) at axis ${i} does not fit size ${x.shape[i]} of ${fmt(x.shape)}`,
      );
    }
  });
  return M.slice(x, starts, ends);
}

/**
 * Pads each axis with `[before, after]` copies of `value` (0 by default). Axes past the list
 * are not padded.
 * @example
 * ```ts
 * tg.pad(tg.zeros([2, 3]), [[1, 1], [0, 2]]); // Tensor<[4, 5]>
 * ```
 */
export function pad<
  S extends Shape,
  D extends DType,
  const P extends readonly (readonly [number, number])[],
>(x: Tensor<S, D>, paddings: P & NoInfer<Check<Pad<S, P>>>, value = 0): Tensor<Ok<Pad<S, P>>, D> {
  if (paddings.length > x.rank)
    throw new ShapeError("pad", `${paddings.length} paddings for ${fmt(x.shape)}`);
  const lo = x.shape.map((_: number, i: number) => paddings[i]?.[0] ?? 0);
  const hi = x.shape.map((_: number, i: number) => paddings[i]?.[1] ?? 0);
  return M.pad(x, lo, hi, value);
}

/**
 * Broadcasts to `shape` with numpy rules.
 * @example
 * ```ts
 * tg.broadcastTo(tg.tensor([1, 2, 3]), [2, 3]); // Tensor<[2, 3]>
 * ```
 */
export function broadcastTo<S extends Shape, D extends DType, const T extends Shape>(
  x: Tensor<S, D>,
  shape: T & NoInfer<Check<BroadcastTo<S, T>>>,
): Tensor<Mut<T>, D> {
  return M.broadcastTo(x, shape);
}
