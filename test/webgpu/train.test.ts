/**
 * A jitted training step on the webgpu backend: a small MLP (dense, relu, dense) trained with Adam
 * by `tg.jit` of `valueAndGrad`, on the same data and initial parameters as on the wasm backend.
 * The losses of every step and the final parameters agree within f32 tolerance (rel 1e-4: the two
 * backends sum in different orders, and Adam divides by small second moments). Also: eager ops
 * and `await t.data()` on the GPU, donated parameters, and parameters made on wasm moving over.
 */
import { describe, expect, it } from "vitest";
import * as tg from "../../src/index.js";
import { expectClose } from "../util/close.js";
import { openWebgpu } from "./adapter.js";
import { type MlpRun, trainMlp } from "./mlp.js";

const why = await openWebgpu();

describe.skipIf(why !== null)("training on webgpu", () => {
  it("eager ops run on the GPU and read back with await t.data()", async () => {
    await tg.useBackend("webgpu");
    try {
      const x = tg.tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      const y = tg.relu(tg.sub(tg.matmul(x, tg.transpose(x)), tg.tensor(30)));
      expect(Array.from(await y.data())).toEqual([0, 2, 2, 47]);
      expect(() => y.dataSync()).toThrow(/await t\.data\(\)/);
      expect(tg.webgpuInfo().adapter).toMatch(/\S/);
    } finally {
      await tg.useBackend("wasm");
    }
  });

  for (const donate of [false, true]) {
    it(`a jitted MLP step with Adam matches wasm for 5 steps${donate ? " (donated buffers)" : ""}`, async () => {
      await tg.useBackend("wasm");
      const want = await trainMlp(5, donate);
      await tg.useBackend("webgpu");
      const kernels = tg.webgpuInfo().pipelines;
      let got: MlpRun;
      try {
        got = await trainMlp(5, donate);
        expect(tg.webgpuInfo().pipelines).toBeGreaterThanOrEqual(kernels);
      } finally {
        await tg.useBackend("wasm");
      }
      expect(want.onGpu).toBe(false);
      expect(got.onGpu).toBe(true);
      // the loss falls, on both
      expect(want.losses[4]).toBeLessThan(want.losses[0]);
      expectClose(got.losses, want.losses, { rtol: 1e-4, atol: 1e-6, what: "losses" });
      expectClose(got.flat, want.flat, { rtol: 1e-4, atol: 1e-5, what: "parameters" });
    });
  }

  it("a jitted CNN step (conv2d, maxPool2d, sparse cross-entropy, Adam) matches wasm for 3 steps", async () => {
    const run = async () => {
      const n = 8;
      const xs = Float32Array.from({ length: n * 64 }, (_, i) => Math.sin(i * 0.13));
      const x = tg.fromArray(xs, [n, 8, 8, 1]);
      const y = tg.fromArray(
        Int32Array.from({ length: n }, (_, i) => i % 3),
        [n],
        "i32",
      );
      const model = tg.nn.sequential(
        [8, 8, 1],
        tg.nn.conv2d(4, 3),
        tg.nn.relu,
        tg.nn.maxPool2d(2),
        tg.nn.flatten,
        tg.nn.dense(3),
      );
      let params = model.init(tg.random.key(5));
      type P = typeof params;
      const opt = tg.optim.adam({ lr: 0.01 });
      let state = opt.init(params);
      const lossFn = (p: P) =>
        tg.losses.sparseCategoricalCrossEntropy(model.apply(p, x), y, { fromLogits: true });
      const step = tg.jit((p: P, s: typeof state) => {
        const [loss, grads] = tg.valueAndGrad(lossFn)(p);
        return { ...opt.update(grads, s, p), loss };
      });
      const losses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = step(params, state);
        ({ params, state } = r);
        losses.push((await r.loss.data())[0]);
      }
      return losses;
    };
    await tg.useBackend("wasm");
    const want = await run();
    await tg.useBackend("webgpu");
    let got: number[];
    try {
      got = await run();
    } finally {
      await tg.useBackend("wasm");
    }
    expect(want[2]).toBeLessThan(want[0]);
    expectClose(got, want, { rtol: 1e-4, atol: 1e-6, what: "losses" });
  });

  it("a jitted LSTM step (a scan over the rows of views) matches wasm for 3 steps", async () => {
    // the LSTM's orthogonal initializer computes in float64 on the reference backend, which would
    // need a synchronous read of a key made on the GPU: the parameters are made on wasm and move
    // to the GPU at the first step
    const run = async (backend: "wasm" | "webgpu") => {
      await tg.useBackend("wasm");
      const [n, steps, f] = [4, 6, 3];
      const model = tg.nn.sequential([steps, f], tg.nn.lstm(5), tg.nn.dense(1));
      let params = model.init(tg.random.key(7));
      await tg.useBackend(backend);
      // the data are captured constants of the jitted step: they must live on its backend
      const xs = Float32Array.from({ length: n * steps * f }, (_, i) => Math.sin(i * 0.29));
      const x = tg.fromArray(xs, [n, steps, f]);
      const y = tg.fromArray(
        Float32Array.from({ length: n }, (_, i) => i / n),
        [n, 1],
      );
      type P = typeof params;
      const opt = tg.optim.adam({ lr: 0.01 });
      let state = opt.init(params);
      const lossFn = (p: P) => tg.losses.mse(model.apply(p, x), y);
      const step = tg.jit((p: P, s: typeof state) => {
        const [loss, grads] = tg.valueAndGrad(lossFn)(p);
        return { ...opt.update(grads, s, p), loss };
      });
      const losses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = step(params, state);
        ({ params, state } = r);
        losses.push((await r.loss.data())[0]);
      }
      return losses;
    };
    const want = await run("wasm");
    let got: number[];
    try {
      got = await run("webgpu");
    } finally {
      await tg.useBackend("wasm");
    }
    expect(want[2]).toBeLessThan(want[0]);
    expectClose(got, want, { rtol: 1e-4, atol: 1e-6, what: "losses" });
  });

  it("GPU buffers of dropped tensors are released (no dispose) in an async loop", async () => {
    await tg.useBackend("webgpu");
    try {
      const x = tg.zeros([256, 1024]); // 1 MiB
      const start = tg.webgpuInfo().bytesInUse;
      let acc = 0;
      // 160 steps of two 1 MiB results each: 320 MiB made, none disposed
      for (let i = 0; i < 160; i++) {
        const y = tg.exp(tg.add(x, tg.scalar(i)));
        if (i % 16 === 0) acc += (await y.data())[0];
        else await new Promise((r) => setTimeout(r, 0));
      }
      expect(acc).toBeGreaterThan(0);
      // the finalizer released what dead handles held (collections forced every 64 MiB of GPU
      // allocations make sure they run; here V8 also collects on its own)
      expect(tg.webgpuInfo().bytesInUse - start).toBeLessThan(160 * 2 ** 20);
    } finally {
      await tg.useBackend("wasm");
    }
  });

  it("tg.train.fit (validation split, accuracy, early stopping) and evaluateAsync match wasm", async () => {
    const run = async () => {
      const n = 48;
      const x = tg.fromArray(
        Float32Array.from({ length: n * 6 }, (_, i) => Math.sin(i * 0.37) * 2),
        [n, 6],
      );
      const y = tg.fromArray(
        Int32Array.from({ length: n }, (_, i) => (i * 7) % 3),
        [n],
        "i32",
      );
      const model = tg.nn.sequential([6], tg.nn.dense(12), tg.nn.relu, tg.nn.dense(3));
      const params = model.init(tg.random.key(4));
      const loss = (p: tg.Tensor<[number, 3]>, t: tg.Tensor<[number], "i32">) =>
        tg.losses.sparseCategoricalCrossEntropy(p, t, { fromLogits: true });
      const r = await tg.train.fit(
        model,
        params,
        { x, y },
        {
          loss,
          optimizer: tg.optim.adam({ lr: 0.02 }),
          epochs: 4,
          batchSize: 8,
          validationSplit: 0.25,
          metrics: ["accuracy"],
          key: tg.random.key(9),
          progress: false,
          // restoring the best epoch's parameters snapshots them on the device
          callbacks: [tg.train.earlyStopping({ patience: 10, restoreBestWeights: true })],
        },
      );
      const ev = await tg.train.evaluateAsync(
        model,
        r.params,
        { x, y },
        { loss, metrics: ["accuracy"] },
      );
      return { r, ev, evaluate: () => tg.train.evaluate(model, r.params, { x, y }, { loss }) };
    };
    await tg.useBackend("wasm");
    const want = await run();
    // on wasm evaluateAsync is evaluate, to the bit
    expect(want.ev.loss).toBe(want.evaluate().loss);
    await tg.useBackend("webgpu");
    let got: Awaited<ReturnType<typeof run>>;
    try {
      const before = tg.webgpuInfo().dispatches;
      got = await run();
      // it trained on the GPU: kernels ran, and the trained parameters live there
      expect(tg.webgpuInfo().dispatches - before).toBeGreaterThan(100);
      expect(() => got.r.params[0].w.dataSync()).toThrow(/await t\.data\(\)/);
      expect(() => got.evaluate()).toThrow(/evaluateAsync/);
    } finally {
      await tg.useBackend("wasm");
    }
    const h = want.r.history as Record<string, number[]>;
    const g = got.r.history as Record<string, number[]>;
    expect(Object.keys(g).sort()).toEqual(Object.keys(h).sort());
    expect(Object.keys(h)).toContain("valLoss");
    expect(h.loss[3]).toBeLessThan(h.loss[0]);
    expect(got.r.epochs).toBe(4);
    expectClose(got.r.stepLoss, want.r.stepLoss, { rtol: 1e-4, atol: 1e-6, what: "step losses" });
    for (const k of ["loss", "valLoss"]) {
      expectClose(g[k], h[k], { rtol: 1e-4, atol: 1e-6, what: k });
    }
    // accuracies are counts over 36 and 12 examples: equal unless a logit pair is within f32 noise
    for (const k of Object.keys(h).filter((k) => k.toLowerCase().endsWith("accuracy")))
      expect(g[k], k).toEqual(h[k]);
    expectClose(got.ev.loss, want.ev.loss, { rtol: 1e-4, atol: 1e-6, what: "evaluateAsync loss" });
    expect(got.ev.accuracy).toBe(want.ev.accuracy);
  });

  it("useBackend rejects an unknown name", async () => {
    await expect(tg.useBackend("cuda" as never)).rejects.toThrow(/no backend named "cuda"/);
  });
});

// the reason, where the report shows it, when there is no adapter
if (why !== null) {
  describe("training on webgpu", () => {
    it.skip(`skipped: no WebGPU adapter (${why}); set TYPEGRAD_REQUIRE_WEBGPU=1 to fail instead`, () => {});
  });
}
