/**
 * Elementwise ops with numpy broadcasting, typed: the result shape is the broadcast of the operand
 * shapes, and shapes that do not broadcast are a compile error naming the op and the sizes. A plain
 * number is accepted on either side.
 *
 * @example
 * ```ts
 * const x = tg.tensor([[1, 2, 3], [4, 5, 6]]);
 * tg.add(x, tg.tensor([10, 20, 30])); // Tensor<[2, 3]>
 * tg.mul(2, x);                        // Tensor<[2, 3]>
 * ```
 * @module
 */
import * as P from "../prims/elementwise.js";
import type { DType, DTypeCheck, FloatDType, NumericDType } from "../shape/dtype.js";
import type { Broadcast, Check, Is, IsK, Kinds, Named, Ok, ShapeMismatch } from "../shape/dims.js";
import type { AnyTensor, Shape, Tensor } from "../tensor/tensor.js";
import { named } from "./named.js";

// ─── operand types ───────────────────────────────────────────────────────────────────────

/** A tensor or a plain number (taken in the other operand's dtype). */
export type Operand = AnyTensor | number;
/** The shape of an operand (`[]` for a number). */
export type ShapeOf<X> = X extends number ? [] : X extends AnyTensor ? X["shape"] : [];
/** The dtype of a binary op's result: the tensors' dtype (f32 for two numbers). */
export type DTypeOf<X, Y> =
  X extends Tensor<any, infer D> ? D : Y extends Tensor<any, infer D> ? D : "f32";
/** The broadcast shape of two operands. */
export type BinaryShape<X, Y> = Ok<Broadcast<ShapeOf<X>, ShapeOf<Y>>>;
/**
 * `unknown` when `X op Y` fits; otherwise a mismatch naming `op`, the shapes or the dtypes. The
 * common dtype must be one of `Allowed` (arithmetic refuses bool, as the runtime does).
 */
export type BinaryCheck<
  Op extends string,
  X,
  Y,
  Allowed extends DType = DType,
  Kn extends Kinds = Kinds,
> = [X, Y] extends [Tensor<any, infer DA>, Tensor<any, infer DB>]
  ? Is<DA, DB> extends true
    ? FitsBoth<Op, X, Y, DA, Allowed, Kn>
    : [IsK<DA, Kn, "any">, IsK<DB, Kn, "any">] extends [false, false]
      ? ShapeMismatch<`${Op}: dtypes ${DA & string} and ${DB & string} differ; cast one of them first`>
      : FitsBoth<Op, X, Y, Kn["any"], Allowed, Kn>
  : FitsBoth<Op, X, Y, DTypeOf<X, Y>, Allowed, Kn>;
type FitsBoth<Op extends string, X, Y, D, Allowed extends DType, Kn extends Kinds> =
  DTypeCheck<Op, D, Allowed, Kn> extends infer C
    ? unknown extends C
      ? Check<Named<Op, Broadcast<ShapeOf<X>, ShapeOf<Y>, Kn>>>
      : C
    : never;

/** A two-argument elementwise op on numeric dtypes (not bool). */
export type BinaryOp<Op extends string> = <X extends Operand, Y extends Operand>(
  a: X,
  b: Y & NoInfer<BinaryCheck<Op, X, Y, NumericDType>>,
) => Tensor<BinaryShape<X, Y>, DTypeOf<X, Y>>;
/** A comparison: as a binary op on any dtype, with a bool result. */
export type CompareOp<Op extends string> = <X extends Operand, Y extends Operand>(
  a: X,
  b: Y & NoInfer<BinaryCheck<Op, X, Y>>,
) => Tensor<BinaryShape<X, Y>, "bool">;
/**
 * A one-argument elementwise op: the shape and dtype are kept; the dtype must be one of `Allowed`
 * (`FloatDType` for exp, log, sqrt…; `NumericDType` for neg, abs…), as the runtime requires.
 */
export type UnaryOp<Op extends string = string, Allowed extends DType = DType> = <
  S extends Shape,
  D extends DType,
  Kn extends Kinds = Kinds,
