/**
 * The thread pool: `worker_threads` that each instantiate the threaded kernel module on the same
 * shared memory, so one kernel call can be split into parts that run at once on every core.
 *
 * The main thread posts a part to each worker through a small shared control block (a sequence
 * number, the kernel's index and its integer arguments), runs part 0 itself, then waits for the
 * workers' sequence numbers to catch up. Workers spin briefly before sleeping in `Atomics.wait`,
 * since the kernels of a training step come back to back. Workers are `unref`'d: they never keep
 * the process alive. Without the threaded build (see `loader.ts`) the pool has one thread, the
 * caller's, and `run` simply calls the kernel.
 * @module
 */
import type { Arena } from "./arena.js";
import type { Kernels, Loaded } from "./loader.js";

/** Kernels the pool can split: each takes `part, parts` as its last two arguments. */
export const PART_KERNELS = [
  "tg_matmul_part_f32",
  "tg_conv2d_part_f32",
  "tg_conv2d_backprop_input_part_f32",
  "tg_conv2d_backprop_filter_part_f32",
] as const;

/** A kernel the pool can split. */
export type PartKernel = (typeof PART_KERNELS)[number];

/** Ints per worker in the control block: seq, done, kernel, argc, status, then the arguments. */
const SLOT = 32;
const MAX_ARGS = SLOT - 5;
/** Bytes of stack each worker's instance gets. */
const STACK = 256 * 1024;
/** `Atomics.load` polls before a thread sleeps (tens of microseconds). */
const SPIN = 20_000;

/** The worker's source (run with `eval`, so it needs no file beside the compiled module). */
const WORKER_SOURCE = `
const { workerData, parentPort } = require("node:worker_threads");
const { module, memory, ctrl, slot, stackTop, names } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory } });
instance.exports.__stack_pointer.value = stackTop;
const fns = names.map((n) => instance.exports[n]);
const c = new Int32Array(ctrl);
const at = slot * ${SLOT};
let seen = 0;
parentPort.postMessage("ready");
for (;;) {
  let s = Atomics.load(c, at);
  for (let i = 0; s === seen && i < ${SPIN}; i++) s = Atomics.load(c, at);
  while (s === seen) {
    Atomics.wait(c, at, seen);
    s = Atomics.load(c, at);
  }
  seen = s;
  const n = c[at + 3];
  const args = new Array(n);
  for (let i = 0; i < n; i++) args[i] = c[at + 5 + i];
  try {
    fns[c[at + 2]](...args);
    c[at + 4] = 0;
  } catch (e) {
    c[at + 4] = 1;
  }
  Atomics.store(c, at + 1, seen);
  Atomics.notify(c, at + 1);
}
`;

/** A pool of threads sharing the kernel module's memory. */
export interface Pool {
  /** Threads that run parts, the caller's included (1 without the threaded build). */
  readonly size: number;
  /** Why the pool has a single thread although more were wanted, if so. */
  readonly fallback: string | null;
  /**
   * Runs parts `0..parts-1` of `kernel` (`parts ≤ size`): part `p` is called with `args(p)`
   * followed by `p, parts`; part 0 runs on the calling thread. Returns when every part is done;
   * throws, naming the kernel, if a part trapped.
   */
  run(kernel: PartKernel, parts: number, args: (part: number) => readonly number[]): void;
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
    run(kernel, parts, args) {
      const call = k[kernel] as (...a: number[]) => void;
      for (let p = 0; p < parts; p++) call(...args(p), p, parts);
    },
  });
  if (loaded.module === null || loaded.threads <= 1) return single(loaded.fallback);
  let threads: import("node:worker_threads").Worker[];
  const ctrl = new SharedArrayBuffer(loaded.threads * SLOT * 4);
  try {
    const { Worker } = await import("node:worker_threads");
    threads = [];
    for (let slot = 1; slot < loaded.threads; slot++) {
      const stack = arena.alloc(STACK);
      const w = new Worker(WORKER_SOURCE, {
        eval: true,
        // the source is CommonJS whatever the parent's `--input-type`
        execArgv: process.execArgv.filter((a) => !a.startsWith("--input-type")),
        workerData: {
          module: loaded.module,
          memory: k.memory,
          ctrl,
          slot,
          stackTop: stack + STACK,
          names: PART_KERNELS,
        },
      });
      threads.push(w);
    }
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
  } catch (e) {
    return single(`the worker threads did not start: ${(e as Error).message}`);
  }
  const c = new Int32Array(ctrl);
  const index = new Map<string, number>(PART_KERNELS.map((n, i) => [n, i]));
  let seq = 0;
  return {
    size: loaded.threads,
    fallback: null,
    run(kernel, parts, args) {
      const call = k[kernel] as (...a: number[]) => void;
      if (parts <= 1) {
        call(...args(0), 0, 1);
        return;
      }
      seq = (seq + 1) | 0;
      for (let p = 1; p < parts; p++) {
        const a = args(p);
        if (a.length + 2 > MAX_ARGS) throw new RangeError(`pool: ${kernel} has too many arguments`);
        const at = p * SLOT;
        c[at + 2] = index.get(kernel)!;
        c[at + 3] = a.length + 2;
        for (let i = 0; i < a.length; i++) c[at + 5 + i] = a[i];
        c[at + 5 + a.length] = p;
        c[at + 6 + a.length] = parts;
        Atomics.store(c, at, seq);
        Atomics.notify(c, at);
      }
      let error: unknown = null;
      try {
        call(...args(0), 0, parts);
      } catch (e) {
        error = e;
      }
      let failed = 0;
      for (let p = 1; p < parts; p++) {
        const at = p * SLOT + 1;
        let d = Atomics.load(c, at);
        for (let i = 0; d !== seq && i < SPIN; i++) d = Atomics.load(c, at);
        while (d !== seq) {
          Atomics.wait(c, at, d);
          d = Atomics.load(c, at);
        }
        if (c[p * SLOT + 4] !== 0) failed++;
      }
      if (error !== null) throw error;
      if (failed > 0) throw new Error(`pool: ${kernel} failed in ${failed} worker thread(s)`);
    },
  };
}
