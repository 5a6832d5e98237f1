/**
 * Convolutional layers in NHWC layout: `conv2d`, `maxPool2d`, `avgPool2d` and `globalAvgPool2d`.
 * Each is a spec: it takes `[height, width, channels]` from the layer before it and computes its
 * output size at compile time (`⌊(n − k) / stride⌋ + 1` for "valid", `⌈n / stride⌉` for "same").
 *
 * @example
 * ```ts
 * const cnn = tg.nn.sequential([28, 28, 1],
 *   tg.nn.conv2d(32, 3), tg.nn.relu, tg.nn.maxPool2d(2),   // [13, 13, 32]
 *   tg.nn.conv2d(64, 3), tg.nn.relu, tg.nn.maxPool2d(2),   // [5, 5, 64]
 *   tg.nn.flatten, tg.nn.dense(10));                        // Model<[28, 28, 1], [10], …>
 * ```
 * @module
 */
import { avgPool2d as avgPoolOp, maxPool2d as maxPoolOp } from "../ops/image.js";
import { add } from "../prims/elementwise.js";
import { conv2dPrim, convOutSize, convPads } from "../prims/conv.js";
import { split } from "../random/index.js";
import type { Conv2d, Padding, Pool2d, Stride2d } from "../shape/conv.js";
import type { Fmt, Fits, ShapeMismatch } from "../shape/dims.js";
import { ShapeError } from "../shape/errors.js";
import type { AnyTensor, Shape, Tensor } from "../tensor/tensor.js";
import { type ActivationLike, activationFn } from "./activations.js";
import { glorotUniform, type InitializerLike, initializerFn, zeros } from "./initializers.js";
import { type In, type LayerSpec, layer, type Model, type ShapeFn, spec } from "./model.js";
import { meanAxes } from "./numeric.js";

/** A kernel size: one number for both axes or `[kh, kw]`. */
export type Kernel2d = number | readonly [number, number];
type KH<K> = K extends readonly [infer H extends number, number]
  ? H
  : K extends number
    ? K
    : number;
type KW<K> = K extends readonly [number, infer W extends number]
  ? W
  : K extends number
    ? K
    : number;
type StrideOf<O, Default> = O extends { stride: infer S } ? S : Default;
type PaddingOf<O> = O extends { padding: infer P extends Padding } ? P : "valid";
type InChannelsOf<O, C extends number> = O extends { inChannels: infer I extends number } ? I : C;

/** Options of the `conv2d` layer. */
export interface Conv2dOptions {
  /** Stride, one number or `[sh, sw]` (default 1). */
  stride?: Stride2d;
  /** "valid" (default) or "same". */
  padding?: Padding;
  /** Applied to the output (default: none). */
  activation?: ActivationLike;
  /** The input channels this layer expects; checked against the layer before it. */
  inChannels?: number;
  /** Kernel initializer (default `glorotUniform`, as Keras). */
  kernelInitializer?: InitializerLike;
  /** Bias initializer (default `zeros`). */
  biasInitializer?: InitializerLike;
  /** Whether the layer adds a bias (default true); `false` gives parameters `{ w }` alone. */
  useBias?: boolean;
}

/** The parameters of a conv2d layer: an HWIO kernel and a bias. */
export type Conv2dParams<
  KH extends number,
  KW extends number,
  C extends number,
  F extends number,
> = {
  w: Tensor<[KH, KW, C, F]>;
  b: Tensor<[F]>;
};
/** The parameters of a conv2d layer with `{ useBias: false }`: the HWIO kernel alone. */
export type Conv2dKernel<
  KH extends number,
  KW extends number,
  C extends number,
  F extends number,
> = {
  w: Tensor<[KH, KW, C, F]>;
};
/** The parameters `conv2d` makes with options `O`: no bias when `useBias` is the literal `false`. */
export type Conv2dParamsOf<
  KH extends number,
  KW extends number,
  C extends number,
  F extends number,
  O,
> = O extends { useBias: false } ? Conv2dKernel<KH, KW, C, F> : Conv2dParams<KH, KW, C, F>;

