/**
 * The Tensor: a shape `S` and a dtype `D` known to the compiler, and either concrete data in a
 * backend buffer or, while a function is being traced, a variable of the Program being built.
 *
 * @example
 * ```ts
 * const x = tg.tensor([[1, 2, 3], [4, 5, 6]]); // Tensor<[2, 3], "f32">
 * x.shape; // [2, 3]
 * x.toArray(); // [[1, 2, 3], [4, 5, 6]]
 * ```
 * @module
 */
import type { Backend, Buf } from "../backend/backend.js";
import type { Var } from "../ir/program.js";
import type { DType, TypedArray } from "../shape/dtype.js";
import { formatTensor } from "./format.js";
import { trackTensor } from "./scope.js";

/** A shape: a readonly tuple of dimension sizes. */
export type Shape = readonly number[];

/** Data in a backend buffer, shared by the tensors that view it (reshape shares, never copies). */
export class Storage {
  /** Live (not disposed) tensor handles on this storage. */
  refs = 0;
  constructor(
    readonly backend: Backend,
    readonly buf: Buf,
  ) {}
  /** Frees the buffer when no handle holds it any more. */
  release(): void {
    if (--this.refs <= 0) this.backend.free(this.buf);
  }
}

/** The part of a tracer a builder needs: which builder, which variable. */
export interface TracerRef {
  readonly builder: object;
  readonly v: Var;
}

/**
 * An n-dimensional array whose shape `S` and dtype `D` are part of its type.
 *
 * @example
 * ```ts
 * const w: tg.Tensor<[3, 4]> = tg.zeros([3, 4]);
 * ```
 */
export class Tensor<S extends Shape = Shape, D extends DType = "f32"> {
  /** The dimension sizes. */
  readonly shape: S;
  /** The element type. */
  readonly dtype: D;
  /** The number of elements. */
  readonly size: number;
  /** @internal Concrete storage, or null while tracing. */
  readonly _storage: Storage | null;
  /** @internal The tracer, when this tensor is a value inside a traced function. */
  readonly _tracer: TracerRef | null;
  private _disposed = false;

  /** @internal Use the constructors (`tensor`, `zeros`, `fromArray`…) instead. */
  constructor(shape: S, dtype: D, storage: Storage | null, tracer: TracerRef | null) {
    this.shape = Object.freeze([...shape]) as unknown as S;
    this.dtype = dtype;
    this.size = shape.reduce((a, b) => a * b, 1);
    this._storage = storage;
    this._tracer = tracer;
    if (storage) {
      storage.refs++;
      trackTensor(this);
    }
  }

  /** The rank (number of dimensions). */
  get rank(): number {
    return this.shape.length;
  }

  /** Whether this tensor holds data (not a tracer). */
  get isConcrete(): boolean {
    return this._storage !== null;
  }

  /** @internal The storage, or a clear error if this is a tracer or was disposed. */
  _concrete(op: string): Storage {
    if (this._disposed) throw new Error(`${op}: the tensor ${this.describe()} was disposed`);
    if (!this._storage) {
      throw new Error(
        `${op}: ${this.describe()} is a traced value; its data exists only when the transformed function runs`,
      );
    }
    return this._storage;
  }

  /** A short description: `Tensor<[2,3], f32>`. */
  describe(): string {
    return `Tensor<[${this.shape.join(",")}], ${this.dtype}>`;
  }

  /**
   * A copy of the data as a flat typed array (Float32Array for f32, Int32Array for i32, Uint8Array
   * for bool, Float64Array for f64).
   * @example
   * ```ts
   * tg.tensor([1, 2]).dataSync(); // Float32Array [1, 2]
   * ```
   */
  dataSync(): TypedArray {
    const s = this._concrete("dataSync");
    const raw = s.backend.read(s.buf);
    return convertStorage(raw, this.dtype);
  }

  /**
   * The data, asynchronously: the same as `dataSync`, and the only way to read data on the
   * webgpu backend (which cannot read synchronously).
   * @example
   * ```ts
   * await tg.tensor([1, 2]).data();
   * ```
   */
  async data(): Promise<TypedArray> {
    const s = this._concrete("data");
    // backends that cannot read synchronously (webgpu) read back asynchronously
    if (s.backend.readAsync) return convertStorage(await s.backend.readAsync(s.buf), this.dtype);
    return this.dataSync();
  }

