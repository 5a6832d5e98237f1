/**
 * `npm run bench -- --webgpu`: the WebGPU section of the benchmark, apart from the default run
 * (on a machine without a GPU it runs on SwiftShader, Vulkan on the CPU, which is slow). typegrad's
 * webgpu backend against TensorFlow.js's (`@tensorflow/tfjs-backend-webgpu`) and jax-js's
 * (`init("webgpu")`), all three on one `navigator.gpu` from the npm `webgpu` package (Dawn).
 * Workloads: matmul 256 and 512 (eager, result read back) and the MLP 784-256-128-10 training
 * step (Adam, batch 128, loss read back), as in the main table. Reads on the GPU are asynchronous,
 * so runs are awaited: warm-up, then the median of single timed runs. Without an adapter the
 * section says so and measures nothing. Writes `bench/results-webgpu.md` unless `--out=FILE`.
 * @module
 */
import { existsSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { glorot, METRICS, randomFloats, randomLabels, reason, SIZES } from "./harness.js";

const WORKLOADS = ["matmul256", "matmul512", "mlpTrain"] as const;
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
        const opt = tg.optim.adam({ lr: SIZES.lr });
        let params = model.init(tg.random.key(0));
        type P = typeof params;
        let state = opt.init(params);
        const x = floats([batch, i], 1);
        const y = tg.fromArray(randomLabels(batch, o, 2), [batch], "i32");
        const step = tg.jit(
          (p: P, s: typeof state, xb: T, yb: T) => {
            const [l, grads] = tg.valueAndGrad((q: P) =>
              tg.losses.sparseCategoricalCrossEntropy(model.apply(q, xb as never), yb, {
                fromLogits: true,
              }),
            )(p);
            return { ...opt.update(grads, s, p), loss: l };
          },
          { donate: [0, 1] },
        );
        return {
          async run() {
            const r = step(params, state, x, y);
            ({ params, state } = r);
            await r.loss.data();
            r.loss.dispose();
          },
        };
      },
    },
  };
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
        const opt = tf.train.adam(SIZES.lr);
        const loss = () => {
          let h = x;
          for (let i = 0; i < 3; i++) {
            h = tf.add(tf.matMul(h, w[i]), b[i]);
            if (i < 2) h = tf.relu(h);
          }
          return tf.losses.softmaxCrossEntropy(y, h) as import("@tensorflow/tfjs").Scalar;
        };
        return {
          async run() {
            const l = opt.minimize(loss, true);
            await l?.data();
            l?.dispose();
          },
          dispose() {
            tf.dispose([...w, ...b, x, y]);
            opt.dispose();
          },
        };
      },
    },
  };
}

async function jaxjsSide(): Promise<GpuSide> {
  const {
    defaultDevice,
    init,
    jit,
    nn,
    numpy: np,
    tree,
    valueAndGrad,
  } = await import("@jax-js/jax");
  type A = ReturnType<typeof np.array>;
  const floats = (shape: number[], seed: number, scale = 1): A =>
    np.array(randomFloats(shape[0] * (shape[1] ?? 1), seed, scale)).reshape(shape);
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
        // as in bench/jaxjs.ts: value and gradient jitted, a hand-written jitted Adam
        const { batch, layers: ls } = SIZES.mlp;
        let params: A[] = [];
        for (let i = 0; i < 3; i++) {
          params.push(floats([ls[i], ls[i + 1]], 20 + i, glorot(ls[i], ls[i + 1])));
          params.push(np.zeros([ls[i + 1]]));
        }
        const x = floats([batch, ls[0]], 1);
        const y = nn.oneHot(np.array(randomLabels(batch, ls[3], 2), { dtype: np.int32 }), ls[3]);
        const loss = (p: A[], xb: A, yb: A): A => {
          let h = xb;
          for (let i = 0; i < 3; i++) {
            h = np.matmul(h, p[2 * i]).add(p[2 * i + 1]);
            if (i < 2) h = nn.relu(h);
          }
          return nn.logSoftmax(h, -1).mul(yb).sum(-1).mean().mul(-1);
        };
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
      },
    },
  };
}

// -- timing ------------------------------------------------------------------------------------

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
      "- Method: each side on the same `navigator.gpu`; per cell 2 warm-up runs, then the median (and best) of up to 7 single runs, each awaited until its result (the product, or the step's loss) is read back.",
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
          const m = await measureAsync(r);
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
      `| workload | unit | ${names.join(" | ")} |`,
      `| --- | --- | ${names.map(() => "--:").join(" | ")} |`,
      ...WORKLOADS.map(
        (w, i) =>
          `| ${METRICS[w].label} | ${METRICS[w].unit} | ${names.map((n) => cells.get(n)?.[i] ?? "–").join(" | ")} |`,
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
