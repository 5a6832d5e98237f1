/**
 * Matrix products, numpy style: `matmul` broadcasts batch dimensions and treats a rank-1 operand
 * as a vector. Only the inner sizes are compared at compile time, so a batch type parameter flows
 * through: `matmul(x: Tensor<[B, 784]>, w: Tensor<[784, 10]>)` is a `Tensor<[B, 10]>`.
 *
 * @example
 * ```ts
 * tg.matmul(tg.zeros([2, 3]), tg.zeros([3, 5])); // Tensor<[2, 5]>
 * // @ts-expect-error: matmul: inner sizes 3 and 4 differ
 * tg.matmul(tg.zeros([2, 3]), tg.zeros([4, 5])); // compile error: matmul: inner sizes 3 and 4 differ
 * ```
 * @module
 */
import { mul } from "../prims/elementwise.js";
import { matmulPrim } from "../prims/linalg.js";
import { broadcastTo, reshape } from "../prims/movement.js";
import { broadcastShapes } from "../prims/shapes.js";
import type { DType, DTypeCheck, FloatDType, NumericDType } from "../shape/dtype.js";
import type { Check, Kinds, Ok } from "../shape/dims.js";
import type { MatMul } from "../shape/matmul.js";
import { fmt, ShapeError } from "../shape/errors.js";
import type { AnyTensor, Shape, Tensor } from "../tensor/tensor.js";
import { named } from "./named.js";

/**
 * The matrix product of `a` and `b`. Rank-1 operands are vectors (the added axis is removed from
 * the result); batch dimensions broadcast.
 * @example
 * ```ts
 * tg.matmul(tg.tensor([[1, 2], [3, 4]]), tg.tensor([[1], [1]])); // Tensor<[2, 1]>: [[3], [7]]
 * tg.matmul(tg.zeros([8, 2, 3]), tg.zeros([3, 4]));               // Tensor<[8, 2, 4]>
 * ```
 */
export function matmul<A extends Shape, B extends Shape, D extends DType, Kn extends Kinds = Kinds>(
  a: Tensor<A, D> & NoInfer<DTypeCheck<"matmul", D, FloatDType, Kn>>,
  b: Tensor<B, NoInfer<D>> & NoInfer<Check<MatMul<A, B, Kn>>>,
): Tensor<Ok<MatMul<A, B, Kn>>, D> {
  return matmulAny(a, b);
}

function matmulAny(a: AnyTensor, b: AnyTensor): AnyTensor {
  if (a.rank === 0 || b.rank === 0) {
    throw new ShapeError(
      "matmul",
      `operands must have rank ≥ 1, got ${fmt(a.shape)} and ${fmt(b.shape)}`,
    );
  }
  const a2 = a.rank === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const b2 = b.rank === 1 ? reshape(b, [b.shape[0], 1]) : b;
  const ka = a2.shape[a2.rank - 1];
  const kb = b2.shape[b2.rank - 2];
  if (ka !== kb) {
    throw new ShapeError(
      "matmul",
      `inner sizes ${ka} and ${kb} differ (shapes ${fmt(a.shape)} and ${fmt(b.shape)})`,
    );
  }
  const ba = a2.shape.slice(0, -2);
  const bb = b2.shape.slice(0, -2);
  let x = a2;
  let y = b2;
  const same = ba.length === bb.length && ba.every((d: number, i: number) => d === bb[i]);
  if (!same && ba.length && bb.length) {
    let batch: number[];
    try {
      batch = broadcastShapes("matmul", ba, bb);
    } catch {
      throw new ShapeError(
        "matmul",
        `batch dimensions of ${fmt(a.shape)} and ${fmt(b.shape)} do not broadcast`,
      );
    }
    x = broadcastTo(a2, [...batch, ...a2.shape.slice(-2)]);
    y = broadcastTo(b2, [...batch, ...b2.shape.slice(-2)]);
  }
  const out = matmulPrim(x, y);
  if (a.rank > 1 && b.rank > 1) return out;
  const shape = out.shape.slice(0, -2);
  if (a.rank > 1) shape.push(out.shape[out.rank - 2]);
  if (b.rank > 1) shape.push(out.shape[out.rank - 1]);
  return reshape(out, shape);
}

/**
 * The dot product of two vectors (a scalar); for higher ranks, the same as `matmul`.
 * @example
 * ```ts
 * tg.dot(tg.tensor([1, 2, 3]), tg.tensor([4, 5, 6])); // Tensor<[]>: 32
 * ```
 */
export function dot<A extends Shape, B extends Shape, D extends DType, Kn extends Kinds = Kinds>(
  a: Tensor<A, D> & NoInfer<DTypeCheck<"dot", D, FloatDType, Kn>>,
  b: Tensor<B, NoInfer<D>> & NoInfer<Check<MatMul<A, B, Kn>>>,
): Tensor<Ok<MatMul<A, B, Kn>>, D> {
  return named("dot", () => matmulAny(a, b));
}

/**
 * The outer product of two vectors: `[M]` and `[N]` give `[M, N]`.
 * @example
 * ```ts
 * tg.outer(tg.tensor([1, 2]), tg.tensor([1, 10, 100])); // Tensor<[2, 3]>
 * ```
 */
export function outer<
  M extends number,
  N extends number,
  D extends DType,
  Kn extends Kinds = Kinds,
>(
  a: Tensor<[M], D> & NoInfer<DTypeCheck<"outer", D, NumericDType, Kn>>,
  b: Tensor<[N], NoInfer<D>>,
): Tensor<[M, N], D> {
  if (a.rank !== 1 || b.rank !== 1)
    throw new ShapeError(
      "outer",
      `operands must be vectors, got ${fmt(a.shape)} and ${fmt(b.shape)}`,
    );
  return mul(reshape(a, [a.shape[0], 1]), reshape(b, [1, b.shape[0]]));
}
