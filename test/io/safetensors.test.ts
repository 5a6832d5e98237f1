/** Safetensors: the byte layout, round trips of random trees, and each error on bad bytes. */
import "../data/backend.js";
import * as E from "fp-ts/lib/Either.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LoadError } from "../../src/io/load-error.js";
import { loadSafetensors, readSafetensors, saveSafetensors } from "../../src/io/safetensors.js";
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
