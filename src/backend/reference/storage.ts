/**
 * Buffers of the reference backend and the conversion of a number to what a dtype can hold.
 *
 * Every reference buffer stores its elements in a `Float64Array`, whatever its dtype. The value
 * stored always is one that the dtype can represent, so reading a reference buffer gives exactly
 * what the wasm backend would hold for the same dtype (see {@link toDType}).
 * @module
 */
import type { DType } from "../../shape/dtype.js";
import type { Buf } from "../backend.js";

/**
 * A buffer of the reference backend: `size` elements of `dtype` stored as float64.
 * `data` becomes `null` when the buffer is freed.
 * @example
 * ```ts
 * const b = new RefBuf("f32", 3);
 * b.data; // Float64Array [0, 0, 0]
 * ```
 */
export class RefBuf implements Buf {
  /** The elements; `null` once the buffer is freed. */
  data: Float64Array | null;
  constructor(
    readonly dtype: DType,
    readonly size: number,
  ) {
    this.data = new Float64Array(size);
  }
}

/**
 * Converts a float64 value to the nearest value the dtype holds, as a number:
 * - `f64`: unchanged;
 * - `f32`: rounded to the nearest float32 (`Math.fround`);
 * - `i32`: truncated toward zero, then wrapped to 32 bits (two's complement, as `| 0` does);
 *   NaN and ±Infinity give 0;
 * - `bool`: 1 if `v != 0` (NaN counts as nonzero), else 0.
 * @example
 * ```ts
 * toDType("i32", -2.7); // -2
 * toDType("i32", 2 ** 31); // -2147483648
 * toDType("bool", 0.5); // 1
 * ```
 */
export function toDType(dtype: DType, v: number): number {
  switch (dtype) {
    case "f64":
      return v;
    case "f32":
      return Math.fround(v);
    case "i32":
      return Math.trunc(v) | 0;
    case "bool":
      return v !== 0 ? 1 : 0;
  }
}

/**
 * The live storage of a reference buffer. Throws if the buffer is not a reference buffer or has
 * been freed.
 * @example
 * ```ts
 * dataOf(new RefBuf("f64", 2)); // Float64Array [0, 0]
 * ```
 */
export function dataOf(buf: Buf): Float64Array {
  if (!(buf instanceof RefBuf)) throw new Error("reference backend: not a reference buffer");
  if (buf.data === null) throw new Error("reference backend: buffer used after free");
  return buf.data;
}

/**
 * Calls `fn(offsets)` for every multi-index of `shape` in row-major order, where
 * `offsets[t] = Σ_d idx[d]·stridesList[t][d]`. `fn` also gets the linear (row-major) index.
 * @example
 * ```ts
 * forEachIndex([2, 2], [[1, 2]], (i, [o]) => console.log(i, o)); // 0 0, 1 2, 2 1, 3 3
 * ```
 */
export function forEachIndex(
  shape: readonly number[],
  stridesList: readonly (readonly number[])[],
  fn: (linear: number, offsets: number[]) => void,
): void {
  const total = shape.reduce((p, s) => p * s, 1);
  const offsets = new Array<number>(stridesList.length).fill(0);
  for (let linear = 0; linear < total; linear++) {
    // Decompose the linear index into a multi-index, last axis fastest.
    offsets.fill(0);
    let rest = linear;
    for (let d = shape.length - 1; d >= 0; d--) {
      const id = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
      for (let t = 0; t < stridesList.length; t++) offsets[t] += id * stridesList[t][d];
    }
    fn(linear, offsets);
  }
}
