/**
 * The README's MNIST MLP (784-128-10, Adam with a cosine decay, batches of 128, sparse
 * cross-entropy) — or with `--cnn` the CNN of `mnist-cnn.ts` — trained on the WebGPU backend and
 * then on wasm, from the same initial parameters (made on each backend from the same key) and the
 * same shuffled batches, with `tg.train.fit` (jitted, donated steps; on WebGPU it reads each step's
 * loss asynchronously) and `tg.train.evaluateAsync`. Prints both test accuracies and times.
 *
 * On a machine without a GPU, WebGPU runs on SwiftShader (Vulkan on the CPU), which is about 300×
 * slower than wasm here: `--limit` trains on the first N training images (and tests on the first
 * `--test` test images), the same subset on both backends.
 *
 * Run: `npm run build && VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json npm run
 * example:webgpu-mnist -- [--cnn] [--limit 12000] [--test 2000] [--epochs 3] [--batch 128]`.
 * @module
 */
import { pathToFileURL } from "node:url";
import * as tg from "../src/index.js";

/** Options of the comparison. */
export interface WebgpuMnistOptions {
  /** The CNN of `mnist-cnn.ts` instead of the MLP (default false). */
  cnn?: boolean;
  /** Training images used, the first of MNIST's 60,000 (default 12,000; 3,000 for the CNN). */
  limit?: number;
  /** Test images used, the first of MNIST's 10,000 (default 2,000). */
  test?: number;
  /** Epochs (default 3). */
  epochs?: number;
  /** Batch size (default 128). */
  batchSize?: number;
  /** Print progress (default true). */
  verbose?: boolean;
}

/** What one backend reached. */
export interface BackendRun {
  backend: "webgpu" | "wasm";
  testAccuracy: number;
  /** Mean training loss of each epoch. */
  epochLoss: number[];
  /** Seconds of `fit` (including the first step, which traces and compiles). */
  seconds: number;
  /** The initial parameters, flattened (to check that both backends start alike). */
  init: Float32Array;
}

interface Data {
  xs: Float32Array;
  ys: Int32Array;
  testX: Float32Array;
  testY: Int32Array;
  n: number;
  nTest: number;
}

function loadData(limit: number, test: number): Data {
  tg.setBackend("wasm");
  const d = tg.data.mnist({ limit, testLimit: test });
  return {
    xs: d.train.x.dataSync() as Float32Array,
    ys: Int32Array.from(d.train.y.dataSync()),
    testX: d.test.x.dataSync() as Float32Array,
    testY: Int32Array.from(d.test.y.dataSync()),
    n: d.train.x.shape[0],
    nTest: d.test.x.shape[0],
  };
}

