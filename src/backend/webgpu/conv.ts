/**
 * 2-D convolution (NHWC, HWIO filter) and its two gradients on the GPU, as implicit GEMMs: no
 * im2col buffer; each invocation computes a block of up to 16×16 outputs in registers (the
 * inner loop of `gemm.ts`, as `matmul.ts`), reading its operands straight from the buffers (no
 * workgroup memory). Conditions are written with the non-short-circuit `&` and `|`: with `&&`
 * chains over 16 block rows, SwiftShader did not finish compiling a kernel in minutes.
 *
 * - `conv2d`: `[B·OH·OW, KH·KW·CI] × [KH·KW·CI, CO]`. A row is an output position. For one filter
 *   row, the terms of all filter columns and input channels are one contiguous run of `KW·CI`
 *   values in the image row and in the filter alike, so the inner loop walks that run, reading
 *   zero where a block row's window leaves the image (the padding).
 * - `conv2dBackpropInput`: `[B·H·W, KH·KW·CO] × [KH·KW·CO, CI]`. A row is an input position. With
 *   column stride 1 it is the forward kernel over the output gradient and the filter flipped
 *   along its columns and transposed (a small copy); a filter row reaches the input row from
 *   output row `(ih + pt − i) / sh` when that divides exactly and lies inside the output. With
 *   column stride 2 or more, the taps whose column does not divide exactly add nothing, so the
 *   loop goes tap by tap over the output channels instead.
 * - `conv2dBackpropFilter`: one GEMM `[KH·KW·CI, B·OH·OW] × [B·OH·OW, CO]`: the rows are the
 *   (tap, input channel) pairs, so a block is full even with one input channel (the first layer
 *   of an image model); a row reads the position's first pixel plus its fixed offset. The sum over
 *   the batch is split into chunks (so that a small filter still gives every core work), summed
 *   by a second kernel in chunk order.
 * - When every window lies inside the image ("valid", no padding), the forward and filter
 *   kernels are generated without bounds tests.
 *
 * Each output sums its terms in one fixed order (no atomics): results are the same on every run.
 *
 * Measured on SwiftShader (2 CPU cores shared with a training run and tests, load 6–11;
 * 2026-12-04) on the MNIST CNN's layers of `bench/webgpu-conv.ts` at batch 64, the old and new
 * kernels loaded side by side in one process and run alternately (median of 7, `/tmp` script):
 * - 4×4 blocks (before) → now: conv1 (28×28×1→32) forward 137 → 79 ms, input gradient 210 → 98
 *   ms, filter gradient 129 → 89 ms; conv2 (13×13×32→64) forward 480 → 205 ms, input gradient
 *   610 → 282 ms, filter gradient 552 → 306 ms; the jitted training step 2802 → 1813 ms (1.55×).
 * - Against jax-js on the same device (the sides of `bench/webgpu-sides.ts`, interleaved, median
 *   of 7): the CNN step at batch 64 was 1.08× jax-js's samples/s under this load (0.78× in
 *   `bench/results-webgpu.md` on a quiet machine), now 1.77×.
 * - Steps: 16×16 blocks alone 1.56× on the step; the filter gradient as one GEMM over (tap,
 *   channel) rows 1.3–1.6× on conv1's (no change on conv2's); no bounds tests for "valid"
 *   windows 1.2× on the forward kernels; one loop per kernel rather than a tested and an
 *   untested copy 1.04–2.6× on the input gradients and 1.06–1.4× on "same"-padded forwards.
 * - Tried without gain: zero-padding the output gradient so that the stride-1 input gradient is
 *   a "valid" forward convolution (0.5–0.9×: the padding copy costs more than the tests it
 *   saves); workgroups of 4 invocations instead of 64 (0.98–1.25×, not conclusive); constant run
 *   bounds for "valid" forward kernels (0.89–1.08×); 4,096 positions per
 *   filter-gradient chunk instead of 256 (conv1's 1.23–1.31× faster, conv2's 0.92–1.01×: it
 *   then runs as one chunk of 72 invocations; not changed); hoisting the shared index products
 *   out of the block's reads (within noise; the filter kernel keeps it).
 * - A first compile of a 16×16 kernel takes 1–4 s there.
 * @module
 */
