/**
 * Concrete constants made from JavaScript numbers. Inside a traced function they become the
 * Program's captured constants.
 * @module
 */
import { backendFor } from "../backend/registry.js";
import type { DType } from "../shape/dtype.js";
import { fmt, ShapeError } from "../shape/errors.js";
import { untracked } from "../tensor/scope.js";
import { type AnyTensor, Storage, Tensor } from "../tensor/tensor.js";
import { checkShape, prod } from "./shapes.js";

const scalars = new Map<string, AnyTensor>();

/**
 * A rank-0 tensor holding `value`. Small scalars are cached: they are immutable.
 * @example
 * ```ts
 * scalar(2, "f32").item(); // 2
 * ```
 */
export function scalar(value: number, dtype: DType): AnyTensor {
  const be = backendFor(dtype);
  const key = `${be.name}:${dtype}:${Object.is(value, -0) ? "-0" : value}`;
  let t = scalars.get(key);
  if (!t) {
    t = untracked(() => constant([value], [], dtype));
    if (scalars.size < 4096) scalars.set(key, t);
  }
  return t;
}

/**
 * A concrete tensor from flat data and a shape, on the backend for its dtype.
 * @example
 * ```ts
 * constant([1, 2, 3, 4], [2, 2], "f32");
 * ```
 */
export function constant(
  data: ArrayLike<number>,
  shape: readonly number[],
  dtype: DType,
): AnyTensor {
  checkShape("constant", shape);
  if (data.length !== prod(shape)) {
    throw new ShapeError(
      "constant",
      `${data.length} values do not fill shape ${fmt(shape)} (${prod(shape)} elements)`,
    );
  }
  const be = backendFor(dtype);
  const buf = be.alloc(dtype, data.length);
  if (data.length) be.write(buf, data);
  return new Tensor(shape, dtype, new Storage(be, buf), null);
}

/**
 * A concrete tensor of `shape` filled with `value`.
 * @example
 * ```ts
 * filled([2, 2], 1, "f32");
 * ```
 */
export function filled(shape: readonly number[], value: number, dtype: DType): AnyTensor {
  checkShape("full", shape);
  const be = backendFor(dtype);
  const buf = be.alloc(dtype, prod(shape));
  if (value !== 0) be.fill(buf, value);
  return new Tensor(shape, dtype, new Storage(be, buf), null);
}
