/** History plots: SVG structure and the terminal chart. */
import { describe, expect, test } from "vitest";
import { plotHistory, terminalChart } from "../../src/train/plot.js";

describe("plots", () => {
  test("plotHistory: two panels, one polyline per log, validation dashed, escaped title", () => {
    const svg = plotHistory(
      {
        loss: [1, 0.5, 0.25],
        valLoss: [1.1, 0.7, 0.5],
        accuracy: [0.5, 0.8, 0.9],
        valAccuracy: [0.4, 0.7, 0.85],
      },
      { title: "a < b" },
    );
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(4);
    expect(svg.match(/stroke-dasharray/g)!.length).toBeGreaterThanOrEqual(2);
    expect(svg).toContain("a &lt; b");
    expect(svg).toContain('width="840"');
  });
  test("plotHistory: a single epoch and a loss-only history still draw", () => {
    const svg = plotHistory({ loss: [0.3] });
    expect(svg.match(/<polyline/g)).toHaveLength(1);
    expect(svg).not.toContain("NaN");
  });
  test("terminalChart: height rows plus an axis, range labels, averaging down to width", () => {
    const lines = terminalChart(
      Array.from({ length: 200 }, (_, i) => 200 - i),
      { height: 4, width: 20, label: "loss" },
    ).split("\n");
    expect(lines).toHaveLength(6);
    expect(lines[4]).toMatch(/└─{20}$/);
    expect(lines[0]).toMatch(/┤█/);
    expect(lines[5]).toContain("loss: 200 → 1.00 over 200 points");
    expect(terminalChart([])).toContain("no data");
  });
});
