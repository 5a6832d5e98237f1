/**
 * TensorFlow.js 4.22's side of the benchmark, on its `wasm` backend (XNNPACK) or its `cpu`
 * backend (plain JS). Models are written with tfjs-core ops and trained with `tf.train.adam`'s
 * `minimize`, the idiomatic tfjs training loop; each run reads the loss back.
 * @module
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
// The umbrella package: tfjs-core alone registers no gradients in Node (its CommonJS bundle lacks
// them), so training needs `@tensorflow/tfjs`, which also brings the cpu backend.
import * as tf from "@tensorflow/tfjs";
import { setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import {
  glorot,
  type Options,
  randomFloats,
  randomLabels,
  type Runner,
  SIZES,
  type Side,
  type Workload,
} from "./harness.js";

const floats = (shape: number[], seed: number, scale = 1): tf.Tensor =>
  tf.tensor(
    randomFloats(
      shape.reduce((a, b) => a * b, 1),
      seed,
      scale,
    ),
    shape,
  );
const weight = (fanIn: number, fanOut: number, shape: number[], seed: number): tf.Variable =>
  tf.variable(floats(shape, seed, glorot(fanIn, fanOut)));
const bias = (n: number): tf.Variable => tf.variable(tf.zeros([n]));
const oneHot = (n: number, classes: number, seed: number): tf.Tensor =>
  tf.oneHot(tf.tensor1d(randomLabels(n, classes, seed), "int32"), classes);

/** Trains with Adam's `minimize` on a loss closure; each run reads the loss back. */
function trainRunner(loss: () => tf.Scalar): Runner {
  const opt = tf.train.adam(SIZES.lr);
  return {
    run() {
      const l = opt.minimize(loss, true) as tf.Scalar;
      l.dataSync();
      l.dispose();
    },
  };
}

interface Mlp {
  w: tf.Variable[];
  b: tf.Variable[];
}

function mlpParams(): Mlp {
  const ls = SIZES.mlp.layers;
  const w: tf.Variable[] = [];
  const b: tf.Variable[] = [];
  for (let i = 0; i < 3; i++) {
    w.push(weight(ls[i], ls[i + 1], [ls[i], ls[i + 1]], 20 + i));
    b.push(bias(ls[i + 1]));
  }
  return { w, b };
}

function mlpForward(p: Mlp, x: tf.Tensor): tf.Tensor2D {
  let h = x as tf.Tensor2D;
  for (let i = 0; i < 3; i++) {
    h = tf.add(tf.matMul(h, p.w[i]), p.b[i]);
    if (i < 2) h = tf.relu(h);
  }
  return h;
}

/** The MLP training step. */
export function mlpTrain(): Runner {
  const { batch, layers } = SIZES.mlp;
  const p = mlpParams();
  const x = floats([batch, layers[0]], 1);
  const y = oneHot(batch, layers[3], 2);
  return trainRunner(() => tf.losses.softmaxCrossEntropy(y, mlpForward(p, x)) as tf.Scalar);
}

/** The CNN training step (NHWC). */
export function cnnTrain(): Runner {
  const { batch, image, filters, classes } = SIZES.cnn;
  const [f1, f2] = filters;
  const k1 = weight(9, 9 * f1, [3, 3, 1, f1], 30);
  const c1 = bias(f1);
  const k2 = weight(9 * f1, 9 * f2, [3, 3, f1, f2], 31);
  const c2 = bias(f2);
  const flat = 5 * 5 * f2;
  const wd = weight(flat, classes, [flat, classes], 32);
  const bd = bias(classes);
  const x = floats([batch, image, image, 1], 3) as tf.Tensor4D;
  const y = oneHot(batch, classes, 4);
  return trainRunner(() => {
    const block = (h: tf.Tensor4D, k: tf.Variable, c: tf.Variable): tf.Tensor4D =>
      tf.maxPool(
        tf.relu(tf.add(tf.conv2d(h, k as tf.Tensor4D, 1, "valid"), c)) as tf.Tensor4D,
        2,
        2,
        "valid",
      );
    const h = block(block(x, k1, c1), k2, c2);
    const logits = tf.add(tf.matMul(tf.reshape(h, [batch, flat]), wd), bd);
    return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
  });
}

