/**
 * Moving data between tensors and JavaScript typed arrays without needless copies: new tensors are
 * allocated on their backend and filled in place through a live view.
 * @module
 */
import { backendFor } from "../backend/registry.js";
import type { DType, TypedArray } from "../shape/dtype.js";
import { type AnyTensor, Storage, Tensor } from "../tensor/tensor.js";

/**
 * A new concrete tensor of `shape` and `dtype`, filled by `fill` writing into a live view of its
 * buffer (no intermediate array). `fill` must not allocate tensors (the view would move).
 * @example
 * ```ts
 * const t = allocFilled([3], "f32", (v) => { v[0] = 1; v[1] = 2; v[2] = 3; });
 * ```
 */
export function allocFilled(
  shape: readonly number[],
  dtype: DType,
  fill: (view: TypedArray) => void,
): AnyTensor {
  const be = backendFor(dtype);
  const size = shape.reduce((a, b) => a * b, 1);
  const buf = be.alloc(dtype, size);
  if (size > 0) fill(be.view(buf));
  return new Tensor(shape, dtype, new Storage(be, buf), null);
}

/**
 * A tensor from a typed array or number array (one copy into the backend).
 * @example
 * ```ts
 * fromTyped(new Int32Array([1, 2]), [2], "i32");
 * ```
 */
export function fromTyped(
  data: ArrayLike<number>,
  shape: readonly number[],
  dtype: DType,
): AnyTensor {
  return allocFilled(shape, dtype, (v) => {
    if (v.length !== data.length)
      throw new Error(`fromTyped: ${data.length} values for ${v.length} elements`);
    v.set(data as ArrayLike<number> & Float32Array);
  });
}

/**
 * A host copy of a tensor's data as numbers in a typed array of its dtype (`dataSync`).
 * @example
 * ```ts
 * const t = tg.tensor([1, 2, 3]);
 * hostData(t); // Float32Array [1, 2, 3]
 * ```
 */
export function hostData(t: AnyTensor): TypedArray {
  return t.dataSync();
}

/**
 * A live, read-only view of a concrete tensor's buffer: valid only until the next allocation.
 * Used by copy loops that allocate their output first.
 * @example
 * ```ts
 * const x = tg.tensor([1, 2, 3]);
 * const out = allocFilled([3], "f32", (o) => o.set(liveView(x))); // a copy of x
 * ```
 */
export function liveView(t: AnyTensor): TypedArray {
  const s = t._concrete("data");
  return s.backend.view(s.buf);
}
