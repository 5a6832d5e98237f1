/**
 * Credit scoring, the logistic-regression way: a `dense(30, 1)` with a sigmoid, trained by
 * binary cross-entropy on the Wisconsin breast-cancer set (569 cases, 30 features; malignant vs
 * benign) — the same model a bank fits to score credit applications. The data is the CSV bundled
 * in Debian's `python3-sklearn` package: the setup step fetches it once with
 * `apt-get download python3-sklearn` and `dpkg -x` into a cache directory.
 *
 * Run: `npm run example:credit-scoring`.
 * @module
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as E from "fp-ts/lib/Either.js";
import * as tg from "../src/index.js";
import { gt } from "../src/prims/elementwise.js";
import { reshape } from "../src/prims/movement.js";
import type { AnyTensor as T } from "../src/tensor/tensor.js";

/** Options of the credit-scoring example. */
export interface CreditOptions {
  /** Epochs (default 60). */
  epochs?: number;
  /** Where the CSV is cached (default `$TYPEGRAD_DATA` or `<tmp>/typegrad-data`). */
  cacheDir?: string;
  /** Print the result (default true). */
  verbose?: boolean;
}

/**
 * The path of `breast_cancer.csv`, fetched from Debian's python3-sklearn package on first use.
 * @example
 * ```ts
 * const csv = ensureBreastCancerCsv(); // …/typegrad-data/breast_cancer.csv
 * ```
 */
export function ensureBreastCancerCsv(
  cacheDir = process.env.TYPEGRAD_DATA ?? join(tmpdir(), "typegrad-data"),
): string {
  const target = join(cacheDir, "breast_cancer.csv");
  if (existsSync(target)) return target;
  mkdirSync(cacheDir, { recursive: true });
  const work = join(cacheDir, "sklearn-deb");
  mkdirSync(work, { recursive: true });
  try {
    execFileSync("apt-get", ["download", "python3-sklearn"], { cwd: work, stdio: "ignore" });
    const deb = readdirSync(work).find(
      (f) => f.startsWith("python3-sklearn") && f.endsWith(".deb"),
    );
    if (!deb) throw new Error("no .deb was downloaded");
    execFileSync("dpkg", ["-x", deb, "x"], { cwd: work, stdio: "ignore" });
  } catch (e) {
    throw new Error(
      `credit-scoring: could not fetch the breast-cancer data with apt-get download python3-sklearn (${(e as Error).message}). ` +
        `Put breast_cancer.csv from scikit-learn's datasets/data folder in ${cacheDir}.`,
    );
  }
  const src = join(
    work,
    "x",
    "usr",
    "lib",
    "python3",
    "dist-packages",
    "sklearn",
    "datasets",
    "data",
    "breast_cancer.csv",
  );
  writeFileSync(target, readFileSync(src));
  return target;
}

/**
 * Loads the CSV: its first row is `569,30,malignant,benign` (counts and class names), then 30
 * features and the class (0 malignant, 1 benign) per row.
 */
export function loadBreastCancer(path: string): { x: T; y: T; classes: string[] } {
  const text = readFileSync(path, "utf8");
  const [head, ...rest] = text.split("\n");
  const [, nf, ...classes] = head.split(",");
  const header = [...Array.from({ length: Number(nf) }, (_, i) => `f${i}`), "target"].join(",");
  const r = tg.data.loadCsv(`${header}\n${rest.join("\n")}`, {
    label: "target",
    labelType: "number",
    labelDtype: "f32",
  });
  if (E.isLeft(r)) throw new Error(`breast cancer: ${r.left.message}`);
  return { x: r.right.x, y: r.right.y!, classes };
}

/**
 * Trains and evaluates the logistic regression.
 * @example
 * ```ts
 * const { testAccuracy } = await main({ epochs: 20, verbose: false });
 * ```
 */
export async function main(
  opts: CreditOptions = {},
): Promise<{ testAccuracy: number; auc: number; f1: number }> {
  const verbose = opts.verbose ?? true;
  const { x, y, classes } = loadBreastCancer(ensureBreastCancerCsv(opts.cacheDir));
  const { train, test } = tg.data.trainTestSplit(tg.random.key(7), x, y, 0.25, { stratify: true });
  const scaler = tg.data.standardScaler().fit(train.x);
  const n = train.x.shape[0];
  const f = train.x.shape[1];
  const model = tg.nn.dense(f, 1);
  const trainSet = { x: scaler.transform(train.x) as T, y: reshape(train.y as T, [n, 1]) };
  const testX = scaler.transform(test.x) as T;
  const fitted = await tg.train.fit(model, model.init(tg.random.key(0)), trainSet, {
    loss: (logit: T, t: T) => tg.losses.binaryCrossEntropy(logit, t, { fromLogits: true }),
    optimizer: tg.optim.adam({ lr: 0.01 }),
    regularizer: (p) => tg.nn.l2(p, 1e-3) as T,
    epochs: opts.epochs ?? 60,
    batchSize: 32,
    metrics: [tg.train.binaryAccuracy({ threshold: 0 })],
    key: tg.random.key(3),
    progress: false,
  });
  const logits = reshape(tg.train.predict(model, fitted.params, testX) as T, [test.x.shape[0]]);
  const pred = gt(logits, 0);
  const yTest = test.y as T;
  const testAccuracy = tg.metrics.accuracy(pred, yTest);
  const f1 = tg.metrics.f1(pred, yTest);
  const auc = tg.metrics.rocAuc(logits, yTest);
  if (verbose) {
    console.log(
      `Breast-cancer screening by logistic regression: ${n} training and ${test.x.shape[0]} test cases, ${f} features`,
    );
    console.log(`classes: 0 = ${classes[0]}, 1 = ${classes[1]}\n`);
    console.log(
      `test accuracy ${(100 * testAccuracy).toFixed(2)}%   F1 ${f1.toFixed(3)}   ROC AUC ${auc.toFixed(4)}\n`,
    );
    console.log(
      tg.metrics.formatConfusionMatrix(tg.metrics.confusionMatrix(pred, yTest, 2), {
        labels: classes,
      }),
    );
    console.log();
    console.log(
      tg.train.terminalChart(fitted.history.loss, { label: "training loss per epoch", height: 5 }),
    );
  }
  return { testAccuracy, auc, f1 };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
