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
import type { DimAdd, DimCompare, DimSub, AllLit } from "./arith.js";
import type { NormAxis } from "./axes.js";
import type { Broadcast, FitsK, Fmt, IsK, Kinds, KnownRank, Same, ShapeMismatch } from "./dims.js";

// A and B are unconstrained so that a shape holding a type parameter (`[B, 3]`, which TypeScript
// does not decide is a `number[]`) can be passed in; they are taken apart with `infer`.
type AllFit<
  A,
  B,
  Skip extends number,
  K extends Kinds,
  I extends unknown[] = [],
> = A extends readonly [infer a extends number, ...infer AT extends readonly number[]]
  ? B extends readonly [infer b extends number, ...infer BT extends readonly number[]]
    ? I["length"] extends Skip
      ? AllFit<AT, BT, Skip, K, [...I, 0]>
      : FitsK<a, b, K> extends true
        ? AllFit<AT, BT, Skip, K, [...I, 0]>
        : false
    : false
  : B extends readonly []
    ? true
    : false;

type SetAt<S extends readonly number[], At extends number, V extends number> = {
  [I in keyof S]: I extends `${At}` ? V : S[I];
};

type ConcatR<
  L extends readonly (readonly number[])[],
  A extends number,
  Acc extends readonly number[],
  All extends string,
  K extends Kinds,
> = L extends readonly [
  infer H extends readonly number[],
  ...infer T extends readonly (readonly number[])[],
]
  ? AllFit<Acc, H, A, K> extends true
    ? ConcatR<T, A, SetAt<Acc, A, DimAdd<Acc[A], H[A], K>>, All, K>
    : ShapeMismatch<`concat: shapes ${All} differ outside axis ${A}`>
  : Acc;

// Tail-recursive, and at most four shapes are written out, so that 64 tensors neither hit the
// instantiation depth limit nor print a kilobyte of shapes.
type FmtAll<
  L extends readonly (readonly number[])[],
  Acc extends string = "",
  I extends unknown[] = [],
> = L extends readonly [
  infer H extends readonly number[],
  ...infer T extends readonly (readonly number[])[],
]
  ? I["length"] extends 4
    ? `${Acc}, … (${L["length"]} more)`
    : FmtAll<T, Acc extends "" ? Fmt<H> : `${Acc}, ${Fmt<H>}`, [...I, 0]>
  : Acc;

type AnyUnknownRank<L extends readonly (readonly number[])[]> = L extends readonly [
  infer H extends readonly number[],
  ...infer T extends readonly (readonly number[])[],
]
  ? KnownRank<H> extends false
    ? true
    : AnyUnknownRank<T>
  : false;

/** `S` with a new entry `V` at `At`. */
export type InsertAt<
  S extends readonly number[],
  At extends number,
  V extends number,
  Acc extends number[] = [],
> = Acc["length"] extends At
  ? [...Acc, V, ...S]
  : S extends readonly [infer H extends number, ...infer T extends readonly number[]]
    ? InsertAt<T, At, V, [...Acc, H]>
    : [...Acc, V];

// A list whose length only the runtime knows (`Tensor<[2]>[]`): the joined axis is `number`.
type ConcatList<S extends readonly number[], A extends number> =
  KnownRank<S> extends false
    ? number[]
    : NormAxis<A, S["length"], S> extends infer N
      ? N extends number
        ? Same<N, number> extends true
          ? number[]
          : SetAt<S, N, number>
        : N
      : never;
type StackList<S extends readonly number[], A extends number> =
  KnownRank<S> extends false
    ? number[]
    : NormAxis<A, [...S, 0]["length"], S> extends infer N
      ? N extends number
        ? Same<N, number> extends true
          ? number[]
          : InsertAt<S, N, number>
        : N
      : never;

