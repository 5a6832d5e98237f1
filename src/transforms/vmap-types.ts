/**
 * The types of `vmap`: where the batch dimension goes in each argument and in the result. An
 * argument's in-axis is a number (every tensor of that argument gets the batch at that axis;
 * negative counts from the end of the batched shape), `null` (not batched), or a pytree of those
 * with the argument's structure. The result gets the batch at `outAxes` in every tensor.
 *
 * @example
 * ```ts
 * type X = tg.BatchLeaves<{ w: tg.Tensor<[3]> }, 0, 8>;            // { w: Tensor<[8, 3]> }
 * type Y = tg.BatchedArgs<[tg.Tensor<[3]>, tg.Tensor<[2]>], [null, -1], 8>; // [Tensor<[3]>, Tensor<[2, 8]>]
 * ```
 * @module
 */
import type { Fmt, ShapeMismatch } from "../shape/dims.js";
import type { DType } from "../shape/dtype.js";
import type { Shape, Tensor } from "../tensor/tensor.js";

/** One in-axis, or a pytree of them shaped as the argument (records and arrays). */
export type AxisTree = number | null | readonly AxisTree[] | { readonly [key: string]: AxisTree };

/** `vmap`'s `inAxes`: one spec for every argument, or a list with one spec per argument. */
export type InAxes = number | null | readonly AxisTree[];

type IsAny<T> = 0 extends 1 & T ? true : false;

// `[before, after]`: the sizes on either side of the batch axis, or a mismatch. The batch size
// never enters these conditionals, so they resolve as soon as the shape and the axis are known.
type SplitFront<
  S extends Shape,
  K extends number,
  S0 extends Shape,
  Acc extends number[] = [],
> = Acc["length"] extends K
  ? [Acc, S]
  : S extends readonly [infer H extends number, ...infer R extends Shape]
    ? SplitFront<R, K, S0, [...Acc, H]>
    : ShapeMismatch<`vmap: batch axis ${K} is out of range for a tensor of shape ${Fmt<S0>}`>;
type SplitBack<
  S extends Shape,
  N extends number,
  S0 extends Shape,
  Acc extends number[] = [],
  C extends unknown[] = [unknown],
> = C["length"] extends N
  ? [S, Acc]
  : S extends readonly [...infer I extends Shape, infer L extends number]
    ? SplitBack<I, N, S0, [L, ...Acc], [...C, unknown]>
    : ShapeMismatch<`vmap: batch axis -${N} is out of range for a tensor of shape ${Fmt<S0>}`>;
type Split<S extends Shape, K extends number> = `${K}` extends `-${infer N extends number}`
  ? SplitBack<S, N, S>
  : SplitFront<S, K, S>;

/**
 * `Tensor<S, D>` with a batch dimension `B` inserted at axis `K` of the batched shape (negative
 * counts from its end), or a `ShapeMismatch` when `K` is out of range. An unknown rank gives an
 * unknown-rank shape (unless the axis is 0).
 * @example
 * ```ts
 * type T = tg.BatchedTensor<[3, 4], "f32", -1, 8>; // Tensor<[3, 4, 8]>
 * ```
 */
export type BatchedTensor<S extends Shape, D extends DType, K extends number, B extends number> =
  // axis 0 is decided before looking at `S`, so that a shape that is a type parameter (on which
  // conditional types defer) still gets `[B, ...S]`
  number extends K
    ? Tensor<number[], D>
    : K extends 0
      ? Tensor<[B, ...S], D>
      : IsAny<S> extends true
        ? Tensor<any, D>
        : number extends S["length"]
          ? Tensor<number[], D>
          : Split<S, K> extends [infer L extends Shape, infer R extends Shape]
            ? Tensor<[...L, B, ...R], D>
            : Split<S, K>;

/**
 * A pytree with the batch dimension `B` inserted at axis `K` of every tensor; other leaves
 * (numbers, strings, functions) are unchanged.
 * @example
 * ```ts
 * type P = tg.BatchLeaves<[{ w: tg.Tensor<[3, 2]> }, number], 0, 16>; // [{ w: Tensor<[16, 3, 2]> }, number]
 * ```
 */
export type BatchLeaves<X, K extends number, B extends number> =
  IsAny<X> extends true
    ? X
    : X extends Tensor<infer S, infer D>
      ? BatchedTensor<S, D, K, B>
      : X extends readonly unknown[]
        ? { [I in keyof X]: BatchLeaves<X[I], K, B> }
        : X extends (...args: never[]) => unknown
          ? X
          : X extends object
            ? { [P in keyof X]: BatchLeaves<X[P], K, B> }
            : X;

/**
 * One argument batched by its in-axis spec `Ax`: `null` leaves it alone, a number batches every
 * tensor in it, a pytree of axes follows the argument's structure (a missing entry or key is
 * `null`; an entry or key the argument does not have is a mismatch).
 * @example
 * ```ts
 * type A = tg.BatchTree<{ x: tg.Tensor<[3]>; w: tg.Tensor<[3]> }, { x: 0; w: null }, 8>;
 * // { x: Tensor<[8, 3]>; w: Tensor<[3]> }
 * ```
 */
