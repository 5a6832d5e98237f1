/**
 * Loads the kernel module (`typegrad.wasm`, built from the Rust crate in `wasm/`) with top-level
 * await: in Node it reads the file next to this module, in browsers it fetches it.
 *
 * The module exports its own `WebAssembly.Memory`; every kernel takes byte addresses into it
 * (pointers), element counts as sizes, and writes into caller-allocated outputs. A shared-memory
 * threaded build would import the memory instead; only {@link instantiate} would change.
 * @module
 */

/** A byte address in wasm memory. */
export type Ptr = number;

/** Unary op codes of `tg_unary_*` (see `wasm/src/elementwise.rs`). */
export const UNARY_CODE = {
  neg: 0,
  exp: 1,
  log: 2,
  sin: 3,
  cos: 4,
  tanh: 5,
  logistic: 6,
  sqrt: 7,
  abs: 8,
  sign: 9,
  floor: 10,
  erf: 11,
} as const;

/** Arithmetic op codes of `tg_binary_*`. */
export const ARITH_CODE = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5, pow: 6 } as const;

/** Comparison op codes of `tg_compare_*`. */
export const COMPARE_CODE = { lt: 0, le: 1, gt: 2, ge: 3, eq: 4, ne: 5 } as const;

/** Reduction op codes of `tg_reduce_*`. */
export const REDUCE_CODE = { sum: 0, max: 1, min: 2, argmax: 3, argmin: 4 } as const;

/** Dtype codes of `tg_cast`. */
export const DTYPE_CODE = { f32: 0, i32: 1, bool: 2 } as const;

/**
 * The exports of the kernel module. `meta` pointers address an i32 array laid out as the Rust
 * doc comment of each kernel says: the shape, one stride array per operand, then `rank` free
 * entries the kernel uses as its index counter.
 */
export interface Kernels {
  readonly memory: WebAssembly.Memory;
  /** First free byte after the module's stack and static data. */
  readonly __heap_base: WebAssembly.Global;
  tg_unary_f32(op: number, x: Ptr, out: Ptr, n: number): void;
  tg_unary_i32(op: number, x: Ptr, out: Ptr, n: number): void;
  tg_binary_f32(op: number, a: Ptr, b: Ptr, out: Ptr, rank: number, meta: Ptr): void;
  tg_fused_f32(meta: Ptr, out: Ptr, n: number, regs: Ptr): void;
  tg_binary_i32(op: number, a: Ptr, b: Ptr, out: Ptr, rank: number, meta: Ptr): void;
  tg_compare_f32(op: number, a: Ptr, b: Ptr, out: Ptr, rank: number, meta: Ptr): void;
  tg_compare_i32(op: number, a: Ptr, b: Ptr, out: Ptr, rank: number, meta: Ptr): void;
  tg_compare_u8(op: number, a: Ptr, b: Ptr, out: Ptr, rank: number, meta: Ptr): void;
  tg_where_32(cond: Ptr, a: Ptr, b: Ptr, out: Ptr, rank: number, meta: Ptr): void;
  tg_where_8(cond: Ptr, a: Ptr, b: Ptr, out: Ptr, rank: number, meta: Ptr): void;
  tg_cast(from: number, to: number, x: Ptr, out: Ptr, n: number): void;
  tg_fill_32(out: Ptr, bits: number, n: number): void;
  tg_fill_8(out: Ptr, value: number, n: number): void;
  tg_copy_32(x: Ptr, out: Ptr, rank: number, meta: Ptr): void;
  tg_copy_8(x: Ptr, out: Ptr, rank: number, meta: Ptr): void;
  tg_reduce_f32(op: number, x: Ptr, out: Ptr, outer: number, mid: number, inner: number): void;
  tg_reduce_i32(op: number, x: Ptr, out: Ptr, outer: number, mid: number, inner: number): void;
  tg_reduce_u8(op: number, x: Ptr, out: Ptr, outer: number, mid: number, inner: number): void;
  /** Floats of scratch `tg_matmul_f32` needs. */
  tg_matmul_scratch_len(): number;
  tg_matmul_f32(
    a: Ptr,
    b: Ptr,
    out: Ptr,
    batch: number,
    m: number,
    k: number,
    n: number,
    transA: number,
    transB: number,
    aBatchStride: number,
    bBatchStride: number,
    scratch: Ptr,
  ): void;
  /** `geom` points to 13 i32 (see `wasm/src/conv.rs`); `scratchLen` is in floats. */
  tg_conv2d_f32(x: Ptr, w: Ptr, y: Ptr, geom: Ptr, scratch: Ptr, scratchLen: number): void;
  tg_conv2d_backprop_input_f32(
    dy: Ptr,
    w: Ptr,
    dx: Ptr,
    geom: Ptr,
    scratch: Ptr,
    scratchLen: number,
  ): void;
  tg_conv2d_backprop_filter_f32(
    x: Ptr,
    dy: Ptr,
    dw: Ptr,
    geom: Ptr,
    scratch: Ptr,
    scratchLen: number,
  ): void;
  tg_gather_32(
    x: Ptr,
    idx: Ptr,
    out: Ptr,
    outer: number,
    axis: number,
    inner: number,
    n: number,
  ): void;
  tg_gather_8(
    x: Ptr,
    idx: Ptr,
    out: Ptr,
    outer: number,
    axis: number,
    inner: number,
    n: number,
  ): void;
  tg_scatter_add_f32(
    upd: Ptr,
    idx: Ptr,
    out: Ptr,
    outer: number,
    axis: number,
    inner: number,
    n: number,
  ): void;
  tg_scatter_add_i32(
    upd: Ptr,
    idx: Ptr,
    out: Ptr,
    outer: number,
    axis: number,
    inner: number,
    n: number,
  ): void;
  tg_threefry2x32(k0: number, k1: number, c0: number, c1: number, out: Ptr): void;
  tg_random_bits(keys: Ptr, out: Ptr, nKeys: number, perKey: number): void;
  tg_random_uniform_f32(keys: Ptr, out: Ptr, nKeys: number, perKey: number): void;
}

const isNode =
  typeof process !== "undefined" && typeof process.versions === "object" && !!process.versions.node;

/** Reads or fetches the module bytes and instantiates them (no imports: memory is exported). */
async function instantiate(): Promise<Kernels> {
  const url = new URL("./typegrad.wasm", import.meta.url);
  if (isNode) {
    const { readFileSync } = await import("node:fs");
    const { fileURLToPath } = await import("node:url");
    const { instance } = await WebAssembly.instantiate(readFileSync(fileURLToPath(url)), {});
    return instance.exports as unknown as Kernels;
  }
  const response = fetch(url);
  if (typeof WebAssembly.instantiateStreaming === "function") {
    try {
      const { instance } = await WebAssembly.instantiateStreaming(response, {});
      return instance.exports as unknown as Kernels;
    } catch {
      // a server without the application/wasm MIME type: fall back to bytes
    }
  }
  const bytes = await (await fetch(url)).arrayBuffer();
  const { instance } = await WebAssembly.instantiate(bytes, {});
  return instance.exports as unknown as Kernels;
}

/** The instantiated kernel module (loaded once, when this module is first imported). */
export const kernels: Kernels = await instantiate();
