/**
 * Float-valued results of integer inputs: mean and logsumexp of an i32 or bool tensor are f32
 * (as NumPy and JAX), never truncated. Not re-exported: the public ops use it.
 *
 * @example
 * ```ts
 * toFloat(tg.tensor([1, 2], "i32")).dtype; // "f32"
 * ```
 * @module
 */
import { cast } from "../prims/elementwise.js";
import type { AnyTensor } from "../tensor/tensor.js";

/**
 * `x` itself when it is a float tensor, else `x` cast to f32.
 * @example
 * ```ts
 * toFloat(tg.tensor([true])).dtype; // "f32"
 * ```
 */
export function toFloat(x: AnyTensor): AnyTensor {
  return x.dtype === "f32" || x.dtype === "f64" ? x : cast(x, "f32");
}
