/**
 * Reclaiming the wasm buffers of dropped tensor handles, driven by wasm-memory pressure.
 *
 * V8 collects garbage when its JavaScript heap fills, and a tensor handle is a few dozen bytes
 * however much wasm memory it owns, so without help the collector would not run while gigabytes of
 * wasm memory wait behind dead handles. So the bytes allocated since the last collection count:
 * past a threshold (64 MiB, or half the bytes in use if more), a full collection runs, and every
 * buffer whose handle it found dead (its `WeakRef` came back empty) returns to the arena at once,
 * before the allocation that asked. An allocation that would run out of memory tries the same
 * first. After a burst of allocations, a collection also runs 50 ms later, unless one ran since.
 *
 * In Node the collection is V8's `gc`, reached by turning on `--expose-gc` from inside (the flag
 * adds `gc` to new contexts only; the user's global scope is unchanged). Browsers offer no way to
 * force one; there the `FinalizationRegistry` frees buffers when the engine collects on its own.
 * `TYPEGRAD_GC=0` turns forced collections off.
 *
 * The language keeps a `WeakRef`'s target alive until the synchronous job that made it ends, and a
 * buffer is registered a microtask after it was made, so handles dropped inside one synchronous
 * loop are reclaimed only after the loop: such loops use `tg.tidy`, `using` or `dispose`.
 * @module
 */
import type { Ptr } from "./loader.js";

/** What the collector's bookkeeping holds of a buffer: its address, size and whether it was freed. */
export interface Cell {
  ptr: Ptr;
  bytes: number;
  freed: boolean;
}

/** Bytes allocated since the last collection before the next one runs (at least). */
const MIN_THRESHOLD = 64 * 2 ** 20;

/** A forced full collection, or null where there is none. */
const forceGc: (() => void) | null = await findGc();

async function findGc(): Promise<(() => void) | null> {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === "function") return () => (exposed as () => void)();
  const proc = (
    globalThis as {
      process?: { versions?: { node?: string }; env?: Record<string, string | undefined> };
    }
  ).process;
  if (!proc?.versions?.node || proc.env?.TYPEGRAD_GC === "0") return null;
  try {
    const v8 = await import("node:v8");
    const vm = await import("node:vm");
    v8.setFlagsFromString("--expose-gc");
    const g: unknown = vm.runInNewContext("gc");
    return typeof g === "function" ? () => (g as () => void)() : null;
  } catch {
    return null;
  }
}

interface Watched {
  ref: WeakRef<object>;
  cell: Cell;
}

/** Handles registered in an earlier job (their targets may be collected). */
let watched: Watched[] = [];
let sinceCollect = 0;
/** Bytes of the handles watched since the last collection (what it could find dead). */
let watchedSince = 0;
/** The length of `watched` after the last sweep (more means new handles to look at). */
let sweptAt = 0;
let threshold = MIN_THRESHOLD;
let idleScheduled = false;
let collections = 0;
let lastCollect = 0;
/** The delay of the collection after a burst, and the least time since the previous one. */
const IDLE_MS = 50;
let reclaimedBytes = 0;

/**
 * Statistics of the reclaimer: forced collections so far, bytes they returned, whether forced
 * collections are available, and the bytes allocated since the last one.
 * @example
 * ```ts
 * reclaimStats(); // { collections: 3, reclaimedBytes: 201326592, forced: true, sinceCollect: 4096 }
 * ```
 */
export function reclaimStats(): {
  collections: number;
  reclaimedBytes: number;
  forced: boolean;
  sinceCollect: number;
} {
  return { collections, reclaimedBytes, forced: forceGc !== null, sinceCollect };
}

/**
 * Runs a full garbage collection where one can be forced (Node); returns whether it ran.
 * @example
 * ```ts
 * fullCollection(); // true in Node
 * ```
 */
export function fullCollection(): boolean {
  forceGc?.();
  return forceGc !== null;
}

