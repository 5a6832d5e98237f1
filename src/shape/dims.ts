/**
 * Dimensions and how they meet: the error type that names a mismatch, equality of sizes, and numpy
 * broadcasting at the type level.
 *
 * A dimension is one of three kinds:
 * - a number literal (`784`), checked at compile time;
 * - a type parameter (`B extends number`), which only ever meets itself and flows through;
 * - plain `number`, known only at runtime: it never causes a compile error.
 *
 * @example
 * ```ts
 * type S = Broadcast<[2, 3], [3]>;      // [2, 3]
 * type E = Broadcast<[2, 3], [4]>;      // { error: "cannot broadcast [2, 3] with [4]: sizes 3 and 4 differ" }
 * ```
 * @module
 */

/**
 * A shape mismatch at the type level. Signatures intersect the offending parameter with it, so that
 * tsc prints the sentence: `… is not assignable to … & { error: "matmul: inner sizes 3 and 4 differ" }`.
 * @example
 * ```ts
 * type E = ShapeMismatch<"reshape: 6 elements do not fit [4, 2] (8 elements)">;
 * ```
 */
export type ShapeMismatch<M extends string> = { error: M };

/**
 * `unknown` (no constraint) when `R` is a result, or `R` itself when it is a mismatch.
 * @example
 * ```ts
 * declare function f<A>(a: A & NoInfer<Check<Broadcast<[2], [3]>>>): void;
 * ```
 */
export type Check<R> = R extends ShapeMismatch<string> ? R : unknown;

/**
 * The shape of a result, or a plain unknown-rank shape when it is a mismatch (the mismatch itself
 * is reported on the parameter).
 * @example
 * ```ts
 * type S = Ok<[2, 3]>; // [2, 3]
 * ```
 */
export type Ok<R> =
  R extends ShapeMismatch<string>
    ? number[]
    : R extends infer X extends readonly number[]
      ? X
      : number[];

/** Prefixes a mismatch's message with the op name; passes results through. */
export type Named<Op extends string, R> =
  R extends ShapeMismatch<infer M> ? ShapeMismatch<`${Op}: ${M}`> : R;

/**
 * Formats a shape the way messages show it: `[2, 3]`, `[number, 3]`.
 * @example
 * ```ts
 * type F = Fmt<[2, 3]>; // "[2, 3]"
 * ```
 */
export type Fmt<S extends readonly number[]> = number extends S["length"]
  ? "[...]"
  : `[${Join<S>}]`;
type Join<S extends readonly number[]> = S extends readonly [
  infer H extends number,
  ...infer T extends readonly number[],
]
  ? T extends readonly []
    ? `${H}`
    : `${H}, ${Join<T>}`
  : "";

/**
 * True when the rank is known (a tuple, not `number[]`).
 * @example
 * ```ts
 * type T = KnownRank<[2, 3]>;   // true
 * type F = KnownRank<number[]>; // false
 * ```
 */
export type KnownRank<S extends readonly number[]> = number extends S["length"] ? false : true;

/**
 * Whether two sizes are the same type: identical literals, the same type parameter, or both `number`.
 * This test never defers, even on type parameters.
 */
export type Same<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/**
 * Whether two sizes may be equal: the same size, or either is plain `number` (checked at runtime).
 * @example
 * ```ts
 * type T = Fits<3, number>; // true
 * type F = Fits<3, 4>;      // false
 * ```
 */
export type Fits<A extends number, B extends number> =
  Same<A, B> extends true
    ? true
    : Same<A, number> extends true
      ? true
      : Same<B, number> extends true
        ? true
        : false;

/** The more informative of two sizes that fit: a literal beats `number`. */
export type Pick2<A extends number, B extends number> = Same<A, number> extends true ? B : A;

// A type parameter `B` meets `B` (the first test); against a literal the tests stay deferred, so
// `[B, 10]` with `[B, 1]` or `[10]` is `[B, 10]`, while `[B, 10]` with `[1, 10]` is not resolved.
// Sizes travel wrapped in a one-tuple so that a type parameter is never itself tested.
type BroadcastDim<A extends number, B extends number> =
  Same<A, B> extends true
    ? [A]
    : Same<A, 1> extends true
      ? [B]
      : Same<B, 1> extends true
        ? [A]
        : Same<A, number> extends true
          ? [B]
          : Same<B, number> extends true
            ? [A]
            : ShapeMismatch<`sizes ${A} and ${B} differ`>;

type BroadcastR<
  A extends readonly number[],
  B extends readonly number[],
  A0 extends readonly number[],
  B0 extends readonly number[],
  Acc extends readonly number[] = [],
> = A extends readonly [...infer AI extends readonly number[], infer a extends number]
  ? B extends readonly [...infer BI extends readonly number[], infer b extends number]
    ? BroadcastDim<a, b> extends infer D
      ? D extends [infer E extends number]
        ? BroadcastR<AI, BI, A0, B0, [E, ...Acc]>
        : D extends ShapeMismatch<infer M>
          ? ShapeMismatch<`cannot broadcast ${Fmt<A0>} with ${Fmt<B0>}: ${M}`>
          : never
      : never
    : [...A, ...Acc]
  : [...B, ...Acc];

/**
 * The numpy broadcast of two shapes, or a mismatch naming both shapes and the sizes.
 * Unknown ranks give an unknown-rank shape.
 * @example
 * ```ts
 * type S = Broadcast<[8, 1, 3], [5, 3]>; // [8, 5, 3]
 * ```
 */
export type Broadcast<A extends readonly number[], B extends readonly number[]> =
  KnownRank<A> extends true
    ? KnownRank<B> extends true
      ? BroadcastR<A, B, A, B>
      : number[]
    : number[];
