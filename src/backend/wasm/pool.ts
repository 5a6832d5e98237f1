/**
 * The thread pool: workers (`worker_threads` in Node, Web Workers in a cross-origin-isolated page)
 * that each instantiate the threaded kernel module on the same shared memory, so one kernel call
 * can be split into parts that run at once on every core. The workers' loop is in `workers.ts`.
 *
 * The calling thread posts the parts of a call to a small shared control block (a sequence
 * number, and per part the kernel's index and its integer arguments) and wakes the workers; then
 * every thread, the caller included, claims parts until none is left, and the caller waits for
 * the last one to finish. On a busy machine a worker that is slow to wake simply gets fewer parts.
 * Workers spin briefly before sleeping in `Atomics.wait`, since the kernels of a training step
 * come back to back. The caller also spins, then sleeps, except on a browser's main thread, which
 * may not block: there it spins until the last part is done. Node's workers are `unref`'d: they
 * never keep the process alive. Without the threaded build (see `loader.ts`) the pool has one
 * thread, the caller's, and `run` simply calls the kernel.
 *
 * A worker that dies in the middle of a part must not hang the caller: if no part finishes for
 * 60 s, the caller runs the parts still marked unfinished itself (a part writes only its own share,
 * so running it again is harmless), terminates the workers and runs everything on its own thread
 * from then on, saying why in `fallback`.
 * @module
 */
import type { Arena } from "./arena.js";
import { isNode, type Loaded } from "./loader.js";
import {
  canBlock,
  HEAD,
  NODE_WORKER_SOURCE,
  ROW,
  SPIN,
  startBrowserWorkers,
  type WorkerData,
} from "./workers.js";

/**
 * Kernels the pool can split: the `_part_` ones take `part, parts` as their last two arguments;
 * the others are given a disjoint share of the work by the caller.
 */
export const PART_KERNELS = [
  "tg_matmul_part_f32",
  "tg_conv2d_part_f32",
  "tg_conv2d_backprop_input_part_f32",
  "tg_conv2d_backprop_filter_part_f32",
  // elementwise kernels, split by the caller (JS ignores the two extra arguments)
  "tg_binary_f32",
  "tg_compare_f32",
  "tg_where_32",
  "tg_unary_f32",
  "tg_fused_f32",
  "tg_reduce_f32",
] as const;

/** A kernel the pool can split. */
export type PartKernel = (typeof PART_KERNELS)[number];

/** Most arguments a part can have (see the control block's layout in `workers.ts`). */
const MAX_ARGS = ROW - 4;
/** Most parts one call can be split into. */
export const MAX_PARTS = 64;
/** Bytes of stack each worker's instance gets. */
const STACK = 256 * 1024;

/** A pool of threads sharing the kernel module's memory. */
export interface Pool {
  /** Threads that run parts, the caller's included (1 without the threaded build). */
  readonly size: number;
  /** Why the pool has a single thread although more were wanted, if so. */
  readonly fallback: string | null;
  /**
   * Runs parts `0..parts-1` of `kernel` (at most {@link MAX_PARTS}): part `p` is called with
   * `args(p)` followed by `p, parts`, on whichever thread claims it first. Parts must not share
   * scratch. Returns when every part is done; throws, naming the kernel, if a part trapped.
   */
  run(kernel: PartKernel, parts: number, args: (part: number) => readonly number[]): void;
  /** Parts the workers (not the caller) have run since the pool started. */
  workerParts(): number;
}

/** Starts `worker_threads` workers and waits until each has instantiated the module. */
async function startNodeWorkers(
  data: readonly WorkerData[],
): Promise<import("node:worker_threads").Worker[]> {
  const { Worker } = await import("node:worker_threads");
  const threads = data.map(
    (workerData) =>
      new Worker(NODE_WORKER_SOURCE, {
        eval: true,
        // none of the parent's flags: the source is plain CommonJS (whatever `--input-type`), V8
        // flags are process-wide already, and Node refuses process-wide flags such as
        // `--expose-gc` or `--max-old-space-size` in a worker's execArgv (the pool would not start)
        execArgv: [],
        workerData,
      }),
  );
  await Promise.all(
    threads.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          w.once("message", () => resolve());
          w.once("error", reject);
        }),
    ),
  );
  for (const w of threads) w.unref();
  return threads;
}

/**
 * Starts the pool for a loaded module: `loaded.threads - 1` workers (none for the single-threaded
 * build), each with a stack allocated from `arena`. If a worker cannot start, the pool runs on
 * the calling thread alone and says why in `fallback`.
 */
