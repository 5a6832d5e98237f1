/**
 * The wasm backend: tensors live in the kernel module's memory and every kernel is a call into
 * the Rust crate (`wasm/`), compiled to WebAssembly with SIMD128.
 *
 * Buffers hold a pointer into an {@link Arena}. They are freed by `free` or, when their handle
 * object is garbage-collected, by a `FinalizationRegistry`, so users never call a `tidy`.
 * Stores f32, i32 and bool (u8 0/1); `f64` buffers throw a `DTypeError` (use the reference backend).
 * @module
 */
import { BYTES } from "../../shape/dtype.js";
import { collapse, contiguousStrides as contiguous } from "../collapse.js";
import type {
  ArithOp,
  Backend,
  BinaryOp,
  CompareOp,
  Conv2dGeometry,
  FusedOp,
  FusedOpName,
  ReduceOp,
  UnaryOp,
} from "../backend.js";
import type { Arena } from "./arena.js";
import { dtypeError, newBuf, ptr, viewAt, WasmBuf } from "./buffers.js";
import type { PartKernel } from "./pool.js";
import {
  arena,
  elementParts,
  MATMUL_SCRATCH,
  metaOf,
  partialOf,
  partsFor,
  pool,
  scratch,
  scratchOf,
} from "./threads.js";
import {
  ARITH_CODE,
  COMPARE_CODE,
  DTYPE_CODE,
  FUSED_CODE,
  REDUCE_CODE,
  UNARY_CODE,
} from "../ops.js";
import { type Kernels, kernels, type Ptr } from "./loader.js";
import { forget } from "./reclaim.js";

const k: Kernels = kernels;

// -- metadata and scratch ----------------------------------------------------------------------

let metaPtr = arena.alloc(4096);
let metaInts = 1024;

/**
 * The metadata region, grown to hold at least `n` ints when it is smaller (its contents are then
 * dropped): write it after this call.
 */
function metaRoom(n: number): Ptr {
  if (n > metaInts) {
    arena.free(metaPtr);
    metaInts = Math.max(n, 2 * metaInts);
    metaPtr = arena.alloc(metaInts * 4);
  }
  return metaPtr;
}

/** Writes `arrays` one after the other into the metadata region, plus `spare` free ints. */
function meta(arrays: readonly (readonly number[])[], spare: number): Ptr {
  let n = spare;
  for (const a of arrays) n += a.length;
  metaRoom(n);
  const i32 = arena.i32;
  let at = metaPtr >>> 2;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) i32[at++] = a[i];
  }
  return metaPtr;
}

/**
 * Runs an N-d kernel `kernel(...lead, ...operands, rank, meta)` over the iteration `it` that `nd`
 * just wrote (operands' element sizes `bytes`), split into parts along the outermost axis.
 */
function splitNd(
  kernel: PartKernel,
  lead: readonly number[],
  operands: readonly Ptr[],
  bytes: readonly number[],
  it: Iteration,
): void {
  const { ints, rank } = it;
  let n = 1;
  for (let d = 0; d < rank; d++) n *= ints[d];
  // a rank-0 iteration (every axis of size 1) is one element
  const outer = rank > 0 ? ints[0] : 1;
  const parts = elementParts(n, outer);
  if (parts === 1) {
    (k[kernel] as (...a: number[]) => void)(...lead, ...operands, rank, metaPtr);
    return;
  }
  pool.run(kernel, parts, (p) => {
    const lo = Math.floor((outer * p) / parts);
    const hi = Math.floor((outer * (p + 1)) / parts);
    const ptrs = operands.map((q, j) => q + lo * ints[rank * (1 + j)] * bytes[j]);
    if (p === 0) {
      arena.i32[metaPtr >>> 2] = hi - lo;
      return [...lead, ...ptrs, rank, metaPtr];
    }
    const m = metaOf(p, ints, rank);
    arena.i32[m >>> 2] = hi - lo;
    return [...lead, ...ptrs, rank, m];
  });
}

/** An N-d iteration after collapsing: its rank, and what the metadata region holds for it. */
interface Iteration {
  rank: number;
  /** shape, then each operand's strides, as written to the metadata region. */
  ints: Int32Array;
}

/** A collapsed iteration, kept per shape array (planned and prepared calls pass the same arrays). */
interface Collapsed {
  strides: readonly (readonly number[])[];
  contiguousLast: boolean;
  /** null when the iteration is empty. */
  iter: Iteration | null;
}
const collapsedOf = new WeakMap<readonly number[], Collapsed>();

