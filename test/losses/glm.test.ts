/**
 * The GLM negative log-likelihoods (gaussianNll, poissonNll): one table of options, each row
 * checked against its formula in float64 JavaScript on random inputs (fast-check), its gradient
 * against central finite differences, the reductions, the shapes in the types, and bad input.
 */
import fc from "fast-check";
import { describe, expect, expectTypeOf, test } from "vitest";
import * as tg from "../../src/index.js";
import { constant } from "../../src/prims/constants.js";
import { checkGrads } from "../../src/testing/check-grads.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";

type Rows = number[][];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const num = (lo: number, hi: number) =>
  fc.integer({ min: 0, max: 1_000_000 }).map((i) => lo + ((hi - lo) * i) / 1_000_000);
const grid = (b: number, c: number, a: fc.Arbitrary<number>) =>
  fc.array(fc.array(a, { minLength: c, maxLength: c }), { minLength: b, maxLength: b });
const t64 = (r: Rows) => constant(r.flat(), [r.length, r[0].length], "f64");
const t32 = (r: Rows) => constant(r.flat(), [r.length, r[0].length], "f32");
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

interface Row {
  name: string;
  /** The loss of (input, target) with the row's options and reduction. */
  loss: (x: T, y: T, reduction?: "mean" | "sum" | "none") => T;
  /** Inputs, targets (and whatever else) for a batch b × c. */
  gen: (b: number, c: number) => fc.Arbitrary<[Rows, Rows]>;
  /** The per-element formula, in float64. */
  formula: (x: number, y: number, i: number, j: number) => number;
}

// variances for the Gaussian rows: a fixed positive grid, indexed by (example, output)
const variance = (i: number, j: number) => 0.2 + ((i * 7 + j * 3) % 11) / 5;
const varTensor = (b: number, c: number) =>
  constant(
    Array.from({ length: b * c }, (_, k) => variance(Math.floor(k / c), k % c)),
    [b, c],
    "f64",
  );
const stirling = (y: number) => (y > 1 ? y * Math.log(y) - y + 0.5 * Math.log(2 * Math.PI * y) : 0);
const counts = num(0, 1).map((u) => Math.floor(u * 8));

const table: Row[] = [
  {
    name: "gaussianNll",
    loss: (x, y, reduction) =>
      tg.losses.gaussianNll(x, y as never, varTensor(x.shape[0], x.shape[1]), { reduction }),
    gen: (b, c) => fc.tuple(grid(b, c, num(-3, 3)), grid(b, c, num(-3, 3))),
    formula: (x, y, i, j) => 0.5 * (Math.log(variance(i, j)) + (x - y) ** 2 / variance(i, j)),
  },
  {
    name: "gaussianNll (full)",
    loss: (x, y, reduction) =>
      tg.losses.gaussianNll(x, y as never, varTensor(x.shape[0], x.shape[1]), {
        reduction,
        full: true,
      }),
    gen: (b, c) => fc.tuple(grid(b, c, num(-3, 3)), grid(b, c, num(-3, 3))),
    formula: (x, y, i, j) =>
      0.5 * (Math.log(variance(i, j)) + (x - y) ** 2 / variance(i, j)) + HALF_LOG_2PI,
  },
  {
    name: "poissonNll (log input)",
    loss: (x, y, reduction) => tg.losses.poissonNll(x, y as never, { reduction }),
    gen: (b, c) => fc.tuple(grid(b, c, num(-2, 2)), grid(b, c, counts)),
    formula: (x, y) => Math.exp(x) - y * x,
  },
  {
    name: "poissonNll (rate input)",
    loss: (x, y, reduction) => tg.losses.poissonNll(x, y as never, { reduction, logInput: false }),
    gen: (b, c) => fc.tuple(grid(b, c, num(0.1, 5)), grid(b, c, counts)),
    formula: (x, y) => x - y * Math.log(x + 1e-8),
  },
  {
    name: "poissonNll (log input, full)",
    loss: (x, y, reduction) => tg.losses.poissonNll(x, y as never, { reduction, full: true }),
    gen: (b, c) => fc.tuple(grid(b, c, num(-2, 2)), grid(b, c, counts)),
    formula: (x, y) => Math.exp(x) - y * x + stirling(y),
  },
];

const perExample = (row: Row, x: Rows, y: Rows) =>
  x.map((r, i) => mean(r.map((v, j) => row.formula(v, y[i][j], i, j))));

