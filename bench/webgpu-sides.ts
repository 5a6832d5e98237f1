/**
 * The three sides of the WebGPU benchmark (`bench/webgpu.ts`): typegrad's webgpu backend,
 * TensorFlow.js's (`@tensorflow/tfjs-backend-webgpu`) and jax-js's (`init("webgpu")`), each with
 * the section's workloads set up as in the main table (`bench/typegrad.ts`, `bench/tfjs.ts`,
 * `bench/jaxjs.ts`): matmul 256 and 512 (eager, result read back), and the MLP, CNN and LSTM
 * training steps (Adam, the loss read back each step).
 * @module
 */
import { glorot, randomFloats, randomLabels, SIZES } from "./harness.js";

/** The workloads of the WebGPU section, in table order. */
export const WORKLOADS = ["matmul256", "matmul512", "mlpTrain", "cnnTrain", "lstmTrain"] as const;
/** A workload of the WebGPU section. */
export type GpuWorkload = (typeof WORKLOADS)[number];

/** One workload set up on one side: `run` does one unit and awaits its result on the host. */
export interface AsyncRunner {
  run(): Promise<void>;
  dispose?(): void;
}

/** A side of the WebGPU section. */
export interface GpuSide {
  name: string;
  describe(): string;
  /** Opens the side's WebGPU backend (called before each of its workloads). */
  prepare(): Promise<void>;
  setup: Record<GpuWorkload, () => Promise<AsyncRunner>>;
  /** The side's own cumulative counters (typegrad's `webgpuInfo()`), when it has any. */
  counters?(): Record<string, number>;
}

/** typegrad on its webgpu backend: jitted, donated training steps. */
export async function typegradSide(): Promise<GpuSide> {
  const tg = await import("../src/index.js");
  const { matmul } = await import("../src/ops/index.js");
  type T = InstanceType<typeof tg.Tensor>;
  const floats = (shape: number[], seed: number): T =>
    tg.fromArray(randomFloats(shape[0] * (shape[1] ?? 1), seed), shape as never) as T;
  return {
    name: "typegrad-webgpu",
    describe: () => `typegrad's webgpu backend (generated WGSL, jitted and donated training step)`,
    prepare: () => tg.useBackend("webgpu"),
    setup: {
      matmul256: async () => matmulRunner(256),
      matmul512: async () => matmulRunner(512),
      mlpTrain: async () => {
        const { batch, layers } = SIZES.mlp;
        const [i, h1, h2, o] = layers;
        const model = tg.nn.serial(
          tg.nn.dense(i, h1),
          tg.nn.relu,
          tg.nn.dense(h1, h2),
          tg.nn.relu,
          tg.nn.dense(h2, o),
        );
        return trainRunner(model as never, floats([batch, i], 1), labels(batch, o, 2));
      },
      cnnTrain: async () => {
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
        );
        const x = tg.fromArray(randomFloats(batch * image * image, 3), [batch, image, image, 1]);
        return trainRunner(model as never, x as T, labels(batch, classes, 4));
      },
      lstmTrain: async () => {
        // as in bench/typegrad.ts: the last state of an LSTM → dense 10
        const { batch, steps, input, hidden, classes } = SIZES.lstm;
        const model = tg.nn.sequential([steps, input], tg.nn.lstm(hidden), tg.nn.dense(classes));
        const x = tg.fromArray(randomFloats(batch * steps * input, 5), [batch, steps, input]);
        return trainRunner(model as never, x as T, labels(batch, classes, 6));
      },
    },
    counters: () => {
      const i = tg.webgpuInfo();
      return {
        dispatches: i.dispatches,
        submits: i.submits,
        bytesUploaded: i.bytesUploaded,
        paramBytesUploaded: i.paramBytesUploaded,
        bytesReadBack: i.bytesReadBack,
        buffers: i.buffers,
        bindGroupsCreated: i.bindGroupsCreated,
      };
    },
  };
  function labels(n: number, classes: number, seed: number): T {
    return tg.fromArray(randomLabels(n, classes, seed), [n], "i32") as T;
  }
  /** The jitted, donated training step of `model` (Adam, sparse cross-entropy on logits). */
  function trainRunner(
    model: { init(k: ReturnType<typeof tg.random.key>): object; apply(p: object, x: T): T },
    x: T,
    y: T,
  ): AsyncRunner {
    const opt = tg.optim.adam({ lr: SIZES.lr });
    let params = model.init(tg.random.key(0));
    type P = typeof params;
    let state = opt.init(params as never);
    const step = tg.jit(
      (p: P, s: typeof state, xb: T, yb: T) => {
        const [l, grads] = tg.valueAndGrad((q: P) =>
          tg.losses.sparseCategoricalCrossEntropy(model.apply(q, xb) as never, yb as never, {
            fromLogits: true,
          }),
        )(p);
        return { ...opt.update(grads as never, s, p as never), loss: l };
      },
      { donate: [0, 1] },
    );
    return {
      async run() {
        const r = step(params, state, x, y);
        ({ params, state } = r as unknown as { params: P; state: typeof state });
        await r.loss.data();
        r.loss.dispose();
      },
    };
  }
  function matmulRunner(n: number): AsyncRunner {
    const a = floats([n, n], 7);
    const b = floats([n, n], 8);
    return {
      async run() {
        const c = matmul(a as never, b as never) as T;
        await c.data();
        c.dispose();
      },
      dispose() {
        a.dispose();
        b.dispose();
      },
    };
  }
}

