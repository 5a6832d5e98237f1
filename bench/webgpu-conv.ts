/**
 * The convolution kernels of the webgpu backend on the geometries of the MNIST CNN
 * (`examples/mnist-cnn.ts`: conv 32 3×3 on 28×28×1, then conv 64 3×3 on 13×13×32, both "valid",
 * stride 1), at batch 128 unless `--batch=N`: the median milliseconds of each of `conv2d`,
 * `conv2dBackpropInput` and `conv2dBackpropFilter`, each run awaited until one element of its
 * output is read back (so the time includes one submit and a tiny read). With `--step` it also
 * times the CNN's jitted training step (Adam, loss read back); with `--gemm` also the plain
 * matmul of each kernel's GEMM shape (what an im2col version would cost beyond its copy); with
 * `--step --ops` also the GPU time of each backend call of one step, replayed one at a time.
 * `--reps=N` sets the timed runs (default 5, after one warm-up).
 *
 * Run: `npm run build && VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
 * LD_LIBRARY_PATH=/usr/lib/chromium node dist/bench/webgpu-conv.js [--step [--ops]] [--gemm] [--batch=128]`.
 * @module
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { Buf, Conv2dGeometry } from "../src/backend/backend.js";
import { webgpuBackend as be } from "../src/backend/webgpu/backend.js";
import { gpuDevice, submit } from "../src/backend/webgpu/device.js";
import * as tg from "../src/index.js";
import { randomFloats, randomLabels } from "./harness.js";

const SWIFTSHADER = "/usr/lib/chromium/vk_swiftshader_icd.json";

/** A named convolution of the CNN, and whether its training step needs the input gradient. */
interface Layer {
  name: string;
  g: Conv2dGeometry;
  inputGrad: boolean;
}

/**
 * The conv layers of the MNIST CNN at batch `b` (valid padding, stride 1, 3×3 kernels).
 * @example
 * ```ts
 * cnnLayers(128)[1].g.outH; // 11
 * ```
 */
