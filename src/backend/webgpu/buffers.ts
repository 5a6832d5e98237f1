/**
 * Buffers of the webgpu backend: a `GPUBuffer` of 4 bytes per element (f32, i32, and bool as a
 * u32 0/1), freed by `free` or, once the handle is garbage-collected, by a `FinalizationRegistry`,
 * as wasm tensors are.
 *
 * Data from the host goes through a host copy: `view` of a buffer that no kernel has written yet
 * gives a typed array that the caller fills (the constructors do), and the copy is uploaded before
 * the first kernel that touches the buffer. A buffer that a kernel wrote can only be read
 * asynchronously ({@link readBack}): WebGPU has no synchronous read.
 * @module
 */
import type { DType, TypedArray } from "../../shape/dtype.js";
import { DTypeError } from "../../shape/errors.js";
import type { Buf } from "../backend.js";
import { fullCollection } from "../wasm/reclaim.js";
import { commandEncoder, destroyLater, gpuDevice, submit, throwDeviceError } from "./device.js";

/** What the finalizer needs to release a buffer: the GPU buffer, its bytes, whether it was freed. */
interface Cell {
  buffer: GPUBuffer;
  bytes: number;
  freed: boolean;
}

/** Bytes of GPU buffers not yet released, and allocated since the last forced collection. */
const bytes = { inUse: 0, sinceCollect: 0 };

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
    destroyLater(c.buffer);
  }
}

const finalizer = new FinalizationRegistry<Cell>(release);

/**
 * A new buffer of `size` elements of `dtype` (zero-filled by WebGPU), freed by the finalizer when
 * its handle is dropped. f64 throws a `DTypeError`.
 * @example
 * ```ts
 * const b = newGpuBuf("f32", 1024);
 * ```
 */
export function newGpuBuf(dtype: DType, size: number): GpuBuf {
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
  const n = Math.max(4, size * 4);
  bytes.sinceCollect += n;
  if (bytes.sinceCollect > Math.max(COLLECT_BYTES, bytes.inUse / 2)) {
    bytes.sinceCollect = 0;
    fullCollection();
  }
  const buffer = gpuDevice().createBuffer({
    size: n,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  bytes.inUse += n;
  const cell: Cell = { buffer, bytes: n, freed: false };
  const b = new GpuBuf(dtype, size, cell);
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
  if (!b.dirty || b.host === null) return;
  b.dirty = false;
  const bytes = b.size * 4;
  const data = b.host;
  // i32 copies stay on the host for index checks; others are dropped after the upload
  if (b.dtype !== "i32") b.host = null;
  if (bytes === 0) return;
  const staging = gpuDevice().createBuffer({
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
  commandEncoder().copyBufferToBuffer(staging, 0, b.cell.buffer, 0, bytes);
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
  const bytes = b.size * 4;
  const device = gpuDevice();
  const staging = device.createBuffer({
    size: bytes,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  commandEncoder().copyBufferToBuffer(b.cell.buffer, b.offset * 4, staging, 0, bytes);
  submit();
  try {
    await staging.mapAsync(GPUMapMode.READ);
  } catch (e) {
    throwDeviceError("read");
    throw e;
  }
  throwDeviceError("read");
  const range = staging.getMappedRange();
  let out: TypedArray;
  if (b.dtype === "f32") out = new Float32Array(range).slice();
  else if (b.dtype === "i32") out = new Int32Array(range).slice();
  else out = Uint8Array.from(new Uint32Array(range), (v) => (v !== 0 ? 1 : 0));
  staging.unmap();
  staging.destroy();
  return out;
}