/** What `conv2d(filters, kernel, opts)` builds from `[h, w, c]`. */
export interface Conv2dFn<F extends number, K, O> extends ShapeFn {
  out: In<this> extends [infer H extends number, infer W extends number, infer C extends number]
    ? Fits<C, InChannelsOf<O, C>> extends true
      ? Conv2d<[1, H, W, C], [KH<K>, KW<K>, C, F], StrideOf<O, 1>, PaddingOf<O>> extends infer Y
        ? Y extends ShapeMismatch<infer M>
          ? ShapeMismatch<M>
          : Y extends [number, ...infer R extends number[]]
            ? Model<[H, W, C], R, Conv2dParamsOf<KH<K>, KW<K>, C, F, O>>
            : never
        : never
      : ShapeMismatch<`conv2d(${F}) expects ${InChannelsOf<O, C>} input channels but gets ${C} (input [${H}, ${W}, ${C}])`>
    : ShapeMismatch<`conv2d(${F}) takes [height, width, channels] but gets ${Fmt<In<this>>}`>;
}

const pair = (
  name: string,
  what: string,
  v: number | readonly [number, number],
): [number, number] => {
  const p: [number, number] = typeof v === "number" ? [v, v] : [v[0], v[1]];
  if (!p.every((n) => Number.isInteger(n) && n >= 1))
    throw new ShapeError(name, `${what} [${p.join(", ")}] must be integers ≥ 1`);
  return p;
};

/**
 * A 2-D convolution layer: `filters` output channels, a `kernel × kernel` (or `[kh, kw]`) window,
 * optional stride, padding and activation. Its input channels come from the layer before it
 * (or are checked against `inChannels`).
 * @example
 * ```ts
 * tg.nn.sequential([28, 28, 1], tg.nn.conv2d(32, 3, { padding: "same", activation: "relu" })); // → [28, 28, 32]
 * tg.nn.sequential([28, 28, 1], tg.nn.conv2d(8, 3, { useBias: false })); // params [{ w: [3, 3, 1, 8] }]
 * ```
 */
export function conv2d<
  const F extends number,
  const K extends Kernel2d,
  const O extends Conv2dOptions = {},
>(filters: F, kernel: K, opts?: O): LayerSpec<Conv2dFn<F, K, O>> {
  const o: Conv2dOptions = opts ?? {};
  const name = `conv2d(${filters}, ${typeof kernel === "number" ? kernel : `[${kernel.join(", ")}]`})`;
  const [kh, kw] = pair(name, "kernel", kernel);
  const strides = pair(name, "stride", o.stride ?? 1);
  const padding = o.padding ?? "valid";
  const kInit = initializerFn(o.kernelInitializer, glorotUniform);
  const bInit = initializerFn(o.biasInitializer, zeros);
  const act = activationFn(o.activation);
  const useBias = o.useBias ?? true;
  return spec(name, (shape: Shape) => {
    if (shape.length !== 3)
      throw new ShapeError(name, `takes [height, width, channels] but gets [${shape.join(", ")}]`);
    const [h, w, c] = shape;
    if (o.inChannels !== undefined && o.inChannels !== c) {
      throw new ShapeError(
        name,
        `expects ${o.inChannels} input channels but gets ${c} (input [${shape.join(", ")}])`,
      );
    }
    const pads = convPads(padding, h, w, kh, kw, strides);
    const oh = convOutSize(h, kh, strides[0], pads[0], pads[1]);
    const ow = convOutSize(w, kw, strides[1], pads[2], pads[3]);
    if (oh < 1 || ow < 1)
      throw new ShapeError(name, `window ${kh}x${kw} is larger than the input ${h}x${w}`);
    return layer({
      name,
      inputShape: shape,
      outputShape: [oh, ow, filters],
      config: { useBias },
      init: (key) => {
        const [k1, k2] = split(key);
        const w = kInit(k1, [kh, kw, c, filters]) as AnyTensor;
        return useBias ? { w, b: bInit(k2, [filters]) as AnyTensor } : { w };
      },
      forward: (p: { w: AnyTensor; b?: AnyTensor }, x, { state }) => {
        const z = conv2dPrim(x, p.w, strides, pads);
        return { y: act(p.b ? add(z, p.b) : z), state };
      },
    });
  });
}

/** Options of the pooling layers. */
export interface Pool2dOptions {
  /** Stride (default: the window size). */
  stride?: Stride2d;
  /** "valid" (default) or "same". */
  padding?: Padding;
}

