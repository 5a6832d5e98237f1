/**
 * The guide's chapters 1–5 in quick mode: each runs on a small slice and reaches its quality bar
 * scaled to the slice (the full runs' figures are in docs/guide). Quick runs write their SVGs to a
 * temp folder, never into docs/.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname } from "node:path";
import { describe, expect, test } from "vitest";
import * as ch1 from "../../examples/guide/01-linear-regression.js";
import * as ch2 from "../../examples/guide/02-logistic-regression.js";
import * as ch3 from "../../examples/guide/03-perceptron-mlp.js";
import * as ch4 from "../../examples/guide/04-activations-losses-optimizers.js";
import * as ch5 from "../../examples/guide/05-regularisation.js";

/** The SVG was written, is a whole document with at least one `tag`, lies in the temp folder; then it is removed. */
function checkSvg(path: string, tag: string): void {
  expect(path.startsWith(tmpdir())).toBe(true);
  expect(existsSync(path)).toBe(true);
  expect(readFileSync(path, "utf8")).toMatch(
    new RegExp(`^<svg[^>]*>[\\s\\S]*<${tag}[\\s\\S]*</svg>\\n$`),
  );
  rmSync(dirname(path), { recursive: true, force: true });
}

describe("guide, chapters 1–5 (quick mode)", () => {
  test("1. linear regression: lstsq vs gradient descent at three learning rates", async () => {
    const r = await ch1.main({ quick: true, verbose: false });
    expect(r.closedForm.testRmse).toBeLessThan(7);
    const [small, right, large] = r.runs;
    // the right rate reaches the closed form; the small one is still far; the large one diverges
    expect(right.diverged).toBe(false);
    expect(right.maxWeightDiff).toBeLessThan(0.05);
    expect(Math.abs(right.testRmse - r.closedForm.testRmse)).toBeLessThan(0.05);
    expect(small.diverged).toBe(false);
    expect(small.finalTrainMse).toBeGreaterThan(r.closedForm.trainMse + 5);
    expect(large.diverged).toBe(true);
    expect(large.lr).toBeGreaterThan(2 / r.curvature.max);
    checkSvg(r.svg, "polyline");
  });

  test("2. logistic regression: credit scoring, imbalance remedies, three GLM links", async (ctx) => {
    try {
      ch2.ensureCreditG();
    } catch (e) {
      ctx.skip(`no German credit data here: ${(e as Error).message}`);
      return;
    }
    const r = await ch2.main({ quick: true, verbose: false });
    expect(r.badShare).toBeCloseTo(0.3, 5);
    const [plain, threshold, weights, over, under] = r.imbalance;
    expect(plain.auc).toBeGreaterThan(0.72);
    expect(plain.accuracy).toBeGreaterThan(0.7);
    // each remedy catches more bad risks than the plain model at ½, and costs less
    for (const m of [threshold, weights, over, under]) {
      expect(m.recall).toBeGreaterThan(plain.recall);
      expect(m.cost).toBeLessThan(plain.cost);
      expect(m.auc).toBeGreaterThan(0.7);
    }
    // each GLM beats its intercept-only model on held-out negative log-likelihood
    expect(r.glm.map((g) => g.family)).toEqual(["Bernoulli", "Gaussian", "Poisson"]);
    for (const g of r.glm) expect(g.nll).toBeLessThan(g.baselineNll);
    checkSvg(r.svg, "polyline");
  });

  test("3. perceptron converges on separable iris, fails on XOR; an MLP solves XOR", async () => {
    const r = await ch3.main({ quick: true, verbose: false });
    expect(r.iris.converged).toBe(true);
    expect(r.iris.accuracy).toBe(1);
    expect(r.iris.errors.at(-1)).toBe(0);
    expect(r.xor.converged).toBe(false);
    expect(r.xor.accuracy).toBeLessThanOrEqual(0.75);
    expect(Math.min(...r.xor.errors)).toBeGreaterThan(0);
    // four hidden units solve XOR from every seed; two from some
    expect(r.mlp.solved[4]).toBe(r.mlp.seeds);
    expect(r.mlp.solved[2]).toBeGreaterThan(0);
    r.mlp.outputs.forEach((p, i) => expect(p > 0.5 ? 1 : 0).toBe((i >> 1) ^ (i & 1)));
    expect(r.svgs).toHaveLength(4);
    const [errors, ...maps] = r.svgs;
    expect(readFileSync(errors, "utf8")).toContain("<polyline");
    for (const m of maps) expect(readFileSync(m, "utf8")).toMatch(/<rect[\s\S]*<circle/);
    checkSvg(errors, "polyline");
  });

  test("4. derivatives from grad match closed forms; seven optimizers all learn, momentum beats plain SGD", async () => {
    const r = await ch4.main({ quick: true, verbose: false });
    expect(r.activations.map((a) => a.name)).toHaveLength(6);
    for (const a of r.activations) expect(a.maxGradError).toBeLessThan(1e-5);
    const at0 = Object.fromEntries(r.activations.map((a) => [a.name.split(" ")[0], a.atZero]));
    expect(at0.relu).toBe(0);
    expect(at0.sigmoid).toBeCloseTo(0.25, 6);
    expect(at0.tanh).toBeCloseTo(1, 6);
    expect(at0.gelu).toBeCloseTo(0.5, 6);
    expect(r.optimizers.map((o) => o.name)).toEqual([
      "SGD",
      "momentum",
      "Nesterov",
      "RMSProp",
      "Adagrad",
      "Adam",
      "AdamW",
    ]);
    for (const o of r.optimizers) {
      expect(o.finalLoss).toBeLessThan(o.curve[0]);
      expect(o.valAccuracy).toBeGreaterThan(0.5);
    }
    const [sgd, momentum, nesterov] = r.optimizers;
    expect(momentum.finalLoss).toBeLessThan(sgd.finalLoss);
    expect(nesterov.finalLoss).toBeLessThan(sgd.finalLoss);
    expect(r.svgs).toHaveLength(4);
    for (const f of r.svgs.slice(1)) expect(readFileSync(f, "utf8")).toContain("<polyline");
    checkSvg(r.svgs[0], "polyline");
  });

  test("5. a wide MLP overfits a small MNIST slice; each regulariser is measured, augmentation through fit", async () => {
    const r = await ch5.main({ quick: true, verbose: false });
    expect(r.rows.map((row) => row.method.split(/[ ,:]/)[0])).toEqual([
      "none",
      "L1",
      "L2",
      "dropout",
      "Gaussian",
      "batch",
      "early",
      "augmentation",
    ]);
    const [base, , , dropout, , , early, augmented] = r.rows;
    // the unregularised model learns the training slice by heart and generalises worse
    expect(base.trainAccuracy).toBeGreaterThan(0.99);
    expect(base.gap).toBeGreaterThan(0.08);
    for (const row of r.rows) {
      expect(row.testAccuracy).toBeGreaterThan(0.65);
      expect(row.valLoss).toHaveLength(row.epochs);
    }
    // random shifts (fit's augment hook) make the training set harder and narrow the gap
    expect(augmented.trainAccuracy).toBeLessThan(base.trainAccuracy);
    expect(augmented.gap).toBeLessThan(base.gap);
    expect(dropout.trainAccuracy).toBeLessThanOrEqual(base.trainAccuracy);
    expect(early.epochs).toBeLessThanOrEqual(r.epochs);
    expect(readFileSync(r.svgs[1], "utf8")).toContain("<polyline");
    checkSvg(r.svgs[0], "polyline");
  }, 120_000);
});
