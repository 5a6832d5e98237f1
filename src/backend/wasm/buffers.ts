/**
 * Buffers of the wasm backend: a pointer into the arena, freed by `free` or, once the handle is
 * garbage-collected, by the reclaimer (`reclaim.ts`).
 * @module
 */
import { BYTES, type DType, type TypedArray } from "../../shape/dtype.js";
import { DTypeError } from "../../shape/errors.js";
import type { Buf } from "../backend.js";
import type { Ptr } from "./loader.js";
import {
  adopt,
  afterBurst,
  allocating,
  type Cell,
  collect,
  collectionShare,
  inJob,
  releaseWith,
  watch,
} from "./reclaim.js";
import { makingData, trackingPaused } from "../../tensor/scope.js";
import { arena } from "./threads.js";

export type { Cell } from "./reclaim.js";

/** A buffer in wasm memory: `ptr` is its byte address. */
export class WasmBuf implements Buf {
  constructor(
    readonly dtype: DType,
    readonly size: number,
    readonly ptr: Ptr,
    /** The buffer this one views (made by `sub`; freeing a view does nothing). Keeping a
     * reference here keeps the parent from being finalized while a view is in use. */
    readonly parent: WasmBuf | null = null,
    /** The finalizer's cell of an owning buffer (null for views). */
    readonly cell: Cell | null = null,
  ) {}
  /** Whether this buffer was freed. */
  get freed(): boolean {
    return this.cell?.freed === true;
  }
  /** Whether this buffer views another one. */
  get isView(): boolean {
    return this.parent !== null;
  }
}

/** Returns a cell's block to the arena, once. */
function freeCell(c: Cell): void {
  if (!c.freed) {
    c.freed = true;
    arena.free(c.ptr);
  }
}

releaseWith(freeCell);

/**
 * A new buffer of `size` elements of `dtype` from the arena (zero-filled if `zero`), freed by the
 * finalizer when its handle is dropped. f64 throws a `DTypeError`.
 * @example
 * ```ts
 * const b = newBuf("f32", 4, true); // 16 bytes of zeros
 * ```
 */
export function newBuf(dtype: DType, size: number, zero: boolean): WasmBuf {
  if (dtype !== "f32" && dtype !== "i32" && dtype !== "bool") {
    throw new DTypeError(
      "wasm",
      dtype === "f64"
        ? "f64 is not stored in wasm memory; use the reference backend"
        : `unknown dtype ${String(dtype)} (valid: f32, i32, bool)`,
    );
  }
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`wasm: cannot allocate ${size} ${dtype} elements: not an integer ≥ 0`);
  }
  const bytes = size * BYTES[dtype];
  allocating(arena.bytesInUse());
  let p: Ptr;
  try {
    p = arena.alloc(bytes);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    // before giving up, free what dead handles hold, and try once more
    if (inJob) adoptPending();
    if (collect(arena.bytesInUse()) > 0) return newBuf(dtype, size, zero);
    const held = pending.reduce((n, q) => n + (q.cell!.freed ? 0 : q.cell!.bytes), 0);
    const hint =
      held > 0
        ? `; ${(held / 2 ** 20).toFixed(1)} MiB of it was made by the current synchronous job, whose dropped tensors can only be freed after it ends: use tg.tidy, \`using\` or dispose() in synchronous loops`
        : "";
    throw new RangeError(
      `cannot allocate ${size} ${dtype} elements (${bytes} bytes): ${e.message}${hint}`,
    );
  }
  if (zero) arena.u8.fill(0, p, p + bytes);
  const cell: Cell = { ptr: p, bytes: arena.sizeOf(p), freed: false, epoch: -1 };
  const b = new WasmBuf(dtype, size, p, null, cell);
  track(b);
  return b;
}

/**
 * Buffers made by the running job and not yet registered with the reclaimer. Registration waits
 * for the microtask after the job: a `WeakRef` made now would keep its handle alive until the job
 * ends anyway, and each registered cell costs V8's minor collections a little. Buffers freed before
 * the microtask are never registered. A job that makes more than {@link adoptBytes} hands them to
 * the reclaimer at once (where it can reclaim them inside the job).
 */
let pending: WasmBuf[] = [];
let pendingAll = 0;
let scheduled = false;
/**
 * Bytes of pending buffers past which a running job's buffers are adopted (see `reclaim.ts`):
 * 128 MiB, doubled up to 512 MiB while the collections that follow would take over a fifth of the
 * loop's time (a loop that drops large tensors quickly), and halved back when they take under 2 %.
 */
let adoptBytes = 128 * 2 ** 20;

/** Hands this job's pending buffers to the reclaimer, which can then free the dead ones at once. */
function adoptPending(): void {
  const share = collectionShare();
  if (share > 0.2) adoptBytes = Math.min(adoptBytes * 2, 512 * 2 ** 20);
  else if (share < 0.02) adoptBytes = Math.max(adoptBytes / 2, 128 * 2 ** 20);
  for (const b of pending) if (!b.cell!.freed) adopt(b, b.cell!);
  pending = [];
  pendingAll = 0;
}