>(
  x: Tensor<S, D> & NoInfer<DTypeCheck<Op, D, Allowed, Kn>>,
) => Tensor<S, D>;

// Each op reports its own name in errors (`maximum`, not the primitive `max`): see named.ts.
type Bin = (a: P.Operand, b: P.Operand) => AnyTensor;
const renamed =
  (op: string, f: Bin): Bin =>
  (a, b) =>
    named(op, () => f(a, b));
const binary = <Op extends string>(op: Op, f: Bin): BinaryOp<Op> => renamed(op, f) as BinaryOp<Op>;
const compare = <Op extends string>(op: Op, f: Bin): CompareOp<Op> =>
  renamed(op, f) as CompareOp<Op>;
const unary = <Op extends string, A extends DType>(
  op: Op,
  f: (x: AnyTensor) => AnyTensor,
): UnaryOp<Op, A> => ((x: AnyTensor) => named(op, () => f(x))) as UnaryOp<Op, A>;

// ─── arithmetic ──────────────────────────────────────────────────────────────────────────

/**
 * `a + b`, elementwise with broadcasting.
 * @example
 * ```ts
 * tg.add(tg.tensor([[1, 2, 3], [4, 5, 6]]), tg.tensor([1, 1, 1])); // [[2, 3, 4], [5, 6, 7]]
 * ```
 */
export const add: BinaryOp<"add"> = binary("add", P.add);
/**
 * `a − b`, elementwise with broadcasting.
 * @example
 * ```ts
 * tg.sub(tg.tensor([3, 4]), 1); // [2, 3]
 * ```
 */
export const sub: BinaryOp<"sub"> = binary("sub", P.sub);
/**
 * `a · b`, elementwise with broadcasting.
 * @example
 * ```ts
 * tg.mul(tg.tensor([1, 2]), tg.tensor([[1], [10]])); // [[1, 2], [10, 20]]
 * ```
 */
export const mul: BinaryOp<"mul"> = binary("mul", P.mul);
/**
 * `a / b`, elementwise with broadcasting.
 * Integer division truncates toward zero; x/0 is 0 for i32. Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.div(tg.tensor([1, 2]), 2); // [0.5, 1]
 * ```
 */
export const div: BinaryOp<"div"> = binary("div", P.div);
/**
 * `a ** b`, elementwise with broadcasting.
 * pow(1, NaN) and pow(±1, ±∞) are NaN, as `Math.pow`; d/da is 0 where b = 0. Edge cases:
 * docs/numerics.md.
 * @example
 * ```ts
 * tg.pow(tg.tensor([2, 3]), 2); // [4, 9]
 * ```
 */
export const pow: BinaryOp<"pow"> = binary("pow", P.pow);
/**
 * The larger of `a` and `b`, elementwise.
 * NaN propagates (value and gradient); a tie splits the gradient evenly. Edge cases:
 * docs/numerics.md.
 * @example
 * ```ts
 * tg.maximum(tg.tensor([1, 5]), 3); // [3, 5]
 * ```
 */
export const maximum: BinaryOp<"maximum"> = binary("maximum", P.maximum);
/**
 * The smaller of `a` and `b`, elementwise.
 * NaN propagates (value and gradient); a tie splits the gradient evenly. Edge cases:
 * docs/numerics.md.
 * @example
 * ```ts
 * tg.minimum(tg.tensor([1, 5]), 3); // [1, 3]
 * ```
 */
export const minimum: BinaryOp<"minimum"> = binary("minimum", P.minimum);

// ─── comparisons ─────────────────────────────────────────────────────────────────────────

/**
 * `a < b` as a bool tensor.
 * Comparisons with NaN are false (`notEqual`: true). Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.less(tg.tensor([1, 5]), 3); // [true, false]
 * ```
 */
export const less: CompareOp<"less"> = compare("less", P.lt);
/**
 * `a ≤ b` as a bool tensor.
 * Comparisons with NaN are false. Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.lessEqual(tg.tensor([1, 3]), 3); // [true, true]
 * ```
 */
