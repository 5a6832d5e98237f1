/**
 * NaN and Inf checking, like JAX's `jax_debug_nans`: while it is on, the first eager op whose
 * output holds a NaN or an infinity throws a `FloatingPointError` that names the primitive, the
 * shapes of its inputs and output, the first bad element, and the user's call site. Jitted
 * functions run op by op while it is on, so the op inside them is found the same way.
 * Turn it on with `TYPEGRAD_DEBUG_NANS=1` or `tg.debug.nans(true)`. It reads back every output,
 * so it is for debugging, not for training runs.
 * @module
 */
import type { AnyTensor } from "../tensor/tensor.js";

/** Whether checks are on (read on every eager op, so a plain field). */
export const nanChecks = { on: false };
{
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  if (env?.TYPEGRAD_DEBUG_NANS === "1") nanChecks.on = true;
}

/** The error of a NaN or Inf check, named as in JAX. */
export class FloatingPointError extends Error {
  override name = "FloatingPointError";
  constructor(
    /** The primitive that produced the value. */
    readonly op: string,
    message: string,
  ) {
    super(`${op}: ${message}`);
  }
}

/**
 * Turns NaN/Inf checking on or off; returns the previous setting.
 * @example
 * ```ts
 * tg.debug.nans(true);
 * tg.log(tg.tensor([-1])); // FloatingPointError: log: produced NaN at [0] of Tensor<[1], f32> ...
 * ```
 */
export function nans(on: boolean): boolean {
  const was = nanChecks.on;
  nanChecks.on = on;
  return was;
}

/** The root of the library's own files (`src/` or `dist/src/`), to skip its frames. */
const ownRoot = new URL("../", import.meta.url).href;
const ownPath = ownRoot.startsWith("file://")
  ? decodeURIComponent(new URL(ownRoot).pathname)
  : ownRoot;

/**
 * The first stack frame outside typegrad and Node's internals: where the user called in.
 * @example
 * ```ts
 * callSite(); // "at train (/home/me/model.ts:12:7)"
 * ```
 */
export function callSite(): string {
  const lines = (new Error().stack ?? "").split("\n").slice(1);
  for (const l of lines) {
    const s = l.trim();
    if (
      s.includes(ownRoot) ||
      s.includes(ownPath) ||
      s.includes("node:internal") ||
      s.includes("(node:")
    )
      continue;
    if (s.startsWith("at ")) return s;
  }
  return "(call site unknown)";
}

/**
 * Throws a `FloatingPointError` if a float output of `op` holds a NaN or an infinity (as JAX does,
 * whether or not an input held one: a NaN in the data stops at the first op that reads it).
 * @example
 * ```ts
 * const x = tg.tensor([1, 0]);
 * const y = tg.log(x);
 * checkFinite("log", [x], [y]); // throws a FloatingPointError: log(0) is -Infinity
 * ```
 */
export function checkFinite(
  op: string,
  inputs: readonly AnyTensor[],
  outputs: readonly AnyTensor[],
): void {
  for (const o of outputs) {
    if (o.dtype !== "f32" && o.dtype !== "f64") continue;
    const bad = firstNonFinite(o);
    if (bad < 0) continue;
    const v = o.dataSync()[bad];
    const ins = inputs.map((t) => t.describe()).join(", ");
    throw new FloatingPointError(
      op,
      `produced ${Number.isNaN(v) ? "NaN" : v} at flat index ${bad} of its output ${o.describe()} (inputs: ${ins || "none"}), ${callSite()}. NaN checks are on (tg.debug.nans(false) or TYPEGRAD_DEBUG_NANS=0 turns them off)`,
    );
  }
}

function firstNonFinite(t: AnyTensor): number {
  if (!t.isConcrete || t.isDisposed) return -1;
  const d = t.dataSync();
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return i;
  return -1;
}
