/** The IDX loader: round trips of every element type, gzip, and each error on bad bytes. */
import "./backend.js";
import * as E from "fp-ts/lib/Either.js";
import fc from "fast-check";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { encodeIdx, type IdxType, type LoadIdxOptions, loadIdx } from "../../src/data/idx.js";
import type { LoadError } from "../../src/io/load-error.js";

const left = <A>(r: E.Either<LoadError, A>): LoadError => {
  if (E.isRight(r)) throw new Error("expected a Left");
  return r.left;
};
const right = <A>(r: E.Either<LoadError, A>): A => {
  if (E.isLeft(r)) throw new Error(`expected a Right, got ${r.left.message}`);
  return r.right;
};

describe("loadIdx", () => {
  it("decodes u8 labels and images with their shapes", () => {
    const t = right(loadIdx(encodeIdx([0, 255, 7, 9, 1, 2], [2, 3], "u8")));
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe("i32");
    expect(t.toArray()).toEqual([
      [0, 255, 7],
      [9, 1, 2],
    ]);
  });

  it("round-trips every element type, big-endian", () => {
    const ranges: Record<IdxType, [number, number, boolean]> = {
      u8: [0, 255, true],
      i8: [-128, 127, true],
      i16: [-32768, 32767, true],
      i32: [-(2 ** 31), 2 ** 31 - 1, true],
      f32: [-1e6, 1e6, false],
      f64: [-1e6, 1e6, false],
    };
    for (const [type, [lo, hi, int]] of Object.entries(ranges) as [
      IdxType,
      [number, number, boolean],
    ][]) {
      fc.assert(
        fc.property(
          fc.array(
            int ? fc.integer({ min: lo, max: hi }) : fc.double({ min: lo, max: hi, noNaN: true }),
            {
              minLength: 1,
              maxLength: 24,
            },
          ),
          (vals) => {
            const data = type === "f32" ? vals.map(Math.fround) : vals;
            const t = right(
              loadIdx(encodeIdx(data, [data.length], type), {
                dtype: type === "f32" ? "f32" : type === "f64" ? "f64" : "i32",
              }),
            );
            expect(Array.from(t.dataSync())).toEqual(data);
          },
        ),
        { numRuns: 20 },
      );
    }
  });

  it("scales, converts and limits", () => {
    const t = right(
      loadIdx(encodeIdx([0, 51, 255, 102], [4], "u8"), { dtype: "f32", scale: 1 / 255, limit: 3 }),
    );
    expect(t.shape).toEqual([3]);
    expect(Array.from(t.dataSync())).toEqual([0, Math.fround(0.2), 1]);
  });

  it("reads files, gzipped or not", () => {
    const dir = mkdtempSync(join(tmpdir(), "idx-"));
    const bytes = encodeIdx([1, 2, 3, 4], [2, 2], "i16");
    writeFileSync(join(dir, "a.idx"), bytes);
    writeFileSync(join(dir, "a.idx.gz"), gzipSync(bytes));
    expect(right(loadIdx(join(dir, "a.idx"))).toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(right(loadIdx(join(dir, "a.idx.gz"))).toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it("reports a missing file", () => {
    const e = left(loadIdx("/nonexistent/dir/train-images-idx3-ubyte"));
    expect(e.kind).toBe("missing-file");
    expect(e.path).toBe("/nonexistent/dir/train-images-idx3-ubyte");
    expect(e.message).toContain("no such file");
  });

  it("reports a bad magic number, a bad type code and trailing bytes", () => {
    expect(left(loadIdx(new Uint8Array([1, 2, 8, 1, 0, 0, 0, 0]))).kind).toBe("bad-header");
    expect(left(loadIdx(new Uint8Array([0, 0, 0x42, 1, 0, 0, 0, 0]))).message).toContain(
      "type code 0x42",
    );
    const extra = new Uint8Array([...encodeIdx([1, 2], [2], "u8"), 9]);
    expect(left(loadIdx(extra)).kind).toBe("bad-header");
  });

  it("reports truncation anywhere: in the header, the sizes or the data", () => {
    const good = encodeIdx([1, 2, 3, 4, 5, 6], [2, 3], "i32");
    for (const cut of [0, 3, 4, 9, 12, good.length - 1]) {
      const e = left(loadIdx(good.subarray(0, cut)));
      expect(e.kind).toBe("truncated");
    }
  });

  it("reports a damaged gzip stream", () => {
    const gz = gzipSync(encodeIdx([1, 2, 3], [3], "u8"));
    const e = left(loadIdx(gz.subarray(0, gz.length - 6)));
    expect(["truncated", "parse"]).toContain(e.kind);
  });
});

describe("loadIdx: every bad input is a typed error", () => {
  const u8 = encodeIdx([0, 1, 1, 0], [4], "u8");
  // [why, input, options, kind, a piece of the message]
  const bad: [string, unknown, unknown, LoadError["kind"], string][] = [
    ["null input", null, {}, "bad-argument", "null, not a path or a Uint8Array"],
    ["a number as input", 7, {}, "bad-argument", "number, not a path"],
    ["an array of numbers as input", [0, 0, 8, 1], {}, "bad-argument", "not a path"],
    [
      "an unknown dtype (reached alloc(NaN))",
      u8,
      { dtype: "int8" },
      "bad-argument",
      '"f32", "i32", "bool", "f64"',
    ],
    ["a negative limit", u8, { limit: -1 }, "bad-argument", "limit -1"],
    ["a fractional limit", u8, { limit: 1.5 }, "bad-argument", "limit 1.5"],
    ["a string limit", u8, { limit: "2" }, "bad-argument", "limit 2"],
    ["a NaN scale", u8, { dtype: "f32", scale: Number.NaN }, "bad-argument", "scale NaN"],
    ["a scale on an i32 tensor", u8, { scale: 0.5 }, "bad-argument", "needs a float dtype"],
    ["an unknown option", u8, { dtypes: "f32" }, "bad-argument", '"dtypes"'],
    ["options that are not an object", u8, "f32", "bad-argument", "not an object"],
  ];
  it.each(bad)("%s", (_, input, options, kind, piece) => {
    const e = left(loadIdx(input as Uint8Array, options as LoadIdxOptions));
    expect(e.kind).toBe(kind);
    expect(e.message).toContain(piece);
  });

  // Values that the old loader wrapped, truncated or kept as raw bytes.
  const range: [string, number[], IdxType, LoadIdxOptions, string][] = [
    ["a u8 of 5 as bool", [1, 0, 5], "u8", { dtype: "bool" }, "u8 value 5 at byte 10 (element 2)"],
    ["a u8 of 253 as bool", [253], "u8", { dtype: "bool" }, "u8 value 253 at byte 8 (element 0)"],
    ["an i8 of -1 as bool", [0, -1], "i8", { dtype: "bool" }, "i8 value -1 at byte 9 (element 1)"],
    [
      "an f32 of 1.5 as i32",
      [1, 1.5],
      "f32",
      { dtype: "i32" },
      "f32 value 1.5 at byte 12 (element 1)",
    ],
    ["an f64 of 3e9 as i32", [3e9], "f64", { dtype: "i32" }, "f64 value 3000000000 at byte 8"],
    ["an f64 NaN as i32", [Number.NaN], "f64", { dtype: "i32" }, "f64 value NaN at byte 8"],
    ["an f64 of 1e300 as f32", [1, 1e300], "f64", { dtype: "f32" }, "f64 value 1e+300 at byte 16"],
    [
      "an f32 overflowing its scale",
      [3e38],
      "f32",
      { scale: 10 },
      "times scale 10 it overflows f32",
    ],
  ];
  it.each(range)("rejects %s, naming the byte", (_, data, type, options, piece) => {
    const e = left(loadIdx(encodeIdx(data, [data.length], type), options));
    expect(e.kind).toBe("out-of-range");
    expect(e.message).toContain(piece);
  });

  it("loads 0/1 bytes as bool, and integral floats as i32 exactly", () => {
    expect(right(loadIdx(encodeIdx([1, 0, 1], [3], "u8"), { dtype: "bool" })).toArray()).toEqual([
      true,
      false,
      true,
    ]);
    const ends = [-(2 ** 31), 2 ** 31 - 1, 0];
    expect(right(loadIdx(encodeIdx(ends, [3], "f64"), { dtype: "i32" })).toArray()).toEqual(ends);
  });

  it("stops a gzip stream at the size its header needs (a bomb is not inflated)", () => {
    // A valid 4-byte file followed by gzip members of 64 MiB of zeros each: 1 GiB in all.
    const bomb = gzipSync(new Uint8Array(64 * 2 ** 20));
    const parts = [gzipSync(encodeIdx([1, 2, 3, 4], [4], "u8")), ...new Array(16).fill(bomb)];
    const e = left(loadIdx(Buffer.concat(parts)));
    expect(e.kind).toBe("bad-header");
    expect(e.message).toContain("expands past 12 bytes (the header [4] of u8 needs 12)");
  });

  it("checks a gzipped header before inflating the data", () => {
    const head = new Uint8Array([0, 0, 8, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    const e = left(loadIdx(gzipSync(Buffer.concat([head, new Uint8Array(2 ** 20)]))));
    expect(e.kind).toBe("bad-header");
    expect(e.message).toContain("need more than 4 GiB");
    const short = left(loadIdx(gzipSync(encodeIdx([1, 2, 3, 4], [4], "i32").subarray(0, 10))));
    expect(short.kind).toBe("truncated");
    const junk = left(loadIdx(Buffer.concat([gzipSync(u8), Buffer.from("junk")])));
    expect(junk.kind).toBe("parse");
  });
});
