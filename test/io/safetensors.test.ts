/** Safetensors: the byte layout, round trips of random trees, and each error on bad bytes. */
import "../data/backend.js";
import * as E from "fp-ts/lib/Either.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LoadError } from "../../src/io/load-error.js";
import {
  loadSafetensors,
  parseSafetensors,
  readSafetensors,
  saveSafetensors,
} from "../../src/io/safetensors.js";
import { flattenTree } from "../../src/io/tree.js";
import { constant } from "../../src/prims/constants.js";
import type { DType } from "../../src/shape/dtype.js";
import type { AnyTensor } from "../../src/tensor/tensor.js";

const right = <A>(r: E.Either<LoadError, A>): A => {
  if (E.isLeft(r)) throw new Error(`expected a Right, got ${r.left.message}`);
  return r.right;
};
const left = <A>(r: E.Either<LoadError, A>): LoadError => {
  if (E.isRight(r)) throw new Error("expected a Left");
  return r.left;
};

/** A safetensors file built by hand from a header object and raw data bytes. */
function handmade(header: object, data: number[] = []): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const params = () => ({
  layers: [
    { w: constant([1, 2, 3, 4, 5, 6], [2, 3], "f32"), b: constant([0.5, -0.5, 0], [3], "f32") },
    { w: constant([7, 8, 9], [3, 1], "f32"), b: constant([1], [1], "f32") },
  ],
  step: constant([42], [], "i32"),
  mask: constant([1, 0, 1], [3], "bool"),
  name: "not a tensor",
});

describe("saveSafetensors", () => {
  it("writes the standard layout: u64 LE header length, padded JSON header, LE data", () => {
    const bytes = saveSafetensors({ w: constant([1, 2], [2], "f32") }, { format: "pt" });
    const dv = new DataView(bytes.buffer);
    const n = Number(dv.getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header).toEqual({
      __metadata__: { format: "pt" },
      w: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
    });
    expect(dv.getFloat32(8 + n, true)).toBe(1);
    expect(dv.getFloat32(12 + n, true)).toBe(2);
    expect(bytes.length).toBe(8 + n + 8);
  });

  it("names tensors by their dotted paths", () => {
    expect(flattenTree(params()).map(([k]) => k)).toEqual([
      "layers.0.w",
      "layers.0.b",
      "layers.1.w",
      "layers.1.b",
      "step",
      "mask",
    ]);
  });
});

