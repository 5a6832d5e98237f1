/**
 * jax-js 0.1.25's side of the benchmark, on its `wasm` device: `jit(valueAndGrad(loss))` and a
 * hand-written, jitted Adam (its fastest training path). jax-js functions consume their
 * arguments, so values kept across calls are passed as `.ref`. Convolutions are NCHW (its layout).
 * The LSTM is unrolled over time inside the jitted function (jax-js has no `scan`).
 * @module
 */
import { defaultDevice, init, jit, lax, nn, numpy as np, tree, valueAndGrad } from "@jax-js/jax";
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

type A = np.Array;

const floats = (shape: number[], seed: number, scale = 1): A =>
  np
    .array(
      randomFloats(
        shape.reduce((a, b) => a * b, 1),
        seed,
        scale,
      ),
    )
    .reshape(shape);
const weight = (fanIn: number, fanOut: number, shape: number[], seed: number): A =>
  floats(shape, seed, glorot(fanIn, fanOut));
const oneHot = (n: number, classes: number, seed: number): A =>
  nn.oneHot(np.array(randomLabels(n, classes, seed), { dtype: np.int32 }), classes);

/** Mean softmax cross-entropy of logits against one-hot targets. */
function crossEntropy(logits: A, y: A): A {
  return nn.logSoftmax(logits, -1).mul(y).sum(-1).mean().mul(-1);
}

/** A training problem: the loss of the parameters on a batch, initial parameters and one batch. */
export interface Problem {
  loss: (p: A[], x: A, y: A) => A;
  params: A[];
  x: A;
  y: A;
}

/**
 * Training with the jitted value-and-gradient of `loss(params, x, y)`, then a jitted Adam update
 * over the list of parameters: `step()` runs one and returns the loss, not yet read (the main
 * table reads it with `dataSync`, the WebGPU section with `await data()`).
 */
