/**
 * The IDX format of MNIST and Fashion-MNIST: a magic number `00 00 <type> <rank>`, `rank` big-endian
 * uint32 sizes, then the values, big-endian, row-major. Files may be gzipped (`.gz`), as Debian's
 * `dataset-fashion-mnist` ships them; the gzip magic is detected, whatever the file name.
 * @module
 */
import { loadingData } from "../tensor/scope.js";
import * as E from "fp-ts/lib/Either.js";
import type { Either } from "../io/either.js";
import { type LoadError, loadError } from "../io/load-error.js";
import type { DType, TypedArray } from "../shape/dtype.js";
import type { AnyTensor } from "../tensor/tensor.js";
import { allocFilled } from "./host.js";
import { gunzip, gunzipHead, isGzip, readBytes } from "./node.js";

/** The element types of IDX files, by their names. */
export type IdxType = "u8" | "i8" | "i16" | "i32" | "f32" | "f64";

const CODES: Record<number, { type: IdxType; bytes: number; dtype: DType }> = {
  8: { type: "u8", bytes: 1, dtype: "i32" },
  9: { type: "i8", bytes: 1, dtype: "i32" },
  11: { type: "i16", bytes: 2, dtype: "i32" },
  12: { type: "i32", bytes: 4, dtype: "i32" },
  13: { type: "f32", bytes: 4, dtype: "f32" },
  14: { type: "f64", bytes: 8, dtype: "f64" },
};

/** A parsed IDX header: where the values start and how to read them. */
export interface IdxHeader {
  readonly type: IdxType;
  readonly shape: number[];
  /** Byte offset of the first value. */
  readonly offset: number;
  /** Bytes per value. */
  readonly bytes: number;
  /** The dtype `loadIdx` gives by default: i32 for the integer types, else f32 or f64. */
  readonly dtype: DType;
}

/** The longest IDX header: the magic number and 255 sizes. */
const MAX_HEADER = 4 + 4 * 255;

/** The largest data an IDX file may declare: what fits in 4 GiB of memory. */
const MAX_DATA = 2 ** 32;

/**
 * Parses and checks an IDX header from the first bytes of a file: magic number, type code and
 * sizes (their product must fit in 4 GiB). `bytes` may stop after the header; the total length is
 * not checked (see `parseIdxHeader`).
 * @example
 * ```ts
 * const bytes = encodeIdx(new Uint8Array(3 * 28 * 28), [3, 28, 28], "u8");
 * parseIdxLayout(bytes.subarray(0, 16)); // Right({ type: "u8", shape: [3, 28, 28], offset: 16, … })
 * ```
 */
