/**
 * Reclaiming the wasm buffers of dropped tensor handles, driven by wasm-memory pressure.
 *
 * V8 collects garbage when its JavaScript heap fills, and a tensor handle is a few dozen bytes
 * however much wasm memory it owns, so without help the collector would not run while gigabytes of
 * wasm memory wait behind dead handles. So the bytes registered since the last collection and not
 * freed since count: past a threshold (64 MiB, or half the bytes in use if more), a full
 * collection runs, and every buffer whose handle it found dead returns to the arena at once, before
 * the allocation that asked. An allocation that would run out of memory tries the same first.
 * After a burst of allocations, a collection also runs 50 ms later, unless one ran since.
 *
 * In Node the collection is V8's `gc`, reached by turning on `--expose-gc` from inside (the flag
 * adds `gc` to new contexts only, so it is taken from a fresh `vm` context and the user's global
 * scope is unchanged). Dead handles are found by `WeakRef`s. The language keeps a `WeakRef`'s
 * target alive until the synchronous job that made it ends, so a handle is watched from the
 * microtask after it was made; a job that makes many buffers (128 MiB) hands them instead to a
 * `FinalizationRegistry` whose `cleanupSome` (V8's `--harmony-weak-refs-with-cleanup-some`, taken
 * from the same context) reports dead handles at once, so even one long synchronous loop frees
 * what it drops. Short jobs never pay for that registry, which slows V8's minor collections.
 *
 * Browsers offer no way to force a collection; there a `FinalizationRegistry` frees buffers when
 * the engine collects on its own. `TYPEGRAD_GC=0` turns forced collections off, and
 * `TYPEGRAD_GC=job` keeps buffers of a running job until it ends (no `cleanupSome`).
 * @module
 */
import type { Ptr } from "./loader.js";

/** What the collector's bookkeeping holds of a buffer: its address, size and whether it was freed. */
export interface Cell {
  ptr: Ptr;
  bytes: number;
  freed: boolean;
  /** The collection count when it was registered (-1: not registered). */
  epoch: number;
}

/** Bytes registered since the last collection before the next one runs (at least). */
const MIN_THRESHOLD = 64 * 2 ** 20;

type Registry = FinalizationRegistry<Cell> & { cleanupSome?: (cb: (c: Cell) => void) => void };
type RegistryCtor = new (cb: (c: Cell) => void) => Registry;

interface Engine {
  gc: (() => void) | null;
  /** A registry constructor with `cleanupSome`, or null. */
  InJob: RegistryCtor | null;
}

const engine: Engine = await findEngine();

async function findEngine(): Promise<Engine> {
  const none: Engine = { gc: null, InJob: null };
  const proc = (
    globalThis as {
      process?: { versions?: { node?: string }; env?: Record<string, string | undefined> };
    }
  ).process;
  if (!proc?.versions?.node || proc.env?.TYPEGRAD_GC === "0") return none;
  try {
    const v8 = await import("node:v8");
    const vm = await import("node:vm");
    v8.setFlagsFromString("--expose-gc");
    if (proc.env?.TYPEGRAD_GC !== "job") {
      v8.setFlagsFromString("--harmony-weak-refs-with-cleanup-some");
    }
    const ctx = vm.createContext({});
    const gc: unknown = vm.runInContext("typeof gc === 'function' ? gc : undefined", ctx);
    if (typeof gc !== "function") return none;
    const Ctor = vm.runInContext("FinalizationRegistry", ctx) as RegistryCtor;
    const ok = typeof Ctor.prototype.cleanupSome === "function" && proc.env?.TYPEGRAD_GC !== "job";
    return { gc: gc as () => void, InJob: ok ? Ctor : null };
  } catch {
    return none;
  }
}

/** Whether dead handles can be found by forcing a collection (else a FinalizationRegistry must). */
export const canForce: boolean = engine.gc !== null;

/** Whether buffers of the running job can be reclaimed before it ends (see {@link adopt}). */
export const inJob: boolean = engine.InJob !== null;

/** Returns a cell's block to the arena (set once by the buffers module). */
let release: (c: Cell) => void = () => {};
/** Bytes the current sweep or cleanup freed. */
let freedNow = 0;

function releaseCounted(c: Cell): void {
  if (c.freed) return;
  freedNow += c.bytes;
  forget(c);
  release(c);
}

/** Where collections cannot be forced: the engine frees buffers when it collects on its own. */
const finalizer = new FinalizationRegistry<Cell>(releaseCounted);
/** For buffers of a running job (see {@link adopt}). */
const jobRegistry: Registry | null = engine.InJob ? new engine.InJob(releaseCounted) : null;

interface Watched {
  ref: WeakRef<object>;
  cell: Cell;
}

/** Handles registered in an earlier job (their targets may be collected). */
let watched: Watched[] = [];
/**
 * Bytes of the handles registered since the last collection and not freed since: what the next
 * collection could find dead. Collections run when it passes the threshold, so a loop that
 * disposes what it makes never forces one.
 */
let registeredSince = 0;
let threshold = MIN_THRESHOLD;
let idleScheduled = false;
let collections = 0;
let lastCollect = 0;
/** How long the last collection took (ms). */
let lastCost = 0;
/** The delay of the collection after a burst, and the least time since the previous one. */
const IDLE_MS = 50;
let reclaimedBytes = 0;

/**
 * Sets how a cell's block returns to the arena; the buffers module calls it once.
 * @example
 * ```ts
 * import { Arena } from "./arena.js";
 * const arena = new Arena(new WebAssembly.Memory({ initial: 1 }), 0);
 * releaseWith((c) => arena.free(c.ptr));
 * ```
 */