export function cnnLayers(b: number): Layer[] {
  const layer = (inH: number, inC: number, outC: number): Conv2dGeometry => ({
    batch: b,
    inH,
    inW: inH,
    inC,
    outH: inH - 2,
    outW: inH - 2,
    outC,
    kH: 3,
    kW: 3,
    strideH: 1,
    strideW: 1,
    padTop: 0,
    padLeft: 0,
  });
  return [
    { name: "conv1 28×28×1→26×26×32", g: layer(28, 1, 32), inputGrad: false },
    { name: "conv2 13×13×32→11×11×64", g: layer(13, 32, 64), inputGrad: true },
  ];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median ms of `run` followed by a read of one element of `out`, after one warm-up run. */
async function time(run: () => void, out: Buf, reps: number): Promise<number> {
  const one = be.sub(out, 0, 1);
  const read = be.readAsync;
  if (!read) throw new Error("webgpu-conv: the webgpu backend has no readAsync");
  const times: number[] = [];
  for (let i = 0; i <= reps; i++) {
    const t = performance.now();
    run();
    await read(one);
    if (i > 0) times.push(performance.now() - t);
  }
  return median(times);
}

function filled(n: number, seed: number): Buf {
  const b = be.alloc("f32", n);
  be.write(b, randomFloats(n, seed));
  return b;
}

/** Median ms of the MNIST CNN's jitted training step (Adam, batch `b`, loss read back). */
async function stepMs(b: number, reps: number, ops: boolean): Promise<number> {
  type T = InstanceType<typeof tg.Tensor>;
  const model = tg.nn.sequential(
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
  const opt = tg.optim.adam({ lr: 1e-3 });
  let params = model.init(tg.random.key(0));
  type P = typeof params;
  let state = opt.init(params);
  const x = tg.fromArray(randomFloats(b * 784, 1), [b, 28, 28, 1]);
  const y = tg.fromArray(randomLabels(b, 10, 2), [b], "i32");
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
  const once = async () => {
    const r = step(params, state, x, y);
    ({ params, state } = r);
    await r.loss.data();
    r.loss.dispose();
  };
  const times: number[] = [];
  for (let i = 0; i <= reps; i++) {
    const t = performance.now();
    await once();
    if (i > 0) times.push(performance.now() - t);
  }
  if (ops) await perOp(once);
  return median(times);
}

/**
 * Records the backend calls of one run of `once`, then replays each (on the same buffers, which
 * the jitted step keeps) and prints the GPU milliseconds by op and operand sizes, largest first.
 */
async function perOp(once: () => Promise<void>): Promise<void> {
  const table = be as unknown as Record<string, unknown>;
  const calls: { name: string; args: unknown[] }[] = [];
  const saved = new Map<string, unknown>();
  for (const [name, f] of Object.entries(table)) {
    if (typeof f !== "function" || ["alloc", "allocUninit", "free", "sub"].includes(name)) continue;
    saved.set(name, f);
    table[name] = (...args: unknown[]) => {
      calls.push({ name, args });
      return (f as (...a: unknown[]) => unknown).apply(be, args);
    };
  }
  try {
    await once();
  } finally {
    for (const [name, f] of saved) table[name] = f;
  }
  const done = () => {
    submit();
    return gpuDevice().queue.onSubmittedWorkDone();
  };
  const byOp = new Map<string, { ms: number; n: number }>();
  for (const { name, args } of calls) {
    if (name === "read" || name === "readAsync" || name === "write" || name === "view") continue;
    const sizes = args.flatMap((a) => (a && typeof a === "object" && "size" in a ? [a.size] : []));
    const key = `${name} ${sizes.join("·")}`;
    await done();
    const t = performance.now();
    try {
      (saved.get(name) as (...a: unknown[]) => unknown).apply(be, args);
    } catch {
      continue; // a buffer the step freed
    }
    await done();
    const e = byOp.get(key) ?? { ms: 0, n: 0 };
    byOp.set(key, { ms: e.ms + performance.now() - t, n: e.n + 1 });
  }
  const rows = [...byOp].sort((a, b) => b[1].ms - a[1].ms);
  const all = rows.reduce((s, [, e]) => s + e.ms, 0);
  console.log(
    `${calls.length} backend calls in one step; replayed one by one: ${all.toFixed(0)} ms`,
  );
  for (const [key, e] of rows.slice(0, 15)) {
    console.log(`${e.ms.toFixed(1).padStart(9)} ms ${String(e.n).padStart(3)}× ${key}`);
  }
}

/**
 * Prints the median ms of each conv kernel of the CNN (and with `--step` of its training step).
 * @example
 * ```ts
 * await main(["--batch=8", "--reps=1"]);
 * ```
 */
export async function main(argv: string[]): Promise<void> {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER;
  }
  const opt = (name: string, dflt: number): number => {
    const a = argv.find((s) => s.startsWith(`--${name}=`));
    return a ? Number(a.slice(name.length + 3)) : dflt;
  };
  const batch = opt("batch", 128);
  const reps = opt("reps", 5);
  await tg.useBackend("webgpu");
  console.log(`adapter: ${tg.webgpuInfo().adapter}; batch ${batch}, median of ${reps} runs`);
  console.log(
    `${"layer".padEnd(26)} ${"kernel".padEnd(22)} ${"ms".padStart(9)} ${"GFLOP/s".padStart(8)}`,
  );
  let total = 0;
  for (const { name, g, inputGrad } of cnnLayers(batch)) {
    const nx = g.batch * g.inH * g.inW * g.inC;
    const nw = g.kH * g.kW * g.inC * g.outC;
    const ny = g.batch * g.outH * g.outW * g.outC;
    const flops = 2 * ny * g.kH * g.kW * g.inC;
    const [x, w, dy] = [filled(nx, 1), filled(nw, 2), filled(ny, 3)];
    const [y, dx, dw] = [be.alloc("f32", ny), be.alloc("f32", nx), be.alloc("f32", nw)];
    const taps = g.kH * g.kW;
    const [pIn, pOut] = [g.batch * g.inH * g.inW, g.batch * g.outH * g.outW];
    // each kernel, and the GEMM it amounts to: [m, k] × [k, n] (transA: A stored [k, m])
    const kernels: [string, () => void, Buf, boolean, [number, number, number, boolean]][] = [
      ["conv2d", () => be.conv2d(x, w, y, g), y, true, [pOut, taps * g.inC, g.outC, false]],
      [
        "conv2dBackpropInput",
        () => be.conv2dBackpropInput(dy, w, dx, g),
        dx,
        inputGrad,
        [pIn, taps * g.outC, g.inC, false],
      ],
      [
        "conv2dBackpropFilter",
        () => be.conv2dBackpropFilter(x, dy, dw, g),
        dw,
        true,
        [taps * g.inC, pOut, g.outC, true],
      ],
    ];
    for (const [kernel, run, out, inStep, [m, k, n, transA]] of kernels) {
      const ms = await time(run, out, reps);
      if (inStep) total += ms;
      const note = inStep ? "" : "  (not in the training step)";
      let gemm = "";
      if (argv.includes("--gemm")) {
        // the matmul alone of an im2col version (its im2col copy not counted)
        const [a, b, c] = [filled(m * k, 4), filled(k * n, 5), be.alloc("f32", m * n)];
        const mm = await time(() => be.matmul(a, b, c, 1, m, k, n, transA, false, 0, 0), c, reps);
        gemm = ` ${mm.toFixed(1).padStart(9)} ms as a [${m}, ${k}] × [${k}, ${n}] matmul`;
        for (const t of [a, b, c]) be.free(t);
      }
      console.log(
        `${name.padEnd(26)} ${kernel.padEnd(22)} ${ms.toFixed(1).padStart(9)} ${(flops / ms / 1e6).toFixed(2).padStart(8)}${gemm}${note}`,
      );
    }
    for (const b of [x, w, dy, y, dx, dw]) be.free(b);
  }
  console.log(`conv kernels of one training step: ${total.toFixed(0)} ms`);
  if (argv.includes("--step")) {
    console.log(
      `CNN training step (jitted, Adam): ${(await stepMs(batch, reps, argv.includes("--ops"))).toFixed(0)} ms`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main(process.argv.slice(2));
  process.exit(0);
}
