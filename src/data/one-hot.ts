/**
 * One-hot encoding of class ids, on the host.
 * @module
 */
import { DTypeError, ShapeError } from "../shape/errors.js";
import type { DType } from "../shape/dtype.js";
import type { AnyTensor, Tensor } from "../tensor/tensor.js";
import { allocFilled } from "./host.js";

/**
 * Class ids `[N]` (a tensor or an array) as one-hot rows `[N, C]`: row `i` has a 1 in column
 * `labels[i]`. f32 by default. An id outside `0 … C-1` is an error.
 * @example
 * ```ts
 * tg.data.oneHot(tg.tensor([0, 2], "i32"), 3).toArray(); // [[1, 0, 0], [0, 0, 1]]
 * ```
 */
export function oneHot<N extends number, C extends number>(
  labels: Tensor<[N], "i32"> | Tensor<[N], "f32"> | AnyTensor | ArrayLike<number>,
  numClasses: C,
  dtype: DType = "f32",
): Tensor<[N, C], "f32"> {
  const isT = typeof (labels as AnyTensor).dataSync === "function";
  const t = labels as AnyTensor;
  if (isT && t.shape.length !== 1)
    throw new ShapeError("oneHot", `labels must be [N], got [${t.shape.join(", ")}]`);
  if (isT && t.dtype === "bool")
    throw new DTypeError("oneHot", "labels must be class ids (i32), got bool");
  const ids = isT ? t.dataSync() : (labels as ArrayLike<number>);
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new ShapeError("oneHot", `numClasses must be a positive integer, got ${numClasses}`);
  }
  const n = ids.length;
  for (let i = 0; i < n; i++) {
    const c = ids[i];
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw new ShapeError(
        "oneHot",
        `label ${c} at index ${i} is not a class id in 0…${numClasses - 1}`,
      );
    }
  }
  return allocFilled([n, numClasses], dtype, (v) => {
    for (let i = 0; i < n; i++) v[i * numClasses + ids[i]] = 1;
  }) as Tensor<[N, C], "f32">;
}
