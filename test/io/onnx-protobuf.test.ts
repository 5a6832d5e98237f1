/**
 * The protobuf writer against an independent decoder written from the wire-format rules: random
 * messages of every field kind the ONNX encoder uses decode to what was written.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ProtoWriter } from "../../src/io/onnx/protobuf.js";

type Field =
  | { kind: "int"; field: number; v: bigint }
  | { kind: "float"; field: number; v: number }
  | { kind: "double"; field: number; v: number }
  | { kind: "string"; field: number; v: string }
  | { kind: "bytes"; field: number; v: Uint8Array }
  | { kind: "ints"; field: number; v: bigint[] }
  | { kind: "floats"; field: number; v: number[] }
  | { kind: "message"; field: number; v: Field[] };

/** A decoded field: its number, wire type and raw payload (a varint as a bigint, else bytes). */
type Raw = { field: number; wire: number; value: bigint | Uint8Array };

function decode(b: Uint8Array): Raw[] {
  let pos = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (pos >= b.length) throw new Error("truncated varint");
      const byte = b[pos++];
      v |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return v;
    }
  };
  const take = (n: number) => {
    if (pos + n > b.length) throw new Error("truncated field");
    pos += n;
    return b.subarray(pos - n, pos);
  };
  const out: Raw[] = [];
  while (pos < b.length) {
    const tag = Number(varint());
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === 0) out.push({ field, wire, value: varint() });
    else if (wire === 1) out.push({ field, wire, value: take(8) });
    else if (wire === 5) out.push({ field, wire, value: take(4) });
    else if (wire === 2) out.push({ field, wire, value: take(Number(varint())) });
    else throw new Error(`wire type ${wire}`);
  }
  return out;
}

function write(w: ProtoWriter, fields: Field[]): ProtoWriter {
  for (const f of fields) {
    if (f.kind === "int") w.int(f.field, f.v);
    else if (f.kind === "float") w.float(f.field, f.v);
    else if (f.kind === "double") w.double(f.field, f.v);
    else if (f.kind === "string") w.string(f.field, f.v);
    else if (f.kind === "bytes") w.bytes(f.field, f.v);
    else if (f.kind === "ints") w.packedInts(f.field, f.v);
    else if (f.kind === "floats") w.packedFloats(f.field, f.v);
    else w.message(f.field, write(new ProtoWriter(), f.v));
  }
  return w;
}

function check(raw: Raw[], fields: Field[]): void {
  expect(raw.map((r) => r.field)).toEqual(fields.map((f) => f.field));
  fields.forEach((f, i) => {
    const { wire, value } = raw[i];
    const bytes = value as Uint8Array;
    const dv = () => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    switch (f.kind) {
      case "int":
        expect(wire).toBe(0);
        expect(BigInt.asIntN(64, value as bigint)).toBe(f.v);
        break;
      case "float":
        expect(wire).toBe(5);
        expect(Object.is(dv().getFloat32(0, true), Math.fround(f.v))).toBe(true);
        break;
      case "double":
        expect(wire).toBe(1);
        expect(Object.is(dv().getFloat64(0, true), f.v)).toBe(true);
        break;
      case "string":
        expect(new TextDecoder().decode(bytes)).toBe(f.v);
        break;
      case "bytes":
        expect([...bytes]).toEqual([...f.v]);
        break;
      case "ints": {
        const inner = decode(new Uint8Array([...packedAsFields(bytes)]));
        expect(inner.map((r) => BigInt.asIntN(64, r.value as bigint))).toEqual(f.v);
        break;
      }
      case "floats":
        expect(bytes.length).toBe(4 * f.v.length);
        f.v.forEach((x, j) =>
          expect(Object.is(dv().getFloat32(4 * j, true), Math.fround(x))).toBe(true),
        );
        break;
      case "message":
        expect(wire).toBe(2);
        check(decode(bytes), f.v);
    }
  });
}

/** A packed varint run as a run of field-1 varints, so `decode` reads it. */
function* packedAsFields(b: Uint8Array): Generator<number> {
  let start = true;
  for (const byte of b) {
    if (start) yield 8;
    yield byte;
    start = byte < 0x80;
  }
}

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const fieldNo = fc.integer({ min: 1, max: 100_000 });
const leaf: fc.Arbitrary<Field> = fc.oneof(
  fc.record({ kind: fc.constant("int" as const), field: fieldNo, v: int64 }),
  fc.record({ kind: fc.constant("float" as const), field: fieldNo, v: fc.float() }),
  fc.record({ kind: fc.constant("double" as const), field: fieldNo, v: fc.double() }),
  fc.record({
    kind: fc.constant("string" as const),
    field: fieldNo,
    v: fc.string({ unit: "grapheme" }),
  }),
  fc.record({
    kind: fc.constant("bytes" as const),
    field: fieldNo,
    v: fc.uint8Array({ maxLength: 700 }),
  }),
  fc.record({ kind: fc.constant("ints" as const), field: fieldNo, v: fc.array(int64) }),
  fc.record({ kind: fc.constant("floats" as const), field: fieldNo, v: fc.array(fc.float()) }),
);
const message: fc.Arbitrary<Field[]> = fc.letrec<{ msg: Field[]; field: Field }>((tie) => ({
  msg: fc.array(tie("field"), { maxLength: 6 }),
  field: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.record({ kind: fc.constant("message" as const), field: fieldNo, v: tie("msg") }),
  ),
})).msg;

describe("ProtoWriter", () => {
  test("random messages decode to what was written (independent decoder)", () => {
    fc.assert(
      fc.property(message, (fields) =>
        check(decode(write(new ProtoWriter(), fields).finish()), fields),
      ),
      { numRuns: 300, seed: 16 },
    );
  });

  test("known encodings: field 1 varint 150, a negative int64, a string", () => {
    expect([...new ProtoWriter().int(1, 150).finish()]).toEqual([0x08, 0x96, 0x01]);
    expect([...new ProtoWriter().int(2, -1).finish()]).toEqual([
      0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
    ]);
    expect([...new ProtoWriter().string(2, "testing").finish()]).toEqual([
      0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67,
    ]);
  });

  test("a non-integer or unsafe number is refused by field", () => {
    expect(() => new ProtoWriter().int(3, 1.5)).toThrow(/field 3 is not an integer: 1.5/);
    expect(() => new ProtoWriter().int(3, 2 ** 60)).toThrow(/field 3/);
  });
});
