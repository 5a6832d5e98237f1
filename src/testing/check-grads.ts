/**
 * `checkGrads`: compares typegrad's derivatives of a function with central finite differences,
 * computed in float64 on the reference backend, and reports the worst entry.
 * @module
 */
import { cast } from "../prims/elementwise.js";
import { constant } from "../prims/constants.js";
import { mul } from "../prims/elementwise.js";
import { reduceSum } from "../prims/reduce.js";
import { isFloat } from "../shape/dtype.js";
import type { AnyTensor as T } from "../tensor/tensor.js";
import { vjp } from "../transforms/grad.js";
import { jvp } from "../transforms/jvp.js";

/** Options of `checkGrads`. */
export interface CheckGradsOptions {
  /** Finite-difference step. Default 1e-6 (float64). */
  eps?: number;
  /** Allowed error, relative to max(1, |value|). Default 1e-5. */
  tol?: number;
  /** Which modes to check. Default both. */
  modes?: readonly ("rev" | "fwd")[];
  /** Seed of the random cotangent and directions. */
  seed?: number;
}

/** The result of a check: the worst discrepancy found and where. */
export interface GradCheckReport {
  ok: boolean;
  worst: {
    mode: "rev" | "fwd";
    arg: number;
    index: number;
    autodiff: number;
    numeric: number;
    error: number;
  };
}

function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

const f64 = (t: T): T => (isFloat(t.dtype) ? cast(t, "f64") : t);
const data = (t: T): Float64Array => Float64Array.from(t.dataSync() as ArrayLike<number>);

/**
 * Checks reverse mode (every entry of the gradient of `<u, f(x)>` for a random `u`) and forward
 * mode (a random direction) against central differences. Float arguments are promoted to f64.
 * @example
 * ```ts
 * import * as tg from "typegrad";
 * import { checkGrads } from "typegrad/testing";
 * const report = checkGrads((x) => tg.sum(tg.tanh(x)), [tg.tensor([0.1, -0.3])]);
 * report.ok; // true
 * ```
 */
export function checkGrads(
  f: (...args: T[]) => T,
  args: readonly T[],
  opts: CheckGradsOptions = {},
): GradCheckReport {
  const eps = opts.eps ?? 1e-6;
  const tol = opts.tol ?? 1e-5;
  const modes = opts.modes ?? ["rev", "fwd"];
  const rnd = lcg(opts.seed ?? 7);
  const xs = args.map(f64);
  const y0 = f(...xs);
  const u = constant(Array.from({ length: y0.size }, rnd), y0.shape, "f64");
  const g = (...a: T[]) => reduceSum(mul(cast(f(...a), "f64"), u)).item();
  let worst: GradCheckReport["worst"] = {
    mode: "rev",
    arg: -1,
    index: -1,
    autodiff: 0,
    numeric: 0,
    error: 0,
  };
  const consider = (mode: "rev" | "fwd", arg: number, index: number, a: number, n: number) => {
    const error = Math.abs(a - n) / Math.max(1, Math.abs(n));
    if (!(error <= worst.error) || Number.isNaN(error))
      worst = { mode, arg, index, autodiff: a, numeric: n, error };
  };
  const perturbed = (i: number, flat: Float64Array) =>
    xs.map((x, j) => (j === i ? constant(flat, x.shape, "f64") : x));
  if (modes.includes("rev")) {
    const [, back] = vjp((...a: T[]) => cast(f(...a), "f64"), ...xs);
    const grads = back(u);
    xs.forEach((x, i) => {
      if (!isFloat(x.dtype)) return;
      const base = data(x);
      const gi = data(grads[i]);
      for (let k = 0; k < base.length; k++) {
        const p = base.slice();
        const m = base.slice();
        p[k] += eps;
        m[k] -= eps;
        const num = (g(...perturbed(i, p)) - g(...perturbed(i, m))) / (2 * eps);
        consider("rev", i, k, gi[k], num);
      }
    });
  }
  if (modes.includes("fwd")) {
    const dirs = xs.map((x) =>
      constant(
        Array.from({ length: x.size }, () => (isFloat(x.dtype) ? rnd() : 0)),
        x.shape,
        x.dtype,
      ),
    );
    const [, t] = jvp((...a: T[]) => cast(f(...a), "f64"), xs, dirs);
    const auto = reduceSum(mul(t, u)).item();
    const shifted = (s: number) =>
      xs.map((x, i) => {
        if (!isFloat(x.dtype)) return x;
        const b = data(x);
        const d = data(dirs[i]);
        return constant(
          b.map((v, k) => v + s * d[k]),
          x.shape,
          "f64",
        );
      });
    const num = (g(...shifted(eps)) - g(...shifted(-eps))) / (2 * eps);
    consider("fwd", -1, -1, auto, num);
  }
  return { ok: worst.error <= tol, worst };
}