export function parseIdxLayout(bytes: Uint8Array, path?: string): Either<LoadError, IdxHeader> {
  if (bytes.length < 4) {
    return E.left(
      loadError(
        "truncated",
        `${bytes.length} bytes: too short for an IDX header (4 bytes at least)`,
        path,
      ),
    );
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const hex = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    return E.left(
      loadError(
        "bad-header",
        `magic number ${hex} is not IDX (expected 00 00 <type> <rank>)`,
        path,
      ),
    );
  }
  const code = CODES[bytes[2]];
  if (!code) {
    return E.left(
      loadError(
        "bad-header",
        `unknown IDX type code 0x${bytes[2].toString(16).padStart(2, "0")} (known: 08 u8, 09 i8, 0b i16, 0c i32, 0d f32, 0e f64)`,
        path,
      ),
    );
  }
  const rank = bytes[3];
  const offset = 4 + 4 * rank;
  if (bytes.length < offset) {
    return E.left(
      loadError(
        "truncated",
        `${bytes.length} bytes: the header of a rank-${rank} IDX file needs ${offset}`,
        path,
      ),
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(dv.getUint32(4 + 4 * i, false));
  // The product of up to 255 uint32 sizes is exact while it stays under 2^53 (it stops above 2^32).
  let count = 1;
  for (const d of shape) count = count > MAX_DATA ? count : count * d;
  if (shape.includes(0)) count = 0;
  if (count * code.bytes > MAX_DATA) {
    return E.left(
      loadError(
        "bad-header",
        `sizes [${shape.join(", ")}] of ${code.type} need more than 4 GiB`,
        path,
      ),
    );
  }
  return E.right({ type: code.type, shape, offset, bytes: code.bytes, dtype: code.dtype });
}

/**
 * The bytes an IDX file of this header has: the header, then every value.
 * @example
 * ```ts
 * idxLength({ type: "u8", shape: [2, 3], offset: 12, bytes: 1, dtype: "i32" }); // 18
 * ```
 */
export function idxLength(h: IdxHeader): number {
  return h.offset + h.shape.reduce((a, b) => a * b, 1) * h.bytes;
}

/**
 * Parses and checks the header of (uncompressed) IDX bytes: magic number, type code, sizes, and
 * that the length is exactly header + data (`"truncated"` if shorter, `"bad-header"` if longer).
 * @example
 * ```ts
 * const bytes = encodeIdx(new Uint8Array(3 * 28 * 28), [3, 28, 28], "u8");
 * parseIdxHeader(bytes); // Right({ type: "u8", shape: [3, 28, 28], offset: 16, … })
 * ```
 */
export function parseIdxHeader(bytes: Uint8Array, path?: string): Either<LoadError, IdxHeader> {
  const parsed = parseIdxLayout(bytes, path);
  if (E.isLeft(parsed)) return parsed;
  const h = parsed.right;
  const expected = idxLength(h);
  if (bytes.length < expected) {
    return E.left(
      loadError(
        "truncated",
        `${bytes.length} bytes, but the header [${h.shape.join(", ")}] of ${h.type} needs ${expected}`,
        path,
      ),
    );
  }
  if (bytes.length > expected) {
    return E.left(
      loadError(
        "bad-header",
        `${bytes.length - expected} bytes after the data that the header [${h.shape.join(", ")}] announces`,
        path,
      ),
    );
  }
  return parsed;
}

/** A reader of the value at a byte offset, for each IDX type (big-endian). */
function reader(bytes: Uint8Array, type: IdxType): (at: number) => number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (type) {
    case "u8":
      return (at) => bytes[at];
    case "i8":
      return (at) => dv.getInt8(at);
    case "i16":
      return (at) => dv.getInt16(at, false);
    case "i32":
      return (at) => dv.getInt32(at, false);
    case "f32":
      return (at) => dv.getFloat32(at, false);
    case "f64":
      return (at) => dv.getFloat64(at, false);
  }
}

/** The largest magnitude of each IDX type's values (infinite for floats). */
const BOUND: Record<IdxType, number> = {
  u8: 255,
  i8: 128,
  i16: 32768,
  i32: 2 ** 31,
  f32: Infinity,
  f64: Infinity,
};

/**
 * The first of the first `n` values that `dtype` cannot hold exactly, as a `"out-of-range"` error
 * naming its byte offset and element index, or null: a bool must be 0 or 1, an i32 an integer in
 * range, and a float `value * scale` must not overflow (an f64 value beyond f32 loaded as f32).
 * @example
 * ```ts
 * const bytes = encodeIdx([1, 5, 0], [3], "u8");
 * const header = parseIdxHeader(bytes);
 * const n = 3;
 * if (E.isRight(header)) checkIdxValues(bytes, header.right, "bool", 1, n); // LoadError "u8 value 5 at byte 9 (element 1) does not fit bool: …"
 * ```
 */
export function checkIdxValues(
  bytes: Uint8Array,
  h: IdxHeader,
  dtype: DType,
  scale: number,
  n: number,
  path?: string,
): LoadError | null {
  const ok: ((v: number) => boolean) | null =
    dtype === "bool"
      ? (v) => v === 0 || v === 1
      : dtype === "i32"
        ? h.type === "f32" || h.type === "f64"
          ? (v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31
          : null
        : (h.type === "f32" && scale === 1) ||
            BOUND[h.type] * Math.abs(scale) < (dtype === "f32" ? 3.4e38 : Number.MAX_VALUE)
          ? null
          : dtype === "f32"
            ? (v) => !Number.isFinite(v) || Number.isFinite(Math.fround(v * scale))
            : (v) => !Number.isFinite(v) || Number.isFinite(v * scale);
  if (!ok) return null;
  const get = reader(bytes, h.type);
  for (let i = 0; i < n; i++) {
    const at = h.offset + i * h.bytes;
    const v = get(at);
    if (!ok(v)) {
      const need =
        dtype === "bool"
          ? "a bool must be 0 or 1"
          : dtype === "i32"
            ? "an i32 must be an integer in [-2147483648, 2147483647]"
            : `times scale ${scale} it overflows ${dtype}`;
      return loadError(
        "out-of-range",
        `${h.type} value ${v} at byte ${at} (element ${i}) does not fit ${dtype}: ${need}`,
        path,
      );
    }
  }
  return null;
}

/**
 * Reads the values of IDX bytes into `out` (any typed array of the right length), as
 * `value * scale`. The values must fit `out` (see `checkIdxValues`).
 * @example
 * ```ts
 * const bytes = encodeIdx([0, 51, 255], [3], "u8");
 * const header = parseIdxHeader(bytes);
 * const n = 3;
 * if (E.isRight(header)) readIdxValues(bytes, header.right, new Float32Array(n), 1 / 255); // [0, 0.2, 1]
 * ```
 */
export function readIdxValues(bytes: Uint8Array, h: IdxHeader, out: TypedArray, scale = 1): void {
  const n = out.length;
  const o = h.offset;
  if (h.type === "u8") {
    if (scale === 1) out.set(bytes.subarray(o, o + n) as unknown as Float32Array);
    else {
      const lut = new Float64Array(256);
      for (let b = 0; b < 256; b++) lut[b] = b * scale;
      for (let i = 0; i < n; i++) out[i] = lut[bytes[o + i]];
    }
    return;
  }
  const get = reader(bytes, h.type);
  for (let i = 0; i < n; i++) out[i] = get(o + i * h.bytes) * scale;
}

/** Options of `loadIdx`; each is checked (a bad one is a `"bad-argument"` error). */
export interface LoadIdxOptions {
  /**
   * The dtype of the tensor (`"f32"`, `"i32"`, `"bool"` or `"f64"`); by default i32 for integer
   * files, f32 or f64 for float files. Values must fit it: `"out-of-range"` otherwise.
   */
  dtype?: DType;
  /** A finite factor applied to every value (`1 / 255` scales pixels to [0, 1]); only for float dtypes. Default 1. */
  scale?: number;
  /** Keep only the first `limit` entries along the first axis (a non-negative integer). */
  limit?: number;
}

/**
 * Bytes of a file or in memory, gunzipped when they start with the gzip magic. A gzip stream is
 * never inflated past what its IDX header needs: the header is read from the first bytes, then
 * decompression stops at header + data size (`"bad-header"` for a stream that goes on).
 * @example
 * ```ts
 * idxBytes("t10k-labels-idx1-ubyte.gz"); // Right(Uint8Array)
 * ```
 */
export function idxBytes(pathOrBytes: string | Uint8Array): Either<LoadError, Uint8Array> {
  if (typeof pathOrBytes !== "string" && !(pathOrBytes instanceof Uint8Array)) {
    const what = pathOrBytes === null ? "null" : typeof pathOrBytes;
    return E.left(
      loadError("bad-argument", `loadIdx: the input is ${what}, not a path or a Uint8Array`),
    );
  }
  const path = typeof pathOrBytes === "string" ? pathOrBytes : undefined;
  const raw = typeof pathOrBytes === "string" ? readBytes(pathOrBytes) : E.right(pathOrBytes);
  if (E.isLeft(raw) || !isGzip(raw.right)) return raw;
  const gz = raw.right;
  const head = gunzipHead(gz, MAX_HEADER, path);
  if (E.isLeft(head)) return head;
  // The head holds MAX_HEADER bytes, or the whole (shorter) stream: enough for any header.
  const h = parseIdxLayout(head.right, path);
  if (E.isLeft(h)) return h;
  const size = idxLength(h.right);
  return gunzip(
    gz,
    path,
    size,
    `the header [${h.right.shape.join(", ")}] of ${h.right.type} needs ${size}`,
  );
}

const DTYPE_NAMES: readonly DType[] = ["f32", "i32", "bool", "f64"];

function checkIdxOptions(o: unknown): string | null {
  if (o === null || typeof o !== "object" || Array.isArray(o))
    return "the options are not an object";
  const { dtype, scale, limit, ...rest } = o as LoadIdxOptions & Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length)
    return `unknown option ${JSON.stringify(extra[0])} (the options are dtype, scale, limit)`;
  if (dtype !== undefined && !DTYPE_NAMES.includes(dtype))
    return `dtype ${JSON.stringify(dtype)} is not one of ${DTYPE_NAMES.map((d) => `"${d}"`).join(", ")}`;
  if (scale !== undefined) {
    if (typeof scale !== "number" || !Number.isFinite(scale))
      return `scale ${String(scale)} must be a finite number`;
    if (scale !== 1 && dtype !== undefined && dtype !== "f32" && dtype !== "f64")
      return `scale ${scale} needs a float dtype, not ${dtype} (the scaled values would be rounded)`;
  }
  if (
    limit !== undefined &&
    (typeof limit !== "number" || !Number.isSafeInteger(limit) || limit < 0)
  )
    return `limit ${String(limit)} must be a non-negative integer`;
  return null;
}

/** The body of {@link loadIdx}. */
function loadIdxNow(
  pathOrBytes: string | Uint8Array,
  options: LoadIdxOptions = {},
): Either<LoadError, AnyTensor> {
  const path = typeof pathOrBytes === "string" ? pathOrBytes : undefined;
  const bad = checkIdxOptions(options);
  if (bad) return E.left(loadError("bad-argument", `loadIdx: ${bad}`, path));
  const raw = idxBytes(pathOrBytes);
  if (E.isLeft(raw)) return raw;
  const bytes = raw.right;
  const parsed = parseIdxHeader(bytes, path);
  if (E.isLeft(parsed)) return parsed;
  const h = parsed.right;
  const shape = [...h.shape];
  if (options.limit !== undefined && shape.length > 0) shape[0] = Math.min(shape[0], options.limit);
  const dtype = options.dtype ?? h.dtype;
  const scale = options.scale ?? 1;
  if (scale !== 1 && dtype !== "f32" && dtype !== "f64") {
    return E.left(
      loadError("bad-argument", `loadIdx: scale ${scale} needs a float dtype, not ${dtype}`, path),
    );
  }
  const n = shape.reduce((a, b) => a * b, 1);
  const range = checkIdxValues(bytes, h, dtype, scale, n, path);
  if (range) return E.left(range);
  return E.right(allocFilled(shape, dtype, (v) => readIdxValues(bytes, h, v, scale)));
}

const TYPE_CODE: Record<IdxType, number> = {
  u8: 0x08,
  i8: 0x09,
  i16: 0x0b,
  i32: 0x0c,
  f32: 0x0d,
  f64: 0x0e,
};
const TYPE_BYTES: Record<IdxType, number> = { u8: 1, i8: 1, i16: 2, i32: 4, f32: 4, f64: 8 };

/**
 * Encodes values as IDX bytes (uncompressed), the inverse of `loadIdx`.
 * @example
 * ```ts
 * const bytes = encodeIdx([0, 255, 7, 9], [2, 2], "u8");
 * tg.data.loadIdx(bytes); // Right(Tensor<[2, 2], "i32">)
 * ```
 */
export function encodeIdx(
  data: ArrayLike<number>,
  shape: readonly number[],
  type: IdxType,
): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count)
    throw new Error(`encodeIdx: ${data.length} values for shape [${shape.join(", ")}]`);
  if (shape.length > 255) throw new Error("encodeIdx: rank above 255");
  const offset = 4 + 4 * shape.length;
  const out = new Uint8Array(offset + count * TYPE_BYTES[type]);
  const dv = new DataView(out.buffer);
  out[2] = TYPE_CODE[type];
  out[3] = shape.length;
  for (let i = 0; i < shape.length; i++) dv.setUint32(4 + 4 * i, shape[i], false);
  const w = TYPE_BYTES[type];
  for (let i = 0; i < count; i++) {
    const at = offset + i * w;
    const v = data[i];
    if (type === "u8") dv.setUint8(at, v);
    else if (type === "i8") dv.setInt8(at, v);
    else if (type === "i16") dv.setInt16(at, v, false);
    else if (type === "i32") dv.setInt32(at, v, false);
    else if (type === "f32") dv.setFloat32(at, v, false);
    else dv.setFloat64(at, v, false);
  }
  return out;
}

/**
 * Loads an IDX file (a path, or its bytes), gzipped or not, as a tensor. Errors, never exceptions:
 * `"bad-argument"` (input that is not a path or bytes, a bad option), `"missing-file"`,
 * `"bad-header"` (magic number, type code, trailing bytes, a gzip stream longer than its header
 * says), `"truncated"`, `"out-of-range"` (a value the dtype cannot hold: a fractional or too large
 * i32, a bool byte other than 0 or 1, with its byte offset).
 * @example
 * ```ts
 * import * as E from "fp-ts/lib/Either.js";
 * const y = tg.data.loadIdx("train-labels-idx1-ubyte");          // Either<LoadError, Tensor>
 * const x = tg.data.loadIdx("train-images-idx3-ubyte.gz", { dtype: "f32", scale: 1 / 255 });
 * if (E.isRight(x)) x.right.shape; // [60000, 28, 28]
 * ```
 */
export function loadIdx(
  pathOrBytes: string | Uint8Array,
  options: LoadIdxOptions = {},
): Either<LoadError, AnyTensor> {
  // the data is held on purpose: the memory warning for synchronous jobs does not count it
  return loadingData(() => loadIdxNow(pathOrBytes, options));
}
