/**
 * Fuzzing `loadIdx`: valid IDX files (raw or gzipped) of every element type, with random options,
 * then mutated (truncated, a byte overwritten, a size in the header changed, junk inserted or
 * appended, before or after compression). Each case must be a `Left` of the kind that a small
 * reference decoder written here predicts, or a tensor equal to the reference decoder's values.
 */
import * as E from "fp-ts/lib/Either.js";
import fc from "fast-check";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { loadIdx } from "../../src/data/idx.js";
import type { AnyTensor } from "../../src/tensor/tensor.js";
import { ieee, signed, ubig, uint } from "./bits.js";
import {
  expectKind,
  expectOnArena,
  expectSameValues,
  fuzz,
  type Mutation,
  mutate,
  mutation,
  type Outcome,
  runs,
  Tally,
} from "./harness.js";

/** The IDX element types by code: name, width, and how the reference reads one value. */
const TYPES: Record<number, { name: string; width: number; int: boolean }> = {
  8: { name: "u8", width: 1, int: true },
  9: { name: "i8", width: 1, int: true },
  11: { name: "i16", width: 2, int: true },
  12: { name: "i32", width: 4, int: true },
  13: { name: "f32", width: 4, int: false },
  14: { name: "f64", width: 8, int: false },
};

function valueAt(b: Uint8Array, at: number, code: number): number {
  switch (code) {
    case 0x08:
      return b[at];
    case 0x09:
      return signed(b[at], 8);
    case 0x0b:
      return signed(uint(b, at, 2, true), 16);
    case 0x0c:
      return signed(uint(b, at, 4, true), 32);
    case 0x0d:
      return ieee(ubig(b, at, 4, true), 8, 23);
    default:
      return ieee(ubig(b, at, 8, true), 11, 52);
  }
}

interface Opts {
  dtype?: unknown;
  scale?: unknown;
  limit?: unknown;
}

type Expected = { kind: string } | { shape: number[]; dtype: string; values: number[] };

const DTYPES = ["f32", "i32", "bool", "f64"];

/** What loading `b` (uncompressed) with `o` must give, by the documented rules, checked in order. */
function reference(b: Uint8Array, o: Opts): Expected {
  const explicit = o.dtype as string | undefined;
  const scale = (o.scale ?? 1) as number;
  const isFloat = (d: string) => d === "f32" || d === "f64";
  if (b.length < 4) return { kind: "truncated" };
  if (b[0] !== 0 || b[1] !== 0 || !TYPES[b[2]]) return { kind: "bad-header" };
  const t = TYPES[b[2]];
  const rank = b[3];
  if (b.length < 4 + 4 * rank) return { kind: "truncated" };
  const shape = Array.from({ length: rank }, (_, i) => uint(b, 4 + 4 * i, 4, true));
  const big = shape.reduce((a, d) => a * BigInt(d), 1n) * BigInt(t.width);
  if (big > 2n ** 32n) return { kind: "bad-header" };
  const size = 4 + 4 * rank + Number(big);
  if (b.length < size) return { kind: "truncated" };
  if (b.length > size) return { kind: "bad-header" };
  const dtype = explicit ?? (t.int ? "i32" : t.name);
  if (scale !== 1 && !isFloat(dtype)) return { kind: "bad-argument" };
  const kept = [...shape];
  if (o.limit !== undefined && kept.length > 0) kept[0] = Math.min(kept[0], o.limit as number);
  const n = kept.reduce((a, d) => a * d, 1);
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = valueAt(b, 4 + 4 * rank + i * t.width, b[2]);
    if (dtype === "bool") {
      if (v !== 0 && v !== 1) return { kind: "out-of-range" };
      values.push(v + 0); // a bool has no -0
    } else if (dtype === "i32") {
      if (!Number.isInteger(v) || v < -(2 ** 31) || v > 2 ** 31 - 1)
        return { kind: "out-of-range" };
      values.push(v + 0); // an i32 has no -0
    } else {
      const w = dtype === "f32" ? Math.fround(v * scale) : v * scale;
      if (Number.isFinite(v) && !Number.isFinite(w)) return { kind: "out-of-range" };
      values.push(w);
    }
  }
  return { shape: kept, dtype, values };
}

