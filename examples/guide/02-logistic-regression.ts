/**
 * Chapter 2, logistic regression and GLMs: credit scoring on the German credit data (1,000
 * applicants, 20 attributes, 30 % bad risks; `credit-g.arff` from Debian's `weka` package). A
 * logistic regression is the Bernoulli member of the generalised linear models; the same linear
 * predictor with an identity link and a Gaussian likelihood, or a log link and a Poisson one, fits
 * a credit amount and a count. The class imbalance is handled four ways and compared in one table.
 *
 * Run: `npm run example:logistic-regression` (add `-- --quick` for a short run).
 * @module
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tg from "../../src/index.js";
import { constant } from "../../src/prims/constants.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { type GuideOptions, linePlot, markdownTable, outDir, runIfMain, writeSvg } from "./svg.js";

const ARFF = "/usr/share/doc/weka/examples/credit-g.arff";

/**
 * The path of `credit-g.arff`: the installed file of Debian's `weka` package (`apt-get install
 * weka`), or else unpacked once from `apt-get download weka` into a cache folder.
 * @example
 * ```ts
 * const path = ensureCreditG(); // /usr/share/doc/weka/examples/credit-g.arff
 * ```
 */
export function ensureCreditG(
  cacheDir = process.env.TYPEGRAD_DATA ?? join(tmpdir(), "typegrad-data"),
): string {
  if (existsSync(ARFF)) return ARFF;
  const work = join(cacheDir, "weka-deb");
  const unpacked = join(work, "x", ARFF);
  if (existsSync(unpacked)) return unpacked;
  mkdirSync(work, { recursive: true });
  try {
    execFileSync("apt-get", ["download", "weka"], { cwd: work, stdio: "ignore" });
    const deb = readdirSync(work).find((f) => f.startsWith("weka_") && f.endsWith(".deb"));
    if (!deb) throw new Error("no .deb was downloaded");
    execFileSync("dpkg", ["-x", deb, "x"], { cwd: work, stdio: "ignore" });
  } catch (e) {
    throw new Error(
      `could not fetch credit-g.arff with apt-get download weka (${(e as Error).message}); install it with apt-get install weka`,
    );
  }
  return unpacked;
}

/** An ARFF attribute: numeric, or nominal with its values. */
interface Attribute {
  name: string;
  values: string[] | null;
}

const unquote = (s: string) => s.trim().replace(/^'(.*)'$/, "$1");

/** Splits an ARFF line on commas outside single quotes. */
function fields(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (const ch of line) {
    if (ch === "'") quoted = !quoted;
    if (ch === "," && !quoted) {
      out.push(unquote(cur));
      cur = "";
    } else cur += ch;
  }
  out.push(unquote(cur));
  return out;
}

/**
 * The German credit data as rows of raw values, with its attributes (the class last).
 * @example
 * ```ts
 * const { attributes, rows } = loadCreditG(ensureCreditG()); // 21 attributes, 1,000 rows
 * ```
 */
export function loadCreditG(path: string): { attributes: Attribute[]; rows: string[][] } {
  const attributes: Attribute[] = [];
  const rows: string[][] = [];
  let data = false;
  for (const raw of readFileSync(path, "utf8").split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("%")) continue;
    if (data) {
      const f = fields(line);
      if (f.length !== attributes.length)
        throw new Error(`credit-g: a row has ${f.length} fields, expected ${attributes.length}`);
      rows.push(f);
    } else if (/^@attribute/i.test(line)) {
      const m = /^@attribute\s+(\S+)\s+(.*)$/i.exec(line);
      if (!m) throw new Error(`credit-g: cannot read ${line}`);
      const type = m[2].trim();
      attributes.push({
        name: m[1],
        values: type.startsWith("{") ? fields(type.slice(1, type.lastIndexOf("}"))) : null,
      });
    } else if (/^@data/i.test(line)) data = true;
  }
  return { attributes, rows };
}

