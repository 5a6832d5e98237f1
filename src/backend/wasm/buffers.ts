/**
 * Buffers of the wasm backend: a pointer into the arena, freed by `free` or, once the handle is
 * garbage-collected, by a `FinalizationRegistry` (registration deferred to a microtask).
 * @module
 */
import { BYTES, type DType, type TypedArray } from "../../shape/dtype.js";
import { DTypeError } from "../../shape/errors.js";
import type { Buf } from "../backend.js";
import type { Ptr } from "./loader.js";
import { arena } from "./threads.js";

/**
 * What the finalizer holds for a buffer: its address and whether it was freed already. Freeing
 * marks the cell instead of calling `FinalizationRegistry.unregister`, whose cost grows with the
 * number of live registrations in V8 (it dominated eager ops).
 */
export interface Cell {
  ptr: Ptr;
  freed: boolean;
}

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

const finalizer = new FinalizationRegistry<Cell>((c) => {
  if (!c.freed) {
    c.freed = true;
    arena.free(c.ptr);
  }
});

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
  let p: Ptr;
  try {
    p = arena.alloc(bytes);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new RangeError(
      `cannot allocate ${size} ${dtype} elements (${bytes} bytes): ${e.message}`,
    );
  }
  if (zero) arena.u8.fill(0, p, p + bytes);
  const cell: Cell = { ptr: p, freed: false };
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

function track(b: WasmBuf): void {
  pending.push(b);
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
  for (const b of list) if (!b.cell!.freed) finalizer.register(b, b.cell!);
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
