/**
 * `tg.data`: datasets and loaders (MNIST, IDX, CSV), scalers, splits, batching, sampling and image
 * augmentation. Loaders return fp-ts `Either`s with a typed `LoadError`; randomness is keyed.
 * @example
 * ```ts
 * const { train, test } = tg.data.mnist();
 * for (const { x, y } of tg.data.batches(tg.random.key(0), train, 128)) x.shape; // [128, 28, 28] (the last [96, 28, 28])
 * ```
 * @module
 */
export { type LoadError, type LoadErrorKind, LoadFailure, loadError } from "../io/load-error.js";
export { type AugmentOptions, augment } from "./augment.js";
export { type BatchOptions, batchCount, batches, shuffle } from "./batches.js";
export {
  type ColumnType,
  type CsvData,
  type CsvOptions,
  type LabelDType,
  type LabelDTypeOf,
  type LabelTensor,
  loadCsv,
  parseCsvRows,
  readCsv,
} from "./csv.js";
export { type Dataset, datasetLength, type Rows, type WithRows } from "./dataset.js";
export { encodeIdx, type IdxType, type LoadIdxOptions, loadIdx } from "./idx.js";
export { loadMnist, type Mnist, type MnistOptions, type MnistSplit, mnist } from "./mnist.js";
export { oneHot } from "./one-hot.js";
export { type Key, seedKey } from "./rng.js";
export { type SampleOptions, oversample, undersample } from "./sampling.js";
export {
  type FittedScaler,
  minMaxScaler,
  type Scaled,
  type Scaler,
  standardScaler,
} from "./scalers.js";
export { type SplitOptions, type SplitPart, trainTestSplit } from "./split.js";
