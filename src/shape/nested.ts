/**
 * The shape of a nested array literal: `[[1, 2, 3], [4, 5, 6]]` has shape `[2, 3]`. With a `const`
 * type parameter the lengths are literals; plain arrays give `number` sizes.
 *
 * @example
 * ```ts
 * type S = NestedShape<readonly [readonly [1, 2, 3], readonly [4, 5, 6]]>; // [2, 3]
 * type U = NestedShape<number[][]>;                                         // [number, number]
 * ```
 * @module
 */

/** Nested arrays of numbers or booleans, as `tensor` accepts them. */
export type Nested = number | boolean | readonly Nested[];

/**
 * The shape of a nested array type (the first element decides the inner sizes; the runtime
 * rejects ragged arrays).
 * @example
 * ```ts
 * type S = NestedShape<readonly [1, 2]>; // [2]
 * ```
 */
export type NestedShape<A> = A extends readonly unknown[]
  ? A extends readonly []
    ? [0]
    : [A["length"], ...NestedShape<A[0]>]
  : [];