/** Whether dead handles can be found by forcing a collection (else a FinalizationRegistry must). */
export const canForce: boolean = forceGc !== null;

/**
 * Starts watching `handle` (called a microtask after it was made, only where {@link canForce});
 * a collection that finds it dead frees its cell's block.
 * @example
 * ```ts
 * const buf = { cell: { ptr: 64, bytes: 16, freed: false } };
 * watch(buf, buf.cell);
 * ```
 */
export function watch(handle: object, cell: Cell): void {
  watched.push({ ref: new WeakRef(handle), cell });
  watchedSince += cell.bytes;
}

/**
 * Notes an allocation of `bytes` about to happen; past the threshold, collects first so that the
 * allocation can reuse what dead handles held.
 * @example
 * ```ts
 * import { Arena } from "./arena.js";
 * const arena = new Arena(new WebAssembly.Memory({ initial: 1 }), 0);
 * const free = (c: Cell) => arena.free(c.ptr);
 * allocating(4096, arena.bytesInUse(), free);
 * ```
 */
export function allocating(bytes: number, inUse: number, free: (c: Cell) => void): void {
  sinceCollect += bytes;
  // a synchronous loop watches nothing new (its buffers wait for the job to end): collecting
  // there would find only what earlier collections found alive
  if (sinceCollect > threshold && watchedSince > 0) collect(inUse, free);
}

/**
 * Runs a full collection and frees the blocks of every watched handle it found dead; returns the
 * bytes freed (0 where no collection can be forced).
 * @example
 * ```ts
 * import { Arena } from "./arena.js";
 * const arena = new Arena(new WebAssembly.Memory({ initial: 1 }), 0);
 * const free = (c: Cell) => arena.free(c.ptr);
 * collect(arena.bytesInUse(), free); // the bytes freed, e.g. 134217728
 * ```
 */
export function collect(inUse: number, free: (c: Cell) => void): number {
  if (forceGc === null) return 0;
  forceGc();
  collections++;
  lastCollect = performance.now();
  const freedBytes = sweep(free);
  sinceCollect = 0;
  watchedSince = 0;
  threshold = Math.max(MIN_THRESHOLD, (inUse - freedBytes) / 2);
  return freedBytes;
}

/** Frees the blocks of the watched handles the last collection (forced or not) found dead. */
function sweep(free: (c: Cell) => void): number {
  let freedBytes = 0;
  const kept: Watched[] = [];
  for (const w of watched) {
    if (w.cell.freed) continue;
    if (w.ref.deref() === undefined) {
      freedBytes += w.cell.bytes;
      free(w.cell);
    } else kept.push(w);
  }
  watched = kept;
  sweptAt = watched.length;
  reclaimedBytes += freedBytes;
  return freedBytes;
}

/**
 * Once handles were watched since the last look, looks again 50 ms later: after a burst (16 MiB
 * watched since the last collection) it forces a collection, otherwise it only frees what the
 * engine's own collections found dead meanwhile (cheap: no collection is forced).
 * @example
 * ```ts
 * import { Arena } from "./arena.js";
 * const arena = new Arena(new WebAssembly.Memory({ initial: 1 }), 0);
 * const free = (c: Cell) => arena.free(c.ptr);
 * afterBurst(() => arena.bytesInUse(), free);
 * ```
 */
export function afterBurst(inUse: () => number, free: (c: Cell) => void): void {
  if (idleScheduled || forceGc === null || watched.length === sweptAt) return;
  idleScheduled = true;
  const t = setTimeout(() => {
    idleScheduled = false;
    // a loop that keeps allocating collects under pressure already; this is for the quiet after
    if (watchedSince >= MIN_THRESHOLD / 4 && performance.now() - lastCollect >= IDLE_MS) {
      collect(inUse(), free);
    } else sweep(free);
  }, IDLE_MS);
  (t as { unref?: () => void }).unref?.();
}
