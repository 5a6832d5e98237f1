/**
 * Counting what a side asks of WebGPU, at the API itself: while a count is open, the prototypes of
 * the `webgpu` package's `GPUComputePassEncoder`, `GPUQueue`, `GPUDevice` and `GPUBuffer` are
 * wrapped, so the same figures come out for every side whether or not its library counts anything
 * (neither TensorFlow.js nor jax-js exposes a cumulative dispatch count). Only the counting runs are
 * wrapped, never the timed ones.
 * @module
 */

/** What the WebGPU API was asked to do while a count was open. */
export interface ApiCounts {
  /** `dispatchWorkgroups` and `dispatchWorkgroupsIndirect` calls. */
  dispatches: number;
  /** Command buffers passed to `GPUQueue.submit`. */
  commandBuffers: number;
  /** Bytes passed to `GPUQueue.writeBuffer` (tensor data and kernel parameters alike). */
  bytesWritten: number;
  /** Bytes of buffers created with `mappedAtCreation` (filled by the host: staging uploads). */
  bytesMappedAtCreation: number;
  /** Bytes mapped for reading by `GPUBuffer.mapAsync(GPUMapMode.READ, …)`: reads back. */
  bytesMappedForRead: number;
  /** `GPUDevice.createBuffer` calls. */
  buffers: number;
}

type Proto = Record<string, (...args: never[]) => unknown>;

/** The prototype of one of the `webgpu` package's classes, copied onto `globalThis` by the bench. */
function proto(name: string): Proto {
  const c = (globalThis as unknown as Record<string, { prototype: Proto } | undefined>)[name];
  if (!c) throw new Error(`webgpu-count: no global ${name} (open the GPU first)`);
  return c.prototype;
}

/** Bytes a `writeBuffer(buffer, offset, data, dataOffset?, size?)` call writes. */
function writtenBytes(data: ArrayBufferLike | ArrayBufferView, dataOffset = 0, size?: number) {
  // a typed array's offset and size count its elements; an ArrayBuffer's and a DataView's bytes
  const unit =
    ArrayBuffer.isView(data) && !(data instanceof DataView)
      ? (data as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT
      : 1;
  return size !== undefined ? size * unit : data.byteLength - dataOffset * unit;
}

/**
 * Opens a count: wraps the WebGPU methods that dispatch, submit, write, map and create buffers;
 * `stop()` restores them and returns what was counted.
 * @example
 * ```ts
 * const count = countWebgpuCalls();
 * await runner.run();
 * count.stop(); // { dispatches: 40, commandBuffers: 1, bytesWritten: 960, … }
 * ```
 */
export function countWebgpuCalls(): { stop(): ApiCounts } {
  const c: ApiCounts = {
    dispatches: 0,
    commandBuffers: 0,
    bytesWritten: 0,
    bytesMappedAtCreation: 0,
    bytesMappedForRead: 0,
    buffers: 0,
  };
  const restore: (() => void)[] = [];
  const wrap = <A extends unknown[], S = unknown>(
    cls: string,
    method: string,
    count: (self: S, args: A) => void,
  ) => {
    const p = proto(cls);
    const original = p[method];
    p[method] = function (this: S, ...args: A) {
      count(this, args);
      return original.apply(this, args as never);
    } as Proto[string];
    restore.push(() => {
      p[method] = original;
    });
  };
  const read = (globalThis as unknown as { GPUMapMode: { READ: number } }).GPUMapMode.READ;
  wrap("GPUComputePassEncoder", "dispatchWorkgroups", () => c.dispatches++);
  wrap("GPUComputePassEncoder", "dispatchWorkgroupsIndirect", () => c.dispatches++);
  wrap("GPUQueue", "submit", (_, [list]: [GPUCommandBuffer[]]) => {
    c.commandBuffers += [...list].length;
  });
  wrap(
    "GPUQueue",
    "writeBuffer",
    (_, args: [GPUBuffer, number, ArrayBufferView, number, number]) => {
      c.bytesWritten += writtenBytes(args[2], args[3], args[4]);
    },
  );
  wrap("GPUDevice", "createBuffer", (_, [desc]: [GPUBufferDescriptor]) => {
    c.buffers++;
    if (desc.mappedAtCreation) c.bytesMappedAtCreation += desc.size;
  });
  wrap(
    "GPUBuffer",
    "mapAsync",
    (self: GPUBuffer, [mode, offset = 0, size]: (number | undefined)[]) => {
      if ((mode ?? 0) & read) c.bytesMappedForRead += size ?? self.size - offset;
    },
  );
  return {
    stop() {
      for (const r of restore.reverse()) r();
      return { ...c };
    },
  };
}