import type { Buf, Conv2dGeometry } from "../backend.js";
import { freeGpuBuf, type GpuBuf, markWritten, newGpuBuf, upload } from "./buffers.js";
import { grid, MAX_GROUPS } from "./device.js";
import { accumulators, blockSide, lines, range, reduction, store } from "./gemm.js";
import { launch, rd, run, typeError, wr } from "./run.js";
import { bindings, type Operand } from "./wgsl.js";

/** Invocations per workgroup (a flat workgroup: blocks are numbered across it, columns first). */
const WG = 64;

/** The geometry as parameters `prm[2…14]`, named in WGSL by the `let`s of {@link GEOMETRY}. */
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
  .map((name, k) => `  let ${name} = prm[${k + 2}];`)
  .join("\n");

function checkF32(op: string, bufs: readonly Buf[]): void {
  for (const b of bufs) if (b.dtype !== "f32") throw typeError(op, b.dtype);
}

/** Uploads and binds `[a, b, out]`; the output must not share a buffer with an operand. */
function bind(op: string, operands: Operand[]) {
  for (const o of operands) upload(o.buf);
  const bs = bindings(operands);
  if (bs.names[2] === bs.names[0] || bs.names[2] === bs.names[1]) {
    throw new Error(`webgpu ${op}: the output shares a buffer with an operand`);
  }
  return bs;
}

/** Workgroups for `blocks` invocations (and `z` along the third axis). */
function groups(op: string, blocks: number, z = 1): [number, number, number] {
  const [x, y] = grid(Math.ceil(blocks / WG));
  if (y > MAX_GROUPS || z > MAX_GROUPS) {
    throw new Error(`webgpu ${op}: ${blocks}×${z} blocks need too many workgroups`);
  }
  return [x, y, z];
}

/** The kernel's entry: `blk` (the flat block number) and `wz` (the third workgroup index). */
const ENTRY = `@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nw: vec3u, @builtin(local_invocation_index) li: u32) {
  let blk = i32((wid.y * nw.x + wid.x) * ${WG}u + li);
  let wz = i32(wid.z);`;

/**
 * A kernel over an `M × N` output, `prm[0]` = M and `prm[1]` = N, with an `rm × rn` block per
 * invocation: the block's rows decoded by `decode`, its columns `n{j}`, the accumulators, then
 * `body` (the reduction), then the store into `out`.
 */
function positionsKernel(
  decls: string,
  out: string,
  rm: number,
  rn: number,
  decode: (i: number) => string,
  body: string,
): string {
  return `${decls}
${ENTRY}
  let M = prm[0];
  let N = prm[1];
${GEOMETRY}
  let nb = (N + ${rn - 1}) / ${rn};
  let r0 = (blk / nb) * ${rm};
  let c0 = (blk % nb) * ${rn};
  if (r0 >= M) { return; }
${lines(decode, rm)}
${lines((j) => `  let n${j} = min(c0 + ${j}, N - 1);`, rn)}
${accumulators(rm, rn)}
${body}
${store(
  rm,
  rn,
  out,
  (i, j) => `(r0 + ${i}) * N + c0 + ${j}`,
  (i, j) => `(r0 + ${i} < M) & (c0 + ${j} < N)`,
)}
}`;
}

/**
 * Whether every window lies inside the image (no padding is read, as in a "valid" convolution):
 * then the kernels need no bounds tests (`inside`).
 */
function windowsInside(g: Conv2dGeometry): boolean {
  const fits = (pad: number, out: number, s: number, k: number, n: number) =>
    pad === 0 && (out - 1) * s + k <= n;
  return (
    fits(g.padTop, g.outH, g.strideH, g.kH, g.inH) &&
    fits(g.padLeft, g.outW, g.strideW, g.kW, g.inW)
  );
}

/**
 * The WGSL of `conv2d` (`input` false), or of `conv2dBackpropInput` with column stride 1 (`input`
 * true, reading `w` flipped along its columns and transposed, see {@link flipFilter}), over
 * bindings `[src, w, out]`: an `rm × rn` block of `out[m, n]` per invocation, `prm[0]` = M,
 * `prm[1]` = N. For each filter row the taps of all filter columns and channels are one
 * contiguous run of `kW·C` values in both the image row and the filter, so the inner loop runs
 * over that run, and each block row reads only the part of it inside the image (with `inside`,
 * every window is inside: no tests).
 */
