/**
 * The backend interface: where tensor data lives and the kernels that compute on it.
 *
 * Two backends implement it: `wasm` (the Rust crate compiled to WebAssembly with SIMD128; data
 * lives in wasm memory) and `reference` (plain TypeScript over Float64Array; it defines what each
 * kernel means and runs `f64` tensors). Every kernel writes into output buffers that the caller
 * allocated, so the same call serves eager execution and planned (jitted) execution.
 *
 * Conventions shared by every kernel:
 * - Buffers are flat and row-major. Sizes are element counts, not bytes.
 * - `shape`/`strides` arrays are in elements; a stride of 0 broadcasts that axis.
 * - Kernels never see invalid input: the primitive layer checks shapes, dtypes and index ranges
 *   first and throws `ShapeError`/`DTypeError`. Sizes of 0 are legal and do nothing.
 * @module
 */
import type { DType, TypedArray } from "../shape/dtype.js";
import type { ArithOp, CompareOp, FusedOpName, ReduceOp, UnaryOp } from "./ops.js";

/** A buffer of `size` elements of `dtype`, owned by one backend. */
export interface Buf {
  readonly dtype: DType;
  readonly size: number;
}

export type { ArithOp, CompareOp, FusedOpName, ReduceOp, UnaryOp } from "./ops.js";

/** Any binary elementwise op. */
export type BinaryOp = ArithOp | CompareOp;

/** One op of a fused chain: `args` index values (inputs first, then earlier ops' results). */
export interface FusedOp {
  op: FusedOpName;
  args: readonly number[];
}

/** Sizes of a 2-D convolution in NHWC layout with an HWIO filter `[kh, kw, cin, cout]`. */
export interface Conv2dGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  /** Zero padding added before row 0 and before column 0 (the "after" padding follows from out sizes). */
  padTop: number;
  padLeft: number;
}

/** A place where tensors live and kernels run. */
export interface Backend {
  readonly name: "wasm" | "reference" | "webgpu";
  /** A new buffer of `size` elements, zero-filled. */
  alloc(dtype: DType, size: number): Buf;
  /**
   * A new buffer of `size` elements whose contents are undefined: for outputs that a kernel
   * overwrites completely (saves the zero-fill of `alloc`).
   */
  allocUninit(dtype: DType, size: number): Buf;
  /** Releases a buffer now. Using it afterwards is an error. Freeing twice is a no-op. */
  free(buf: Buf): void;
  /** Copies `data` (length `buf.size`) into the buffer, converting to its dtype. */
  write(buf: Buf, data: ArrayLike<number>): void;
  /** A copy of the contents, as the storage type of the dtype (reference: always Float64Array). */
  read(buf: Buf): TypedArray;
  /**
   * The contents, asynchronously, as `read` gives them. Backends whose data cannot be read
   * synchronously (webgpu: `read` throws) implement it; `Tensor.data()` uses it when present.
   */
  readAsync?(buf: Buf): Promise<TypedArray>;
  /**
   * A live view of the contents with no copy (wasm: a typed array over wasm memory; it is
   * invalidated by the next allocation, which may grow memory). For readers and loaders that fill
   * a buffer in place.
   */
  view(buf: Buf): TypedArray;
  /**
   * A buffer that views `size` elements of `buf` starting at element `offset`, sharing its memory
   * (no copy). Freeing a view does nothing; it must not outlive `buf`. Planned execution uses it
   * for the rows of a `scan`.
   */
  sub(buf: Buf, offset: number, size: number): Buf;
  /** Sets every element to `value`. */
  fill(out: Buf, value: number): void;

