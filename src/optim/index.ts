/**
 * `tg.optim`: optimizers as pure `{ init, update }` pairs over parameter pytrees, learning-rate
 * schedules, and gradient clipping. Everything is written with tensor ops, so an update traces
 * into the jitted training step.
 * @example
 * ```ts
 * const opt = tg.optim.chain(tg.optim.clipByGlobalNorm(1), tg.optim.adam({ lr: 1e-3 }));
 * let params = { w: tg.ones([3]) };
 * const grads = tg.grad((p: typeof params) => tg.sum(tg.mul(p.w, p.w)))(params);
 * let state = opt.init(params);
 * ({ params, state } = opt.update(grads, state, params));
 * ```
 * @module
 */
export {
  type AdagradOptions,
  type AdagradState,
  adagrad,
  type RmspropOptions,
  type RmspropState,
  rmsprop,
} from "./adaptive.js";
export { type AdamOptions, type AdamState, type AdamwOptions, adam, adamw } from "./adam.js";
export { chain, clipByGlobalNorm, clipByValue, globalNorm } from "./clip.js";
export {
  constantSchedule,
  cosineDecay,
  exponentialDecay,
  rateAtStep,
  stepDecay,
  warmup,
} from "./schedules.js";
export { type SgdOptions, type SgdState, sgd } from "./sgd.js";
export type { GradientTransform, LearningRate, Optimizer, Scalar, Schedule } from "./types.js";
