/**
 * Normalization layers: `batchNorm` (batch statistics in training, running averages at inference;
 * the running averages are state that goes in and comes out through `forward`) and `layerNorm`.
 *
 * @example
 * ```ts
 * const bn = tg.nn.build(tg.nn.batchNorm(), [16]);
 * let state = bn.initState();                           // { mean: zeros [16], variance: ones [16] }
 * const [params, x] = [bn.init(tg.random.key(0)), tg.zeros([8, 16])];
 * const r = bn.forward(params, x, { training: true, state }); state = r.state;
 * const y = bn.apply(params, x, { state });             // inference: the running averages
 * ```
 * @module
 */
import { filled } from "../prims/constants.js";
import { add, cast, div, mul, sqrt, stopGradient, sub } from "../prims/elementwise.js";
import { reshape } from "../prims/movement.js";
import type { Fmt, ShapeMismatch } from "../shape/dims.js";
import { ShapeError } from "../shape/errors.js";
import type { AnyTensor, Shape, Tensor } from "../tensor/tensor.js";
import { type In, type LayerSpec, layer, type Model, type ShapeFn, spec } from "./model.js";
import { moments } from "./numeric.js";

/** Scale and offset over the last (feature) axis. */
export type NormParams<C extends number> = { gamma: Tensor<[C]>; beta: Tensor<[C]> };
/** Batch norm's running averages. */
export type BatchNormState<C extends number> = { mean: Tensor<[C]>; variance: Tensor<[C]> };

const rsqrtOf = (x: AnyTensor): AnyTensor => div(1, sqrt(x));

type Last<S> = S extends [...unknown[], infer C extends number] ? C : never;

/** What `batchNorm()` builds: the shape is kept; statistics are per last-axis feature. */
export interface BatchNormFn extends ShapeFn {
  out: In<this> extends [...number[], number]
    ? Model<In<this>, In<this>, NormParams<Last<In<this>>>, BatchNormState<Last<In<this>>>>
    : ShapeMismatch<`batchNorm needs at least one feature axis, got ${Fmt<In<this>>}`>;
}
/** What `layerNorm()` builds. */
export interface LayerNormFn extends ShapeFn {
  out: In<this> extends [...number[], number]
    ? Model<In<this>, In<this>, NormParams<Last<In<this>>>>
    : ShapeMismatch<`layerNorm needs at least one feature axis, got ${Fmt<In<this>>}`>;
}

/** Options of `batchNorm`. */
export interface BatchNormOptions {
  /** Weight of the old running average in each update (default 0.99, as Keras). */
  momentum?: number;
  /** Added to the variance (default 1e-3, as Keras). */
  epsilon?: number;
}

function normParams(c: number) {
  return () => ({ gamma: filled([c], 1, "f32"), beta: filled([c], 0, "f32") });
}

function featureAxis(name: string, shape: Shape): number {
  if (shape.length === 0) throw new ShapeError(name, "needs at least one feature axis, got []");
  return shape[shape.length - 1];
}

/**
 * Batch normalization over the last axis. In training (`{ training: true }`) it normalizes with
 * the batch's mean and (biased) variance over every other axis and returns updated running
 * averages `m ← momentum·m + (1 − momentum)·batch`; at inference it uses the running averages.
 * @example
 * ```ts
 * const model = tg.nn.sequential([20], tg.nn.dense(16), tg.nn.batchNorm(), tg.nn.relu);
 * const [params, x] = [model.init(tg.random.key(0)), tg.zeros([8, 20])];
 * const { y, state } = model.forward(params, x, { training: true, state: model.initState() });
 * ```
 */
export function batchNorm(opts: BatchNormOptions = {}): LayerSpec<BatchNormFn> {
  const momentum = opts.momentum ?? 0.99;
  const eps = opts.epsilon ?? 1e-3;
  return spec("batchNorm", (shape: Shape) => {
    const c = featureAxis("batchNorm", shape);
    const axes = Array.from({ length: shape.length }, (_, i) => i); // batch + every axis but the last
    type St = { mean: AnyTensor; variance: AnyTensor };
    return layer<any, any, { gamma: AnyTensor; beta: AnyTensor }, St>({
      name: "batchNorm",
      inputShape: shape,
      outputShape: shape,
      config: { epsilon: eps, momentum },
      init: normParams(c),
      initState: () => ({ mean: filled([c], 0, "f32"), variance: filled([c], 1, "f32") }),
      forward: (p, x, { training, state }) => {
        const scale = (mu: AnyTensor, v: AnyTensor) =>
          add(mul(mul(sub(x, mu), rsqrtOf(add(v, eps))), p.gamma), p.beta);
        if (!training)
          return { y: scale(cast(state.mean, x.dtype), cast(state.variance, x.dtype)), state };
        const [mu, v] = moments(x, axes);
        const flat = (t: AnyTensor) => stopGradient(reshape(t, [c]));
        const upd = (old: AnyTensor, b: AnyTensor) =>
          add(mul(cast(old, x.dtype), momentum), mul(flat(b), 1 - momentum));
        return {
          y: scale(mu, v),
          state: { mean: upd(state.mean, mu), variance: upd(state.variance, v) },
        };
      },
    });
  });
}

/**
 * Layer normalization: each example normalized over its last axis, then scaled and shifted.
 * @example
 * ```ts
 * tg.nn.sequential([10, 32], tg.nn.layerNorm()); // Model<[10, 32], [10, 32], NormParams<32>>
 * ```
 */
export function layerNorm(opts: { epsilon?: number } = {}): LayerSpec<LayerNormFn> {
  const eps = opts.epsilon ?? 1e-3;
  return spec("layerNorm", (shape: Shape) => {
    const c = featureAxis("layerNorm", shape);
    return layer<any, any, { gamma: AnyTensor; beta: AnyTensor }>({
      name: "layerNorm",
      inputShape: shape,
      outputShape: shape,
      config: { epsilon: eps },
      init: normParams(c),
      forward: (p, x, { state }) => {
        const [mu, v] = moments(x, [x.rank - 1]);
        return { y: add(mul(mul(sub(x, mu), rsqrtOf(add(v, eps))), p.gamma), p.beta), state };
      },
    });
  });
}