  /** `out[i] = op(x[i])`. */
  unary(op: UnaryOp, x: Buf, out: Buf): void;
  /**
   * `out[idx] = op(a[aOff(idx)], b[bOff(idx)])` for every multi-index `idx` of `shape` (the output
   * shape, contiguous). `aStrides`/`bStrides` have the rank of `shape`; 0 broadcasts.
   */
  binary(
    op: BinaryOp,
    a: Buf,
    b: Buf,
    out: Buf,
    shape: readonly number[],
    aStrides: readonly number[],
    bStrides: readonly number[],
  ): void;
  /** `out[idx] = cond[idx] ? a[idx] : b[idx]` with broadcasting strides as in `binary`; `cond` is bool. */
  where(
    cond: Buf,
    a: Buf,
    b: Buf,
    out: Buf,
    shape: readonly number[],
    condStrides: readonly number[],
    aStrides: readonly number[],
    bStrides: readonly number[],
  ): void;
  /**
   * A fused elementwise chain with f32 results (inputs f32 or bool, a bool read as 0/1): value
   * `i` of the chain is input `i` for `i < ins.length`, then `ops[j]` applied to earlier values;
   * `outs[k][e]` = value `results[k]` at element `e`, where input `i` contributes
   * `ins[i][e mod ins[i].size]` (full size, a scalar, or a row repeated along the leading axes).
   * `results` are distinct values of ops (`≥ ins.length`); ops after the last of them are not run.
   * All outputs have one size; an output may share memory with a full-size input. Reads each
   * input and writes each output once. Each op's results below the smallest normal f32 become 0
   * (flush to zero: subnormal arithmetic is slow on x86, and optimizer states would otherwise
   * decay into it).
   */
  fused(
    ops: readonly FusedOp[],
    ins: readonly Buf[],
    outs: readonly Buf[],
    results: readonly number[],
  ): void;
  /** Converts dtype: float → i32 truncates toward zero; anything → bool is `!= 0`; bool → number is 0/1. */
  cast(x: Buf, out: Buf): void;
  /** Reduces the middle axis of `x` viewed as `[outer, mid, inner]` into `out` `[outer, inner]`. `mid` ≥ 1 for max/min/arg*. */
  reduce(op: ReduceOp, x: Buf, out: Buf, outer: number, mid: number, inner: number): void;
  /**
   * Strided copy: for every multi-index `idx` of `shape`,
   * `out[outOffset + Σ idx·outStrides] = x[xOffset + Σ idx·xStrides]`.
   * Covers transpose, slice (with steps), broadcast, pad (after `fill`) and concat (one call per part).
   */
  copy(
    x: Buf,
    xOffset: number,
    xStrides: readonly number[],
    out: Buf,
    outOffset: number,
    outStrides: readonly number[],
    shape: readonly number[],
  ): void;
  /**
   * Batched matrix product of contiguous operands: for each of `batch` matrices,
   * `out[m, n] = Σ_k A[m, k]·B[k, n]` where A is `a` stored `[m, k]` (or `[k, m]` if `transA`) and
   * B is `b` stored `[k, n]` (or `[n, k]` if `transB`). A batch stride of 0 (`aBatchStride`/`bBatchStride`)
   * reuses one matrix for every batch. f32 and f64.
   */
  matmul(
    a: Buf,
    b: Buf,
    out: Buf,
    batch: number,
    m: number,
    k: number,
    n: number,
    transA: boolean,
    transB: boolean,
    aBatchStride: number,
    bBatchStride: number,
  ): void;
  /** `y[b, oh, ow, co] = Σ x[b, oh·sh + i − pt, ow·sw + j − pl, ci] · w[i, j, ci, co]` (zero outside). */
  conv2d(x: Buf, w: Buf, y: Buf, g: Conv2dGeometry): void;
  /** The gradient of `conv2d` with respect to `x`, given `dy`: overwrites `dx`. */
  conv2dBackpropInput(dy: Buf, w: Buf, dx: Buf, g: Conv2dGeometry): void;
  /** The gradient of `conv2d` with respect to `w`, given `x` and `dy`: overwrites `dw`. */
  conv2dBackpropFilter(x: Buf, dy: Buf, dw: Buf, g: Conv2dGeometry): void;
  /**
   * `out[o, j, i] = x[o, idx[j], i]` with `x` viewed `[outer, axisLen, inner]`, `idx` i32 of size
   * `nIdx` (already checked to lie in `[0, axisLen)`), `out` `[outer, nIdx, inner]`.
   */
  gather(
    x: Buf,
    idx: Buf,
    out: Buf,
    outer: number,
    axisLen: number,
    inner: number,
    nIdx: number,
  ): void;
  /** The transpose of `gather`: zero-fills `out` `[outer, axisLen, inner]`, then `out[o, idx[j], i] += upd[o, j, i]`. */
  scatterAdd(
    upd: Buf,
    idx: Buf,
    out: Buf,
    outer: number,
    axisLen: number,
    inner: number,
    nIdx: number,
  ): void;
  /**
   * Counter-based random numbers. `keys` is i32 `[nKeys, 2]`; for key `k` and counter
   * `c ∈ [0, perKey)`, `h = threefry2x32(key = (keys[k,0], keys[k,1]), block = (c, 0))[0]` (the
   * Random123 Threefry-2x32 with 20 rounds, rotations 13 15 26 6 17 29 16 24, ks2 = 0x1BD11BDA ^ k0 ^ k1,
   * key injection after every 4 rounds). `"bits"` writes `h` to an i32 `out`; `"uniform"` writes
   * `(h >>> 8) · 2⁻²⁴ ∈ [0, 1)` to an f32/f64 `out`. `out[k·perKey + c]`. Deterministic.
   */
  random(kind: "bits" | "uniform", keys: Buf, out: Buf, nKeys: number, perKey: number): void;
}
