/**
 * Fully connected layers: `dense` and `maxout` (the `embedding` lookup table is in `embedding.ts`).
 *
 * @example
 * ```ts
 * const d = tg.nn.dense(784, 128);   // Model<[784], [128], { w: Tensor<[784, 128]>; b: Tensor<[128]> }>
 * const s = tg.nn.dense(10);         // a spec: the input size comes from the layer before it
 * ```
 * @module
 */
import type { Mul } from "../shape/arith.js";
import type { Fmt, ShapeMismatch } from "../shape/dims.js";
import { ShapeError } from "../shape/errors.js";
import { split } from "../random/index.js";
import { add } from "../prims/elementwise.js";
import { matmulPrim } from "../prims/linalg.js";
import { reshape } from "../prims/movement.js";
import { reduceMax } from "../prims/reduce.js";
import type { Tensor } from "../tensor/tensor.js";
import { type ActivationLike, activationFn } from "./activations.js";
import { glorotUniform, type InitializerLike, initializerFn, zeros } from "./initializers.js";
import { type In, type LayerSpec, layer, type Model, type ShapeFn, spec } from "./model.js";

/** The parameters of `dense(in, out)`: a kernel `[in, out]` and a bias `[out]`. */
export type DenseParams<I extends number, O extends number> = { w: Tensor<[I, O]>; b: Tensor<[O]> };

/** Options of `dense`. */
export interface DenseOptions {
  /** Applied to the output (default: none). */
  activation?: ActivationLike;
  /** Kernel initializer (default `glorotUniform`, as Keras). */
  kernelInitializer?: InitializerLike;
  /** Bias initializer (default `zeros`). */
  biasInitializer?: InitializerLike;
}

/** What `dense(units)` builds from input shape `in`. */
export interface DenseFn<U extends number> extends ShapeFn {
  out: In<this> extends [infer N extends number]
    ? Model<[N], [U], DenseParams<N, U>>
    : ShapeMismatch<`dense(${U}) takes [features] but gets ${Fmt<In<this>>}; flatten it first`>;
}

function denseModel(
  inF: number,
  units: number,
  opts: DenseOptions,
): Model<any, any, DenseParams<number, number>> {
  for (const [what, n] of [
    ["input size", inF],
    ["units", units],
  ] as const) {
    if (!(Number.isInteger(n) && n > 0))
      throw new ShapeError("dense", `${what} must be a positive integer, got ${n}`);
  }
  const kInit = initializerFn(opts.kernelInitializer, glorotUniform);
  const bInit = initializerFn(opts.biasInitializer, zeros);
  const act = activationFn(opts.activation);
  return layer({
    name: `dense(${inF}, ${units})`,
    inputShape: [inF],
    outputShape: [units],
    init: (key) => {
      const [k1, k2] = split(key);
      return { w: kInit(k1, [inF, units]), b: bInit(k2, [units]) } as DenseParams<number, number>;
    },
    forward: (p, x, { state }) => ({ y: act(add(matmulPrim(x, p.w), p.b)), state }),
  });
}

/**
 * A fully connected layer `y = activation(x·w + b)`. With two sizes it is a built layer whose
 * input width is checked; with one (`dense(units)`) it is a spec that takes its input width from
 * the layer before it.
 * @example
 * ```ts
 * tg.nn.dense(784, 128);                          // Model<[784], [128], DenseParams<784, 128>>
 * tg.nn.sequential([784], tg.nn.dense(128, { activation: "relu" }), tg.nn.dense(10));
 * ```
 */
export function dense<const I extends number, const O extends number>(
  inputs: I,
  units: O,
  opts?: DenseOptions,
): Model<[I], [O], DenseParams<I, O>>;
export function dense<const U extends number>(units: U, opts?: DenseOptions): LayerSpec<DenseFn<U>>;
export function dense(a: number, b?: number | DenseOptions, c?: DenseOptions): unknown {
  if (typeof b === "number") return denseModel(a, b, c ?? {});
  const opts = b ?? {};
  return spec(`dense(${a})`, (shape) => {
    if (shape.length !== 1)
      throw new ShapeError(
        `dense(${a})`,
        `takes [features] but gets [${shape.join(", ")}]; flatten it first`,
      );
    return denseModel(shape[0], a, opts);
  });
}

/** What `maxout(units, pieces)` builds. */
export interface MaxoutFn<U extends number, K extends number> extends ShapeFn {
  out: In<this> extends [infer N extends number]
    ? Model<[N], [U], DenseParams<N, Mul<U, K>>>
    : ShapeMismatch<`maxout(${U}, ${K}) takes [features] but gets ${Fmt<In<this>>}; flatten it first`>;
}

/**
 * Maxout: a dense layer to `units·pieces` features, then the maximum over each group of `pieces`.
 * @example
 * ```ts
 * tg.nn.sequential([20], tg.nn.maxout(8, 3)); // Model<[20], [8], DenseParams<20, 24>>
 * ```
 */
export function maxout<const U extends number, const K extends number>(
  units: U,
  pieces: K,
  opts: Omit<DenseOptions, "activation"> = {},
): LayerSpec<MaxoutFn<U, K>> {
  const name = `maxout(${units}, ${pieces})`;
  return spec(name, (shape) => {
    if (shape.length !== 1)
      throw new ShapeError(
        name,
        `takes [features] but gets [${shape.join(", ")}]; flatten it first`,
      );
    const d = denseModel(shape[0], units * pieces, opts);
    return layer({
      name,
      inputShape: shape,
      outputShape: [units],
      init: d.init,
      forward: (p, x, { state }) => {
        const z = add(matmulPrim(x, p.w), p.b);
        return { y: reduceMax(reshape(z, [x.shape[0], units, pieces]), [2]), state };
      },
    });
  });
}
