/**
 * `tg.metrics`: evaluation metrics computed on the host, returning plain numbers (and the confusion
 * matrix as a tensor).
 * @example
 * ```ts
 * const model = tg.nn.sequential([4], tg.nn.dense(3));
 * const params = model.init(tg.random.key(0));
 * const test = { x: tg.zeros([10, 4]), y: tg.zeros([10], "i32") };
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
