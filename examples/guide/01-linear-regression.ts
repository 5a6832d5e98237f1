/**
 * Chapter 1, linear regression: the Boston house prices (506 suburbs, 13 features) fitted in closed
 * form by least squares (`tg.linalg.lstsq`) and by full-batch gradient descent (`tg.train.fit` on
 * a `dense(13, 1)` with mean squared error) at three learning rates: too small, right and too large.
 * The rates are derived from the curvature of the loss (the Hessian's extreme eigenvalues), so the
 * "too large" one is the first that must diverge, not a guess.
 *
 * Run: `npm run example:linear-regression` (add `-- --quick` for a short run).
 * @module
 */
import * as tg from "../../src/index.js";
import { constant } from "../../src/prims/constants.js";
import { reshape } from "../../src/prims/movement.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { loadBoston } from "../house-prices.js";
import { type GuideOptions, linePlot, markdownTable, outDir, runIfMain, writeSvg } from "./svg.js";

/** One gradient-descent run. */
export interface GdRun {
  label: string;
  lr: number;
  /** Training MSE after each epoch. */
  loss: number[];
  finalTrainMse: number;
  testRmse: number;
  /** The largest difference from the closed-form weights (bias included). */
  maxWeightDiff: number;
  diverged: boolean;
}

/** What chapter 1 measures. */
export interface LinearRegressionResult {
  closedForm: { trainMse: number; testRmse: number; weights: number[]; ms: number };
  /** The extreme eigenvalues of the loss's Hessian (2/n)·AᵀA. */
  curvature: { max: number; min: number };
  runs: GdRun[];
  epochs: number;
  svg: string;
}

/** `[x, 1]` as a host matrix (row-major, float64). */
function design(x: T): { a: Float64Array; n: number; f: number } {
  const [n, f0] = x.shape;
  const f = f0 + 1;
  const src = x.dataSync();
  const a = new Float64Array(n * f);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < f0; j++) a[i * f + j] = src[i * f0 + j];
    a[i * f + f0] = 1;
  }
  return { a, n, f };
}

/** The largest eigenvalue of a symmetric positive semi-definite matrix, by power iteration. */
function largestEigenvalue(h: Float64Array, f: number, shift = 0): number {
  let v = new Float64Array(f).fill(1 / Math.sqrt(f));
  let lambda = 0;
  for (let it = 0; it < 5000; it++) {
    const w = new Float64Array(f);
    for (let i = 0; i < f; i++) {
      let s = -shift * v[i];
      for (let j = 0; j < f; j++) s += h[i * f + j] * v[j];
      w[i] = s;
    }
    const norm = Math.hypot(...w);
    const next = w.map((x) => x / norm);
    const change = Math.abs(norm - lambda);
    lambda = norm;
    v = next;
    if (change < 1e-12 * Math.max(1, lambda)) break;
  }
  return lambda;
}

const predict = (a: Float64Array, n: number, f: number, w: readonly number[]): Float64Array => {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < f; j++) s += a[i * f + j] * w[j];
    out[i] = s;
  }
  return out;
};
const meanSq = (p: ArrayLike<number>, y: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (p[i] - y[i]) ** 2;
  return s / y.length;
};

/**
 * Fits the house prices both ways and writes `01-learning-rates.svg`.
 * @example
 * ```ts
 * const r = await main({ quick: true, verbose: false });
 * r.runs[1].maxWeightDiff; // small: the right rate reaches the closed form
 * ```
 */
