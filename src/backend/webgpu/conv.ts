/**
 * 2-D convolution (NHWC, HWIO filter) and its two gradients on the GPU, as direct kernels: one
 * invocation per output element, looping over the terms of its sum (no im2col buffer). The filter
 * gradient loops over batch and output positions per filter element, which is correct but leaves
 * a GPU mostly idle for small filters: an implicit-GEMM version is future work.
 * @module
 */
import type { Buf, Conv2dGeometry } from "../backend.js";
import { rd, run, typeError, wr } from "./run.js";

/** `prm[1…13]`: the geometry, named in WGSL by the `let`s of {@link GEOMETRY}. */
function geometry(g: Conv2dGeometry): number[] {
  return [g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.kH, g.kW].concat([
    g.strideH,
    g.strideW,
    g.padTop,
    g.padLeft,
  ]);
}

const GEOMETRY = ["batch", "inH", "inW", "inC", "outH", "outW", "outC", "kH", "kW"]
  .concat(["sH", "sW", "pT", "pL"])
  .map((name, k) => `  let ${name} = prm[${k + 1}];`)
  .join("\n");

function checkF32(op: string, bufs: readonly Buf[]): void {
  for (const b of bufs) if (b.dtype !== "f32") throw typeError(op, b.dtype);
}

/**
 * `y[b, oh, ow, co] = Σ x[b, oh·sh + i − pt, ow·sw + j − pl, ci] · w[i, j, ci, co]` (zero outside).
 * @example
 * ```ts
 * import { newGpuBuf } from "./buffers.js";
 * const g = { batch: 1, inH: 3, inW: 3, inC: 1, outH: 1, outW: 1, outC: 1, kH: 3, kW: 3,
 *   strideH: 1, strideW: 1, padTop: 0, padLeft: 0 };
 * const [x, w, y] = [newGpuBuf("f32", 9), newGpuBuf("f32", 9), newGpuBuf("f32", 1)];
 * gpuConv2d(x, w, y, g); // y = Σ x·w
 * ```
 */
export function gpuConv2d(x: Buf, w: Buf, y: Buf, g: Conv2dGeometry): void {
  checkF32("conv2d", [x, w, y]);
  const ops = [rd(x, "conv2d"), rd(w, "conv2d"), wr(y, "conv2d")];
  run(
    "conv2d",
    ops,
    y.size,
    geometry(g),
    ([xs, ws, ys]) => `${GEOMETRY}
  let e = i32(i);
  let co = e % outC;
  let ow = (e / outC) % outW;
  let oh = (e / (outC * outW)) % outH;
  let b = e / (outC * outW * outH);
  var acc = 0.0;
  for (var ki = 0; ki < kH; ki++) {
    let ih = oh * sH + ki - pT;
    if (ih < 0 || ih >= inH) { continue; }
    for (var kj = 0; kj < kW; kj++) {
      let iw = ow * sW + kj - pL;
      if (iw < 0 || iw >= inW) { continue; }
      let xb = ((b * inH + ih) * inW + iw) * inC;
      let wb = (ki * kW + kj) * inC * outC + co;
      for (var ci = 0; ci < inC; ci++) { acc += ${xs}[xb + ci] * ${ws}[wb + ci * outC]; }
    }
  }
  ${ys}[i] = acc;`,
  );
}

/**
 * The gradient of `conv2d` with respect to `x`: `dx[b, ih, iw, ci] = Σ dy[b, oh, ow, co]·w[i, j, ci, co]`
 * over the output positions that read `(ih, iw)`.
 * @example
 * ```ts
 * import { newGpuBuf } from "./buffers.js";
 * const g = { batch: 1, inH: 3, inW: 3, inC: 1, outH: 1, outW: 1, outC: 1, kH: 3, kW: 3,
 *   strideH: 1, strideW: 1, padTop: 0, padLeft: 0 };
 * const [dx, w, dy] = [newGpuBuf("f32", 9), newGpuBuf("f32", 9), newGpuBuf("f32", 1)];
 * gpuConv2dBackpropInput(dy, w, dx, g); // dx = dy · w
 * ```
 */
export function gpuConv2dBackpropInput(dy: Buf, w: Buf, dx: Buf, g: Conv2dGeometry): void {
  checkF32("conv2dBackpropInput", [dy, w, dx]);
  const op = "conv2dBackpropInput";
  const ops = [rd(dy, op), rd(w, op), wr(dx, op)];
  run(
    op,
    ops,
    dx.size,
    geometry(g),
    ([dys, ws, dxs]) => `${GEOMETRY}
  let e = i32(i);
  let ci = e % inC;
  let iw = (e / inC) % inW;
  let ih = (e / (inC * inW)) % inH;
  let b = e / (inC * inW * inH);
  var acc = 0.0;
  for (var ki = 0; ki < kH; ki++) {
    let th = ih + pT - ki;
    if (th < 0 || th % sH != 0 || th / sH >= outH) { continue; }
    let oh = th / sH;
    for (var kj = 0; kj < kW; kj++) {
      let tw = iw + pL - kj;
      if (tw < 0 || tw % sW != 0 || tw / sW >= outW) { continue; }
      let ow = tw / sW;
      let yb = ((b * outH + oh) * outW + ow) * outC;
      let wb = ((ki * kW + kj) * inC + ci) * outC;
      for (var co = 0; co < outC; co++) { acc += ${dys}[yb + co] * ${ws}[wb + co]; }
    }
  }
  ${dxs}[i] = acc;`,
  );
}

/**
 * The gradient of `conv2d` with respect to `w`: `dw[i, j, ci, co] = Σ x[b, ih, iw, ci]·dy[b, oh, ow, co]`.
 * @example
 * ```ts
 * import { newGpuBuf } from "./buffers.js";
 * const g = { batch: 1, inH: 3, inW: 3, inC: 1, outH: 1, outW: 1, outC: 1, kH: 3, kW: 3,
 *   strideH: 1, strideW: 1, padTop: 0, padLeft: 0 };
 * const [x, dw, dy] = [newGpuBuf("f32", 9), newGpuBuf("f32", 9), newGpuBuf("f32", 1)];
 * gpuConv2dBackpropFilter(x, dy, dw, g); // dw = x · dy
 * ```
 */
export function gpuConv2dBackpropFilter(x: Buf, dy: Buf, dw: Buf, g: Conv2dGeometry): void {
  checkF32("conv2dBackpropFilter", [x, dy, dw]);
  const op = "conv2dBackpropFilter";
  const ops = [rd(x, op), rd(dy, op), wr(dw, op)];
  run(
    op,
    ops,
    dw.size,
    geometry(g),
    ([xs, dys, dws]) => `${GEOMETRY}
  let e = i32(i);
  let co = e % outC;
  let ci = (e / outC) % inC;
  let kj = (e / (outC * inC)) % kW;
  let ki = e / (outC * inC * kW);
  var acc = 0.0;
  for (var b = 0; b < batch; b++) {
    for (var oh = 0; oh < outH; oh++) {
      let ih = oh * sH + ki - pT;
      if (ih < 0 || ih >= inH) { continue; }
      for (var ow = 0; ow < outW; ow++) {
        let iw = ow * sW + kj - pL;
        if (iw < 0 || iw >= inW) { continue; }
        acc += ${xs}[((b * inH + ih) * inW + iw) * inC + ci] * ${dys}[((b * outH + oh) * outW + ow) * outC + co];
      }
    }
  }
  ${dws}[i] = acc;`,
  );
}
