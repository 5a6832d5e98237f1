/** The IDX loader: round trips of every element type, gzip, and each error on bad bytes. */
import "./backend.js";
import * as E from "fp-ts/lib/Either.js";
import fc from "fast-check";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { encodeIdx, type IdxType, loadIdx } from "../../src/data/idx.js";
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
