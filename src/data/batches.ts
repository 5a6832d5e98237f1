/**
 * Shuffled mini-batches and shuffling, keyed by an explicit random key.
 * @module
 */
import { ShapeError } from "../shape/errors.js";
import { type Dataset, datasetLength, type Rows, takeDataset } from "./dataset.js";
import { type Key, permutation, streamOf } from "./rng.js";

/** Options of `batches`. */
export interface BatchOptions {
  /** Drop the last batch when it has fewer than `size` examples (default false: keep it). */
  dropLast?: boolean;
  /** Shuffle the examples (default true; `false`, or a `null` key, keeps their order). */
  shuffle?: boolean;
}

/**
 * Mini-batches of a dataset (`{ x, y }` or any record of tensors with the same first dimension),
 * in an order shuffled by `key`. Every example appears exactly once per pass; the last batch is
 * smaller unless `dropLast`. Each batch's tensors are gathered straight into new buffers (one copy
 * per batch). The iterable can be iterated again and gives the same batches.
 * @example
 * ```ts
 * const train = { x: tg.zeros([1000, 28, 28]), y: tg.zeros([1000], "i32") };
 * const [epoch, key] = [0, tg.random.key(1)];
 * for (const { x, y } of tg.data.batches(tg.random.key(epoch), train, 128)) {
 *   // x: Tensor<[number, 28, 28]>, y: Tensor<[number], "i32">
 * }
 * tg.data.batches(key, train, 128, { dropLast: true }); // every x is Tensor<[128, 28, 28]>
 * ```
 */
export function batches<DS extends Dataset, B extends number>(
  key: Key | null,
  dataset: DS,
  size: B,
  options: BatchOptions & { dropLast: true },
): Iterable<Rows<DS, B>>;
export function batches<DS extends Dataset>(
  key: Key | null,
  dataset: DS,
  size: number,
  options?: BatchOptions,
): Iterable<Rows<DS, number>>;
export function batches<DS extends Dataset>(
  key: Key | null,
  dataset: DS,
  size: number,
  options: BatchOptions = {},
): Iterable<Rows<DS, number>> {
  const n = datasetLength("batches", dataset);
  if (!Number.isInteger(size) || size < 1)
    throw new ShapeError("batches", `the batch size must be a positive integer, got ${size}`);
  const order =
    key === null || options.shuffle === false ? null : permutation(streamOf(key, "batches"), n);
  const count = options.dropLast ? Math.floor(n / size) : Math.ceil(n / size);
  return {
    *[Symbol.iterator]() {
      const idx = order ?? Int32Array.from({ length: n }, (_, i) => i);
      for (let b = 0; b < count; b++) {
        yield takeDataset(dataset, idx, b * size, Math.min(n, (b + 1) * size));
      }
    },
  };
}

/**
 * The number of batches `batches` gives for `n` examples.
 * @example
 * ```ts
 * tg.data.batchCount(60000, 128); // 469
 * ```
 */
export function batchCount(n: number, size: number, options: { dropLast?: boolean } = {}): number {
  return options.dropLast ? Math.floor(n / size) : Math.ceil(n / size);
}

/**
 * The dataset with its examples in an order shuffled by `key` (the same permutation for every
 * tensor, so pairs stay together).
 * @example
 * ```ts
 * const data = { x: tg.tensor([[1, 2], [3, 4], [5, 6]]), y: tg.tensor([0, 1, 2], "i32") };
 * const { x, y } = tg.data.shuffle(tg.random.key(0), data); // the same rows, in one new order for x and y
 * ```
 */
export function shuffle<DS extends Dataset>(key: Key, dataset: DS): DS {
  const n = datasetLength("shuffle", dataset);
  return takeDataset(dataset, permutation(streamOf(key, "shuffle"), n)) as unknown as DS;
}
