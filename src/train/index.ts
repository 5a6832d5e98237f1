/**
 * `tg.train`: the fit loop (one jitted, donated step per batch), `evaluate` and `predict`,
 * callbacks (`earlyStopping`, `onEpochEnd`), training metrics, the classic perceptron rule, and
 * plots of a history (SVG, and a small chart for the terminal).
 * @example
 * ```ts
 * const model = tg.nn.sequential([4], tg.nn.dense(3));
 * const [params, loss] = [model.init(tg.random.key(0)), tg.losses.sparseCategoricalCrossEntropy];
 * const train = { x: tg.zeros([256, 4]), y: tg.zeros([256], "i32") };
 * const { params: trained, history } = await tg.train.fit(model, params, train, {
 *   loss, optimizer: tg.optim.adam({ lr: 1e-3 }), epochs: 5, batchSize: 128, metrics: ["accuracy"],
 * });
 * console.log(tg.train.terminalChart(history.loss));
 * ```
 * @module
 */
export {
  type Callback,
  type EarlyStoppingOptions,
  type EpochLogs,
  type FitContext,
  earlyStopping,
  onEpochEnd,
} from "./callbacks.js";
export { batchIndices, splitTail, type XY } from "./data.js";
export {
  type EvaluateOptions,
  evaluate,
  evaluateAsync,
  type LossFn,
  predict,
} from "./evaluate.js";
export { type FitOptions, type FitResult, fit } from "./fit.js";
export type {
  ExampleCheck,
  Labels,
  LossFor,
  Predictions,
  Trainable,
  TrainData,
  ValidationData,
} from "./data-types.js";
export { appendLogs, emptyHistory, type History } from "./history.js";
export {
  accuracy,
  binaryAccuracy,
  maeMetric,
  type Metric,
  type MetricLike,
  mseMetric,
  toMetric,
  valKey,
} from "./metrics.js";
export { defaultSink, EpochProgress, formatLogs, type ProgressSink } from "./progress.js";
export { type PlotOptions, plotHistory, terminalChart } from "./plot.js";
export { type PerceptronOptions, type PerceptronResult, perceptron } from "./perceptron.js";