/** Why options are bad, by the documented rules, or null. */
function badOptions(o: Opts): boolean {
  if (o.dtype !== undefined && !DTYPES.includes(o.dtype as string)) return true;
  if (o.scale !== undefined) {
    if (typeof o.scale !== "number" || !Number.isFinite(o.scale)) return true;
    if (o.scale !== 1 && o.dtype !== undefined && o.dtype !== "f32" && o.dtype !== "f64")
      return true;
  }
  if (o.limit !== undefined) {
    const l = o.limit;
    if (typeof l !== "number" || !Number.isSafeInteger(l) || l < 0) return true;
  }
  return false;
}

/** Big-endian bytes of `v` as IDX type `code`, written by arithmetic (floats through bits). */
function encodeValue(v: number, code: number, out: number[]): void {
  const w = TYPES[code].width;
  if (code === 0x0d || code === 0x0e) {
    const buf = code === 0x0d ? new Float32Array([v]) : new Float64Array([v]);
    const bytes = new Uint8Array(buf.buffer);
    for (let k = w - 1; k >= 0; k--) out.push(bytes[k]); // the host is little-endian
    return;
  }
  let u = v < 0 ? v + 2 ** (8 * w) : v;
  const bytes: number[] = [];
  for (let k = 0; k < w; k++) {
    bytes.unshift(u % 256);
    u = Math.floor(u / 256);
  }
  out.push(...bytes);
}

/** A valid IDX file: its type, a small shape, and data either random bytes or chosen values. */
const validIdx = fc
  .record({
    code: fc.constantFrom(0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e),
    shape: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }),
    raw: fc.boolean(),
  })
  .chain(({ code, shape, raw }) => {
    const n = shape.reduce((a, d) => a * d, 1);
    const w = TYPES[code].width;
    const header = [0, 0, code, shape.length];
    for (const d of shape) encodeValue(d, 0x0c, header);
    if (raw) {
      return fc
        .uint8Array({ minLength: n * w, maxLength: n * w })
        .map((d) => new Uint8Array([...header, ...d]));
    }
    // Values that every dtype can hold often (0 and 1), and some that it cannot.
    const ranges: Record<number, [number, number]> = {
      8: [0, 255],
      9: [-128, 127],
      11: [-32768, 32767],
      12: [-(2 ** 31), 2 ** 31 - 1],
    };
    const [lo, hi] = ranges[code] ?? [-1e40, 1e40];
    const value = fc.oneof(
      { arbitrary: fc.constantFrom(0, 1), weight: 6 },
      { arbitrary: fc.integer({ min: Math.max(lo, -1000), max: Math.min(hi, 1000) }), weight: 2 },
      {
        arbitrary: TYPES[code].int
          ? fc.integer({ min: lo, max: hi })
          : fc.oneof(
              fc.double({ min: lo, max: hi }),
              fc.constantFrom(Number.NaN, Infinity, 3e9, 1e300, 0.5),
            ),
        weight: 1,
      },
    );
    return fc.array(value, { minLength: n, maxLength: n }).map((vals) => {
      const out = [...header];
      for (const v of vals) encodeValue(v, code, out);
      return new Uint8Array(out);
    });
  });

const options: fc.Arbitrary<Opts> = fc.record(
  {
    dtype: fc.oneof(
      { arbitrary: fc.constantFrom("f32", "i32", "bool", "f64"), weight: 16 },
      { arbitrary: fc.constantFrom("int8", "F32", 3, null), weight: 1 },
    ),
    scale: fc.oneof(
      { arbitrary: fc.constant(1), weight: 12 },
      { arbitrary: fc.constantFrom(0.5, 1 / 255, -2, 1e300), weight: 3 },
      { arbitrary: fc.constantFrom(Number.NaN, Infinity, "1"), weight: 1 },
    ),
    limit: fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 6 }), weight: 16 },
      { arbitrary: fc.constantFrom(-1, 1.5, "2"), weight: 1 },
    ),
  },
  { requiredKeys: [] },
);

