/** Batches, shuffling, splits, one-hot and class rebalancing: coverage and disjointness properties. */
import "./backend.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { batchCount, batches, shuffle } from "../../src/data/batches.js";
import { oneHot } from "../../src/data/one-hot.js";
import { seedKey } from "../../src/data/rng.js";
import { oversample, undersample } from "../../src/data/sampling.js";
import { trainTestSplit } from "../../src/data/split.js";
import { constant } from "../../src/prims/constants.js";

/** A dataset whose x rows are [i, 10·i] and y is i, so every row names its example. */
function indexed(n: number) {
  const x = constant(
    Array.from({ length: 2 * n }, (_, k) => (k % 2 ? 10 : 1) * Math.floor(k / 2)),
    [n, 2],
    "f32",
  );
  const y = constant(
    Array.from({ length: n }, (_, i) => i),
    [n],
    "i32",
  );
  return { x, y };
}

describe("batches", () => {
  it("covers every example exactly once per epoch, rows kept together", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 16 }),
        fc.integer(),
        (n, size, seed) => {
          const ds = indexed(n);
          const seen: number[] = [];
          let count = 0;
          for (const b of batches(seedKey(seed), ds, size)) {
            count++;
            expect(b.x.shape[0]).toBe(b.y.shape[0]);
            expect(b.x.shape[1]).toBe(2);
            expect(b.x.shape[0]).toBeLessThanOrEqual(size);
            const x = b.x.dataSync();
            const y = b.y.dataSync();
            y.forEach((v, i) => {
              expect(x[2 * i]).toBe(v);
              expect(x[2 * i + 1]).toBe(10 * v);
            });
            seen.push(...y);
          }
          expect(count).toBe(batchCount(n, size));
          expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
        },
      ),
      { numRuns: 40 },
    );
  });

  it("drops the last partial batch on request, and keeps order without a key", () => {
    const ds = indexed(10);
    const sizes = [...batches(seedKey(1), ds, 4, { dropLast: true })].map((b) => b.x.shape[0]);
    expect(sizes).toEqual([4, 4]);
    const ordered = [...batches(null, ds, 4)].map((b) => Array.from(b.y.dataSync()));
    expect(ordered).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
  });

  it("is deterministic in the key, and different keys give different orders", () => {
    const ds = indexed(50);
    const order = (seed: number) =>
      [...batches(seedKey(seed), ds, 50)].flatMap((b) => Array.from(b.y.dataSync()));
    expect(order(3)).toEqual(order(3));
    expect(order(3)).not.toEqual(order(4));
    expect(order(3)).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("rejects datasets whose tensors disagree on the number of rows", () => {
    const bad = { x: constant([1, 2, 3], [3], "f32"), y: constant([1, 2], [2], "i32") };
    expect(() => batches(seedKey(0), bad, 2)).toThrow(/"y" has 2 rows but "x" has 3/);
  });
});

describe("shuffle", () => {
  it("permutes rows of every tensor with the same permutation", () => {
    const s = shuffle(seedKey(7), indexed(20));
    const y = Array.from(s.y.dataSync());
    expect([...y].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const x = s.x.dataSync();
    y.forEach((v, i) => {
      expect(x[2 * i]).toBe(v);
    });
  });
});

describe("trainTestSplit", () => {
  it("gives ceil(f·N) test examples, disjoint from the training ones, covering all", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 80 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer(),
        (n, frac, seed) => {
          const { x, y } = indexed(n);
          const { train, test } = trainTestSplit(seedKey(seed), x, y, frac);
          expect(test.y.shape[0]).toBe(Math.ceil(frac * n));
          expect(train.y.shape[0] + test.y.shape[0]).toBe(n);
          const all = [...train.y.dataSync(), ...test.y.dataSync()].sort((a, b) => a - b);
          expect(all).toEqual(Array.from({ length: n }, (_, i) => i));
          const tx = test.x.dataSync();
          test.y.dataSync().forEach((v, i) => {
            expect(tx[2 * i]).toBe(v);
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it("stratifies: each class keeps its share in the test part", () => {
    const n = 100;
    const labels = Array.from({ length: n }, (_, i) => (i < 80 ? 0 : 1));
    const x = constant(
      Array.from({ length: n }, (_, i) => i),
      [n, 1],
      "f32",
    );
    const y = constant(labels, [n], "i32");
    const { test } = trainTestSplit(seedKey(1), x, y, 0.25, { stratify: true });
    const t = Array.from(test.y.dataSync());
    expect(t.filter((v) => v === 0).length).toBe(20);
    expect(t.filter((v) => v === 1).length).toBe(5);
  });
});

describe("oneHot", () => {
  it("encodes ids as rows with a single 1", () => {
    expect(oneHot(constant([0, 2, 1], [3], "i32"), 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 0],
    ]);
    expect(oneHot([1], 2, "i32").dtype).toBe("i32");
    expect(() => oneHot([3], 3)).toThrow(/label 3 at index 0/);
  });
});

describe("oversample and undersample", () => {
  const imbalanced = () => {
    const labels = [0, 0, 0, 0, 0, 0, 1, 1, 2];
    const x = constant(
      labels.map((_, i) => i),
      [labels.length, 1],
      "f32",
    );
    return { x, y: constant(labels, [labels.length], "i32") };
  };
  const counts = (y: ArrayLike<number>) =>
    [0, 1, 2].map((c) => Array.from(y).filter((v) => v === c).length);

  it("oversampling brings every class up to the largest, keeping every original", () => {
    const r = oversample(seedKey(3), imbalanced());
    expect(counts(r.y.dataSync())).toEqual([6, 6, 6]);
    const x = Array.from(r.x.dataSync());
    expect(x.slice(0, 9)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    // Copies are copies of members of their class: x and y still agree.
    const y = r.y.dataSync();
    x.forEach((v, i) => {
      expect(y[i]).toBe([0, 0, 0, 0, 0, 0, 1, 1, 2][v]);
    });
  });

  it("undersampling brings every class down to the smallest, without repeats", () => {
    const r = undersample(seedKey(3), imbalanced());
    expect(counts(r.y.dataSync())).toEqual([1, 1, 1]);
    const x = Array.from(r.x.dataSync());
    expect(new Set(x).size).toBe(3);
    expect(x).toContain(8);
  });
});
