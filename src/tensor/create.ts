/**
 * Typed constructors: the shape of the result is known to the compiler from the arguments.
 *
 * @example
 * ```ts
 * const x = tg.tensor([[1, 2, 3], [4, 5, 6]]); // Tensor<[2, 3], "f32">
 * const z = tg.zeros([4, 3], "i32");            // Tensor<[4, 3], "i32">
 * const f = tg.fromArray(new Float32Array(12), [3, 4]);
 * ```
 * @module
 */
import { constant, filled } from "../prims/constants.js";
import { checkShape } from "../prims/shapes.js";
import { BYTES, checkDType, type DType, type TypedArray } from "../shape/dtype.js";
import { DTypeError, fmt, ShapeError } from "../shape/errors.js";
import type { CeilDiv, Sub } from "../shape/arith.js";
import type { Nested, NestedShape } from "../shape/nested.js";
import type { Shape, Tensor } from "./tensor.js";

/** A readonly tuple type made mutable: `readonly [2, 3]` → `[2, 3]`. */
export type Mut<S extends readonly number[]> = { -readonly [K in keyof S]: S[K] };

/**
 * A RangeError naming `op` when `n` elements of `d` cannot fit the 4 GiB a wasm memory holds, so
 * that nothing is built in JavaScript memory for a tensor that can never be allocated.
 */
function checkFits(op: string, n: number, d: DType): void {
  const bytes = n * BYTES[d];
  if (bytes > 2 ** 32) {
    throw new RangeError(
      `${op}: ${n} ${d} elements (${bytes} bytes) exceed the 4 GiB a wasm memory can hold`,
    );
  }
}

/**
 * Data must be a typed array or an array of numbers (booleans count as 0 and 1, as in `tensor`):
 * nothing else is coerced (`"x"` is not NaN, `null` is not 0).
 */
function checkData(op: string, data: unknown): void {
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) return;
  if (!Array.isArray(data)) {
    const shown = data === null ? "null" : typeof data === "object" ? "an object" : typeof data;
    throw new DTypeError(op, `data must be a typed array or an array of numbers, got ${shown}`);
  }
  for (let i = 0; i < data.length; i++) {
    if (typeof data[i] !== "number" && typeof data[i] !== "boolean") {
      const v = data[i];
      const shown = v === null ? "null" : typeof v === "string" ? `"${v}"` : typeof v;
      throw new DTypeError(op, `value ${shown} at flat index ${i} is not a number`);
    }
  }
}

/**
 * Values must fit their dtype exactly: an i32 is an integer in [-2^31, 2^31 - 1] (never wrapped), a
 * bool is 0 or 1 (or a boolean). Floats take any number.
 */
function checkValues(op: string, data: ArrayLike<number>, dtype: DType): void {
  if (dtype !== "i32" && dtype !== "bool") return;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    const ok =
      dtype === "i32"
        ? Number.isInteger(v) && v >= -2147483648 && v <= 2147483647
        : v === 0 || v === 1 || (v as unknown) === true || (v as unknown) === false;
    if (!ok) {
      throw new DTypeError(
        op,
        `value ${v} at flat index ${i} is not ${dtype === "i32" ? "an integer in [-2147483648, 2147483647]" : "0 or 1"} (dtype ${dtype})`,
      );
    }
  }
}

function flattenNested(op: string, data: Nested): { flat: number[]; shape: number[] } {
  const shape: number[] = [];
  let probe: Nested = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0] as Nested;
    if (probe === undefined) break;
  }
  const flat: number[] = [];
  const walk = (v: Nested, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (Array.isArray(v))
        throw new ShapeError(
          op,
          `ragged nested array: ${path} is an array, but ${fmt(shape)} expects a value`,
        );
      if (typeof v !== "number" && typeof v !== "boolean")
        throw new DTypeError(op, `${path} is ${typeof v}, not a number or boolean`);
      flat.push(typeof v === "boolean" ? (v ? 1 : 0) : v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      const len = Array.isArray(v) ? `has length ${v.length}` : "is not an array";
      throw new ShapeError(
        op,
        `ragged nested array: ${path} ${len}, expected length ${shape[depth]} (shape ${fmt(shape)})`,
      );
    }
    v.forEach((e, i) => {
      walk(e as Nested, depth + 1, `${path}[${i}]`);
    });
  };
  walk(data, 0, "data");
  return { flat, shape };
}

function booleanData(data: Nested): boolean {
  let p: Nested = data;
  while (Array.isArray(p) && p.length) p = p[0] as Nested;
  return typeof p === "boolean";
}

/**
 * A tensor from nested arrays; the shape is inferred from the literal (a ragged array is a
 * ShapeError). The dtype defaults to `"f32"` (`"bool"` for booleans).
 * @example
 * ```ts
 * const x = tg.tensor([[1, 2, 3], [4, 5, 6]]); // Tensor<[2, 3], "f32">
 * const i = tg.tensor([0, 2, 1], "i32");       // Tensor<[3], "i32">
 * ```
 */
