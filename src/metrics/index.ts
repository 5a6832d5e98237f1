/**
 * `tg.metrics`: evaluation metrics computed on the host, returning plain numbers (and the confusion
 * matrix as a tensor).
 * @example
 * ```ts
 * tg.metrics.accuracy(model.apply(params, test.x), test.y);
 * ```
 * @module
 */
export { type AverageOptions, accuracy, f1, precision, recall } from "./classification.js";
export {
  confusionMatrix,
  type FormatConfusionOptions,
  formatConfusionMatrix,
} from "./confusion.js";
export { classIds, type LabelsLike } from "./labels.js";
export { mae, mse, r2 } from "./regression.js";
export { type RocCurve, rocAuc, rocCurve } from "./roc.js";
