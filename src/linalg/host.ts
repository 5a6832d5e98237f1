/**
 * Host-side helpers of `tg.linalg`: reading concrete tensors into float64 matrices and writing
 * results back, with the shape checks every routine shares.
 * @module
 */
import { constant } from "../prims/constants.js";
import { fmt, ShapeError } from "../shape/errors.js";
import type { AnyTensor as T } from "../tensor/tensor.js";

/** A dense row-major float64 matrix. */
export interface Mat {
  rows: number;
  cols: number;
  data: Float64Array;
}

/**
 * A concrete float tensor of rank 1 or 2 as a float64 matrix (a vector becomes one column).
 * Traced values are refused: these routines run on the host.
 * @example
 * ```ts
 * const a = tg.tensor([[2, 1], [1, 3]]);
 * toMat("solve", a, "a"); // { m: { rows: 2, cols: 2, data: Float64Array [2, 1, 1, 3] }, vector: false }
 * ```
 */
export function toMat(
  op: string,
  t: T,
  name: string,
  vectorOk = false,
): { m: Mat; vector: boolean } {
  if (!t || typeof t !== "object" || !("shape" in t))
    throw new ShapeError(op, `${name} must be a tensor`);
  if (!t.isConcrete) {
    throw new ShapeError(
      op,
      `${name} is a traced value; linalg.${op} runs on the host in float64 and is neither differentiable nor traceable — call it outside grad/jit/vmap`,
    );
  }
  if (t.dtype !== "f32" && t.dtype !== "f64")
    throw new ShapeError(op, `${name} must be f32 or f64, got ${t.dtype}`);
  if (t.rank === 1 && vectorOk)
    return {
      m: { rows: t.shape[0], cols: 1, data: Float64Array.from(t.dataSync()) },
      vector: true,
    };
  if (t.rank !== 2)
    throw new ShapeError(
      op,
      `${name} must be a matrix${vectorOk ? " or a vector" : ""}, got shape ${fmt(t.shape)}`,
    );
  return {
    m: { rows: t.shape[0], cols: t.shape[1], data: Float64Array.from(t.dataSync()) },
    vector: false,
  };
}

/**
 * A float64 matrix back as a tensor of `dtype` (a vector when `vector`).
 * @example
 * ```ts
 * const x = { rows: 2, cols: 1, data: new Float64Array([0.8, 1.4]) };
 * fromMat(x, false, "f32"); // Tensor [2, 1]: [[0.8], [1.4]]
 * ```
 */
export function fromMat(m: Mat, vector: boolean, dtype: T["dtype"]): T {
  return constant(m.data, vector ? [m.rows] : [m.rows, m.cols], dtype);
}

/** The result dtype: f64 if either input is f64. */
export function resultDtype(...ts: T[]): T["dtype"] {
  return ts.some((t) => t.dtype === "f64") ? "f64" : "f32";
}