export function tensor<
  const A extends Nested,
  D extends DType = A extends boolean | readonly boolean[] ? "bool" : "f32",
>(data: A, dtype?: D): Tensor<NestedShape<A>, NoInfer<D>> {
  const d = (dtype ?? (booleanData(data) ? "bool" : "f32")) as DType;
  checkDType("tensor", d);
  const { flat, shape } = flattenNested("tensor", data);
  checkValues("tensor", flat, d);
  return constant(flat, shape, d);
}

/**
 * A rank-0 tensor.
 * @example
 * ```ts
 * tg.scalar(3).item(); // 3
 * ```
 */
export function scalar<D extends DType = "f32">(value: number, dtype?: D): Tensor<[], NoInfer<D>> {
  const d = (dtype ?? "f32") as DType;
  checkDType("scalar", d);
  checkValues("scalar", [value], d);
  return constant([value], [], d);
}

/**
 * A tensor of `shape` filled with `value`.
 * @example
 * ```ts
 * tg.full([2, 2], 7); // Tensor<[2, 2], "f32">
 * ```
 */
export function full<const S extends Shape, D extends DType = "f32">(
  shape: S,
  value: number,
  dtype?: D,
): Tensor<Mut<S>, NoInfer<D>> {
  const d = (dtype ?? "f32") as DType;
  checkDType("full", d);
  checkShape("full", shape);
  checkFits(
    "full",
    shape.reduce((a, b) => a * b, 1),
    d,
  );
  checkValues("full", [value], d);
  return filled(shape, value, d);
}

/**
 * A tensor of zeros.
 * @example
 * ```ts
 * tg.zeros([4, 3]);        // Tensor<[4, 3], "f32">
 * tg.zeros([32], "i32");   // Tensor<[32], "i32">
 * ```
 */
export function zeros<const S extends Shape, D extends DType = "f32">(
  shape: S,
  dtype?: D,
): Tensor<Mut<S>, NoInfer<D>> {
  checkShape("zeros", shape);
  return full(shape, 0, dtype);
}

/**
 * A tensor of ones.
 * @example
 * ```ts
 * tg.ones([2, 3]); // Tensor<[2, 3], "f32">
 * ```
 */
export function ones<const S extends Shape, D extends DType = "f32">(
  shape: S,
  dtype?: D,
): Tensor<Mut<S>, NoInfer<D>> {
  checkShape("ones", shape);
  return full(shape, 1, dtype);
}

/**
 * Zeros with the shape and dtype of `x`.
 * @example
 * ```ts
 * tg.zerosLike(tg.ones([2])); // Tensor<[2], "f32"> of zeros
 * ```
 */
export function zerosLike<S extends Shape, D extends DType>(
  x: Tensor<S, D>,
): Tensor<S, NoInfer<D>> {
  return filled(x.shape, 0, x.dtype);
}

/**
 * Ones with the shape and dtype of `x`.
 * @example
 * ```ts
 * tg.onesLike(tg.zeros([2, 2])); // Tensor<[2, 2], "f32"> of ones
 * ```
 */
export function onesLike<S extends Shape, D extends DType>(x: Tensor<S, D>): Tensor<S, NoInfer<D>> {
  return filled(x.shape, 1, x.dtype);
}

/**
 * The `n × m` identity matrix (`m` defaults to `n`).
 * @example
 * ```ts
 * tg.eye(3); // Tensor<[3, 3], "f32">
 * ```
 */
export function eye<N extends number, M extends number = N, D extends DType = "f32">(
  n: N,
  m?: M,
  dtype?: D,
): Tensor<[N, M], NoInfer<D>> {
  const cols = m ?? n;
  checkShape("eye", [n, cols]);
  const d = (dtype ?? "f32") as DType;
  checkDType("eye", d);
  checkFits("eye", n * cols, d);
  const data = new Float64Array(n * cols);
  for (let i = 0; i < Math.min(n, cols); i++) data[i * cols + i] = 1;
  return constant(data, [n, cols], d);
}

/** The length of `arange(start, stop, step)`: a literal when it can be computed. */
export type ArangeLength<
  Start extends number,
  Stop extends number,
  Step extends number,
> = Step extends 1 ? Sub<Stop, Start> : CeilDiv<Sub<Stop, Start>, Step>;

/**
 * `[0, 1, …, stop − 1]`, or `[start, start + step, …)` up to `stop` (exclusive).
 * @example
 * ```ts
 * tg.arange(5);          // Tensor<[5], "f32">: [0, 1, 2, 3, 4]
 * tg.arange(2, 8, 2);    // Tensor<[3], "f32">: [2, 4, 6]
 * tg.arange(4, "i32");   // Tensor<[4], "i32">
 * ```
 */
