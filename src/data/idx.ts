/**
 * The IDX format of MNIST and Fashion-MNIST: a magic number `00 00 <type> <rank>`, `rank` big-endian
 * uint32 sizes, then the values, big-endian, row-major. Files may be gzipped (`.gz`), as Debian's
 * `dataset-fashion-mnist` ships them; the gzip magic is detected, whatever the file name.
 * @module
 */
import * as E from "fp-ts/lib/Either.js";
import { type LoadError, loadError } from "../io/load-error.js";
import type { DType, TypedArray } from "../shape/dtype.js";
import type { AnyTensor } from "../tensor/tensor.js";
import { allocFilled } from "./host.js";
import { gunzip, isGzip, readBytes } from "./node.js";

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

/**
 * Parses and checks the header of (uncompressed) IDX bytes: magic number, type code, sizes, and
 * that the length is exactly header + data.
 * @example
 * ```ts
 * parseIdxHeader(bytes); // Right({ type: "u8", shape: [60000, 28, 28], offset: 16, … })
 * ```
 */
export function parseIdxHeader(bytes: Uint8Array, path?: string): E.Either<LoadError, IdxHeader> {
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
        `unknown IDX type code 0x${bytes[2].toString(16).padStart(2, "0")}`,
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
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const d = dv.getUint32(4 + 4 * i, false);
    shape.push(d);
    count *= d;
  }
  if (!Number.isSafeInteger(count * code.bytes) || count * code.bytes > 2 ** 32) {
    return E.left(
      loadError("bad-header", `sizes [${shape.join(", ")}] are implausibly large`, path),
    );
  }
  const expected = offset + count * code.bytes;
  if (bytes.length < expected) {
    return E.left(
      loadError(
        "truncated",
        `${bytes.length} bytes, but the header [${shape.join(", ")}] of ${code.type} needs ${expected}`,
        path,
      ),
    );
  }
  if (bytes.length > expected) {
    return E.left(
      loadError(
        "bad-header",
        `${bytes.length - expected} bytes after the data that the header [${shape.join(", ")}] announces`,
        path,
      ),
    );
  }
  return E.right({ type: code.type, shape, offset, bytes: code.bytes, dtype: code.dtype });
}

/**
 * Reads the values of IDX bytes into `out` (any typed array of the right length), as
 * `value * scale`.
 * @example
 * ```ts
 * readIdxValues(bytes, header, new Float32Array(n), 1 / 255);
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
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const get: (at: number) => number =
    h.type === "i8"
      ? (at) => dv.getInt8(at)
      : h.type === "i16"
        ? (at) => dv.getInt16(at, false)
        : h.type === "i32"
          ? (at) => dv.getInt32(at, false)
          : h.type === "f32"
            ? (at) => dv.getFloat32(at, false)
            : (at) => dv.getFloat64(at, false);
  for (let i = 0; i < n; i++) out[i] = get(o + i * h.bytes) * scale;
}

/** Options of `loadIdx`. */
export interface LoadIdxOptions {
  /** The dtype of the tensor; by default i32 for integer files, f32 or f64 for float files. */
  dtype?: DType;
  /** A factor applied to every value (`1 / 255` scales pixels to [0, 1]). Default 1. */
  scale?: number;
  /** Keep only the first `limit` entries along the first axis. */
  limit?: number;
}

/**
 * Bytes of a file or in memory, gunzipped when they start with the gzip magic.
 * @example
 * ```ts
 * idxBytes("t10k-labels-idx1-ubyte.gz"); // Right(Uint8Array)
 * ```
 */
export function idxBytes(pathOrBytes: string | Uint8Array): E.Either<LoadError, Uint8Array> {
  const path = typeof pathOrBytes === "string" ? pathOrBytes : undefined;
  const raw = typeof pathOrBytes === "string" ? readBytes(pathOrBytes) : E.right(pathOrBytes);
  return E.chain((b: Uint8Array) => (isGzip(b) ? gunzip(b, path) : E.right(b)))(raw);
}

/**
 * Loads an IDX file (a path, or its bytes), gzipped or not, as a tensor. Errors, never exceptions:
 * `"missing-file"`, `"bad-header"` (magic number, type code, trailing bytes), `"truncated"`.
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
): E.Either<LoadError, AnyTensor> {
  const path = typeof pathOrBytes === "string" ? pathOrBytes : undefined;
  return E.chain((bytes: Uint8Array) =>
    E.map((h: IdxHeader) => {
      const shape = [...h.shape];
      if (options.limit !== undefined && shape.length > 0)
        shape[0] = Math.max(0, Math.min(shape[0], Math.floor(options.limit)));
      const dtype = options.dtype ?? h.dtype;
      return allocFilled(shape, dtype, (v) => readIdxValues(bytes, h, v, options.scale ?? 1));
    })(parseIdxHeader(bytes, path)),
  )(idxBytes(pathOrBytes));
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
