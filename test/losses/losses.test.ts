/**
 * The loss table: each loss against its formula written in plain JavaScript on random inputs
 * (fast-check), its gradient against central finite differences in float64, the reductions, and
 * the stability of the cross-entropies on logits of ±1000.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import * as tg from "../../src/index.js";
import { constant } from "../../src/prims/constants.js";
import { checkGrads } from "../../src/testing/check-grads.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { expectClose } from "../util/close.js";

type Rows = number[][];
interface Row {
  name: string;
  loss: (p: T, t: T, o?: any) => T;
  opts?: Record<string, unknown>;
  /** Predictions and targets for a batch b × c. */
  gen: (b: number, c: number) => fc.Arbitrary<[Rows, Rows]>;
  /** The per-example formula. */
  formula: (p: number[], t: number[]) => number;
  /** Sparse targets: one i32 class per example. */
  sparse?: boolean;
  /** For the gradient check: whether an element is away from a kink of the loss. */
  smooth?: (p: number, t: number) => boolean;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const EPS = 1e-7;
const clip = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);
const lse = (z: number[]) => {
  const m = Math.max(...z);
  return m + Math.log(sum(z.map((v) => Math.exp(v - m))));
};
// uniform on [lo, hi] (fc.double spreads over exponents, mostly near 0)
const num = (lo: number, hi: number) =>
  fc.integer({ min: 0, max: 1_000_000 }).map((i) => lo + ((hi - lo) * i) / 1_000_000);
const grid = (b: number, c: number, lo: number, hi: number) =>
  fc.array(fc.array(num(lo, hi), { minLength: c, maxLength: c }), { minLength: b, maxLength: b });
const pair =
  (lo: number, hi: number, tlo = lo, thi = hi) =>
  (b: number, c: number) =>
    fc.tuple(grid(b, c, lo, hi), grid(b, c, tlo, thi));
const signs = (b: number, c: number) =>
  fc.array(fc.array(fc.constantFrom(-1, 1), { minLength: c, maxLength: c }), {
    minLength: b,
    maxLength: b,
  });
const probs = (b: number, c: number) =>
  grid(b, c, 0.05, 1).map((rows) => rows.map((r) => r.map((v) => v / sum(r))));
const oneHots = (b: number, c: number) =>
  fc
    .array(fc.nat(c - 1), { minLength: b, maxLength: b })
    .map((ks) => ks.map((k) => Array.from({ length: c }, (_, j) => (j === k ? 1 : 0))));

const rows: Row[] = [
  {
    name: "mse",
    loss: tg.losses.mse,
    gen: pair(-3, 3),
    formula: (p, t) => mean(p.map((v, i) => (v - t[i]) ** 2)),
  },
  {
    name: "mae",
    loss: tg.losses.mae,
    gen: pair(-3, 3),
    smooth: (p, t) => Math.abs(p - t) > 0.01,
    formula: (p, t) => mean(p.map((v, i) => Math.abs(v - t[i]))),
  },
  {
    name: "msle",
    loss: tg.losses.msle,
    gen: pair(0.01, 5),
    formula: (p, t) =>
      mean(
        p.map((v, i) => (Math.log(Math.max(v, EPS) + 1) - Math.log(Math.max(t[i], EPS) + 1)) ** 2),
      ),
  },
  {
    name: "huber",
    loss: tg.losses.huber,
    opts: { delta: 0.7 },
    gen: pair(-3, 3),
    smooth: (p, t) => Math.abs(Math.abs(p - t) - 0.7) > 0.01,
    formula: (p, t) =>
      mean(
        p.map((v, i) => {
          const e = Math.abs(v - t[i]);
          return e <= 0.7 ? 0.5 * e * e : 0.7 * (e - 0.35);
        }),
      ),
  },
  {
    name: "binaryCrossEntropy (probabilities)",
    loss: tg.losses.binaryCrossEntropy,
    gen: pair(0.02, 0.98, 0, 1),
    formula: (p, t) =>
      mean(
        p.map((v, i) => {
          const q = clip(v, EPS, 1 - EPS);
          return -(t[i] * Math.log(q) + (1 - t[i]) * Math.log(1 - q));
        }),
      ),
  },
  {
    name: "binaryCrossEntropy (logits)",
    loss: tg.losses.binaryCrossEntropy,
    opts: { fromLogits: true },
    gen: pair(-5, 5, 0, 1),
    formula: (p, t) =>
      mean(
        p.map((z, i) => {
          const s = 1 / (1 + Math.exp(-z));
          return -(t[i] * Math.log(s) + (1 - t[i]) * Math.log(1 - s));
        }),
      ),
  },
  {
    name: "categoricalCrossEntropy (probabilities)",
    loss: tg.losses.categoricalCrossEntropy,
    opts: { fromLogits: false },
    gen: (b, c) => fc.tuple(probs(b, c), oneHots(b, c)),
    formula: (p, t) => -sum(p.map((v, i) => t[i] * Math.log(clip(v / sum(p), EPS, 1 - EPS)))),
  },
  {
    name: "categoricalCrossEntropy (logits by default)",
    loss: tg.losses.categoricalCrossEntropy,
    gen: (b, c) => fc.tuple(grid(b, c, -5, 5), probs(b, c)),
    formula: (z, t) => -sum(z.map((v, i) => t[i] * (v - lse(z)))),
  },
  {
    name: "categoricalCrossEntropy (logits)",
    loss: tg.losses.categoricalCrossEntropy,
    opts: { fromLogits: true },
    gen: (b, c) => fc.tuple(grid(b, c, -5, 5), probs(b, c)),
    formula: (z, t) => -sum(z.map((v, i) => t[i] * (v - lse(z)))),
  },
  {
    name: "sparseCategoricalCrossEntropy (logits)",
    loss: tg.losses.sparseCategoricalCrossEntropy,
    opts: { fromLogits: true },
    sparse: true,
    gen: (b, c) => fc.tuple(grid(b, c, -5, 5), oneHots(b, c)),
    formula: (z, t) => lse(z) - z[t.indexOf(1)],
  },
  {
    name: "sparseCategoricalCrossEntropy (probabilities)",
    loss: tg.losses.sparseCategoricalCrossEntropy,
    opts: { fromLogits: false },
    sparse: true,
    gen: (b, c) => fc.tuple(probs(b, c), oneHots(b, c)),
    formula: (p, t) => -Math.log(clip(p[t.indexOf(1)] / sum(p), EPS, 1 - EPS)),
  },
  {
    name: "hinge",
    loss: tg.losses.hinge,
    gen: (b, c) => fc.tuple(grid(b, c, -2, 2), signs(b, c)),
    smooth: (p, t) => Math.abs(1 - p * t) > 0.01,
    formula: (p, t) => mean(p.map((v, i) => Math.max(1 - t[i] * v, 0))),
  },
  {
    name: "squaredHinge",
    loss: tg.losses.squaredHinge,
    gen: (b, c) => fc.tuple(grid(b, c, -2, 2), signs(b, c)),
    formula: (p, t) => mean(p.map((v, i) => Math.max(1 - t[i] * v, 0) ** 2)),
  },
  {
    name: "klDivergence",
    loss: tg.losses.klDivergence,
    gen: (b, c) => fc.tuple(probs(b, c), probs(b, c)),
    formula: (p, t) =>
      sum(t.map((v, i) => clip(v, EPS, 1) * Math.log(clip(v, EPS, 1) / clip(p[i], EPS, 1)))),
  },
];