/** The LSTM training step: input projection for all steps at once, then a loop over time. */
export function lstmTrain(): Runner {
  const { batch, steps, input, hidden, classes } = SIZES.lstm;
  const g = 4 * hidden;
  const wx = weight(input, g, [input, g], 40);
  const wh = weight(hidden, g, [hidden, g], 41);
  const b = bias(g);
  const wd = weight(hidden, classes, [hidden, classes], 42);
  const bd = bias(classes);
  const x = floats([batch, steps, input], 5);
  const y = oneHot(batch, classes, 6);
  return trainRunner(() => {
    const xw = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [batch * steps, input]), wx), b), [
      batch,
      steps,
      g,
    ]);
    const xs = tf.unstack(xw, 1) as tf.Tensor2D[];
    let h = tf.zeros([batch, hidden]) as tf.Tensor2D;
    let c = tf.zeros([batch, hidden]) as tf.Tensor2D;
    for (const xt of xs) {
      const z = tf.add(xt, tf.matMul(h, wh));
      const [i, f, gg, o] = tf.split(z, 4, 1);
      c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(gg)));
      h = tf.mul(tf.sigmoid(o), tf.tanh(c));
    }
    const logits = tf.add(tf.matMul(h, wd), bd);
    return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
  });
}

/** An n×n matmul, read back. */
export function matmulN(n: number): Runner {
  const a = floats([n, n], 7) as tf.Tensor2D;
  const b = floats([n, n], 8) as tf.Tensor2D;
  return {
    run() {
      const c = tf.matMul(a, b);
      c.dataSync();
      c.dispose();
    },
  };
}

/** `chain` eager adds `x ← x + b`, the last result read back. */
export function addChain(n: number, chain: number): Runner {
  const x0 = floats([n], 9);
  const b = floats([n], 10, 1e-3);
  return {
    perRun: chain,
    run() {
      let x = tf.add(x0, b);
      for (let i = 1; i < chain; i++) {
        const next = tf.add(x, b);
        x.dispose();
        x = next;
      }
      x.dataSync();
      x.dispose();
    },
  };
}

/** MLP inference at a batch size (inside `tf.tidy`), read back. */
export function mlpInfer(batch: number): Runner {
  const p = mlpParams();
  const x = floats([batch, SIZES.mlp.layers[0]], 11);
  return {
    run() {
      const y = tf.tidy(() => mlpForward(p, x));
      y.dataSync();
      y.dispose();
    },
  };
}

/** Where tfjs-backend-wasm's .wasm files are. */
function wasmDir(): string {
  const require = createRequire(import.meta.url);
  return `${join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist")}/`;
}

/** The `cpu` workloads too slow for a quick run (seconds per run). */
const SLOW_ON_CPU: readonly Workload[] = [
  "matmul512",
  "matmul1024",
  "mlpTrain",
  "lstmTrain",
  "add1e6",
  "mlpInfer128",
];

let wasmPathSet = false;

/** TensorFlow.js on one backend. */
export function tfjsSide(backend: "wasm" | "cpu", addOps: { small: number; large: number }): Side {
  return {
    name: `tfjs-${backend}`,
    async prepare() {
      if (tf.getBackend() === backend) return;
      if (backend === "wasm" && !wasmPathSet) {
        setWasmPaths(wasmDir());
        setThreadsCount(1);
        wasmPathSet = true;
      }
      const ok = await tf.setBackend(backend);
      if (!ok) throw new Error(`tfjs: backend ${backend} did not initialise`);
      await tf.ready();
    },
    describe: () =>
      backend === "wasm"
        ? `tfjs-wasm ${tf.version_core}: XNNPACK kernels, SIMD128, 1 thread (no worker threads in Node)`
        : `tfjs-cpu ${tf.version_core}: plain JavaScript kernels, 1 thread`,
    skip: (w: Workload, opts: Options) => {
      if (backend === "wasm")
        return opts.quick && w === "lstmTrain" ? "skipped in --quick: seconds per step" : null;
      if (w === "cnnTrain") return "skipped: about 30 s per step";
      return opts.quick && SLOW_ON_CPU.includes(w) ? "skipped in --quick" : null;
    },
    workloads: {
      matmul128: () => matmulN(128),
      matmul256: () => matmulN(256),
      matmul512: () => matmulN(512),
      matmul1024: () => matmulN(1024),
      mlpTrain,
      cnnTrain,
      lstmTrain,
      add1e3: () => addChain(1000, addOps.small),
      add1e6: () => addChain(1_000_000, addOps.large),
      mlpInfer1: () => mlpInfer(1),
      mlpInfer128: () => mlpInfer(SIZES.mlp.batch),
    },
  };
}