/**
 * The shape of `concat(xs, A)` for a tuple of shapes `L`: sizes along `A` add up, the others must
 * agree. For a list of unknown length the joined size is `number`.
 * @example
 * ```ts
 * type C<B extends number> = Concat<[[B, 3], [B, 5]], 1>; // [B, 8]
 * ```
 */
export type Concat<
  L extends readonly (readonly number[])[],
  A extends number,
  K extends Kinds = Kinds,
> = number extends L["length"]
  ? ConcatList<L[number], A>
  : AnyUnknownRank<L> extends true
    ? number[]
    : L extends readonly [
          infer H extends readonly number[],
          ...infer T extends readonly (readonly number[])[],
        ]
      ? NormAxis<A, H["length"], H> extends infer N
        ? N extends number
          ? Same<N, number> extends true
            ? number[]
            : ConcatR<T, N, H, FmtAll<L>, K>
          : N
        : never
      : ShapeMismatch<"concat: needs at least one tensor">;

type StackR<
  L extends readonly (readonly number[])[],
  S extends readonly number[],
  All extends string,
  K extends Kinds,
> = L extends readonly [
  infer H extends readonly number[],
  ...infer T extends readonly (readonly number[])[],
]
  ? AllFit<S, H, -1, K> extends true
    ? StackR<T, S, All, K>
    : ShapeMismatch<`stack: shapes ${All} differ`>
  : true;

/**
 * The shape of `stack(xs, A)`: all shapes must agree; a new axis of size `L["length"]` goes at `A`
 * (`number` for a list of unknown length).
 * @example
 * ```ts
 * type S = Stack<[[3], [3]], 1>; // [3, 2]
 * ```
 */
export type Stack<
  L extends readonly (readonly number[])[],
  A extends number,
  K extends Kinds = Kinds,
> = number extends L["length"]
  ? StackList<L[number], A>
  : AnyUnknownRank<L> extends true
    ? number[]
    : L extends readonly [
          infer H extends readonly number[],
          ...infer T extends readonly (readonly number[])[],
        ]
      ? StackR<T, H, FmtAll<L>, K> extends infer R
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

type Negative<X extends number> = `${X}` extends `-${string}` ? true : false;

// One axis of a slice: size Z from B (Z = -1: to the end). A size that is `number` or a type
// parameter leaves the range check to the runtime; starting at 0 and running to the end keeps it.
type SliceDim<
  D extends number,
  B extends number,
  Z extends number,
  S extends readonly number[],
  I extends number,
  K extends Kinds,
> =
  AllLit<[B], K> extends true
    ? Negative<B> extends true
      ? ShapeMismatch<`slice: start ${B} at axis ${I} of ${Fmt<S>} is negative`>
      : IsK<Z, K, "neg"> extends true
        ? IsK<B, K, "zero"> extends true
          ? [D]
          : DimSub<D, B, K> extends infer R extends number
            ? [R] extends [never]
              ? ShapeMismatch<`slice: start ${B} at axis ${I} is past the size ${D} of ${Fmt<S>}`>
              : [R]
            : never
        : AllLit<[Z], K> extends true
          ? Negative<Z> extends true
            ? ShapeMismatch<`slice: size ${Z} at axis ${I} of ${Fmt<S>} is negative`>
            : DimCompare<DimAdd<B, Z, K>, D, K> extends "gt"
              ? ShapeMismatch<`slice: [${B}, ${B} + ${Z}) at axis ${I} does not fit size ${D} of ${Fmt<S>}`>
              : [Z]
          : [Z]
    : IsK<Z, K, "neg"> extends true
      ? [number]
      : [Z];

type SliceR<
  S extends readonly number[],
  B extends readonly number[],
  Z extends readonly number[],
  S0 extends readonly number[],
  K extends Kinds,
  Acc extends number[] = [],
