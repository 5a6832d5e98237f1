/**
 * Kernels of the reference backend that move or reduce data: `reduce`, `copy`, `gather`,
 * `scatterAdd`. Sums accumulate in float64 and are stored once, as the output dtype holds them.
 * @module
 */
import type { Buf, ReduceOp } from "../backend.js";
import { dataOf, forEachIndex, toDType } from "./storage.js";

/**
 * Reduces the middle axis of `x` viewed as `[outer, mid, inner]` into `out` `[outer, inner]`.
 * - `sum`: float64 sum (0 when `mid = 0`), then stored as `out.dtype` (i32 wraps).
 * - `max`/`min`: NaN propagates (any NaN gives NaN).
 * - `argmax`/`argmin`: the index of the value that `max`/`min` gives, the first one on ties; with
 *   a NaN in the slice, the index of the first NaN (as NumPy does).
 * @example
 * ```ts
 * import { RefBuf } from "./storage.js";
 * const [x, out] = [new RefBuf("f32", 6), new RefBuf("f32", 2)];
 * x.data?.set([1, 2, 3, 4, 5, 6]);
 * reduce("sum", x, out, 2, 3, 1); // x [2, 3] → out [2]: row sums [6, 15]
 * ```
 */
export function reduce(
  op: ReduceOp,
  x: Buf,
  out: Buf,
  outer: number,
  mid: number,
  inner: number,
): void {
  const xs = dataOf(x);
  const os = dataOf(out);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (m: number) => xs[(o * mid + m) * inner + i];
      let result: number;
      if (op === "sum") {
        result = 0;
        for (let m = 0; m < mid; m++) result += at(m);
      } else {
        const better =
          op === "max" || op === "argmax"
            ? (v: number, best: number) => v > best
            : (v: number, best: number) => v < best;
        let bestIdx = 0;
        for (let m = 1; m < mid; m++) {
          if (Number.isNaN(at(bestIdx))) break;
          if (Number.isNaN(at(m)) || better(at(m), at(bestIdx))) bestIdx = m;
        }
        result = op === "argmax" || op === "argmin" ? bestIdx : at(bestIdx);
      }
      os[o * inner + i] = toDType(out.dtype, result);
    }
  }
}

/**
 * Strided copy: `out[outOffset + Σ idx·outStrides] = x[xOffset + Σ idx·xStrides]` for every
 * multi-index `idx` of `shape`.
 * @example
 * ```ts
 * import { RefBuf } from "./storage.js";
 * const [x, out] = [new RefBuf("f32", 6), new RefBuf("f32", 6)];
 * x.data?.set([1, 2, 3, 4, 5, 6]);
 * copy(x, 0, [1, 3], out, 0, [2, 1], [3, 2]); // transposes a [2, 3] matrix into [3, 2]: [1, 4, 2, 5, 3, 6]
 * ```
 */
export function copy(
  x: Buf,
  xOffset: number,
  xStrides: readonly number[],
  out: Buf,
  outOffset: number,
  outStrides: readonly number[],
  shape: readonly number[],
): void {
  const xs = dataOf(x);
  const os = dataOf(out);
  forEachIndex(shape, [xStrides, outStrides], (_, [xo, oo]) => {
    os[outOffset + oo] = toDType(out.dtype, xs[xOffset + xo]);
  });
}

/**
 * `out[o, j, i] = x[o, idx[j], i]` with `x` `[outer, axisLen, inner]` and `out` `[outer, nIdx, inner]`.
 * @example
 * ```ts
 * import { RefBuf } from "./storage.js";
 * const [vocab, dim] = [3, 2];
 * const [table, ids, out] = [new RefBuf("f32", vocab * dim), new RefBuf("i32", 2), new RefBuf("f32", 2 * dim)];
 * table.data?.set([0, 1, 10, 11, 20, 21]);
 * ids.data?.set([2, 0]);
 * gather(table, ids, out, 1, vocab, dim, ids.size); // embedding lookup: out [20, 21, 0, 1]
 * ```
 */
export function gather(
  x: Buf,
  idx: Buf,
  out: Buf,
  outer: number,
  axisLen: number,
  inner: number,
  nIdx: number,
): void {
  const xs = dataOf(x);
  const is = dataOf(idx);
  const os = dataOf(out);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < nIdx; j++) {
      for (let i = 0; i < inner; i++) {
        os[(o * nIdx + j) * inner + i] = toDType(out.dtype, xs[(o * axisLen + is[j]) * inner + i]);
      }
    }
  }
}

/**
 * The transpose of {@link gather}: `out` `[outer, axisLen, inner]` is zeroed, then
 * `out[o, idx[j], i] += upd[o, j, i]` for every `j` (repeated indices accumulate). Sums are
 * formed in float64 and stored once.
 * @example
 * ```ts
 * import { RefBuf } from "./storage.js";
 * const [vocab, dim] = [3, 2];
 * const [dOut, ids, dTable] = [new RefBuf("f32", 2 * dim), new RefBuf("i32", 2), new RefBuf("f32", vocab * dim)];
 * dOut.data?.set([1, 1, 1, 1]);
 * ids.data?.set([2, 2]);
 * scatterAdd(dOut, ids, dTable, 1, vocab, dim, ids.size); // gradient of an embedding lookup: dTable [0, 0, 0, 0, 2, 2]
 * ```
 */
export function scatterAdd(
  upd: Buf,
  idx: Buf,
  out: Buf,
  outer: number,
  axisLen: number,
  inner: number,
  nIdx: number,
): void {
  const us = dataOf(upd);
  const is = dataOf(idx);
  const os = dataOf(out);
  const acc = new Float64Array(outer * axisLen * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < nIdx; j++) {
      for (let i = 0; i < inner; i++) {
        acc[(o * axisLen + is[j]) * inner + i] += us[(o * nIdx + j) * inner + i];
      }
    }
  }
  for (let t = 0; t < acc.length; t++) os[t] = toDType(out.dtype, acc[t]);
}
