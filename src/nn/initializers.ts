/**
 * Weight initializers, keyed by an explicit random key: `init(key, shape)` gives the same weights
 * for the same key. The variance-scaling family follows Keras (fan in = `shape[-2]·receptive
 * field`, fan out = `shape[-1]·receptive field`).
 *
 * @example
 * ```ts
 * const w = tg.nn.glorotUniform(tg.random.key(0), [784, 128]); // Tensor<[784, 128]>
 * const q = tg.nn.orthogonal(tg.random.key(1), [64, 64]);      // qᵀq = I
 * ```
 * @module
 */
import { constant, filled } from "../prims/constants.js";
import { normal, uniform, type Key } from "../random/index.js";
import type { Shape, Tensor } from "../tensor/tensor.js";
import type { Tup } from "./model.js";

/** A weight initializer: a tensor of `shape` and `dtype` (default f32) from a key. */
export type Initializer = <const S extends Shape, D extends "f32" | "f64" = "f32">(
  key: Key,
  shape: S,
  dtype?: D,
) => Tensor<Tup<S>, D>;

/**
 * Fan in and fan out of a weight shape, as Keras computes them.
 * @example
 * ```ts
 * tg.nn.fans([3, 3, 16, 32]); // [144, 288]
 * ```
 */
export function fans(shape: Shape): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  const rf = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * rf, shape[shape.length - 1] * rf];
}

/** Which fan `varianceScaling` divides by: fan-in, fan-out or their mean. */
export type FanMode = "fanIn" | "fanOut" | "fanAvg";
function scaleOf(shape: Shape, mode: FanMode, scale: number): number {
  const [fi, fo] = fans(shape);
  const n = mode === "fanIn" ? fi : mode === "fanOut" ? fo : (fi + fo) / 2;
  return scale / Math.max(1, n);
}

/**
 * Variance scaling: uniform in ±√(3·scale/n) or normal with std √(scale/n), where n is the fan
 * in, fan out or their mean. The Glorot, He and LeCun initializers are instances.
 * @example
 * ```ts
 * const init = tg.nn.varianceScaling(2, "fanIn", "normal"); // heNormal
 * ```
 */
export function varianceScaling(
  scale: number,
  mode: FanMode,
  distribution: "uniform" | "normal",
): Initializer {
  return (key, shape, dtype) => {
    const v = scaleOf(shape, mode, scale);
    if (distribution === "uniform") {
      const lim = Math.sqrt(3 * v);
      return uniform(key, shape, { min: -lim, max: lim, dtype: dtype ?? "f32" }) as never;
    }
    return normal(key, shape, { std: Math.sqrt(v), dtype: dtype ?? "f32" }) as never;
  };
}

/**
 * Glorot (Xavier) uniform: U(±√(6/(fanIn+fanOut))). Keras's default for dense and conv kernels.
 * @example
 * ```ts
 * tg.nn.glorotUniform(tg.random.key(0), [784, 128]);
 * ```
 */
export const glorotUniform: Initializer = varianceScaling(1, "fanAvg", "uniform");
/**
 * Glorot (Xavier) normal: N(0, 2/(fanIn+fanOut)).
 * @example
 * ```ts
 * tg.nn.glorotNormal(tg.random.key(0), [784, 128]);
 * ```
 */
export const glorotNormal: Initializer = varianceScaling(1, "fanAvg", "normal");
/**
 * He uniform: U(±√(6/fanIn)), for ReLU networks.
 * @example
 * ```ts
 * tg.nn.heUniform(tg.random.key(0), [3, 3, 1, 32]);
 * ```
 */
export const heUniform: Initializer = varianceScaling(2, "fanIn", "uniform");
/**
 * He normal: N(0, 2/fanIn).
 * @example
 * ```ts
 * tg.nn.heNormal(tg.random.key(0), [784, 128]);
 * ```
 */
