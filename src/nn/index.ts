/**
 * Neural-network layers, activations, initializers, combinators and regularizers, exported as
 * `tg.nn`. A layer is an `{ init, apply }` pair of pure functions; `serial` and `sequential`
 * compose them and check at compile time that each fits the next.
 *
 * @example
 * ```ts
 * const model = tg.nn.serial(tg.nn.dense(784, 128), tg.nn.relu, tg.nn.dropout(0.2), tg.nn.dense(128, 10));
 * const params = model.init(tg.random.key(0));
 * const x = tg.zeros([32, 784]);
 * const logits = model.apply(params, x); // Tensor<[32, 10]>
 * ```
 * @module
 */
export type { AnyLayer, ApplyOptions, ForwardOptions, Layer } from "./layer.js";
export type {
  AnyModel,
  AnySpec,
  BuildResult,
  Call,
  IdentityFn,
  In,
  LayerDef,
  LayerLike,
  LayerSpec,
  Model,
  ShapeFn,
  Tup,
} from "./model.js";
export type { Curried } from "./model.js";
export { build, layer, spec } from "./model.js";
export type {
  BatchSizeOf,
  FmtBatched,
  InputCheck,
  IsBatch,
  Output,
} from "./model-types.js";
export type {
  Chain,
  ChainModel,
  FirstInput,
  ModelParts,
  ShapeFits,
  ValidateChain,
} from "./chain.js";
export { sequential, serial } from "./chain.js";
export type { Activation, ActivationLike } from "./activations.js";
export {
  activation,
  activations,
  elu,
  gelu,
  leakyRelu,
  linear,
  logSoftmax,
  relu,
  sigmoid,
  softmax,
  softplus,
  tanh,
} from "./activations.js";
export type { FanMode, Initializer, InitializerLike } from "./initializers.js";
export {
  constantInit,
  fans,
  glorotNormal,
  glorotUniform,
  heNormal,
  heUniform,
  initializers,
  lecunNormal,
  lecunUniform,
  ones,
  orthogonal,
  varianceScaling,
  zeros,
} from "./initializers.js";
export type {
  DenseFn,
  DenseKernel,
  DenseOptions,
  DenseParams,
  DenseParamsOf,
  MaxoutFn,
} from "./dense.js";
export { dense, maxout } from "./dense.js";
export type { EmbeddingFn, EmbeddingParams, EmbeddingSpec } from "./embedding.js";
export { embedding } from "./embedding.js";
export { dropout, gaussianNoise } from "./noise.js";
export { l1, l2 } from "./regularizers.js";
export type {
  Conv2dFn,
  Conv2dKernel,
  Conv2dOptions,
  Conv2dParams,
  Conv2dParamsOf,
  GlobalPoolFn,
  Kernel2d,
  Pool2dFn,
  Pool2dOptions,
} from "./conv.js";
export { avgPool2d, conv2d, globalAvgPool2d, maxPool2d } from "./conv.js";
export type { FlattenFn, ReshapeFn } from "./reshape.js";
export { flatten, reshape } from "./reshape.js";
export type {
  BatchNormFn,
  BatchNormOptions,
  BatchNormState,
  LayerNormFn,
  NormParams,
} from "./norm.js";
export { batchNorm, layerNorm } from "./norm.js";
export type { GruParams, RecurrentFn, RecurrentOptions, RecurrentParams } from "./recurrent.js";
export { gru, lstm, simpleRnn } from "./recurrent.js";
export type {
  CombinatorResult,
  ConcatFn,
  Merged,
  ParallelFn,
  ResidualCheck,
  ResidualFn,
  ResidualOf,
} from "./combinators.js";
export { concat, parallel, residual } from "./combinators.js";
