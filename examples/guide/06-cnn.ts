/**
 * Chapter 6 of the guide, convolutional networks: the same small CNN trained on MNIST (digits)
 * and on Fashion-MNIST (clothing, Debian's `dataset-fashion-mnist`), with its first layer's
 * learned 3×3 filters drawn as a grid and the Fashion-MNIST confusion matrix as a heat map.
 *
 * Run: `npm run example:cnn` (full: 60,000 images per set) or `npm run example:cnn -- --quick`.
 * @module
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as tg from "../../src/index.js";
import { reshape } from "../../src/prims/movement.js";
import { argmax } from "../../src/prims/reduce.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { debianPath } from "./debian-data.js";
import { heatmap, imageGrid, lineChart } from "./svg-figures.js";

/** Options of chapter 6. */
export interface CnnOptions {
  /** A small slice: 2,000 training and 1,000 test images, batches of 64, 1 epoch on MNIST and 2 on Fashion-MNIST. */
  quick?: boolean;
  /** Where the SVGs go (default: `docs/guide/img` for the full run, a temp dir in quick mode). */
  out?: string;
  /** Epochs on Fashion-MNIST (default 10, quick 2; MNIST gets a third of that, at least 1). */
  epochs?: number;
  /** Print progress and results (default true). */
  verbose?: boolean;
}

/** Fashion-MNIST's class names, in label order. */
export const FASHION_CLASSES = [
  "T-shirt",
  "trouser",
  "pullover",
  "dress",
  "coat",
  "sandal",
  "shirt",
  "sneaker",
  "bag",
  "boot",
] as const;

/**
 * The directory of Fashion-MNIST's four IDX files (Debian's `dataset-fashion-mnist`).
 * @example
 * ```ts
 * const data = tg.data.mnist({ dir: fashionMnistDir() });
 * ```
 */
export const fashionMnistDir = (): string =>
  debianPath("dataset-fashion-mnist", "/usr/share/datasets/fashion-mnist");

/** The chapter's CNN: two conv/pool stages, a hidden dense layer with dropout, 10 logits. */
export const cnn = () =>
  tg.nn.sequential(
    [28, 28, 1],
    tg.nn.conv2d(32, 3, { padding: "same", activation: "relu" }), // [28, 28, 32]
    tg.nn.maxPool2d(2), //                                            [14, 14, 32]
    tg.nn.conv2d(64, 3, { padding: "same", activation: "relu" }), // [14, 14, 64]
    tg.nn.maxPool2d(2), //                                            [7, 7, 64]
    tg.nn.flatten, //                                                 [3136]
    tg.nn.dropout(0.3),
    tg.nn.dense(128, { activation: "relu" }),
    tg.nn.dropout(0.3),
    tg.nn.dense(10),
  );

/** What one training run gives. */
export interface CnnRun {
  testAccuracy: number;
  seconds: number;
  samplesPerSecond: number;
  /** Rows: true class, columns: predicted class. */
  confusion: number[][];
  history: tg.train.History;
}

async function trainOn(
  name: string,
  data: { train: { x: T; y: T }; test: { x: T; y: T } },
  epochs: number,
  batchSize: number,
  verbose: boolean,
): Promise<CnnRun & { filters: Float32Array }> {
  const img = (x: T): T => reshape(x, [x.shape[0], 28, 28, 1]);
  const train = { x: img(data.train.x), y: data.train.y };
  const test = { x: img(data.test.x), y: data.test.y };
  const model = cnn();
  const steps = epochs * Math.ceil(train.x.shape[0] / batchSize);
  if (verbose)
    console.log(`\n${name}: ${train.x.shape[0]} training, ${test.x.shape[0]} test images`);
  const t0 = performance.now();
  const r = await tg.train.fit(model, model.init(tg.random.key(0)), train, {
    loss: (p: T, y: T) => tg.losses.sparseCategoricalCrossEntropy(p, y, { fromLogits: true }),
    optimizer: tg.optim.adam({ lr: tg.optim.cosineDecay({ lr: 2e-3, steps, alpha: 0.02 }) }),
    epochs,
    batchSize,
    validation: test,
    metrics: ["accuracy"],
    key: tg.random.key(1),
    progress: verbose,
  });
  const seconds = (performance.now() - t0) / 1000;
  const pred = argmax(tg.train.predict(model, r.params, test.x, { batchSize: 500 }), 1);
  const testAccuracy = tg.metrics.accuracy(pred, test.y);
  const confusion = tg.metrics.confusionMatrix(pred, test.y, 10).toArray() as number[][];
  const filters = (r.params[0] as { w: T }).w.dataSync() as Float32Array; // [3, 3, 1, 32]
  return {
    testAccuracy,
    seconds,
    samplesPerSecond: r.samplesPerSecond,
    confusion,
    history: r.history,
    filters,
  };
}

