/**
 * The webgpu backend: tensors live in GPU buffers and every kernel is a WGSL compute shader,
 * generated per op from the op list and compiled once (see `wgsl.ts`, `matmul.ts`, `reduce.ts`,
 * `random.ts`). Kernels are recorded into one command encoder and submitted together (see
 * `device.ts`); nothing is read back until `await t.data()`.
 *
 * Stores f32, i32 and bool (a u32 per element). A synchronous read (`dataSync`) throws: WebGPU
 * can only read asynchronously (except i32 data from the host that no kernel has written: its
 * host copy is kept for index checks). Kernels not written yet (`sub` for
 * `scan`) throw an error naming the op and "webgpu".
 *
 * Open it with `await tg.useBackend("webgpu")` (it needs an adapter: see `device.ts`).
 * @module
 */
import type { ArithOp, Backend } from "../backend.js";
import {
  freeGpuBuf,
  gpuBuf,
  gpuView,
  hostView,
  newGpuBuf,
  readBack,
  syncReadError,
} from "./buffers.js";
import { gpuConv2d, gpuConv2dBackpropFilter, gpuConv2dBackpropInput } from "./conv.js";
import { gpuFused } from "./fused.js";
import { gpuMatmul } from "./matmul.js";
import { gpuRandom } from "./random.js";
import { gpuReduce } from "./reduce.js";
import { hot, sizes } from "./hot.js";
import { stridedIndex } from "./strided.js";
import { isCompare, prod, rd, run, typeError, unsupported, wr } from "./run.js";
import { ARITH_F32, ARITH_I32, COMPARE, convert, UNARY_F32, UNARY_I32 } from "./wgsl.js";

export { unsupported };

