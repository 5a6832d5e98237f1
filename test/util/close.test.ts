import { describe, expect, test } from "vitest";
import { closeness, expectClose } from "./close.js";

describe("expectClose", () => {
  test("passes within tolerance, relative to max(1, |want|) by default", () => {
    expect(() => expectClose([1, 2e6, 0], [1 + 5e-7, 2e6 + 1, 5e-7])).not.toThrow();
    expect(() => expectClose(3, 3)).not.toThrow();
    expect(() => expectClose(new Float32Array([0.5]), [0.5])).not.toThrow();
  });

  test("sequences of different lengths fail, even when the common part matches", () => {
    expect(() => expectClose([1, 2], [1, 2, 3])).toThrow("got 2 entries, want 3");
    expect(() => expectClose([1, 2, 3], [1, 2])).toThrow("got 3 entries, want 2");
    expect(() => expectClose([], [1])).toThrow();
  });

  test("the message names the worst entry: index, got, want, error", () => {
    const r = closeness([1, 2, 3, 4], [1, 2.1, 3, 5], { tol: 1e-3, what: "y" });
    expect(r.ok).toBe(false);
    expect(r.message).toContain("y: 2 of 4 entries out of tolerance");
    expect(r.message).toContain("worst at index 3: got 4, want 5, error 1");
  });

  test("NaN meets only NaN; an infinity only the same infinity", () => {
    expect(() => expectClose([Number.NaN, 1], [Number.NaN, 1])).not.toThrow();
    expect(() => expectClose([Number.NaN], [0])).toThrow("NaN against a number");
    expect(() => expectClose([0], [Number.NaN])).toThrow("NaN against a number");
    expect(() => expectClose([Number.POSITIVE_INFINITY], [Number.POSITIVE_INFINITY])).not.toThrow();
    expect(() => expectClose([Number.NEGATIVE_INFINITY], [Number.POSITIVE_INFINITY])).toThrow();
    expect(() => expectClose([1e308], [Number.POSITIVE_INFINITY], { tol: 1 })).toThrow();
  });

  test("the sign of zero is checked only when asked", () => {
    expect(() => expectClose([0], [-0])).not.toThrow();
    expect(() => expectClose([0], [-0], { signedZero: true })).toThrow("want -0");
    expect(() => expectClose([-0, 1e-9], [-0, 0], { signedZero: true })).toThrow("index 1");
    expect(() => expectClose([-0], [-0], { signedZero: true })).not.toThrow();
  });

  test("atol, rtol and per-entry scales", () => {
    expect(() => expectClose([100.5], [100], { atol: 0, rtol: 1e-2 })).not.toThrow();
    expect(() => expectClose([100.5], [100], { atol: 0, rtol: 1e-3 })).toThrow();
    expect(() => expectClose([0.4], [0], { atol: 0.5, rtol: 0 })).not.toThrow();
    expect(() => expectClose([1.1], [1], { atol: 0, rtol: 1e-2, scale: [20] })).not.toThrow();
    expect(() => expectClose([1.1], [1], { atol: 0, rtol: 1e-2, scale: [2] })).toThrow();
    expect(() => expectClose([1], [1], { scale: [1, 2] })).toThrow("2 scales for 1 entries");
  });
});
