/**
 * Losses, exported as `tg.losses`.
 *
 * @example
 * ```ts
 * const model = tg.nn.sequential([4], tg.nn.dense(3));
 * const [params, x, y] = [model.init(tg.random.key(0)), tg.zeros([2, 4]), tg.tensor([0, 2], "i32")];
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
  TargetRule,
} from "./losses.js";
export { type GaussianNllOptions, gaussianNll, type PoissonNllOptions, poissonNll } from "./glm.js";
