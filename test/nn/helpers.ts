/**
 * Helpers of the layer tests: deterministic inputs, f64 parameters, and a gradient check through a
 * layer's inputs and parameters.
 */
import { constant } from "../../src/prims/constants.js";
import { cast } from "../../src/prims/elementwise.js";
import { checkGrads } from "../../src/testing/check-grads.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { flatten, treeMap, unflatten } from "../../src/transforms/pytree.js";
import type { AnyModel } from "../../src/nn/model.js";
import type { ForwardOptions } from "../../src/nn/layer.js";

/** Deterministic pseudo-random numbers in [-1, 1). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

/** A tensor of `shape` with values in [lo, hi) from a seed. */
export function rand(
  shape: readonly number[],
  seed = 1,
  dtype: "f32" | "f64" = "f64",
  lo = -1,
  hi = 1,
): T {
  const r = lcg(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return constant(
    Array.from({ length: n }, () => lo + ((r() + 1) / 2) * (hi - lo)),
    shape,
    dtype,
  );
}

/** Integers in [0, n). */
export function randInt(shape: readonly number[], n: number, seed = 1): T {
  const r = lcg(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return constant(
    Array.from({ length: size }, () => Math.min(n - 1, Math.floor(((r() + 1) / 2) * n))),
    shape,
    "i32",
  );
}

/** Params with every float leaf cast to f64. */
export function toF64<P>(p: P): P {
  return treeMap(p, (t: T) => (t.dtype === "f32" ? cast(t, "f64") : t));
}

/**
 * Checks the derivatives of `model.apply` with respect to the input (when it is float) and every
 * parameter, against central differences in float64.
 */
export function checkLayerGrads(
  model: AnyModel,
  params: unknown,
  x: T,
  opts: ForwardOptions<unknown> = {},
  tol = 1e-5,
) {
  const [leaves, def] = flatten(toF64(params));
  const xf = x.dtype === "f32" ? cast(x, "f64") : x;
  const f = (xi: T, ...ls: T[]) => model.apply(unflatten(def, ls), xi, opts) as T;
  return checkGrads(f, [xf, ...leaves], { tol, modes: ["rev"] });
}
