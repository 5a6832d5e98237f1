/**
 * Chapter 7 of the guide, embeddings and recommenders: matrix factorisation with `nn.embedding`.
 * No explicit ratings data set (MovieLens, Jester, Book-Crossing…) is available offline from npm
 * or Debian, so the "ratings" are the most realistic substitute that is: 4,627 real supermarket
 * baskets from weka's `supermarket.arff` (Debian's `weka`), where a basket rates a department 1
 * if it bought there and 0 if not. Each basket and each department gets a vector; their dot
 * product plus biases predicts the rating. Held-out cells measure the RMSE against baselines, and
 * the departments' vectors give nearest neighbours by cosine similarity.
 *
 * Run: `npm run example:embeddings` or `npm run example:embeddings -- --quick`.
 * @module
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as tg from "../../src/index.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { uniformStream } from "./08-rnn.js";
import { debianPath } from "./debian-data.js";
import { lineChart } from "./svg-figures.js";

/** Options of chapter 7. */
export interface EmbeddingsOptions {
  /** 1,000 baskets and fewer epochs. */
  quick?: boolean;
  /** Where the SVG goes (default: `docs/guide/img` for the full run, a temp dir in quick mode). */
  out?: string;
  /** Print progress and results (default true). */
  verbose?: boolean;
}

/** Baskets × departments, 1 where the basket bought in the department. */
export interface Baskets {
  items: string[];
  /** `[baskets, items]` row-major 0/1. */
  matrix: Uint8Array;
  baskets: number;
}

/**
 * The baskets of weka's `supermarket.arff`, keeping departments bought in at least `minCount`
 * baskets (the file also has a `total` class, left out).
 * @example
 * ```ts
 * supermarket().items.length; // ≈ 120
 * ```
 */
export function supermarket(minCount = 20): Baskets {
  const path = debianPath("weka", "/usr/share/doc/weka/examples/supermarket.arff");
  const text = readFileSync(path, "latin1");
  const names = [...text.matchAll(/^@attribute\s+'([^']*)'/gim)].map((m) => m[1]);
  const rows = text
    .slice(text.search(/^@data/im))
    .split("\n")
    .slice(1)
    .filter((l) => /^[t?]/.test(l))
    .map((l) => l.split(","));
  const nItems = names.indexOf("total");
  const counts = new Array(nItems).fill(0);
  for (const r of rows) for (let j = 0; j < nItems; j++) if (r[j] === "t") counts[j]++;
  const keep = counts
    .map((c, j) => [c, j])
    .filter(([c]) => c >= minCount)
    .map(([, j]) => j);
  const matrix = new Uint8Array(rows.length * keep.length);
  rows.forEach((r, i) =>
    keep.forEach((j, k) => (matrix[i * keep.length + k] = r[j] === "t" ? 1 : 0)),
  );
  return { items: keep.map((j) => names[j]), matrix, baskets: rows.length };
}

/** The recommender's parameters: a vector and a bias per basket and per department. */
type Params = {
  user: { table: T };
  item: { table: T };
  userBias: { table: T };
  itemBias: { table: T };
  mu: T;
};

/** What chapter 7 measures: RMSE on held-out cells. */
export interface EmbeddingsResult {
  baskets: number;
  items: number;
  /** Share of 1s. */
  density: number;
  rmse: { globalMean: number; itemMean: number; biases: number; factorised: number };
  /** Held-out RMSE of the factorised model after each epoch. */
  curve: number[];
  nearest: { item: string; near: { item: string; similarity: number }[] }[];
  seconds: number;
  files: string[];
}

/**
 * Trains r̂(u, i) = μ + b_u + b_i + p_u·q_i (the biases alone when `dim` is 0: the product is
 * multiplied by 0) by Adam on the
 * mean squared error plus λ(‖p_u‖² + ‖q_i‖²) of each batch, and returns the held-out RMSE per epoch.
 */
