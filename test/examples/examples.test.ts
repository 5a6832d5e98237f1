/** Every example runs on a small slice and gives a sensible answer (the full runs are measured in the README). */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import * as credit from "../../examples/credit-scoring.js";
import * as house from "../../examples/house-prices.js";
import * as cnn from "../../examples/mnist-cnn.js";
import * as mlp from "../../examples/mnist-mlp.js";
import * as perceptron from "../../examples/perceptron-iris.js";
import * as xor from "../../examples/xor.js";

describe("examples", () => {
  test("xor: a 2-layer MLP learns XOR", async () => {
    const r = await xor.main({ steps: 300, verbose: false });
    expect(r.outputs.map(Math.round)).toEqual([0, 1, 1, 0]);
  });

  test("house prices: closed form and gradient descent agree", async () => {
    const r = await house.main({ epochs: 1500, verbose: false });
    expect(r.maxWeightDiff).toBeLessThan(1e-2);
    expect(Math.abs(r.closedForm.testRmse - r.gradientDescent.testRmse)).toBeLessThan(1e-2);
    expect(r.closedForm.testRmse).toBeLessThan(7);
  });

  test("perceptron on iris: converges on setosa vs rest, reports failure on the other pair", async () => {
    const r = await perceptron.main({ maxEpochs: 30, verbose: false });
    expect(r.separable.converged).toBe(true);
    expect(r.separable.accuracy).toBe(1);
    expect(r.inseparable.converged).toBe(false);
  });

  test("credit scoring: logistic regression on the breast-cancer CSV", async (ctx) => {
    let csv: string;
    try {
      csv = credit.ensureBreastCancerCsv();
    } catch (e) {
      ctx.skip(`no breast-cancer data here: ${(e as Error).message}`);
      return;
    }
    expect(readFileSync(csv, "utf8").startsWith("569,30,malignant,benign")).toBe(true);
    const r = await credit.main({ epochs: 10, verbose: false });
    expect(r.testAccuracy).toBeGreaterThan(0.9);
    expect(r.auc).toBeGreaterThan(0.95);
  });

  test("mnist-mlp (npm start) on 3,000 images", async () => {
    const svg = join(tmpdir(), `typegrad-mlp-${process.pid}.svg`);
    const r = await mlp.main({ limit: 3000, epochs: 2, svg, verbose: false });
    expect(r.testAccuracy).toBeGreaterThan(0.8);
    expect(r.history.loss).toHaveLength(2);
    expect(readFileSync(svg, "utf8")).toMatch(/^<svg[^>]*>[\s\S]*<polyline[\s\S]*<\/svg>\n$/);
    rmSync(svg);
  });

  test("mnist-cnn on 512 images", async () => {
    const r = await cnn.main({ limit: 512, epochs: 1, batchSize: 64, svg: null, verbose: false });
    expect(r.testAccuracy).toBeGreaterThan(0.3);
    expect(r.samplesPerSecond).toBeGreaterThan(0);
  });

  test("the example files are built to dist/examples by npm run build (checked when built)", () => {
    const dist = join(import.meta.dirname, "..", "..", "dist", "examples");
    if (!existsSync(dist)) return;
    for (const f of [
      "xor",
      "house-prices",
      "credit-scoring",
      "perceptron-iris",
      "mnist-mlp",
      "mnist-cnn",
    ]) {
      expect(existsSync(join(dist, `${f}.js`))).toBe(true);
    }
  });
});
