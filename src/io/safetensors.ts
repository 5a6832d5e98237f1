/**
 * Weights in the safetensors format: an 8-byte little-endian header length, a JSON header mapping
 * each tensor name to `{ dtype, shape, data_offsets }` (plus an optional `__metadata__` of strings),
 * then the raw little-endian data. Trees of tensors are stored under dotted names (`layers.0.w`),
 * so files interoperate with PyTorch's and Hugging Face's.
 * @module
 */
import * as E from "fp-ts/lib/Either.js";
import type { Either } from "./either.js";
import { fromTyped } from "../data/host.js";
import { type DType, newStorage, type TypedArray } from "../shape/dtype.js";
import type { AnyTensor } from "../tensor/tensor.js";
import { type LoadError, loadError } from "./load-error.js";
import { flattenTree, mapTree } from "./tree.js";

/**
 * Safetensors dtypes this module reads. F32, F64, I32 and BOOL map to tensor dtypes; the others are
 * converted: F16 and BF16 to f32 (or f64) exactly, the integer types to i32 when every value fits.
 */
export type SafetensorsDType =
  | "F32"
  | "F64"
  | "I32"
  | "BOOL"
  | "F16"
  | "BF16"
  | "I64"
  | "I16"
  | "I8"
  | "U8"
  | "U16"
  | "U32"
  | "U64";

const NATIVE: Record<DType, SafetensorsDType> = {
  f32: "F32",
  f64: "F64",
  i32: "I32",
  bool: "BOOL",
};
const NATIVE_NAMES = new Set<SafetensorsDType>(["F32", "F64", "I32", "BOOL"]);
const SIZE: Record<SafetensorsDType, number> = {
  F32: 4,
  F64: 8,
  I32: 4,
  BOOL: 1,
  F16: 2,
  BF16: 2,
  I64: 8,
  I16: 2,
  I8: 1,
  U8: 1,
  U16: 2,
  U32: 4,
  U64: 8,
};
const TENSOR_DTYPE: Record<SafetensorsDType, DType> = {
  F32: "f32",
  F64: "f64",
  I32: "i32",
  BOOL: "bool",
  F16: "f32",
  BF16: "f32",
  I64: "i32",
  I16: "i32",
  I8: "i32",
  U8: "i32",
  U16: "i32",
  U32: "i32",
  U64: "i32",
};

/** The largest JSON header the reference implementation accepts: 100 MB. */
export const MAX_HEADER_BYTES = 100_000_000;

/** One entry of a safetensors header. */
export interface SafetensorsEntry {
  readonly dtype: SafetensorsDType;
  readonly shape: number[];
  readonly data_offsets: [number, number];
}

/**
 * Encodes a tree of tensors (nested records and arrays) as safetensors bytes. Names are the dotted
 * paths; leaves that are not tensors are skipped. `metadata` goes into `__metadata__`.
 * @example
 * ```ts
 * import * as fs from "node:fs";
 * const params = tg.nn.dense(3, 2).init(tg.random.key(0));
 * const bytes = tg.io.saveSafetensors(params);    // Uint8Array
 * fs.writeFileSync("model.safetensors", bytes);
 * ```
 */
export function saveSafetensors(params: unknown, metadata?: Record<string, string>): Uint8Array {
  const leaves = flattenTree(params);
  const header: Record<string, unknown> = Object.create(null);
  if (metadata !== undefined) {
    const bad = badMetadata(metadata);
    if (bad) throw new TypeError(`saveSafetensors: ${bad}`);
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const [name, t] of leaves) {
    if (Object.hasOwn(header, name) || name === "__metadata__") {
      throw new Error(
        name === "__metadata__"
          ? 'saveSafetensors: a tensor cannot be named "__metadata__" (the format reserves it)'
          : `saveSafetensors: two tensors are named "${name}"`,
      );
    }
    const dt = NATIVE[t.dtype as DType];
    const n = t.size * SIZE[dt];
    header[name] = { dtype: dt, shape: [...t.shape], data_offsets: [offset, offset + n] };
    offset += n;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const [, t] of leaves) {
    const data = t.dataSync();
    switch (t.dtype as DType) {
      case "f32":
        for (let i = 0; i < data.length; i++, at += 4) dv.setFloat32(at, data[i], true);
        break;
      case "f64":
        for (let i = 0; i < data.length; i++, at += 8) dv.setFloat64(at, data[i], true);
        break;
      case "i32":
        for (let i = 0; i < data.length; i++, at += 4) dv.setInt32(at, data[i], true);
        break;
      case "bool":
        for (let i = 0; i < data.length; i++, at += 1) out[at] = data[i] ? 1 : 0;
        break;
    }
  }
  return out;
}