> = S extends readonly [infer D extends number, ...infer ST extends readonly number[]]
  ? B extends readonly [infer b extends number, ...infer BT extends readonly number[]]
    ? Z extends readonly [infer z extends number, ...infer ZT extends readonly number[]]
      ? SliceDim<D, b, z, S0, Acc["length"], K> extends infer R
        ? R extends [infer E extends number]
          ? SliceR<ST, BT, ZT, S0, K, [...Acc, E]>
          : R
        : never
      : SliceDim<D, b, K["neg"], S0, Acc["length"], K> extends infer R
        ? R extends [infer E extends number]
          ? SliceR<ST, BT, [], S0, K, [...Acc, E]>
          : R
        : never
    : [...Acc, ...S]
  : B extends readonly []
    ? Acc
    : ShapeMismatch<`slice: more starts than axes of ${Fmt<S0>}`>;

/**
 * The shape of `slice(x, begin, size)`: `size[i]` where given, `-1` meaning "to the end";
 * axes past `begin` are kept whole. Starting at 0 with size -1 keeps a size that is a type
 * parameter (`[B, 5]` sliced by `[0, 2], [-1, 3]` is `[B, 3]`).
 * @example
 * ```ts
 * type S = Slice<[4, 10], [1, 2], [2, -1]>; // [2, 8]
 * ```
 */
export type Slice<
  S extends readonly number[],
  B extends readonly number[],
  Z extends readonly number[],
  K extends Kinds = Kinds,
> =
  KnownRank<S> extends false
    ? number[]
    : number extends B["length"]
      ? number[]
      : number extends Z["length"]
        ? number[]
        : DimCompare<Z["length"], B["length"], K> extends "gt"
          ? ShapeMismatch<`slice: ${Z["length"]} sizes for ${B["length"]} starts`>
          : SliceR<S, B, Z, S, K>;

type PadR<
  S extends readonly number[],
  P extends readonly (readonly [number, number])[],
  S0 extends readonly number[],
  K extends Kinds,
  Acc extends number[] = [],
> = S extends readonly [infer D extends number, ...infer ST extends readonly number[]]
  ? P extends readonly [
      readonly [infer L extends number, infer H extends number],
      ...infer PT extends readonly (readonly [number, number])[],
    ]
    ? `${L} ${H}` extends `${string}-${string}`
      ? ShapeMismatch<`pad: paddings must be ≥ 0, got [${L}, ${H}] at axis ${Acc["length"]} of ${Fmt<S0>}`>
      : PadR<ST, PT, S0, K, [...Acc, DimAdd<D, DimAdd<L, H, K>, K>]>
    : [...Acc, ...S]
  : P extends readonly []
    ? Acc
    : ShapeMismatch<`pad: ${P["length"]} paddings left over for ${Fmt<S0>}`>;

/**
 * The shape of `pad(x, [[lo, hi], …])`: each axis grows by `lo + hi`.
 * @example
 * ```ts
 * type P = Pad<[2, 3], [[1, 1], [0, 2]]>; // [4, 5]
 * ```
 */
export type Pad<
  S extends readonly number[],
  P extends readonly (readonly [number, number])[],
  K extends Kinds = Kinds,
> =
  KnownRank<S> extends false ? number[] : number extends P["length"] ? number[] : PadR<S, P, S, K>;

/**
 * The shape of `broadcastTo(x, T)`: `T`, when `S` broadcasts to it.
 * @example
 * ```ts
 * type B = BroadcastTo<[3], [2, 3]>; // [2, 3]
 * ```
 */
export type BroadcastTo<
  S extends readonly number[],
  T extends readonly number[],
  K extends Kinds = Kinds,
> =
  KnownRank<T> extends false
    ? T
    : Broadcast<S, T, K> extends infer R
      ? R extends ShapeMismatch<string>
        ? ShapeMismatch<`broadcastTo: cannot broadcast ${Fmt<S>} to ${Fmt<T>}`>
        : AllFit<R, T, -1, K> extends true
          ? T
          : ShapeMismatch<`broadcastTo: cannot broadcast ${Fmt<S>} to ${Fmt<T>}`>
      : never;