function rowsCode(
  decls: string,
  names: string[],
  input: boolean,
  rm: number,
  rn: number,
  inside: boolean,
) {
  const [src, w, out] = names;
  // the source image (the input, or the output gradient) and, for each block row, its image,
  // its first filter row's source row (input: before the division by the stride) and its first
  // source column
  const [srcH, srcW, srcC] = input ? ["outH", "outW", "outC"] : ["inH", "inW", "inC"];
  const decode = input
    ? (i: number) => `  let m${i} = min(r0 + ${i}, M - 1);
  let h${i} = (m${i} / inW) % inH + pT;
  let w${i} = m${i} % inW + pL - (kW - 1);
  let img${i} = m${i} / (inW * inH);`
    : (i: number) => `  let m${i} = min(r0 + ${i}, M - 1);
  let h${i} = ((m${i} / outW) % outH) * sH - pT;
  let w${i} = (m${i} % outW) * sW - pL;
  let img${i} = m${i} / (outW * outH);`;
  // per filter row: the source row (if any), where the run starts, and its part in the image
  const row = input
    ? (i: number) => `    let th${i} = h${i} - ki;
    let ok${i} = (th${i} >= 0) & (th${i} % sH == 0) & (th${i} / sH < outH);
    let y${i} = th${i} / sH;`
    : (i: number) => `    let y${i} = h${i} + ki;
    let ok${i} = (y${i} >= 0) & (y${i} < inH);`;
  const run = (i: number) => `${row(i)}
    let s${i} = ((img${i} * ${srcH} + y${i}) * ${srcW} + w${i}) * ${srcC};
    let lo${i} = max(0, -w${i}) * ${srcC};
    let hi${i} = select(0, min(kW, ${srcW} - w${i}) * ${srcC}, ok${i});`;
  const fold = (f: string, v: string) =>
    range(rm)
      .slice(1)
      .reduce((acc, i) => `${f}(${acc}, ${v}${i})`, `${v}0`);
  return positionsKernel(
    decls,
    out,
    rm,
    rn,
    decode,
    `  for (var ki = 0; ki < kH; ki++) {
${lines(run, rm)}
    let fb = ki * kW * ${srcC} * N;
${lines((j) => `    let f${j} = fb + n${j};`, rn)}
    let qLo = ${fold("min", "lo")};
    let qHi = ${fold("max", "hi")};
${reduction(rm, rn, {
  k: "q",
  from: "qLo",
  to: "qHi",
  xs: src,
  at: (i) => `s${i} + q`,
  inside: inside ? undefined : (i) => `(q >= lo${i}) & (q < hi${i})`,
  vs: w,
  vAt: (j) => `f${j} + q * N`,
})}
  }`,
  );
}
/**
 * The WGSL of `conv2dBackpropInput` for any strides, over bindings `[dy, w, out]`: as
 * {@link rowsCode}, but tap by tap: a tap reaches input pixel `(ih, iw)` from the output position
 * `((ih + pt − i) / sh, (iw + pl − j) / sw)` when both divide exactly and lie inside the output.
 */
function tapsCode(decls: string, names: string[], rm: number, rn: number) {
  const [dy, w, out] = names;
  const decode = (i: number) => `  let m${i} = min(r0 + ${i}, M - 1);
  let h${i} = (m${i} / inW) % inH + pT;
  let w${i} = m${i} % inW + pL;
  let img${i} = m${i} / (inW * inH);`;
  const tap = (i: number) => `    let th${i} = h${i} - ki;
    let tw${i} = w${i} - kj;
    let ok${i} = (th${i} >= 0) & (tw${i} >= 0) & (th${i} % sH == 0) & (tw${i} % sW == 0) & (th${i} / sH < outH) & (tw${i} / sW < outW);
    let s${i} = select(0, ((img${i} * outH + th${i} / sH) * outW + tw${i} / sW) * outC, ok${i});`;
  const oks = range(rm).map((i) => `ok${i}`);
  const any = oks.join(" | ");
  return positionsKernel(
    decls,
    out,
    rm,
    rn,
    decode,
    `  for (var ki = 0; ki < kH; ki++) {
  for (var kj = 0; kj < kW; kj++) {
${lines(tap, rm)}
    if (!(${any})) { continue; }
    let t = ki * kW + kj;
${lines((j) => `    let f${j} = (t * inC + n${j}) * outC;`, rn)}
${reduction(rm, rn, {
  k: "c",
  from: "0",
  to: "outC",
  xs: dy,
  at: (i) => `s${i} + c`,
  inside: (i) => `ok${i}`,
  vs: w,
  vAt: (j) => `f${j} + c`,
})}
  }
  }`,
  );
}
/**
 * `wf[i, kW − 1 − j, co, ci] = w[i, j, ci, co]`: the filter as {@link rowsCode} reads it for the
 * input gradient (a fresh buffer, which the caller frees).
 */