/**
 * Runs the chapter: trains the CNN on MNIST and on Fashion-MNIST, writes `06-filters.svg`,
 * `06-confusion.svg` and `06-curves.svg`, and returns the figures.
 * @example
 * ```ts
 * const r = await main({ quick: true, verbose: false });
 * r.fashion.testAccuracy; // ≈ 0.75 on the quick slice
 * ```
 */
export async function main(opts: CnnOptions = {}): Promise<{
  mnist: CnnRun;
  fashion: CnnRun;
  files: string[];
}> {
  const verbose = opts.verbose ?? true;
  const quick = opts.quick ?? false;
  const out = opts.out ?? (quick ? mkdtempSync(join(tmpdir(), "typegrad-06-")) : "docs/guide/img");
  const limits = quick ? { limit: 2000, testLimit: 1000 } : {};
  const fashionEpochs = opts.epochs ?? (quick ? 2 : 10);
  const mnistEpochs = Math.max(1, Math.round(fashionEpochs / 3));
  const batchSize = quick ? 64 : 128;

  const mnist = await trainOn("MNIST", tg.data.mnist(limits), mnistEpochs, batchSize, verbose);
  const fashion = await trainOn(
    "Fashion-MNIST",
    tg.data.mnist({ dir: fashionMnistDir(), ...limits }),
    fashionEpochs,
    batchSize,
    verbose,
  );

  // the first layer's 32 filters, [3, 3, 1, 32] HWIO: filter f's pixel (i, j) is at (i·3 + j)·32 + f
  const filterImages = (w: Float32Array, label: string) =>
    Array.from({ length: 32 }, (_, f) => ({
      data: Array.from({ length: 9 }, (_, p) => w[p * 32 + f]),
      h: 3,
      w: 3,
      label: f === 0 ? label : undefined,
    }));
  const files = [
    join(out, "06-filters.svg"),
    join(out, "06-confusion.svg"),
    join(out, "06-curves.svg"),
  ];
  writeFileSync(
    files[0],
    imageGrid(
      [...filterImages(mnist.filters, "MNIST"), ...filterImages(fashion.filters, "Fashion")],
      {
        title: "First-layer 3×3 filters (rows 1–2 MNIST, 3–4 Fashion-MNIST; red +, blue −)",
        cols: 16,
        scale: 12,
        diverging: true,
      },
    ),
  );
  writeFileSync(
    files[1],
    heatmap(fashion.confusion, {
      title: `Fashion-MNIST test confusion (accuracy ${(100 * fashion.testAccuracy).toFixed(2)} %)`,
      rows: [...FASHION_CLASSES],
      cols: [...FASHION_CLASSES],
      xLabel: "predicted",
      yLabel: "true",
    }),
  );
  const acc = (h: tg.train.History, k: string) =>
    (h as unknown as Record<string, number[]>)[k] ?? [];
  const ep = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
  writeFileSync(
    files[2],
    lineChart(
      [
        {
          name: "MNIST train",
          y: acc(mnist.history, "accuracy"),
          x: ep(acc(mnist.history, "accuracy").length),
        },
        {
          name: "MNIST test",
          y: acc(mnist.history, "valAccuracy"),
          x: ep(acc(mnist.history, "valAccuracy").length),
          dashed: true,
        },
        {
          name: "Fashion train",
          y: acc(fashion.history, "accuracy"),
          x: ep(acc(fashion.history, "accuracy").length),
        },
        {
          name: "Fashion test",
          y: acc(fashion.history, "valAccuracy"),
          x: ep(acc(fashion.history, "valAccuracy").length),
          dashed: true,
        },
      ],
      { title: "CNN accuracy per epoch", xLabel: "epoch", yLabel: "accuracy" },
    ),
  );
  const strip = ({ filters: _f, ...rest }: CnnRun & { filters: Float32Array }): CnnRun => rest;
  if (verbose) {
    const pct = (v: number) => `${(100 * v).toFixed(2)} %`;
    console.log(
      `\nMNIST         test accuracy ${pct(mnist.testAccuracy)}  (${mnistEpochs} epochs, ${mnist.seconds.toFixed(0)} s)`,
    );
    console.log(
      `Fashion-MNIST test accuracy ${pct(fashion.testAccuracy)}  (${fashionEpochs} epochs, ${fashion.seconds.toFixed(0)} s)`,
    );
    console.log(tg.metrics.formatConfusionMatrix(fashion.confusion, { labels: FASHION_CLASSES }));
    console.log(`figures: ${files.join(", ")}`);
  }
  return { mnist: strip(mnist), fashion: strip(fashion), files };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const argv = process.argv.slice(2);
  const epochs = argv.includes("--epochs") ? Number(argv[argv.indexOf("--epochs") + 1]) : undefined;
  const out = argv.includes("--out") ? argv[argv.indexOf("--out") + 1] : undefined;
  await main({ quick: argv.includes("--quick"), epochs, out });
}
