/**
 * Shapes of ops that join or cut tensors: `concat`, `stack`, `slice`, `pad` and `broadcastTo`.
 *
 * @example
 * ```ts
 * type C = Concat<[[2, 3], [4, 3]], 0>;        // [6, 3]
 * type S = Stack<[[2, 3], [2, 3], [2, 3]], 0>; // [3, 2, 3]
 * ```
 * @module
 */
import type { Add, Compare, Sub } from "./arith.js";
import type { NormAxis } from "./axes.js";
import type { Broadcast, Fits, Fmt, KnownRank, Same, ShapeMismatch } from "./dims.js";

type AllFit<
  A extends readonly number[],
  B extends readonly number[],
  Skip extends number,
  I extends unknown[] = [],
> = A extends readonly [infer a extends number, ...infer AT extends readonly number[]]
  ? B extends readonly [infer b extends number, ...infer BT extends readonly number[]]
    ? I["length"] extends Skip
      ? AllFit<AT, BT, Skip, [...I, 0]>
      : Fits<a, b> extends true
        ? AllFit<AT, BT, Skip, [...I, 0]>
        : false
    : false
  : B extends readonly []
    ? true
    : false;

type SetAt<S extends readonly number[], At extends number, V extends number> = {
  [K in keyof S]: K extends `${At}` ? V : S[K];
};

type ConcatR<
  L extends readonly (readonly number[])[],
  A extends number,
  Acc extends readonly number[],
  All extends string,
> = L extends readonly [
  infer H extends readonly number[],
  ...infer T extends readonly (readonly number[])[],
]
  ? AllFit<Acc, H, A> extends true
    ? ConcatR<T, A, SetAt<Acc, A, Add<Acc[A], H[A]>>, All>
    : ShapeMismatch<`concat: shapes ${All} differ outside axis ${A}`>
  : Acc;

type FmtAll<L extends readonly (readonly number[])[]> = L extends readonly [
  infer H extends readonly number[],
  ...infer T extends readonly (readonly number[])[],
]
  ? T extends readonly []
    ? Fmt<H>
    : `${Fmt<H>}, ${FmtAll<T>}`
  : "";

type AnyUnknown<L extends readonly (readonly number[])[]> = number extends L["length"]
  ? true
  : L extends readonly [
        infer H extends readonly number[],
        ...infer T extends readonly (readonly number[])[],
      ]
    ? KnownRank<H> extends false
      ? true
      : AnyUnknown<T>
    : false;

/**
 * The shape of `concat(xs, A)` for a tuple of shapes `L`: sizes along `A` add up, the others must
 * agree.
 * @example
 * ```ts
 * type C = Concat<[[B, 3], [B, 5]], 1>; // [B, 8]
 * ```
 */
export type Concat<L extends readonly (readonly number[])[], A extends number> =
  AnyUnknown<L> extends true
    ? number[]
    : L extends readonly [
          infer H extends readonly number[],
          ...infer T extends readonly (readonly number[])[],
        ]
      ? NormAxis<A, H["length"], H> extends infer N
        ? N extends number
          ? Same<N, number> extends true
            ? number[]
            : ConcatR<T, N, H, FmtAll<L>>
          : N
        : never
      : ShapeMismatch<"concat: needs at least one tensor">;

type StackR<
  L extends readonly (readonly number[])[],
  S extends readonly number[],
  All extends string,
> = L extends readonly [
  infer H extends readonly number[],
  ...infer T extends readonly (readonly number[])[],
]
  ? AllFit<S, H, -1> extends true
    ? StackR<T, S, All>
    : ShapeMismatch<`stack: shapes ${All} differ`>
  : true;

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

/**
 * The shape of `stack(xs, A)`: all shapes must agree; a new axis of size `L["length"]` goes at `A`.
 * @example
 * ```ts
 * type S = Stack<[[3], [3]], 1>; // [3, 2]
 * ```
 */
export type Stack<L extends readonly (readonly number[])[], A extends number> =
  AnyUnknown<L> extends true
    ? number[]
    : L extends readonly [
          infer H extends readonly number[],
          ...infer T extends readonly (readonly number[])[],
        ]
      ? StackR<T, H, FmtAll<L>> extends infer R
        ? R extends ShapeMismatch<string>
          ? R
          : NormAxis<A, [...H, 0]["length"], H> extends infer N
            ? N extends number
              ? Same<N, number> extends true
                ? number[]
                : InsertAt<H, N, L["length"]>
              : N
            : never
        : never
      : ShapeMismatch<"stack: needs at least one tensor">;

