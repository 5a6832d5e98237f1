/**
 * Buffers of the wasm backend: a pointer into the arena, freed by `free` or, once the handle is
 * garbage-collected, by a `FinalizationRegistry` (registration deferred to a microtask).
 * @module
 */
import { BYTES, type DType, type TypedArray } from "../../shape/dtype.js";
import { DTypeError } from "../../shape/errors.js";
import type { Buf } from "../backend.js";
import type { Ptr } from "./loader.js";
import { afterBurst, allocating, type Cell, canForce, collect, watch } from "./reclaim.js";
import { trackingPaused } from "../../tensor/scope.js";
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

const finalizer = new FinalizationRegistry<Cell>(freeCell);

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
  allocating(bytes, arena.bytesInUse(), freeCell);
  let p: Ptr;
  try {
    p = arena.alloc(bytes);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    // before giving up, free what dead handles hold, and try once more
    if (collect(arena.bytesInUse(), freeCell) > 0) return newBuf(dtype, size, zero);
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
  const cell: Cell = { ptr: p, bytes: arena.sizeOf(p), freed: false };
  const b = new WasmBuf(dtype, size, p, null, cell);
  track(b);
  return b;
}

/**
 * Buffers not yet registered with the finalizer. Registration is deferred to a microtask: V8
 * keeps every registered cell on a list that each garbage collection walks, and the finalizer
 * cannot run before the event loop turns anyway, so a synchronous loop of eager ops that dispose
 * their results would otherwise pay for all of them on every minor GC. Buffers freed before the
 * microtask are never registered.
 */
let pending: WasmBuf[] = [];
let scheduled = false;

/** Bytes of the buffers in `pending` when last counted plus those made since. */
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
 * The buffers of this job that user code made: not those made while tensor tracking is paused
 * (a compiled plan's own buffers, the library's caches), which are held on purpose.
 */
let userPending: WasmBuf[] = [];

function warnHeld(): void {
  userPending = userPending.filter((q) => !q.cell!.freed);
  const held = userPending.reduce((n, q) => n + q.cell!.bytes, 0);
  pendingBytes = held;
  nextCount = Math.max(WARN_BYTES, held + 64 * 2 ** 20);
  if (held <= WARN_BYTES || warnedAt !== 0) return;
  warnedAt = held;
  const msg = `typegrad: one synchronous job has made ${(held / 2 ** 20).toFixed(0)} MiB of tensors that are still held. Tensors you drop are freed once the job ends (when the event loop turns), not inside a synchronous loop: wrap each step in tg.tidy(() => ...), or free tensors with \`using\` or .dispose(). Silence this with tg.debug.memoryWarning(false) or TYPEGRAD_MEMORY_WARNING=0.`;
  const proc = (globalThis as { process?: { emitWarning?: (m: string, o: object) => void } })
    .process;
  if (proc?.emitWarning)
    proc.emitWarning(msg, { type: "TypegradMemoryWarning", code: "TYPEGRAD_SYNC_HELD" });
  else console.warn(msg);
}

function track(b: WasmBuf): void {
  pending.push(b);
  if (!trackingPaused()) {
    userPending.push(b);
    pendingBytes += b.cell!.bytes;
    if (pendingBytes > Math.max(WARN_BYTES, nextCount) && warnedAt === 0) warnHeld();
  }
  if (!scheduled) {
    scheduled = true;
    queueMicrotask(registerPending);
  }
  // in a long synchronous loop, drop the entries that were freed meanwhile
  if (pending.length >= 4096 && (pending.length & 4095) === 0) {
    pending = pending.filter((q) => !q.cell!.freed);
  }
}

function registerPending(): void {
  scheduled = false;
  const list = pending;
  pending = [];
  userPending = [];
  pendingBytes = 0;
  nextCount = 0;
  for (const b of list) {
    // forced collections find dead handles by their WeakRefs; elsewhere the engine's own
    // collections report them to the FinalizationRegistry (one registration, not both: each costs)
    if (!b.cell!.freed) {
      if (canForce) watch(b, b.cell!);
      else finalizer.register(b, b.cell!);
    }
  }
  afterBurst(() => arena.bytesInUse(), freeCell);
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