/** A parsed safetensors file: its entries, metadata, and the data section. */
export interface SafetensorsFile {
  /** The tensors by name (an object without prototype: any name, even `__proto__`, is a key). */
  readonly entries: Readonly<Record<string, SafetensorsEntry>>;
  readonly metadata: Readonly<Record<string, string>>;
  /** The bytes after the header (offsets are relative to its start). */
  readonly data: Uint8Array;
  /** Where the data section starts in the file (8 + the header length). */
  readonly dataStart: number;
}

/** Why `m` is not a map of strings to strings, or null. */
function badMetadata(m: unknown): string | null {
  if (m === null || typeof m !== "object" || Array.isArray(m))
    return `__metadata__ must be an object of strings, not ${m === null ? "null" : Array.isArray(m) ? "an array" : typeof m}`;
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== "string")
      return `__metadata__ must map strings to strings, but "${k}" is ${v === null ? "null" : Array.isArray(v) ? "an array" : `a ${typeof v}`}`;
  }
  return null;
}

const isCount = (d: unknown): d is number => Number.isSafeInteger(d) && (d as number) >= 0;

/**
 * Parses and checks a safetensors file as the reference implementation does: the 8-byte header
 * length (at most 100 MB, within the file); a UTF-8 JSON object header starting with `{`; for each
 * tensor a known dtype, a shape of non-negative integers and `data_offsets` whose span is exactly
 * product(shape) × dtype size (computed without overflow); the spans sorted by offset must be
 * contiguous from 0, without overlap or gap, and end exactly at the end of the file (no trailing
 * bytes); `__metadata__`, if present, must map strings to strings. Tensor names may be anything,
 * `__proto__` and `toString` included. Offsets need no alignment: values are copied out through a
 * DataView, never read through a misaligned typed-array view.
 * @example
 * ```ts
 * const bytes = tg.io.saveSafetensors({ w: tg.zeros([2, 3]) });
 * parseSafetensors(bytes); // Right({ entries: { "w": { dtype: "F32", shape: [2, 3], … } }, … })
 * ```
 */