/** A size in the header (or the rank or type code) changed: header numbers are mutated often. */
const headerChange = fc.record({
  at: fc.integer({ min: 2, max: 11 }),
  value: fc.constantFrom(0, 1, 2, 3, 0x0d, 0xff),
});

interface Case {
  file: Uint8Array;
  opts: Opts;
  gzip: "none" | "before" | "after";
  m: Mutation;
  header: { at: number; value: number } | null;
}

const cases: fc.Arbitrary<Case> = fc.record({
  file: validIdx,
  opts: options,
  gzip: fc.constantFrom("none", "none", "before", "after"),
  m: mutation,
  header: fc.oneof(
    { arbitrary: fc.constant(null), weight: 7 },
    { arbitrary: headerChange, weight: 1 },
  ),
});

function run(c: Case): Outcome {
  let raw = c.file;
  if (c.header) raw = mutate(raw, { op: "set", ...c.header });
  let input: Uint8Array;
  if (c.gzip === "none") input = mutate(raw, c.m);
  else if (c.gzip === "before") input = gzipSync(mutate(raw, c.m));
  else input = mutate(gzipSync(raw), c.m);
  const r = loadIdx(input, c.opts as never);
  if (badOptions(c.opts)) {
    if (E.isRight(r)) throw new Error(`bad options ${JSON.stringify(c.opts)} were accepted`);
    return expectKind(r.left, ["bad-argument"], "bad options");
  }
  let plain: Uint8Array | null = input;
  if (input.length >= 2 && input[0] === 0x1f && input[1] === 0x8b) {
    try {
      plain = gunzipSync(input);
    } catch {
      plain = null;
    }
  }
  if (plain === null) {
    if (E.isRight(r)) throw new Error("a damaged gzip stream was accepted");
    return expectKind(r.left, ["truncated", "parse", "bad-header"], "a damaged gzip stream");
  }
  const want = reference(plain, c.opts);
  if ("kind" in want) {
    if (E.isRight(r)) throw new Error(`expected a ${want.kind} error, got ${r.right.describe()}`);
    return expectKind(r.left, [want.kind], `bytes [${[...plain.subarray(0, 16)]}]`);
  }
  if (E.isLeft(r)) throw new Error(`expected a tensor, got ${r.left.kind}: ${r.left.message}`);
  const t: AnyTensor = r.right;
  try {
    expect(t.shape).toEqual(want.shape);
    expect(t.dtype).toBe(want.dtype);
    expectOnArena(t);
    expectSameValues(t.dataSync(), want.values);
  } finally {
    t.dispose();
  }
  return "value";
}

describe("fuzz: loadIdx", () => {
  it("gives a typed error or the reference decoder's values for generated and mutated files", () => {
    const tally = new Tally();
    fuzz("loadIdx", cases, runs(3000), tally, run);
    tally.expectBoth("loadIdx", 0.2);
    expect(tally.counts.get("error:out-of-range")).toBeGreaterThan(0);
    expect(tally.counts.get("error:truncated")).toBeGreaterThan(0);
    expect(tally.counts.get("error:bad-header")).toBeGreaterThan(0);
  });

  it("rejects inputs that are not bytes", () => {
    const tally = new Tally();
    const junk = fc.oneof(
      fc.constantFrom(null, undefined, 0, true, {}, [0, 0, 8, 0]),
      fc.string().map((s) => `/nonexistent/${s}`),
    );
    fuzz("loadIdx(non-bytes)", junk, runs(100), tally, (x) => {
      const r = loadIdx(x as never);
      if (E.isRight(r)) throw new Error(`${String(x)} was accepted`);
      return expectKind(r.left, ["bad-argument", "missing-file"], String(x));
    });
    expect(tally.total).toBe(runs(100));
  });
});