export function adamStepper({ loss, params: params0, x, y }: Problem): {
  step(): A;
  dispose(): void;
} {
  const vg = jit(valueAndGrad(loss));
  const b1 = 0.9;
  const b2 = 0.999;
  const eps = 1e-8;
  const adam = jit((p: A[], g: A[], m: A[], v: A[], lrt: A) => {
    const out: [A[], A[], A[]] = [[], [], []];
    for (let i = 0; i < p.length; i++) {
      const m1 = m[i].mul(b1).add(g[i].ref.mul(1 - b1));
      const v1 = v[i].mul(b2).add(g[i].ref.mul(g[i]).mul(1 - b2));
      out[0].push(p[i].sub(m1.ref.mul(lrt.ref).div(np.sqrt(v1.ref).add(eps))));
      out[1].push(m1);
      out[2].push(v1);
    }
    lrt.dispose();
    return out;
  });
  let params = params0;
  let m = params.map((p) => np.zerosLike(p.ref));
  let v = params.map((p) => np.zerosLike(p.ref));
  let t = 0;
  return {
    step() {
      t++;
      const lrt = (SIZES.lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      const [l, g] = vg(tree.ref(params), x.ref, y.ref);
      [params, m, v] = adam(params, g, m, v, np.array(lrt));
      return l;
    },
    dispose() {
      tree.dispose([params, m, v, x, y]);
      vg.dispose();
      adam.dispose();
    },
  };
}

/** A training step of `problem`; each run reads the loss back. */
function trainRunner(problem: Problem): Runner {
  const s = adamStepper(problem);
  return { run: () => void s.step().dataSync(), dispose: () => s.dispose() };
}

function mlpParams(): A[] {
  const ls = SIZES.mlp.layers;
  const p: A[] = [];
  for (let i = 0; i < 3; i++) {
    p.push(weight(ls[i], ls[i + 1], [ls[i], ls[i + 1]], 20 + i), np.zeros([ls[i + 1]]));
  }
  return p;
}

function mlpForward(p: A[], x: A): A {
  let h = x;
  for (let i = 0; i < 3; i++) {
    h = np.matmul(h, p[2 * i]).add(p[2 * i + 1]);
    if (i < 2) h = nn.relu(h);
  }
  return h;
}

/** 2×2 max pooling, stride 2, of an NCHW array (floor: an odd last row/column is dropped). */
function maxPool2(x: A): A {
  const [n, c, h, w] = x.shape;
  const h2 = h >> 1;
  const w2 = w >> 1;
  const even = h % 2 || w % 2 ? x.slice([], [], [0, 2 * h2], [0, 2 * w2]) : x;
  return even.reshape([n, c, h2, 2, w2, 2]).max([3, 5]);
}

/** The MLP training problem. */
function mlpProblem(): Problem {
  const { batch, layers } = SIZES.mlp;
  const loss = (p: A[], x: A, y: A) => crossEntropy(mlpForward(p, x), y);
  return {
    loss,
    params: mlpParams(),
    x: floats([batch, layers[0]], 1),
    y: oneHot(batch, layers[3], 2),
  };
}

/** The CNN training problem (NCHW input, OIHW kernels). */
function cnnProblem(): Problem {
  const { batch, image, filters, classes } = SIZES.cnn;
  const [f1, f2] = filters;
  const flat = 5 * 5 * f2;
  const params = [
    weight(9, 9 * f1, [f1, 1, 3, 3], 30),
    np.zeros([1, f1, 1, 1]),
    weight(9 * f1, 9 * f2, [f2, f1, 3, 3], 31),
    np.zeros([1, f2, 1, 1]),
    weight(flat, classes, [flat, classes], 32),
    np.zeros([classes]),
  ];
  const loss = (p: A[], x: A, y: A) => {
    let h = maxPool2(nn.relu(lax.conv(x, p[0], [1, 1], "VALID").add(p[1])));
    h = maxPool2(nn.relu(lax.conv(h, p[2], [1, 1], "VALID").add(p[3])));
    const logits = np.matmul(h.reshape([batch, flat]), p[4]).add(p[5]);
    return crossEntropy(logits, y);
  };
  return { loss, params, x: floats([batch, 1, image, image], 3), y: oneHot(batch, classes, 4) };
}

/** The LSTM training problem, unrolled over the 32 steps. */
function lstmProblem(): Problem {
  const { batch, steps, input, hidden, classes } = SIZES.lstm;
  const g = 4 * hidden;
  const params = [
    weight(input, g, [input, g], 40),
    weight(hidden, g, [hidden, g], 41),
    np.zeros([g]),
    weight(hidden, classes, [hidden, classes], 42),
    np.zeros([classes]),
  ];
  const loss = (p: A[], x: A, y: A) => {
    const [wx, wh, b, wd, bd] = p;
    // [B, T, F] → [T, B, F], then the input projection of every step at once
    const xw = np.matmul(x.transpose([1, 0, 2]), wx).add(b);
    let h = np.zeros([batch, hidden]);
    let c = np.zeros([batch, hidden]);
    for (let t = 0; t < steps; t++) {
      const z = xw.ref.slice(t).add(np.matmul(h, wh.ref));
      const i = nn.sigmoid(z.ref.slice([], [0, hidden]));
      const f = nn.sigmoid(z.ref.slice([], [hidden, 2 * hidden]));
      const gg = np.tanh(z.ref.slice([], [2 * hidden, 3 * hidden]));
      const o = nn.sigmoid(z.slice([], [3 * hidden, 4 * hidden]));
      c = f.mul(c).add(i.mul(gg));
      h = o.mul(np.tanh(c.ref));
    }
    xw.dispose();
    wh.dispose();
    c.dispose();
    return crossEntropy(np.matmul(h, wd).add(bd), y);
  };
  return { loss, params, x: floats([batch, steps, input], 5), y: oneHot(batch, classes, 6) };
}

/**
 * The training problems, made on jax-js's default device (the same in the main table and the
 * WebGPU section).
 */
export const problems = { mlpTrain: mlpProblem, cnnTrain: cnnProblem, lstmTrain: lstmProblem };

/** The MLP training step. */
export const mlpTrain = (): Runner => trainRunner(mlpProblem());
/** The CNN training step. */
export const cnnTrain = (): Runner => trainRunner(cnnProblem());
/** The LSTM training step. */
export const lstmTrain = (): Runner => trainRunner(lstmProblem());

/** An n×n matmul, read back. */
export function matmulN(n: number): Runner {
  const a = floats([n, n], 7);
  const b = floats([n, n], 8);
  return {
    run() {
      np.matmul(a.ref, b.ref).dataSync();
    },
    dispose() {
      a.dispose();
      b.dispose();
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
      let x = x0.ref.add(b.ref);
      for (let i = 1; i < chain; i++) x = x.add(b.ref);
      x.dataSync();
    },
    dispose() {
      x0.dispose();
      b.dispose();
    },
  };
}

/** Jitted MLP inference at a batch size, read back. */
export function mlpInfer(batch: number): Runner {
  const p = mlpParams();
  const x = floats([batch, SIZES.mlp.layers[0]], 11);
  const f = jit(mlpForward);
  return {
    run() {
      f(tree.ref(p), x.ref).dataSync();
    },
    dispose() {
      tree.dispose([p, x]);
      f.dispose();
    },
  };
}

let ready = false;

/** jax-js on its wasm device. */
export function jaxjsSide(addOps: { small: number; large: number }): Side {
  return {
    name: "jax-js",
    async prepare() {
      if (ready) return;
      await init("wasm");
      defaultDevice("wasm");
      ready = true;
    },
    describe: () =>
      "jax-js 0.1.25: kernels generated as wasm at run time (jit fuses), 1 thread (no global Worker in Node 20)",
    skip: (w: Workload, opts: Options) =>
      opts.quick && (w === "cnnTrain" || w === "lstmTrain")
        ? "skipped in --quick: long compilation (and seconds per CNN step)"
        : null,
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
