/**
 * Reading the scalars a training or evaluation step returns (loss, metric sums): synchronously
 * on backends that can (wasm, reference), asynchronously on those that cannot (webgpu).
 * @module
 */
import type { AnyTensor as T } from "../tensor/tensor.js";

/**
 * Whether the data of `t` can be read synchronously (`dataSync`, `item`): false on the webgpu
 * backend, whose reads are asynchronous (`await t.data()`).
 * @example
 * ```ts
 * readsSync(tg.scalar(1)); // true on wasm
 * ```
 */
export function readsSync(t: T): boolean {
  return t._concrete("read").backend.readAsync === undefined;
}

/**
 * The values of scalar tensors read back asynchronously, all requested before any is awaited
 * (on webgpu one submission and one wait for all of them).
 * @example
 * ```ts
 * const [a, b] = await scalarsAsync([tg.scalar(1), tg.sum(tg.ones([3]))]); // [1, 3]
 * ```
 */
export async function scalarsAsync(ts: readonly T[]): Promise<number[]> {
  const data = await Promise.all(ts.map((t) => t.data()));
  return data.map((d) => Number(d[0]));
}