function factorise(
  data: Baskets,
  train: Int32Array,
  test: Int32Array,
  o: { dim: number; epochs: number; lambda: number; seed: number },
): { params: Params; curve: number[] } {
  const U = data.baskets;
  const I = data.items.length;
  const d = Math.max(1, o.dim);
  const userEmb = tg.nn.embedding(U, d, { initializer: "zeros" });
  const itemEmb = tg.nn.embedding(I, d);
  const userBias = tg.nn.embedding(U, 1, { initializer: "zeros" });
  const itemBias = tg.nn.embedding(I, 1, { initializer: "zeros" });
  const [k1, k2] = tg.random.split(tg.random.key(o.seed), 2);
  let params: Params = {
    user: userEmb.init(k1),
    item: itemEmb.init(k2),
    userBias: userBias.init(k1),
    itemBias: itemBias.init(k2),
    mu: tg.tensor(0),
  };
  const factors = o.dim > 0 ? 1 : 0;
  const predict = (p: Params, u: T, i: T): T => {
    const pu = userEmb.apply(p.user as never, u as never) as T;
    const qi = itemEmb.apply(p.item as never, i as never) as T;
    const dot = tg.mul(tg.sum(tg.mul(pu, qi) as T, 1) as T, factors) as T;
    const b = tg.add(
      tg.reshape(userBias.apply(p.userBias as never, u as never) as T, [-1]),
      tg.reshape(itemBias.apply(p.itemBias as never, i as never) as T, [-1]),
    ) as T;
    return tg.add(tg.add(dot, b) as T, p.mu) as T;
  };
  const loss = (p: Params, u: T, i: T, r: T): T => {
    const err = tg.mean(tg.square(tg.sub(predict(p, u, i), r) as T) as T) as T;
    const pu = userEmb.apply(p.user as never, u as never) as T;
    const qi = itemEmb.apply(p.item as never, i as never) as T;
    const reg = tg.mul(
      tg.mean(tg.add(tg.sum(tg.square(pu) as T, 1), tg.sum(tg.square(qi) as T, 1)) as T) as T,
      o.lambda * factors,
    ) as T;
    return tg.add(err, reg) as T;
  };
  const opt = tg.optim.adam({ lr: 0.01 });
  let state = opt.init(params);
  const step = tg.jit(
    (p: Params, s: typeof state, u: T, i: T, r: T) => {
      const [l, g] = tg.valueAndGrad(loss)(p, u, i, r);
      const up = opt.update(g, s, p);
      return { params: up.params as Params, state: up.state, loss: l };
    },
    { donate: [0, 1] },
  );
  const cells = (idx: Int32Array): [T, T, T] => [
    tg.fromArray(
      Int32Array.from(idx, (c) => Math.floor(c / I)),
      [idx.length],
      "i32",
    ),
    tg.fromArray(
      Int32Array.from(idx, (c) => c % I),
      [idx.length],
      "i32",
    ),
    tg.fromArray(
      Float32Array.from(idx, (c) => data.matrix[c]),
      [idx.length],
    ),
  ];
  const [tu, ti, tr] = cells(test);
  const evalRmse = tg.jit((p: Params, u: T, i: T, r: T) =>
    tg.sqrt(tg.mean(tg.square(tg.sub(predict(p, u, i), r) as T) as T) as T),
  );
  const batch = 4096;
  const curve: number[] = [];
  const rand = uniformStream(o.seed);
  const order = Int32Array.from(train);
  for (let e = 0; e < o.epochs; e++) {
    for (let k = order.length - 1; k > 0; k--) {
      const j = Math.floor(rand() * (k + 1));
      [order[k], order[j]] = [order[j], order[k]];
    }
    for (let at = 0; at + batch <= order.length; at += batch) {
      const [u, i, r] = cells(order.subarray(at, at + batch));
      const out = step(params, state, u, i, r);
      params = out.params;
      state = out.state;
      out.loss.dispose();
      u.dispose();
      i.dispose();
      r.dispose();
    }
    curve.push((evalRmse(params, tu, ti, tr) as T).item());
  }
  return { params, curve };
}

/**
 * Trains the biases-only model and the factorised one, writes `07-rmse.svg`, and returns the figures.
 * @example
 * ```ts
 * const r = await main({ quick: true, verbose: false });
 * r.rmse.factorised < r.rmse.itemMean; // true
 * ```
 */