/** Design matrix columns: numeric attributes as they are, nominal ones one-hot. */
function encode(
  attributes: Attribute[],
  rows: string[][],
  skip: readonly string[],
): { x: Float64Array; names: string[] } {
  const cols: { a: number; value: string | null; name: string }[] = [];
  attributes.forEach((at, a) => {
    if (skip.includes(at.name)) return;
    if (at.values) for (const v of at.values) cols.push({ a, value: v, name: `${at.name}=${v}` });
    else cols.push({ a, value: null, name: at.name });
  });
  const x = new Float64Array(rows.length * cols.length);
  rows.forEach((r, i) => {
    cols.forEach((c, j) => {
      x[i * cols.length + j] = c.value === null ? Number(r[c.a]) : r[c.a] === c.value ? 1 : 0;
    });
  });
  return { x, names: cols.map((c) => c.name) };
}

/** Column means and standard deviations of the training rows; applied to any rows. */
function standardize(x: Float64Array, f: number, train: number[]): (rows: number[]) => T {
  const mu = new Float64Array(f);
  const sd = new Float64Array(f);
  for (const i of train) for (let j = 0; j < f; j++) mu[j] += x[i * f + j] / train.length;
  for (const i of train)
    for (let j = 0; j < f; j++) sd[j] += (x[i * f + j] - mu[j]) ** 2 / train.length;
  for (let j = 0; j < f; j++) sd[j] = Math.sqrt(sd[j]) || 1;
  return (rows) => {
    const out = new Float32Array(rows.length * f);
    rows.forEach((i, r) => {
      for (let j = 0; j < f; j++) out[r * f + j] = (x[i * f + j] - mu[j]) / sd[j];
    });
    return constant(out, [rows.length, f], "f32");
  };
}

/** A stratified split of indices by a key: `testFraction` of each class to the test side. */
function stratifiedSplit(y: number[], testFraction: number, seed: number): [number[], number[]] {
  const key = tg.random.key(seed);
  const perm = Array.from(tg.random.permutation(key, y.length).dataSync());
  const train: number[] = [];
  const test: number[] = [];
  for (const c of [0, 1]) {
    const members = perm.filter((i) => y[i] === c);
    const nTest = Math.round(members.length * testFraction);
    test.push(...members.slice(0, nTest));
    train.push(...members.slice(nTest));
  }
  return [train, test];
}

/** One row of the imbalance table (means over the splits). */
export interface ImbalanceRow {
  method: string;
  accuracy: number;
  /** Recall of the bad risks: the share of defaults caught. */
  recall: number;
  precision: number;
  f1: number;
  auc: number;
  /** The data set's cost matrix: 5 per bad risk accepted, 1 per good one refused, per applicant. */
  cost: number;
}

/** One row of the GLM table. */
export interface GlmRow {
  family: string;
  link: string;
  target: string;
  /** Test negative log-likelihood per applicant of the GLM, and of the intercept-only model. */
  nll: number;
  baselineNll: number;
  /** A metric in the target's own terms. */
  metric: string;
}

