/**
 * The guide's chapters 6–11 in quick mode: each runs on its small slice and reaches the quality
 * bar its page states, scaled to the slice (the full runs' figures are on the chapter pages).
 */
import { readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { describe, expect, test } from "vitest";
import * as ch06 from "../../examples/guide/06-cnn.js";

/** Each SVG exists, is a whole document and holds drawing elements; then the temp dir goes. */
function expectSvgs(files: readonly string[]): void {
  for (const f of files) {
    expect(readFileSync(f, "utf8")).toMatch(
      /^<svg[^>]*>[\s\S]*<(rect|polyline|circle|path)[\s\S]*<\/svg>\n$/,
    );
    expect(f.startsWith("docs")).toBe(false);
  }
  if (files.length) rmSync(dirname(files[0]), { recursive: true, force: true });
}

describe("guide, chapters 6-11 (quick mode)", () => {
  test("06 CNNs: MNIST and Fashion-MNIST on 2,000 images", async () => {
    const r = await ch06.main({ quick: true, verbose: false });
    expect(r.mnist.testAccuracy).toBeGreaterThan(0.75);
    expect(r.fashion.testAccuracy).toBeGreaterThan(0.65);
    const total = r.fashion.confusion.flat().reduce((a, b) => a + b, 0);
    expect(total).toBe(1000);
    expect(
      r.fashion.confusion.map((row, i) => row[i]).reduce((a, b) => a + b, 0) / total,
    ).toBeCloseTo(r.fashion.testAccuracy, 6);
    expectSvgs(r.files);
  });
});