/**
 * Collapses and writes an N-d iteration (metadata at `metaPtr`); returns it, or null when it is
 * empty. With `contiguousLast`, a last operand with the row-major strides of `shape` follows.
 * The collapse is cached per `shape` array and strides arrays, so prepared calls skip it.
 */
function nd(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  contiguousLast: boolean,
): Iteration | null {
  let c = collapsedOf.get(shape);
  if (
    c === undefined ||
    c.contiguousLast !== contiguousLast ||
    c.strides.length !== strides.length ||
    !c.strides.every((s, i) => s === strides[i])
  ) {
    const all = contiguousLast ? [...strides, contiguous(shape)] : strides;
    const cc = collapse(shape, all);
    c = {
      strides: [...strides],
      contiguousLast,
      iter:
        cc === null
          ? null
          : { rank: cc.shape.length, ints: Int32Array.from([...cc.shape, ...cc.strides.flat()]) },
    };
    collapsedOf.set(shape, c);
  }
  const it = c.iter;
  if (it === null) return null;
  // rank spare ints after the iteration: a kernel's row counter
  const at = metaRoom(it.ints.length + it.rank);
  arena.i32.set(it.ints, at >>> 2);
  return it;
}

const isCompare = (op: BinaryOp): op is CompareOp => op in COMPARE_CODE;

const fusedCode = new WeakMap<readonly FusedOp[], Int32Array>();

/** Transcendental ops of a fused chain: about ten times the time of an add per element. */
const FUSED_HEAVY = new Set<FusedOpName>(["exp", "log", "tanh", "logistic"]);

/**
 * The work per element of the first `nOps` ops of a fused chain, in units of one memory-bound
 * element (a plain elementwise kernel): an op inside the chain reads and writes registers, not
 * memory, so a chain pays off splitting across threads from fewer elements than a single op.
 */
function fusedWork(ops: readonly FusedOp[], nOps: number): number {
  let w = 0;
  for (let j = 0; j < nOps; j++) w += FUSED_HEAVY.has(ops[j].op) ? 20 : 2;
  return w;
}

function geometry(g: Conv2dGeometry): Ptr {
  const v = [g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.kH, g.kW];
  return meta([[...v, g.strideH, g.strideW, g.padTop, g.padLeft]], 0);
}

/** Least common multiple of two positive integers. */
function lcm(a: number, b: number): number {
  let [x, y] = [a, b];
  while (y !== 0) [x, y] = [y, x % y];
  return (a / x) * b;
}

/** Multiply-adds of a convolution (or of either of its gradients). */
function convMacs(g: Conv2dGeometry): number {
  return g.batch * g.outH * g.outW * g.outC * g.kH * g.kW * g.inC;
}

/** Scratch (in floats) for a convolution: matmul packing plus a chunk of im2col rows. */
function convScratch(g: Conv2dGeometry): number {
  const kk = Math.max(1, g.kH * g.kW * g.inC);
  const rows = g.batch * g.outH * g.outW;
  return MATMUL_SCRATCH + Math.max(kk, Math.min(rows * kk, 1 << 20));
}

// -- the backend -------------------------------------------------------------------------------

/** The WebAssembly backend (f32, i32 and bool; SIMD128 kernels). */
export { collapse };

