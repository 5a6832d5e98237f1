/**
 * typegrad's side of the benchmark, written as a user would: models from `tg.nn`, losses from
 * `tg.losses`, `tg.optim.adam`, and one `tg.jit` step (`valueAndGrad` then the Adam update) whose
 * parameters and optimizer state are donated. One small function per workload.
 * @module
 */
import * as tg from "../src/index.js";
import { add, matmul } from "../src/ops/index.js";
import { fromArray } from "../src/tensor/create.js";
import { randomFloats, randomLabels, type Runner, SIZES, type Side } from "./harness.js";

// The public index does not re-export the typed ops and constructors yet, so they come from
// their modules.
type T = tg.Tensor<any, any>;

/** Any model with `init` and `apply` (the tg.nn chains' types are too precise to name here). */
interface AnyModel {
  init(key: tg.random.Key): unknown;
  apply(params: unknown, x: T): T;
}

const floats = (shape: number[], seed: number, scale = 1): T =>
  fromArray(
    randomFloats(
      shape.reduce((a, b) => a * b, 1),
      seed,
      scale,
    ),
    shape,
  );

/**
 * A training step as a user writes it: the loss's value and gradient, then the Adam update, in
 * one jitted function that donates the parameters and the optimizer state. Each run reads the
 * loss back.
 */
function trainRunner(model: AnyModel, x: T, y: T): Runner {
  const opt = tg.optim.adam({ lr: SIZES.lr });
  let params = model.init(tg.random.key(0));
  let state: unknown = opt.init(params as never);
  const loss = (p: unknown, xb: T, yb: T) =>
    tg.losses.sparseCategoricalCrossEntropy(model.apply(p, xb), yb, { fromLogits: true });
  const step = tg.jit(
    (p: unknown, s: unknown, xb: T, yb: T) => {
      const [l, grads] = tg.valueAndGrad(loss)(p, xb, yb);
      const next = opt.update(grads as never, s as never, p as never);
      return { params: next.params as unknown, state: next.state as unknown, loss: l as T };
    },
    { donate: [0, 1] },
  );
  return {
    run() {
      const out = step(params, state, x, y);
      params = out.params;
      state = out.state;
      out.loss.dataSync();
      out.loss.dispose();
    },
  };
}

function mlpModel(): AnyModel {
  const [i, h1, h2, o] = SIZES.mlp.layers;
  return tg.nn.serial(
    tg.nn.dense(i, h1),
    tg.nn.relu,
    tg.nn.dense(h1, h2),
    tg.nn.relu,
    tg.nn.dense(h2, o),
  ) as unknown as AnyModel;
}

/** A training problem: a model, and one batch of inputs and class labels (i32). */
export interface Problem {
  model: AnyModel;
  x: T;
  y: T;
}

/** The MLP 784-256-128-10, batch 128. */
function mlpProblem(): Problem {
  const { batch, layers } = SIZES.mlp;
  const x = floats([batch, layers[0]], 1);
  const y = fromArray(randomLabels(batch, layers[3], 2), [batch]);
  return { model: mlpModel(), x, y };
}

/** The CNN: conv 3×3×32, pool 2, conv 3×3×64, pool 2, dense 10; batch 64. */
function cnnProblem(): Problem {
  const { batch, image, filters, classes } = SIZES.cnn;
  const model = tg.nn.sequential(
    [image, image, 1],
    tg.nn.conv2d(filters[0], 3),
    tg.nn.relu,
    tg.nn.maxPool2d(2),
    tg.nn.conv2d(filters[1], 3),
    tg.nn.relu,
    tg.nn.maxPool2d(2),
    tg.nn.flatten,
    tg.nn.dense(classes),
  ) as unknown as AnyModel;
  const x = floats([batch, image, image, 1], 3);
  const y = fromArray(randomLabels(batch, classes, 4), [batch]);
  return { model, x, y };
}