export async function main(opts: GuideOptions = {}): Promise<LinearRegressionResult> {
  const verbose = opts.verbose ?? true;
  const epochs = opts.quick ? 300 : 2000;
  const { x, y } = loadBoston();
  const { train, test } = tg.data.trainTestSplit(tg.random.key(42), x, y, 0.2);
  const scaler = tg.data.standardScaler().fit(train.x);
  const xtr = scaler.transform(train.x) as T;
  const xte = scaler.transform(test.x) as T;
  const ytr = (train.y as T).dataSync();
  const yte = (test.y as T).dataSync();
  const tr = design(xtr);
  const te = design(xte);

  // closed form: minimise ‖Aw − y‖² by Householder QR
  const t0 = performance.now();
  const ls = tg.linalg.lstsq(constant(tr.a, [tr.n, tr.f], "f64"), constant(ytr, [tr.n], "f64"));
  const wClosed = Array.from(ls.x.dataSync());
  const ms = performance.now() - t0;
  const closedForm = {
    trainMse: meanSq(predict(tr.a, tr.n, tr.f, wClosed), ytr),
    testRmse: Math.sqrt(meanSq(predict(te.a, te.n, te.f, wClosed), yte)),
    weights: wClosed,
    ms,
  };

  // curvature of L(w) = (1/n)‖Aw − y‖²: its Hessian is (2/n)·AᵀA
  const { a, n, f } = tr;
  const h = new Float64Array(f * f);
  for (let i = 0; i < f; i++)
    for (let j = 0; j < f; j++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += a[r * f + i] * a[r * f + j];
      h[i * f + j] = (2 / n) * s;
    }
  const max = largestEigenvalue(h, f);
  const min = max - largestEigenvalue(h, f, max);
  const best = 2 / (max + min);
  const rates: [string, number][] = [
    ["too small, 0.02·lr*", 0.02 * best],
    ["right, lr* = 2/(λmax+λmin)", best],
    ["too large, 2.05/λmax", 2.05 / max],
  ];

  const model = tg.nn.dense(f - 1, 1);
  const runs: GdRun[] = [];
  for (const [label, lr] of rates) {
    const fitted = await tg.train.fit(
      model,
      model.init(tg.random.key(0)),
      { x: xtr, y: reshape(train.y as T, [n, 1]) },
      {
        loss: (p: T, t: T) => tg.losses.mse(p, t),
        optimizer: tg.optim.sgd({ lr }),
        epochs,
        batchSize: n,
        shuffle: false,
        progress: false,
      },
    );
    const p = fitted.params as { w: T; b: T };
    const w = [...Array.from(p.w.dataSync()), p.b.dataSync()[0]];
    const loss = fitted.history.loss;
    const last = loss.at(-1) ?? Number.NaN;
    runs.push({
      label,
      lr,
      loss,
      finalTrainMse: last,
      testRmse: Math.sqrt(meanSq(predict(te.a, te.n, te.f, w), yte)),
      maxWeightDiff: Math.max(...w.map((v, i) => Math.abs(v - wClosed[i]))),
      diverged: !(last < loss[0]),
    });
  }

  const svg = writeSvg(
    outDir(opts),
    "01-learning-rates.svg",
    linePlot(
      [
        ...runs.map((r) => ({ name: `${r.label}: lr ${r.lr.toPrecision(2)}`, y: r.loss })),
        {
          name: "closed form (lstsq)",
          y: [closedForm.trainMse, closedForm.trainMse],
          x: [0, epochs - 1],
          dashed: true,
        },
      ],
      {
        title: "Boston house prices: training MSE of full-batch gradient descent",
        xLabel: "epoch (one full-batch step each)",
        yLabel: "training MSE (k$²)",
        logY: true,
        yRange: [1, 1e6],
      },
    ),
  );

  if (verbose) {
    console.log(
      `Boston house prices: ${n} training and ${te.n} test suburbs, ${f - 1} standardized features`,
    );
    console.log(
      `Hessian eigenvalues: λmax ${max.toFixed(3)}, λmin ${min.toFixed(4)} (condition ${(max / min).toFixed(0)})\n`,
    );
    console.log(
      markdownTable(
        [
          "method",
          "lr",
          `train MSE after ${epochs} epochs`,
          "test RMSE (k$)",
          "largest weight gap to lstsq",
        ],
        [
          [
            "closed form (lstsq)",
            "–",
            closedForm.trainMse.toFixed(3),
            closedForm.testRmse.toFixed(3),
            "0",
          ],
          ...runs.map((r) => [
            `GD, ${r.label}`,
            r.lr.toPrecision(3),
            r.diverged
              ? `diverged (${r.finalTrainMse.toExponential(1)})`
              : r.finalTrainMse.toFixed(3),
            r.diverged ? "–" : r.testRmse.toFixed(3),
            r.diverged ? "–" : r.maxWeightDiff.toExponential(1),
          ]),
        ],
      ),
    );
    console.log(`\nplot: ${svg}`);
  }
  return { closedForm, curvature: { max, min }, runs, epochs, svg };
}

await runIfMain(import.meta.url, main);
