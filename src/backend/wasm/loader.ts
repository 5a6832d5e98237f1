/**
 * Loads the kernel module (built from the Rust crate in `wasm/`) with top-level await: in Node it
 * reads the file next to this module, in browsers it fetches it.
 *
 * The builds sit side by side. `typegrad-mt.wasm` imports a shared `WebAssembly.Memory`, so the
 * workers of the pool (see `pool.ts`) can run kernels over the same tensors; it is used when more
 * than one thread is wanted: in Node `TYPEGRAD_THREADS`, default the number of cores; in browsers
 * `navigator.hardwareConcurrency`, on a cross-origin-isolated page only (shared memory needs the
 * COOP/COEP headers there). Otherwise `typegrad.wasm` exports its own memory and everything runs
 * on one thread; `backendInfo().fallback` says why.
 *
 * Each build has a relaxed SIMD twin (`typegrad-relaxed.wasm`, `typegrad-mt-relaxed.wasm`) whose
 * matmul kernels use `f32x4.relaxed_madd`, a fused multiply-add on CPUs with FMA. It is chosen when
 * the engine accepts relaxed SIMD (Chrome 114+, Node 22+; Node 20 has it behind a V8 flag, which
 * the loader turns on), unless `TYPEGRAD_RELAXED_SIMD=0`.
 *
 * Every kernel takes byte addresses into the memory (pointers), element counts as sizes, and
 * writes into caller-allocated outputs.
 * @module
 */

/** A byte address in wasm memory. */
export type Ptr = number;

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

/** Whether this runs in Node (else a browser, or a browser-like runtime). */
export const isNode =
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
  /** Whether the relaxed SIMD build (fused multiply-add in matmul) was loaded. */
  readonly relaxedSimd: boolean;
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

/**
 * Whether the relaxed SIMD build is wanted: `env` (the value of `TYPEGRAD_RELAXED_SIMD`) is unset,
 * empty, `1` or `0`; anything else is an error.
 * @example
 * ```ts
 * wantedRelaxed(undefined); // true
 * wantedRelaxed("0");       // false
 * ```
 */
export function wantedRelaxed(env: string | undefined): boolean {
  if (env === undefined || env === "" || env === "1") return true;
  if (env === "0") return false;
  throw new RangeError(`typegrad: TYPEGRAD_RELAXED_SIMD must be 0 or 1, got "${env}"`);
}

/** `(func (result f32) (f32x4.extract_lane 0 (f32x4.relaxed_madd (splat 2) (splat 3) (splat 1))))` */
const RELAXED_PROBE = (() => {
  const splat = (v: number): number[] => [
    0xfd,
    0x0c,
    ...new Uint8Array(new Float32Array([v, v, v, v]).buffer),
  ];
  const body = [0x00, ...splat(2), ...splat(3), ...splat(1), 0xfd, 0x85, 0x02, 0xfd, 0x1f, 0x00];
  const code = [body.length + 1, ...body, 0x0b];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7d], // type: () -> f32
    ...[0x03, 0x02, 0x01, 0x00], // one function of type 0
    ...[0x0a, code.length + 1, 0x01, ...code],
  ]);
})();

/**
 * Whether this engine runs relaxed SIMD. Node 20's V8 has it behind `--experimental-wasm-relaxed-simd`
 * (shipped by default from V8 11.4); in Node the flag is turned on when the probe fails without it.
 */