export function parseSafetensors(bytes: Uint8Array): Either<LoadError, SafetensorsFile> {
  if (!(bytes instanceof Uint8Array)) {
    const what = bytes === null ? "null" : typeof bytes;
    return E.left(loadError("bad-argument", `safetensors: the input is ${what}, not a Uint8Array`));
  }
  if (bytes.length < 8)
    return E.left(
      loadError("truncated", `${bytes.length} bytes: too short for the 8-byte header length`),
    );
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = dv.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) {
    return E.left(
      loadError(
        "bad-header",
        `the header length ${n64} exceeds the limit of 100 MB (${MAX_HEADER_BYTES} bytes)`,
      ),
    );
  }
  const n = Number(n64);
  if (n > bytes.length - 8) {
    return E.left(
      loadError(
        "truncated",
        `the header announces ${n} bytes of JSON but only ${bytes.length - 8} follow`,
      ),
    );
  }
  if (n === 0 || bytes[8] !== 0x7b) {
    return E.left(loadError("bad-header", "the header must be a JSON object starting with '{'"));
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (err) {
    return E.left(loadError("parse", `the header is not valid JSON: ${(err as Error).message}`));
  }
  const data = bytes.subarray(8 + n);
  const entries: Record<string, SafetensorsEntry> = Object.create(null);
  const metadata: Record<string, string> = Object.create(null);
  const spans: [string, number, number][] = [];
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      const bad = badMetadata(v);
      if (bad) return E.left(loadError("bad-header", bad));
      for (const [k, s] of Object.entries(v as Record<string, string>)) metadata[k] = s;
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    const bad = (why: string) =>
      E.left(loadError("bad-header", `tensor ${JSON.stringify(name)}: ${why}`));
    if (!e || typeof e !== "object" || Array.isArray(e)) return bad("the entry is not an object");
    if (typeof e.dtype !== "string" || !Object.hasOwn(SIZE, e.dtype)) {
      return E.left(
        loadError(
          "unsupported",
          `tensor ${JSON.stringify(name)}: dtype ${JSON.stringify(e.dtype)} is not supported (supported: ${Object.keys(SIZE).join(", ")})`,
        ),
      );
    }
    const dtype = e.dtype as SafetensorsDType;
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every(isCount))
      return bad(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    const big = shape.reduce((a: bigint, d: number) => a * BigInt(Math.max(d, 1)), 1n);
    if (big > BigInt(Number.MAX_SAFE_INTEGER))
      return bad(`shape [${shape.join(", ")}] has more than 2^53 elements`);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every(isCount) || off[1] < off[0])
      return bad(`data_offsets ${JSON.stringify(off)} is not [begin, end] with 0 <= begin <= end`);
    const need = shape.reduce((a: bigint, d: number) => a * BigInt(d), 1n) * BigInt(SIZE[dtype]);
    if (BigInt(off[1] - off[0]) !== need) {
      return bad(
        `data_offsets span ${off[1] - off[0]} bytes, but ${dtype} [${shape.join(", ")}] needs ${need}`,
      );
    }
    entries[name] = { dtype, shape: [...shape], data_offsets: [off[0], off[1]] };
    spans.push([name, off[0], off[1]]);
  }
  spans.sort((a, b) => a[1] - b[1] || a[2] - b[2]);
  let end = 0;
  let last = "";
  for (const [name, b, e] of spans) {
    const q = JSON.stringify(name);
    if (b < end) {
      return E.left(
        loadError(
          "bad-header",
          `tensor ${q} at bytes [${b}, ${e}) overlaps tensor ${JSON.stringify(last)}, which ends at ${end}`,
        ),
      );
    }
    if (b > end) {
      return E.left(
        loadError(
          "bad-header",
          `a gap of ${b - end} bytes before tensor ${q} (at byte ${b}; the data before ends at ${end})`,
        ),
      );
    }
    if (e > data.length) {
      return E.left(
        loadError(
          "truncated",
          `tensor ${q} ends at byte ${e} of the data, which has ${data.length}`,
        ),
      );
    }
    end = e;
    last = name;
  }
  if (end < data.length) {
    return E.left(
      loadError(
        "bad-header",
        `${data.length - end} bytes after the end of the last tensor's data (at byte ${end})`,
      ),
    );
  }
  return E.right({ entries, metadata, data, dataStart: 8 + n });
}

