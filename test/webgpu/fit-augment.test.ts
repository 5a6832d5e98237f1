/**
 * `tg.train.fit` with an `augment` transform on webgpu: the batch is read back, transformed on the
 * host (as `tg.data.augment` reads its images) and trained on the GPU. The augmented images and
 * the losses are those of wasm: the same keys draw the same shifts, flips and noise, so each step's
 * loss agrees within rel 1e-4 (the tolerance of train.test.ts; the backends sum in other orders).
 */
import { describe, expect, it } from "vitest";
import * as tg from "../../src/index.js";
import { expectClose } from "../util/close.js";
import { openWebgpu } from "./adapter.js";

const why = await openWebgpu();

async function run() {
  const n = 24;
  const x = tg.fromArray(
    Float32Array.from({ length: n * 36 }, (_, i) => (Math.sin(i * 0.37) + 1) / 2),
    [n, 6, 6, 1],
  );
  const y = tg.fromArray(
    Int32Array.from({ length: n }, (_, i) => i % 3),
    [n],
    "i32",
  );
  const model = tg.nn.sequential(
    [6, 6, 1],
    tg.nn.flatten,
    tg.nn.dense(8),
    tg.nn.relu,
    tg.nn.dense(3),
  );
  const params = model.init(tg.random.key(2));
  const shapes: number[][] = [];
  const r = await tg.train.fit(
    model,
    params,
    { x, y },
    {
      loss: (p, t) => tg.losses.sparseCategoricalCrossEntropy(p, t, { fromLogits: true }),
      optimizer: tg.optim.adam({ lr: 0.05 }),
      epochs: 2,
      batchSize: 10,
      key: tg.random.key(4),
      progress: false,
      augment: (xb, yb, k) => {
        shapes.push([...xb.shape]);
        return [tg.data.augment(k, xb, { shift: 1, flip: true, noise: 0.05, clip: [0, 1] }), yb];
      },
    },
  );
  return { stepLoss: r.stepLoss, loss: r.history.loss, shapes };
}

describe.skipIf(why !== null)("fit with augment on webgpu", () => {
  it("trains on the GPU with wasm's augmented batches and losses", async () => {
    await tg.useBackend("wasm");
    const want = await run();
    await tg.useBackend("webgpu");
    const before = tg.webgpuInfo().dispatches;
    let got: Awaited<ReturnType<typeof run>>;
    try {
      got = await run();
      expect(tg.webgpuInfo().dispatches).toBeGreaterThan(before);
    } finally {
      await tg.useBackend("wasm");
    }
    expect(got.shapes).toEqual(want.shapes);
    expect(got.stepLoss.length).toBe(6);
    expectClose(got.stepLoss, want.stepLoss, { atol: 1e-6, rtol: 1e-4, what: "step losses" });
    expectClose(got.loss, want.loss, { atol: 1e-6, rtol: 1e-4, what: "epoch losses" });
  });
});

// the reason, where the report shows it, when there is no adapter
if (why !== null) {
  describe("fit with augment on webgpu", () => {
    it.skip(`skipped: no WebGPU adapter (${why}); set TYPEGRAD_REQUIRE_WEBGPU=1 to fail instead`, () => {});
  });
}
