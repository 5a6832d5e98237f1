/**
 * Losses, exported as `tg.losses`.
 *
 * @example
 * ```ts
 * const loss = tg.losses.sparseCategoricalCrossEntropy(model.apply(params, x), y, { fromLogits: true });
 * ```
 * @module
 */
export {
  binaryCrossEntropy,
  categoricalCrossEntropy,
  hinge,
  huber,
  klDivergence,
  mae,
  mse,
  msle,
  sparseCategoricalCrossEntropy,
  squaredHinge,
} from "./losses.js";
export type {
  CrossEntropyOptions,
  Loss,
  LossOptions,
  LossValue,
  Reduction,
  TargetCheck,
} from "./losses.js";
export { type GaussianNllOptions, gaussianNll, type PoissonNllOptions, poissonNll } from "./glm.js";
