/**
 * What the webgpu backend runs on and what it has done: `tg.webgpuInfo()`.
 * @module
 */
import { gpuBytesInUse, gpuBytesPooled } from "./buffers.js";
import { adapterName, deviceCounts } from "./device.js";

/**
 * What the webgpu backend runs on: the adapter as it names itself (null before
 * `await tg.useBackend("webgpu")` succeeded); how many kernels it has compiled; how many kernels
 * it has dispatched, command buffers it has submitted and `GPUBuffer`s it has created so far
 * (differences over a training step count its kernels; freed buffers are pooled and reused, so a
 * jitted step that runs again creates none); bind groups created, dispatches that reused a cached
 * one (kept per pipeline and `GPUBuffer`s: a jitted step that runs again over the same buffers
 * creates none) and bind groups cached now; bytes of tensor data uploaded from the host
 * (`bytesUploaded`, 4 per element) and read back to it (`bytesReadBack`), and bytes of kernel
 * parameters (sizes, strides, scalars) written through the queue (`paramBytesUploaded`), so far;
 * the bytes of GPU buffers not yet released, and of freed buffers kept in the pool.
 * @example
 * ```ts
 * await tg.useBackend("webgpu");
 * tg.webgpuInfo();
 * // { adapter: "google swiftshader …", pipelines: 12, dispatches: 40, submits: 3, buffers: 50,
 * //   bindGroupsCreated: 30, bindGroupsReused: 10, bindGroupsCached: 30, bytesUploaded: 8192,
 * //   bytesReadBack: 40, paramBytesUploaded: 960, bytesInUse: 4096, bytesPooled: 1024 }
 * ```
 */
export function webgpuInfo(): {
  adapter: string | null;
  pipelines: number;
  dispatches: number;
  submits: number;
  buffers: number;
  bindGroupsCreated: number;
  bindGroupsReused: number;
  bindGroupsCached: number;
  bytesUploaded: number;
  bytesReadBack: number;
  paramBytesUploaded: number;
  bytesInUse: number;
  bytesPooled: number;
} {
  return {
    adapter: adapterName(),
    ...deviceCounts(),
    bytesInUse: gpuBytesInUse(),
    bytesPooled: gpuBytesPooled(),
  };
}
