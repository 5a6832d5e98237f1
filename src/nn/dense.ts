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
import type { AnyTensor, Tensor } from "../tensor/tensor.js";
import { type ActivationLike, activationFn } from "./activations.js";
import { glorotUniform, type InitializerLike, initializerFn, zeros } from "./initializers.js";
import { type In, type LayerSpec, layer, type Model, type ShapeFn, spec } from "./model.js";

/** The parameters of `dense(in, out)`: a kernel `[in, out]` and a bias `[out]`. */
export type DenseParams<I extends number, O extends number> = { w: Tensor<[I, O]>; b: Tensor<[O]> };
/** The parameters of `dense(in, out, { useBias: false })`: the kernel alone. */
export type DenseKernel<I extends number, O extends number> = { w: Tensor<[I, O]> };
/** The parameters `dense` makes with options `Opt`: no bias when `useBias` is the literal `false`. */
export type DenseParamsOf<I extends number, O extends number, Opt> = Opt extends { useBias: false }
  ? DenseKernel<I, O>
  : DenseParams<I, O>;

/** Options of `dense`. */
export interface DenseOptions {
  /** Applied to the output (default: none). */
  activation?: ActivationLike;
  /** Kernel initializer (default `glorotUniform`, as Keras). */
  kernelInitializer?: InitializerLike;
  /** Bias initializer (default `zeros`). */
  biasInitializer?: InitializerLike;
  /** Whether the layer adds a bias (default true); `false` gives parameters `{ w }` alone. */
  useBias?: boolean;
}

/** What `dense(units)` builds from input shape `in`. */
export interface DenseFn<U extends number, Opt = {}> extends ShapeFn {
  out: In<this> extends [infer N extends number]
    ? Model<[N], [U], DenseParamsOf<N, U, Opt>>
    : ShapeMismatch<`dense(${U}) takes [features] but gets ${Fmt<In<this>>}; flatten it first`>;
}

function denseModel(
  inF: number,
  units: number,
  opts: DenseOptions,
): Model<any, any, { w: AnyTensor; b?: AnyTensor }> {
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
  const useBias = opts.useBias ?? true;
  return layer({
    name: `dense(${inF}, ${units})`,
    inputShape: [inF],
    outputShape: [units],
    config: { useBias },
    init: (key) => {
      const [k1, k2] = split(key);
      const w = kInit(k1, [inF, units]) as AnyTensor;
      return useBias ? { w, b: bInit(k2, [units]) as AnyTensor } : { w };
    },
    forward: (p: { w: AnyTensor; b?: AnyTensor }, x, { state }) => {
      const z = matmulPrim(x, p.w);
      return { y: act(p.b ? add(z, p.b) : z), state };
    },
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
 * tg.nn.dense(784, 128, { useBias: false });      // Model<[784], [128], DenseKernel<784, 128>>
 * ```
 */
export function dense<
  const I extends number,
  const O extends number,
  const Opt extends DenseOptions = {},
>(inputs: I, units: O, opts?: Opt): Model<[I], [O], DenseParamsOf<I, O, Opt>>;
export function dense<const U extends number, const Opt extends DenseOptions = {}>(
  units: U,
  opts?: Opt,
): LayerSpec<DenseFn<U, Opt>>;
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
  opts: Omit<DenseOptions, "activation" | "useBias"> = {},
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
        const z = add(matmulPrim(x, p.w), p.b as AnyTensor);
        return { y: reduceMax(reshape(z, [x.shape[0], units, pieces]), [2]), state };
      },
    });
  });
}
