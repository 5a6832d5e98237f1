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
import { type AnyTensor as T, Storage, Tensor } from "../tensor/tensor.js";
import { flatten, unflatten } from "../transforms/pytree.js";
import { readsSync } from "./read.js";

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
  checkBatchSize(size);
  const order = key
    ? (permutation(key, n).dataSync() as Int32Array)
    : Int32Array.from({ length: n }, (_, i) => i);
  return chunks(order, size, dropRemainder);
}

/**
 * `batchIndices` for a key on any backend: the key is read back asynchronously (webgpu cannot
 * read synchronously); the same batches as `batchIndices`.
 * @example
 * ```ts
 * await batchIndicesAsync(tg.random.key(0), 10, 4); // 3 batches, the same as batchIndices
 * ```
 */
export async function batchIndicesAsync(
  key: Key,
  n: number,
  size: number,
  dropRemainder = false,
): Promise<Int32Array[]> {
  checkBatchSize(size);
  // the permutation is drawn in float64 on the host from the key's bits: the key is read back
  // first, and made again from host data (an i32 tensor that keeps its host copy)
  const hostKey = constant(await key.data(), key.shape, key.dtype) as Key;
  const perm = permutation(hostKey, n);
  const order = Int32Array.from(await perm.data());
  hostKey.dispose();
  perm.dispose();
  return chunks(order, size, dropRemainder);
}

function checkBatchSize(size: number): void {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`fit: batchSize must be a positive integer, got ${size}`);
}

/** `order` cut into consecutive batches of `size` (the last one shorter, or dropped). */
function chunks(order: Int32Array, size: number, dropRemainder: boolean): Int32Array[] {
  const n = order.length;
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
    leaves.map((t) => (readsSync(t) ? constant(t.dataSync(), t.shape, t.dtype) : deviceCopy(t))),
  );
}

/** A copy of `t` in a new buffer of its own backend, made there (webgpu: no read-back). */
function deviceCopy(t: T): T {
  const { backend, buf } = t._concrete("copyTree");
  const out = backend.allocUninit(t.dtype, t.size);
  if (t.size > 0) backend.copy(buf, 0, [1], out, 0, [1], [t.size]);
  return new Tensor(t.shape, t.dtype, new Storage(backend, out), null);
}
