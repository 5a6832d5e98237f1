/**
 * `tidy`: frees, when a synchronous function returns, every tensor it made that is not part of
 * what it returns. For synchronous loops: there dropped tensors are reclaimed only by forced
 * collections (Node) or once the loop ends (browsers), while `tidy` frees them at once (code that
 * lets the event loop turn needs none of this).
 * @module
 */
import { listen } from "./scope.js";
import { type AnyTensor, Tensor } from "./tensor.js";

/** Adds the tensors of a pytree (tensors nested in arrays and plain records) to `into`. */
function tensorsOf(x: unknown, into: Set<AnyTensor>): void {
  if (x instanceof Tensor) into.add(x);
  else if (Array.isArray(x)) for (const c of x) tensorsOf(c, into);
  else if (x !== null && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype) {
    for (const c of Object.values(x)) tensorsOf(c, into);
  }
}

/**
 * Runs the synchronous `fn` and frees every tensor made while it ran that is not part of its
 * result (a tensor, or tensors nested in arrays and plain records); returns the result unchanged.
 * Scopes nest: what an inner `tidy` returns belongs to the outer one. If `fn` throws, everything
 * it made is freed and the error passes through. A function that returns a Promise is refused
 * (nothing is freed): async code frees dropped tensors on its own; tidy each synchronous step.
 * Tensors made before `fn` ran, and values `jit` or `grad` capture while tracing, are never freed.
 * @example
 * ```ts
 * const loss = (w: tg.Tensor<[3]>) => tg.sum(tg.mul(w, w));
 * const step = (w: tg.Tensor<[3]>) => tg.sub(w, tg.mul(tg.grad(loss)(w), 0.1));
 * let params = tg.ones([3]);
 * for (let i = 0; i < 1000; i++) {
 *   params = tg.tidy(() => step(params)); // the old params and all temporaries are freed
 * }
 * ```
 */
export function tidy<R>(fn: () => R): R {
  if (typeof fn !== "function") {
    throw new TypeError(`tidy: expected a function, got ${fn === null ? "null" : typeof fn}`);
  }
  const made: AnyTensor[] = [];
  const stop = listen((t) => made.push(t as AnyTensor));
  let out: R;
  try {
    out = fn();
  } catch (e) {
    stop();
    for (const t of made) t.dispose();
    throw e;
  }
  stop();
  if (out !== null && typeof (out as { then?: unknown })?.then === "function") {
    throw new TypeError(
      "tidy: the function returned a Promise; tidy frees tensors when a synchronous function returns, so it cannot wait for one. Async code frees dropped tensors on its own; use tg.tidy inside each synchronous step instead",
    );
  }
  const keep = new Set<AnyTensor>();
  tensorsOf(out, keep);
  for (const t of made) if (!keep.has(t)) t.dispose();
  return out;
}