/** The WebGPU backend (f32, i32 and bool; WGSL kernels). */
export const webgpuBackend: Backend = {
  name: "webgpu",

  alloc(dtype, size) {
    return newGpuBuf(dtype, size);
  },

  allocUninit(dtype, size) {
    return newGpuBuf(dtype, size, false);
  },

  free(b) {
    freeGpuBuf(b);
  },

  sub(b, offset, size) {
    return gpuView(gpuBuf(b, "sub"), offset, size);
  },

  write(b, data) {
    const g = gpuBuf(b, "write");
    if (data.length !== g.size) {
      throw new Error(`webgpu write: ${data.length} values into a buffer of ${g.size}`);
    }
    g.host = null;
    g.written = false;
    const v = hostView(g, "write");
    if (g.dtype === "bool") for (let i = 0; i < g.size; i++) v[i] = data[i] !== 0 ? 1 : 0;
    else v.set(data);
  },

  read(b) {
    // i32 data written from the host (labels, indices) keeps its host copy until a kernel
    // overwrites it, so that host-side index checks can read it; anything else is on the GPU only
    const g = gpuBuf(b, "dataSync");
    if (g.dtype === "i32" && g.host !== null) return g.host.slice();
    throw syncReadError("dataSync");
  },

  readAsync(b) {
    const g = gpuBuf(b, "data");
    return readBack(g);
  },

  view(b) {
    return hostView(gpuBuf(b, "view"), "view");
  },

  fill(out, value) {
    const o = wr(out, "fill");
    const bits =
      o.buf.dtype === "f32"
        ? new Int32Array(Float32Array.of(value).buffer)[0]
        : o.buf.dtype === "bool"
          ? +(value !== 0)
          : value | 0;
    const v =
      o.buf.dtype === "f32" ? "bitcast<f32>(prm[1])" : convert("prm[1]", "i32", o.buf.dtype);
    run("fill", [o], o.buf.size, [bits], ([n]) => `  ${n}[i] = ${v};`);
  },

  unary(op, x, out) {
    const [a, o] = [rd(x, op), wr(out, op)];
    const f =
      a.buf.dtype === "f32" ? UNARY_F32[op] : a.buf.dtype === "i32" ? UNARY_I32[op] : undefined;
    if (!f) throw typeError(op, a.buf.dtype);
    run(op, [a, o], o.buf.size, [], ([x, y]) => `  ${y}[i] = ${f(`${x}[i]`)};`);
  },

  binary(op, a, b, out, shape, aStrides, bStrides) {
    const ops = [rd(a, op), rd(b, op), wr(out, op)];
    const d = ops[0].buf.dtype;
    let expr: (x: string, y: string) => string;
    if (isCompare(op)) expr = (x, y) => `u32(${COMPARE[op](x, y)})`;
    else if (d === "f32") expr = ARITH_F32[op as ArithOp];
    else if (d === "i32") expr = ARITH_I32[op as ArithOp];
    else throw typeError(op, d);
    const sig = `binary ${op} ${d} ${shape} ${aStrides} ${bStrides}`;
    const { lines, at, meta } = stridedIndex(shape, [aStrides, bStrides], [], hot(sig), 1);
    run(
      op,
      ops,
      prod(shape),
      meta,
      ([x, y, z]) => `${lines}
  ${z}[i] = ${expr(`${x}[${at[0]}]`, `${y}[${at[1]}]`)};`,
    );
  },

  where(cond, a, b, out, shape, condStrides, aStrides, bStrides) {
    const ops = [rd(cond, "where"), rd(a, "where"), rd(b, "where"), wr(out, "where")];
    const sig = `where ${ops[1].buf.dtype} ${shape} ${condStrides} ${aStrides} ${bStrides}`;
    const strides = [condStrides, aStrides, bStrides];
    const { lines, at, meta } = stridedIndex(shape, strides, [], hot(sig), 1);
    run(
      "where",
      ops,
      prod(shape),
      meta,
      ([c, x, y, z]) => `${lines}
  ${z}[i] = select(${y}[${at[2]}], ${x}[${at[1]}], ${c}[${at[0]}] != 0u);`,
    );
  },

  fused: gpuFused,

  cast(x, out) {
    const [a, o] = [rd(x, "cast"), wr(out, "cast")];
    run("cast", [a, o], o.buf.size, [], ([x, y]) => {
      return `  ${y}[i] = ${convert(`${x}[i]`, a.buf.dtype, o.buf.dtype)};`;
    });
  },

  reduce: gpuReduce,

  copy(x, xOffset, xStrides, out, outOffset, outStrides, shape) {
    const ops = [rd(x, "copy"), wr(out, "copy")];
    // the offsets stay parameters (a scan's rows differ only in them): one kernel for all rows
    const sig = `copy ${ops[0].buf.dtype} ${shape} ${xStrides} ${outStrides}`;
    const bases = ["u32(prm[1])", "u32(prm[2])"];
    const { lines, at, meta } = stridedIndex(shape, [xStrides, outStrides], bases, hot(sig), 3);
    run(
      "copy",
      ops,
      prod(shape),
      [xOffset, outOffset, ...meta],
      ([a, b]) => `${lines}
  ${b}[${at[1]}] = ${a}[${at[0]}];`,
    );
  },

  matmul: gpuMatmul,

  conv2d: gpuConv2d,
  conv2dBackpropInput: gpuConv2dBackpropInput,
  conv2dBackpropFilter: gpuConv2dBackpropFilter,

  gather(x, idx, out, _outer, axisLen, inner, nIdx) {
    const ops = [rd(x, "gather"), rd(idx, "gather"), wr(out, "gather")];
    run(
      "gather",
      ops,
      ops[2].buf.size,
      [axisLen, inner, nIdx],
      ([
        a,
        j,
        o,
      ]) => `${sizes(`gather ${axisLen} ${inner} ${nIdx}`, ["axisLen", "inner", "nIdx"], [axisLen, inner, nIdx])}
  let row = (i / inner) % nIdx;
  let outerIdx = i / (inner * nIdx);
  ${o}[i] = ${a}[(outerIdx * axisLen + u32(${j}[row])) * inner + i % inner];`,
    );
  },

  scatterAdd(upd, idx, out, _outer, axisLen, inner, nIdx) {
    const ops = [rd(upd, "scatterAdd"), rd(idx, "scatterAdd"), wr(out, "scatterAdd")];
    const d = ops[0].buf.dtype;
    if (d !== "f32" && d !== "i32") throw typeError("scatterAdd", d);
    // one invocation per output element sums the updates whose index hits it (no float atomics)
    run(
      "scatterAdd",
      ops,
      ops[2].buf.size,
      [axisLen, inner, nIdx],
      ([
        u,
        j,
        o,
      ]) => `${sizes(`scatterAdd ${d} ${axisLen} ${inner} ${nIdx}`, ["axisLen", "inner", "nIdx"], [axisLen, inner, nIdx])}
  let row = i32((i / inner) % axisLen);
  let outerIdx = i / (inner * axisLen);
  var acc: ${d} = ${d === "f32" ? "0.0" : "0"};
  for (var q = 0u; q < nIdx; q++) {
    if (${j}[q] == row) { acc += ${u}[(outerIdx * nIdx + q) * inner + i % inner]; }
  }
  ${o}[i] = acc;`,
    );
  },

  random: gpuRandom,
};
