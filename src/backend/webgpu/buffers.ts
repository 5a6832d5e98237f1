/**
 * Buffers of the webgpu backend: a `GPUBuffer` of 4 bytes per element (f32, i32, and bool as a
 * u32 0/1), freed by `free` or, once the handle is garbage-collected, by a `FinalizationRegistry`,
 * as wasm tensors are.
 *
 * Data from the host goes through a host copy: `view` of a buffer that no kernel has written yet
 * gives a typed array that the caller fills (the constructors do), and the copy is uploaded before
 * the first kernel that touches the buffer. A buffer that a kernel wrote can only be read
 * asynchronously ({@link readBack}): WebGPU has no synchronous read.
 *
 * Freed buffers go to a pool by size class (powers of two and 1.5× powers of two, so at most a
 * third is unused), and the next allocation of that class takes one: a jitted training step that
 * runs again allocates the same sizes, so after its first call it creates no `GPUBuffer`. Reuse is
 * safe without waiting for the GPU, because every command is recorded in one queue in call order.
 * @module
 */
import type { DType, TypedArray } from "../../shape/dtype.js";
import { DTypeError } from "../../shape/errors.js";
import type { Buf } from "../backend.js";
import { fullCollection } from "../wasm/reclaim.js";
import {
  commandEncoder,
  countBytes,
  createGpuBuffer,
  destroyLater,
  gpuDevice,
  poolPush,
  recordUse,
  submit,
  throwDeviceError,
  usedInEncoder,
} from "./device.js";

/** What the finalizer needs to release a buffer: the GPU buffer, its bytes, whether it was freed. */
interface Cell {
  buffer: GPUBuffer;
  bytes: number;
  freed: boolean;
}

/**
 * Bytes of GPU buffers not yet released, allocated since the last forced collection, and held by
 * the pool of freed buffers.
 */
const bytes = { inUse: 0, sinceCollect: 0, pooled: 0 };

/** Freed storage buffers by size class in bytes, and staging buffers for reads likewise. */
const pool = new Map<number, GPUBuffer[]>();
const readPool = new Map<number, GPUBuffer[]>();

/** The most bytes the pool keeps; a buffer freed beyond that is destroyed. */
const POOL_BYTES = 256 * 2 ** 20;

/**
 * The size class of `n` bytes: the smallest of 256 and the numbers 2ᵏ and 3·2ᵏ⁻¹ that holds it.
 * @example
 * ```ts
 * sizeClass(1000); // 1024
 * sizeClass(1100); // 1536
 * ```
 */
export function sizeClass(n: number): number {
  if (n <= 256) return 256;
  const p = 2 ** Math.ceil(Math.log2(n));
  return n <= (p / 4) * 3 ? (p / 4) * 3 : p;
}

function take(from: Map<number, GPUBuffer[]>, size: number): GPUBuffer | undefined {
  return from.get(size)?.pop();
}

/**
 * Bytes of freed GPU buffers kept for reuse.
 * @example
 * ```ts
 * gpuBytesPooled(); // 0 before anything was freed
 * ```
 */
export function gpuBytesPooled(): number {
  return bytes.pooled;
}

/**
 * GPU bytes allocated between forced collections. V8 collects by JS-heap pressure, which tiny
 * handles never create, so GPU memory held by dropped handles would otherwise wait (as wasm memory
 * would; see `../wasm/reclaim.ts`). In Node a full collection runs past this count, and the
 * finalizer then releases the buffers of dead handles; browsers collect on their own.
 */
const COLLECT_BYTES = 64 * 2 ** 20;

/**
 * Bytes held by GPU buffers that were not released yet.
 * @example
 * ```ts
 * gpuBytesInUse(); // 4096
 * ```
 */
export function gpuBytesInUse(): number {
  return bytes.inUse;
}

/** A buffer in GPU memory. */
export class GpuBuf implements Buf {
  /**
   * The host copy: what the host wrote and has not uploaded yet (`dirty`), or for i32 buffers the
   * uploaded contents (kept for index checks on the host). Null once a kernel wrote the buffer.
   */
  host: TypedArray | null = null;
  dirty = false;
  /** Whether a kernel has written this buffer (its contents then exist only on the GPU). */
  written = false;
  /** A pooled buffer that must read as zeros: cleared when first used (see {@link upload}). */
  needsClear = false;
  constructor(
    readonly dtype: DType,
    readonly size: number,
    readonly cell: Cell,
    /** The buffer this one views (made by `sub`), or null for an owning buffer. */
    readonly root: GpuBuf | null = null,
    /** Where the view starts in `root`, in elements. */
    readonly offset = 0,
  ) {}
  get freed(): boolean {
    return this.cell.freed;
  }
}