export async function main(opts: EmbeddingsOptions = {}): Promise<EmbeddingsResult> {
  const verbose = opts.verbose ?? true;
  const quick = opts.quick ?? false;
  const out = opts.out ?? (quick ? mkdtempSync(join(tmpdir(), "typegrad-07-")) : "docs/guide/img");
  const log = (s: string) => verbose && console.log(s);
  const all = supermarket();
  const data: Baskets = quick
    ? { ...all, baskets: 1000, matrix: all.matrix.subarray(0, 1000 * all.items.length) }
    : all;
  const I = data.items.length;
  const n = data.baskets * I;
  // hold out 20 % of the cells, chosen at random
  const rand = uniformStream(17);
  const isTest = Array.from({ length: n }, () => rand() < 0.2);
  const test = Int32Array.from({ length: n }, (_, c) => c).filter((c) => isTest[c]);
  const train = Int32Array.from({ length: n }, (_, c) => c).filter((c) => !isTest[c]);
  const density = data.matrix.reduce((a, b) => a + b, 0) / n;
  log(
    `${data.baskets} baskets × ${I} departments, ${(100 * density).toFixed(1)} % ones; ${train.length} training and ${test.length} held-out cells`,
  );

  // baselines: the training mean, and each department's training mean
  let sum = 0;
  const itemSum = new Float64Array(I);
  const itemCount = new Float64Array(I);
  for (const c of train) {
    sum += data.matrix[c];
    itemSum[c % I] += data.matrix[c];
    itemCount[c % I]++;
  }
  const mean = sum / train.length;
  const rmseOf = (f: (c: number) => number) =>
    Math.sqrt(Array.from(test).reduce((s, c) => s + (f(c) - data.matrix[c]) ** 2, 0) / test.length);
  const globalMean = rmseOf(() => mean);
  const itemMean = rmseOf((c) => itemSum[c % I] / Math.max(1, itemCount[c % I]));

  const epochs = quick ? 4 : 10;
  const t0 = performance.now();
  const biases = factorise(data, train, test, { dim: 0, epochs, lambda: 0, seed: 1 });
  const mf = factorise(data, train, test, { dim: quick ? 8 : 16, epochs, lambda: 0.02, seed: 2 });
  const seconds = (performance.now() - t0) / 1000;
  const rmse = {
    globalMean,
    itemMean,
    biases: biases.curve.at(-1) ?? Number.NaN,
    factorised: mf.curve.at(-1) ?? Number.NaN,
  };
  log(
    `held-out RMSE: global mean ${globalMean.toFixed(4)}, department mean ${itemMean.toFixed(4)}, biases ${rmse.biases.toFixed(4)}, factorised ${rmse.factorised.toFixed(4)}`,
  );

  // nearest departments by cosine similarity of their vectors
  const q = mf.params.item.table;
  const sim = (tg.text.cosineSimilarity(q, q) as T).toArray() as number[][];
  const named = data.items
    .map((name, i) => [name, i] as const)
    .filter(([name]) => !/^department\d+$/.test(name));
  const probes = [
    "baby needs",
    "beef",
    "coffee",
    "pet foods",
    "cheese",
    "vegetables",
    "sparkling wine",
    "stationary",
  ].filter((p) => data.items.includes(p));
  const nearest = probes.map((item) => {
    const i = data.items.indexOf(item);
    return {
      item,
      near: named
        .filter(([, j]) => j !== i)
        .map(([name, j]) => ({ item: name, similarity: sim[i][j] }))
        .sort((a, b) => b.similarity - a.similarity)
        .slice(0, 4),
    };
  });
  for (const r of nearest)
    log(`  ${r.item}: ${r.near.map((x) => `${x.item} (${x.similarity.toFixed(2)})`).join(", ")}`);

  const files = [join(out, "07-rmse.svg")];
  const ep = mf.curve.map((_, i) => i + 1);
  writeFileSync(
    files[0],
    lineChart(
      [
        { name: "factorised", y: mf.curve, x: ep },
        { name: "biases only", y: biases.curve, x: ep },
        { name: "department mean", y: ep.map(() => itemMean), x: ep, dashed: true },
      ],
      { title: "Held-out RMSE of the basket × department matrix", xLabel: "epoch", yLabel: "RMSE" },
    ),
  );
  log(`figures: ${files.join(", ")}`);
  return {
    baskets: data.baskets,
    items: I,
    density,
    rmse,
    curve: mf.curve,
    nearest,
    seconds,
    files,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const argv = process.argv.slice(2);
  const out = argv.includes("--out") ? argv[argv.indexOf("--out") + 1] : undefined;
  await main({ quick: argv.includes("--quick"), out });
}