/** What a pooling layer builds from `[h, w, c]`. */
export interface Pool2dFn<Op extends string, Z, O> extends ShapeFn {
  out: In<this> extends [infer H extends number, infer W extends number, infer C extends number]
    ? Pool2d<[1, H, W, C], Z, StrideOf<O, Z>, PaddingOf<O>, Op> extends infer Y
      ? Y extends ShapeMismatch<infer M>
        ? ShapeMismatch<M>
        : Y extends [number, ...infer R extends number[]]
          ? Model<[H, W, C], R, {}>
          : never
      : never
    : ShapeMismatch<`${Op} takes [height, width, channels] but gets ${Fmt<In<this>>}`>;
}

function poolSpec(op: "maxPool2d" | "avgPool2d", size: Stride2d, o: Pool2dOptions): LayerSpec<any> {
  const name = `${op}(${typeof size === "number" ? size : `[${size.join(", ")}]`})`;
  const [kh, kw] = pair(name, "size", size);
  const strides = pair(name, "stride", o.stride ?? size);
  const run = (op === "maxPool2d" ? maxPoolOp : avgPoolOp) as unknown as (
    x: AnyTensor,
    s: Stride2d,
    o: Pool2dOptions,
  ) => AnyTensor;
  return spec(name, (shape: Shape) => {
    if (shape.length !== 3)
      throw new ShapeError(name, `takes [height, width, channels] but gets [${shape.join(", ")}]`);
    const [h, w, c] = shape;
    const pads = convPads(o.padding ?? "valid", h, w, kh, kw, strides);
    const oh = convOutSize(h, kh, strides[0], pads[0], pads[1]);
    const ow = convOutSize(w, kw, strides[1], pads[2], pads[3]);
    if (oh < 1 || ow < 1)
      throw new ShapeError(name, `window ${kh}x${kw} is larger than the input ${h}x${w}`);
    return layer({
      name,
      inputShape: shape,
      outputShape: [oh, ow, c],
      forward: (_p, x, { state }) => ({
        y: run(x, size, { stride: strides, padding: o.padding ?? "valid" }),
        state,
      }),
    });
  });
}

/**
 * Max pooling over `size × size` windows (or `[h, w]`); the stride defaults to the size.
 * @example
 * ```ts
 * tg.nn.sequential([26, 26, 32], tg.nn.maxPool2d(2)); // → [13, 13, 32]
 * ```
 */
export function maxPool2d<const Z extends Stride2d, const O extends Pool2dOptions = {}>(
  size: Z,
  opts?: O,
): LayerSpec<Pool2dFn<"maxPool2d", Z, O>> {
  return poolSpec("maxPool2d", size, opts ?? {});
}

/**
 * Average pooling over `size × size` windows (or `[h, w]`); the stride defaults to the size.
 * @example
 * ```ts
 * tg.nn.sequential([26, 26, 32], tg.nn.avgPool2d(2)); // → [13, 13, 32]
 * ```
 */
export function avgPool2d<const Z extends Stride2d, const O extends Pool2dOptions = {}>(
  size: Z,
  opts?: O,
): LayerSpec<Pool2dFn<"avgPool2d", Z, O>> {
  return poolSpec("avgPool2d", size, opts ?? {});
}

/** What `globalAvgPool2d` builds: `[h, w, c]` to `[c]`. */
export interface GlobalPoolFn extends ShapeFn {
  out: In<this> extends [infer H extends number, infer W extends number, infer C extends number]
    ? Model<[H, W, C], [C], {}>
    : ShapeMismatch<`globalAvgPool2d takes [height, width, channels] but gets ${Fmt<In<this>>}`>;
}

/**
 * The mean over the spatial axes: `[h, w, c]` to `[c]`.
 * @example
 * ```ts
 * tg.nn.sequential([7, 7, 64], tg.nn.globalAvgPool2d, tg.nn.dense(10)); // → [10]
 * ```
 */
export const globalAvgPool2d: LayerSpec<GlobalPoolFn> = spec("globalAvgPool2d", (shape: Shape) => {
  if (shape.length !== 3)
    throw new ShapeError(
      "globalAvgPool2d",
      `takes [height, width, channels] but gets [${shape.join(", ")}]`,
    );
  return layer({
    name: "globalAvgPool2d",
    inputShape: shape,
    outputShape: [shape[2]],
    forward: (_p, x, { state }) => ({ y: meanAxes(x, [1, 2]), state }),
  });
});