/**
 * A view of `size` elements of `b` from element `offset` (sharing its GPU memory); freeing it does
 * nothing, and it keeps its root from being finalized.
 * @example
 * ```ts
 * const row = gpuView(newGpuBuf("f32", 32), 16, 8); // elements 16 to 23
 * ```
 */
export function gpuView(b: GpuBuf, offset: number, size: number): GpuBuf {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + size > b.size) {
    throw new RangeError(
      `webgpu sub: [${offset}, ${offset + size}) is outside a buffer of ${b.size}`,
    );
  }
  const root = b.root ?? b;
  return new GpuBuf(b.dtype, size, root.cell, root, b.offset + offset);
}

function release(c: Cell): void {
  if (!c.freed) {
    c.freed = true;
    bytes.inUse -= c.bytes;
    if (bytes.pooled + c.bytes <= POOL_BYTES) {
      bytes.pooled += c.bytes;
      poolPush(pool, c.buffer);
    } else destroyLater(c.buffer);
  }
}

const finalizer = new FinalizationRegistry<Cell>(release);

/**
 * A new buffer of `size` elements of `dtype`, zero-filled unless `zero` is false (for a buffer the
 * next kernel overwrites), freed by the finalizer when its handle is dropped. It is a pooled
 * buffer of its size class when there is one. f64 throws a `DTypeError`.
 * @example
 * ```ts
 * const b = newGpuBuf("f32", 1024);
 * ```
 */
