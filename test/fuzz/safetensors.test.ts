/**
 * Fuzzing the safetensors reader: valid files of every dtype (tensor names such as `__proto__`
 * and `toString`, data in any order, metadata), damaged in the header's numbers (an offset, a
 * size, a dtype, the length prefix) or in their bytes (truncated, overwritten, junk inserted or
 * appended). Each case must be the `Left` that a reference checker written here predicts, or the
 * tensors the reference decoder reads, through `readSafetensors` and `loadSafetensors`.
 */
import * as E from "fp-ts/lib/Either.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadSafetensors, readSafetensors } from "../../src/io/safetensors.js";
import { constant } from "../../src/prims/constants.js";
import type { DType } from "../../src/shape/dtype.js";
import type { AnyTensor } from "../../src/tensor/tensor.js";
import { ieee, signed, signedBig, ubig, uint } from "./bits.js";
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

/** Each dtype: bytes per value, the tensor dtype it loads as, and its reader (little-endian). */
const DT: Record<
  string,
  { w: number; to: DType; read: (b: Uint8Array, at: number) => number | bigint }
> = {
  F32: { w: 4, to: "f32", read: (b, at) => ieee(ubig(b, at, 4, false), 8, 23) },
  F64: { w: 8, to: "f64", read: (b, at) => ieee(ubig(b, at, 8, false), 11, 52) },
  F16: { w: 2, to: "f32", read: (b, at) => ieee(ubig(b, at, 2, false), 5, 10) },
  BF16: { w: 2, to: "f32", read: (b, at) => ieee(ubig(b, at, 2, false), 8, 7) },
  I32: { w: 4, to: "i32", read: (b, at) => signed(uint(b, at, 4, false), 32) },
  I16: { w: 2, to: "i32", read: (b, at) => signed(uint(b, at, 2, false), 16) },
  I8: { w: 1, to: "i32", read: (b, at) => signed(b[at], 8) },
  U8: { w: 1, to: "i32", read: (b, at) => b[at] },
  U16: { w: 2, to: "i32", read: (b, at) => uint(b, at, 2, false) },
  U32: { w: 4, to: "i32", read: (b, at) => uint(b, at, 4, false) },
  I64: { w: 8, to: "i32", read: (b, at) => signedBig(ubig(b, at, 8, false), 64) },
  U64: { w: 8, to: "i32", read: (b, at) => ubig(b, at, 8, false) },
  BOOL: { w: 1, to: "bool", read: (b, at) => b[at] },
};

type Failure = { kinds: string[] };
type Decoded = { name: string; dtype: DType; shape: number[]; values: number[] }[];

const isCount = (d: unknown): d is number => Number.isSafeInteger(d) && (d as number) >= 0;
const plainObject = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * What reading `b` must give, by the reference implementation's rules. The layout is checked
 * byte by byte (how many tensors own each byte), unlike the loader's sorted sweep; where the two
 * orders could name a different first problem, both kinds are allowed.
 */