export const lessEqual: CompareOp<"lessEqual"> = compare("lessEqual", P.le);
/**
 * `a > b` as a bool tensor.
 * Comparisons with NaN are false. Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.greater(tg.tensor([1, 5]), 3); // [false, true]
 * ```
 */
export const greater: CompareOp<"greater"> = compare("greater", P.gt);
/**
 * `a ≥ b` as a bool tensor.
 * Comparisons with NaN are false. Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.greaterEqual(tg.tensor([1, 3]), 3); // [false, true]
 * ```
 */
export const greaterEqual: CompareOp<"greaterEqual"> = compare("greaterEqual", P.ge);
/**
 * `a == b` as a bool tensor.
 * NaN equals nothing, itself included. Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.equal(tg.tensor([1, 3]), 3); // [false, true]
 * ```
 */
export const equal: CompareOp<"equal"> = compare("equal", P.eq);
/**
 * `a != b` as a bool tensor.
 * True wherever either side is NaN. Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.notEqual(tg.tensor([1, 3]), 3); // [true, false]
 * ```
 */
export const notEqual: CompareOp<"notEqual"> = compare("notEqual", P.ne);

/**
 * `cond ? a : b`, elementwise with broadcasting over all three.
 * @example
 * ```ts
 * tg.where(tg.tensor([true, false]), tg.tensor([1, 2]), 0); // [1, 0]
 * ```
 */
export function where<C extends Shape, X extends Operand, Y extends Operand>(
  cond: Tensor<C, "bool">,
  a: X,
  b: Y &
    NoInfer<BinaryCheck<"where", X, Y> & Check<Named<"where", Broadcast<C, BinaryShape<X, Y>>>>>,
): Tensor<Ok<Broadcast<C, BinaryShape<X, Y>>>, DTypeOf<X, Y>> {
  return P.where(cond, a as P.Operand, b as P.Operand);
}

// ─── one-argument functions ──────────────────────────────────────────────────────────────

/**
 * `−x`.
 * @example
 * ```ts
 * tg.neg(tg.tensor([1, -2])); // [-1, 2]
 * ```
 */
export const neg: UnaryOp<"neg", NumericDType> = unary("neg", P.neg);
/**
 * `eˣ`.
 * Results below the smallest normal float32 flush to 0. Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.exp(tg.tensor([0, 1])); // [1, 2.718…]
 * ```
 */
export const exp: UnaryOp<"exp", FloatDType> = unary("exp", P.exp);
/**
 * The natural logarithm.
 * @example
 * ```ts
 * tg.log(tg.tensor([1, Math.E])); // [0, 1]
 * ```
 */
export const log: UnaryOp<"log", FloatDType> = unary("log", P.log);
/**
 * The square root.
 * sqrt(−0) is −0, negative inputs give NaN. Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.sqrt(tg.tensor([4, 9])); // [2, 3]
 * ```
 */
export const sqrt: UnaryOp<"sqrt", FloatDType> = unary("sqrt", P.sqrt);
/**
 * `1 / √x`.
 * @example
 * ```ts
 * tg.rsqrt(tg.tensor([4])); // [0.5]
 * ```
 */
export const rsqrt: UnaryOp<"rsqrt", FloatDType> = unary("rsqrt", (x) => P.reciprocal(P.sqrt(x)));
/**
 * `1 / x`.
 * On i32 this is integer division 1/x (0 for x = 0). Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.reciprocal(tg.tensor([2])); // [0.5]
 * ```
 */
export const reciprocal: UnaryOp<"reciprocal", NumericDType> = unary("reciprocal", P.reciprocal);
/**
 * `|x|`.
 * NaN gives NaN with a NaN derivative. Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.abs(tg.tensor([-1, 2])); // [1, 2]
 * ```
 */
