/**
 * Convolution and pooling in NHWC layout. Output sizes are computed at compile time:
 * `⌊(size − k) / stride⌋ + 1` for "valid" padding, `⌈size / stride⌉` for "same". Pooling is a
 * composition of slices, reshapes and reductions, so it needs no derivative code of its own.
 *
 * @example
 * ```ts
 * const x = tg.zeros([8, 28, 28, 1]);
 * const y = tg.conv2d(x, tg.zeros([3, 3, 1, 32]));  // Tensor<[8, 26, 26, 32]>
 * const p = tg.maxPool2d(y, 2);                      // Tensor<[8, 13, 13, 32]>
 * ```
 * @module
 */
import * as P from "../prims/elementwise.js";
import { conv2dPrim, convPads } from "../prims/conv.js";
import { concat, pad, reshape, slice } from "../prims/movement.js";
import { reduceMax, reduceSum } from "../prims/reduce.js";
import type { Conv2d, Padding, Pool2d, Stride2d } from "../shape/conv.js";
import type { Check, Kinds, Ok } from "../shape/dims.js";
import type { DType, DTypeCheck, FloatDType, NumericDType } from "../shape/dtype.js";
import { fmt, ShapeError } from "../shape/errors.js";
import type { AnyTensor, Shape, Tensor } from "../tensor/tensor.js";
import { requireFloat } from "./float.js";
import { named } from "./named.js";

/** Options of `conv2d`: the stride (default 1) and padding (default "valid"). */
export interface ConvOptions {
  stride?: Stride2d;
  padding?: Padding;
}
/** Options of pooling: the stride (default: the window size) and padding (default "valid"). */
export interface PoolOptions {
  stride?: Stride2d;
  padding?: Padding;
}

type StrideOf<O, Default> = O extends { stride: infer S } ? S : Default;
type PaddingOf<O> = O extends { padding: infer P extends Padding } ? P : "valid";

const pair = (op: string, s: Stride2d): [number, number] => {
  const p: [number, number] = typeof s === "number" ? [s, s] : [s[0], s[1]];
  if (!p.every((v) => Number.isInteger(v) && v >= 1))
    throw new ShapeError(op, `stride ${fmt(p)} must be integers ≥ 1`);
  return p;
};

/**
 * 2-D convolution of an NHWC input `[n, h, w, cin]` with an HWIO filter `[kh, kw, cin, cout]`.
 * @example
 * ```ts
 * tg.conv2d(tg.zeros([1, 224, 224, 3]), tg.zeros([7, 7, 3, 64]), { stride: 2, padding: "same" }); // Tensor<[1, 112, 112, 64]>
 * ```
 */
export function conv2d<
  X extends Shape,
  F extends Shape,
  D extends DType,
  const O extends ConvOptions = {},
  Kn extends Kinds = Kinds,
>(
  x: Tensor<X, D> & NoInfer<DTypeCheck<"conv2d", D, FloatDType, Kn>>,
  filter: Tensor<F, NoInfer<D>> & NoInfer<Check<Conv2d<X, F, StrideOf<O, 1>, PaddingOf<O>>>>,
  options?: O,
): Tensor<Ok<Conv2d<X, F, StrideOf<O, 1>, PaddingOf<O>>>, D> {
  const strides = pair("conv2d", options?.stride ?? 1);
  if (x.rank !== 4 || filter.rank !== 4) {
    throw new ShapeError(
      "conv2d",
      `input must be [batch, height, width, channels] and filter [kh, kw, cin, cout], got ${fmt(x.shape)} and ${fmt(filter.shape)}`,
    );
  }
  const pads = convPads(
    options?.padding ?? "valid",
    x.shape[1],
    x.shape[2],
    filter.shape[0],
    filter.shape[1],
    strides,
  );
  return conv2dPrim(x, filter, strides, pads);
}

/** The windows of a pooling op, as a list of strided slices of the padded input. */
function windows(
  op: string,
  x: AnyTensor,
  size: Stride2d,
  options: PoolOptions | undefined,
  fill: number,
) {
  if (x.rank !== 4)
    throw new ShapeError(op, `input must be [batch, height, width, channels], got ${fmt(x.shape)}`);
  const [kh, kw] = pair(op, size);
  const [sh, sw] = pair(op, options?.stride ?? size);
  const [n, h, w, c] = x.shape;
  const pads = convPads(options?.padding ?? "valid", h, w, kh, kw, [sh, sw]);
  const ph = h + pads[0] + pads[1];
  const pw = w + pads[2] + pads[3];
  if (ph < kh || pw < kw)
    throw new ShapeError(
      op,
      `window ${kh}x${kw} is larger than the input ${h}x${w} (input ${fmt(x.shape)})`,
    );
  const oh = Math.floor((ph - kh) / sh) + 1;
  const ow = Math.floor((pw - kw) / sw) + 1;
  const padded = pads.some((p) => p > 0)
    ? pad(x, [0, pads[0], pads[2], 0], [0, pads[1], pads[3], 0], fill)
    : x;
  return { padded, pads, kh, kw, sh, sw, n, c, oh, ow };
}

