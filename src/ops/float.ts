/**
 * Float-valued results of integer inputs: mean and logsumexp of an i32 or bool tensor are f32
 * (as NumPy and JAX), never truncated; ops with no integer meaning refuse integers by name. Not
 * re-exported: the public ops use it.
 *
 * @example
 * ```ts
 * toFloat(tg.tensor([1, 2], "i32")).dtype; // "f32"
 * ```
 * @module
 */
import { cast } from "../prims/elementwise.js";
import { requireDtype } from "../prims/shapes.js";
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

/**
 * Throws a DTypeError naming `op` unless `x` is a float tensor: for ops that have no integer
 * meaning (PyTorch refuses them too), so that `alpha = 0.2` is never truncated to an integer 0.
 * @example
 * ```ts
 * requireFloat("leakyRelu", tg.tensor([1], "i32")); // DTypeError: leakyRelu: dtype i32 is not supported …
 * ```
 */
export function requireFloat(op: string, x: AnyTensor): void {
  requireDtype(op, x.dtype, ["f32", "f64"]);
}