function buildModel(cnn: boolean) {
  if (cnn) {
    return tg.nn.sequential(
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
  }
  return tg.nn.sequential([784], tg.nn.dense(128), tg.nn.relu, tg.nn.dense(10));
}

async function flatten(tree: unknown): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for (const leaf of tg.treeFlatten(tree)[0]) parts.push((await leaf.data()) as Float32Array);
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Trains on `backend` with `tg.train.fit` and tests with `tg.train.evaluateAsync` (which, unlike
 * `evaluate`, also reads WebGPU data), returning the test accuracy, the losses and the time.
 * @example
 * ```ts
 * const r = await trainOn("wasm", data, { cnn: false, epochs: 1, batchSize: 128, verbose: false });
 * ```
 */
async function trainOn(
  backend: "webgpu" | "wasm",
  data: Data,
  opts: { cnn: boolean; epochs: number; batchSize: number; verbose: boolean },
): Promise<BackendRun> {
  await tg.useBackend(backend);
  const { cnn, epochs, batchSize, verbose } = opts;
  const shape = (n: number) => (cnn ? [n, 28, 28, 1] : [n, 784]);
  // the images go to the backend once; each step gathers its batch there (the casts: the MLP and
  // the CNN take differently shaped inputs, so the shapes are not checked at compile time here)
  const train = {
    x: tg.fromArray(data.xs, shape(data.n) as never),
    y: tg.fromArray(data.ys, [data.n], "i32"),
  };
  const test = {
    x: tg.fromArray(data.testX, shape(data.nTest) as never),
    y: tg.fromArray(data.testY, [data.nTest], "i32"),
  };
  const model = buildModel(cnn);
  const params = model.init(tg.random.key(0));
  const init = await flatten(params);
  const perEpoch = Math.floor(data.n / batchSize); // full batches only: one traced shape
  const loss = (p: tg.Tensor<[number, 10]>, y: tg.Tensor<[number], "i32">) =>
    tg.losses.sparseCategoricalCrossEntropy(p, y, { fromLogits: true });
  const t0 = performance.now();
  const { params: trained, history } = await tg.train.fit(model as never, params, train as never, {
    loss,
    optimizer: tg.optim.adam({
      lr: tg.optim.cosineDecay({ lr: cnn ? 2e-3 : 4e-3, steps: epochs * perEpoch, alpha: 0.05 }),
    }),
    epochs,
    batchSize,
    dropRemainder: true,
    key: tg.random.key(1), // the same shuffled batches on both backends
    progress: false,
    onEpochEnd: (e, logs) => {
      if (verbose)
        console.log(
          `  ${backend} epoch ${e + 1}/${epochs}: mean loss ${logs.loss.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(1)}s)`,
        );
    },
  });
  // fit reads every step's loss, so the time includes all GPU work (and the first step's compile)
  const seconds = (performance.now() - t0) / 1000;
  const { accuracy } = await tg.train.evaluateAsync(model as never, trained, test as never, {
    metrics: ["accuracy"],
    batchSize: 500,
  });
  return { backend, testAccuracy: accuracy, epochLoss: history.loss, seconds, init };
}

/**
 * Trains on WebGPU, then on wasm, and compares.
 * @example
 * ```ts
 * const [gpu, cpu] = await main({ limit: 1000, test: 200, epochs: 1, verbose: false });
 * gpu.testAccuracy - cpu.testAccuracy; // close to 0
 * ```
 */
export async function main(opts: WebgpuMnistOptions = {}): Promise<[BackendRun, BackendRun]> {
  const cnn = opts.cnn ?? false;
  const epochs = opts.epochs ?? 3;
  const batchSize = opts.batchSize ?? 128;
  const verbose = opts.verbose ?? true;
  const log = (s = "") => verbose && console.log(s);
  const data = loadData(opts.limit ?? (cnn ? 3000 : 12000), opts.test ?? 2000);
  await tg.useBackend("webgpu");
  log(`adapter: ${tg.webgpuInfo().adapter}`);
  log(
    `MNIST ${cnn ? "CNN (conv 32 → pool → conv 64 → pool → dense 10)" : "MLP 784-128-10"}: the first ${data.n} training and ${data.nTest} test images, ${epochs} epochs of ${Math.floor(data.n / batchSize)} batches of ${batchSize}, Adam with a cosine decay`,
  );
  const run = { cnn, epochs, batchSize, verbose };
  const gpu = await trainOn("webgpu", data, run);
  const cpu = await trainOn("wasm", data, run);
  let initDiff = 0;
  for (let i = 0; i < gpu.init.length; i++) {
    initDiff = Math.max(initDiff, Math.abs(gpu.init[i] - cpu.init[i]));
  }
  log(`initial parameters (made from the same key on each backend): max |difference| ${initDiff}`);
  for (const r of [gpu, cpu]) {
    log(
      `${r.backend.padEnd(6)} test accuracy ${(100 * r.testAccuracy).toFixed(2)}%  loss by epoch ${r.epochLoss.map((l) => l.toFixed(4)).join(" ")}  training ${r.seconds.toFixed(1)}s`,
    );
  }
  return [gpu, cpu];
}

const argv = process.argv.slice(2);
const flag = (name: string): number | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : undefined;
};
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main({
    cnn: argv.includes("--cnn"),
    limit: flag("limit"),
    test: flag("test"),
    epochs: flag("epochs"),
    batchSize: flag("batch"),
  });
  process.exit(0);
}
