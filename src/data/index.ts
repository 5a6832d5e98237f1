/**
 * `tg.data`: datasets and loaders (MNIST, IDX, CSV), scalers, splits, batching, sampling and image
 * augmentation. Loaders return fp-ts `Either`s with a typed `LoadError`; randomness is keyed.
 * @example
 * ```ts
 * const { train, test } = tg.data.mnist();
 * for (const { x, y } of tg.data.batches(tg.random.key(0), train, 128)) { … }
 * ```
 * @module
 */
export { type LoadError, type LoadErrorKind, LoadFailure, loadError } from "../io/load-error.js";
export { encodeIdx, type IdxType, type LoadIdxOptions, loadIdx } from "./idx.js";
export { loadMnist, type Mnist, type MnistOptions, type MnistSplit, mnist } from "./mnist.js";
export { type Key, seedKey } from "./rng.js";