export const abs: UnaryOp<"abs", NumericDType> = unary("abs", P.abs);
/**
 * −1, 0 or 1 by the sign of `x`.
 * sign(NaN) is NaN and sign(−0) is −0 (as NumPy). Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.sign(tg.tensor([-3, 0, 2])); // [-1, 0, 1]
 * ```
 */
export const sign: UnaryOp<"sign", NumericDType> = unary("sign", P.sign);
/**
 * `x²`.
 * Its derivative is g·x + g·x, finite where 2x would overflow. Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.square(tg.tensor([3])); // [9]
 * ```
 */
export const square: UnaryOp<"square", NumericDType> = unary("square", P.square);
/**
 * The sine.
 * @example
 * ```ts
 * tg.sin(tg.tensor([0])); // [0]
 * ```
 */
export const sin: UnaryOp<"sin", FloatDType> = unary("sin", P.sin);
/**
 * The cosine.
 * @example
 * ```ts
 * tg.cos(tg.tensor([0])); // [1]
 * ```
 */
export const cos: UnaryOp<"cos", FloatDType> = unary("cos", P.cos);
/**
 * Rounds down.
 * @example
 * ```ts
 * tg.floor(tg.tensor([1.5, -1.5])); // [1, -2]
 * ```
 */
export const floor: UnaryOp<"floor", FloatDType> = unary("floor", P.floor);
/**
 * The error function.
 * @example
 * ```ts
 * tg.erf(tg.tensor([0])); // [0]
 * ```
 */
export const erf: UnaryOp<"erf", FloatDType> = unary("erf", P.erf);
/**
 * `log(1 + eˣ)`, the smooth ReLU (PyTorch's `softplus`, Keras's `softplus`): computed as
 * `max(x, 0) + log(1 + e^−|x|)` in double precision, so it never overflows. Its derivative is the
 * logistic function.
 * @example
 * ```ts
 * tg.softplus(tg.tensor([0, 100])); // [0.6931472, 100]
 * ```
 */
export const softplus: UnaryOp<"softplus", FloatDType> = unary("softplus", (x) =>
  P.unary("softplus", x),
);

/**
 * Limits `x` to `[lo, hi]` (to `hi` everywhere when `lo > hi`, as PyTorch). The derivative is 1 on
 * the closed interval, bounds included (clip is the identity there, as in PyTorch and TensorFlow.js),
 * and 0 outside; NaN stays NaN, with a NaN derivative. Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.clip(tg.tensor([-2, 0.5, 3]), 0, 1); // [0, 0.5, 1]
 * ```
 */
export function clip<S extends Shape, D extends DType>(
  x: Tensor<S, D>,
  lo: number,
  hi: number,
): Tensor<S, D> {
  // `x < lo` → lo; else `x ≤ hi` → x; else (x > hi or NaN) → min(x, hi), which is hi with a zero
  // derivative above hi and NaN with a NaN derivative at NaN.
  return named("clip", () =>
    lo > hi
      ? P.where(P.le(x, hi), hi, P.minimum(x, hi)) // the constant hi (NaN stays NaN)
      : P.where(P.lt(x, lo), lo, P.where(P.le(x, hi), x, P.minimum(x, hi))),
  );
}

/**
 * Converts to another dtype.
 * f32 → i32 truncates and saturates (NaN → 0); to bool is x ≠ 0. Edge cases: docs/numerics.md.
 * @example
 * ```ts
 * tg.cast(tg.tensor([1.7, 2.2]), "i32"); // Tensor<[2], "i32">: [1, 2]
 * ```
 */
export function cast<S extends Shape, D extends DType>(
  x: Tensor<S, DType>,
  dtype: D,
): Tensor<S, D> {
  return P.cast(x, dtype);
}

/**
 * The identity whose derivative is zero: gradients do not flow through it.
 * @example
 * ```ts
 * const x = tg.tensor([1, 5, 3]);
 * const m = tg.stopGradient(tg.max(x)); // a constant shift
 * ```
 */
export function stopGradient<S extends Shape, D extends DType>(x: Tensor<S, D>): Tensor<S, D> {
  return P.stopGradient(x) as Tensor<S, D>;
}
