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
  const { problems } = await import("./typegrad.js");
  type T = InstanceType<typeof tg.Tensor>;
  /** A main-table training problem (`bench/typegrad.ts`), made on the webgpu backend. */
  const problemRunner = (w: keyof typeof problems): AsyncRunner => {
    const { model, x, y } = problems[w]();
    return trainRunner(model as never, x as T, y as T);
  };
  const floats = (shape: number[], seed: number): T =>
    tg.fromArray(randomFloats(shape[0] * (shape[1] ?? 1), seed), shape as never) as T;
  return {
    name: "typegrad-webgpu",
    describe: () => `typegrad's webgpu backend (generated WGSL, jitted and donated training step)`,
    prepare: () => tg.useBackend("webgpu"),
    setup: {
      matmul256: async () => matmulRunner(256),
      matmul512: async () => matmulRunner(512),
      mlpTrain: async () => problemRunner("mlpTrain"),
      cnnTrain: async () => problemRunner("cnnTrain"),
      lstmTrain: async () => problemRunner("lstmTrain"),
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

/**
 * jax-js on its webgpu device: `jit(valueAndGrad)` and a jitted Adam, on the training problems
 * of the main table (`bench/jaxjs.ts`), made on the webgpu device.
 */
export async function jaxjsSide(): Promise<GpuSide> {
  const { defaultDevice, init, numpy: np, tree } = await import("@jax-js/jax");
  const { adamStepper, problems } = await import("./jaxjs.js");
  type A = ReturnType<typeof np.array>;
  const floats = (shape: number[], seed: number): A =>
    np
      .array(
        randomFloats(
          shape.reduce((a, b) => a * b, 1),
          seed,
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
  /** A training step of a main-table problem; each run awaits the loss. */
  const trainRunner = (w: keyof typeof problems): AsyncRunner => {
    const s = adamStepper(problems[w]());
    return {
      async run() {
        await s.step().data();
      },
      dispose: () => s.dispose(),
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
      mlpTrain: async () => trainRunner("mlpTrain"),
      cnnTrain: async () => trainRunner("cnnTrain"),
      lstmTrain: async () => trainRunner("lstmTrain"),
    },
  };
}
