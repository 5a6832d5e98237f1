// The cross-entropies' default cannot go wrong silently: categorical ones read logits (as
// PyTorch) and refuse, eagerly, predictions that are all probability rows when fromLogits is not
// given; binary cross-entropy reads probabilities and refuses values outside [0, 1].
import { describe, expect, it } from "vitest";
import * as tg from "../../src/index.js";

const probs = tg.tensor([
  [0.7, 0.2, 0.1],
  [0.1, 0.1, 0.8],
]);
const logits = tg.tensor([
  [2, 0.5, -1],
  [-0.3, 0.1, 1.7],
]);
const onehot = tg.tensor([
  [1, 0, 0],
  [0, 0, 1],
]);
const labels = tg.tensor([0, 2], "i32");

describe("cross-entropy defaults", () => {
  it("softmax outputs with fromLogits omitted are an error naming the option (they gave a silently wrong loss)", () => {
    expect(() => tg.losses.categoricalCrossEntropy(probs, onehot)).toThrow(/fromLogits: false/);
    expect(() => tg.losses.sparseCategoricalCrossEntropy(probs, labels)).toThrow(
      /fromLogits: false/,
    );
    const want = -(Math.log(0.7) + Math.log(0.8)) / 2; // 0.2899
    expect(
      tg.losses.categoricalCrossEntropy(probs, onehot, { fromLogits: false }).item(),
    ).toBeCloseTo(want, 5);
    expect(
      tg.losses.sparseCategoricalCrossEntropy(probs, labels, { fromLogits: false }).item(),
    ).toBeCloseTo(want, 5);
    // said explicitly, the same numbers are taken as logits
    expect(
      Number.isFinite(
        tg.losses.categoricalCrossEntropy(probs, onehot, { fromLogits: true }).item(),
      ),
    ).toBe(true);
  });

  it("logits need no option", () => {
    const lse = (r: number[]) => Math.log(r.reduce((a, v) => a + Math.exp(v), 0));
    const want = (lse([2, 0.5, -1]) - 2 + lse([-0.3, 0.1, 1.7]) - 1.7) / 2;
    expect(tg.losses.categoricalCrossEntropy(logits, onehot).item()).toBeCloseTo(want, 5);
    expect(tg.losses.sparseCategoricalCrossEntropy(logits, labels).item()).toBeCloseTo(want, 5);
  });

  it("binary cross-entropy refuses a logit where a probability is expected", () => {
    const y = tg.tensor([[1, 0]]);
    expect(() => tg.losses.binaryCrossEntropy(tg.tensor([[2.3, -1]]), y)).toThrow(
      /prediction 2.3 at flat index 0 is not a probability.*fromLogits: true/,
    );
    expect(
      tg.losses.binaryCrossEntropy(tg.tensor([[2.3, -1]]), y, { fromLogits: true }).item(),
    ).toBeGreaterThan(0);
    expect(tg.losses.binaryCrossEntropy(tg.tensor([[0.9, 0.2]]), y).item()).toBeCloseTo(
      -(Math.log(0.9) + Math.log(0.8)) / 2,
      5,
    );
  });
});
