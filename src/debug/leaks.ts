/**
 * `leaks`: the tensors a function made that are still alive after it ran, with where each was
 * made: the way to find what a loop keeps by mistake.
 * @module
 */
import { fullCollection } from "../backend/wasm/reclaim.js";
import { BYTES, type DType } from "../shape/dtype.js";
import { listen } from "../tensor/scope.js";
import type { AnyTensor } from "../tensor/tensor.js";
import { callSite } from "./nans.js";

/** A tensor that outlived the function that made it. */
export interface Leak {
  /** Its shape. */
  readonly shape: readonly number[];
  /** Its dtype. */
  readonly dtype: string;
  /** The bytes its data holds. */
  readonly bytes: number;
  /** The first stack frame outside typegrad when it was made. */
  readonly createdAt: string;
  /** The tensor itself (the report keeps it alive). */
  readonly tensor: AnyTensor;
}

/**
 * Runs `fn` (sync or async), then reports the tensors it made that are still alive: not disposed,
 * and still reachable after the event loop turned and a full garbage collection ran (in Node;
 * where none can be forced, dropped tensors the engine has not collected yet are reported too).
 * What `fn` returns is dropped by `leaks`, so only what `fn` stored elsewhere remains.
 * @example
 * ```ts
 * const cache: tg.Tensor[] = [];
 * const found = await tg.debug.leaks(() => { cache.push(tg.zeros([1000])); tg.ones([5]); });
 * found.length; // 1: the zeros, made at "at <anonymous> (model.ts:3:43)"
 * ```
 */
export async function leaks(fn: () => unknown): Promise<Leak[]> {
  const made: { ref: WeakRef<AnyTensor>; createdAt: string }[] = [];
  const stop = listen((t) =>
    made.push({ ref: new WeakRef(t as AnyTensor), createdAt: callSite() }),
  );
  try {
    await fn();
  } finally {
    stop();
  }
  // a WeakRef keeps its target alive until the job that made it ends
  await new Promise((r) => setTimeout(r, 0));
  fullCollection();
  const out: Leak[] = [];
  for (const m of made) {
    const t = m.ref.deref();
    if (t === undefined || t.isDisposed) continue;
    out.push({
      shape: t.shape,
      dtype: t.dtype,
      bytes: t.size * BYTES[t.dtype as DType],
      createdAt: m.createdAt,
      tensor: t,
    });
  }
  return out;
}
