/**
 * What the webgpu backend runs on and what it has done: `tg.webgpuInfo()`.
 * @module
 */
import { gpuBytesInUse } from "./buffers.js";
import { adapterName, deviceCounts } from "./device.js";

/**
 * What the webgpu backend runs on: the adapter as it names itself (null before
 * `await tg.useBackend("webgpu")` succeeded); how many kernels it has compiled; how many kernels
 * it has dispatched and command buffers it has submitted so far (differences over a training step
 * count its kernels); and the bytes of GPU buffers not yet released.
 * @example
 * ```ts
 * await tg.useBackend("webgpu");
 * tg.webgpuInfo();
 * // { adapter: "google swiftshader …", pipelines: 12, dispatches: 40, submits: 3, bytesInUse: 4096 }
 * ```
 */
export function webgpuInfo(): {
  adapter: string | null;
  pipelines: number;
  dispatches: number;
  submits: number;
  bytesInUse: number;
} {
  return { adapter: adapterName(), ...deviceCounts(), bytesInUse: gpuBytesInUse() };
}