export function newGpuBuf(dtype: DType, size: number, zero = true): GpuBuf {
  if (dtype !== "f32" && dtype !== "i32" && dtype !== "bool") {
    throw new DTypeError(
      "webgpu",
      dtype === "f64"
        ? "f64 is not stored on the GPU; use the reference backend"
        : `unknown dtype ${String(dtype)} (valid: f32, i32, bool)`,
    );
  }
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`webgpu: cannot allocate ${size} ${dtype} elements: not an integer ≥ 0`);
  }
  // a class above the device's largest buffer falls back to the exact size
  const cls = sizeClass(size * 4);
  const n = cls <= gpuDevice().limits.maxBufferSize ? cls : Math.max(4, size * 4);
  bytes.sinceCollect += n;
  if (bytes.sinceCollect > Math.max(COLLECT_BYTES, bytes.inUse / 2)) {
    bytes.sinceCollect = 0;
    fullCollection();
  }
  let buffer = take(pool, n);
  const reused = buffer !== undefined;
  if (buffer) bytes.pooled -= n;
  else {
    buffer = createGpuBuffer({
      size: n,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
  }
  bytes.inUse += n;
  const cell: Cell = { buffer, bytes: n, freed: false };
  const b = new GpuBuf(dtype, size, cell);
  // a reused buffer is cleared before its first use unless the host uploads all of it first
  b.needsClear = reused && zero;
  finalizer.register(b, cell, cell);
  return b;
}

/**
 * Frees a buffer now (its GPU memory is released after the recorded commands are submitted).
 * @example
 * ```ts
 * const b = newGpuBuf("f32", 1024);
 * freeGpuBuf(b);
 * ```
 */
export function freeGpuBuf(b: Buf): void {
  if (!(b instanceof GpuBuf) || b.cell.freed || b.root !== null) return;
  finalizer.unregister(b.cell);
  b.host = null;
  release(b.cell);
}

/**
 * The buffer as a `GpuBuf`; throws if it is another backend's or was freed.
 * @example
 * ```ts
 * const b: Buf = newGpuBuf("f32", 4);
 * gpuBuf(b, "add").cell.buffer; // the GPUBuffer; a buffer of another backend throws, naming "add"
 * ```
 */
export function gpuBuf(b: Buf, op: string): GpuBuf {
  if (!(b instanceof GpuBuf)) throw new TypeError(`webgpu ${op}: not a webgpu buffer`);
  if (b.cell.freed) throw new Error(`webgpu ${op}: buffer used after free`);
  return b;
}

function hostArray(dtype: DType, size: number): TypedArray {
  if (dtype === "f32") return new Float32Array(size);
  if (dtype === "i32") return new Int32Array(size);
  return new Uint8Array(size);
}

/**
 * A host copy that the caller may fill and that is uploaded before the next kernel touches the
 * buffer. Throws when a kernel wrote the buffer: its contents exist only on the GPU.
 * @example
 * ```ts
 * const b = newGpuBuf("f32", 3);
 * hostView(b, "view").set([1, 2, 3]);
 * ```
 */
export function hostView(b: GpuBuf, op: string): TypedArray {
  if (b.root !== null) throw new Error(`webgpu ${op}: a view made by sub has no host copy`);
  if (b.host === null) {
    if (b.written) throw syncReadError(op);
    b.host = hostArray(b.dtype, b.size);
  }
  b.dirty = true;
  return b.host;
}

/**
 * The error for a synchronous read of GPU data.
 * @example
 * ```ts
 * throw syncReadError("dataSync");
 * ```
 */
export function syncReadError(op: string): Error {
  return new Error(
    `webgpu ${op}: data on the GPU cannot be read synchronously (WebGPU has no synchronous read); use \`await t.data()\` instead of dataSync(), toArray() or item()`,
  );
}

/**
 * Records the upload of a host copy that was written since the last upload.
 * @example
 * ```ts
 * const b = newGpuBuf("f32", 3);
 * hostView(b, "view").set([1, 2, 3]);
 * upload(b); // before a kernel reads b
 * ```
 */
export function upload(b: GpuBuf): void {
  if (b.root !== null) {
    upload(b.root);
    return;
  }
  if (!b.dirty || b.host === null) {
    if (b.needsClear) {
      b.needsClear = false;
      commandEncoder().clearBuffer(b.cell.buffer);
      recordUse(b.cell.buffer);
    }
    return;
  }
  b.dirty = false;
  // the host copy covers the whole buffer: no clear needed
  b.needsClear = false;
  const bytes = b.size * 4;
  const data = b.host;
  // i32 copies stay on the host for index checks; others are dropped after the upload
  if (b.dtype !== "i32") b.host = null;
  if (bytes === 0) return;
  countBytes("bytesUploaded", bytes);
  const target = b.cell.buffer;
  const words =
    b.dtype === "f32" ? data : b.dtype === "i32" ? data : Uint32Array.from(data as Uint8Array);
  if (!usedInEncoder(target)) {
    // no recorded command uses the buffer: a queue write (which runs before the open encoder is
    // submitted) lands before every kernel recorded later, with no staging buffer
    gpuDevice().queue.writeBuffer(target, 0, words.buffer, words.byteOffset, bytes);
    return;
  }
  const staging = createGpuBuffer({
    size: bytes,
    usage: GPUBufferUsage.COPY_SRC,
    mappedAtCreation: true,
  });
  const range = staging.getMappedRange();
  if (b.dtype === "f32") new Float32Array(range).set(data);
  else if (b.dtype === "i32") new Int32Array(range).set(data);
  else new Uint32Array(range).set(data);
  staging.unmap();
  // recorded in the open encoder, so it lands between the kernels recorded before and after
  commandEncoder().copyBufferToBuffer(staging, 0, target, 0, bytes);
  destroyLater(staging);
}

/**
 * Marks buffers as written by a kernel: their host copies are stale.
 * @example
 * ```ts
 * const out = newGpuBuf("f32", 3); // … after recording a kernel that writes out:
 * markWritten(out);
 * ```
 */
export function markWritten(b: GpuBuf): void {
  if (b.root !== null) {
    markWritten(b.root);
    return;
  }
  b.written = true;
  b.host = null;
  b.dirty = false;
  b.needsClear = false;
}

/**
 * The contents of a buffer, read back from the GPU after everything recorded so far has run.
 * f32 → Float32Array, i32 → Int32Array, bool → Uint8Array.
 * @example
 * ```ts
 * const b = newGpuBuf("f32", 3);
 * hostView(b, "view").set([1, 2, 3]);
 * await readBack(b); // Float32Array [1, 2, 3]
 * ```
 */
export async function readBack(b: GpuBuf): Promise<TypedArray> {
  const host = b.root ? b.root.host : b.host;
  if (host !== null) return host.slice(b.offset, b.offset + b.size);
  if (b.size === 0) return hostArray(b.dtype, 0);
  upload(b); // a pooled buffer no kernel wrote yet reads as zeros
  const bytes = b.size * 4;
  // staging buffers are pooled too: one is taken for each read in flight and given back after it
  const staging =
    take(readPool, sizeClass(bytes)) ??
    createGpuBuffer({
      size: sizeClass(bytes),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
  commandEncoder().copyBufferToBuffer(b.cell.buffer, b.offset * 4, staging, 0, bytes);
  submit();
  try {
    await staging.mapAsync(GPUMapMode.READ, 0, bytes);
  } catch (e) {
    staging.destroy();
    throwDeviceError("read");
    throw e;
  }
  countBytes("bytesReadBack", bytes);
  const range = staging.getMappedRange(0, bytes);
  let out: TypedArray;
  if (b.dtype === "f32") out = new Float32Array(range).slice();
  else if (b.dtype === "i32") out = new Int32Array(range).slice();
  else out = Uint8Array.from(new Uint32Array(range), (v) => (v !== 0 ? 1 : 0));
  staging.unmap();
  // small staging buffers are kept (a loss read every step); large ones are destroyed
  if (staging.size <= 2 ** 20) poolPush(readPool, staging);
  else staging.destroy();
  throwDeviceError("read");
  return out;
}
