/**
 * Printing tensors the way numpy does: nested brackets, aligned columns, and `...` when large.
 * @module
 */
import type { DType, TypedArray } from "../shape/dtype.js";

const EDGE = 3; // items shown at each end of a summarised axis
const THRESHOLD = 1000; // summarise above this many elements

/**
 * Formats flat data of the given shape as nested rows.
 * @example
 * ```ts
 * formatTensor(new Float32Array([1, 2, 3, 4]), [2, 2], "f32"); // "[[1, 2],\n [3, 4]]"
 * ```
 */
export function formatTensor(data: TypedArray, shape: readonly number[], dtype: DType): string {
  const summarise = data.length > THRESHOLD;
  const fmtNum = numberFormatter(data, dtype);
  const strs: string[] = [];
  const collect = (axis: number, offset: number): void => {
    if (axis === shape.length) {
      strs.push(fmtNum(data[offset]));
      return;
    }
    const stride = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    for (const i of indices(shape[axis], summarise))
      if (i >= 0) collect(axis + 1, offset + i * stride);
  };
  collect(0, 0);
  const width = Math.max(0, ...strs.map((s) => s.length));
  let k = 0;
  const build = (axis: number, indent: string): string => {
    if (axis === shape.length) return strs[k++].padStart(width);
    const parts = indices(shape[axis], summarise).map((i) =>
      i < 0 ? "..." : build(axis + 1, `${indent} `),
    );
    const sep =
      axis === shape.length - 1 ? ", " : `,${"\n".repeat(shape.length - axis - 1)}${indent} `;
    return `[${parts.join(sep)}]`;
  };
  return build(0, "");
}

function indices(n: number, summarise: boolean): number[] {
  if (!summarise || n <= 2 * EDGE) return Array.from({ length: n }, (_, i) => i);
  return [0, 1, 2, -1, n - 3, n - 2, n - 1];
}

function numberFormatter(data: TypedArray, dtype: DType): (v: number) => string {
  if (dtype === "bool") return (v) => (v ? "true" : "false");
  if (dtype === "i32") return (v) => String(v);
  let allInt = true;
  let maxAbs = 0;
  for (let i = 0; i < data.length && i < 100_000; i++) {
    const v = data[i];
    if (Number.isFinite(v)) {
      if (!Number.isInteger(v)) allInt = false;
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
  }
  if (allInt && maxAbs < 1e16)
    return (v) => (Number.isFinite(v) ? `${v}.` : String(v)).replace(/\.$/, "");
  if (maxAbs >= 1e6 || (maxAbs > 0 && maxAbs < 1e-4)) return (v) => v.toExponential(4);
  return (v) => (Number.isFinite(v) ? Number(v.toFixed(4)).toString() : String(v));
}