function reference(b: Uint8Array): Decoded | Failure {
  if (b.length < 8) return { kinds: ["truncated"] };
  const n = ubig(b, 0, 8, false);
  if (n > 100_000_000n) return { kinds: ["bad-header"] };
  if (n > BigInt(b.length - 8)) return { kinds: ["truncated"] };
  const hn = Number(n);
  if (hn === 0 || b[8] !== "{".charCodeAt(0)) return { kinds: ["bad-header"] };
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(b.subarray(8, 8 + hn)));
  } catch {
    return { kinds: ["parse"] };
  }
  const data = b.subarray(8 + hn);
  const entries: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] =
    [];
  for (const [name, v] of Object.entries(header)) {
    if (name === "__metadata__") {
      if (!plainObject(v) || !Object.values(v as object).every((s) => typeof s === "string"))
        return { kinds: ["bad-header"] };
      continue;
    }
    if (!plainObject(v)) return { kinds: ["bad-header"] };
    const e = v as { dtype: unknown; shape: unknown; data_offsets: unknown };
    if (typeof e.dtype !== "string" || !Object.hasOwn(DT, e.dtype))
      return { kinds: ["unsupported"] };
    if (!Array.isArray(e.shape) || !e.shape.every(isCount)) return { kinds: ["bad-header"] };
    const shape = e.shape as number[];
    if (shape.reduce((a, d) => a * BigInt(d || 1), 1n) > BigInt(Number.MAX_SAFE_INTEGER))
      return { kinds: ["bad-header"] };
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every(isCount) || off[0] > off[1])
      return { kinds: ["bad-header"] };
    const bytes = shape.reduce((a, d) => a * BigInt(d), 1n) * BigInt(DT[e.dtype].w);
    if (BigInt(off[1] - off[0]) !== bytes) return { kinds: ["bad-header"] };
    entries.push({ name, dtype: e.dtype, shape, begin: off[0], end: off[1] });
  }
  // layout: every data byte owned by exactly one tensor; empty tensors at a boundary
  if (entries.some((e) => e.end > data.length)) return { kinds: ["truncated", "bad-header"] };
  const owners = new Uint8Array(data.length);
  for (const e of entries) for (let i = e.begin; i < e.end; i++) owners[i]++;
  if (owners.some((c) => c !== 1)) return { kinds: ["bad-header"] };
  const bounds = new Set([0, ...entries.filter((e) => e.end > e.begin).map((e) => e.end)]);
  if (entries.some((e) => e.end === e.begin && !bounds.has(e.begin)))
    return { kinds: ["bad-header"] };
  const out: Decoded = [];
  for (const e of entries) {
    const t = DT[e.dtype];
    const values: number[] = [];
    for (let at = e.begin; at < e.end; at += t.w) {
      const v = t.read(data, at);
      if (t.to === "bool" && v !== 0 && v !== 1) return { kinds: ["out-of-range"] };
      if (t.to === "i32" && (v < -(2 ** 31) || v > 2 ** 31 - 1)) return { kinds: ["out-of-range"] };
      values.push(t.to === "f32" || t.to === "f64" ? (v as number) : Number(v));
    }
    out.push({ name: e.name, dtype: t.to, shape: e.shape, values });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// generated files

const NAMES = [
  "w",
  "b",
  "__proto__",
  "toString",
  "constructor",
  "layers.0.w",
  "0",
  "1",
  "ü",
  "a b",
];
const DTYPES = Object.keys(DT);

/** Little-endian bytes of a small integer `v` in `w` bytes. */
function le(v: number, w: number): number[] {
  let u = BigInt(v) & ((1n << BigInt(8 * w)) - 1n);
  return Array.from({ length: w }, () => {
    const byte = Number(u & 255n);
    u >>= 8n;
    return byte;
  });
}

const tensorSpec = fc
  .record({
    dtype: fc.constantFrom(...DTYPES),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    nice: fc.oneof(
      { arbitrary: fc.constant(true), weight: 4 },
      { arbitrary: fc.constant(false), weight: 1 },
    ),
  })
  .chain(({ dtype, shape, nice }) => {
    const n = shape.reduce((a, d) => a * d, 1);
    const w = DT[dtype].w;
    const data =
      nice && !dtype.startsWith("F") && dtype !== "BF16"
        ? fc
            .array(
              dtype === "BOOL" || dtype.startsWith("U")
                ? fc.integer({ min: 0, max: 5 })
                : fc.integer({ min: -5, max: 5 }),
              {
                minLength: n,
                maxLength: n,
              },
            )
            .map((vs) => vs.flatMap((v) => le(dtype === "BOOL" ? Math.min(v, 1) : v, w)))
        : fc.array(fc.integer({ min: 0, max: 255 }), { minLength: n * w, maxLength: n * w });
    return data.map((bytes) => ({ dtype, shape, bytes }));
  });

/** A change to one number of the header: an offset, a size, a dtype, or the length prefix. */
type HeaderChange =
  | { op: "none" }
  | { op: "offset"; entry: number; which: 0 | 1; delta: number }
  | { op: "shift"; entry: number; delta: number }
  | { op: "alias"; entry: number }
  | { op: "shape"; entry: number; value: number }
  | { op: "dtype"; entry: number; dtype: string }
  | { op: "length"; delta: number }
  | { op: "metadata"; value: unknown };

const headerChange: fc.Arbitrary<HeaderChange> = fc.oneof(
  { arbitrary: fc.constant({ op: "none" as const }), weight: 10 },
  {
    arbitrary: fc.record({
      op: fc.constant("offset" as const),
      entry: fc.nat(),
      which: fc.constantFrom(0 as const, 1 as const),
      delta: fc.integer({ min: -8, max: 8 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("shift" as const),
      entry: fc.nat(),
      delta: fc.constantFrom(-8, -4, -2, -1, 1, 2, 4, 8),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ op: fc.constant("alias" as const), entry: fc.nat() }), weight: 1 },
  {
    arbitrary: fc.record({
      op: fc.constant("shape" as const),
      entry: fc.nat(),
      value: fc.constantFrom(-1, 0, 3, 2 ** 53, 1.5),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("dtype" as const),
      entry: fc.nat(),
      dtype: fc.constantFrom(...DTYPES, "C64", "F8_E4M3", "f32"),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("length" as const),
      delta: fc.integer({ min: -3, max: 3 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("metadata" as const),
      value: fc.constantFrom(null, "x", [1], { k: 2 }),
    }),
    weight: 1,
  },
);

interface Case {
  names: string[];
  specs: { dtype: string; shape: number[]; bytes: number[] }[];
  order: number[];
  metadata: Record<string, string> | null;
  pad: boolean;
  change: HeaderChange;
  m: Mutation;
  template: boolean;
}

const cases: fc.Arbitrary<Case> = fc
  .uniqueArray(fc.constantFrom(...NAMES), { maxLength: 4 })
  .chain((names) =>
    fc.record({
      names: fc.constant(names),
      specs: fc.array(tensorSpec, { minLength: names.length, maxLength: names.length }),
      order: fc.array(fc.nat(), { minLength: names.length, maxLength: names.length }),
      metadata: fc.option(
        fc.dictionary(fc.constantFrom("format", "toString", "x"), fc.string({ maxLength: 3 })),
      ),
      pad: fc.boolean(),
      change: headerChange,
      m: mutation,
      template: fc.boolean(),
    }),
  );

/** The file of a case: the header in name order, the data laid out in `order`. */
function build(c: Case): Uint8Array {
  const ch = c.change;
  // alias: one tensor points at another's bytes (same dtype and shape) and has none of its own
  const k = c.names.length;
  const alias = ch.op === "alias" && k >= 2 ? [ch.entry % k, (ch.entry + 1) % k] : null;
  const specs = alias ? c.specs.map((s, i) => (i === alias[0] ? c.specs[alias[1]] : s)) : c.specs;
  const layout = c.names
    .map((_, i) => i)
    .filter((i) => !alias || i !== alias[0])
    .sort((a, b) => c.order[a] - c.order[b] || a - b);
  const offsets: [number, number][] = [];
  let at = 0;
  for (const i of layout) {
    offsets[i] = [at, at + specs[i].bytes.length];
    at += specs[i].bytes.length;
  }
  if (alias) offsets[alias[0]] = offsets[alias[1]];
  const header: Record<string, unknown> = Object.create(null);
  if (c.metadata) header.__metadata__ = c.metadata;
  c.names.forEach((name, i) => {
    header[name] = {
      dtype: specs[i].dtype,
      shape: [...specs[i].shape],
      data_offsets: [...offsets[i]],
    };
  });
  const victim = c.names.length ? c.names[("entry" in ch ? ch.entry : 0) % c.names.length] : null;
  const e =
    victim === null
      ? null
      : (header[victim] as { dtype: string; shape: number[]; data_offsets: number[] });
  if (ch.op === "offset" && e) e.data_offsets[ch.which] += ch.delta;
  if (ch.op === "shift" && e) e.data_offsets = e.data_offsets.map((o) => o + ch.delta);
  if (ch.op === "shape" && e) e.shape.push(ch.value);
  if (ch.op === "dtype" && e) e.dtype = ch.dtype;
  if (ch.op === "metadata") header.__metadata__ = ch.value;
  let json = new TextEncoder().encode(JSON.stringify(header));
  if (c.pad && json.length % 8)
    json = new Uint8Array([...json, ...new Array(8 - (json.length % 8)).fill(0x20)]);
  const length = json.length + (ch.op === "length" ? ch.delta : 0);
  const data = layout.flatMap((i) => specs[i].bytes);
  return new Uint8Array([...le(Math.max(0, length), 8), ...json, ...data]);
}

function check(got: AnyTensor, want: Decoded[number]): void {
  expect(got.shape).toEqual(want.shape);
  expect(got.dtype).toBe(want.dtype);
  expectOnArena(got);
  expectSameValues(got.dataSync(), want.values);
}

function run(c: Case): Outcome {
  const bytes = mutate(build(c), c.m);
  const want = reference(bytes);
  const r = readSafetensors(bytes);
  if ("kinds" in want) {
    if (E.isRight(r)) {
      for (const t of Object.values(r.right)) t.dispose();
      throw new Error(`expected a ${want.kinds.join("/")} error`);
    }
    if (!want.kinds.includes("out-of-range")) {
      // a file that does not parse is rejected whatever the template
      const l = loadSafetensors(bytes, {}, { strict: false });
      if (E.isRight(l)) throw new Error("loadSafetensors accepted what readSafetensors rejected");
      expectKind(l.left, want.kinds, "loadSafetensors");
    }
    return expectKind(r.left, want.kinds, `[${[...bytes.subarray(0, 64)]}]`);
  }
  if (E.isLeft(r)) throw new Error(`expected tensors, got ${r.left.kind}: ${r.left.message}`);
  try {
    expect(Object.keys(r.right)).toEqual(want.map((w) => w.name));
    for (const w of want) check(r.right[w.name], w);
  } finally {
    for (const t of Object.values(r.right)) t.dispose();
  }
  // The same file into a template of the same names, shapes and dtypes (keys without dots).
  if (c.template && want.every((w) => !w.name.includes("."))) {
    const like: Record<string, AnyTensor> = {};
    for (const w of want) {
      const t = constant(new Array(w.values.length).fill(0), w.shape, w.dtype);
      Object.defineProperty(like, w.name, { value: t, enumerable: true });
    }
    const l = loadSafetensors(bytes, like);
    try {
      if (E.isLeft(l)) throw new Error(`loadSafetensors: ${l.left.kind}: ${l.left.message}`);
      for (const w of want) check(Object.getOwnPropertyDescriptor(l.right, w.name)!.value, w);
      for (const w of want) Object.getOwnPropertyDescriptor(l.right, w.name)!.value.dispose();
    } finally {
      for (const t of Object.values(like)) t.dispose();
    }
  }
  return "value";
}

describe("fuzz: safetensors", () => {
  it("gives a typed error or the reference decoder's tensors for generated and damaged files", () => {
    const tally = new Tally();
    fuzz("safetensors", cases, runs(3000), tally, run);
    tally.expectBoth("safetensors", 0.2);
    for (const k of ["bad-header", "truncated", "out-of-range", "unsupported", "parse"])
      expect(tally.counts.get(`error:${k}`), k).toBeGreaterThan(0);
  });

  it("rejects inputs that are not bytes", () => {
    const tally = new Tally();
    const junk = fc.constantFrom(null, undefined, 0, "abc", {}, [8, 0, 0, 0, 0, 0, 0, 0]);
    fuzz("safetensors(non-bytes)", junk, runs(50), tally, (x) => {
      const r = loadSafetensors(x as never, {});
      if (E.isRight(r)) throw new Error(`${String(x)} was accepted`);
      return expectKind(r.left, ["bad-argument"], String(x));
    });
  });
});
