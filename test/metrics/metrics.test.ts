/** Metrics against hand computations, and their invariants on random labels. */
import "../data/backend.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { constant } from "../../src/prims/constants.js";
import * as m from "../../src/metrics/index.js";

const ids = (xs: number[]) => constant(xs, [xs.length], "i32");
const scores = (rows: number[][]) => constant(rows.flat(), [rows.length, rows[0].length], "f32");

describe("accuracy", () => {
  it("compares ids, or the argmax of scores, with ids or one-hot labels", () => {
    expect(m.accuracy(ids([1, 2, 3, 0]), ids([1, 2, 0, 0]))).toBe(0.75);
    expect(
      m.accuracy(
        scores([
          [2, 1],
          [0, 3],
          [5, -1],
        ]),
        ids([0, 0, 0]),
      ),
    ).toBeCloseTo(2 / 3);
    expect(
      m.accuracy(
        scores([
          [0.1, 0.9],
          [0.7, 0.3],
        ]),
        scores([
          [0, 1],
          [0, 1],
        ]),
      ),
    ).toBe(0.5);
    expect(m.accuracy([0.2, 0.7, 0.9], [0, 1, 0], { threshold: 0.5 })).toBeCloseTo(2 / 3);
  });
  it("rejects probabilities without a threshold and mismatched lengths", () => {
    expect(() => m.accuracy([0.2, 0.7], [0, 1])).toThrow(/threshold/);
    expect(() => m.accuracy([1, 0], [0, 1, 1])).toThrow(/2 predictions for 3 labels/);
  });
});

describe("precision, recall, f1", () => {
  // pred: 1 1 0 1 0 1 ; truth: 1 0 0 1 1 1 → tp 3, fp 1, fn 1, tn 1
  const pred = [1, 1, 0, 1, 0, 1];
  const y = [1, 0, 0, 1, 1, 1];
  it("binary, against tp/fp/fn counted by hand", () => {
    expect(m.precision(pred, y)).toBeCloseTo(3 / 4);
    expect(m.recall(pred, y)).toBeCloseTo(3 / 4);
    expect(m.f1(pred, y)).toBeCloseTo(3 / 4);
    expect(m.precision([1, 1, 0, 1], [1, 0, 0, 1])).toBeCloseTo(2 / 3);
    expect(m.recall([1, 1, 0, 1], [1, 0, 0, 1])).toBe(1);
    expect(m.f1([1, 1, 0, 1], [1, 0, 0, 1])).toBeCloseTo(0.8);
    expect(m.precision(pred, y, { positive: 0 })).toBeCloseTo(1 / 2);
    expect(m.precision([0, 0], [1, 1])).toBe(0);
  });
  it("macro, micro and weighted over three classes", () => {
    // truth 0 0 1 1 2 2 ; pred 0 1 1 1 2 0
    const t = [0, 0, 1, 1, 2, 2];
    const p = [0, 1, 1, 1, 2, 0];
    // class 0: tp1 fp1 fn1 → P .5 R .5 ; class 1: tp2 fp1 fn0 → P 2/3 R 1 ; class 2: tp1 fp0 fn1 → P 1 R .5
    expect(m.precision(p, t, { average: "macro" })).toBeCloseTo((0.5 + 2 / 3 + 1) / 3);
    expect(m.recall(p, t, { average: "macro" })).toBeCloseTo((0.5 + 1 + 0.5) / 3);
    const f = [0.5, 0.8, 2 / 3];
    expect(m.f1(p, t, { average: "macro" })).toBeCloseTo((f[0] + f[1] + f[2]) / 3);
    expect(m.f1(p, t, { average: "micro" })).toBeCloseTo(m.accuracy(p, t));
    expect(m.recall(p, t, { average: "weighted" })).toBeCloseTo(m.accuracy(p, t));
  });
  it("macro recall of a perfect prediction is 1, and micro F1 equals accuracy", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(4), fc.nat(4)), { minLength: 1, maxLength: 50 }),
        (pairs) => {
          const p = pairs.map((q) => q[0]);
          const t = pairs.map((q) => q[1]);
          expect(m.f1(p, t, { average: "micro" })).toBeCloseTo(m.accuracy(p, t), 10);
          expect(m.recall(t, t, { average: "macro" })).toBe(1);
          const macro = m.f1(p, t, { average: "macro" });
          expect(macro).toBeGreaterThanOrEqual(0);
          expect(macro).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});

describe("confusionMatrix", () => {
  it("counts (truth, prediction) pairs, rows are the truth", () => {
    const cm = m.confusionMatrix(ids([0, 1, 1, 2, 2]), ids([0, 1, 0, 2, 1]), 3);
    expect(cm.shape).toEqual([3, 3]);
    expect(cm.dtype).toBe("i32");
    expect(cm.toArray()).toEqual([
      [1, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
  });
  it("sums to N with the correct ones on the diagonal", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(3), fc.nat(3)), { maxLength: 40 }), (pairs) => {
        const p = pairs.map((q) => q[0]);
        const t = pairs.map((q) => q[1]);
        const cm = m.confusionMatrix(p, t, 4).dataSync();
        expect(Array.from(cm).reduce((a, b) => a + b, 0)).toBe(pairs.length);
        const diag = cm[0] + cm[5] + cm[10] + cm[15];
        expect(diag).toBe(pairs.filter((q) => q[0] === q[1]).length);
      }),
    );
  });
  it("rejects ids out of range", () => {
    expect(() => m.confusionMatrix([0, 3], [0, 1], 3)).toThrow(/outside 0…2/);
  });
  it("formats as a table with totals, recall and accuracy", () => {
    const s = m.formatConfusionMatrix(m.confusionMatrix([0, 1, 1, 0], [0, 1, 0, 0], 2), {
      labels: ["cat", "dog"],
    });
    const lines = s.split("\n");
    expect(lines[0]).toMatch(/true\\pred\s+cat\s+dog │ total recall/);
    expect(lines[1]).toMatch(/cat\s+2\s+1 │\s+3\s+66\.7%/);
    expect(lines[2]).toMatch(/dog\s+0\s+1 │\s+1\s+100\.0%/);
    expect(lines[3]).toBe("accuracy 75.00% (3/4)");
  });
});

describe("regression metrics", () => {
  it("mse, mae and r2 by hand", () => {
    expect(m.mse([1, 2, 3], [1, 2, 5])).toBeCloseTo(4 / 3);
    expect(m.mae([1, 2, 3], [1, 2, 5])).toBeCloseTo(2 / 3);
    // y = 1 2 3 4, mean 2.5, tot = 5; pred 1 2 3 5 → res 1 → r2 = 0.8
    expect(
      m.r2(constant([1, 2, 3, 5], [4], "f32"), constant([1, 2, 3, 4], [4], "f32")),
    ).toBeCloseTo(0.8);
    expect(m.r2([2.5, 2.5, 2.5, 2.5], [1, 2, 3, 4])).toBe(0);
    expect(m.r2([7, 7], [7, 7])).toBe(1);
  });
  it("rejects different sizes", () => {
    expect(() => m.mse([1, 2], [1, 2, 3])).toThrow(/different sizes/);
  });
});