function f16(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** The value reader of each file dtype: element i of a DataView over the tensor's bytes. */
const GET: Record<SafetensorsDType, (dv: DataView, i: number) => number | bigint> = {
  F32: (dv, i) => dv.getFloat32(4 * i, true),
  F64: (dv, i) => dv.getFloat64(8 * i, true),
  I32: (dv, i) => dv.getInt32(4 * i, true),
  BOOL: (dv, i) => dv.getUint8(i),
  F16: (dv, i) => f16(dv.getUint16(2 * i, true)),
  BF16: (dv, i) => {
    const b = new DataView(new ArrayBuffer(4));
    b.setUint16(0, dv.getUint16(2 * i, true), false);
    return b.getFloat32(0, false);
  },
  I64: (dv, i) => dv.getBigInt64(8 * i, true),
  I16: (dv, i) => dv.getInt16(2 * i, true),
  I8: (dv, i) => dv.getInt8(i),
  U8: (dv, i) => dv.getUint8(i),
  U16: (dv, i) => dv.getUint16(2 * i, true),
  U32: (dv, i) => dv.getUint32(4 * i, true),
  U64: (dv, i) => dv.getBigUint64(8 * i, true),
};

/**
 * The values of one entry copied into a new typed array of `dtype`, or an `"out-of-range"` error
 * naming the tensor, the element and its byte in the file: a BOOL byte other than 0 or 1, or an
 * integer (I64, U32, U64) outside the i32 range. Nothing is wrapped or normalised silently.
 * @example
 * ```ts
 * const r = parseSafetensors(tg.io.saveSafetensors({ w: tg.zeros([2, 3]) }));
 * if (E.isRight(r)) {
 *   const file = r.right;
 *   decodeEntry(file, "w", file.entries["w"]); // Right(Float32Array)
 * }
 * ```
 */
export function decodeEntry(
  file: SafetensorsFile,
  name: string,
  e: SafetensorsEntry,
  dtype: DType = TENSOR_DTYPE[e.dtype],
): Either<LoadError, TypedArray> {
  const [begin, end] = e.data_offsets;
  const d = file.data;
  const dv = new DataView(d.buffer, d.byteOffset + begin, end - begin);
  const count = (end - begin) / SIZE[e.dtype];
  const out = newStorage(dtype, count);
  const get = GET[e.dtype];
  const check =
    e.dtype === "BOOL"
      ? (v: number | bigint) => v === 0 || v === 1
      : dtype === "i32" && (e.dtype === "I64" || e.dtype === "U64" || e.dtype === "U32")
        ? (v: number | bigint) => v >= -(2 ** 31) && v <= 2 ** 31 - 1
        : null;
  for (let i = 0; i < count; i++) {
    const v = get(dv, i);
    if (check && !check(v)) {
      const need = e.dtype === "BOOL" ? "is not 0 or 1" : "is outside the i32 range";
      const at = file.dataStart + begin + i * SIZE[e.dtype];
      return E.left(
        loadError(
          "out-of-range",
          `tensor ${JSON.stringify(name)}: ${e.dtype} value ${v} of element ${i} (byte ${at} of the file) ${need}`,
        ),
      );
    }
    out[i] = Number(v);
  }
  return E.right(out);
}

/**
 * A tensor from one entry of a parsed file (converted to `dtype` when given), or the error of
 * `decodeEntry`.
 * @example
 * ```ts
 * const r = parseSafetensors(tg.io.saveSafetensors({ w: tg.zeros([2, 3]) }));
 * if (E.isRight(r)) {
 *   const file = r.right;
 *   readEntry(file, "w", file.entries["w"]); // Right(Tensor)
 * }
 * ```
 */
export function readEntry(
  file: SafetensorsFile,
  name: string,
  e: SafetensorsEntry,
  dtype: DType = TENSOR_DTYPE[e.dtype],
): Either<LoadError, AnyTensor> {
  return E.map((v: TypedArray) => fromTyped(v, e.shape, dtype))(decodeEntry(file, name, e, dtype));
}

/**
 * Every tensor of a safetensors file, by name (no template needed), in an object without
 * prototype (so a tensor named `__proto__` is kept). Every tensor is decoded before any is
 * allocated: an error allocates nothing.
 * @example
 * ```ts
 * const bytes = tg.io.saveSafetensors({ layers: [{ w: tg.zeros([2, 3]), b: tg.zeros([3]) }] });
 * const r = tg.io.readSafetensors(bytes); // Right({ "layers.0.w": Tensor, … })
 * ```
 */
export function readSafetensors(bytes: Uint8Array): Either<LoadError, Record<string, AnyTensor>> {
  const parsed = parseSafetensors(bytes);
  if (E.isLeft(parsed)) return parsed;
  const file = parsed.right;
  const decoded: [string, SafetensorsEntry, TypedArray][] = [];
  for (const [k, e] of Object.entries(file.entries)) {
    const v = decodeEntry(file, k, e);
    if (E.isLeft(v)) return v;
    decoded.push([k, e, v.right]);
  }
  const out: Record<string, AnyTensor> = Object.create(null);
  for (const [k, e, v] of decoded) out[k] = fromTyped(v, e.shape, TENSOR_DTYPE[e.dtype]);
  return E.right(out);
}

/** Options of `loadSafetensors`. */
export interface LoadSafetensorsOptions {
  /** Reject tensors in the file that `like` has no place for. Default true. */
  strict?: boolean;
}

/**
 * Loads safetensors bytes into a tree of the structure, shapes and dtypes of `like` (such as
 * freshly initialised parameters). The file is checked as `parseSafetensors` says. Errors:
 * `"bad-argument"` (bytes that are not a Uint8Array, a template whose keys contain dots, bad
 * options), `"truncated"`, `"parse"` (bad JSON), `"bad-header"`, `"unsupported"` (a dtype),
 * `"missing-key"` (a tensor of `like` absent from the file), `"unexpected-key"` (with `strict`),
 * `"shape-mismatch"` (a shape or dtype differs), `"out-of-range"` (a value that does not fit).
 * F16 and BF16 entries are converted exactly to a float template; I64, I16, I8, U8, U16, U32 and
 * U64 entries to an i32 template when every value is in the i32 range. Template keys may be any
 * string (`toString`, `constructor`…). Every tensor is decoded before any is allocated.
 * @example
 * ```ts
 * const model = tg.nn.sequential([4], tg.nn.dense(2));
 * let params = model.init(tg.random.key(0));
 * const bytes = tg.io.saveSafetensors(params);
 * const r = tg.io.loadSafetensors(bytes, model.init(tg.random.key(0)));
 * if (E.isRight(r)) params = r.right; // the same type as params
 * ```
 */
export function loadSafetensors<T>(
  bytes: Uint8Array,
  like: T,
  options: LoadSafetensorsOptions = {},
): Either<LoadError, T> {
  if (
    options === null ||
    typeof options !== "object" ||
    !["undefined", "boolean"].includes(typeof options.strict)
  ) {
    return E.left(
      loadError("bad-argument", "loadSafetensors: options must be { strict?: boolean }"),
    );
  }
  const parsed = parseSafetensors(bytes);
  if (E.isLeft(parsed)) return parsed;
  const file = parsed.right;
  let expected: [string, AnyTensor][];
  try {
    expected = flattenTree(like);
  } catch (err) {
    return E.left(loadError("bad-argument", `loadSafetensors: ${(err as Error).message}`));
  }
  const names = new Set(expected.map(([k]) => k));
  const decoded = new Map<string, TypedArray>();
  for (const [k, t] of expected) {
    const q = JSON.stringify(k);
    if (!Object.hasOwn(file.entries, k))
      return E.left(loadError("missing-key", `no tensor ${q} (${t.describe()}) in the file`));
    const e = file.entries[k];
    const shapeOk = e.shape.length === t.shape.length && e.shape.every((d, i) => d === t.shape[i]);
    if (!shapeOk) {
      return E.left(
        loadError(
          "shape-mismatch",
          `tensor ${q} is [${e.shape.join(", ")}] in the file but [${t.shape.join(", ")}] in the template`,
        ),
      );
    }
    const native = NATIVE[t.dtype as DType];
    const convertible = !NATIVE_NAMES.has(e.dtype) && sameKind(TENSOR_DTYPE[e.dtype], t.dtype);
    if (e.dtype !== native && !convertible) {
      return E.left(
        loadError(
          "shape-mismatch",
          `tensor ${q} is ${e.dtype} in the file but ${t.dtype} in the template`,
        ),
      );
    }
  }
  if (options.strict ?? true) {
    const extra = Object.keys(file.entries).filter((k) => !names.has(k));
    if (extra.length) {
      const list = extra
        .slice(0, 5)
        .map((k) => JSON.stringify(k))
        .join(", ");
      return E.left(
        loadError(
          "unexpected-key",
          `the file has tensors the template lacks: ${list}${extra.length > 5 ? ", …" : ""}`,
        ),
      );
    }
  }
  for (const [k, t] of expected) {
    const v = decodeEntry(file, k, file.entries[k], t.dtype);
    if (E.isLeft(v)) return v;
    decoded.set(k, v.right);
  }
  return E.right(
    mapTree(like, (path, t) => fromTyped(decoded.get(path)!, file.entries[path].shape, t.dtype)),
  );
}

function sameKind(a: DType, b: DType): boolean {
  const f = (d: DType) => d === "f32" || d === "f64";
  return f(a) === f(b) && a !== "bool" && b !== "bool";
}
