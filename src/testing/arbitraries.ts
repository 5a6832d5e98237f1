/**
 * fast-check arbitraries for shapes and tensors.
 * @module
 */
import fc from "fast-check";
import { constant } from "../prims/constants.js";
import type { DType } from "../shape/dtype.js";
import type { AnyTensor as T } from "../tensor/tensor.js";

/** Options of `arbShape`. */
export interface ShapeOptions {
  minRank?: number;
  maxRank?: number;
  /** Largest size of one dimension. */
  maxDim?: number;
  /** Allow size 0. */
  allowEmpty?: boolean;
}

/**
 * Shapes: ranks and sizes in the given ranges (sizes lean towards 1, primes and non-multiples of 4).
 * @example
 * ```ts
 * fc.assert(fc.property(arbShape({ maxRank: 3 }), (s) => s.length <= 3));
 * ```
 */
export function arbShape(opts: ShapeOptions = {}): fc.Arbitrary<number[]> {
  const maxDim = opts.maxDim ?? 7;
  const dim = fc.oneof(fc.constant(1), fc.integer({ min: opts.allowEmpty ? 0 : 1, max: maxDim }));
  return fc.array(dim, { minLength: opts.minRank ?? 0, maxLength: opts.maxRank ?? 3 });
}

/** Options of `arbTensor`. */
export interface TensorOptions {
  dtype?: DType;
  min?: number;
  max?: number;
}

/**
 * Tensors of a given shape with values in `[min, max]` (default [-2, 2]); integers for i32, 0/1 for bool.
 * @example
 * ```ts
 * fc.assert(fc.property(arbTensor([2, 3]), (t) => t.size === 6));
 * ```
 */
export function arbTensor(shape: readonly number[], opts: TensorOptions = {}): fc.Arbitrary<T> {
  const n = shape.reduce((a, b) => a * b, 1);
  const dtype = opts.dtype ?? "f32";
  const min = opts.min ?? -2;
  const max = opts.max ?? 2;
  const value =
    dtype === "bool"
      ? fc.integer({ min: 0, max: 1 })
      : dtype === "i32"
        ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
        : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  return fc.array(value, { minLength: n, maxLength: n }).map((v) => constant(v, shape, dtype));
}

/**
 * Two shapes that broadcast together (some axes 1 on one side, missing leading axes).
 * @example
 * ```ts
 * fc.assert(fc.property(arbBroadcastPair(), ([a, b]) => true));
 * ```
 */
export function arbBroadcastPair(opts: ShapeOptions = {}): fc.Arbitrary<[number[], number[]]> {
  return arbShape({ ...opts, minRank: 1 }).chain((full) =>
    fc
      .tuple(
        fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }),
        fc.integer({ min: 0, max: full.length }),
      )
      .map(
        ([ones, drop]) =>
          [full, full.map((d, i) => (ones[i] ? 1 : d)).slice(drop)] as [number[], number[]],
      ),
  );
}