/** TensorFlow.js on `@tensorflow/tfjs-backend-webgpu`: `tf.train.adam(…).minimize`. */
export async function tfjsSide(): Promise<GpuSide> {
  const tf = await import("@tensorflow/tfjs");
  type Tensor = import("@tensorflow/tfjs").Tensor;
  type Tensor4D = import("@tensorflow/tfjs").Tensor4D;
  type Scalar = import("@tensorflow/tfjs").Scalar;
  await import("@tensorflow/tfjs-backend-webgpu");
  const floats = (shape: number[], seed: number, scale = 1) =>
    tf.tensor(randomFloats(shape[0] * (shape[1] ?? 1), seed, scale), shape);
  const matmulRunner = (n: number): AsyncRunner => {
    const a = floats([n, n], 7);
    const b = floats([n, n], 8);
    return {
      async run() {
        const c = tf.matMul(a, b);
        await c.data();
        c.dispose();
      },
      dispose() {
        tf.dispose([a, b]);
      },
    };
  };
  return {
    name: "tfjs-webgpu",
    describe: () => `TensorFlow.js 4.22 @tensorflow/tfjs-backend-webgpu (tf.train.adam minimize)`,
    prepare: async () => {
      if (!(await tf.setBackend("webgpu"))) throw new Error("tf.setBackend('webgpu') failed");
      await tf.ready();
    },
    setup: {
      matmul256: async () => matmulRunner(256),
      matmul512: async () => matmulRunner(512),
      mlpTrain: async () => {
        const { batch, layers: ls } = SIZES.mlp;
        const w = [0, 1, 2].map((i) =>
          tf.variable(floats([ls[i], ls[i + 1]], 20 + i, glorot(ls[i], ls[i + 1]))),
        );
        const b = [0, 1, 2].map((i) => tf.variable(tf.zeros([ls[i + 1]])));
        const x = floats([batch, ls[0]], 1);
        const y = tf.oneHot(tf.tensor1d(randomLabels(batch, ls[3], 2), "int32"), ls[3]);
        return trainRunner([...w, ...b], [x, y], () => {
          let h = x;
          for (let i = 0; i < 3; i++) {
            h = tf.add(tf.matMul(h, w[i]), b[i]);
            if (i < 2) h = tf.relu(h);
          }
          return tf.losses.softmaxCrossEntropy(y, h) as Scalar;
        });
      },
      cnnTrain: async () => {
        // as in bench/tfjs.ts: NHWC, HWIO kernels
        const { batch, image, filters, classes } = SIZES.cnn;
        const [f1, f2] = filters;
        const flat = 5 * 5 * f2;
        const k1 = tf.variable(tensor([3, 3, 1, f1], 30, glorot(9, 9 * f1)));
        const c1 = tf.variable(tf.zeros([f1]));
        const k2 = tf.variable(tensor([3, 3, f1, f2], 31, glorot(9 * f1, 9 * f2)));
        const c2 = tf.variable(tf.zeros([f2]));
        const wd = tf.variable(tensor([flat, classes], 32, glorot(flat, classes)));
        const bd = tf.variable(tf.zeros([classes]));
        const x = tensor([batch, image, image, 1], 3) as Tensor4D;
        const y = tf.oneHot(tf.tensor1d(randomLabels(batch, classes, 4), "int32"), classes);
        const block = (h: Tensor4D, k: Tensor4D, c: Tensor) =>
          tf.maxPool(tf.relu(tf.add(tf.conv2d(h, k, 1, "valid"), c)) as Tensor4D, 2, 2, "valid");
        return trainRunner([k1, c1, k2, c2, wd, bd], [x, y], () => {
          const h = block(block(x, k1 as Tensor4D, c1), k2 as Tensor4D, c2);
          const logits = tf.add(tf.matMul(tf.reshape(h, [batch, flat]), wd), bd);
          return tf.losses.softmaxCrossEntropy(y, logits) as Scalar;
        });
      },
      lstmTrain: async () => {
        // as in bench/tfjs.ts: the input projection of every step at once, then a loop over time
        const { batch, steps, input, hidden, classes } = SIZES.lstm;
        const g = 4 * hidden;
        const wx = tf.variable(tensor([input, g], 40, glorot(input, g)));
        const wh = tf.variable(tensor([hidden, g], 41, glorot(hidden, g)));
        const b = tf.variable(tf.zeros([g]));
        const wd = tf.variable(tensor([hidden, classes], 42, glorot(hidden, classes)));
        const bd = tf.variable(tf.zeros([classes]));
        const x = tensor([batch, steps, input], 5);
        const y = tf.oneHot(tf.tensor1d(randomLabels(batch, classes, 6), "int32"), classes);
        return trainRunner([wx, wh, b, wd, bd], [x, y], () => {
          const xw = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [batch * steps, input]), wx), b), [
            batch,
            steps,
            g,
          ]);
          let h: Tensor = tf.zeros([batch, hidden]);
          let c: Tensor = tf.zeros([batch, hidden]);
          for (const xt of tf.unstack(xw, 1)) {
            const [i, f, gg, o] = tf.split(tf.add(xt, tf.matMul(h, wh)), 4, 1);
            c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(gg)));
            h = tf.mul(tf.sigmoid(o), tf.tanh(c));
          }
          const logits = tf.add(tf.matMul(h, wd), bd);
          return tf.losses.softmaxCrossEntropy(y, logits) as Scalar;
        });
      },
    },
  };
  function tensor(shape: number[], seed: number, scale = 1): Tensor {
    return tf.tensor(
      randomFloats(
        shape.reduce((a, b) => a * b, 1),
        seed,
        scale,
      ),
      shape,
    );
  }
  /** `tf.train.adam(…).minimize(loss)`, its loss read back; disposes `vars` and `data` at the end. */
  function trainRunner(vars: Tensor[], data: Tensor[], loss: () => Scalar): AsyncRunner {
    const opt = tf.train.adam(SIZES.lr);
    return {
      async run() {
        const l = opt.minimize(loss, true);
        await l?.data();
        l?.dispose();
      },
      dispose() {
        tf.dispose([...vars, ...data]);
        opt.dispose();
      },
    };
  }
}