function flipFilter(w: Buf, g: Conv2dGeometry): GpuBuf {
  const op = "conv2dBackpropInput";
  const size = g.kH * g.kW * g.inC * g.outC;
  const wf = newGpuBuf("f32", size, false);
  // prm[0] is the element count, so the geometry starts at prm[2] as in the other kernels
  run(op, [rd(w, op), wr(wf, op)], size, [0, ...geometry(g)], ([src, dst]) => {
    return `${GEOMETRY}
  let e = i32(i);
  let ci = e % inC;
  let co = (e / inC) % outC;
  let j = kW - 1 - (e / (inC * outC)) % kW;
  let ki = e / (inC * outC * kW);
  ${dst}[i] = ${src}[((ki * kW + j) * inC + ci) * outC + co];`;
  });
  return wf;
}

/** Records the forward or input-gradient kernel. */
function positions(op: string, input: boolean, a: Buf, w: Buf, out: Buf, g: Conv2dGeometry) {
  checkF32(op, [a, w, out]);
  const m = input ? g.batch * g.inH * g.inW : g.batch * g.outH * g.outW;
  const n = input ? g.inC : g.outC;
  if (m === 0 || n === 0) return;
  const [rm, rn] = [blockSide(m), blockSide(n)];
  // the input gradient with column stride 1 runs as a forward convolution of the flipped filter
  const flat = !input || g.strideW === 1;
  const wf = input && flat ? flipFilter(w, g) : null;
  try {
    const ops = [rd(a, op), rd(wf ?? w, op), wr(out, op)];
    const bs = bind(op, ops);
    const blocks = Math.ceil(m / rm) * Math.ceil(n / rn);
    const code = flat
      ? rowsCode(bs.decls, bs.names, input, rm, rn, !input && windowsInside(g))
      : tapsCode(bs.decls, bs.names, rm, rn);
    launch(op, bs, code, [m, n, ...geometry(g)], groups(op, blocks));
    markWritten(ops[2].buf);
  } finally {
    if (wf) freeGpuBuf(wf);
  }
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
  positions("conv2d", false, x, w, y, g);
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
  positions("conv2dBackpropInput", true, dy, w, dx, g);
}

/**
 * The WGSL of `conv2dBackpropFilter` over bindings `[x, dy, out]`: one GEMM
 * `[KH·KW·CI, B·OH·OW] × [B·OH·OW, CO]` whose rows are the (tap, input channel) pairs, in the
 * order of `dw`; an `rm × rn` block of `dw` per invocation, summed over the images of chunk `wz`
 * (`prm[0]` images per chunk) and written to `out` at `chunk · prm[1]` (the partial sums, or `dw`
 * itself). A row's pixel for a position is the position's first pixel plus a fixed offset; it
 * reads zero where that pixel is in the padding (with `inside` there is none: no tests).
 */
