/**
 * Shapes of ops that name axes: reductions (with or without `keepDims`), `expandDims`,
 * `squeeze`, `transpose`, `gather` and `oneHot`. Negative axes count from the end; an axis out of
 * range is a mismatch. Ranks are small, so axis positions are counted with tuples.
 *
 * @example
 * ```ts
 * type R<B extends number> = Reduce<[B, 10], 1, false>;     // [B]
 * type K = Reduce<[2, 3, 4], -1, true>;   // [2, 3, 1]
 * ```
 * @module
 */
import type { Compare, Sub } from "./arith.js";
import type { Fmt, IsK, KindOf, Kinds, KnownRank, Same, ShapeMismatch } from "./dims.js";

/** An axis argument: one axis, several, or none (all axes). */
export type Axes = number | readonly number[] | undefined;

/**
 * Axis `A` (possibly negative) as an index into rank `R`, or a mismatch when out of range;
 * `number` when `A` is not a literal.
 * @example
 * ```ts
 * type I = NormAxis<-1, 3>; // 2
 * ```
 */
export type NormAxis<A extends number, R extends number, S extends readonly number[] = number[]> =
  Same<A, number> extends true
    ? number
    : `${A}` extends `-${infer P extends number}`
      ? Compare<P, R> extends "gt"
        ? ShapeMismatch<`axis ${A} is out of range for ${Fmt<S>}`>
        : Sub<R, P>
      : Compare<A, R> extends "lt"
        ? A
        : ShapeMismatch<`axis ${A} is out of range for ${Fmt<S>}`>;

type NormList<
  L extends readonly number[],
  R extends number,
  S extends readonly number[],
  Acc = never,
> = L extends readonly [infer H extends number, ...infer T extends readonly number[]]
  ? NormAxis<H, R, S> extends infer N
    ? N extends ShapeMismatch<string>
      ? N
      : NormList<T, R, S, Acc | N>
    : never
  : [Acc];

/** The union of normalised axes, wrapped in a one-tuple; or a mismatch. */
type AxisSet<A extends Axes, S extends readonly number[]> = A extends undefined
  ? [number]
  : A extends number
    ? NormList<[A], S["length"], S>
    : A extends readonly number[]
      ? number extends A["length"]
        ? [number]
        : NormList<A, S["length"], S>
      : never;

type Idx<I extends readonly unknown[]> = I["length"];

type ReduceR<
  S extends readonly number[],
  Set,
  K extends boolean,
  I extends unknown[] = [],
  Acc extends number[] = [],
> = S extends readonly [infer H extends number, ...infer T extends readonly number[]]
  ? Idx<I> extends Set
    ? ReduceR<T, Set, K, [...I, 0], K extends true ? [...Acc, 1] : Acc>
    : ReduceR<T, Set, K, [...I, 0], [...Acc, H]>
  : Acc;

/**
 * The shape after reducing `S` over axes `A` (all when `undefined`), keeping them as size 1 when
 * `K` is true. A non-literal axis gives an unknown-rank shape.
 * @example
 * ```ts
 * type R = Reduce<[2, 3, 4], [0, 2], false>; // [3]
 * ```
 */
export type Reduce<S extends readonly number[], A extends Axes, K extends boolean> =
  KnownRank<S> extends false
    ? // every axis of a tensor of unknown rank, not kept: a scalar all the same
      [A] extends [undefined]
      ? [K] extends [false]
        ? []
        : number[]
      : number[]
    : AxisSet<A, S> extends infer R
      ? R extends ShapeMismatch<string>
        ? R
        : R extends [infer Set]
          ? Same<Set, number> extends true
            ? A extends undefined
              ? ReduceR<S, number, K>
              : number[]
            : ReduceR<S, Set, K>
          : never
      : never;

type InsertAt<
  S extends readonly number[],
  At extends number,
  V extends number,
  Acc extends number[] = [],
> = Acc["length"] extends At
  ? [...Acc, V, ...S]
  : S extends readonly [infer H extends number, ...infer T extends readonly number[]]
    ? InsertAt<T, At, V, [...Acc, H]>
    : [...Acc, V];

type RemoveAt<
  S extends readonly number[],
  At extends number,
  Acc extends number[] = [],
> = S extends readonly [infer H extends number, ...infer T extends readonly number[]]
  ? Acc["length"] extends At
    ? [...Acc, ...T]
    : RemoveAt<T, At, [...Acc, H]>
  : Acc;

/**
 * `S` with a new axis of size 1 at `A` (which may be `rank`, or negative: -1 appends).
 * @example
 * ```ts
 * type E = ExpandDims<[2, 3], 0>; // [1, 2, 3]
 * ```
 */
export type ExpandDims<S extends readonly number[], A extends number> =
  KnownRank<S> extends false
    ? number[]
    : NormAxis<A, [...S, 1]["length"], S> extends infer N
      ? N extends number
        ? Same<N, number> extends true
          ? number[]
          : InsertAt<S, N, 1>
        : N
      : never;

// A size that is `number` or a type parameter may be 1 at runtime: the rank is then unknown.
type SqueezeAll<
  S extends readonly number[],
  K extends Kinds,
  Acc extends number[] = [],
