/**
 * Reductions on the GPU over the middle axis of `x` viewed as `[outer, mid, inner]`. With few
 * outputs and a long middle axis, each output gets a workgroup: 256 invocations each reduce a
 * strided part, then a tree in workgroup memory combines them. Otherwise (a short axis, or enough
 * outputs to occupy the device) each output gets one invocation that loops, summing with Kahan's
 * compensation so a long axis loses no accuracy. argmax/argmin keep the first index on ties and
 * the first NaN, as the reference does.
 *
 * Measured on SwiftShader: the tree for the bias gradient of a dense layer (a sum over the batch
 * axis of `[128, 256]`, 256 outputs) took 596 ms, more than the layer's matmul, as barriers are
 * costly there; one invocation per output takes a few ms.
 * @module
 */
import type { Buf, ReduceOp } from "../backend.js";
import { gpuBuf, markWritten, upload } from "./buffers.js";
import { grid } from "./device.js";
import { sizes } from "./hot.js";
import { launch } from "./run.js";
import { bindings, convert, elementKernel } from "./wgsl.js";

/** Middle axes at least this long are reduced by a whole workgroup, when there are few outputs. */
const TREE_FROM = 64;
/** From this many outputs on, one invocation per output keeps the device busy: no tree. */
const LOOP_OUTPUTS = 64;

/** WGSL `better(a, ai, b, bi)`: whether (b, bi) replaces (a, ai) in max/min/arg* (first NaN wins). */
function pickFn(op: ReduceOp, t: string): string {
  const cmp = op === "max" || op === "argmax" ? ">" : "<";
  return `fn better(a: ${t}, ai: u32, b: ${t}, bi: u32) -> bool {
  let an = a != a;
  let bn = b != b;
  if (an && bn) { return bi < ai; }
  if (an) { return false; }
  if (bn) { return true; }
  if (b ${cmp} a) { return true; }
  return b == a && bi < ai;
}`;
}

/**
 * Reduces `x` `[outer, mid, inner]` into `out` `[outer, inner]` as `Backend.reduce` defines it.
 * @example
 * ```ts
 * import { newGpuBuf } from "./buffers.js";
 * const [x, out] = [newGpuBuf("f32", 1000), newGpuBuf("f32", 1)];
 * gpuReduce("sum", x, out, 1, 1000, 1); // the sum of 1000 values
 * ```
 */
export function gpuReduce(
  op: ReduceOp,
  x: Buf,
  out: Buf,
  outer: number,
  mid: number,
  inner: number,
): void {
  const gx = gpuBuf(x, op);
  const go = gpuBuf(out, op);
  const nOut = outer * inner;
  if (nOut === 0) return;
  upload(gx);
  upload(go);
  // values: f32 stays f32; i32 and bool (u32) are reduced as i32
  const t = gx.dtype === "f32" ? "f32" : "i32";
  const load = (e: string) => (gx.dtype === "bool" ? `i32(b0[${e}])` : `b0[${e}]`);
  const isArg = op === "argmax" || op === "argmin";
  const store = (v: string, idx: string) =>
    isArg
      ? convert(`i32(${idx})`, "i32", go.dtype)
      : convert(v, t === "f32" ? "f32" : "i32", go.dtype);
  const bs = bindings([
    { buf: gx, write: false },
    { buf: go, write: true },
  ]);
  // the axis lengths: constants of the WGSL once the kernel is hot (divisions by constants)
  const meta = [nOut, mid, inner];
  const sig = `reduce ${op} ${gx.dtype} ${go.dtype} ${mid} ${inner} ${mid < TREE_FROM || nOut >= LOOP_OUTPUTS}`;
  const midInner = sizes(sig, ["mid", "inner"], [mid, inner]);
  const zero = t === "f32" ? "0.0" : "0";
  if (mid < TREE_FROM || nOut >= LOOP_OUTPUTS) {
    // f32 sums carry Kahan's compensation term c; integer sums are exact
    const add =
      t === "f32"
        ? `let y = ${load("base + m * inner")} - c;
    let s = acc + y;
    c = (s - acc) - y;
    acc = s;`
        : `acc += ${load("base + m * inner")};`;
    const body =
      op === "sum"
        ? `${midInner}
  let base = (i / inner) * mid * inner + i % inner;
  var acc: ${t} = ${zero};
  var c: ${t} = ${zero};
  for (var m = 0u; m < mid; m++) {
    ${add}
  }
  b1[i] = ${store("acc", "0u")};`
        : `${midInner}
  let base = (i / inner) * mid * inner + i % inner;
  var best: ${t} = ${load("base")};
  var bi = 0u;
  for (var m = 1u; m < mid; m++) {
    let v = ${load("base + m * inner")};
    if (better(best, bi, v, m)) { best = v; bi = m; }
  }
  b1[i] = ${store("best", "bi")};`;
    const code = elementKernel(bs, body) + (op === "sum" ? "" : `\n${pickFn(op, t)}`);
    launch(op, bs, code, meta, grid(Math.ceil(nOut / 256)));
  } else {
    const combine =
      op === "sum"
        ? "vals[li] = vals[li] + vals[li + s];"
        : "if (better(vals[li], idxs[li], vals[li + s], idxs[li + s])) { vals[li] = vals[li + s]; idxs[li] = idxs[li + s]; }";
    const local =
      op === "sum"
        ? `var acc: ${t} = ${zero};
  for (var m = li; m < mid; m += 256u) { acc += ${load("base + m * inner")}; }
  vals[li] = acc;
  idxs[li] = 0u;`
        : `var best: ${t} = ${load("base + min(li, mid - 1u) * inner")};
  var bi = min(li, mid - 1u);
  for (var m = li + 256u; m < mid; m += 256u) {
    let v = ${load("base + m * inner")};
    if (better(best, bi, v, m)) { best = v; bi = m; }
  }
  vals[li] = best;
  idxs[li] = bi;`;
    const code = `${bs.decls}
var<workgroup> vals: array<${t}, 256>;
var<workgroup> idxs: array<u32, 256>;
${op === "sum" ? "" : pickFn(op, t)}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nw: vec3u, @builtin(local_invocation_index) li: u32) {
  let g = wid.y * nw.x + wid.x;
  let nOut = u32(prm[0]);
${midInner}
  let o = min(g, nOut - 1u);
  let base = (o / inner) * mid * inner + o % inner;
  ${local}
  workgroupBarrier();
  for (var s = 128u; s > 0u; s = s >> 1u) {
    if (li < s) { ${combine} }
    workgroupBarrier();
  }
  if (li == 0u && g < nOut) { b1[g] = ${store("vals[0]", "idxs[0]")}; }
}`;
    launch(op, bs, code, meta, grid(nOut));
  }
  markWritten(go);
}