function filterCode(
  decls: string,
  names: string[],
  rm: number,
  rn: number,
  inside: boolean,
): string {
  const [x, dy, out] = names;
  // the block rows' output columns whose pixel lies inside the image
  const wLo = (i: number) => `select(0, (pL - kj${i} + sW - 1) / sW, pL - kj${i} > 0)`;
  const wHi = (i: number) =>
    `select(0, min(outW, (inW - 1 + pL - kj${i}) / sW + 1), inW - 1 + pL - kj${i} >= 0)`;
  return `${decls}
${ENTRY}
  let per = prm[0];
  let size = prm[1];
${GEOMETRY}
  let M = kH * kW * inC;
  let nb = (outC + ${rn - 1}) / ${rn};
  let r0 = (blk / nb) * ${rm};
  let c0 = (blk % nb) * ${rn};
  if (r0 >= M) { return; }
  let chunk = wz;
${lines(
  (i) => `  let row${i} = min(r0 + ${i}, M - 1);
  let ki${i} = row${i} / (kW * inC);
  let kj${i} = (row${i} / inC) % kW;
  let d${i} = (ki${i} * inW + kj${i}) * inC + row${i} % inC;
  let owLo${i} = ${wLo(i)};
  let owHi${i} = ${wHi(i)};`,
  rm,
)}
${lines((j) => `  let co${j} = min(c0 + ${j}, outC - 1);`, rn)}
${accumulators(rm, rn)}
  let bEnd = min(batch, (chunk + 1) * per);
  for (var b = chunk * per; b < bEnd; b++) {
    for (var oh = 0; oh < outH; oh++) {
      let ih = oh * sH - pT;
${lines((i) => `      let okh${i} = (ih + ki${i} >= 0) & (ih + ki${i} < inH);`, rm)}
      let xr = ((b * inH + ih) * inW - pL) * inC;
      let yr = (b * outH + oh) * outW * outC;
  ${reduction(rm, rn, {
    k: "ow",
    from: "0",
    to: "outW",
    xs: x,
    at: (i) => `xp + d${i}`,
    inside: inside ? undefined : (i) => `okh${i} & (ow >= owLo${i}) & (ow < owHi${i})`,
    vs: dy,
    vAt: (j) => `yp + co${j}`,
    pre: "let xp = xr + ow * sW * inC; let yp = yr + ow * outC;",
  })}
    }
  }
  let o = chunk * size;
${store(
  rm,
  rn,
  out,
  (i, j) => `o + (r0 + ${i}) * outC + c0 + ${j}`,
  (i, j) => `(r0 + ${i} < M) & (c0 + ${j} < outC)`,
)}
}`;
}

/**
 * Invocations the filter gradient aims for, splitting the batch into chunks to reach them; and
 * the fewest output positions of a chunk (below that, the partial sums cost more than they save).
 */
const FILTER_INVOCATIONS = 8192;
const CHUNK_POSITIONS = 256;

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
  const op = "conv2dBackpropFilter";
  checkF32(op, [x, dy, dw]);
  const taps = g.kH * g.kW;
  const size = taps * g.inC * g.outC;
  if (size === 0) return;
  const [rm, rn] = [blockSide(taps * g.inC), blockSide(g.outC)];
  const blocks = Math.ceil((taps * g.inC) / rm) * Math.ceil(g.outC / rn);
  // chunks of whole images: enough for FILTER_INVOCATIONS invocations, CHUNK_POSITIONS positions each
  const byWork = Math.floor((g.batch * g.outH * g.outW) / CHUNK_POSITIONS);
  const byCores = Math.ceil(FILTER_INVOCATIONS / blocks);
  const want = Math.max(1, Math.min(g.batch, byCores, byWork));
  const per = Math.max(1, Math.ceil(g.batch / want));
  const chunks = Math.max(1, Math.ceil(g.batch / per));
  const partial: GpuBuf | null = chunks > 1 ? newGpuBuf("f32", chunks * size, false) : null;
  try {
    const ops = [rd(x, op), rd(dy, op), wr(partial ?? dw, op)];
    const bs = bind(op, ops);
    const code = filterCode(bs.decls, bs.names, rm, rn, windowsInside(g));
    launch(op, bs, code, [per, size, ...geometry(g)], groups(op, blocks, chunks));
    markWritten(ops[2].buf);
    if (partial === null) return;
    // dw[e] = Σ over chunks, in chunk order
    run(op, [rd(partial, op), wr(dw, op)], size, [chunks], ([p, out]) => {
      return `  var s = 0.0;
  for (var k = 0; k < prm[1]; k++) { s += ${p}[i32(i) + k * prm[0]]; }
  ${out}[i] = s;`;
    });
  } finally {
    if (partial) freeGpuBuf(partial);
  }
}
