/**
 * Element types and their storage.
 *
 * @example
 * ```ts
 * import { isFloat } from "typegrad";
 * isFloat("f32"); // true
 * ```
 * @module
 */
import type { IsK, Kinds, ShapeMismatch } from "./dims.js";
import { DTypeError } from "./errors.js";

/** The element types a tensor may hold. `f64` runs on the reference backend. */
export type DType = "f32" | "i32" | "bool" | "f64";

/** The floating-point dtypes: what `exp`, `matmul`, `conv2d` and the other float ops accept. */
export type FloatDType = "f32" | "f64";
/** The numeric dtypes: what arithmetic and reductions accept (not bool). */
export type NumericDType = "f32" | "f64" | "i32";

/**
 * `unknown` when dtype `D` is one of `Allowed`, or a mismatch naming the op, the dtype and the
 * dtypes it accepts, as the runtime's DTypeError does. A dtype that is a type parameter, or a
 * union with an accepted member (`DType` itself), passes: the runtime checks it, so generic code
 * over `D extends DType` still compiles. `K` must be a
 * type parameter of the op's signature, defaulted to `Kinds` (see `Kinds`).
 * @example
 * ```ts
 * type E = DTypeCheck<"exp", "i32", FloatDType, Kinds>; // { error: "exp: dtype i32 is not supported (expected f32 or f64)" }
 * ```
 */
export type DTypeCheck<Op extends string, D, Allowed extends DType, K extends Kinds> =
  IsK<Extract<D, Allowed>, K, "never"> extends true
    ? IsK<Exclude<D, K["dtype"]>, K, "never"> extends true
      ? ShapeMismatch<`${Op}: dtype ${D & string} is not supported (expected ${Expected<Allowed>})`>
      : unknown
    : unknown;

type Expected<A extends DType> = [A] extends [FloatDType]
  ? "f32 or f64"
  : [A] extends [NumericDType]
    ? "f32, f64 or i32"
    : A;

/** All dtypes, in promotion order. */
export const DTYPES: readonly DType[] = ["bool", "i32", "f32", "f64"];

/**
 * Whether `d` is one of the dtypes a tensor may hold (a runtime check for untyped callers).
 * @example
 * ```ts
 * isDType("f32"); // true
 * isDType("int8"); // false
 * ```
 */
export function isDType(d: unknown): d is DType {
  return d === "f32" || d === "i32" || d === "bool" || d === "f64";
}

/**
 * Throws a `DTypeError` naming `op` and the valid dtypes unless `d` is a dtype. Every public entry
 * that takes a dtype calls it before anything is allocated.
 * @example
 * ```ts
 * checkDType("cast", "int8"); // DTypeError: cast: unknown dtype "int8" (valid: f32, i32, bool, f64)
 * ```
 */
export function checkDType(op: string, d: unknown): asserts d is DType {
  if (!isDType(d)) {
    const shown = typeof d === "string" ? `"${d}"` : String(d);
    throw new DTypeError(op, `unknown dtype ${shown} (valid: f32, i32, bool, f64)`);
  }
}

/** The typed array that stores each dtype on the wasm backend. */
export type StorageOf<D extends DType> = D extends "f32"
  ? Float32Array
  : D extends "i32"
    ? Int32Array
    : D extends "bool"
      ? Uint8Array
      : Float64Array;

/** Any typed array a tensor may be stored in. */
export type TypedArray = Float32Array | Int32Array | Uint8Array | Float64Array;

/** Bytes per element of each dtype in wasm memory. */
export const BYTES: Record<DType, number> = { f32: 4, i32: 4, bool: 1, f64: 8 };

/**
 * Whether a dtype is a floating-point type (differentiable).
 * @example
 * ```ts
 * isFloat("i32"); // false
 * ```
 */
export function isFloat(d: DType): boolean {
  return d === "f32" || d === "f64";
}

/** Allocates a zeroed typed array of the storage type of `d` (the wasm layout). */
export function newStorage(d: DType, size: number): TypedArray {
  switch (d) {
    case "f32":
      return new Float32Array(size);
    case "i32":
      return new Int32Array(size);
    case "bool":
      return new Uint8Array(size);
    case "f64":
      return new Float64Array(size);
  }
}

/** The result dtype of a binary op on `a` and `b`: the larger of the two in promotion order. */
export function promote(a: DType, b: DType): DType {
  return DTYPES.indexOf(a) >= DTYPES.indexOf(b) ? a : b;
}
