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
import type { AllLit, Compare, DimProduct, FloorDiv, Mul } from "./arith.js";
import type { Before, From, SetAt } from "./axes.js";
import type { Fmt, Is, IsK, KindOf, Kinds, KnownRank, ShapeMismatch } from "./dims.js";

/**
 * Removes the first entry of `S` that is the same size as `D`; `[found, rest]`. Plain `number`
 * never cancels (two unknown sizes need not be equal); a type parameter cancels with itself.
 */
type RemoveOne<
  S extends readonly number[],
  D,
  K extends Kinds,
  Acc extends number[] = [],
> = S extends readonly [infer H extends number, ...infer T extends readonly number[]]
  ? Is<H, D> extends true
    ? IsK<H, K, "num"> extends true
      ? [false, [...Acc, ...S]]
      : [true, [...Acc, ...T]]
    : RemoveOne<T, D, K, [...Acc, H]>
  : [false, Acc];

/**
 * Cancels the sizes `From` and `To` share (a shared type parameter first of all), and finds the
 * position of `-1`: `[from, to, freeIndices]` where `to` has neither shared sizes nor `-1`.
 */
type Cancel<
  From extends readonly number[],
  To extends readonly number[],
  K extends Kinds,
  Rest extends number[] = [],
  Free extends number[] = [],
  I extends unknown[] = [],
> = To extends readonly [infer H extends number, ...infer T extends readonly number[]]
  ? IsK<H, K, "neg"> extends true
    ? Cancel<From, T, K, Rest, [...Free, I["length"]], [...I, 0]>
    : RemoveOne<From, H, K> extends [true, infer F extends readonly number[]]
      ? Cancel<F, T, K, Rest, Free, [...I, 0]>
      : Cancel<From, T, K, [...Rest, H], Free, [...I, 0]>
  : [From, Rest, Free];

type Fill<T extends readonly number[], Free extends number[], V extends number> = Free extends [
  infer At extends number,
]
  ? SetAt<T, At, V>
  : T;

// N and M are the element counts left after cancelling: literals, or `number` when a size is
// `number` or a type parameter that did not cancel (then the runtime decides).
type Resolve<
  S extends readonly number[],
  T extends readonly number[],
  N extends number,
  M extends number,
  Free extends number[],
  K extends Kinds,
> =
  IsK<N, K, "num"> extends true
    ? Fill<T, Free, number>
    : IsK<M, K, "num"> extends true
      ? Fill<T, Free, number>
      : Free extends []
        ? [N] extends [M] // both literals here: assignable means equal
          ? T
          : AllLit<S, K> extends true
            ? ShapeMismatch<`reshape: cannot reshape ${Fmt<S>} (${DimProduct<S, K>} elements) to ${Fmt<T>} (${DimProduct<T, K>} elements)`>
            : ShapeMismatch<`reshape: cannot reshape ${Fmt<S>} to ${Fmt<T>}: the sizes they share cancel, leaving ${N} elements against ${M}`>
        : M extends 0
          ? ShapeMismatch<`reshape: cannot infer -1 in ${Fmt<T>} from ${Fmt<S>}`>
          : [Mul<FloorDiv<N, M>, M>] extends [N]
            ? Fill<T, Free, FloorDiv<N, M>>
            : ShapeMismatch<`reshape: cannot infer -1 in ${Fmt<T>} from ${Fmt<S>} (${DimProduct<S, K>} elements)`>;

// After cancelling, a lone type parameter left over among literals whose product is the product
// of the other side is what -1 stands for: `[B, 4, 3]` to `[-1, 12]` is `[B, 12]`.
type Lone<
  F extends readonly number[],
  R extends readonly number[],
  K extends Kinds,
  P extends number[] = [],
  L extends number[] = [],
> = F extends readonly [infer H extends number, ...infer T extends readonly number[]]
  ? KindOf<H, K> extends "lit"
    ? Lone<T, R, K, P, [...L, H]>
    : KindOf<H, K> extends "param"
      ? P extends []
        ? Lone<T, R, K, [H], L>
        : []
      : []
  : P extends [infer Q]
    ? AllLit<R, K> extends true
      ? [DimProduct<L, K>] extends [DimProduct<R, K>] // literals on both sides
        ? [Q]
        : []
      : []
    : [];

type FreeOf<
  T extends readonly number[],
  K extends Kinds,
  I extends unknown[] = [],
  Acc extends number[] = [],
> = T extends readonly [infer H extends number, ...infer R extends readonly number[]]
  ? FreeOf<R, K, [...I, 0], IsK<H, K, "neg"> extends true ? [...Acc, I["length"]] : Acc>
  : Acc;

/**
 * The shape of `reshape(x, T)` for `x` of shape `S`, or a mismatch naming both element counts.
 * When a size is plain `number`, or a type parameter that does not cancel, the element count is
 * not known at compile time and the runtime check decides (`-1` then becomes `number`).
 * @example
 * ```ts
 * type R = Reshape<[8, 7, 7, 64], [8, -1]>; // [8, 3136]
 * type U = Reshape<[number, 10], [number, 20]>; // [number, 20]
 * ```
 */
export type Reshape<
  S extends readonly number[],
  T extends readonly number[],
  K extends Kinds = Kinds,
> =
  KnownRank<T> extends false
    ? number[]
    : KnownRank<S> extends false
      ? FreeOf<T, K> extends infer F extends number[]
        ? Fill<T, F, number>
        : never
      : Cancel<S, T, K> extends [
            infer F extends readonly number[],
            infer R extends readonly number[],
            infer Free extends number[],
          ]
        ? Free extends [number, number, ...number[]]
          ? ShapeMismatch<`reshape: only one dimension may be -1, got ${Fmt<T>}`>
          : Lone<F, R, K> extends [infer P extends number]
            ? Fill<T, Free, P>
            : Resolve<S, T, DimProduct<F, K>, DimProduct<R, K>, Free, K>
        : never;

/**
 * `S` with the axes from `A` on merged into one (`Flatten<S, 0>` gives a vector); `A` runs from
 * 0 to the rank. A lone batch parameter among ones stays itself.
 * @example
 * ```ts
 * type F<B extends number> = Flatten<[B, 7, 7, 64], 1>; // [B, 3136]
 * ```
 */
export type Flatten<S extends readonly number[], A extends number = 1, K extends Kinds = Kinds> =
  KnownRank<S> extends false
    ? number[]
    : Compare<A, S["length"]> extends "gt"
      ? ShapeMismatch<`flatten: axis ${A} is out of range for ${Fmt<S>}`>
      : `${A}` extends `-${string}`
        ? ShapeMismatch<`flatten: axis ${A} is out of range for ${Fmt<S>}`>
        : [
            ...Before<S, A>,
            Lone<From<S, A>, [], K> extends [infer P extends number]
              ? P
              : DimProduct<From<S, A>, K>,
          ];