describe("loadSafetensors", () => {
  it("reads a handmade file", () => {
    const f32 = new Uint8Array(new Float32Array([1.5, -2]).buffer);
    const bytes = handmade({ a: { dtype: "F32", shape: [1, 2], data_offsets: [0, 8] } }, [...f32]);
    const r = right(loadSafetensors(bytes, { a: constant([0, 0], [1, 2], "f32") }));
    expect(r.a.toArray()).toEqual([[1.5, -2]]);
  });

  it("round-trips a tree, keeping structure and non-tensor leaves", () => {
    const p = params();
    const back = right(loadSafetensors(saveSafetensors(p), params()));
    expect(back.name).toBe("not a tensor");
    expect(back.layers[0].w.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(back.step.toArray()).toBe(42);
    expect(back.mask.dtype).toBe("bool");
    expect(back.mask.toArray()).toEqual([true, false, true]);
  });

  it("round-trips random trees of random tensors exactly", () => {
    const dtypes: DType[] = ["f32", "i32", "bool", "f64"];
    const leaf = fc
      .tuple(fc.constantFrom(...dtypes), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }))
      .chain(([dtype, shape]) => {
        const n = shape.reduce((a, b) => a * b, 1);
        const v =
          dtype === "bool"
            ? fc.integer({ min: 0, max: 1 })
            : dtype === "i32"
              ? fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
              : dtype === "f32"
                ? fc.float({ noNaN: true }).map(Math.fround)
                : fc.double({ noNaN: true });
        return fc.array(v, { minLength: n, maxLength: n }).map((d) => constant(d, shape, dtype));
      });
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, tie("arr"), tie("rec")),
      arr: fc.array(tie("node"), { maxLength: 3 }),
      rec: fc.dictionary(fc.stringMatching(/^[a-z_][a-z0-9_]{0,5}$/), tie("node"), { maxKeys: 3 }),
    })).rec;
    fc.assert(
      fc.property(tree, (t) => {
        const back = right(loadSafetensors(saveSafetensors(t), t));
        const a = flattenTree(t);
        const b = flattenTree(back);
        expect(b.map(([k]) => k)).toEqual(a.map(([k]) => k));
        a.forEach(([, x], i) => {
          const y = b[i][1] as AnyTensor;
          expect(y.shape).toEqual(x.shape);
          expect(y.dtype).toBe(x.dtype);
          expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
        });
      }),
      { numRuns: 60 },
    );
  });

  it("converts F16, BF16 and I64 entries to the template's dtype", () => {
    const data = [0x00, 0x3c, 0x00, 0xc0, 0x80, 0x3f, 0x05, 0, 0, 0, 0, 0, 0, 0]; // f16 1, -2; bf16 1; i64 5
    const bytes = handmade(
      {
        h: { dtype: "F16", shape: [2], data_offsets: [0, 4] },
        b: { dtype: "BF16", shape: [1], data_offsets: [4, 6] },
        i: { dtype: "I64", shape: [1], data_offsets: [6, 14] },
      },
      data,
    );
    const r = right(
      loadSafetensors(bytes, {
        h: constant([0, 0], [2], "f32"),
        b: constant([0], [1], "f32"),
        i: constant([0], [1], "i32"),
      }),
    );
    expect(r.h.toArray()).toEqual([1, -2]);
    expect(r.b.toArray()).toEqual([1]);
    expect(r.i.toArray()).toEqual([5]);
  });

  it("reports truncation, bad JSON, missing and unexpected keys, shape and dtype mismatches", () => {
    const p = params();
    const bytes = saveSafetensors(p);
    for (const cut of [0, 5, 8, 40, bytes.length - 1]) {
      expect(left(loadSafetensors(bytes.subarray(0, cut), p)).kind).toBe("truncated");
    }
    const bad = handmade({});
    bad.set(new TextEncoder().encode("{x"), 8);
    expect(left(loadSafetensors(bad, {})).kind).toBe("parse");
    const e = left(
      loadSafetensors(saveSafetensors({ w: p.layers[0].w }), { w: p.layers[0].w, v: p.step }),
    );
    expect(e.kind).toBe("missing-key");
    expect(e.message).toContain('"v"');
    expect(left(loadSafetensors(bytes, { step: p.step })).kind).toBe("unexpected-key");
    expect(E.isRight(loadSafetensors(bytes, { step: p.step }, { strict: false }))).toBe(true);
    const sm = left(
      loadSafetensors(saveSafetensors({ w: p.layers[0].w }), {
        w: constant(new Array(6).fill(0), [3, 2], "f32"),
      }),
    );
    expect(sm.kind).toBe("shape-mismatch");
    expect(sm.message).toContain("[2, 3] in the file but [3, 2]");
    expect(
      left(loadSafetensors(saveSafetensors({ w: p.step }), { w: constant([0], [], "f32") })).kind,
    ).toBe("shape-mismatch");
    const lie = handmade(
      { a: { dtype: "F32", shape: [3], data_offsets: [0, 8] } },
      new Array(8).fill(0),
    );
    expect(left(loadSafetensors(lie, {})).kind).toBe("bad-header");
    expect(
      left(readSafetensors(handmade({ a: { dtype: "C64", shape: [], data_offsets: [0, 8] } })))
        .kind,
    ).toBe("unsupported");
  });
});

/** Little-endian bytes of typed values. */
const le = (a: ArrayBufferView) => [...new Uint8Array(a.buffer, a.byteOffset, a.byteLength)];
const f32 = (...v: number[]) => le(new Float32Array(v));
const entry = (dtype: string, shape: number[], b: number, e: number) => ({
  dtype,
  shape,
  data_offsets: [b, e],
});

