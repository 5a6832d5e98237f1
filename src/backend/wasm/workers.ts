/**
 * The pool's workers (see `pool.ts`): one worker loop, written once as JavaScript source, behind
 * two small prologues: a `worker_threads` one for Node and a Web Worker one for browsers. Each
 * worker instantiates the threaded kernel module on the shared memory with a stack of its own,
 * then claims parts of kernel calls from the control block until the page or process ends.
 *
 * The control block (an Int32Array on a SharedArrayBuffer): a header of {@link HEAD} ints (job
 * sequence number, parts done, parts posted, parts run by workers), then one row of {@link ROW}
 * ints per part: its state, kernel, argument count, status (0 ok, 1 trapped) and arguments. A
 * part's state is the job's sequence number when posted and its negation once a thread claimed it
 * (compare-and-swap), so each part runs exactly once, on whichever thread gets to it first.
 * @module
 */

/** Ints of the control block's header. */
export const HEAD = 4;
/** Ints of one part's row. */
export const ROW = 32;
/** `Atomics.load` polls before a thread sleeps (tens of microseconds). */
export const SPIN = 20_000;

/** What a worker is started with (structured-cloneable: module, shared memory and buffer). */
export interface WorkerData {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly ctrl: SharedArrayBuffer;
  /** The worker's index (1.., the caller is 0): where it starts looking for parts. */
  readonly slot: number;
  /** The top of the worker's own stack in the shared memory. */
  readonly stackTop: number;
  /** The kernels, by the index a part's row names. */
  readonly names: readonly string[];
}

/** The worker loop, shared by both prologues: `tgWorkerLoop(data, ready)` never returns. */
const LOOP_SOURCE = `
function tgWorkerLoop(data, ready) {
  const { module, memory, ctrl, slot, stackTop, names } = data;
  const madd = () => { throw new Error("typegrad: tg_relaxed.madd was called"); };
  const instance = new WebAssembly.Instance(module, { env: { memory }, tg_relaxed: { madd } });
  instance.exports.__stack_pointer.value = stackTop;
  const fns = names.map((n) => instance.exports[n]);
  const c = new Int32Array(ctrl);
  let seen = 0;
  ready();
  for (;;) {
    let s = Atomics.load(c, 0);
    for (let i = 0; s === seen && i < ${SPIN}; i++) s = Atomics.load(c, 0);
    while (s === seen) {
      Atomics.wait(c, 0, seen);
      s = Atomics.load(c, 0);
    }
    seen = s;
    const parts = Atomics.load(c, 2);
    for (let q = 0; q < parts; q++) {
      const p = (q + slot) % parts;
      const at = ${HEAD} + p * ${ROW};
      if (Atomics.compareExchange(c, at, s, -s) !== s) continue;
      const n = c[at + 2];
      const args = new Array(n);
      for (let i = 0; i < n; i++) args[i] = c[at + 4 + i];
      try {
        fns[c[at + 1]](...args);
        c[at + 3] = 0;
      } catch (e) {
        c[at + 3] = 1;
      }
      Atomics.add(c, 3, 1);
      if (Atomics.add(c, 1, 1) + 1 === parts) Atomics.notify(c, 1);
    }
  }
}
`;

/** The `worker_threads` worker (CommonJS, run with `eval`: it needs no file beside the module). */
export const NODE_WORKER_SOURCE = `
const { workerData, parentPort } = require("node:worker_threads");
tgWorkerLoop(workerData, () => parentPort.postMessage("ready"));
${LOOP_SOURCE}`;

/** The Web Worker (a classic script from a Blob URL): its data comes in the first message. */
export const BROWSER_WORKER_SOURCE = `
self.onmessage = (e) => {
  self.onmessage = null;
  try {
    tgWorkerLoop(e.data, () => self.postMessage("ready"));
  } catch (err) {
    self.postMessage({ error: String((err && err.message) || err) });
  }
};
${LOOP_SOURCE}`;

/**
 * Whether this thread may block in `Atomics.wait`: Node's threads and Web Workers may, a browser's
 * main thread may not (it throws there), so the pool's caller spins on `Atomics.load` instead.
 * @example
 * ```ts
 * canBlock(); // true in Node and in a Web Worker, false on a page's main thread
 * ```
 */
export function canBlock(): boolean {
  if (typeof SharedArrayBuffer === "undefined") return false;
  try {
    // the value differs, so a thread that may wait returns "not-equal" at once
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts one Web Worker per entry of `data` from a Blob URL of {@link BROWSER_WORKER_SOURCE},
 * posts it its data and waits until each has instantiated the module; rejects (and terminates
 * the ones started) if one fails, or if they are not all ready within `timeoutMs`.
 * @example
 * ```ts
 * const module = await WebAssembly.compileStreaming(fetch("typegrad-mt.wasm"));
 * const memory = new WebAssembly.Memory({ initial: 32, maximum: 65536, shared: true });
 * const [ctrl, stackTop, names] = [new SharedArrayBuffer(4096), 1 << 20, ["tg_add_f32"]];
 * const workers = await startBrowserWorkers([{ module, memory, ctrl, slot: 1, stackTop, names }]);
 * ```
 */
export async function startBrowserWorkers(
  data: readonly WorkerData[],
  timeoutMs = 15_000,
): Promise<Worker[]> {
  const url = URL.createObjectURL(new Blob([BROWSER_WORKER_SOURCE], { type: "text/javascript" }));
  const workers: Worker[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const ready = data.map((d) => {
      const w = new Worker(url, { name: `typegrad-${d.slot}` });
      workers.push(w);
      return new Promise<void>((resolve, reject) => {
        w.onmessage = (e: MessageEvent) => {
          if (e.data === "ready") resolve();
          else reject(new Error(e.data?.error ?? "unexpected message"));
        };
        w.onerror = (e: ErrorEvent) => {
          e.preventDefault();
          reject(new Error(e.message || "the worker script failed"));
        };
        w.onmessageerror = () => reject(new Error("the worker could not receive its data"));
        w.postMessage(d);
      });
    });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`not all ready within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
    });
    await Promise.race([Promise.all(ready), timeout]);
    for (const w of workers) {
      w.onmessage = null;
      w.onerror = null;
      w.onmessageerror = null;
    }
    return workers;
  } catch (e) {
    for (const w of workers) w.terminate();
    throw e;
  } finally {
    clearTimeout(timer);
    URL.revokeObjectURL(url);
  }
}