export async function startPool(loaded: Loaded, arena: Arena): Promise<Pool> {
  const k = loaded.kernels;
  const single = (fallback: string | null): Pool => ({
    size: 1,
    fallback,
    workerParts: () => 0,
    run(kernel, parts, args) {
      if (!Number.isInteger(parts) || parts < 1) {
        throw new RangeError(`pool: ${kernel} split into ${parts} parts`);
      }
      const call = k[kernel] as (...a: number[]) => void;
      for (let p = 0; p < parts; p++) call(...args(p), p, parts);
    },
  });
  if (loaded.module === null || loaded.threads <= 1) return single(loaded.fallback);
  const ctrl = new SharedArrayBuffer((HEAD + MAX_PARTS * ROW) * 4);
  const data: WorkerData[] = [];
  for (let slot = 1; slot < loaded.threads; slot++) {
    const stack = arena.alloc(STACK);
    const stackTop = stack + STACK;
    data.push({
      module: loaded.module,
      memory: k.memory,
      ctrl,
      slot,
      stackTop,
      names: PART_KERNELS,
    });
  }
  let workers: { terminate(): unknown }[];
  try {
    workers = isNode ? await startNodeWorkers(data) : await startBrowserWorkers(data);
  } catch (e) {
    const what = isNode ? "worker threads" : "Web Workers";
    return single(`the ${what} did not start: ${(e as Error).message}`);
  }
  // a browser's main thread may not block: there the caller spins until the last part is done
  const block = canBlock();
  const c = new Int32Array(ctrl);
  const index = new Map<string, number>(PART_KERNELS.map((n, i) => [n, i]));
  let seq = 0;
  // set once a worker stops answering: from then on every part runs on the calling thread
  let stopped: string | null = null;
  const sequential = single(null);
  /** Runs, on this thread, the parts a worker claimed and never finished; stops the workers. */
  const recover = (kernel: PartKernel, parts: number, call: (...a: number[]) => void): void => {
    const stuck: number[] = [];
    for (let p = 0; p < parts; p++) if (c[HEAD + p * ROW + 3] === -1) stuck.push(p);
    stopped = `a worker did not finish part ${stuck.join(", ")} of ${kernel} within ${stallMs / 1000} s; the pool was stopped and kernels run on the calling thread`;
    for (const w of workers) w.terminate();
    // a part writes only its own share of the output (or its own partial sum), so running it
    // again here gives the same result
    for (const p of stuck) {
      const at = HEAD + p * ROW;
      const n = c[at + 2];
      const a = new Array<number>(n);
      for (let i = 0; i < n; i++) a[i] = c[at + 4 + i];
      call(...a);
      c[at + 3] = 0;
    }
  };
  return {
    get size() {
      return stopped === null ? loaded.threads : 1;
    },
    get fallback() {
      return stopped;
    },
    workerParts: () => Atomics.load(c, 3),
    run(kernel, parts, args) {
      if (stopped !== null) return sequential.run(kernel, parts, args);
      const call = k[kernel] as (...a: number[]) => void;
      if (!Number.isInteger(parts) || parts < 1) {
        throw new RangeError(`pool: ${kernel} split into ${parts} parts`);
      }
      if (parts === 1) {
        call(...args(0), 0, 1);
        return;
      }
      if (parts > MAX_PARTS) throw new RangeError(`pool: ${parts} parts (at most ${MAX_PARTS})`);
      seq = seq === 0x3fffffff ? 1 : seq + 1;
      const kernelIndex = index.get(kernel)!;
      for (let p = 0; p < parts; p++) {
        const a = args(p);
        if (a.length + 2 > MAX_ARGS) throw new RangeError(`pool: ${kernel} has too many arguments`);
        const at = HEAD + p * ROW;
        c[at + 1] = kernelIndex;
        c[at + 2] = a.length + 2;
        c[at + 3] = -1; // not run yet
        for (let i = 0; i < a.length; i++) c[at + 4 + i] = a[i];
        c[at + 4 + a.length] = p;
        c[at + 5 + a.length] = parts;
        c[at] = seq;
      }
      if (phantom) {
        // tests: the last part looks claimed by a worker that never finishes it
        phantom = false;
        c[HEAD + (parts - 1) * ROW] = -seq;
      }
      c[1] = 0;
      c[2] = parts;
      Atomics.store(c, 0, seq);
      Atomics.notify(c, 0);
      // the calling thread claims parts too, so a worker that is slow to wake costs nothing
      let error: unknown = null;
      for (let p = 0; p < parts; p++) {
        const at = HEAD + p * ROW;
        if (Atomics.compareExchange(c, at, seq, -seq) !== seq) continue;
        const n = c[at + 2];
        const a = new Array<number>(n);
        for (let i = 0; i < n; i++) a[i] = c[at + 4 + i];
        try {
          call(...a);
        } catch (e) {
          error ??= e;
        }
        c[at + 3] = 0;
        Atomics.add(c, 1, 1);
      }
      // wait for the workers' parts; if none finishes for `stallMs`, a worker is presumed dead
      let done = Atomics.load(c, 1);
      for (let i = 0; done !== parts && i < SPIN; i++) done = Atomics.load(c, 1);
      let since = performance.now();
      while (done !== parts) {
        const before = done;
        if (block) Atomics.wait(c, 1, done, 100);
        else for (let i = 0; i < 4096 && Atomics.load(c, 1) === done; i++);
        done = Atomics.load(c, 1);
        if (done !== before) since = performance.now();
        else if (performance.now() - since > stallMs) {
          recover(kernel, parts, call);
          break;
        }
      }
      if (error !== null) throw error;
      let failed = 0;
      for (let p = 0; p < parts; p++) if (c[HEAD + p * ROW + 3] === 1) failed++;
      if (failed > 0) throw new Error(`pool: ${kernel} trapped in ${failed} part(s) on a worker`);
    },
  };
}

/** How long the caller waits for a worker's part without any part finishing (milliseconds). */
let stallMs = 60_000;
/** Tests: the next split call's last part is claimed by a phantom worker that never finishes. */
let phantom = false;

/**
 * @internal For tests: sets how long the caller waits without progress before it presumes a
 * worker dead, and makes the next split call's last part look claimed by a worker that never
 * finishes it (a worker that died in the middle of a part).
 * @example
 * ```ts
 * stallNextPart(200); // the next split kernel stalls, recovers after 200 ms, stops the pool
 * ```
 */
export function stallNextPart(ms: number): void {
  stallMs = ms;
  phantom = true;
}
