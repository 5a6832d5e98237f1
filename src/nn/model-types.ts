/**
 * The types that check a model's input: `model.apply(params, x)`, `fit`, `evaluate` and `predict`
 * compare the shape of `x` after its batch axis with the model's input shape, and a mismatch is
 * one `ShapeMismatch` that names both shapes. Unknown sizes (`number`, an unknown rank, `any`)
 * leave the check to the runtime.
 *
 * @example
 * ```ts
 * type E = tg.nn.InputCheck<"apply", [28, 28, 1], tg.Tensor<[32, 28, 28]>>;
 * // ShapeMismatch<"apply: the model takes x of shape [batch, 28, 28, 1] but x has shape [32, 28, 28]">
 * ```
 * @module
 */
import type { Fmt, Same, ShapeMismatch } from "../shape/dims.js";
import type { Shape, Tensor } from "../tensor/tensor.js";
import type { ShapeFits } from "./chain.js";

type IsAny<T> = 0 extends 1 & T ? true : false;

// These types test shapes only against patterns whose elements are unconstrained (`infer R`,
// `unknown`), never `infer N extends number`: a batch size that is a type parameter (`B`) then
// passes through without deferring the conditional, so `function f<B extends number>(x:
// Tensor<[B, 784]>): Tensor<[B, 10]> { return model.apply(params, x); }` compiles.

type FmtDims<S> = S extends readonly []
  ? ""
  : S extends readonly [infer H, ...infer T]
    ? T extends readonly []
      ? `${H & number}`
      : `${H & number}, ${FmtDims<T>}`
    : "...";

/**
 * A shape with a leading batch axis, as messages show it: `[batch, 28, 28, 1]`.
 * @example
 * ```ts
 * type F = tg.nn.FmtBatched<[784]>; // "[batch, 784]"
 * ```
 */
export type FmtBatched<I extends Shape> =
  Fmt<I> extends `[${infer Inner}]`
    ? Inner extends ""
      ? "[batch]"
      : `[batch, ${Inner}]`
    : "[batch, ...]";

// `[B, ...I]` with `I` a type parameter is a generic tuple, on which every conditional type
// defers; `Same` never does, so the shape the signature itself spells is accepted first.
type SpellsInput<S extends readonly unknown[], I extends Shape> =
  Same<S, [S[0], ...I]> extends true ? true : Same<S, readonly [S[0], ...I]>;

type CheckShape<Op extends string, I extends Shape, S> = CheckShapeR<Op, I, S, S>;

// S0 is S again, for the message: S is narrowed inside the branches that match it, and
// formatting a narrowed shape costs the declaration check far more.
type CheckShapeR<Op extends string, I extends Shape, S, S0> =
  IsAny<S> extends true
    ? unknown
    : IsAny<I> extends true
      ? unknown
      : S extends readonly unknown[]
        ? number extends S["length"]
          ? unknown
          : S extends readonly [unknown, ...infer R extends Shape]
            ? ShapeFits<R, I> extends true
              ? unknown
              : ShapeMismatch<`${Op}: the model takes x of shape ${FmtBatched<I>} but x has shape [${FmtDims<S0>}]`>
            : ShapeMismatch<`${Op}: x needs a batch axis before the model's input shape ${Fmt<I>}, but x is a scalar`>
        : unknown;

/**
 * `unknown` when a batch `x` fits a model whose examples have shape `I` (or when only the runtime
 * can tell), otherwise a `ShapeMismatch` naming the operation and both shapes.
 * @example
 * ```ts
 * type Ok = tg.nn.InputCheck<"fit", [784], tg.Tensor<[60000, 784]>>; // unknown
 * ```
 */
export type InputCheck<Op extends string, I extends Shape, X> = X extends {
  readonly shape: infer S extends readonly unknown[];
}
  ? SpellsInput<S, I> extends true
    ? unknown
    : CheckShape<Op, I, S>
  : unknown;

/**
 * The size of the batch axis of a tensor type (`number` when unknown).
 * @example
 * ```ts
 * type N = tg.nn.BatchSizeOf<tg.Tensor<[32, 784]>>; // 32
 * ```
 */
export type BatchSizeOf<X> = X extends { readonly shape: infer S extends readonly unknown[] }
  ? Same<S, any> extends true
    ? number
    : S[0] & number
  : number;

/**
 * What `apply(params, x)` returns for an input of type `X`: `Tensor<[B, ...O], "f32">`, with the
 * batch size `B` of `x`.
 * @example
 * ```ts
 * type Y = tg.nn.Output<[10], tg.Tensor<[32, 784]>>; // Tensor<[32, 10], "f32">
 * ```
 */
export type Output<O extends Shape, X> = Tensor<[BatchSizeOf<X>, ...O], "f32">;

/**
 * Whether an `apply` argument is a batch (rather than options): it has a `shape`.
 * @example
 * ```ts
 * type T = tg.nn.IsBatch<tg.Tensor<[2, 3]>>; // true
 * ```
 */
export type IsBatch<X> = X extends { readonly shape: readonly unknown[] } ? true : false;
