/**
 * A small CNN on MNIST: conv(32, 3×3) → relu → max-pool 2 → conv(64, 3×3) → relu → max-pool 2
 * → flatten → dense(10), trained with Adam. Prints the test accuracy and the confusion matrix and
 * writes `mnist-cnn-history.svg`.
 *
 * Run: `npm run example:mnist-cnn -- [--epochs 3] [--limit 60000]`.
 * @module
 */
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import * as tg from "../src/index.js";
import { argmax } from "../src/prims/reduce.js";
import { reshape } from "../src/prims/movement.js";
import type { AnyTensor as T } from "../src/tensor/tensor.js";

/** Options of the MNIST CNN example. */
export interface MnistCnnOptions {
  /** Keep only the first `limit` training (and `limit / 6` test) images (default: all). */
  limit?: number;
  /** Epochs (default 3). */
  epochs?: number;
  /** Batch size (default 128). */
  batchSize?: number;
  /** Where to write the SVG of the history (default `mnist-cnn-history.svg`; null: none). */
  svg?: string | null;
  /** Print progress and results (default true). */
  verbose?: boolean;
}

/**
 * Trains and evaluates the CNN.
 * @example
 * ```ts
 * const { testAccuracy } = await main({ limit: 600, epochs: 1, svg: null, verbose: false });
 * ```
 */
export async function main(
  opts: MnistCnnOptions = {},
): Promise<{ testAccuracy: number; seconds: number; samplesPerSecond: number }> {
  const verbose = opts.verbose ?? true;
  const log = (s = "") => verbose && console.log(s);
  const data = tg.data.mnist(
    opts.limit ? { limit: opts.limit, testLimit: Math.max(100, Math.floor(opts.limit / 6)) } : {},
  );
  const img = (x: T): T => reshape(x, [x.shape[0], 28, 28, 1]);
  const train = { x: img(data.train.x), y: data.train.y };
  const test = { x: img(data.test.x), y: data.test.y };
  log(`MNIST: ${train.x.shape[0]} training and ${test.x.shape[0]} test images`);

  const model = tg.nn.sequential(
    [28, 28, 1],
    tg.nn.conv2d(32, 3),
    tg.nn.relu,
    tg.nn.maxPool2d(2),
    tg.nn.conv2d(64, 3),
    tg.nn.relu,
    tg.nn.maxPool2d(2),
    tg.nn.flatten,
    tg.nn.dense(10),
  );
  const params = model.init(tg.random.key(0));
  const epochs = opts.epochs ?? 3;
  const batchSize = opts.batchSize ?? 128;
  const steps = epochs * Math.ceil(train.x.shape[0] / batchSize);
  const t0 = performance.now();
  const result = await tg.train.fit(model, params, train, {
    loss: (pred: T, y: T) => tg.losses.sparseCategoricalCrossEntropy(pred, y, { fromLogits: true }),
    optimizer: tg.optim.adam({ lr: tg.optim.cosineDecay({ lr: 2e-3, steps, alpha: 0.05 }) }),
    epochs,
    batchSize,
    validation: test,
    metrics: ["accuracy"],
    key: tg.random.key(1),
    progress: verbose,
  });
  const seconds = (performance.now() - t0) / 1000;
  const pred = argmax(tg.train.predict(model, result.params, test.x, { batchSize: 500 }), 1);
  const testAccuracy = tg.metrics.accuracy(pred, test.y);
  log(
    `\ntest accuracy ${(100 * testAccuracy).toFixed(2)}%  (training ${seconds.toFixed(1)}s, ${Math.round(result.samplesPerSecond).toLocaleString("en-US")} samples/s)\n`,
  );
  log(tg.metrics.formatConfusionMatrix(tg.metrics.confusionMatrix(pred, test.y, 10)));
  if (opts.svg !== null && verbose) {
    const file = opts.svg ?? "mnist-cnn-history.svg";
    writeFileSync(file, tg.train.plotHistory(result.history, { title: "MNIST CNN, Adam" }));
    log(`\ncurves written to ${file}`);
  }
  return { testAccuracy, seconds, samplesPerSecond: result.samplesPerSecond };
}

const argv = process.argv.slice(2);
const flag = (name: string): number | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : undefined;
};
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main({ epochs: flag("epochs"), limit: flag("limit"), batchSize: flag("batch") });
}
