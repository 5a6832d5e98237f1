/**
 * Matrix product and 2-D convolution of the reference backend, as direct loops. Every sum is
 * formed in float64 and stored once, as the output dtype holds it.
 * @module
 */
import type { Buf, Conv2dGeometry } from "../backend.js";
import { dataOf, toDType } from "./storage.js";

/**
 * Batched matrix product: for each batch `t`, `out[t, i, j] = Σ_p A[i, p]·B[p, j]` where `A` is read
 * from `a` at `t·aBatchStride` as `[m, k]` (or `[k, m]` if `transA`) and `B` from `b` at
 * `t·bBatchStride` as `[k, n]` (or `[n, k]` if `transB`). `out` is contiguous `[batch, m, n]`.
 * @example
 * ```ts
 * import { RefBuf } from "./storage.js";
 * const [a, b, out] = [new RefBuf("f32", 6), new RefBuf("f32", 12), new RefBuf("f32", 8)];
 * a.data?.fill(1);
 * b.data?.fill(2);
 * matmul(a, b, out, 1, 2, 3, 4, false, false, 0, 0); // [2, 3] @ [3, 4] → [2, 4], every entry 6
 * ```
 */
export function matmul(
  a: Buf,
  b: Buf,
  out: Buf,
  batch: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  aBatchStride: number,
  bBatchStride: number,
): void {
  const as = dataOf(a);
  const bs = dataOf(b);
  const os = dataOf(out);
  for (let t = 0; t < batch; t++) {
    const aBase = t * aBatchStride;
    const bBase = t * bBatchStride;
    const A = (i: number, p: number) => as[aBase + (transA ? p * m + i : i * k + p)];
    const B = (p: number, j: number) => bs[bBase + (transB ? j * k + p : p * n + j)];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += A(i, p) * B(p, j);
        os[(t * m + i) * n + j] = toDType(out.dtype, s);
      }
    }
  }
}

/**
 * Visits every term of the convolution sum: for each output position `(b, oh, ow)`, filter tap
 * `(i, j)` whose input position `(oh·sh + i − pt, ow·sw + j − pl)` lies inside the image, and
 * channels `ci`, `co`, calls `fn(xIndex, wIndex, yIndex)` with the flat indices of
 * `x[b, ih, iw, ci]`, `w[i, j, ci, co]` and `y[b, oh, ow, co]`. Taps on the zero padding
 * contribute nothing and are skipped.
 *
 * The three convolution kernels are this one sum read three ways, which makes them adjoint by
 * construction: `y += x·w`, `dx += dy·w`, `dw += x·dy`.
 * @example
 * ```ts
 * const g = { batch: 1, inH: 3, inW: 3, inC: 1, outH: 1, outW: 1, outC: 1, kH: 3, kW: 3,
 *   strideH: 1, strideW: 1, padTop: 0, padLeft: 0 };
 * const [x, w, y] = [new Float64Array(9).fill(1), new Float64Array(9).fill(2), new Float64Array(1)];
 * forEachConvTerm(g, (xi, wi, yi) => { y[yi] += x[xi] * w[wi]; }); // y [18]
 * ```
 */
export function forEachConvTerm(
  g: Conv2dGeometry,
  fn: (xIndex: number, wIndex: number, yIndex: number) => void,
): void {
  for (let b = 0; b < g.batch; b++) {
    for (let oh = 0; oh < g.outH; oh++) {
      for (let ow = 0; ow < g.outW; ow++) {
        for (let i = 0; i < g.kH; i++) {
          const ih = oh * g.strideH + i - g.padTop;
          if (ih < 0 || ih >= g.inH) continue;
          for (let j = 0; j < g.kW; j++) {
            const iw = ow * g.strideW + j - g.padLeft;
            if (iw < 0 || iw >= g.inW) continue;
            for (let ci = 0; ci < g.inC; ci++) {
              const xIndex = ((b * g.inH + ih) * g.inW + iw) * g.inC + ci;
              for (let co = 0; co < g.outC; co++) {
                const wIndex = ((i * g.kW + j) * g.inC + ci) * g.outC + co;
                const yIndex = ((b * g.outH + oh) * g.outW + ow) * g.outC + co;
                fn(xIndex, wIndex, yIndex);
              }
            }
          }
        }
      }
    }
  }
}

