/**
 * `npm run bench -- --webgpu`: the WebGPU section of the benchmark, apart from the default run
 * (on a machine without a GPU it runs on SwiftShader, Vulkan on the CPU, which is slow). typegrad's
 * webgpu backend against TensorFlow.js's (`@tensorflow/tfjs-backend-webgpu`) and jax-js's
 * (`init("webgpu")`), all three on one `navigator.gpu` from the npm `webgpu` package (Dawn).
 * Workloads: matmul 256 and 512 (eager, result read back), the MLP 784-256-128-10 training
 * step (Adam, batch 128, loss read back) and the CNN training step (conv 32 → pool → conv 64 →
 * pool → dense 10, Adam, batch 64), as in the main table. Reads on the GPU are asynchronous,
 * so runs are awaited: warm-up, then the median of single timed runs. Without an adapter the
 * section says so and measures nothing. Writes `bench/results-webgpu.md` unless `--out=FILE`.
 * @module
 */
import { existsSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { glorot, METRICS, randomFloats, randomLabels, reason, SIZES } from "./harness.js";

const WORKLOADS = ["matmul256", "matmul512", "mlpTrain", "cnnTrain"] as const;
type GpuWorkload = (typeof WORKLOADS)[number];

/** One workload set up on one side: `run` does one unit and awaits its result on the host. */
interface AsyncRunner {
  run(): Promise<void>;
  dispose?(): void;
}

/** A side of the WebGPU section. */
interface GpuSide {
  name: string;
  describe(): string;
  /** Opens the side's WebGPU backend (called before each of its workloads). */
  prepare(): Promise<void>;
  setup: Record<GpuWorkload, () => Promise<AsyncRunner>>;
}

const SWIFTSHADER = "/usr/lib/chromium/vk_swiftshader_icd.json";

/**
 * Gives Node a `navigator.gpu` from the `webgpu` package (and its enums as globals), as a browser
 * has; returns the adapter's name, or null when there is none.
 */
async function openGpu(): Promise<string | null> {
  // SwiftShader when nothing else was chosen (set before Dawn loads)
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER;
  }
  const name = "webgpu";
  const mod = (await import(name)) as { create(flags: string[]): GPU; globals: object };
  for (const [k, v] of Object.entries(mod.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  const gpu = mod.create([]);
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, "gpu", { value: gpu, configurable: true });
  else {
    Object.defineProperty(globalThis, "navigator", {
      value: { gpu, userAgent: `Node.js ${process.version}`, hardwareConcurrency: cpus().length },
      configurable: true,
    });
  }
  const adapter = await gpu.requestAdapter();
  if (!adapter) return null;
  const i = adapter.info;
  return [i.vendor, i.architecture, i.device, i.description].filter((s) => s).join(" ");
}

// -- the sides ---------------------------------------------------------------------------------

async function typegradSide(): Promise<GpuSide> {
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

async function tfjsSide(): Promise<GpuSide> {
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

async function jaxjsSide(): Promise<GpuSide> {
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

// -- timing ------------------------------------------------------------------------------------

/** Warm-up runs, timed runs and the seconds after which 3 timed runs suffice, per workload. */
const PLANS: Record<GpuWorkload, { warmup: number; reps: number; budget: number }> = {
  matmul256: { warmup: 2, reps: 7, budget: 20 },
  matmul512: { warmup: 2, reps: 7, budget: 20 },
  mlpTrain: { warmup: 2, reps: 7, budget: 20 },
  // seconds per step on SwiftShader
  cnnTrain: { warmup: 1, reps: 7, budget: 30 },
};

/** Median and best seconds of single awaited runs after `warmup` runs (fewer past `budget` s). */
async function measureAsync(
  r: AsyncRunner,
  plan = { warmup: 2, reps: 7, budget: 20 },
): Promise<{ seconds: number; best: number; reps: number }> {
  for (let i = 0; i < plan.warmup; i++) await r.run();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < plan.reps) {
    const t = performance.now();
    await r.run();
    times.push((performance.now() - t) / 1000);
    if (times.length >= 3 && (performance.now() - start) / 1000 > plan.budget) break;
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const seconds = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return { seconds, best: times[0], reps: times.length };
}

/**
 * A markdown table padded as biome's formatter pads it (so the written file needs no fixing):
 * every column as wide as its widest cell (at least 3), the `right` ones right-aligned (`---:`).
 * @example
 * ```ts
 * markdownTable(["side", "ms"], [false, true], [["wasm", "1.5"]]);
 * // ["| side |  ms |", "| ---- | --: |", "| wasm | 1.5 |"]
 * ```
 */
function markdownTable(head: string[], right: boolean[], rows: string[][]): string[] {
  // a `|` would end the cell and `*x*` would be rewritten as `_x_` (error messages are cells)
  const body = rows.map((r) => r.map((s) => s.replace(/[|*]/g, "\\$&")));
  const len = (s: string) => [...s].length;
  const width = head.map((_, c) => Math.max(3, ...[head, ...body].map((r) => len(r[c]))));
  const pad = (s: string, c: number) => {
    const fill = " ".repeat(width[c] - len(s));
    return right[c] ? fill + s : s + fill;
  };
  const line = (r: string[]) => `| ${r.map(pad).join(" | ")} |`;
  const rule = width.map((w, c) => (right[c] ? `${"-".repeat(w - 1)}:` : "-".repeat(w)));
  return [line(head), `| ${rule.join(" | ")} |`, ...body.map(line)];
}

const fmt = (x: number): string =>
  x >= 100 ? Math.round(x).toLocaleString("en-US") : x >= 10 ? x.toFixed(1) : x.toFixed(2);

/**
 * Runs the WebGPU section and writes its table; `argv` may hold `--out=FILE`.
 * @example
 * ```ts
 * await main(["--out=/tmp/webgpu.md"]);
 * ```
 */
export async function main(argv: string[]): Promise<void> {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const started = new Date();
  const adapter = await openGpu();
  const out: string[] = [
    "# typegrad benchmark: WebGPU",
    "",
    `- Date: ${started.toISOString().replace("T", " ").slice(0, 16)} UTC; command \`npm run bench -- ${argv.join(" ")}\`.`,
  ];
  if (adapter === null) {
    out.push("- No WebGPU adapter was found: nothing was measured.");
  } else {
    out.push(
      `- Adapter: ${adapter}${/swiftshader/i.test(adapter) ? " (Vulkan on the CPU: the times say nothing about a GPU; they compare the sides' kernels and overheads on one device)" : ""}; ${cpus().length} CPUs, Node ${process.version}.`,
      "- Method: each side on the same `navigator.gpu`; per cell 2 warm-up runs (1 for the CNN), then the median (and best) of up to 7 single runs (at least 3, fewer past 20 s, or 30 s for the CNN), each awaited until its result (the product, or the step's loss) is read back.",
      "",
    );
    const sides: [string, () => Promise<GpuSide>][] = [
      ["typegrad-webgpu", typegradSide],
      ["tfjs-webgpu", tfjsSide],
      ["jax-js-webgpu", jaxjsSide],
    ];
    const cells = new Map<string, string[]>();
    const notes: string[] = [];
    for (const [name, load] of sides) {
      const row: string[] = [];
      cells.set(name, row);
      let side: GpuSide | null = null;
      try {
        side = await load();
        await side.prepare();
        notes.push(`- ${name}: ${side.describe()}.`);
      } catch (e) {
        notes.push(`- ${name}: fails to open: ${reason(e)}.`);
      }
      for (const w of WORKLOADS) {
        if (!side) {
          row.push("–");
          continue;
        }
        let r: AsyncRunner | null = null;
        try {
          await side.prepare();
          r = await side.setup[w]();
          const m = await measureAsync(r, PLANS[w]);
          const [fig, best] = [METRICS[w].figure(m.seconds), METRICS[w].figure(m.best)];
          row.push(`${fmt(fig)} (best ${fmt(best)})`);
          log(
            `${name.padEnd(16)} ${w.padEnd(10)} ${fmt(fig)} ${METRICS[w].unit}, best ${fmt(best)} (${m.reps} runs, ${(m.seconds * 1000).toFixed(0)} ms median, load ${loadavg()[0].toFixed(1)})`,
          );
        } catch (e) {
          row.push(`fails: ${reason(e)}`);
          log(`${name.padEnd(16)} ${w.padEnd(10)} fails: ${reason(e)}`);
        } finally {
          try {
            r?.dispose?.();
          } catch {}
        }
      }
    }
    const names = sides.map(([n]) => n);
    out.push(
      ...markdownTable(
        ["workload", "unit", ...names],
        [false, false, ...names.map(() => true)],
        WORKLOADS.map((w, i) => [
          METRICS[w].label,
          METRICS[w].unit,
          ...names.map((n) => cells.get(n)?.[i] ?? "–"),
        ]),
      ),
      "",
      ...notes,
    );
  }
  const text = `${out.join("\n")}\n`;
  console.log(text);
  const given = argv.find((a) => a.startsWith("--out="))?.slice(6);
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
  const file = given || join(root, "bench", "results-webgpu.md");
  writeFileSync(file, text);
  log(`bench: wrote ${file}`);
}
