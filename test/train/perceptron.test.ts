/** The perceptron rule: converges on separable data, reports when it does not. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import "../../src/index.js";
import { constant } from "../../src/prims/constants.js";
import * as random from "../../src/random/index.js";
import { perceptron } from "../../src/train/index.js";

describe("perceptron", () => {
  test("converges on random linearly separable data (with a margin) and classifies it all", () => {
    const arb = fc.record({
      w: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
      pts: fc.array(
        fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 3, maxLength: 3 }),
        { minLength: 4, maxLength: 40 },
      ),
    });
    fc.assert(
      fc.property(arb, ({ w, pts }) => {
        const norm = Math.hypot(...w);
        fc.pre(norm > 0.1);
        const kept = pts.filter(
          (p) => Math.abs(p.reduce((s, v, j) => s + v * w[j], 0.2)) / norm > 0.1,
        );
        fc.pre(kept.length >= 2);
        const y = kept.map((p) => (p.reduce((s, v, j) => s + v * w[j], 0.2) > 0 ? 1 : 0));
        const x = constant(kept.flat(), [kept.length, 3], "f32");
        const r = perceptron(x, constant(y, [y.length], "i32"), { maxEpochs: 2000 });
        expect(r.converged).toBe(true);
        expect(r.errors.at(-1)).toBe(0);
        expect(Array.from(r.predict(x).dataSync())).toEqual(y);
      }),
      { numRuns: 30 },
    );
  });
  test("XOR is not separable: reported, not thrown", () => {
    const x = constant([0, 0, 0, 1, 1, 0, 1, 1], [4, 2], "f32");
    const r = perceptron(x, constant([0, 1, 1, 0], [4], "i32"), {
      maxEpochs: 25,
      key: random.key(0),
    });
    expect(r.converged).toBe(false);
    expect(r.epochs).toBe(25);
    expect(r.message).toMatch(/did not converge within 25 epochs.*not be linearly separable/);
  });
  test("the update rule, step by step (AND gate, lr 1)", () => {
    const x = constant([0, 0, 0, 1, 1, 0, 1, 1], [4, 2], "f32");
    const r = perceptron(x, constant([-1, -1, -1, 1], [4], "i32"), { lr: 1 });
    expect(r.converged).toBe(true);
    // hand-run: epoch 1 → (1,1) misclassified: w=(1,1), b=1; ... converges to w=(2,1), b=-2
    expect(Array.from(r.w.dataSync())).toEqual([2, 1]);
    expect(r.b).toBe(-2);
    expect(r.errors[0]).toBeGreaterThan(0);
  });
  test("bad labels and shapes are ShapeErrors", () => {
    const x = constant([0, 1], [2, 1], "f32");
    expect(() => perceptron(x, constant([0, 2], [2], "i32"))).toThrow(/labels must be 0\/1/);
    expect(() => perceptron(x, constant([0], [1], "i32"))).toThrow(/one label per row/);
    expect(() => perceptron(constant([0, 1], [2], "f32"), constant([0, 1], [2], "i32"))).toThrow(
      /\[N, features\]/,
    );
  });
});
