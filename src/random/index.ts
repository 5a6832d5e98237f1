/**
 * Explicit, pure randomness: a key is an i32 tensor `[2]`; the same key gives the same numbers.
 * Split a key to get independent ones (counter-based Threefry, as in JAX).
 *
 * @example
 * ```ts
 * const key = tg.random.key(0);
 * const [k1, k2] = tg.random.split(key);
 * const w = tg.random.normal(k1, [784, 128]);
 * ```
 * @module
 */
import { constant } from "../prims/constants.js";
import { add, cast, cos, floor, log, lt, mul, sqrt, sub } from "../prims/elementwise.js";
import { reshape, slice } from "../prims/movement.js";
import { randomBits, randomUniform } from "../prims/random.js";
import { getBackend, setBackend } from "../backend/registry.js";
import { isTracing } from "../ir/trace.js";
import type { DType } from "../shape/dtype.js";
import { ShapeError } from "../shape/errors.js";
import type { Shape, Tensor } from "../tensor/tensor.js";
import type { Mut } from "../tensor/create.js";

/** A random key: two 32-bit words. */
export type Key = Tensor<readonly [2], "i32">;

/**
 * A key from an integer seed.
 * @example
 * ```ts
 * const key = tg.random.key(42);
 * ```
 */
export function key(seed: number): Key {
  if (!Number.isInteger(seed))
    throw new ShapeError("random.key", `the seed must be an integer, got ${seed}`);
  const hi = Math.floor(seed / 2 ** 32) | 0;
  return onHost(() => constant([hi, seed | 0], [2], "i32") as Key);
}

/**
 * Runs `f` (making keys) on the reference backend when the current one cannot read synchronously
 * (webgpu) and nothing is being traced: keys are 8 bytes, and a key on the host can still be read
 * by what needs its bits there (the float64 draws of `orthogonal`, `permutation`, shuffling),
 * while an op on the GPU copies it over when it uses it. The streams are the same on every
 * backend, so the numbers do not change.
 */
function onHost<R>(f: () => R): R {
  if (isTracing() || getBackend() !== "webgpu") return f();
  setBackend("reference");
  try {
    return f();
  } finally {
    setBackend("webgpu");
  }
}

/**
 * `n` new independent keys from one (default 2).
 * @example
 * ```ts
 * const key = tg.random.key(0);
 * const [a, b] = tg.random.split(key);
 * ```
 */
export function split(k: Key, n = 2): Key[] {
  return onHost(() => {
    const all = randomBits(k, [n, 2]);
    return Array.from({ length: n }, (_, i) => reshape(slice(all, [i, 0], [i + 1, 2]), [2]) as Key);
  });
}

/**
 * A key derived from `k` and an integer (for per-step keys in a loop).
 * @example
 * ```ts
 * const [key, step] = [tg.random.key(0), 10];
 * const stepKey = tg.random.foldIn(key, step);
 * ```
 */
export function foldIn(k: Key, data: number): Key {
  return onHost(
    () => reshape(randomBits(add(k, constant([data | 0, 0], [2], "i32")), [2]), [2]) as Key,
  );
}

/**
 * Uniform numbers in `[min, max)`.
 * @example
 * ```ts
 * const key = tg.random.key(0);
 * tg.random.uniform(key, [2, 3], { min: -1, max: 1 });
 * ```
 */
export function uniform<const S extends Shape, D extends "f32" | "f64" = "f32">(
  k: Key,
  shape: S,
  opts: { min?: number; max?: number; dtype?: D } = {},
): Tensor<Mut<S>, D> {
  const u = randomUniform(k, shape, opts.dtype ?? "f32");
  const min = opts.min ?? 0;
  const max = opts.max ?? 1;
  return (min === 0 && max === 1 ? u : add(mul(u, max - min), min)) as Tensor<Mut<S>, D>;
}

/**
 * Normal numbers (Box–Muller) with the given mean and standard deviation.
 * @example
 * ```ts
 * const key = tg.random.key(0);
 * tg.random.normal(key, [784, 128], { std: 0.05 });
 * ```
 */
export function normal<const S extends Shape, D extends "f32" | "f64" = "f32">(
  k: Key,
  shape: S,
  opts: { mean?: number; std?: number; dtype?: D } = {},
): Tensor<Mut<S>, D> {
  const [k1, k2] = split(k);
  const dtype = opts.dtype ?? "f32";
  const u1 = sub(1, randomUniform(k1, shape, dtype)); // (0, 1]
  const u2 = randomUniform(k2, shape, dtype);
  const z = mul(sqrt(mul(-2, log(u1))), cos(mul(2 * Math.PI, u2)));
  const std = opts.std ?? 1;
  const mean = opts.mean ?? 0;
  return (std === 1 && mean === 0 ? z : add(mul(z, std), mean)) as Tensor<Mut<S>, D>;
}

/**
 * Booleans that are true with probability `p`.
 * @example
 * ```ts
 * const key = tg.random.key(0);
 * tg.random.bernoulli(key, 0.8, [128, 10]);
 * ```
 */
export function bernoulli<const S extends Shape>(
  k: Key,
  p: number,
  shape: S,
): Tensor<Mut<S>, "bool"> {
  return lt(randomUniform(k, shape, "f32"), p) as Tensor<Mut<S>, "bool">;
}

/**
 * Integers uniform in `[low, high)`.
 * @example
 * ```ts
 * const key = tg.random.key(0);
 * tg.random.randint(key, [5], 0, 10);
 * ```
 */
export function randint<const S extends Shape>(
  k: Key,
  shape: S,
  low: number,
  high: number,
): Tensor<Mut<S>, "i32"> {
  return cast(floor(add(mul(randomUniform(k, shape, "f64"), high - low), low)), "i32") as Tensor<
    S,
    "i32"
  >;
}

/**
 * A random permutation of `0 … n−1` (computed on the host from the key's random numbers).
 * @example
 * ```ts
 * const key = tg.random.key(0);
 * tg.random.permutation(key, 10).toArray();
 * ```
 */
export function permutation(k: Key, n: number): Tensor<[number], "i32"> {
  const u = randomUniform(k, [n], "f64").dataSync();
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => u[a] - u[b] || a - b);
  return constant(idx, [n], "i32") as Tensor<[number], "i32">;
}

/** The dtype of keys. */
export const KEY_DTYPE: DType = "i32";