/** Stores a float64 accumulator into a buffer, element by element, as its dtype holds it. */
function store(out: Buf, acc: Float64Array): void {
  const os = dataOf(out);
  for (let t = 0; t < acc.length; t++) os[t] = toDType(out.dtype, acc[t]);
}

/**
 * `y[b, oh, ow, co] = Σ_{i, j, ci} x[b, oh·sh + i − pt, ow·sw + j − pl, ci] · w[i, j, ci, co]`,
 * with `x` NHWC, `w` HWIO, and zero outside the image.
 * @example
 * ```ts
 * import { RefBuf } from "./storage.js";
 * const [x, w, y] = [new RefBuf("f32", 25), new RefBuf("f32", 9), new RefBuf("f32", 9)];
 * x.data?.fill(1);
 * w.data?.fill(1);
 * conv2d(x, w, y, { batch: 1, inH: 5, inW: 5, inC: 1, outH: 3, outW: 3, outC: 1, kH: 3, kW: 3,
 *   strideH: 1, strideW: 1, padTop: 0, padLeft: 0 }); // y: nine 9s
 * ```
 */
export function conv2d(x: Buf, w: Buf, y: Buf, g: Conv2dGeometry): void {
  const xs = dataOf(x);
  const ws = dataOf(w);
  const acc = new Float64Array(y.size);
  forEachConvTerm(g, (xi, wi, yi) => {
    acc[yi] += xs[xi] * ws[wi];
  });
  store(y, acc);
}

/**
 * The gradient of {@link conv2d} with respect to `x`: `dx[b, ih, iw, ci] = Σ dy[b, oh, ow, co]·w[i, j, ci, co]`
 * over the terms where `x[b, ih, iw, ci]` met `w[i, j, ci, co]`. Overwrites `dx` (positions no
 * output reads get 0).
 * @example
 * ```ts
 * import { RefBuf } from "./storage.js";
 * const g = { batch: 1, inH: 5, inW: 5, inC: 1, outH: 3, outW: 3, outC: 1, kH: 3, kW: 3,
 *   strideH: 1, strideW: 1, padTop: 0, padLeft: 0 };
 * const [dy, w, dx] = [new RefBuf("f32", 9), new RefBuf("f32", 9), new RefBuf("f32", 25)];
 * conv2dBackpropInput(dy, w, dx, g); // dx [1, 5, 5, 1] from dy [1, 3, 3, 1]
 * ```
 */
export function conv2dBackpropInput(dy: Buf, w: Buf, dx: Buf, g: Conv2dGeometry): void {
  const dys = dataOf(dy);
  const ws = dataOf(w);
  const acc = new Float64Array(dx.size);
  forEachConvTerm(g, (xi, wi, yi) => {
    acc[xi] += dys[yi] * ws[wi];
  });
  store(dx, acc);
}

/**
 * The gradient of {@link conv2d} with respect to `w`: `dw[i, j, ci, co] = Σ x[b, ih, iw, ci]·dy[b, oh, ow, co]`
 * over the terms where they met. Overwrites `dw`.
 * @example
 * ```ts
 * import { RefBuf } from "./storage.js";
 * const g = { batch: 1, inH: 5, inW: 5, inC: 1, outH: 3, outW: 3, outC: 1, kH: 3, kW: 3,
 *   strideH: 1, strideW: 1, padTop: 0, padLeft: 0 };
 * const [x, dy, dw] = [new RefBuf("f32", 25), new RefBuf("f32", 9), new RefBuf("f32", 9)];
 * conv2dBackpropFilter(x, dy, dw, g); // dw [3, 3, 1, 1] from x [1, 5, 5, 1] and dy [1, 3, 3, 1]
 * ```
 */
export function conv2dBackpropFilter(x: Buf, dy: Buf, dw: Buf, g: Conv2dGeometry): void {
  const xs = dataOf(x);
  const dys = dataOf(dy);
  const acc = new Float64Array(dw.size);
  forEachConvTerm(g, (xi, wi, yi) => {
    acc[wi] += xs[xi] * dys[yi];
  });
  store(dw, acc);
}
