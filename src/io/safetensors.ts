/**
 * Weights in the safetensors format: an 8-byte little-endian header length, a JSON header mapping
 * each tensor name to `{ dtype, shape, data_offsets }` (plus an optional `__metadata__` of strings),
 * then the raw little-endian data. Trees of tensors are stored under dotted names (`layers.0.w`),
 * so files interoperate with PyTorch's and Hugging Face's.
 * @module
 */
import * as E from "fp-ts/lib/Either.js";
import { allocFilled } from "../data/host.js";
import type { DType } from "../shape/dtype.js";
import type { AnyTensor } from "../tensor/tensor.js";
import { type LoadError, loadError } from "./load-error.js";
import { flattenTree, mapTree } from "./tree.js";

/** Safetensors dtypes this module reads. F32, F64, I32 and BOOL map to tensor dtypes; the others are converted. */
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
  | "U8";

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
};

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
 * const bytes = tg.io.saveSafetensors(params);    // Uint8Array
 * fs.writeFileSync("model.safetensors", bytes);
 * ```
 */
export function saveSafetensors(params: unknown, metadata?: Record<string, string>): Uint8Array {
  const leaves = flattenTree(params);
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of leaves) {
    if (name in header) throw new Error(`saveSafetensors: two tensors are named "${name}"`);
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
  readonly entries: Readonly<Record<string, SafetensorsEntry>>;
  readonly metadata: Readonly<Record<string, string>>;
  /** The bytes after the header (offsets are relative to its start). */
  readonly data: Uint8Array;
}

/**
 * Parses and checks a safetensors header: the length prefix, the JSON, each entry's dtype, shape
 * and offsets (inside the data, and the size its shape and dtype need).
 * @example
 * ```ts
 * parseSafetensors(bytes); // Right({ entries: { "w": { dtype: "F32", shape: [2, 3], … } }, … })
 * ```
 */
export function parseSafetensors(bytes: Uint8Array): E.Either<LoadError, SafetensorsFile> {
  if (bytes.length < 8)
    return E.left(
      loadError("truncated", `${bytes.length} bytes: too short for the 8-byte header length`),
    );
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (n > bytes.length - 8) {
    return E.left(
      loadError(
        "truncated",
        `the header announces ${n} bytes of JSON but only ${bytes.length - 8} follow`,
      ),
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (err) {
    return E.left(loadError("parse", `the header is not valid JSON: ${(err as Error).message}`));
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    return E.left(loadError("bad-header", "the header is not a JSON object"));
  }
  const data = bytes.subarray(8 + n);
  const entries: Record<string, SafetensorsEntry> = {};
  let metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      metadata = (v ?? {}) as Record<string, string>;
      continue;
    }
    const e = v as Partial<SafetensorsEntry> | null;
    const bad = (why: string) => E.left(loadError("bad-header", `tensor "${name}": ${why}`));
    if (!e || typeof e !== "object") return bad("the entry is not an object");
    if (typeof e.dtype !== "string" || !(e.dtype in SIZE)) {
      return E.left(
        loadError(
          "unsupported",
          `tensor "${name}": dtype ${JSON.stringify(e.dtype)} is not supported`,
        ),
      );
    }
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      return bad("bad shape");
    const off = e.data_offsets;
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !off.every((d) => Number.isSafeInteger(d) && d >= 0) ||
      off[1] < off[0]
    ) {
      return bad("bad data_offsets");
    }
    const need = e.shape.reduce((a, b) => a * b, 1) * SIZE[e.dtype];
    if (off[1] - off[0] !== need) {
      return bad(
        `data_offsets span ${off[1] - off[0]} bytes, but ${e.dtype} [${e.shape.join(", ")}] needs ${need}`,
      );
    }
    if (off[1] > data.length) {
      return E.left(
        loadError(
          "truncated",
          `tensor "${name}" ends at byte ${off[1]} of the data, which has ${data.length}`,
        ),
      );
    }
    entries[name] = { dtype: e.dtype, shape: e.shape, data_offsets: [off[0], off[1]] };
  }
  return E.right({ entries, metadata, data });
}

function f16(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * A tensor from one entry of a parsed file (converted to `dtype` when given).
 * @example
 * ```ts
 * readEntry(file, file.entries["w"]); // Tensor
 * ```
 */
export function readEntry(
  file: SafetensorsFile,
  e: SafetensorsEntry,
  dtype: DType = TENSOR_DTYPE[e.dtype],
): AnyTensor {
  const d = file.data;
  const dv = new DataView(
    d.buffer,
    d.byteOffset + e.data_offsets[0],
    e.data_offsets[1] - e.data_offsets[0],
  );
  const count = e.shape.reduce((a, b) => a * b, 1);
  const get: (i: number) => number = {
    F32: (i: number) => dv.getFloat32(4 * i, true),
    F64: (i: number) => dv.getFloat64(8 * i, true),
    I32: (i: number) => dv.getInt32(4 * i, true),
    BOOL: (i: number) => (dv.getUint8(i) ? 1 : 0),
    F16: (i: number) => f16(dv.getUint16(2 * i, true)),
    BF16: (i: number) => {
      const b = new DataView(new ArrayBuffer(4));
      b.setUint16(0, dv.getUint16(2 * i, true), false);
      return b.getFloat32(0, false);
    },
    I64: (i: number) => Number(dv.getBigInt64(8 * i, true)),
    I16: (i: number) => dv.getInt16(2 * i, true),
    I8: (i: number) => dv.getInt8(i),
    U8: (i: number) => dv.getUint8(i),
  }[e.dtype];
  return allocFilled(e.shape, dtype, (v) => {
    for (let i = 0; i < count; i++) v[i] = get(i);
  });
}

/**
 * Every tensor of a safetensors file, by name (no template needed).
 * @example
 * ```ts
 * const r = tg.io.readSafetensors(bytes); // Right({ "layers.0.w": Tensor, … })
 * ```
 */
export function readSafetensors(bytes: Uint8Array): E.Either<LoadError, Record<string, AnyTensor>> {
  return E.map((f: SafetensorsFile) => {
    const out: Record<string, AnyTensor> = {};
    for (const [k, e] of Object.entries(f.entries)) out[k] = readEntry(f, e);
    return out;
  })(parseSafetensors(bytes));
}

/** Options of `loadSafetensors`. */
export interface LoadSafetensorsOptions {
  /** Reject tensors in the file that `like` has no place for. Default true. */
  strict?: boolean;
}

/**
 * Loads safetensors bytes into a tree of the structure, shapes and dtypes of `like` (such as
 * freshly initialised parameters). Errors: `"truncated"`, `"parse"` (bad JSON), `"bad-header"`,
 * `"missing-key"` (a tensor of `like` absent from the file), `"unexpected-key"` (with `strict`),
 * `"shape-mismatch"` (a shape or dtype differs). F16, BF16, I64, I16, I8 and U8 entries are
 * converted to the dtype of `like` when it is of the same kind (float or integer).
 * @example
 * ```ts
 * const r = tg.io.loadSafetensors(bytes, model.init(tg.random.key(0)));
 * if (E.isRight(r)) params = r.right; // the same type as params
 * ```
 */
export function loadSafetensors<T>(
  bytes: Uint8Array,
  like: T,
  options: LoadSafetensorsOptions = {},
): E.Either<LoadError, T> {
  const parsed = parseSafetensors(bytes);
  if (E.isLeft(parsed)) return parsed;
  const file = parsed.right;
  const expected = flattenTree(like);
  const names = new Set(expected.map(([k]) => k));
  for (const [k, t] of expected) {
    const e = file.entries[k];
    if (!e)
      return E.left(loadError("missing-key", `no tensor "${k}" (${t.describe()}) in the file`));
    const shapeOk = e.shape.length === t.shape.length && e.shape.every((d, i) => d === t.shape[i]);
    if (!shapeOk) {
      return E.left(
        loadError(
          "shape-mismatch",
          `tensor "${k}" is [${e.shape.join(", ")}] in the file but [${t.shape.join(", ")}] in the template`,
        ),
      );
    }
    const native = NATIVE[t.dtype as DType];
    const convertible = !NATIVE_NAMES.has(e.dtype) && sameKind(TENSOR_DTYPE[e.dtype], t.dtype);
    if (e.dtype !== native && !convertible) {
      return E.left(
        loadError(
          "shape-mismatch",
          `tensor "${k}" is ${e.dtype} in the file but ${t.dtype} in the template`,
        ),
      );
    }
  }
  if (options.strict ?? true) {
    const extra = Object.keys(file.entries).filter((k) => !names.has(k));
    if (extra.length) {
      const list = extra
        .slice(0, 5)
        .map((k) => `"${k}"`)
        .join(", ");
      return E.left(
        loadError(
          "unexpected-key",
          `the file has tensors the template lacks: ${list}${extra.length > 5 ? ", …" : ""}`,
        ),
      );
    }
  }
  return E.right(mapTree(like, (path, t) => readEntry(file, file.entries[path], t.dtype)));
}

function sameKind(a: DType, b: DType): boolean {
  const f = (d: DType) => d === "f32" || d === "f64";
  return f(a) === f(b) && a !== "bool" && b !== "bool";
}
