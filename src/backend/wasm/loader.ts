/**
 * Loads the kernel module (built from the Rust crate in `wasm/`) with top-level await: in Node it
 * reads the file next to this module, in browsers it fetches it.
 *
 * Two builds sit side by side. `typegrad-mt.wasm` imports a shared `WebAssembly.Memory`, so the
 * worker threads of the pool (see `pool.ts`) can run kernels over the same tensors; it is used in
 * Node when more than one thread is wanted (`TYPEGRAD_THREADS`, default: the number of cores).
 * Otherwise, and in browsers (shared memory needs a cross-origin-isolated page there),
 * `typegrad.wasm` exports its own memory and everything runs on one thread.
 *
 * Every kernel takes byte addresses into the memory (pointers), element counts as sizes, and
 * writes into caller-allocated outputs.
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
  tg_matmul_part_f32(
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
    part: number,
    parts: number,
  ): void;
  tg_conv2d_part_f32(
    x: Ptr,
    w: Ptr,
    y: Ptr,
    geom: Ptr,
    scratch: Ptr,
    scratchLen: number,
    part: number,
    parts: number,
  ): void;
  tg_conv2d_backprop_input_part_f32(
    dy: Ptr,
    w: Ptr,
    dx: Ptr,
    geom: Ptr,
    scratch: Ptr,
    scratchLen: number,
    part: number,
    parts: number,
  ): void;
  tg_conv2d_backprop_filter_part_f32(
    x: Ptr,
    dy: Ptr,
    dw: Ptr,
    geom: Ptr,
    scratch: Ptr,
    scratchLen: number,
    part: number,
    parts: number,
  ): void;
  tg_add_into_f32(dst: Ptr, src: Ptr, n: number): void;
  tg_threefry2x32(k0: number, k1: number, c0: number, c1: number, out: Ptr): void;
  tg_random_bits(keys: Ptr, out: Ptr, nKeys: number, perKey: number): void;
  tg_random_uniform_f32(keys: Ptr, out: Ptr, nKeys: number, perKey: number): void;
}

const isNode =
  typeof process !== "undefined" && typeof process.versions === "object" && !!process.versions.node;

/** The loaded kernel module. */
export interface Loaded {
  readonly kernels: Kernels;
  /** The compiled threaded module, for the pool's workers (null for the single-threaded build). */
  readonly module: WebAssembly.Module | null;
  /** Threads wanted (the pool may start fewer); 1 with the single-threaded build. */
  readonly threads: number;
  /** Why the single-threaded build was chosen, when more threads were wanted. */
  readonly fallback: string | null;
}

/**
 * Threads wanted: `env` (the value of `TYPEGRAD_THREADS`) if set, a positive integer; else the
 * number of cores, at most 8.
 * @example
 * ```ts
 * wantedThreads(undefined, 2); // 2
 * wantedThreads("1", 2);       // 1
 * ```
 */
export function wantedThreads(env: string | undefined, cores: number): number {
  if (env !== undefined && env !== "") {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`typegrad: TYPEGRAD_THREADS must be a positive integer, got "${env}"`);
    }
    return Math.min(n, 64);
  }
  return Math.max(1, Math.min(8, cores));
}

/** The threaded build on a fresh shared memory, or the reason it cannot be used. */
function instantiateShared(bytes: Uint8Array<ArrayBuffer>): {
  kernels: Kernels;
  module: WebAssembly.Module;
} {
  const module = new WebAssembly.Module(bytes);
  // 64 pages cover the module's 1 MiB stack and static data; the maximum is reserved, not used
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return { kernels: { ...instance.exports, memory } as unknown as Kernels, module };
}

/** Reads or fetches the module bytes and instantiates them. */
async function instantiate(): Promise<Loaded> {
  if (isNode) {
    const { readFileSync } = await import("node:fs");
    const { fileURLToPath } = await import("node:url");
    const os = await import("node:os");
    const read = (name: string): Uint8Array<ArrayBuffer> =>
      new Uint8Array(readFileSync(fileURLToPath(new URL(name, import.meta.url))));
    const cores = os.availableParallelism?.() ?? os.cpus().length;
    const threads = wantedThreads(process.env.TYPEGRAD_THREADS, cores);
    let fallback: string | null = null;
    if (threads > 1) {
      if (typeof SharedArrayBuffer === "undefined") fallback = "no SharedArrayBuffer";
      else {
        try {
          return { ...instantiateShared(read("./typegrad-mt.wasm")), threads, fallback };
        } catch (e) {
          fallback = `the threaded build did not load: ${(e as Error).message}`;
        }
      }
    }
    const { instance } = await WebAssembly.instantiate(read("./typegrad.wasm"), {});
    return { kernels: instance.exports as unknown as Kernels, module: null, threads: 1, fallback };
  }
  const url = new URL("./typegrad.wasm", import.meta.url);
  const single = (instance: WebAssembly.Instance): Loaded => ({
    kernels: instance.exports as unknown as Kernels,
    module: null,
    threads: 1,
    fallback: null,
  });
  const response = fetch(url);
  if (typeof WebAssembly.instantiateStreaming === "function") {
    try {
      return single((await WebAssembly.instantiateStreaming(response, {})).instance);
    } catch {
      // a server without the application/wasm MIME type: fall back to bytes
    }
  }
  const bytes = await (await fetch(url)).arrayBuffer();
  return single((await WebAssembly.instantiate(bytes, {})).instance);
}

/** The loaded kernel module (loaded once, when this module is first imported). */
export const loaded: Loaded = await instantiate();

/** The kernels of the main thread. */
export const kernels: Kernels = loaded.kernels;
