/**
 * Datasets: records of tensors that share their first dimension (`{ x, y }` and the like), and the
 * row gather that batching, shuffling, splitting and sampling share.
 * @module
 */
import { ShapeError } from "../shape/errors.js";
import type { AnyTensor, Shape, Tensor } from "../tensor/tensor.js";
import { allocFilled, liveView } from "./host.js";

/** A dataset: named tensors with the same first dimension, such as `{ x, y }`. */
export type Dataset = { readonly [name: string]: AnyTensor };

/** A tensor type with its first dimension replaced by `N`. */
export type WithRows<T, N extends number> =
  T extends Tensor<infer S, infer D>
    ? S extends readonly [number, ...infer R extends number[]]
      ? Tensor<[N, ...R], D>
      : Tensor<Shape, D>
    : never;

/** A dataset type whose tensors have `N` rows. */
export type Rows<DS, N extends number> = { [K in keyof DS]: WithRows<DS[K], N> };

/**
 * The number of rows of a dataset, checking that every tensor has the same first dimension.
 * @example
 * ```ts
 * const [x, y] = [tg.zeros([60000, 28, 28]), tg.zeros([60000], "i32")];
 * datasetLength("batches", { x, y }); // 60000
 * ```
 */
export function datasetLength(op: string, ds: Dataset): number {
  const names = Object.keys(ds);
  if (names.length === 0) throw new ShapeError(op, "the dataset has no tensors");
  let n = -1;
  for (const k of names) {
    const t = ds[k];
    if (t.shape.length === 0)
      throw new ShapeError(
        op,
        `"${k}" is a scalar; dataset tensors have a first (example) dimension`,
      );
    if (n === -1) n = t.shape[0];
    else if (t.shape[0] !== n) {
      throw new ShapeError(op, `"${k}" has ${t.shape[0]} rows but "${names[0]}" has ${n}`);
    }
  }
  return n;
}

/**
 * The rows `indices` of a tensor, as a new tensor (one copy, straight into the new buffer).
 * @example
 * ```ts
 * const x = tg.tensor([[1, 2], [3, 4], [5, 6]]);
 * takeRows(x, new Int32Array([2, 0])); // rows 2 and 0 of x: [[5, 6], [1, 2]]
 * ```
 */
export function takeRows(
  t: AnyTensor,
  indices: ArrayLike<number>,
  from = 0,
  to = indices.length,
): AnyTensor {
  const row = t.shape.slice(1).reduce((a: number, b: number) => a * b, 1);
  const n = to - from;
  return allocFilled([n, ...t.shape.slice(1)], t.dtype, (out) => {
    const src = liveView(t);
    if (row === 1) {
      for (let i = 0; i < n; i++) out[i] = src[indices[from + i]];
      return;
    }
    for (let i = 0; i < n; i++) {
      const s = indices[from + i] * row;
      out.set(src.subarray(s, s + row) as Float32Array, i * row);
    }
  });
}

/**
 * The rows `indices` of every tensor of a dataset.
 * @example
 * ```ts
 * const [x, y] = [tg.tensor([[1], [2], [3], [4]]), tg.tensor([0, 1, 0, 1], "i32")];
 * takeDataset({ x, y }, new Int32Array([3, 1])); // { x: rows 3 and 1, [[4], [2]], y: [1, 1] }
 * ```
 */
export function takeDataset<DS extends Dataset>(
  ds: DS,
  indices: ArrayLike<number>,
  from = 0,
  to = indices.length,
): Rows<DS, number> {
  const out: Record<string, AnyTensor> = {};
  for (const k of Object.keys(ds)) out[k] = takeRows(ds[k], indices, from, to);
  return out as Rows<DS, number>;
}

/**
 * Whether a value is a concrete tensor.
 * @example
 * ```ts
 * const x = tg.tensor([1, 2]);
 * isTensor(x); // true
 * ```
 */
export function isTensor(x: unknown): x is AnyTensor {
  return (
    typeof x === "object" &&
    x !== null &&
    typeof (x as AnyTensor).dataSync === "function" &&
    Array.isArray((x as AnyTensor).shape)
  );
}
