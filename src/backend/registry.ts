/**
 * Which backend new tensors live on. `f64` tensors always live on the reference backend.
 *
 * @example
 * ```ts
 * tg.setBackend("reference"); // plain TypeScript, float64 inside
 * tg.setBackend("wasm");      // the default: SIMD WebAssembly kernels
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
export function setBackend(name: "wasm" | "reference"): void {
  if (!backends.has(name)) throw new Error(`setBackend: no backend named "${name}" is registered`);
  current = name;
}

/**
 * The name of the backend new tensors live on.
 * @example
 * ```ts
 * tg.getBackend(); // "wasm"
 * ```
 */
export function getBackend(): "wasm" | "reference" {
  if (current === null) throw new Error("getBackend: no backend is registered");
  return current as "wasm" | "reference";
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