export const heNormal: Initializer = varianceScaling(2, "fanIn", "normal");
/**
 * LeCun uniform: U(±√(3/fanIn)).
 * @example
 * ```ts
 * tg.nn.lecunUniform(tg.random.key(0), [784, 128]);
 * ```
 */
export const lecunUniform: Initializer = varianceScaling(1, "fanIn", "uniform");
/**
 * LeCun normal: N(0, 1/fanIn), for SELU networks.
 * @example
 * ```ts
 * tg.nn.lecunNormal(tg.random.key(0), [784, 128]);
 * ```
 */
export const lecunNormal: Initializer = varianceScaling(1, "fanIn", "normal");

/**
 * All zeros (the key is ignored). Keras's default for biases.
 * @example
 * ```ts
 * tg.nn.zeros(tg.random.key(0), [10]);
 * ```
 */
export const zeros: Initializer = (_key, shape, dtype) => filled(shape, 0, dtype ?? "f32") as never;
/**
 * All ones (the key is ignored). Batch norm's default scale.
 * @example
 * ```ts
 * tg.nn.ones(tg.random.key(0), [10]);
 * ```
 */
export const ones: Initializer = (_key, shape, dtype) => filled(shape, 1, dtype ?? "f32") as never;

/**
 * A constant initializer.
 * @example
 * ```ts
 * tg.nn.constantInit(0.1)(tg.random.key(0), [10]);
 * ```
 */
export function constantInit(value: number): Initializer {
  return (_key, shape, dtype) => filled(shape, value, dtype ?? "f32") as never;
}

/**
 * A random orthogonal matrix (Keras's default for recurrent kernels): the Q factor of a Gaussian
 * matrix, by modified Gram–Schmidt on the host, with signs fixed so the result is uniformly
 * distributed. Shapes of rank > 2 are flattened to `[prod(shape[:-1]), shape[-1]]`; for a wide
 * matrix the rows are orthonormal, for a tall one the columns.
 * @example
 * ```ts
 * const q = tg.nn.orthogonal(tg.random.key(0), [4, 4]); // q·qᵀ = I
 * ```
 */
export const orthogonal: Initializer = (key, shape, dtype) => {
  const cols = shape.length ? shape[shape.length - 1] : 1;
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  // orthonormalise the columns of a tall n×m matrix (n ≥ m)
  const [n, m] = rows >= cols ? [rows, cols] : [cols, rows];
  const g = normal(key, [n, m], { dtype: "f64" }).dataSync();
  const a = Array.from({ length: m }, (_, j) =>
    Float64Array.from({ length: n }, (_, i) => g[i * m + j]),
  );
  for (let j = 0; j < m; j++) {
    const v = a[j];
    for (let k = 0; k < j; k++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += a[k][i] * v[i];
      for (let i = 0; i < n; i++) v[i] -= d * a[k][i];
    }
    // the norm is R's diagonal entry (positive), which fixes the sign as QR with sign(diag R) does
    let nrm = 0;
    for (let i = 0; i < n; i++) nrm += v[i] * v[i];
    nrm = Math.sqrt(nrm) || 1;
    for (let i = 0; i < n; i++) v[i] /= nrm;
  }
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = rows >= cols ? a[c][r] : a[r][c];
  }
  return constant(out, shape, dtype ?? "f32") as never;
};

/** The initializers by name, for layer options. */
export const initializers = {
  glorotUniform,
  glorotNormal,
  heUniform,
  heNormal,
  lecunUniform,
  lecunNormal,
  zeros,
  ones,
  orthogonal,
} as const;

/** An initializer's name or the initializer itself. */
export type InitializerLike = keyof typeof initializers | Initializer;

/** @internal Resolves an initializer option. */
export function initializerFn(i: InitializerLike | undefined, fallback: Initializer): Initializer {
  if (i === undefined) return fallback;
  return typeof i === "string" ? initializers[i] : i;
}
