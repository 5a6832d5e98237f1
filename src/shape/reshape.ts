/**
 * The shapes of `reshape` and `flatten`. The element counts must match; one `-1` is inferred.
 * Dimensions that appear on both sides cancel first, so a batch type parameter survives:
 * `Reshape<[B, 7, 7, 64], [B, -1]>` is `[B, 3136]`.
 *
 * @example
 * ```ts
 * type R = Reshape<[2, 3], [-1]>;      // [6]
 * type E = Reshape<[2, 3], [4, 2]>;    // { error: "reshape: cannot reshape [2, 3] (6 elements) to [4, 2] (8 elements)" }
 * type F = Flatten<[8, 7, 7, 64], 1>;  // [8, 3136]
 * ```
 * @module
 */
import type { FloorDiv, Mul, Product } from "./arith.js";
import type { Fmt, KnownRank, Same, ShapeMismatch } from "./dims.js";
import type { Before, From, SetAt } from "./axes.js";

/** Removes the first entry of `S` that is the same type as `D`; `[found, rest]`. */
type RemoveOne<S extends readonly number[], D, Acc extends number[] = []> = S extends readonly [
  infer H extends number,
  ...infer T extends readonly number[],
]
  ? Same<H, D> extends true
    ? [true, [...Acc, ...T]]
    : RemoveOne<T, D, [...Acc, H]>
  : [false, Acc];

/**
 * Cancels the sizes `From` and `To` share (a shared type parameter first of all), and finds the
 * position of `-1`: `[from, to, freeIndices]` where `to` has neither shared sizes nor `-1`.
 */
type Cancel<
  From extends readonly number[],
  To extends readonly number[],
  Rest extends number[] = [],
  Free extends number[] = [],
  I extends unknown[] = [],
> = To extends readonly [infer H extends number, ...infer T extends readonly number[]]
  ? RemoveOne<From, H> extends [true, infer F extends readonly number[]]
    ? Cancel<F, T, Rest, Free, [...I, 0]>
    : Same<H, -1> extends true
      ? Cancel<From, T, Rest, [...Free, I["length"]], [...I, 0]>
      : Cancel<From, T, [...Rest, H], Free, [...I, 0]>
  : [From, Rest, Free];

type Fill<T extends readonly number[], Free extends number[], V extends number> = Free extends [
  infer At extends number,
]
  ? SetAt<T, At, V>
  : T;

type Resolve<
  S extends readonly number[],
  T extends readonly number[],
  N extends number,
  K extends number,
  Free extends number[],
> =
  Same<N, number> extends true
    ? Fill<T, Free, number>
    : Same<K, number> extends true
      ? Fill<T, Free, number>
      : Free extends []
        ? Same<N, K> extends true
          ? T
          : ShapeMismatch<`reshape: cannot reshape ${Fmt<S>} (${Product<S>} elements) to ${Fmt<T>} (${Product<T>} elements)`>
        : K extends 0
          ? ShapeMismatch<`reshape: cannot infer -1 in ${Fmt<T>} from ${Fmt<S>}`>
          : Same<Mul<FloorDiv<N, K>, K>, N> extends true
            ? Fill<T, Free, FloorDiv<N, K>>
            : ShapeMismatch<`reshape: cannot infer -1 in ${Fmt<T>} from ${Fmt<S>} (${Product<S>} elements)`>;

type FreeOf<
  T extends readonly number[],
  I extends unknown[] = [],
  Acc extends number[] = [],
> = T extends readonly [infer H extends number, ...infer R extends readonly number[]]
  ? FreeOf<R, [...I, 0], Same<H, -1> extends true ? [...Acc, I["length"]] : Acc>
  : Acc;

/**
 * The shape of `reshape(x, T)` for `x` of shape `S`, or a mismatch naming both element counts.
 * @example
 * ```ts
 * type R = Reshape<[8, 7, 7, 64], [8, -1]>; // [8, 3136]
 * ```
 */
export type Reshape<S extends readonly number[], T extends readonly number[]> =
  KnownRank<T> extends false
    ? number[]
    : KnownRank<S> extends false
      ? FreeOf<T> extends infer F extends number[]
        ? Fill<T, F, number>
        : never
      : Cancel<S, T> extends [
            infer F extends readonly number[],
            infer R extends readonly number[],
            infer Free extends number[],
          ]
        ? Free extends [number, number, ...number[]]
          ? ShapeMismatch<`reshape: only one dimension may be -1, got ${Fmt<T>}`>
          : Resolve<S, T, Product<F>, Product<R>, Free>
        : never;

/**
 * `S` with the axes from `A` on merged into one (`Flatten<S, 0>` gives a vector).
 * @example
 * ```ts
 * type F = Flatten<[B, 7, 7, 64], 1>; // [B, 3136]
 * ```
 */
export type Flatten<S extends readonly number[], A extends number = 1> =
  KnownRank<S> extends false ? number[] : [...Before<S, A>, Product<From<S, A>>];