  /**
   * The data as nested JavaScript arrays (booleans for bool tensors); a number for rank 0. The
   * type follows the shape and dtype: `number[][]` for a `Tensor<[2, 3]>`, `boolean[]` for a
   * `Tensor<[4], "bool">`, `NestedArray` when the rank is unknown.
   * @example
   * ```ts
   * const a: number[][] = tg.tensor([[1, 2], [3, 4]]).toArray(); // [[1, 2], [3, 4]]
   * ```
   */
  toArray<Self extends Tensor<Shape, DType>>(
    this: Self,
  ): NestedArrayOf<Self["shape"], Self["dtype"]> {
    // Typed through `this`: a conditional type of `S` in a member would make the class invariant
    // in its shape.
    const flat = Array.from(this.dataSync() as ArrayLike<number>, (v) =>
      this.dtype === "bool" ? v !== 0 : v,
    );
    return nest(flat, this.shape, 0, 0) as NestedArrayOf<Self["shape"], Self["dtype"]>;
  }

  /**
   * The single value of a tensor with one element.
   * @example
   * ```ts
   * tg.sum(tg.ones([3])).item(); // 3
   * ```
   */
  item(): number {
    if (this.size !== 1)
      throw new Error(`item: ${this.describe()} has ${this.size} elements, not 1`);
    return this.dataSync()[0];
  }

  /**
   * Shape, dtype and values, printed as numpy does (summarised when large).
   * @example
   * ```ts
   * String(tg.tensor([1, 2])); // "Tensor<[2], f32>\n[1, 2]"
   * ```
   */
  toString(): string {
    if (!this._storage) return `${this.describe()} (traced)`;
    if (this._disposed) return `${this.describe()} (disposed)`;
    return `${this.describe()}\n${formatTensor(this.dataSync(), this.shape, this.dtype)}`;
  }

  /**
   * Frees the data now. Optional: data nobody holds is freed anyway.
   * @example
   * ```ts
   * const t = tg.zeros([1000]); t.dispose();
   * ```
   */
  dispose(): void {
    if (this._disposed || !this._storage) return;
    this._disposed = true;
    this._storage.release();
  }

  /** Whether `dispose` was called. */
  get isDisposed(): boolean {
    return this._disposed;
  }

  /** `using t = tg.zeros([3])` frees `t` at the end of the block. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Nested arrays of numbers or booleans, as `toArray` returns them. */
export type NestedArray = number | boolean | NestedArray[];

/**
 * What `toArray` returns for shape `S` and dtype `D`: arrays nested `S.length` deep around a
 * `number` (`boolean` for bool); `NestedArray` when the rank is not known at compile time.
 * @example
 * ```ts
 * type A = tg.NestedArrayOf<[2, 3], "f32">; // number[][]
 * type B = tg.NestedArrayOf<[], "bool">;    // boolean
 * ```
 */
export type NestedArrayOf<S extends Shape, D extends DType> = number extends S["length"]
  ? NestedArray
  : NestDepth<S, D extends "bool" ? boolean : number>;
type NestDepth<S extends Shape, E> = S extends readonly [unknown, ...infer R extends Shape]
  ? NestDepth<R, E>[]
  : E;

function nest(flat: (number | boolean)[], shape: Shape, axis: number, offset: number): unknown {
  if (axis === shape.length) return flat[offset];
  const stride = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out: unknown[] = [];
  for (let i = 0; i < shape[axis]; i++) out.push(nest(flat, shape, axis + 1, offset + i * stride));
  return out;
}

function convertStorage(raw: TypedArray, dtype: DType): TypedArray {
  switch (dtype) {
    case "f32":
      return raw instanceof Float32Array ? raw : Float32Array.from(raw);
    case "i32":
      return raw instanceof Int32Array ? raw : Int32Array.from(raw);
    case "bool":
      return raw instanceof Uint8Array
        ? raw
        : Uint8Array.from(raw as ArrayLike<number>, (v) => (v ? 1 : 0));
    case "f64":
      return raw instanceof Float64Array ? raw : Float64Array.from(raw);
  }
}

/** Any tensor, whatever its shape and dtype: the type the untyped internals use. */
export type AnyTensor = Tensor<any, any>;