export const wasmBackend: Backend = {
  name: "wasm",

  alloc(dtype, size) {
    return newBuf(dtype, size, true);
  },

  allocUninit(dtype, size) {
    return newBuf(dtype, size, false);
  },

  sub(b, offset, size) {
    if (offset < 0 || offset + size > b.size) {
      throw new RangeError(
        `wasm sub: [${offset}, ${offset + size}) is outside a buffer of ${b.size}`,
      );
    }
    const root = (b as WasmBuf).parent ?? (b as WasmBuf);
    return new WasmBuf(b.dtype, size, ptr(b) + offset * BYTES[b.dtype], root);
  },

  free(b) {
    if (!(b instanceof WasmBuf) || b.cell === null || b.cell.freed) return;
    forget(b.cell);
    b.cell.freed = true;
    arena.free(b.ptr);
  },

  write(b, data) {
    const v = viewAt(b.dtype, ptr(b), b.size);
    if (b.dtype === "bool") {
      for (let i = 0; i < b.size; i++) v[i] = data[i] !== 0 ? 1 : 0;
    } else {
      v.set(data);
    }
  },

  read(b) {
    return viewAt(b.dtype, ptr(b), b.size).slice();
  },

  view(b) {
    return viewAt(b.dtype, ptr(b), b.size);
  },

  fill(out, value) {
    const v = viewAt(out.dtype, ptr(out), out.size);
    v.fill(out.dtype === "bool" ? (value !== 0 ? 1 : 0) : value);
  },

  unary(op: UnaryOp, x, out) {
    if (x.dtype === "f32") {
      const [px, po, code, n] = [ptr(x), ptr(out), UNARY_CODE[op], x.size];
      const parts = elementParts(n, n);
      if (parts === 1) k.tg_unary_f32(code, px, po, n);
      else {
        pool.run("tg_unary_f32", parts, (p) => {
          const lo = Math.floor((n * p) / parts / 16) * 16;
          const hi = p === parts - 1 ? n : Math.floor((n * (p + 1)) / parts / 16) * 16;
          return [code, px + 4 * lo, po + 4 * lo, hi - lo];
        });
      }
    } else if (x.dtype === "i32" && (op === "neg" || op === "abs" || op === "sign")) {
      k.tg_unary_i32(UNARY_CODE[op], ptr(x), ptr(out), x.size);
    } else throw dtypeError(op, x.dtype);
  },

  binary(op, a, b, out, shape, aStrides, bStrides) {
    const pa = ptr(a);
    const pb = ptr(b);
    const po = ptr(out);
    const it = nd(shape, [aStrides, bStrides], true);
    if (it === null) return;
    if (isCompare(op)) {
      const code = COMPARE_CODE[op];
      if (a.dtype === "f32") splitNd("tg_compare_f32", [code], [pa, pb, po], [4, 4, 1], it);
      else if (a.dtype === "i32") k.tg_compare_i32(code, pa, pb, po, it.rank, metaPtr);
      else if (a.dtype === "bool") k.tg_compare_u8(code, pa, pb, po, it.rank, metaPtr);
      else throw dtypeError(op, a.dtype);
      return;
    }
    const code = ARITH_CODE[op as ArithOp];
    if (a.dtype === "f32") splitNd("tg_binary_f32", [code], [pa, pb, po], [4, 4, 4], it);
    else if (a.dtype === "i32") k.tg_binary_i32(code, pa, pb, po, it.rank, metaPtr);
    else throw dtypeError(op, a.dtype);
  },

  where(cond, a, b, out, shape, condStrides, aStrides, bStrides) {
    const pc = ptr(cond);
    const pa = ptr(a);
    const pb = ptr(b);
    const po = ptr(out);
    const it = nd(shape, [condStrides, aStrides, bStrides], true);
    if (it === null) return;
    if (a.dtype === "bool") k.tg_where_8(pc, pa, pb, po, it.rank, metaPtr);
    else if (a.dtype === "f32" || a.dtype === "i32")
      splitNd("tg_where_32", [], [pc, pa, pb, po], [1, 4, 4, 4], it);
    else throw dtypeError("where", a.dtype);
  },

  fused(ops, ins, outs, results) {
    const nIn = ins.length;
    // the last result's op writes straight into its output; ops after it are not run
    let top = 0;
    for (let k = 0; k < results.length; k++) {
      const r = results[k];
      if (!(r >= nIn && r < nIn + ops.length) || results.indexOf(r) !== k)
        throw new Error(`fused: result ${r} is not a distinct op value (${nIn} inputs)`);
      if (outs[k].dtype !== "f32") throw dtypeError("fused", outs[k].dtype);
      if (r > results[top]) top = k;
    }
    if (results.length === 0) return;
    const nOps = results[top] - nIn + 1;
    let code = fusedCode.get(ops);
    if (code === undefined) {
      code = Int32Array.from(
        ops.flatMap(({ op, args }) => [
          FUSED_CODE[op],
          args[0],
          args[1] ?? args[0],
          args[2] ?? args[0],
        ]),
      );
      fusedCode.set(ops, code);
    }
    const nExtra = results.length - 1;
    const codeAt = 2 + 3 * nIn;
    const extraAt = codeAt + 4 * nOps + 1;
    const ints = extraAt + 2 * nExtra;
    metaRoom(ints);
    // registers of 256 floats (CHUNK in wasm/src/fused.rs), then one pointer per input
    const regs = (nIn + nOps) * 256 + nIn;
    const i32 = arena.i32;
    const at = metaPtr >>> 2;
    i32[at] = nIn;
    i32[at + 1] = nOps;
    const n = outs[top].size;
    let align = 16;
    for (let i = 0; i < nIn; i++) {
      const dt = ins[i].dtype;
      if (dt !== "f32" && dt !== "bool") throw dtypeError("fused", dt);
      const size = ins[i].size;
      i32[at + 2 + i] = ptr(ins[i]);
      i32[at + 2 + nIn + i] = size;
      i32[at + 2 + 2 * nIn + i] = dt === "bool" ? 1 : 0;
      // a row repeated along the leading axes: parts must start at a row boundary
      if (size !== 1 && size !== n) align = lcm(align, size);
    }
    i32.set(nOps === ops.length ? code : code.subarray(0, 4 * nOps), at + codeAt);
    i32[at + extraAt - 1] = nExtra;
    for (let k = 0, x = 0; k < results.length; k++) {
      if (k === top) continue;
      if (outs[k].size !== n) throw new Error("fused: outputs of different sizes");
      i32[at + extraAt + 2 * x] = results[k];
      i32[at + extraAt + 2 * x + 1] = ptr(outs[k]);
      x++;
    }
    const po = ptr(outs[top]);
    const parts =
      align <= n / 2 ? elementParts(n, Math.floor(n / align), n * fusedWork(ops, nOps)) : 1;
    if (parts === 1) {
      k.tg_fused_f32(metaPtr, po, n, scratch(regs));
      return;
    }
    const whole = i32.slice(at, at + ints);
    pool.run("tg_fused_f32", parts, (p) => {
      const blocks = Math.floor(n / align);
      const lo = Math.floor((blocks * p) / parts) * align;
      const hi = p === parts - 1 ? n : Math.floor((blocks * (p + 1)) / parts) * align;
      const m = p === 0 ? metaPtr : metaOf(p, whole, 0);
      const v = arena.i32;
      for (let i = 0; i < nIn; i++) {
        if (whole[2 + nIn + i] === n) {
          // f32 inputs advance 4 bytes per element, bool (u8) inputs 1
          v[(m >>> 2) + 2 + i] = whole[2 + i] + (whole[2 + 2 * nIn + i] === 1 ? 1 : 4) * lo;
          v[(m >>> 2) + 2 + nIn + i] = hi - lo;
        }
      }
      // each extra output advances with the part
      for (let x = 0; x < nExtra; x++)
        v[(m >>> 2) + extraAt + 2 * x + 1] = whole[extraAt + 2 * x + 1] + 4 * lo;
      return [m, po + 4 * lo, hi - lo, scratchOf(p, regs)];
    });
  },

  cast(x, out) {
    if (x.dtype === "f64") throw dtypeError("cast", x.dtype);
    if (out.dtype === "f64") throw dtypeError("cast", out.dtype);
    k.tg_cast(DTYPE_CODE[x.dtype], DTYPE_CODE[out.dtype], ptr(x), ptr(out), x.size);
  },

  reduce(op: ReduceOp, x, out, outer, mid, inner) {
    const code = REDUCE_CODE[op];
    if (x.dtype === "f32") {
      const [px, po, n] = [ptr(x), ptr(out), outer * mid * inner];
      const parts = elementParts(n, outer);
      if (parts === 1) k.tg_reduce_f32(code, px, po, outer, mid, inner);
      else {
        // by ranges of the outer axis: each part reads its own rows and writes its own outputs
        // (4 bytes each: f32 values, or i32 indices for argmax/argmin)
        pool.run("tg_reduce_f32", parts, (p) => {
          const lo = Math.floor((outer * p) / parts);
          const hi = Math.floor((outer * (p + 1)) / parts);
          return [code, px + 4 * lo * mid * inner, po + 4 * lo * inner, hi - lo, mid, inner];
        });
      }
    } else if (x.dtype === "i32") k.tg_reduce_i32(code, ptr(x), ptr(out), outer, mid, inner);
    else if (x.dtype === "bool") k.tg_reduce_u8(code, ptr(x), ptr(out), outer, mid, inner);
    else throw dtypeError(op, x.dtype);
  },

  copy(x, xOffset, xStrides, out, outOffset, outStrides, shape) {
    const w = BYTES[x.dtype];
    const px = ptr(x) + xOffset * w;
    const po = ptr(out) + outOffset * w;
    const it = nd(shape, [xStrides, outStrides], false);
    if (it === null) return;
    if (w === 4) k.tg_copy_32(px, po, it.rank, metaPtr);
    else if (w === 1) k.tg_copy_8(px, po, it.rank, metaPtr);
    else throw dtypeError("copy", x.dtype);
  },

  matmul(a, b, out, batch, m, kk, n, transA, transB, aBatchStride, bBatchStride) {
    if (a.dtype !== "f32") throw dtypeError("matmul", a.dtype);
    const [pa, pb, po] = [ptr(a), ptr(b), ptr(out)];
    const [ta, tb] = [+transA, +transB];
    const parts = partsFor(batch * m * kk * n, Infinity);
    pool.run("tg_matmul_part_f32", parts, (p) => [
      ...[pa, pb, po, batch, m, kk, n, ta, tb, aBatchStride, bBatchStride],
      scratchOf(p, MATMUL_SCRATCH),
    ]);
  },

  conv2d(x, w, y, g) {
    if (x.dtype !== "f32") throw dtypeError("conv2d", x.dtype);
    const [px, pw, py] = [ptr(x), ptr(w), ptr(y)];
    const len = convScratch(g);
    const geom = geometry(g);
    const parts = partsFor(convMacs(g), g.batch);
    pool.run("tg_conv2d_part_f32", parts, (p) => [px, pw, py, geom, scratchOf(p, len), len]);
  },

  conv2dBackpropInput(dy, w, dx, g) {
    if (dy.dtype !== "f32") throw dtypeError("conv2dBackpropInput", dy.dtype);
    const [pdy, pw, pdx] = [ptr(dy), ptr(w), ptr(dx)];
    const len = convScratch(g);
    const geom = geometry(g);
    const parts = partsFor(convMacs(g), g.batch);
    pool.run("tg_conv2d_backprop_input_part_f32", parts, (p) => [
      ...[pdy, pw, pdx, geom],
      scratchOf(p, len),
      len,
    ]);
  },

  conv2dBackpropFilter(x, dy, dw, g) {
    if (x.dtype !== "f32") throw dtypeError("conv2dBackpropFilter", x.dtype);
    const [px, pdy, pdw] = [ptr(x), ptr(dy), ptr(dw)];
    const len = convScratch(g);
    const geom = geometry(g);
    const parts = partsFor(convMacs(g), g.batch);
    const size = dw.size;
    // part 0 writes the result; the others write partial sums, added after
    const target = (p: number): Ptr => (p === 0 ? pdw : partialOf(p, size));
    pool.run("tg_conv2d_backprop_filter_part_f32", parts, (p) => [
      ...[px, pdy, target(p), geom],
      scratchOf(p, len),
      len,
    ]);
    for (let p = 1; p < parts; p++) k.tg_add_into_f32(pdw, partialOf(p, size), size);
  },

  gather(x, idx, out, outer, axisLen, inner, nIdx) {
    const [px, pi, po] = [ptr(x), ptr(idx), ptr(out)];
    if (x.dtype === "bool") k.tg_gather_8(px, pi, po, outer, axisLen, inner, nIdx);
    else if (x.dtype === "f32" || x.dtype === "i32") {
      k.tg_gather_32(px, pi, po, outer, axisLen, inner, nIdx);
    } else throw dtypeError("gather", x.dtype);
  },

  scatterAdd(upd, idx, out, outer, axisLen, inner, nIdx) {
    const [pu, pi, po] = [ptr(upd), ptr(idx), ptr(out)];
    if (upd.dtype === "f32") k.tg_scatter_add_f32(pu, pi, po, outer, axisLen, inner, nIdx);
    else if (upd.dtype === "i32") k.tg_scatter_add_i32(pu, pi, po, outer, axisLen, inner, nIdx);
    else throw dtypeError("scatterAdd", upd.dtype);
  },

  random(kind, keys, out, nKeys, perKey) {
    const [pk, po] = [ptr(keys), ptr(out)];
    if (kind === "bits") k.tg_random_bits(pk, po, nKeys, perKey);
    else if (out.dtype === "f32") k.tg_random_uniform_f32(pk, po, nKeys, perKey);
    else throw dtypeError("random", out.dtype);
  },
};

