/**
 * Moving a model out of typegrad: the MNIST CNN (conv 32 → pool → conv 64 → pool → dense 10) is trained briefly on MNIST, exported to ONNX
 * (`tg.io.exportOnnx`) and to a PyTorch state_dict in safetensors (`tg.io.saveTorch`), and the ONNX
 * file is run in onnxruntime on the test images: the same predictions, the same accuracy.
 *
 * Run: `npm run example:export` (12,000 images, one epoch) or `npm run example:export -- --quick`
 * (2,000 images); `--out <dir>` says where the files go (default `mnist-export/`, a temp folder
 * in quick mode).
 * @module
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import * as ort from "onnxruntime-node";
import * as tg from "../src/index.js";
import { reshape } from "../src/prims/movement.js";
import { argmax } from "../src/prims/reduce.js";
import type { AnyTensor as T } from "../src/tensor/tensor.js";

/** Options of the export example. */
export interface ExportOptions {
  /** 2,000 training images instead of 12,000. */
  quick?: boolean;
  /** Where the model files go (default `mnist-export/`, a new temp folder in quick mode). */
  out?: string;
  /** Print progress and results (default true). */
  verbose?: boolean;
}

/** What the example measured. */
export interface ExportResult {
  /** Test accuracy of the trained model in typegrad and of the exported file in onnxruntime. */
  typegradAccuracy: number;
  onnxAccuracy: number;
  /** Test images whose predicted class differs between the two. */
  disagreements: number;
  /** The largest |difference| between the two runtimes' logits. */
  maxLogitDifference: number;
  /** The files written. */
  onnxFile: string;
  torchFile: string;
  testImages: number;
}

/** The MNIST CNN of the README (conv 32 → pool → conv 64 → pool → dense 10). */
export const cnn = tg.nn.sequential(
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

/** The same network in PyTorch, for the state_dict `saveTorch` writes (index for index). */
export const TORCH_MODEL = `nn.Sequential(
    nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(1600, 10))`;

/**
 * Trains, exports and checks the exported model in onnxruntime.
 * @example
 * ```ts
 * const r = await main({ quick: true, verbose: false });
 * r.onnxAccuracy === r.typegradAccuracy; // true
 * ```
 */
export async function main(opts: ExportOptions = {}): Promise<ExportResult> {
  const verbose = opts.verbose ?? true;
  const log = (s = "") => verbose && console.log(s);
  const limit = opts.quick ? 2000 : 12000;
  const data = tg.data.mnist({ limit, testLimit: opts.quick ? 500 : 2000 });
  const img = (x: T): T => reshape(x, [x.shape[0], 28, 28, 1]);
  const train = { x: img(data.train.x), y: data.train.y };
  const test = { x: img(data.test.x), y: data.test.y };

  // 1. train briefly
  const init = cnn.init(tg.random.key(0));
  const { params } = await tg.train.fit(cnn, init, train, {
    loss: (pred: T, y: T) => tg.losses.sparseCategoricalCrossEntropy(pred, y, { fromLogits: true }),
    optimizer: tg.optim.adam({ lr: 2e-3 }),
    epochs: 1,
    batchSize: 64,
    key: tg.random.key(1),
    progress: verbose,
  });
  const logits = tg.train.predict(cnn, params, test.x, { batchSize: 500 });
  const pred = argmax(logits, 1);
  const typegradAccuracy = tg.metrics.accuracy(pred, test.y);
  log(
    `typegrad:    test accuracy ${(100 * typegradAccuracy).toFixed(2)}% on ${test.x.shape[0]} images`,
  );

  // 2. export: ONNX for serving, a PyTorch state_dict for training elsewhere
  const out =
    opts.out ?? (opts.quick ? mkdtempSync(join(tmpdir(), "typegrad-export-")) : "mnist-export");
  mkdirSync(out, { recursive: true });
  const onnxFile = join(out, "mnist-cnn.onnx");
  const onnx = tg.io.exportOnnxWith(
    { inputNames: ["image"], outputNames: ["logits"], doc: "typegrad MNIST CNN, NHWC input" },
    (p: typeof params, x: T) => cnn.apply(p, x as tg.Tensor<[number, 28, 28, 1]>),
    params,
    tg.zeros([1, 28, 28, 1]),
  );
  writeFileSync(onnxFile, onnx);
  const torchFile = join(out, "mnist-cnn.safetensors");
  // the dense layer (index 7) reads a flattened [5, 5, 64] map: PyTorch flattens it channel first
  writeFileSync(torchFile, tg.io.saveTorch(params, { flattened: { "7": [5, 5, 64] } }));
  log(`written:     ${onnxFile} (${onnx.length.toLocaleString("en-US")} bytes), ${torchFile}`);
  log(`PyTorch:     model = ${TORCH_MODEL}`);
  log(`             model.load_state_dict(safetensors.torch.load_file("${torchFile}"))`);

  // 3. serve the ONNX file with onnxruntime, in batches of any size
  const session = await ort.InferenceSession.create(onnxFile, { logSeverityLevel: 3 });
  const n = test.x.shape[0];
  const images = test.x.dataSync() as Float32Array;
  const ours = logits.dataSync() as Float32Array;
  let correct = 0;
  let disagreements = 0;
  let maxLogitDifference = 0;
  const labels = test.y.dataSync();
  const ourPred = pred.dataSync();
  for (let start = 0; start < n; start += 300) {
    const b = Math.min(300, n - start);
    const feed = new ort.Tensor("float32", images.subarray(start * 784, (start + b) * 784), [
      b,
      28,
      28,
      1,
    ]);
    const got = (await session.run({ image: feed })).logits.data as Float32Array;
    for (let i = 0; i < b; i++) {
      let best = 0;
      for (let c = 0; c < 10; c++) {
        const d = Math.abs(got[i * 10 + c] - ours[(start + i) * 10 + c]);
        maxLogitDifference = Math.max(maxLogitDifference, d);
        if (got[i * 10 + c] > got[i * 10 + best]) best = c;
      }
      if (best === labels[start + i]) correct++;
      if (best !== ourPred[start + i]) disagreements++;
    }
  }
  await session.release();
  const onnxAccuracy = correct / n;
  log(
    `onnxruntime: test accuracy ${(100 * onnxAccuracy).toFixed(2)}%, ${disagreements} predictions differ, largest logit difference ${maxLogitDifference.toExponential(2)}`,
  );
  return {
    typegradAccuracy,
    onnxAccuracy,
    disagreements,
    maxLogitDifference,
    onnxFile,
    torchFile,
    testImages: n,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({
    options: { quick: { type: "boolean" }, out: { type: "string" } },
  });
  await main({ quick: values.quick ?? false, ...(values.out ? { out: values.out } : {}) });
}