async function relaxedSupported(): Promise<boolean> {
  if (WebAssembly.validate(RELAXED_PROBE)) return true;
  if (!isNode) return false;
  try {
    const v8 = await import("node:v8");
    v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
    return WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

/**
 * The imports of every build. The relaxed builds import a marker function that the build rewrote
 * into `f32x4.relaxed_madd` (see `scripts/relax-wasm.mjs`); it is never called.
 */
export function kernelImports(
  memory?: WebAssembly.Memory,
): Record<string, Record<string, WebAssembly.Memory | (() => never)>> {
  const madd = (): never => {
    throw new Error("typegrad: tg_relaxed.madd was called; the relaxed build is corrupt");
  };
  return memory ? { env: { memory }, tg_relaxed: { madd } } : { tg_relaxed: { madd } };
}

/** The threaded build on a fresh shared memory, or the reason it cannot be used. */
function instantiateShared(bytes: Uint8Array<ArrayBuffer>): {
  kernels: Kernels;
  module: WebAssembly.Module;
} {
  const module = new WebAssembly.Module(bytes);
  // 64 pages cover the module's 1 MiB stack and static data; the maximum is reserved, not used
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
  const instance = new WebAssembly.Instance(module, kernelImports(memory));
  return { kernels: { ...instance.exports, memory } as unknown as Kernels, module };
}

/** Reads or fetches the module bytes and instantiates them. */
async function instantiate(): Promise<Loaded> {
  const env = isNode ? process.env.TYPEGRAD_RELAXED_SIMD : undefined;
  const relaxedSimd = wantedRelaxed(env) && (await relaxedSupported());
  const suffix = relaxedSimd ? "-relaxed.wasm" : ".wasm";
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
          const shared = instantiateShared(read(`./typegrad-mt${suffix}`));
          return { ...shared, threads, fallback, relaxedSimd };
        } catch (e) {
          fallback = `the threaded build did not load: ${(e as Error).message}`;
        }
      }
    }
    const bytes = read(`./typegrad${suffix}`);
    const { instance } = await WebAssembly.instantiate(bytes, kernelImports());
    const kernels = instance.exports as unknown as Kernels;
    return { kernels, module: null, threads: 1, fallback, relaxedSimd };
  }
  const threads = wantedThreads(undefined, globalThis.navigator?.hardwareConcurrency ?? 1);
  let fallback: string | null = null;
  if (threads > 1) {
    fallback = browserThreadsBlocked();
    if (fallback === null) {
      try {
        const module = await compileFrom(new URL(`./typegrad-mt${suffix}`, import.meta.url));
        const memory = browserSharedMemory();
        const instance = await WebAssembly.instantiate(module, kernelImports(memory));
        const kernels = { ...instance.exports, memory } as unknown as Kernels;
        return { kernels, module, threads, fallback, relaxedSimd };
      } catch (e) {
        fallback = `the threaded build did not load: ${(e as Error).message}`;
      }
    }
  }
  const module = await compileFrom(new URL(`./typegrad${suffix}`, import.meta.url));
  const instance = await WebAssembly.instantiate(module, kernelImports());
  const kernels = instance.exports as unknown as Kernels;
  return { kernels, module: null, threads: 1, fallback, relaxedSimd };
}

/**
 * Why a browser cannot run the threaded build, or null if it can: shared memory needs a
 * cross-origin-isolated page (served with `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp`), and the pool needs Web Workers.
 * @example
 * ```ts
 * browserThreadsBlocked(); // null on an isolated page; else the reason, for backendInfo().fallback
 * ```
 */
export function browserThreadsBlocked(): string | null {
  if (globalThis.crossOriginIsolated !== true) {
    return "the page is not cross-origin isolated (serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)";
  }
  if (typeof SharedArrayBuffer === "undefined") return "no SharedArrayBuffer";
  if (typeof Worker === "undefined") return "no Web Workers";
  return null;
}

/** Maximum sizes (in 64 KiB pages) tried for a browser's shared memory: 4 GiB down to 256 MiB. */
const BROWSER_MAXIMA = [65536, 32768, 16384, 4096];

/**
 * A shared memory for the threaded build in a browser. A shared memory reserves its maximum up
 * front; where 4 GiB of address space cannot be reserved (32-bit or memory-constrained devices),
 * smaller maxima are tried (the module accepts any imported maximum up to its own 4 GiB).
 * @example
 * ```ts
 * const memory = browserSharedMemory(); // memory.buffer is a SharedArrayBuffer
 * ```
 */
export function browserSharedMemory(
  maxima: readonly number[] = BROWSER_MAXIMA,
): WebAssembly.Memory {
  let error: unknown = new RangeError("no maximum to try");
  for (const maximum of maxima) {
    try {
      return new WebAssembly.Memory({ initial: 64, maximum, shared: true });
    } catch (e) {
      error = e;
    }
  }
  throw error;
}

/** Fetches and compiles a module, streaming when the server sends the application/wasm type. */
async function compileFrom(url: URL): Promise<WebAssembly.Module> {
  if (typeof WebAssembly.compileStreaming === "function") {
    try {
      return await WebAssembly.compileStreaming(fetch(url));
    } catch {
      // a server without the application/wasm MIME type: fall back to bytes
    }
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`typegrad: fetching ${url} gave HTTP ${response.status}`);
  return WebAssembly.compile(await response.arrayBuffer());
}

/** The loaded kernel module (loaded once, when this module is first imported). */
export const loaded: Loaded = await instantiate();

/** The kernels of the main thread. */
export const kernels: Kernels = loaded.kernels;
