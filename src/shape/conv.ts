/**
 * Output sizes of convolution and pooling in NHWC layout, with "valid" or "same" padding.
 *
 * - valid: `⌊(size − k) / stride⌋ + 1`
 * - same: `⌈size / stride⌉`
 *
 * @example
 * ```ts
 * type Y = Conv2d<[8, 28, 28, 1], [3, 3, 1, 32], 1, "valid">; // [8, 26, 26, 32]
 * type P = Pool2d<[8, 26, 26, 32], 2, 2, "valid">;           // [8, 13, 13, 32]
 * ```
 * @module
 */
import type { Add, Compare, CeilDiv, FloorDiv, Sub } from "./arith.js";
import type { Fits, Fmt, KnownRank, ShapeMismatch } from "./dims.js";

/** Padding modes of convolution and pooling. */
export type Padding = "valid" | "same";

/** A stride: one number for both axes, or `[strideH, strideW]`. */
export type Stride2d = number | readonly [number, number];

type SH<S> = S extends readonly [infer H extends number, number]
  ? H
  : S extends number
    ? S
    : number;
type SW<S> = S extends readonly [number, infer W extends number]
  ? W
  : S extends number
    ? S
    : number;

/**
 * The output size of one spatial axis, or a mismatch when the window is larger than the input.
 * @example
 * ```ts
 * type N = OutSize<224, 7, 2, "same">; // 112
 * ```
 */
export type OutSize<
  N extends number,
  K extends number,
  S extends number,
  P extends Padding,
> = P extends "same"
  ? CeilDiv<N, S>
  : Compare<N, K> extends "lt"
    ? ShapeMismatch<`window ${K} is larger than the input size ${N}`>
    : Add<FloorDiv<Sub<N, K>, S>, 1>;

type Spatial<
  Op extends string,
  X extends readonly number[],
  N extends number,
  H extends number,
  W extends number,
  KH extends number,
  KW extends number,
  S,
  P extends Padding,
  C extends number,
> =
  OutSize<H, KH, SH<S>, P> extends infer OH extends number
    ? OutSize<W, KW, SW<S>, P> extends infer OW extends number
      ? [N, OH, OW, C]
      : Window<Op, X, H, W, KH, KW>
    : Window<Op, X, H, W, KH, KW>;
type Window<
  Op extends string,
  X extends readonly number[],
  H extends number,
  W extends number,
  KH extends number,
  KW extends number,
> = ShapeMismatch<`${Op}: window ${KH}x${KW} is larger than the input ${H}x${W} (input ${Fmt<X>})`>;

/**
 * The output shape of `conv2d(x, filter)` for an NHWC input `X` and HWIO filter `F`.
 * @example
 * ```ts
 * type Y = Conv2d<[1, 224, 224, 3], [7, 7, 3, 64], 2, "same">; // [1, 112, 112, 64]
 * ```
 */
export type Conv2d<X extends readonly number[], F extends readonly number[], S, P extends Padding> =
  KnownRank<X> extends false
    ? number[]
    : X extends readonly [
          infer N extends number,
          infer H extends number,
          infer W extends number,
          infer C extends number,
        ]
      ? F extends readonly [
          infer KH extends number,
          infer KW extends number,
          infer CI extends number,
          infer CO extends number,
        ]
        ? Fits<C, CI> extends true
          ? Spatial<"conv2d", X, N, H, W, KH, KW, S, P, CO>
          : ShapeMismatch<`conv2d: input has ${C} channels but the filter expects ${CI} (input [${N}, ${H}, ${W}, ${C}], filter [${KH}, ${KW}, ${CI}, ${CO}])`>
        : ShapeMismatch<`conv2d: filter must be [kh, kw, cin, cout], got ${Fmt<F>}`>
      : ShapeMismatch<`conv2d: input must be [batch, height, width, channels], got ${Fmt<X>}`>;

/**
 * The output shape of a pooling window of `Size` (a number or `[h, w]`) over an NHWC input.
 * @example
 * ```ts
 * type Y = Pool2d<[8, 26, 26, 32], 2, 2, "valid">; // [8, 13, 13, 32]
 * ```
 */
export type Pool2d<
  X extends readonly number[],
  Size,
  S,
  P extends Padding,
  Op extends string = "pool2d",
> =
  KnownRank<X> extends false
    ? number[]
    : X extends readonly [
          infer N extends number,
          infer H extends number,
          infer W extends number,
          infer C extends number,
        ]
      ? Spatial<Op, X, N, H, W, SH<Size>, SW<Size>, S, P, C>
      : ShapeMismatch<`${Op}: input must be [batch, height, width, channels], got ${Fmt<X>}`>;