export { backendInfo, setThreads } from "./threads.js";

/**
 * Memory statistics of the wasm backend, for memory tests and monitoring: bytes held by live
 * buffers, the size of the wasm memory, the bytes the arena manages, and how many blocks it has
 * handed out so far (a count that only grows: the difference over a loop is what the loop
 * allocated).
 * @example
 * ```ts
 * const loss = (w: tg.Tensor<[3]>) => tg.sum(tg.mul(w, w));
 * const step = tg.jit((w: tg.Tensor<[3]>) => tg.sub(w, tg.mul(tg.grad(loss)(w), 0.1)), { donate: [0] });
 * let params = step(tg.ones([3]));
 * const before = tg.memoryStats().allocations;
 * params = step(params);
 * tg.memoryStats().allocations - before; // 0: a donated, jitted step updates its argument in place
 * ```
 */
export function wasmStats(): {
  bytesInUse: number;
  memoryBytes: number;
  heapBytes: number;
  allocations: number;
} {
  return {
    bytesInUse: arena.bytesInUse(),
    memoryBytes: arena.memoryBytes(),
    heapBytes: arena.heapBytes(),
    allocations: arena.allocations(),
  };
}

/** The arena behind the wasm backend (for tests and for planned execution). */
export const wasmArena: Arena = arena;
