/**
 * Strided iterations made as short as possible: the shared first step of every backend's strided
 * kernels (wasm's N-d loops, WebGPU's index arithmetic).
 * @module
 */

/**
 * Drops size-1 axes and merges adjacent axes that are contiguous in every operand, so kernels
 * walk as few, as long rows as possible. Returns null when the iteration is empty.
 * @example
 * ```ts
 * // a [2, 3, 4] add of two contiguous operands is one row of 24
 * collapse([2, 3, 4], [[12, 4, 1], [12, 4, 1]]); // { shape: [24], strides: [[1], [1]] }
 * ```
 */
export function collapse(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } | null {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d];
    if (n === 0) return null;
    if (n === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, j) => outStrides[j][last] === s[d] * n)) {
      outShape[last] *= n;
      for (let j = 0; j < strides.length; j++) outStrides[j][last] = strides[j][d];
    } else {
      outShape.push(n);
      for (let j = 0; j < strides.length; j++) outStrides[j].push(strides[j][d]);
    }
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * Row-major strides of a contiguous array of `shape`.
 * @example
 * ```ts
 * contiguousStrides([2, 3, 4]); // [12, 4, 1]
 * ```
 */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}
