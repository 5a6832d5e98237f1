/**
 * The wasm backend's memory and threads: the arena over the kernel module's memory, the thread
 * pool, how many parts a kernel is split into, and each part's own workspace and metadata.
 * @module
 */
import { Arena } from "./arena.js";
import { kernels, loaded, type Ptr } from "./loader.js";
import { startPool } from "./pool.js";

/** The arena over the kernel module's memory. */
export const arena = new Arena(kernels.memory, kernels.__heap_base.value as number);

/** The thread pool (one thread, the caller's, without the threaded build). */
export const pool = await startPool(loaded, arena);

let scratchPtr = 0;
let scratchFloats = 0;
/** Floats of workspace a matmul needs. */
export const MATMUL_SCRATCH = kernels.tg_matmul_scratch_len();

/** The calling thread's workspace of at least `floats` f32, kept between calls. */
export function scratch(floats: number): Ptr {
  if (floats > scratchFloats) {
    if (scratchFloats > 0) arena.free(scratchPtr);
    scratchFloats = floats;
    scratchPtr = arena.alloc(floats * 4);
  }
  return scratchPtr;
}

/** Grow-only blocks of each part's own (index 0 unused where part 0 has a shared one). */
type Blocks = { ptr: Ptr; floats: number }[];

/** Block `p` of `list`, of at least `floats` 4-byte words (reallocated, contents lost, to grow). */
function blockOf(list: Blocks, p: number, floats: number): Ptr {
  const s = (list[p] ??= { ptr: 0, floats: 0 });
  if (floats > s.floats) {
    if (s.floats > 0) arena.free(s.ptr);
    s.floats = Math.max(floats, 64);
    s.ptr = arena.alloc(s.floats * 4);
  }
  return s.ptr;
}

const partScratch: Blocks = [];
const partMeta: Blocks = [];
const partials: Blocks = [];

/** The workspace of part `p` (a thread of its own), of at least `floats` f32. */
export function scratchOf(p: number, floats: number): Ptr {
  return p === 0 ? scratch(floats) : blockOf(partScratch, p, floats);
}

/** Part `p`'s metadata region (p ≥ 1), holding `ints` (copied) plus `spare` free ints. */
export function metaOf(p: number, ints: ArrayLike<number>, spare: number): Ptr {
  const m = blockOf(partMeta, p, ints.length + spare);
  arena.i32.set(ints, m >>> 2);
  return m;
}

/** Part `p`'s buffer of `floats` f32 for a partial result (p ≥ 1; e.g. a filter gradient). */
export function partialOf(p: number, floats: number): Ptr {
  return blockOf(partials, p, floats);
}

/**
 * Multiply-adds below which a kernel runs on one thread: waking a worker costs microseconds, so
 * splitting only pays off from about 10 µs of work.
 */
const PARALLEL_MACS = 1 << 18;

/** Threads kernels are split over (at most the pool's; see {@link setThreads}). */
let active = pool.size;

/** The threads in effect: the pool drops to its caller alone if a worker stops answering. */
const threadsNow = (): number => Math.min(active, pool.size);

/**
 * Sets how many threads kernels are split over, from 1 to the pool's size (which
 * `TYPEGRAD_THREADS` fixes at startup, default the number of cores); returns the count in effect.
 * @example
 * ```ts
 * tg.setThreads(1); // everything on the calling thread, e.g. to compare with a 1-thread peer
 * ```
 */
export function setThreads(n: number): number {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`setThreads: the count must be a positive integer, got ${n}`);
  }
  active = Math.min(n, pool.size);
  return active;
}

/** Parts every split kernel uses, whatever its size (set by tests; null: decided by size). */
let forcedParts: number | null = null;

/** How many parts to split `macs` multiply-adds of work into, with at most `most` parts. */
export function partsFor(macs: number, most: number): number {
  if (forcedParts !== null) return forcedParts;
  const threads = threadsNow();
  if (macs < PARALLEL_MACS || threads === 1) return 1;
  // large kernels get two parts per thread: on a busy machine a descheduled worker then holds
  // up at most a quarter of the work, not half
  const per = macs >= 16 * PARALLEL_MACS ? 2 : 1;
  return Math.max(1, Math.min(threads * per, most));
}

/**
 * @internal For tests: splits every matmul and convolution into `parts` parts (at most the pool's
 * threads when it has workers; any number on one thread, run one after the other), or restores
 * the size-based choice with null. Returns the parts that will be used.
 */
export function forceParts(parts: number | null): number | null {
  forcedParts = parts === null ? null : pool.size > 1 ? Math.min(parts, pool.size) : parts;
  return forcedParts;
}

/**
 * @internal For tests: how many parts of split kernels the pool's workers (not the calling
 * thread) have run since startup; 0 without workers.
 * @example
 * ```ts
 * const before = workerParts();
 * tg.matmul(tg.ones([256, 512]), tg.ones([512, 256]));
 * workerParts() - before; // parts the workers claimed (0 to 3 of 4 on two threads)
 * ```
 */
export function workerParts(): number {
  return pool.workerParts();
}

/** Elements below which an elementwise kernel runs on one thread. */
const PARALLEL_ELEMENTS = 1 << 17;

/**
 * How many parts to split an elementwise kernel over `n` elements (outer axis `outer`) into;
 * `work` (in units of one memory-bound element, `n` by default) lets a kernel that computes more
 * per element, such as a long fused chain, split from fewer elements.
 */
export function elementParts(n: number, outer: number, work = n): number {
  if (forcedParts !== null) return Math.min(forcedParts, Math.max(1, outer));
  return work >= PARALLEL_ELEMENTS ? Math.max(1, Math.min(threadsNow(), outer)) : 1;
}

/**
 * How the wasm backend runs: the threads kernels are split over (the caller's included; see
 * {@link setThreads}), the threads its pool has, and why it runs on one thread when more were
 * wanted (set `TYPEGRAD_THREADS` to choose the count), and whether the relaxed SIMD build (fused
 * multiply-add in matmul and convolution; `TYPEGRAD_RELAXED_SIMD=0` turns it off) is loaded.
 * @example
 * ```ts
 * tg.backendInfo();
 * // { threads: 2, poolThreads: 2, build: "threaded", fallback: null, relaxedSimd: true }
 * ```
 */
export function backendInfo(): {
  threads: number;
  poolThreads: number;
  build: "threaded" | "single-threaded";
  fallback: string | null;
  relaxedSimd: boolean;
} {
  return {
    threads: threadsNow(),
    poolThreads: pool.size,
    build: loaded.module === null ? "single-threaded" : "threaded",
    fallback: pool.fallback,
    relaxedSimd: loaded.relaxedSimd,
  };
}