export type BatchTree<X, Ax, B extends number, Name extends string = "inAxes"> = Ax extends
  | null
  | undefined
  ? X
  : Ax extends number
    ? BatchLeaves<X, Ax, B>
    : Ax extends readonly unknown[]
      ? X extends readonly unknown[]
        ? [Exclude<Extract<keyof Ax, `${number}`>, keyof X>] extends [never]
          ? { [I in keyof X]: BatchTree<X[I], I extends keyof Ax ? Ax[I] : null, B, Name> }
          : ShapeMismatch<`vmap: an ${Name} list has more entries than the ${Name extends "inAxes" ? "argument" : "output"}`>
        : ShapeMismatch<`vmap: an ${Name} list stands for ${Name extends "inAxes" ? "an argument" : "an output"} that is not an array`>
      : X extends object
        ? [Exclude<keyof Ax, keyof X>] extends [never]
          ? { [P in keyof X]: BatchTree<X[P], P extends keyof Ax ? Ax[P] : null, B, Name> }
          : ShapeMismatch<`vmap: ${Name} names ${Exclude<keyof Ax, keyof X> & string}, which the ${Name extends "inAxes" ? "argument" : "output"} does not have`>
        : ShapeMismatch<`vmap: an ${Name} record stands for ${Name extends "inAxes" ? "an argument" : "an output"} that is not a record`>;

/**
 * The arguments of a vmapped function: argument `i` batched by `inAxes[i]` (missing entries are
 * `null`), or every argument by `inAxes` when it is a number or null.
 * @example
 * ```ts
 * type A = tg.BatchedArgs<[tg.Tensor<[2]>, tg.Tensor<[2]>], [0, null], 4>; // [Tensor<[4, 2]>, Tensor<[2]>]
 * ```
 */
export type BatchedArgs<A extends readonly unknown[], IA, B extends number> = {
  [K in keyof A]: BatchTree<A[K], ArgAxis<IA, K>, B>;
};

/**
 * The in-axis spec of argument `K` (a key of the argument list) in `inAxes`: `IA` itself when it
 * is a number or null (0 when absent), its entry `K` when it is a list (null when missing).
 * @example
 * ```ts
 * type A = tg.ArgAxis<[null, 0], "1">; // 0
 * ```
 */
export type ArgAxis<IA, K> = IA extends number | null | undefined
  ? IA extends undefined
    ? 0
    : IA
  : IA extends readonly unknown[]
    ? K extends keyof IA
      ? IA[K]
      : null
    : null;

/**
 * The function `vmap(f, { inAxes: IA, outAxes: OA })` returns, for `f: (...args: A) => R`: generic
 * in the batch size `B`. It remembers `A`, `R` and the axes, so that a `vmap` of it keeps both
 * batch dimensions (`Vmapped2`).
 * @example
 * ```ts
 * type F = tg.Vmapped<[tg.Tensor<[3]>], tg.Tensor<[]>, 0, 0>; // <B>(x: Tensor<[B, 3]>) => Tensor<[B]>
 * ```
 */
export interface Vmapped<A extends readonly unknown[], R, IA, OA extends AxisTree> {
  <B extends number>(...args: BatchedArgs<A, IA, B>): BatchTree<R, OA, B, "outAxes">;
  /** Phantom (never set): what the function was made from, for a `vmap` of it. */
  readonly vmapOf?: [A, R, IA, OA];
}

/**
 * A `vmap` of a `vmap`: generic in both batch sizes, the outer `B2` and the inner `B1`. It
 * remembers what it was made from, so that a third `vmap` keeps all three sizes (`Vmapped3`).
 * @example
 * ```ts
 * type F = tg.Vmapped2<[tg.Tensor<[]>], tg.Tensor<[]>, 0, 0, 0, 0>; // <B2, B1>(x: Tensor<[B2, B1]>) => Tensor<[B2, B1]>
 * ```
 */
export interface Vmapped2<
  A extends readonly unknown[],
  R,
  IA1,
  OA1 extends AxisTree,
  IA2,
  OA2 extends AxisTree,
> {
  <B2 extends number, B1 extends number>(
    ...args: {
      [K in keyof A]: BatchTree<BatchTree<A[K], ArgAxis<IA1, K>, B1>, ArgAxis<IA2, K>, B2>;
    }
  ): BatchTree<BatchTree<R, OA1, B1, "outAxes">, OA2, B2, "outAxes">;
  /** Phantom (never set): what the function was made from, for a `vmap` of it. */
  readonly vmapOf2?: [A, R, IA1, OA1, IA2, OA2];
}

/**
 * A `vmap` of a `vmap` of a `vmap`: generic in the three batch sizes, outermost `B3` first. (A
 * fourth level keeps only its own size: the inner three become `number`.)
 * @example
 * ```ts
 * type F = tg.Vmapped3<[tg.Tensor<[]>], tg.Tensor<[]>, 0, 0, 0, 0, 0, 0>; // <B3, B2, B1>(x: Tensor<[B3, B2, B1]>) => Tensor<[B3, B2, B1]>
 * ```
 */
export type Vmapped3<
  A extends readonly unknown[],
  R,
  IA1,
  OA1 extends AxisTree,
  IA2,
  OA2 extends AxisTree,
  IA3,
  OA3 extends AxisTree,
> = <B3 extends number, B2 extends number, B1 extends number>(
  ...args: {
    [K in keyof A]: BatchTree<
      BatchTree<BatchTree<A[K], ArgAxis<IA1, K>, B1>, ArgAxis<IA2, K>, B2>,
      ArgAxis<IA3, K>,
      B3
    >;
  }
) => BatchTree<BatchTree<BatchTree<R, OA1, B1, "outAxes">, OA2, B2, "outAxes">, OA3, B3, "outAxes">;
