/**
 * The shape of a matrix product, numpy style: batch dimensions broadcast, a rank-1 operand is a
 * vector. Only the inner sizes are compared, so a batch type parameter `B` flows through.
 *
 * @example
 * ```ts
 * type Y<B extends number> = MatMul<[B, 784], [784, 10]>;   // [B, 10]
 * type E = MatMul<[2, 3], [4, 5]>;        // { error: "matmul: inner sizes 3 and 4 differ (shapes [2, 3] and [4, 5])" }
 * ```
 * @module
 */
import type { Broadcast, FitsK, Fmt, Kinds, KnownRank, ShapeMismatch } from "./dims.js";

type Inner<
  K1 extends number,
  K2 extends number,
  A extends readonly number[],
  B extends readonly number[],
  R,
  K extends Kinds,
> =
  FitsK<K1, K2, K> extends true
    ? R
    : ShapeMismatch<`matmul: inner sizes ${K1} and ${K2} differ (shapes ${Fmt<A>} and ${Fmt<B>})`>;

type Batched<
  BA extends readonly number[],
  BB extends readonly number[],
  Tail extends readonly number[],
  A extends readonly number[],
  B extends readonly number[],
  K extends Kinds,
> =
  Broadcast<BA, BB, K> extends infer R extends readonly number[]
    ? [...R, ...Tail]
    : ShapeMismatch<`matmul: batch dimensions of ${Fmt<A>} and ${Fmt<B>} do not broadcast`>;

/**
 * The shape of `matmul(a, b)` for shapes `A` and `B`, or a mismatch naming matmul and the sizes.
 * @example
 * ```ts
 * type Y = MatMul<[8, 2, 3], [3, 5]>; // [8, 2, 5]
 * type V = MatMul<[3], [3, 5]>;       // [5]
 * ```
 */
export type MatMul<
  A extends readonly number[],
  B extends readonly number[],
  K extends Kinds = Kinds,
> = MatMulR<A, B, A, B, K>;

// A0 and B0 are A and B again, for the messages: A and B are narrowed inside the branches that
// match them, and formatting a narrowed shape costs the declaration check far more.
type MatMulR<
  A extends readonly number[],
  B extends readonly number[],
  A0 extends readonly number[],
  B0 extends readonly number[],
  K extends Kinds,
> =
  KnownRank<A> extends false
    ? number[]
    : KnownRank<B> extends false
      ? number[]
      : A extends readonly []
        ? ShapeMismatch<"matmul: operands must have rank ≥ 1, got a scalar">
        : B extends readonly []
          ? ShapeMismatch<"matmul: operands must have rank ≥ 1, got a scalar">
          : A extends readonly [infer K1 extends number]
            ? B extends readonly [infer K2 extends number]
              ? Inner<K1, K2, A0, B0, [], K>
              : B extends readonly [
                    ...infer BB extends readonly number[],
                    infer K2 extends number,
                    infer N extends number,
                  ]
                ? Inner<K1, K2, A0, B0, [...BB, N], K>
                : never
            : A extends readonly [
                  ...infer BA extends readonly number[],
                  infer M extends number,
                  infer K1 extends number,
                ]
              ? B extends readonly [infer K2 extends number]
                ? Inner<K1, K2, A0, B0, [...BA, M], K>
                : B extends readonly [
                      ...infer BB extends readonly number[],
                      infer K2 extends number,
                      infer N extends number,
                    ]
                  ? Inner<K1, K2, A0, B0, Batched<BA, BB, [M, N], A0, B0, K>, K>
                  : never
              : never;
