/**
 * Feature scalers as pure values: `fit` computes statistics and returns a fitted scaler, whose
 * `transform` and `inverseTransform` apply them. Statistics are per feature (the last axis),
 * computed over every other axis, on the host in float64.
 * @module
 */
import { ShapeError } from "../shape/errors.js";
import type { AnyTensor, Shape, Tensor } from "../tensor/tensor.js";
import { allocFilled, fromTyped } from "./host.js";

/** The result type of a scaler: the same shape, floating point. */
export type Scaled<T> =
  T extends Tensor<infer S, infer D> ? Tensor<S, D extends "f64" ? "f64" : "f32"> : never;

/** Spreads below this (10 machine epsilons, as scikit-learn) count as a constant feature: scale 1. */
const TINY = 10 * Number.EPSILON;

/** A scaler fitted to data: apply it, or undo it. */
export interface FittedScaler<F extends number = number> {
  /** `(x − shift) / scale` per feature. */
  transform<T extends AnyTensor>(x: T): Scaled<T>;
  /** `x · scale + shift` per feature: the inverse of `transform`. */
  inverseTransform<T extends AnyTensor>(x: T): Scaled<T>;
  /** The per-feature shift (the mean, or the minimum mapped to the range's low end). */
  readonly shift: Tensor<[F], "f32">;
  /** The per-feature scale (the standard deviation, or the span over the range's width). */
  readonly scale: Tensor<[F], "f32">;
}

/** A scaler before fitting. */
export interface Scaler {
  /** Computes the statistics of `x` (features on the last axis) and returns the fitted scaler. */
  fit<S extends Shape>(
    x: Tensor<S>,
  ): FittedScaler<S extends readonly [...number[], infer F extends number] ? F : number>;
}

function features(op: string, x: AnyTensor): { f: number; rows: number; data: ArrayLike<number> } {
  if (x.shape.length === 0)
    throw new ShapeError(op, "expected features on the last axis, got a scalar");
  if (x.dtype === "bool") throw new ShapeError(op, "cannot scale a bool tensor");
  const f = x.shape[x.shape.length - 1];
  return { f, rows: x.size / Math.max(f, 1), data: x.dataSync() };
}

/** `x' = lo + (x − origin) / scale` per feature (subtracting the origin first keeps precision). */
function fitted<F extends number>(
  origin: Float64Array,
  scale: Float64Array,
  lo: number,
  op: string,
): FittedScaler<F> {
  const f = origin.length;
  const shift = origin.map((o, j) => o - lo * scale[j]);
  const apply = <T extends AnyTensor>(x: T, inverse: boolean): Scaled<T> => {
    const { f: fx, data } = features(op, x);
    if (fx !== f)
      throw new ShapeError(op, `fitted on ${f} features, got [${x.shape.join(", ")}] with ${fx}`);
    const dtype = x.dtype === "f64" ? "f64" : "f32";
    return allocFilled(x.shape, dtype, (v) => {
      for (let i = 0; i < data.length; i++) {
        const j = i % f;
        v[i] = inverse
          ? origin[j] + (data[i] - lo) * scale[j]
          : lo + (data[i] - origin[j]) / scale[j];
      }
    }) as Scaled<T>;
  };
  return {
    transform: (x) => apply(x, false),
    inverseTransform: (x) => apply(x, true),
    shift: fromTyped(shift, [f], "f32") as Tensor<[F], "f32">,
    scale: fromTyped(scale, [f], "f32") as Tensor<[F], "f32">,
  };
}

/**
 * Standardises each feature to mean 0 and standard deviation 1 (population std; a constant
 * feature gets scale 1, as scikit-learn).
 * @example
 * ```ts
 * const trainX = tg.tensor([[1, 10], [3, 30]]);
 * const testX = tg.tensor([[2, 20], [5, 0]]);
 * const scaler = tg.data.standardScaler().fit(trainX);
 * const xs = scaler.transform(testX);
 * scaler.inverseTransform(xs); // ≈ testX
 * ```
 */
export function standardScaler(): Scaler {
  return {
    fit(x) {
      const { f, rows, data } = features("standardScaler", x);
      if (rows === 0) throw new ShapeError("standardScaler", "cannot fit on zero examples");
      const mean = new Float64Array(f);
      const m2 = new Float64Array(f);
      for (let i = 0; i < data.length; i++) mean[i % f] += data[i];
      for (let j = 0; j < f; j++) mean[j] /= rows;
      for (let i = 0; i < data.length; i++) m2[i % f] += (data[i] - mean[i % f]) ** 2;
      const std = m2.map((s, j) => {
        const sd = Math.sqrt(s / rows);
        return sd > TINY * Math.max(1, Math.abs(mean[j])) ? sd : 1;
      });
      return fitted(mean, std, 0, "standardScaler");
    },
  };
}

/**
 * Maps each feature linearly onto `range` (default `[0, 1]`): the fitted minimum to `range[0]`,
 * the maximum to `range[1]`. A constant feature maps to `range[0]`.
 * @example
 * ```ts
 * const x = tg.tensor([[1, 10], [3, 30], [2, 20]]);
 * const s = tg.data.minMaxScaler({ range: [-1, 1] }).fit(x);
 * s.transform(x); // every feature in [-1, 1]
 * ```
 */
export function minMaxScaler(options: { range?: readonly [number, number] } = {}): Scaler {
  const [lo, hi] = options.range ?? [0, 1];
  if (!(hi > lo))
    throw new ShapeError("minMaxScaler", `range must be increasing, got [${lo}, ${hi}]`);
  return {
    fit(x) {
      const { f, rows, data } = features("minMaxScaler", x);
      if (rows === 0) throw new ShapeError("minMaxScaler", "cannot fit on zero examples");
      const min = new Float64Array(f).fill(Infinity);
      const max = new Float64Array(f).fill(-Infinity);
      for (let i = 0; i < data.length; i++) {
        const j = i % f;
        if (data[i] < min[j]) min[j] = data[i];
        if (data[i] > max[j]) max[j] = data[i];
      }
      // x' = lo + (x − min) / scale with scale = span / (hi − lo).
      const scale = new Float64Array(f);
      for (let j = 0; j < f; j++) {
        const span = max[j] - min[j];
        scale[j] =
          span > TINY * Math.max(1, Math.abs(min[j]), Math.abs(max[j])) ? span / (hi - lo) : 1;
      }
      return fitted(min, scale, lo, "minMaxScaler");
    },
  };
}