/** jax-js on its webgpu device: `jit(valueAndGrad)` and a jitted Adam. */
export async function jaxjsSide(): Promise<GpuSide> {
  const {
    defaultDevice,
    init,
    jit,
    lax,
    nn,
    numpy: np,
    tree,
    valueAndGrad,
  } = await import("@jax-js/jax");
  type A = ReturnType<typeof np.array>;
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
  const matmulRunner = (n: number): AsyncRunner => {
    const a = floats([n, n], 7);
    const b = floats([n, n], 8);
    return {
      async run() {
        await np.matmul(a.ref, b.ref).data();
      },
      dispose() {
        tree.dispose([a, b]);
      },
    };
  };
  return {
    name: "jax-js-webgpu",
    describe: () => `jax-js 0.1.25 on its webgpu device (jit(valueAndGrad), jitted Adam)`,
    prepare: async () => {
      if (!(await init("webgpu")).includes("webgpu")) {
        throw new Error("jax-js init('webgpu') found no device");
      }
      defaultDevice("webgpu");
    },
    setup: {
      matmul256: async () => matmulRunner(256),
      matmul512: async () => matmulRunner(512),
      mlpTrain: async () => {
        const { batch, layers: ls } = SIZES.mlp;
        const params: A[] = [];
        for (let i = 0; i < 3; i++) {
          params.push(floats([ls[i], ls[i + 1]], 20 + i, glorot(ls[i], ls[i + 1])));
          params.push(np.zeros([ls[i + 1]]));
        }
        const loss = (p: A[], xb: A, yb: A): A => {
          let h = xb;
          for (let i = 0; i < 3; i++) {
            h = np.matmul(h, p[2 * i]).add(p[2 * i + 1]);
            if (i < 2) h = nn.relu(h);
          }
          return crossEntropy(h, yb);
        };
        const x = floats([batch, ls[0]], 1);
        return trainRunner(loss, params, x, oneHot(batch, ls[3], 2));
      },
      cnnTrain: async () => {
        // as in bench/jaxjs.ts: NCHW input, OIHW kernels, pooling by reshape and max
        const { batch, image, filters, classes } = SIZES.cnn;
        const [f1, f2] = filters;
        const flat = 5 * 5 * f2;
        const params = [
          floats([f1, 1, 3, 3], 30, glorot(9, 9 * f1)),
          np.zeros([1, f1, 1, 1]),
          floats([f2, f1, 3, 3], 31, glorot(9 * f1, 9 * f2)),
          np.zeros([1, f2, 1, 1]),
          floats([flat, classes], 32, glorot(flat, classes)),
          np.zeros([classes]),
        ];
        const loss = (p: A[], xb: A, yb: A): A => {
          let h = maxPool2(nn.relu(lax.conv(xb, p[0], [1, 1], "VALID").add(p[1])));
          h = maxPool2(nn.relu(lax.conv(h, p[2], [1, 1], "VALID").add(p[3])));
          return crossEntropy(np.matmul(h.reshape([batch, flat]), p[4]).add(p[5]), yb);
        };
        const x = floats([batch, 1, image, image], 3);
        return trainRunner(loss, params, x, oneHot(batch, classes, 4));
      },
      lstmTrain: async () => {
        // as in bench/jaxjs.ts: unrolled over the 32 steps inside the jitted function
        const { batch, steps, input, hidden, classes } = SIZES.lstm;
        const g = 4 * hidden;
        const params = [
          floats([input, g], 40, glorot(input, g)),
          floats([hidden, g], 41, glorot(hidden, g)),
          np.zeros([g]),
          floats([hidden, classes], 42, glorot(hidden, classes)),
          np.zeros([classes]),
        ];
        const loss = (p: A[], xb: A, yb: A): A => {
          const [wx, wh, b, wd, bd] = p;
          // [B, T, F] → [T, B, F], then the input projection of every step at once
          const xw = np.matmul(xb.transpose([1, 0, 2]), wx).add(b);
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
          return crossEntropy(np.matmul(h, wd).add(bd), yb);
        };
        const x = floats([batch, steps, input], 5);
        return trainRunner(loss, params, x, oneHot(batch, classes, 6));
      },
    },
  };
  function oneHot(n: number, classes: number, seed: number): A {
    return nn.oneHot(np.array(randomLabels(n, classes, seed), { dtype: np.int32 }), classes);
  }
  function crossEntropy(logits: A, y: A): A {
    return nn.logSoftmax(logits, -1).mul(y).sum(-1).mean().mul(-1);
  }
  /** 2×2 max pooling, stride 2, of an NCHW array (an odd last row/column is dropped). */
  function maxPool2(x: A): A {
    const [n, c, h, w] = x.shape;
    const [h2, w2] = [h >> 1, w >> 1];
    const even = h % 2 || w % 2 ? x.slice([], [], [0, 2 * h2], [0, 2 * w2]) : x;
    return even.reshape([n, c, h2, 2, w2, 2]).max([3, 5]);
  }
  /** As in bench/jaxjs.ts: value and gradient jitted, a hand-written jitted Adam. */
  function trainRunner(loss: (p: A[], x: A, y: A) => A, params0: A[], x: A, y: A): AsyncRunner {
    let params = params0;
    const vg = jit(valueAndGrad(loss));
    const [b1, b2, eps] = [0.9, 0.999, 1e-8];
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
    let m = params.map((p) => np.zerosLike(p.ref));
    let v = params.map((p) => np.zerosLike(p.ref));
    let t = 0;
    return {
      async run() {
        t++;
        const lrt = (SIZES.lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
        const [l, g] = vg(tree.ref(params), x.ref, y.ref);
        [params, m, v] = adam(params, g, m, v, np.array(lrt));
        await l.data();
      },
      dispose() {
        tree.dispose([params, m, v, x, y]);
        vg.dispose();
        adam.dispose();
      },
    };
  }
}