export function releaseWith(free: (c: Cell) => void): void {
  release = free;
}

/**
 * Statistics of the reclaimer: forced collections so far, bytes they returned, whether forced
 * collections are available, and whether a running job's buffers can be reclaimed before it ends.
 * @example
 * ```ts
 * reclaimStats(); // { collections: 3, reclaimedBytes: 201326592, forced: true, inJob: true }
 * ```
 */
export function reclaimStats(): {
  collections: number;
  reclaimedBytes: number;
  forced: boolean;
  inJob: boolean;
} {
  return { collections, reclaimedBytes, forced: canForce, inJob };
}

/**
 * Runs a full garbage collection where one can be forced (Node); returns whether it ran.
 * @example
 * ```ts
 * fullCollection(); // true in Node
 * ```
 */
export function fullCollection(): boolean {
  engine.gc?.();
  return canForce;
}

/**
 * Notes that `cell` is being freed (disposed, or found dead): it no longer counts towards the next
 * collection.
 * @example
 * ```ts
 * const cell = { ptr: 64, bytes: 16, freed: false, epoch: -1 };
 * forget(cell);
 * ```
 */
export function forget(cell: Cell): void {
  if (cell.epoch === collections) registeredSince -= cell.bytes;
  cell.epoch = -1;
}

function registered(cell: Cell): void {
  cell.epoch = collections;
  registeredSince += cell.bytes;
}

/**
 * Starts watching `handle` (called a microtask after it was made: a `WeakRef` made in the same
 * job would keep it alive until the job ends); a collection that finds it dead frees its cell's
 * block.
 * @example
 * ```ts
 * const buf = { cell: { ptr: 64, bytes: 16, freed: false, epoch: -1 } };
 * watch(buf, buf.cell);
 * ```
 */
export function watch(handle: object, cell: Cell): void {
  if (canForce) watched.push({ ref: new WeakRef(handle), cell });
  else finalizer.register(handle, cell);
  registered(cell);
}

/**
 * Watches `handle`, made by the running job, so that a collection inside the job can free its
 * block (only where {@link inJob}); the caller stops holding it strongly.
 * @example
 * ```ts
 * const buf = { cell: { ptr: 64, bytes: 16, freed: false, epoch: -1 } };
 * if (inJob) adopt(buf, buf.cell);
 * ```
 */
export function adopt(handle: object, cell: Cell): void {
  jobRegistry?.register(handle, cell);
  registered(cell);
}

/**
 * The share of the time since the last collection that one more collection would take: how much
 * collecting now would slow a loop down.
 * @example
 * ```ts
 * collectionShare(); // 0.05
 * ```
 */
export function collectionShare(): number {
  return lastCost / Math.max(1e-3, performance.now() - lastCollect + lastCost);
}

/**
 * Notes that an allocation is about to happen; past the threshold, collects first so that the
 * allocation can reuse what dead handles held.
 * @example
 * ```ts
 * import { Arena } from "./arena.js";
 * const arena = new Arena(new WebAssembly.Memory({ initial: 1 }), 0);
 * allocating(arena.bytesInUse());
 * ```
 */
export function allocating(inUse: number): void {
  if (registeredSince > threshold) collect(inUse);
}

/**
 * Runs a full collection and frees the blocks of every watched handle it found dead; returns the
 * bytes freed (0 where no collection can be forced).
 * @example
 * ```ts
 * import { Arena } from "./arena.js";
 * const arena = new Arena(new WebAssembly.Memory({ initial: 1 }), 0);
 * collect(arena.bytesInUse()); // the bytes freed, e.g. 134217728
 * ```
 */
export function collect(inUse: number): number {
  if (engine.gc === null) return 0;
  const t0 = performance.now();
  engine.gc();
  const freedBytes = sweep();
  lastCost = performance.now() - t0;
  lastCollect = t0 + lastCost;
  collections++;
  registeredSince = 0;
  threshold = Math.max(MIN_THRESHOLD, (inUse - freedBytes) / 2);
  return freedBytes;
}

/** Frees the blocks of the watched and adopted handles the last collection found dead. */
function sweep(): number {
  freedNow = 0;
  jobRegistry?.cleanupSome?.(releaseCounted);
  const kept: Watched[] = [];
  for (const w of watched) {
    if (w.cell.freed) continue;
    if (w.ref.deref() === undefined) releaseCounted(w.cell);
    else kept.push(w);
  }
  watched = kept;
  reclaimedBytes += freedNow;
  return freedNow;
}

/**
 * Once handles were registered since the last collection, looks again 50 ms later: after a burst
 * (16 MiB registered since the last collection) it forces a collection, otherwise it only frees what the
 * engine's own collections found dead meanwhile (cheap: no collection is forced).
 * @example
 * ```ts
 * import { Arena } from "./arena.js";
 * const arena = new Arena(new WebAssembly.Memory({ initial: 1 }), 0);
 * afterBurst(() => arena.bytesInUse());
 * ```
 */
export function afterBurst(inUse: () => number): void {
  if (idleScheduled || engine.gc === null || registeredSince <= 0) return;
  idleScheduled = true;
  const t = setTimeout(() => {
    idleScheduled = false;
    // a loop that keeps allocating collects under pressure already; this is for the quiet after
    if (registeredSince < MIN_THRESHOLD / 4) sweep();
    else if (performance.now() - lastCollect >= IDLE_MS) collect(inUse());
    else afterBurst(inUse); // one ran a moment ago: look again later
  }, IDLE_MS);
  (t as { unref?: () => void }).unref?.();
}
