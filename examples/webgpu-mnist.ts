/**
 * The README's MNIST MLP (784-128-10, Adam with a cosine decay, batches of 128, sparse
 * cross-entropy) — or with `--cnn` the CNN of `mnist-cnn.ts` — trained on the WebGPU backend and
 * then on wasm, from the same initial parameters (made on each backend from the same key) and the
 * same shuffled batches, with jitted and donated steps. Prints both test accuracies and times.
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
import type { AnyTensor as T } from "../src/tensor/tensor.js";

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
  /** Seconds of training (excluding the first step, which traces and compiles). */
  seconds: number;
  /** Seconds of the first step (tracing, lowering and compiling kernels). */
  firstStep: number;
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
  /** The order of the training images in each epoch. */
  orders: Int32Array[];
}

function loadData(limit: number, test: number, epochs: number): Data {
  tg.setBackend("wasm");
  const d = tg.data.mnist({ limit, testLimit: test });
  const n = d.train.x.shape[0];
  const orders: Int32Array[] = [];
  for (let e = 0; e < epochs; e++) {
    orders.push(
      tg.random.permutation(tg.random.foldIn(tg.random.key(1), e), n).dataSync() as Int32Array,
    );
  }
  return {
    xs: d.train.x.dataSync() as Float32Array,
    ys: Int32Array.from(d.train.y.dataSync()),
    testX: d.test.x.dataSync() as Float32Array,
    testY: Int32Array.from(d.test.y.dataSync()),
    n,
    nTest: d.test.x.shape[0],
    orders,
  };
}

/** What the comparison needs of a model (the two models' parameter types differ). */
interface Model {
  init(key: tg.random.Key): object;
  apply(params: object, x: T): T;
}

function buildModel(cnn: boolean): Model {
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
  return tg.nn.serial(tg.nn.dense(784, 128), tg.nn.relu, tg.nn.dense(128, 10));
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
 * Trains on `backend` and returns the test accuracy, the losses and the time.
 * @example
 * ```ts
 * const r = await trainOn("wasm", data, { cnn: false, epochs: 1, batchSize: 128 });
 * ```
 */
async function trainOn(
  backend: "webgpu" | "wasm",
  data: Data,
  opts: { cnn: boolean; epochs: number; batchSize: number; verbose: boolean },
): Promise<BackendRun> {
  await tg.useBackend(backend);
  const { cnn, epochs, batchSize: B, verbose } = opts;
  const px = 784;
  const inShape = (b: number): number[] => (cnn ? [b, 28, 28, 1] : [b, px]);
  const model = buildModel(cnn);
  let params = model.init(tg.random.key(0));
  const init = await flatten(params);
  type P = typeof params;
  const perEpoch = Math.floor(data.n / B); // full batches only: one traced shape
  const opt = tg.optim.adam({
    lr: tg.optim.cosineDecay({ lr: cnn ? 2e-3 : 4e-3, steps: epochs * perEpoch, alpha: 0.05 }),
  });
  let state = opt.init(params);
  const step = tg.jit(
    (p: P, s: typeof state, x: T, y: T) => {
      const [loss, grads] = tg.valueAndGrad((q: P) =>
        tg.losses.sparseCategoricalCrossEntropy(model.apply(q, x as never), y, {
          fromLogits: true,
        }),
      )(p);
      return { ...opt.update(grads, s, p), loss };
    },
    { donate: [0, 1] },
  );
  const bx = new Float32Array(B * px);
  const by = new Int32Array(B);
  const epochLoss: number[] = [];
  let firstStep = 0;
  let t0 = performance.now();
  for (let e = 0; e < epochs; e++) {
    const order = data.orders[e];
    const losses: T[] = [];
    for (let s = 0; s < perEpoch; s++) {
      for (let i = 0; i < B; i++) {
        const j = order[s * B + i];
        bx.set(data.xs.subarray(j * px, (j + 1) * px), i * px);
        by[i] = data.ys[j];
      }
      const x = tg.fromArray(bx, inShape(B) as never);
      const y = tg.fromArray(by, [B], "i32");
      const r = step(params, state, x, y);
      ({ params, state } = r);
      losses.push(r.loss);
      if (e === 0 && s === 0) {
        await r.loss.data();
        firstStep = (performance.now() - t0) / 1000;
        t0 = performance.now();
      } else if (s % 8 === 7) {
        // let the event loop turn (submits the GPU work, runs finalizers)
        await r.loss.data();
      }
    }
    let sum = 0;
    for (const l of losses) sum += (await l.data())[0];
    epochLoss.push(sum / losses.length);
    if (verbose) {
      console.log(
        `  ${backend} epoch ${e + 1}/${epochs}: mean loss ${epochLoss[e].toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(1)}s)`,
      );
    }
  }
  // the last step's results are read above, so the training time includes all GPU work
  const seconds = (performance.now() - t0) / 1000;
  const predict = tg.jit((p: P, x: T) => tg.argmax(model.apply(p, x as never), 1));
  const TB = 500;
  let right = 0;
  for (let at = 0; at < data.nTest; at += TB) {
    const b = Math.min(TB, data.nTest - at);
    const x = tg.fromArray(data.testX.slice(at * px, (at + b) * px), inShape(b) as never);
    const pred = await predict(params, x).data();
    for (let i = 0; i < b; i++) right += pred[i] === data.testY[at + i] ? 1 : 0;
  }
  return { backend, testAccuracy: right / data.nTest, epochLoss, seconds, firstStep, init };
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
  const data = loadData(opts.limit ?? (cnn ? 3000 : 12000), opts.test ?? 2000, epochs);
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
      `${r.backend.padEnd(6)} test accuracy ${(100 * r.testAccuracy).toFixed(2)}%  loss by epoch ${r.epochLoss.map((l) => l.toFixed(4)).join(" ")}  training ${r.seconds.toFixed(1)}s (+ first step ${r.firstStep.toFixed(1)}s)`,
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