/** What chapter 2 measures. */
export interface LogisticResult {
  imbalance: ImbalanceRow[];
  glm: GlmRow[];
  splits: number;
  badShare: number;
  svg: string;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Trains `dense(f, outputs)` on (x, y) with `loss`, full batch Adam; returns the test predictions. */
async function fitLinear(
  xtr: T,
  ytr: T,
  xte: T,
  outputs: number,
  loss: (pred: T, y: T) => T,
  epochs: number,
  augmentSeed: number,
): Promise<Float32Array | Float64Array> {
  const model = tg.nn.dense(xtr.shape[1], outputs);
  const fitted = await tg.train.fit(
    model,
    model.init(tg.random.key(augmentSeed)),
    { x: xtr, y: ytr },
    {
      loss,
      optimizer: tg.optim.adam({ lr: 0.01 }),
      regularizer: (p) => tg.nn.l2(p, 1e-3) as T,
      epochs,
      batchSize: 64,
      key: tg.random.key(augmentSeed + 1),
      progress: false,
    },
  );
  return tg.train.predict(model, fitted.params, xte).dataSync() as Float32Array;
}

const col = (v: ArrayLike<number>) => constant(Float32Array.from(v), [v.length, 1], "f32");

/** Binary cross-entropy on logits, each example weighted by its class (mean of weight · loss). */
const weightedBce =
  (wPos: number, wNeg: number) =>
  (logit: T, y: T): T => {
    const per = tg.losses.binaryCrossEntropy(logit, y as never, {
      fromLogits: true,
      reduction: "none",
    }) as T;
    const w = tg.add(tg.mul(tg.reshape(y, [y.shape[0]]), wPos - wNeg), wNeg) as T;
    return tg.mean(tg.mul(per, w)) as T;
  };

/**
 * Runs the chapter and writes `02-roc.svg`.
 * @example
 * ```ts
 * const r = await main({ quick: true, verbose: false });
 * r.imbalance[0].auc; // ≈ 0.78
 * ```
 */
export async function main(opts: GuideOptions = {}): Promise<LogisticResult> {
  const verbose = opts.verbose ?? true;
  const epochs = opts.quick ? 15 : 60;
  const splits = opts.quick ? 1 : 5;
  const { attributes, rows } = loadCreditG(ensureCreditG());
  const yAll: number[] = rows.map((r) => (r[r.length - 1] === "bad" ? 1 : 0));
  const { x: xAll, names } = encode(attributes, rows, ["class"]);
  const f = names.length;
  const n = rows.length;
  const badShare = yAll.reduce((a, b) => a + b, 0) / n;

  const methods = [
    "plain (threshold ½)",
    "plain, threshold ⅙ (cost-optimal)",
    "class weights",
    "oversampling",
    "undersampling",
  ];
  const acc = methods.map(() => ({ accuracy: 0, recall: 0, precision: 0, f1: 0, auc: 0, cost: 0 }));
  let roc: tg.metrics.RocCurve | null = null;
  let rocWeighted: tg.metrics.RocCurve | null = null;

  for (let s = 0; s < splits; s++) {
    const [train, test] = stratifiedSplit(yAll, 0.25, 100 + s);
    const scale = standardize(xAll, f, train);
    const xtr = scale(train);
    const xte = scale(test);
    const ytr = train.map((i) => yAll[i]);
    const yte = test.map((i) => yAll[i]);
    const bce = (p: T, t: T) =>
      tg.losses.binaryCrossEntropy(p, t as never, { fromLogits: true }) as T;
    const nPos = ytr.reduce((a, b) => a + b, 0);
    const nNeg = ytr.length - nPos;

    const plain = await fitLinear(xtr, col(ytr), xte, 1, bce, epochs, 10 * s);
    const weighted = await fitLinear(
      xtr,
      col(ytr),
      xte,
      1,
      weightedBce(ytr.length / (2 * nPos), ytr.length / (2 * nNeg)),
      epochs,
      10 * s,
    );
    const resample = async (how: "over" | "under") => {
      const ds = { x: xtr, y: constant(Int32Array.from(ytr), [ytr.length], "i32") };
      const key = tg.random.key(500 + s);
      const b = how === "over" ? tg.data.oversample(key, ds) : tg.data.undersample(key, ds);
      const yb = Array.from((b.y as T).dataSync());
      return fitLinear(b.x as T, col(yb), xte, 1, bce, epochs, 10 * s);
    };
    const over = await resample("over");
    const under = await resample("under");
    const scored: [ArrayLike<number>, number][] = [
      [plain, 0],
      [plain, Math.log(1 / 5)], // p > 1/6 ⇔ logit > log(1/5)
      [weighted, 0],
      [over, 0],
      [under, 0],
    ];
    scored.forEach(([logits, th], k) => {
      const pred = Array.from(logits, (z) => (z > th ? 1 : 0));
      let fn = 0;
      let fp = 0;
      pred.forEach((p, i) => {
        if (p === 0 && yte[i] === 1) fn++;
        if (p === 1 && yte[i] === 0) fp++;
      });
      const a = acc[k];
      a.accuracy += tg.metrics.accuracy(pred, yte) / splits;
      a.recall += tg.metrics.recall(pred, yte) / splits;
      a.precision += tg.metrics.precision(pred, yte) / splits;
      a.f1 += tg.metrics.f1(pred, yte) / splits;
      a.auc += tg.metrics.rocAuc(logits, yte) / splits;
      a.cost += (5 * fn + fp) / yte.length / splits;
    });
    if (s === 0) {
      roc = tg.metrics.rocCurve(plain, yte);
      rocWeighted = tg.metrics.rocCurve(weighted, yte);
    }
  }
  const imbalance: ImbalanceRow[] = methods.map((method, k) => ({ method, ...acc[k] }));

  // the link-function view, on the first split: one linear predictor η = x·w + b, three families
  const glm = await linkFunctions(attributes, rows, epochs);

  const svg = writeSvg(
    outDir(opts),
    "02-roc.svg",
    linePlot(
      [
        {
          name: "plain logistic regression",
          x: roc!.fpr,
          y: roc!.tpr,
        },
        { name: "class-weighted", x: rocWeighted!.fpr, y: rocWeighted!.tpr },
        { name: "chance", x: [0, 1], y: [0, 1], dashed: true },
      ],
      {
        title: "German credit: ROC curves on the test split (bad risk = positive)",
        xLabel: "false-positive rate (good applicants refused)",
        yLabel: "true-positive rate (bad risks caught)",
        legend: "bottom-right",
        width: 560,
        height: 460,
      },
    ),
  );

  if (verbose) {
    console.log(
      `German credit: ${n} applicants, ${f} columns after one-hot encoding, ${(100 * badShare).toFixed(0)} % bad risks; ` +
        `${splits} stratified 75/25 split(s), ${epochs} epochs each\n`,
    );
    console.log(
      markdownTable(
        [
          "method",
          "accuracy",
          "recall (bad)",
          "precision (bad)",
          "F1 (bad)",
          "ROC AUC",
          "cost / applicant",
        ],
        imbalance.map((r) => [
          r.method,
          r.accuracy.toFixed(3),
          r.recall.toFixed(3),
          r.precision.toFixed(3),
          r.f1.toFixed(3),
          r.auc.toFixed(3),
          r.cost.toFixed(3),
        ]),
      ),
    );
    console.log();
    console.log(
      markdownTable(
        ["family", "link", "target", "test NLL", "intercept-only NLL", "in the target's terms"],
        glm.map((r) => [
          r.family,
          r.link,
          r.target,
          r.nll.toFixed(4),
          r.baselineNll.toFixed(4),
          r.metric,
        ]),
      ),
    );
    console.log(`\nplot: ${svg}`);
  }
  return { imbalance, glm, splits, badShare, svg };
}

/**
 * The same linear predictor under three links: Bernoulli/logit (bad risk), Gaussian/identity
 * (log credit amount, with a learned variance) and Poisson/log (existing credits at the bank).
 */
async function linkFunctions(
  attributes: Attribute[],
  rows: string[][],
  epochs: number,
): Promise<GlmRow[]> {
  const idx = (name: string) => attributes.findIndex((a) => a.name === name);
  const yBad: number[] = rows.map((r) => (r[idx("class")] === "bad" ? 1 : 0));
  const [train, test] = stratifiedSplit(yBad, 0.25, 100);
  const out: GlmRow[] = [];
  const meanOf = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

  // Bernoulli, logit link: P(bad) = σ(η)
  {
    const { x, names } = encode(attributes, rows, ["class"]);
    const scale = standardize(x, names.length, train);
    const ytr = train.map((i) => yBad[i]);
    const yte = test.map((i) => yBad[i]);
    const logits = await fitLinear(
      scale(train),
      col(ytr),
      scale(test),
      1,
      (p, t) => tg.losses.binaryCrossEntropy(p, t as never, { fromLogits: true }) as T,
      epochs,
      0,
    );
    const nll = (z: ArrayLike<number>) =>
      meanOf(
        yte.map((y, i) => -(y * Math.log(sigmoid(z[i])) + (1 - y) * Math.log(1 - sigmoid(z[i])))),
      );
    const q = meanOf(ytr);
    out.push({
      family: "Bernoulli",
      link: "logit: log(p/(1−p)) = η",
      target: "bad risk (0/1)",
      nll: nll(logits),
      baselineNll: nll(yte.map(() => Math.log(q / (1 - q)))),
      metric: `ROC AUC ${tg.metrics.rocAuc(logits, yte).toFixed(3)}`,
    });
  }
  // Gaussian, identity link: log(amount) ~ N(η, σ²), σ² learned (a second output, exp of it)
  {
    const { x, names } = encode(attributes, rows, ["class", "credit_amount"]);
    const scale = standardize(x, names.length, train);
    const y = rows.map((r) => Math.log(Number(r[idx("credit_amount")])));
    const ytr = train.map((i) => y[i]);
    const yte = test.map((i) => y[i]);
    const gauss = (p: T, t: T): T => {
      const b = p.shape[0];
      const mu = tg.slice(p, [0, 0], [b, 1]) as T;
      const logVar = tg.slice(p, [0, 1], [b, 1]) as T;
      return tg.losses.gaussianNll(mu, t as never, tg.exp(logVar) as T, { full: true }) as T;
    };
    // the target is centred on its training mean (the fit starts near η = 0), then shifted back
    const m = meanOf(ytr);
    const raw = await fitLinear(
      scale(train),
      col(ytr.map((t) => t - m)),
      scale(test),
      2,
      gauss,
      epochs,
      0,
    );
    const pred = raw.map((v, k) => (k % 2 === 0 ? v + m : v));
    const nllOf = (mu: number, v: number, t: number) =>
      0.5 * (Math.log(2 * Math.PI * v) + (t - mu) ** 2 / v);
    const v = meanOf(ytr.map((t) => (t - m) ** 2));
    const rmse = Math.sqrt(meanOf(yte.map((t, i) => (t - pred[2 * i]) ** 2)));
    out.push({
      family: "Gaussian",
      link: "identity: μ = η",
      target: "log credit amount",
      nll: meanOf(yte.map((t, i) => nllOf(pred[2 * i], Math.exp(pred[2 * i + 1]), t))),
      baselineNll: meanOf(yte.map((t) => nllOf(m, v, t))),
      metric: `RMSE ${rmse.toFixed(3)} vs ${Math.sqrt(meanOf(yte.map((t) => (t - m) ** 2))).toFixed(3)} (a factor ${Math.exp(rmse).toFixed(2)} on the amount)`,
    });
  }
  // Poisson, log link: existing credits ~ Poisson(exp(η))
  {
    const { x, names } = encode(attributes, rows, ["class", "existing_credits"]);
    const scale = standardize(x, names.length, train);
    const y = rows.map((r) => Number(r[idx("existing_credits")]));
    const ytr = train.map((i) => y[i]);
    const yte = test.map((i) => y[i]);
    const eta = await fitLinear(
      scale(train),
      col(ytr),
      scale(test),
      1,
      (p, t) => tg.losses.poissonNll(p, t as never, { full: true }) as T,
      epochs,
      0,
    );
    const lfact = (k: number) => {
      let s = 0;
      for (let j = 2; j <= k; j++) s += Math.log(j);
      return s;
    };
    const nll = (rate: (i: number) => number) =>
      meanOf(yte.map((k, i) => rate(i) - k * Math.log(rate(i)) + lfact(k)));
    const m = meanOf(ytr);
    const mae = meanOf(yte.map((k, i) => Math.abs(k - Math.exp(eta[i]))));
    out.push({
      family: "Poisson",
      link: "log: log λ = η",
      target: "existing credits (1–4)",
      nll: nll((i) => Math.exp(eta[i])),
      baselineNll: nll(() => m),
      metric: `MAE ${mae.toFixed(3)} vs ${meanOf(yte.map((k) => Math.abs(k - m))).toFixed(3)} credits`,
    });
  }
  return out;
}

await runIfMain(import.meta.url, main);