describe("safetensors: validated as the reference implementation does", () => {
  const one = { a: constant([0], [1], "f32") };
  // [why, file bytes, kind, a piece of the message]
  const bad: [string, () => unknown, LoadError["kind"], string][] = [
    [
      "a header length above 100 MB",
      () => new Uint8Array([0x01, 0xe1, 0xf5, 0x05, 0, 0, 0, 0, ...new Array(8).fill(0x20)]),
      "bad-header",
      "exceeds the limit of 100 MB",
    ],
    [
      "a header not starting with {",
      () => handmade({}).map((b, i) => (i === 8 ? 0x20 : b)),
      "bad-header",
      "starting with '{'",
    ],
    [
      "two tensors on the same bytes",
      () => handmade({ a: entry("F32", [1], 0, 4), b: entry("F32", [1], 0, 4) }, f32(1)),
      "bad-header",
      'overlaps tensor "a"',
    ],
    [
      "overlapping byte ranges",
      () => handmade({ a: entry("F32", [2], 0, 8), b: entry("F32", [1], 4, 8) }, f32(1, 2)),
      "bad-header",
      "overlaps",
    ],
    [
      "a gap before a tensor",
      () => handmade({ a: entry("F32", [1], 4, 8) }, f32(0, 1)),
      "bad-header",
      'a gap of 4 bytes before tensor "a"',
    ],
    [
      "trailing bytes after the data",
      () => handmade({ a: entry("F32", [1], 0, 4) }, f32(1, 2)),
      "bad-header",
      "4 bytes after the end",
    ],
    [
      "a __metadata__ that is a string",
      () => handmade({ __metadata__: "x", a: entry("F32", [1], 0, 4) }, f32(1)),
      "bad-header",
      "__metadata__ must be an object",
    ],
    [
      "a __metadata__ value that is a number",
      () => handmade({ __metadata__: { v: 1 }, a: entry("F32", [1], 0, 4) }, f32(1)),
      "bad-header",
      '"v" is a number',
    ],
    [
      "a negative shape",
      () => handmade({ a: entry("F32", [-1], 0, 0) }),
      "bad-header",
      "non-negative integers",
    ],
    [
      "a fractional offset",
      () => handmade({ a: entry("F32", [1], 0.5, 4.5) }, f32(1)),
      "bad-header",
      "data_offsets",
    ],
    [
      "a shape whose byte size overflows 2^64",
      () => handmade({ a: entry("F32", [2 ** 32, 2 ** 32, 2 ** 32], 0, 0) }),
      "bad-header",
      "more than 2^53 elements",
    ],
    [
      "a byte size that does not match the shape",
      () => handmade({ a: entry("F32", [2 ** 20, 2 ** 20], 0, 4) }, f32(1)),
      "bad-header",
      "needs 4398046511104",
    ],
    [
      "a zero-size tensor with huge other sizes",
      () => handmade({ a: entry("F32", [2 ** 40, 2 ** 40, 0], 0, 0) }),
      "bad-header",
      "more than 2^53 elements",
    ],
    [
      "an unknown dtype",
      () => handmade({ a: entry("C64", [], 0, 8) }),
      "unsupported",
      "supported: F32",
    ],
    ["null bytes", () => null, "bad-argument", "null, not a Uint8Array"],
    ["an array of numbers", () => [1, 2, 3], "bad-argument", "not a Uint8Array"],
  ];
  it.each(bad)("rejects %s", (_, bytes, kind, piece) => {
    const e = left(loadSafetensors(bytes() as Uint8Array, one));
    expect(e.kind).toBe(kind);
    expect(e.message).toContain(piece);
  });

  // Values that were kept raw (bool) or wrapped (integers to i32).
  const range: [string, string, number[], DType, string][] = [
    ["a BOOL byte of 5", "BOOL", [1, 0, 5], "bool", "BOOL value 5 of element 2 (byte"],
    ["an I64 of 3e9", "I64", le(new BigInt64Array([3000000000n])), "i32", "I64 value 3000000000"],
    ["an I64 below i32", "I64", le(new BigInt64Array([-(2n ** 31n) - 1n])), "i32", "-2147483649"],
    [
      "a U32 of 2^31",
      "U32",
      le(new Uint32Array([7, 2 ** 31])),
      "i32",
      "U32 value 2147483648 of element 1",
    ],
    ["a U64 of 2^63", "U64", le(new BigUint64Array([2n ** 63n])), "i32", "9223372036854775808"],
  ];
  it.each(range)("rejects %s, naming tensor, element and byte", (_, dtype, data, td, piece) => {
    const width = { BOOL: 1, I64: 8, U32: 4, U64: 8 }[dtype]!;
    const n = data.length / width;
    const bytes = handmade({ t: entry(dtype, [n], 0, data.length) }, data);
    const like = { t: constant(new Array(n).fill(0), [n], td) };
    const e = left(loadSafetensors(bytes, like));
    expect(e.kind).toBe("out-of-range");
    expect(e.message).toContain('tensor "t"');
    expect(e.message).toContain(piece);
    expect(left(readSafetensors(bytes)).kind).toBe("out-of-range");
  });

  it("converts in-range U16, U32, U64 and I64 exactly", () => {
    const data = [
      ...le(new Uint16Array([65535])),
      ...le(new Uint32Array([2 ** 31 - 1])),
      ...le(new BigUint64Array([5n])),
      ...le(new BigInt64Array([-(2n ** 31n)])),
    ];
    const bytes = handmade(
      {
        a: entry("U16", [1], 0, 2),
        b: entry("U32", [1], 2, 6),
        c: entry("U64", [1], 6, 14),
        d: entry("I64", [1], 14, 22),
      },
      data,
    );
    const z = () => constant([0], [1], "i32");
    const r = right(loadSafetensors(bytes, { a: z(), b: z(), c: z(), d: z() }));
    expect([r.a, r.b, r.c, r.d].map((t) => t.toArray())).toEqual([
      [65535],
      [2 ** 31 - 1],
      [5],
      [-(2 ** 31)],
    ]);
  });

  it("reads unaligned offsets by copying (a BOOL byte, then an F32 at byte 1)", () => {
    const bytes = handmade({ m: entry("BOOL", [1], 0, 1), w: entry("F32", [2], 1, 9) }, [
      1,
      ...f32(1.5, -3),
    ]);
    const r = right(
      loadSafetensors(bytes, { m: constant([0], [1], "bool"), w: constant([0, 0], [2], "f32") }),
    );
    expect(r.m.toArray()).toEqual([true]);
    expect(r.w.toArray()).toEqual([1.5, -3]);
  });

  it("keeps any tensor name: __proto__, toString, constructor", () => {
    const header = JSON.parse(
      '{"__proto__": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},' +
        '"toString": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]},' +
        '"constructor": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}',
    );
    const bytes = handmade(header, f32(1, 2, 3));
    const all = right(readSafetensors(bytes));
    expect(Object.keys(all)).toEqual(["__proto__", "toString", "constructor"]);
    expect(Object.values(all).map((t) => t.toArray())).toEqual([[1], [2], [3]]);
    const like: Record<string, AnyTensor> = {};
    for (const k of ["__proto__", "toString", "constructor"])
      Object.defineProperty(like, k, { value: constant([0], [1], "f32"), enumerable: true });
    const back = right(loadSafetensors(bytes, like));
    expect(Object.getOwnPropertyDescriptor(back, "__proto__")?.value.toArray()).toEqual([1]);
    expect(back["toString" as string].toArray()).toEqual([2]);
    // a file saved from such a tree reads back the same
    const again = right(loadSafetensors(saveSafetensors(back), like));
    expect(Object.keys(again)).toEqual(["__proto__", "toString", "constructor"]);
  });

  it("reports a template key such as toString as missing instead of throwing a TypeError", () => {
    const bytes = saveSafetensors({ w: constant([1], [1], "f32") });
    const e = left(
      loadSafetensors(bytes, { toString: constant([0], [1], "f32") }, { strict: false }),
    );
    expect(e.kind).toBe("missing-key");
    expect(e.message).toContain('"toString"');
    const dotted = left(loadSafetensors(bytes, { "a.b": constant([0], [1], "f32") }));
    expect(dotted.kind).toBe("bad-argument");
    expect(left(loadSafetensors(bytes, {}, { strict: "no" as never })).kind).toBe("bad-argument");
  });

  it("keeps the metadata, and rejects a tensor named __metadata__ on save", () => {
    const bytes = saveSafetensors(
      { w: constant([1], [1], "f32") },
      { format: "pt", toString: "x" },
    );
    const f = right(parseSafetensors(bytes));
    expect({ ...f.metadata }).toEqual({ format: "pt", toString: "x" });
    expect(() => saveSafetensors({ __metadata__: constant([1], [1], "f32") })).toThrow(/reserves/);
    expect(() => saveSafetensors({}, { v: 1 } as never)).toThrow(/"v" is a number/);
  });
});
