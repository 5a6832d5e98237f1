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

const why = await openWebgpu();

/** Runs `steps` jitted Adam steps on the current backend; returns each loss and the final params. */
async function train(steps: number, donate: boolean) {
  const n = 64;
  const xs = Float32Array.from({ length: n * 8 }, (_, i) => Math.sin(i * 0.37) * 2);
  const ys = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.21) + xs[i * 8] * 0.5);
  const x = tg.fromArray(xs, [n, 8]);
  const y = tg.fromArray(ys, [n, 1]);
  const model = tg.nn.serial(tg.nn.dense(8, 16), tg.nn.relu, tg.nn.dense(16, 1));
  let params = model.init(tg.random.key(3));
  type P = typeof params;
  const opt = tg.optim.adam({ lr: 0.01 });
  let state = opt.init(params);
  const lossFn = (p: P) => tg.losses.mse(model.apply(p, x), y);
  const step = tg.jit(
    (p: P, s: typeof state) => {
      const [loss, grads] = tg.valueAndGrad(lossFn)(p);
      return { ...opt.update(grads, s, p), loss };
    },
    donate ? { donate: [0, 1] } : {},
  );
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const r = step(params, state);
    ({ params, state } = r);
    losses.push((await r.loss.data())[0]);
  }
  // on webgpu the results live on the GPU: a synchronous read throws
  let onGpu = false;
  try {
    params[0].w.dataSync();
  } catch (e) {
    onGpu = /await t\.data\(\)/.test((e as Error).message);
  }
  const flat: number[] = [];
  for (const leaf of [params[0].w, params[0].b, params[2].w, params[2].b]) {
    flat.push(...(await leaf.data()));
  }
  return { losses, flat, onGpu };
}

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
      const want = await train(5, donate);
      await tg.useBackend("webgpu");
      const kernels = tg.webgpuInfo().pipelines;
      let got: Awaited<ReturnType<typeof train>>;
      try {
        got = await train(5, donate);
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

  it("useBackend rejects an unknown name", async () => {
    await expect(tg.useBackend("cuda" as never)).rejects.toThrow(/no backend named "cuda"/);
  });
});

describe.runIf(why !== null)("training on webgpu", () => {
  it.skip(`skipped: no WebGPU adapter (${why}); set TYPEGRAD_REQUIRE_WEBGPU=1 to fail instead`, () => {});
});