export function arange<N extends number, D extends DType = "f32">(
  stop: N,
  dtype?: D,
): Tensor<[N], D>;
export function arange<
  A extends number,
  B extends number,
  C extends number = 1,
  D extends DType = "f32",
>(start: A, stop: B, step?: C, dtype?: D): Tensor<[ArangeLength<A, B, C>], NoInfer<D>>;
export function arange(a: number, b?: number | DType, c?: number, d?: DType): Tensor<any, any> {
  const [start, stop, step, dtype] =
    typeof b === "number" ? [a, b, c ?? 1, d ?? "f32"] : [0, a, 1, b ?? "f32"];
  checkDType("arange", dtype);
  if (!(Number.isFinite(start) && Number.isFinite(stop) && Number.isFinite(step)) || step === 0) {
    throw new ShapeError(
      "arange",
      `start ${start}, stop ${stop} and step ${step} must be finite, with step ≠ 0`,
    );
  }
  const n = Math.max(0, Math.ceil((stop - start) / step));
  checkFits("arange", n, dtype);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  checkValues("arange", data, dtype);
  return constant(data, [n], dtype);
}

/**
 * `num` evenly spaced values from `start` to `stop`, both included.
 * @example
 * ```ts
 * tg.linspace(0, 1, 5); // Tensor<[5], "f32">: [0, 0.25, 0.5, 0.75, 1]
 * ```
 */
export function linspace<N extends number, D extends DType = "f32">(
  start: number,
  stop: number,
  num: N,
  dtype?: D,
): Tensor<[N], NoInfer<D>> {
  checkShape("linspace", [num]);
  const d = (dtype ?? "f32") as DType;
  checkDType("linspace", d);
  checkFits("linspace", num, d);
  const data = Array.from({ length: num }, (_, i) =>
    num === 1 ? start : start + ((stop - start) * i) / (num - 1),
  );
  return constant(data, [num], d);
}

/** The dtype a typed array holds by default. */
export type DTypeOfArray<A> = A extends Int32Array
  ? "i32"
  : A extends Uint8Array
    ? "bool"
    : A extends Float64Array
      ? "f64"
      : "f32";

/**
 * A tensor from flat data (a typed array or numbers) and a shape. The dtype defaults to the typed
 * array's (Float32Array → f32, Int32Array → i32, Uint8Array → bool, Float64Array → f64).
 * @example
 * ```ts
 * tg.fromArray(new Float32Array(12), [3, 4]); // Tensor<[3, 4], "f32">
 * tg.fromArray([1, 2, 3, 4], [2, 2], "i32");  // Tensor<[2, 2], "i32">
 * ```
 */
export function fromArray<
  A extends TypedArray | readonly number[],
  const S extends Shape,
  D extends DType = DTypeOfArray<A>,
>(data: A, shape: S, dtype?: D): Tensor<Mut<S>, NoInfer<D>> {
  checkData("fromArray", data);
  const d = (dtype ??
    (data instanceof Int32Array
      ? "i32"
      : data instanceof Uint8Array
        ? "bool"
        : data instanceof Float64Array
          ? "f64"
          : "f32")) as DType;
  checkDType("fromArray", d);
  checkShape("fromArray", shape);
  const n = shape.reduce((a, b) => a * b, 1);
  if (data.length !== n) {
    throw new ShapeError(
      "fromArray",
      `${data.length} values do not fill shape ${fmt(shape)} (${n} elements)`,
    );
  }
  checkValues("fromArray", data as ArrayLike<number>, d);
  return constant(data as ArrayLike<number>, shape, d);
}

/** `S` narrowed by a pattern: `null` keeps what is known, a number fixes the size. */
export type Narrow<S extends Shape, P extends readonly (number | null)[]> = {
  -readonly [K in keyof P]: P[K] extends number
    ? P[K]
    : number extends S["length"]
      ? number
      : K extends keyof S
        ? S[K]
        : number;
};

/**
 * Checks at runtime that `t` has the shape `pattern` (`null` matches any size) and returns it with
 * that shape in its type: the way in for data whose sizes only the runtime knows.
 * @example
 * ```ts
 * const loaded: tg.AnyTensor = tg.zeros([100, 784]); // e.g. data from a file
 * const x = tg.assertShape(loaded, [null, 784]); // Tensor<[number, 784], "f32">
 * ```
 */
export function assertShape<
  S extends Shape,
  D extends DType,
  const P extends readonly (number | null)[],
>(t: Tensor<S, D>, pattern: P): Tensor<Narrow<S, P>, NoInfer<D>> {
  const ok =
    t.shape.length === pattern.length && pattern.every((p, i) => p === null || p === t.shape[i]);
  if (!ok) {
    const want = `[${pattern.map((p) => (p === null ? "_" : p)).join(", ")}]`;
    throw new ShapeError("assertShape", `expected shape ${want}, got ${fmt(t.shape)}`);
  }
  return t as unknown as Tensor<Narrow<S, P>, D>;
}