const tensorOf = (r: Rows) => constant(r.flat(), [r.length, r[0].length], "f64");
const targetOf = (row: Row, t: Rows) =>
  row.sparse
    ? constant(
        t.map((r) => r.indexOf(1)),
        [t.length],
        "i32",
      )
    : tensorOf(t);
const dims = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 4 }));

describe("losses: one table", () => {
  for (const row of rows) {
    test(`${row.name}: formula, reductions`, () => {
      fc.assert(
        fc.property(
          dims.chain(([b, c]) => row.gen(b, c)),
          ([p, t]) => {
            const per = p.map((pr, i) => row.formula(pr, t[i]));
            const pt = tensorOf(p);
            const tt = targetOf(row, t);
            const tol = { tol: 1e-9 };
            expectClose(row.loss(pt, tt, row.opts).item(), mean(per), tol);
            expectClose(row.loss(pt, tt, { ...row.opts, reduction: "sum" }).item(), sum(per), tol);
            const none = row.loss(pt, tt, { ...row.opts, reduction: "none" }).dataSync();
            expectClose(none, per, { ...tol, what: "reduction none" });
          },
        ),
        { numRuns: 15 },
      );
    });
    test(`${row.name}: gradient vs finite differences`, () => {
      const ok = row.smooth ?? (() => true);
      const samples = fc.sample(fc.noBias(dims.chain(([b, c]) => row.gen(b, c))), {
        numRuns: 50,
        seed: 3,
      });
      const [p, t] = samples.find(([ps, ts]) =>
        ps.every((r, i) => r.every((v, j) => ok(v, ts[i][j]))),
      )!;
      const tt = targetOf(row, t);
      const report = checkGrads((pt: T) => row.loss(pt, tt, row.opts), [tensorOf(p)], {
        tol: 1e-5,
        modes: ["rev"],
      });
      expect(report.worst.error, JSON.stringify(report.worst)).toBeLessThan(1e-5);
    });
  }
});

describe("losses: stability and errors", () => {
  const big = tg.nn.linear(constant([1000, -1000, 0, -1000, 1000, 500], [2, 3], "f32")) as T;
  const finite = (t: T) => Array.from(t.dataSync()).every(Number.isFinite);
  test("cross-entropies from logits of ±1000: finite values and gradients", () => {
    const labels = constant([1, 0], [2], "i32");
    const oneHot = constant([0, 1, 0, 1, 0, 0], [2, 3], "f32");
    const bin = constant([1, 0, 1, 0, 1, 1], [2, 3], "f32");
    const cases: [string, (z: T) => T][] = [
      ["sparse", (z) => tg.losses.sparseCategoricalCrossEntropy(z, labels, { fromLogits: true })],
      ["categorical", (z) => tg.losses.categoricalCrossEntropy(z, oneHot, { fromLogits: true })],
      ["binary", (z) => tg.losses.binaryCrossEntropy(z, bin, { fromLogits: true })],
    ];
    for (const [, f] of cases) {
      const [v, g] = tg.valueAndGrad(f)(big);
      expect(finite(v as T)).toBe(true);
      expect(finite(g)).toBe(true);
    }
    // the sparse loss of the first row: logsumexp(1000, −1000, 0) − (−1000) = 2000
    const per = tg.losses.sparseCategoricalCrossEntropy(big, labels, {
      fromLogits: true,
      reduction: "none",
    });
    expect(Array.from(per.dataSync())[0]).toBeCloseTo(2000, 3);
  });
  test("mismatched shapes throw a ShapeError naming the loss", () => {
    expect(() =>
      tg.losses.mse(constant([1, 2], [1, 2], "f32"), constant([1, 2, 3], [1, 3], "f32")),
    ).toThrow(/mse: predictions \[1, 2\] and targets \[1, 3\]/);
    expect(() =>
      tg.losses.sparseCategoricalCrossEntropy(big, constant([0, 1], [2], "f32")),
    ).toThrow(tg.DTypeError);
  });
});