> = S extends readonly [infer H extends number, ...infer T extends readonly number[]]
  ? IsK<H, K, "one"> extends true
    ? SqueezeAll<T, K, Acc>
    : KindOf<H, K> extends "lit"
      ? SqueezeAll<T, K, [...Acc, H]>
      : number[]
  : Acc;

/**
 * `S` without axis `A`, which must have size 1; without `A`, every axis of size 1 is removed.
 * A `number` size may be 1 (the runtime checks it); a type parameter is not known to be 1.
 * @example
 * ```ts
 * type Q = Squeeze<[2, 1, 3], 1>;         // [2, 3]
 * type A = Squeeze<[1, 2, 1], undefined>; // [2]
 * ```
 */
export type Squeeze<
  S extends readonly number[],
  A extends number | undefined,
  K extends Kinds = Kinds,
> =
  KnownRank<S> extends false
    ? number[]
    : A extends number
      ? NormAxis<A, S["length"], S> extends infer N
        ? N extends number
          ? Same<N, number> extends true
            ? number[]
            : IsK<S[N], K, "one"> extends true
              ? RemoveAt<S, N>
              : IsK<S[N], K, "num"> extends true
                ? RemoveAt<S, N>
                : ShapeMismatch<`cannot squeeze axis ${A} of ${Fmt<S>}: its size is ${S[N]}, not 1`>
          : N
        : never
      : SqueezeAll<S, K>;

type PermuteR<
  S extends readonly number[],
  P extends readonly number[],
  Acc extends number[] = [],
> = P extends readonly [infer H extends number, ...infer T extends readonly number[]]
  ? NormAxis<H, S["length"], S> extends infer N
    ? N extends number
      ? Same<N, number> extends true
        ? number[]
        : PermuteR<S, T, [...Acc, S[N]]>
      : N
    : never
  : Acc;

type Reverse<S extends readonly number[], Acc extends number[] = []> = S extends readonly [
  infer H extends number,
  ...infer T extends readonly number[],
]
  ? Reverse<T, [H, ...Acc]>
  : Acc;

/**
 * `S` with its axes permuted by `P` (reversed when `P` is `undefined`).
 * @example
 * ```ts
 * type T = Permute<[2, 3, 4], [2, 0, 1]>; // [4, 2, 3]
 * ```
 */
export type Permute<S extends readonly number[], P extends readonly number[] | undefined> =
  KnownRank<S> extends false
    ? number[]
    : P extends readonly number[]
      ? number extends P["length"]
        ? number[]
        : P["length"] extends S["length"]
          ? PermuteR<S, P>
          : ShapeMismatch<`permutation ${Fmt<P>} does not have one entry per axis of ${Fmt<S>}`>
      : Reverse<S>;

/** `S[:At]` (internal to the shape algebra). */
export type Before<
  S extends readonly number[],
  At extends number,
  Acc extends number[] = [],
> = Acc["length"] extends At
  ? Acc
  : S extends readonly [infer H extends number, ...infer T extends readonly number[]]
    ? Before<T, At, [...Acc, H]>
    : Acc;
type After<
  S extends readonly number[],
  At extends number,
  I extends unknown[] = [],
> = I["length"] extends At
  ? S extends readonly [unknown, ...infer T extends readonly number[]]
    ? T
    : []
  : S extends readonly [unknown, ...infer T extends readonly number[]]
    ? After<T, At, [...I, 0]>
    : [];

/**
 * The shape of `gather(x, indices, axis)`: `S[:axis] + I + S[axis+1:]`.
 * @example
 * ```ts
 * type G = Gather<[1000, 64], [32, 10], 0>; // [32, 10, 64]
 * ```
 */
export type Gather<S extends readonly number[], I extends readonly number[], A extends number> =
  KnownRank<S> extends false
    ? number[]
    : NormAxis<A, S["length"], S> extends infer N
      ? N extends number
        ? Same<N, number> extends true
          ? number[]
          : [...Before<S, N>, ...I, ...After<S, N>]
        : N
      : never;

/**
 * The shape of `oneHot(indices, depth)`: a new last axis of size `N`.
 * @example
 * ```ts
 * type O = OneHot<[32], 10>; // [32, 10]
 * ```
 */
export type OneHot<S extends readonly number[], N extends number> = [...S, N];

/** `S[At:]` (internal to the shape algebra). */
export type From<
  S extends readonly number[],
  At extends number,
  I extends unknown[] = [],
> = I["length"] extends At
  ? S
  : S extends readonly [unknown, ...infer T extends readonly number[]]
    ? From<T, At, [...I, 0]>
    : [];

/** `S` with the entry at `At` replaced by `V`, with no test on the sizes (internal to the shape algebra). */
export type SetAt<
  S extends readonly number[],
  At extends number,
  V extends number,
  Acc extends number[] = [],
> = S extends readonly [infer H extends number, ...infer T extends readonly number[]]
  ? SetAt<T, At, V, [...Acc, Acc["length"] extends At ? V : H]>
  : Acc;
