/** rocAuc and rocCurve against a direct O(n²) count of the positive–negative pairs, ties included. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import * as tg from "../../src/index.js";

/** The definition: the fraction of (positive, negative) pairs ordered right, ties one half. */
function pairCount(s: number[], y: number[]): number {
  let pairs = 0;
  let wins = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j] !== 0) continue;
      pairs++;
      wins += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

// scores from a few values (many ties) or spread out; labels with both classes present
const data = fc
  .integer({ min: 2, max: 60 })
  .chain((n) =>
    fc.tuple(
      fc.oneof(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: n, maxLength: n }),
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: n, maxLength: n }),
      ),
      fc.array(fc.constantFrom(0, 1), { minLength: n, maxLength: n }),
    ),
  )
  .filter(([, y]) => y.includes(0) && y.includes(1));

describe("rocAuc", () => {
  test("equals the pair count (arrays and tensors, [N] and [N, 1])", () => {
    fc.assert(
      fc.property(data, ([s, y]) => {
        const ref = pairCount(s, y);
        expect(tg.metrics.rocAuc(s, y)).toBeCloseTo(ref, 12);
        const st = tg.fromArray(Float64Array.from(s), [s.length, 1], "f64");
        expect(tg.metrics.rocAuc(st, tg.tensor(y, "i32"))).toBeCloseTo(ref, 12);
      }),
      { numRuns: 300 },
    );
  });

  test("the trapezoidal area under rocCurve equals rocAuc; the curve runs from (0, 0) to (1, 1)", () => {
    fc.assert(
      fc.property(data, ([s, y]) => {
        const c = tg.metrics.rocCurve(s, y);
        expect([c.fpr[0], c.tpr[0], c.fpr.at(-1), c.tpr.at(-1)]).toEqual([0, 0, 1, 1]);
        expect(c.thresholds[0]).toBe(Number.POSITIVE_INFINITY);
        expect(c.thresholds).toHaveLength(new Set(s).size + 1);
        let area = 0;
        for (let k = 1; k < c.fpr.length; k++) {
          expect(c.fpr[k]).toBeGreaterThanOrEqual(c.fpr[k - 1]);
          expect(c.tpr[k]).toBeGreaterThanOrEqual(c.tpr[k - 1]);
          area += ((c.fpr[k] - c.fpr[k - 1]) * (c.tpr[k] + c.tpr[k - 1])) / 2;
        }
        expect(area).toBeCloseTo(pairCount(s, y), 12);
      }),
      { numRuns: 200 },
    );
  });

  test("fixed cases: perfect, reversed, all tied, the JSDoc example", () => {
    expect(tg.metrics.rocAuc([1, 2, 3, 4], [0, 0, 1, 1])).toBe(1);
    expect(tg.metrics.rocAuc([4, 3, 2, 1], [0, 0, 1, 1])).toBe(0);
    expect(tg.metrics.rocAuc([5, 5, 5], [0, 1, 1])).toBe(0.5);
    expect(tg.metrics.rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(tg.metrics.rocCurve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]).tpr).toEqual([
      0, 0.5, 0.5, 1, 1,
    ]);
  });

  test("bad input is a ShapeError naming the metric and the values", () => {
    expect(() => tg.metrics.rocAuc([1, 2], [0, 1, 1])).toThrow(
      /rocAuc: expected scores \[N\] and labels \[N\].*\[2\] and \[3\]/,
    );
    expect(() => tg.metrics.rocAuc([1, 2], [0, 2])).toThrow(
      /rocAuc: labels must be 0 or 1, got 2 at index 1/,
    );
    expect(() => tg.metrics.rocAuc([1, Number.NaN], [0, 1])).toThrow(
      /rocAuc: the score at index 1 is NaN/,
    );
    expect(() => tg.metrics.rocAuc([1, 2], [1, 1])).toThrow(
      /rocAuc: needs both classes.*2 positive and 0 negative/,
    );
    expect(() => tg.metrics.rocCurve(tg.zeros([2, 2]), [0, 1])).toThrow(tg.ShapeError);
  });
});