type SliceDim<
  D extends number,
  B extends number,
  Z extends number,
  S extends readonly number[],
  I extends number,
> =
  Same<Z, -1> extends true
    ? Sub<D, B> extends infer R extends number
      ? [R] extends [never]
        ? ShapeMismatch<`slice: start ${B} at axis ${I} is past the size ${D} of ${Fmt<S>}`>
        : R
      : never
    : Compare<Add<B, Z>, D> extends "gt"
      ? ShapeMismatch<`slice: [${B}, ${B} + ${Z}) at axis ${I} does not fit size ${D} of ${Fmt<S>}`>
      : Z;

type SliceR<
  S extends readonly number[],
  B extends readonly number[],
  Z extends readonly number[],
  S0 extends readonly number[],
  Acc extends number[] = [],
> = S extends readonly [infer D extends number, ...infer ST extends readonly number[]]
  ? B extends readonly [infer b extends number, ...infer BT extends readonly number[]]
    ? Z extends readonly [infer z extends number, ...infer ZT extends readonly number[]]
      ? SliceDim<D, b, z, S0, Acc["length"]> extends infer R
        ? R extends number
          ? SliceR<ST, BT, ZT, S0, [...Acc, R]>
          : R
        : never
      : SliceDim<D, b, -1, S0, Acc["length"]> extends infer R
        ? R extends number
          ? SliceR<ST, BT, [], S0, [...Acc, R]>
          : R
        : never
    : [...Acc, ...S]
  : Acc;

/**
 * The shape of `slice(x, begin, size)`: `size[i]` where given, `-1` meaning "to the end";
 * axes past `begin` are kept whole.
 * @example
 * ```ts
 * type S = Slice<[4, 10], [1, 2], [2, -1]>; // [2, 8]
 * ```
 */
export type Slice<
  S extends readonly number[],
  B extends readonly number[],
  Z extends readonly number[],
> =
  KnownRank<S> extends false
    ? number[]
    : number extends B["length"]
      ? number[]
      : SliceR<S, B, Z, S>;

type PadR<
  S extends readonly number[],
  P extends readonly (readonly [number, number])[],
  Acc extends number[] = [],
> = S extends readonly [infer D extends number, ...infer ST extends readonly number[]]
  ? P extends readonly [
      readonly [infer L extends number, infer H extends number],
      ...infer PT extends readonly (readonly [number, number])[],
    ]
    ? PadR<ST, PT, [...Acc, Add<D, Add<L, H>>]>
    : [...Acc, ...S]
  : Acc;

/**
 * The shape of `pad(x, [[lo, hi], …])`: each axis grows by `lo + hi`.
 * @example
 * ```ts
 * type P = Pad<[2, 3], [[1, 1], [0, 2]]>; // [4, 5]
 * ```
 */
export type Pad<S extends readonly number[], P extends readonly (readonly [number, number])[]> =
  KnownRank<S> extends false ? number[] : number extends P["length"] ? number[] : PadR<S, P>;

/**
 * The shape of `broadcastTo(x, T)`: `T`, when `S` broadcasts to it.
 * @example
 * ```ts
 * type B = BroadcastTo<[3], [2, 3]>; // [2, 3]
 * ```
 */
export type BroadcastTo<S extends readonly number[], T extends readonly number[]> =
  Broadcast<S, T> extends infer R
    ? R extends readonly number[]
      ? KnownRank<T> extends false
        ? T
        : R["length"] extends T["length"]
          ? AllFit<R, T, -1> extends true
            ? T
            : ShapeMismatch<`broadcastTo: cannot broadcast ${Fmt<S>} to ${Fmt<T>}`>
          : ShapeMismatch<`broadcastTo: cannot broadcast ${Fmt<S>} to ${Fmt<T>}`>
      : ShapeMismatch<`broadcastTo: cannot broadcast ${Fmt<S>} to ${Fmt<T>}`>
    : never;