/** Reduces each window with `reduce` (over axes) or, when windows overlap, pairwise with `combine`. */
function pool(
  op: string,
  x: AnyTensor,
  size: Stride2d,
  options: PoolOptions | undefined,
  fill: number,
  kind: "max" | "sum",
): AnyTensor {
  const { padded, kh, kw, sh, sw, n, c, oh, ow } = windows(op, x, size, options, fill);
  if (sh === kh && sw === kw) {
    // non-overlapping windows: crop, view as [n, oh, kh, ow, kw, c] and reduce the window axes
    const cropped = slice(padded, [0, 0, 0, 0], [n, oh * kh, ow * kw, c]);
    const blocks = reshape(cropped, [n, oh, kh, ow, kw, c]);
    return kind === "max" ? reduceMax(blocks, [2, 4]) : reduceSum(blocks, [2, 4]);
  }
  // overlapping or gapped windows: one strided slice per window offset, stacked and reduced
  const parts: AnyTensor[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const s = slice(
        padded,
        [0, i, j, 0],
        [n, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, c],
        [1, sh, sw, 1],
      );
      parts.push(reshape(s, [1, n, oh, ow, c]));
    }
  }
  const stacked = concat(parts, 0);
  return kind === "max" ? reduceMax(stacked, [0]) : reduceSum(stacked, [0]);
}

/**
 * The maximum over each `size × size` window (or `[h, w]`); the stride defaults to the size.
 * Ties in a window split its gradient evenly; a NaN window gives NaN. Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.maxPool2d(tg.zeros([8, 26, 26, 32]), 2); // Tensor<[8, 13, 13, 32]>
 * ```
 */
export function maxPool2d<
  X extends Shape,
  D extends DType,
  const Z extends Stride2d,
  const O extends PoolOptions = {},
  Kn extends Kinds = Kinds,
>(
  x: Tensor<X, D> & NoInfer<DTypeCheck<"maxPool2d", D, NumericDType, Kn>>,
  size: Z & NoInfer<Check<Pool2d<X, Z, StrideOf<O, Z>, PaddingOf<O>, "maxPool2d">>>,
  options?: O,
): Tensor<Ok<Pool2d<X, Z, StrideOf<O, Z>, PaddingOf<O>, "maxPool2d">>, D> {
  return named("maxPool2d", () =>
    pool("maxPool2d", x, size, options, Number.NEGATIVE_INFINITY, "max"),
  );
}

/**
 * The mean over each window; with "same" padding, padded positions are not counted.
 * Float input only (an integer mean would truncate). Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.avgPool2d(tg.ones([1, 4, 4, 1]), 2); // Tensor<[1, 2, 2, 1]> of ones
 * ```
 */
export function avgPool2d<
  X extends Shape,
  D extends DType,
  const Z extends Stride2d,
  const O extends PoolOptions = {},
  Kn extends Kinds = Kinds,
>(
  x: Tensor<X, D> & NoInfer<DTypeCheck<"avgPool2d", D, FloatDType, Kn>>,
  size: Z & NoInfer<Check<Pool2d<X, Z, StrideOf<O, Z>, PaddingOf<O>, "avgPool2d">>>,
  options?: O,
): Tensor<Ok<Pool2d<X, Z, StrideOf<O, Z>, PaddingOf<O>, "avgPool2d">>, D> {
  // an integer mean would truncate: refused, as PyTorch does (cast to f32 first)
  requireFloat("avgPool2d", x);
  const total = pool("avgPool2d", x, size, options, 0, "sum");
  if ((options?.padding ?? "valid") === "valid") {
    const [kh, kw] = pair("avgPool2d", size);
    return P.div(total, kh * kw);
  }
  // count the real (unpadded) positions in each window by pooling ones
  const ones = P.add(
    P.mul(
      reshape(slice(x, [0, 0, 0, 0], [1, x.shape[1], x.shape[2], 1]), [
        1,
        x.shape[1],
        x.shape[2],
        1,
      ]),
      0,
    ),
    1,
  );
  const count = pool("avgPool2d", ones, size, options, 0, "sum");
  return P.div(total, count);
}
