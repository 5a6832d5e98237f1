/**
 * The fit loop's view of data: `{ x, y }` tensors with the same first dimension, batch index
 * lists (shuffled by a `tg.random` key), the validation split, and copies of trees that the
 * training step may donate.
 * @module
 */
import { constant } from "../prims/constants.js";
import { slice } from "../prims/movement.js";
import { permutation, type Key } from "../random/index.js";
import { fmt, ShapeError } from "../shape/errors.js";
import type { AnyTensor as T } from "../tensor/tensor.js";
import { flatten, unflatten } from "../transforms/pytree.js";

/** Inputs and targets: the first dimension is the example. */
export interface XY {
  readonly x: T;
  readonly y: T;
}

/**
 * The number of examples, after checking that `x` and `y` agree.
 * @example
 * ```ts
 * const [x, y] = [tg.zeros([60000, 784]), tg.zeros([60000], "i32")];
 * exampleCount("fit", { x, y }); // 60000
 * ```
 */
export function exampleCount(op: string, d: XY): number {
  if (!d?.x || !d.y) throw new ShapeError(op, "the data must be { x, y } tensors");
  if (d.x.rank < 1 || d.y.rank < 1)
    throw new ShapeError(
      op,
      `x ${fmt(d.x.shape)} and y ${fmt(d.y.shape)} need a leading example dimension`,
    );
  if (d.x.shape[0] !== d.y.shape[0]) {
    throw new ShapeError(
      op,
      `x ${fmt(d.x.shape)} and y ${fmt(d.y.shape)} have different numbers of examples`,
    );
  }
  return d.x.shape[0];
}

/** Rows `[from, to)` of a tensor (a view-free copy). */
export function rows(t: T, from: number, to: number): T {
  return slice(t, [from, ...t.shape.slice(1).map(() => 0)], [to, ...t.shape.slice(1)]);
}

/**
 * Keras's `validationSplit`: the last `fraction` of the examples (before shuffling) are held out.
 * @example
 * ```ts
 * const [x, y] = [tg.zeros([100, 4]), tg.zeros([100], "i32")];
 * const [train, val] = splitTail({ x, y }, 0.1); // the first 90 examples, the last 10
 * ```
 */
export function splitTail(d: XY, fraction: number): [XY, XY] {
  if (!(fraction > 0 && fraction < 1))
    throw new RangeError(`fit: validationSplit must be in (0, 1), got ${fraction}`);
  const n = exampleCount("fit", d);
  const nVal = Math.round(n * fraction);
  if (nVal < 1 || nVal >= n)
    throw new RangeError(`fit: validationSplit ${fraction} of ${n} examples leaves an empty part`);
  const cut = n - nVal;
  return [
    { x: rows(d.x, 0, cut), y: rows(d.y, 0, cut) },
    { x: rows(d.x, cut, n), y: rows(d.y, cut, n) },
  ];
}

/**
 * The batches of one pass as lists of example indices: shuffled by `key`, or in order when `key`
 * is null. The last batch is smaller unless `dropRemainder`.
 * @example
 * ```ts
 * batchIndices(tg.random.key(0), 10, 4); // three Int32Arrays of 4, 4 and 2 indices
 * ```
 */
export function batchIndices(
  key: Key | null,
  n: number,
  size: number,
  dropRemainder = false,
): Int32Array[] {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`fit: batchSize must be a positive integer, got ${size}`);
  const order = key
    ? (permutation(key, n).dataSync() as Int32Array)
    : Int32Array.from({ length: n }, (_, i) => i);
  const out: Int32Array[] = [];
  for (let i = 0; i < n; i += size) {
    if (dropRemainder && i + size > n) break;
    out.push(order.subarray(i, Math.min(n, i + size)));
  }
  return out;
}

/**
 * An i32 index tensor from host indices.
 * @example
 * ```ts
 * indexTensor(Int32Array.of(3, 1)).shape; // [2]
 * ```
 */
export function indexTensor(idx: Int32Array): T {
  return constant(idx, [idx.length], "i32");
}

/**
 * A copy of every tensor of a tree in new buffers, so that a step that donates its inputs never
 * frees the caller's tensors.
 * @example
 * ```ts
 * const params = tg.nn.dense(3, 2).init(tg.random.key(0));
 * const mine = copyTree(params);
 * ```
 */
export function copyTree<P>(tree: P): P {
  const [leaves, def] = flatten(tree);
  return unflatten<P>(
    def,
    leaves.map((t) => constant(t.dataSync(), t.shape, t.dtype)),
  );
}
