/**
 * Which backend new tensors live on. `f64` tensors always live on the reference backend.
 *
 * @example
 * ```ts
 * tg.setBackend("reference"); // plain TypeScript, float64 inside
 * tg.setBackend("wasm");      // the default: SIMD WebAssembly kernels
 * await tg.useBackend("webgpu"); // WGSL kernels on the GPU (opens the device first)
 * ```
 * @module
 */
import type { DType } from "../shape/dtype.js";
import type { Backend } from "./backend.js";

const backends = new Map<string, Backend>();
let current: string | null = null;

/** Makes a backend available by its name. The first registered one becomes the default. */
export function registerBackend(b: Backend): void {
  backends.set(b.name, b);
  if (current === null) current = b.name;
}

/**
 * Chooses the backend for new tensors.
 * @example
 * ```ts
 * tg.setBackend("reference");
 * ```
 */
export function setBackend(name: BackendName): void {
  if (!backends.has(name)) {
    throw new Error(
      name === "webgpu"
        ? 'setBackend: the webgpu backend opens a device asynchronously; use `await tg.useBackend("webgpu")`'
        : `setBackend: no backend named "${name}" is registered`,
    );
  }
  current = name;
}

/** The names of the backends. */
export type BackendName = "wasm" | "reference" | "webgpu";

/**
 * Chooses the backend for new tensors, loading it first if needed: `"webgpu"` finds an adapter
 * and opens a device (in Node through the npm package `webgpu`), and rejects with an error that
 * says why when there is none. Tensors made before keep their backend; an operation moves them.
 * @example
 * ```ts
 * await tg.useBackend("webgpu");
 * tg.webgpuInfo().adapter; // the GPU, as the adapter names itself
 * await tg.useBackend("wasm");
 * ```
 */
export async function useBackend(name: BackendName): Promise<void> {
  if (name === "webgpu" && !backends.has("webgpu")) {
    const [{ initDevice }, { webgpuBackend }] = await Promise.all([
      import("./webgpu/device.js"),
      import("./webgpu/backend.js"),
    ]);
    await initDevice();
    registerBackend(webgpuBackend);
  }
  setBackend(name);
}

/**
 * The name of the backend new tensors live on.
 * @example
 * ```ts
 * tg.getBackend(); // "wasm"
 * ```
 */
export function getBackend(): BackendName {
  if (current === null) throw new Error("getBackend: no backend is registered");
  return current as BackendName;
}

/** The backend that holds tensors of `dtype`: the reference backend for f64, else the current one. */
export function backendFor(dtype: DType): Backend {
  const name = dtype === "f64" ? "reference" : getBackend();
  const b = backends.get(name);
  if (!b) throw new Error(`backend "${name}" is not registered`);
  return b;
}

/** A registered backend by name. */
export function backendNamed(name: string): Backend {
  const b = backends.get(name);
  if (!b) throw new Error(`backend "${name}" is not registered`);
  return b;
}