/** Bytes of the user's buffers made in this job when last counted plus those made since. */
let pendingBytes = 0;
let warnedAt = 0;
/** `pendingBytes` at which the held bytes are counted again (amortizes the count). */
let nextCount = 0;
/** Bytes of eager tensors one synchronous job may hold before the one-time warning. */
const WARN_BYTES = 256 * 2 ** 20;

/**
 * Turns the one-time warning about a synchronous job that holds more than 256 MiB of eager
 * tensors on or off (also `TYPEGRAD_MEMORY_WARNING=0`).
 * @example
 * ```ts
 * tg.debug.memoryWarning(false);
 * ```
 */
export function memoryWarning(on: boolean): void {
  warnedAt = on ? 0 : Number.POSITIVE_INFINITY;
}
{
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  if (env?.TYPEGRAD_MEMORY_WARNING === "0") memoryWarning(false);
}

/**
 * The cells of the buffers this job's user code made: not those made while tensor tracking is
 * paused (a compiled plan's own buffers, the library's caches) or while a data set loads, which
 * are held on purpose.
 */
let userCells: Cell[] = [];

function heldBytes(): number {
  userCells = userCells.filter((c) => !c.freed);
  return userCells.reduce((n, c) => n + c.bytes, 0);
}

function warnHeld(): void {
  let held = heldBytes();
  // where a job's dropped tensors can be freed inside it, count only what is really held
  if (held > WARN_BYTES && warnedAt === 0 && inJob) {
    adoptPending();
    collect(arena.bytesInUse());
    held = heldBytes();
  }
  pendingBytes = held;
  nextCount = Math.max(WARN_BYTES, held + 64 * 2 ** 20);
  if (held <= WARN_BYTES || warnedAt !== 0) return;
  warnedAt = held;
  const freedWhen = inJob
    ? "Tensors you drop are freed by a collection even inside a synchronous loop, so these are referenced somewhere"
    : "Tensors you drop are freed once the job ends (when the event loop turns), not inside a synchronous loop";
  const msg = `typegrad: one synchronous job has made ${(held / 2 ** 20).toFixed(0)} MiB of tensors that are still held. ${freedWhen}: wrap each step in tg.tidy(() => ...), or free tensors with \`using\` or .dispose(). Silence this with tg.debug.memoryWarning(false) or TYPEGRAD_MEMORY_WARNING=0.`;
  const proc = (globalThis as { process?: { emitWarning?: (m: string, o: object) => void } })
    .process;
  if (proc?.emitWarning)
    proc.emitWarning(msg, { type: "TypegradMemoryWarning", code: "TYPEGRAD_SYNC_HELD" });
  else console.warn(msg);
}

function track(b: WasmBuf): void {
  const cell = b.cell!;
  pending.push(b);
  pendingAll += cell.bytes;
  if (pendingAll > adoptBytes && inJob) adoptPending();
  if (!trackingPaused() && !makingData()) {
    userCells.push(cell);
    pendingBytes += cell.bytes;
    if (pendingBytes > Math.max(WARN_BYTES, nextCount) && warnedAt === 0) warnHeld();
    // in a long synchronous loop, drop the entries that were freed meanwhile
    if ((userCells.length & 4095) === 0) userCells = userCells.filter((c) => !c.freed);
  }
  if (!scheduled) {
    scheduled = true;
    queueMicrotask(endOfJob);
  }
  if (pending.length >= 4096 && (pending.length & 4095) === 0) {
    pending = pending.filter((q) => !q.cell!.freed);
    pendingAll = pending.reduce((n, q) => n + q.cell!.bytes, 0);
  }
}

/** The microtask after a job that made buffers: registers them and resets the job's counts. */
function endOfJob(): void {
  scheduled = false;
  const list = pending;
  pending = [];
  pendingAll = 0;
  userCells = [];
  pendingBytes = 0;
  nextCount = 0;
  for (const b of list) if (!b.cell!.freed) watch(b, b.cell!);
  afterBurst(() => arena.bytesInUse());
}

/**
 * The address of a wasm buffer; throws if it is not one, or was freed.
 * @example
 * ```ts
 * ptr(newBuf("f32", 4, false)); // a byte address in the arena
 * ```
 */
export function ptr(b: Buf): Ptr {
  if (!(b instanceof WasmBuf)) throw new TypeError("wasm backend: not a wasm buffer");
  if (b.freed || b.parent?.freed) throw new Error("wasm backend: buffer used after free");
  return b.ptr;
}

/**
 * The error for a dtype the wasm backend does not store, naming the operation.
 * @example
 * ```ts
 * throw dtypeError("view", "f64");
 * ```
 */
export function dtypeError(op: string, d: DType): DTypeError {
  return new DTypeError(op, `dtype ${d} is not supported by the wasm backend`);
}

/**
 * A typed-array view of `size` elements of `d` at `p` (valid until memory grows).
 * @example
 * ```ts
 * const b = newBuf("f32", 4, false);
 * viewAt("f32", ptr(b), b.size).fill(1);
 * ```
 */
export function viewAt(d: DType, p: Ptr, size: number): TypedArray {
  switch (d) {
    case "f32":
      return arena.f32.subarray(p >>> 2, (p >>> 2) + size);
    case "i32":
      return arena.i32.subarray(p >>> 2, (p >>> 2) + size);
    case "bool":
      return arena.u8.subarray(p, p + size);
    default:
      throw dtypeError("view", d);
  }
}
