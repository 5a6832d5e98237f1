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

// ─── decisive tests on sizes that may be type parameters ─────────────────────────────────

/**
 * The constants the decisive tests compare against. They travel as a type parameter `K`
 * (defaulted only at the entry points) because a test such as `Is<X, 1>` written with a literal in
 * the body of an alias would be decided once, when the alias is declared and `X` is still its own
 * parameter, and that answer would stick. Passed down as `K`, the test is decided at the use site.
 */
export interface Kinds {
  one: 1;
  zero: 0;
  neg: -1;
  num: number;
  never: never;
  dtype: "f32" | "i32" | "bool" | "f64";
  scalar: [];
  any: any;
}

/**
 * `unknown`, or a mismatch naming `Op` when `S` is the scalar shape `[]` (an op that
 * works along an axis, such as softmax, has none). A shape that is a type parameter passes.
 */
export type NotScalar<Op extends string, S, K extends Kinds> =
  IsK<S, K, "scalar"> extends true
    ? ShapeMismatch<`${Op}: axis -1 is out of range for rank 0 (a scalar)`>
    : unknown;

/**
 * Whether `A` and `B` are the same type, decided even when one of them is a type parameter: a
 * parameter `B` is the same as `B` and differs from every literal and from `number`. (The plain
 * `Same` stays undecided on a parameter against a literal.) Only two distinct parameters stay
 * undecided.
 * @example
 * ```ts
 * type T = Is<3, 3>;        // true
 * type F = Is<3, number>;   // false
 * ```
 */
export type Is<A, B> =
  (<T>() => T extends [A] ? 1 : 2) extends <T>() => T extends [B] ? 1 : 2 ? true : false;

/**
 * `Is<A, K[Key]>`: the same test against one of the constants, which waits while `K` is itself a
 * type parameter (inside another alias's declaration). Deciding there would be wasted work, since
 * each use site decides again with `K` known; waiting makes checking the library's own
 * declarations (`skipLibCheck: false`) a quarter cheaper.
 * @example
 * ```ts
 * type T = IsK<number, Kinds, "num">; // true
 * type F = IsK<3, Kinds, "num">;      // false
 * ```
 */
export type IsK<A, K extends Kinds, Key extends keyof Kinds> = K extends Kinds
  ? (<T>() => T extends [A] ? 1 : 2) extends <T>() => T extends [K[Key]] ? 1 : 2
    ? true
    : false
  : never;

/**
 * The kind of a size: `"lit"` (a number literal), `"num"` (plain `number`) or `"param"`
 * (a type parameter such as a batch `B`), decided at the use site.
 */
export type KindOf<X, K extends Kinds> =
  IsK<X, K, "num"> extends true
    ? "num"
    : IsK<Exclude<X, K["num"]>, K, "never"> extends true
      ? "lit"
      : "param";

/**
 * Whether two sizes may be equal, decided at the use site: the same size (a parameter
 * meets itself), or either is plain `number`. A parameter against a literal does not fit.
 */
export type FitsK<A, B, K extends Kinds> =
  Is<A, B> extends true
    ? true
    : IsK<A, K, "num"> extends true
      ? true
      : IsK<B, K, "num"> extends true
        ? true
        : false;

/**
 * Whether two shapes are equal size by size, as `FitsK` decides each pair; ranks must
 * be known and equal.
 */
export type ShapesFit<
  A extends readonly number[],
  B extends readonly number[],
  K extends Kinds,
> = A extends readonly [infer a extends number, ...infer AT extends readonly number[]]
  ? B extends readonly [infer b extends number, ...infer BT extends readonly number[]]
    ? FitsK<a, b, K> extends true
      ? ShapesFit<AT, BT, K>
      : false
    : false
  : B extends readonly []
    ? true
    : false;

// Tests of the concrete side come first, so a parameter `B` with 1 gives `B` and `B` with `B`
// gives `B`; a parameter against another literal is a mismatch (it is not known to be that size).
// Sizes travel wrapped in a one-tuple so that a type parameter is never itself tested.
type BroadcastDim<A extends number, B extends number, K extends Kinds> =
  IsK<B, K, "one"> extends true
    ? [A]
    : IsK<A, K, "one"> extends true
      ? [B]
      : IsK<A, K, "num"> extends true
        ? [B]
        : IsK<B, K, "num"> extends true
          ? [A]
          : Is<A, B> extends true
            ? [A]
            : ShapeMismatch<`sizes ${A} and ${B} differ`>;

type BroadcastR<
  A extends readonly number[],
  B extends readonly number[],
  A0 extends readonly number[],
  B0 extends readonly number[],
  K extends Kinds,
  Acc extends readonly number[] = [],
> = A extends readonly [...infer AI extends readonly number[], infer a extends number]
  ? B extends readonly [...infer BI extends readonly number[], infer b extends number]
    ? BroadcastDim<a, b, K> extends infer D
      ? D extends [infer E extends number]
        ? BroadcastR<AI, BI, A0, B0, K, [E, ...Acc]>
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
export type Broadcast<
  A extends readonly number[],
  B extends readonly number[],
  K extends Kinds = Kinds,
> =
  KnownRank<A> extends true
    ? KnownRank<B> extends true
      ? BroadcastR<A, B, A, B, K>
      : number[]
    : number[];