describe("GLM losses", () => {
  for (const row of table) {
    test(`${row.name}: matches its float64 formula (mean, sum, none)`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 3 }),
          fc.gen(),
          (b, c, g) => {
            const [x, y] = g(() => row.gen(b, c));
            const ref = perExample(row, x, y);
            const refMean = mean(ref);
            const tol = (v: number) => 1e-5 * Math.max(1, Math.abs(v));
            // f32 as users run it; f64 exactly
            const m32 = row.loss(t32(x), t32(y)).item();
            expect(Math.abs(m32 - refMean)).toBeLessThan(tol(refMean) * 10);
            expect(Math.abs(row.loss(t64(x), t64(y)).item() - refMean)).toBeLessThan(tol(refMean));
            const s = row.loss(t64(x), t64(y), "sum").item();
            expect(Math.abs(s - refMean * b)).toBeLessThan(tol(s) * b);
            const none = Array.from(row.loss(t64(x), t64(y), "none").dataSync());
            expect(none).toHaveLength(b);
            none.forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThan(tol(ref[i])));
          },
        ),
        { numRuns: 25 },
      );
    });

    test(`${row.name}: gradient with respect to the input matches finite differences`, () => {
      fc.assert(
        fc.property(fc.gen(), (g) => {
          const [x, y] = g(() => row.gen(3, 2));
          const target = t64(y);
          const report = checkGrads((xx: T) => row.loss(xx, target), [t64(x)], { tol: 1e-6 });
          expect(report.worst.error).toBeLessThan(1e-6);
        }),
        { numRuns: 10 },
      );
    });
  }

  test("gaussianNll: the variance broadcasts ([B, 1] and []), and a constant variance is a scaled MSE", () => {
    const m = tg.tensor([
      [1, 2],
      [0, -1],
    ]);
    const y = tg.tensor([
      [0.5, 2],
      [1, -3],
    ]);
    const perRow = tg.losses.gaussianNll(m, y, tg.tensor([[2], [2]])).item();
    const scalar = tg.losses.gaussianNll(m, y, tg.tensor(2)).item();
    const full = tg.losses
      .gaussianNll(
        m,
        y,
        tg.tensor([
          [2, 2],
          [2, 2],
        ]),
      )
      .item();
    expect(perRow).toBeCloseTo(full, 6);
    expect(scalar).toBeCloseTo(full, 6);
    // ½·(log 2 + mse/2)
    const mse = tg.losses.mse(m, y).item();
    expect(full).toBeCloseTo(0.5 * (Math.log(2) + mse / 2), 6);
  });

  test("gaussianNll clamps the variance at eps; poissonNll's rate input adds eps before the log", () => {
    const m = tg.tensor([[0]]);
    const y = tg.tensor([[0]]);
    expect(tg.losses.gaussianNll(m, y, tg.tensor([[0]])).item()).toBeCloseTo(
      0.5 * Math.log(1e-6),
      4,
    );
    expect(tg.losses.gaussianNll(m, y, tg.tensor([[0]]), { eps: 1e-2 }).item()).toBeCloseTo(
      0.5 * Math.log(1e-2),
      5,
    );
    // rate 0 with a zero count: 0 − 0·log(eps) = 0, not NaN
    expect(tg.losses.poissonNll(tg.tensor([[0]]), y, { logInput: false }).item()).toBe(0);
  });

  test("bad input: shapes, variance shapes, integer predictions, reductions", () => {
    const x = tg.tensor([[1, 2]]);
    expect(() => tg.losses.poissonNll(x, tg.tensor([[1, 2, 3]]) as never)).toThrow(
      /poissonNll: predictions \[1, 2\] and targets \[1, 3\] differ in shape/,
    );
    expect(() => tg.losses.gaussianNll(x, tg.tensor([[1, 2]]), tg.tensor([1, 2, 3]))).toThrow(
      /gaussianNll: the variance \[3\] does not broadcast to the predictions \[1, 2\]/,
    );
    expect(() =>
      tg.losses.poissonNll(tg.tensor([[1, 2]], "i32"), tg.tensor([[1, 2]], "i32")),
    ).toThrow(tg.DTypeError);
    expect(() => tg.losses.poissonNll(x, x, { reduction: "avg" as never })).toThrow(
      /poissonNll: reduction must be/,
    );
  });

  test("types: a scalar by default, [B] with reduction none; mismatched targets do not compile", () => {
    const x = tg.zeros([4, 3]);
    expectTypeOf(tg.losses.poissonNll(x, tg.zeros([4, 3]))).toEqualTypeOf<tg.Tensor<[], "f32">>();
    expectTypeOf(tg.losses.poissonNll(x, tg.zeros([4, 3]), { reduction: "none" })).toEqualTypeOf<
      tg.Tensor<[4], "f32">
    >();
    expectTypeOf(
      tg.losses.gaussianNll(x, tg.zeros([4, 3]), tg.ones([4, 1]), { reduction: "none" }),
    ).toEqualTypeOf<tg.Tensor<[4], "f32">>();
    // @ts-expect-error: predictions [4, 3] and targets [4, 2] differ in shape
    expect(() => tg.losses.poissonNll(x, tg.zeros([4, 2]))).toThrow(tg.ShapeError);
    // @ts-expect-error: predictions [4, 3] and targets [5, 3] differ in shape
    expect(() => tg.losses.gaussianNll(x, tg.zeros([5, 3]), tg.ones([4, 1]))).toThrow(
      tg.ShapeError,
    );
  });
});