/** The LSTM: batch 32, 32 steps, 64 inputs, 128 hidden, last state → dense 10. */
function lstmProblem(): Problem {
  const { batch, steps, input, hidden, classes } = SIZES.lstm;
  const model = tg.nn.sequential(
    [steps, input],
    tg.nn.lstm(hidden),
    tg.nn.dense(classes),
  ) as unknown as AnyModel;
  const x = floats([batch, steps, input], 5);
  const y = fromArray(randomLabels(batch, classes, 6), [batch]);
  return { model, x, y };
}

/**
 * The training problems, made on the current backend (the same in the main table and the
 * WebGPU section).
 */
export const problems = { mlpTrain: mlpProblem, cnnTrain: cnnProblem, lstmTrain: lstmProblem };

const train = (p: Problem): Runner => trainRunner(p.model, p.x, p.y);
/** The MLP training step. */
export const mlpTrain = (): Runner => train(mlpProblem());
/** The CNN training step. */
export const cnnTrain = (): Runner => train(cnnProblem());
/** The LSTM training step. */
export const lstmTrain = (): Runner => train(lstmProblem());

/** An eager n×n by n×n matmul, read back. */
export function matmulN(n: number): Runner {
  const a = floats([n, n], 7);
  const b = floats([n, n], 8);
  return {
    run() {
      const c = matmul(a, b) as T;
      c.dataSync();
      c.dispose();
    },
  };
}

/** `chain` eager adds `x ← x + b` of `n` elements, the last result read back. */
export function addChain(n: number, chain: number): Runner {
  const x0 = floats([n], 9);
  const b = floats([n], 10, 1e-3);
  return {
    run() {
      let x = add(x0, b) as T;
      for (let i = 1; i < chain; i++) {
        const next = add(x, b) as T;
        x.dispose();
        x = next;
      }
      x.dataSync();
      x.dispose();
    },
  };
}

/** Jitted MLP inference at a batch size, read back. */
export function mlpInfer(batch: number): Runner {
  const model = mlpModel();
  const params = model.init(tg.random.key(0));
  const x = floats([batch, SIZES.mlp.layers[0]], 11);
  const f = tg.jit((p: unknown, xb: T) => model.apply(p, xb));
  return {
    run() {
      const y = f(params, x);
      y.dataSync();
      y.dispose();
    },
  };
}

/**
 * typegrad's side: on every thread of its pool, or (`oneThread`) with kernels kept on the calling
 * thread, to show what the pool adds and to compare with the one-thread peers.
 */
export const typegradSide = (
  addOps: { small: number; large: number },
  oneThread = false,
): Side => ({
  name: oneThread ? "typegrad-1t" : "typegrad",
  describe: () => {
    const info = tg.backendInfo();
    const threads = oneThread
      ? "1 thread"
      : info.poolThreads > 1
        ? `${info.poolThreads} threads (worker_threads over one shared wasm memory; matmul, convolutions and large elementwise kernels split)`
        : `1 thread${info.fallback ? ` (${info.fallback})` : ""}`;
    return `${oneThread ? "typegrad-1t" : "typegrad"}: own Rust→wasm SIMD128 kernels (packed matmul, im2col conv), jitted programs with a memory plan, ${threads}`;
  },
  async prepare() {
    tg.setThreads(oneThread ? 1 : tg.backendInfo().poolThreads);
  },
  workloads: {
    matmul128: () => matmulN(128),
    matmul256: () => matmulN(256),
    matmul512: () => matmulN(512),
    matmul1024: () => matmulN(1024),
    mlpTrain,
    cnnTrain,
    lstmTrain,
    add1e3: () => ({ ...addChain(1000, addOps.small), perRun: addOps.small }),
    add1e6: () => ({ ...addChain(1_000_000, addOps.large), perRun: addOps.large }),
    mlpInfer1: () => mlpInfer(1),
    mlpInfer128: () => mlpInfer(SIZES.mlp.batch),
  },
});
