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
});
