/**
 * `tg.train.fit` on webgpu reads each step's loss one step late (the next step is recorded while
 * the device runs the last): every loss must still land on its own step and epoch. Checked against
 * wasm (which reads each step at once) on runs whose consecutive losses differ by far more than
 * the tolerance, so a dropped, repeated or shifted loss fails:
 * - `stepLoss` has one entry per step, each within rel 1e-4 of wasm's (the tolerance of
 *   train.test.ts: the backends sum in different orders and Adam divides by small moments);
 * - each epoch's `history.loss` is exactly the batch-size-weighted mean of that epoch's step
 *   losses, accumulated in step order (a smaller last batch makes the weights differ);
 * - callbacks see the same logs, early stopping stops at the same epoch;
 * - a NaN loss appears at the same step as on wasm, and in the history, as before.
 */
import { describe, expect, it } from "vitest";
import * as tg from "../../src/index.js";
import { expectClose } from "../util/close.js";
import { openWebgpu } from "./adapter.js";

const why = await openWebgpu();

interface RunOptions {
  n: number;
  batchSize: number;
  epochs: number;
  /** Example whose input is NaN (its step's loss, and every later one, is NaN). */
  nanAt?: number;
  stopAfterFirstRise?: boolean;
}

async function run(o: RunOptions) {
  const x = tg.fromArray(
    Float32Array.from({ length: o.n * 5 }, (_, i) =>
      i === (o.nanAt ?? -1) * 5 ? Number.NaN : Math.sin(i * 0.53) * 2,
    ),
    [o.n, 5],
  );
  const y = tg.fromArray(
    Int32Array.from({ length: o.n }, (_, i) => Math.floor(i / 5) % 3),
    [o.n],
    "i32",
  );
  const model = tg.nn.sequential([5], tg.nn.dense(10), tg.nn.relu, tg.nn.dense(3));
  const params = model.init(tg.random.key(11));
  const seen: Record<string, number>[] = [];
  const r = await tg.train.fit(
    model,
    params,
    { x, y },
    {
      loss: (p, t) => tg.losses.sparseCategoricalCrossEntropy(p, t, { fromLogits: true }),
      optimizer: tg.optim.adam({ lr: 0.05 }),
      epochs: o.epochs,
      batchSize: o.batchSize,
      shuffle: o.nanAt === undefined,
      metrics: ["accuracy"],
      key: tg.random.key(5),
      progress: false,
      onEpochEnd: (_e, logs) => {
        seen.push({ ...logs });
      },
      // mode "max" on a falling loss: stops once the loss has not risen for `patience` epochs
      callbacks: o.stopAfterFirstRise
        ? [tg.train.earlyStopping({ monitor: "loss", mode: "max", patience: 2 })]
        : [],
    },
  );
  return { r, seen };
}

type Run = Awaited<ReturnType<typeof run>>;

async function onBoth(o: RunOptions): Promise<{ want: Run; got: Run }> {
  await tg.useBackend("wasm");
  const want = await run(o);
  await tg.useBackend("webgpu");
  try {
    return { want, got: await run(o) };
  } finally {
    await tg.useBackend("wasm");
  }
}

/** The epoch means `fit` reports, recomputed from the step losses in step order. */
function epochMeans(stepLoss: number[], n: number, batchSize: number): number[] {
  const steps = Math.ceil(n / batchSize);
  const out: number[] = [];
  for (let e = 0; e * steps < stepLoss.length; e++) {
    let sum = 0;
    let seen = 0;
    for (let b = 0; b < steps; b++) {
      const bs = Math.min(batchSize, n - b * batchSize);
      sum += stepLoss[e * steps + b] * bs;
      seen += bs;
    }
    out.push(sum / seen);
  }
  return out;
}

const close = { rtol: 1e-4, atol: 1e-6 };

describe.skipIf(why !== null)("fit on webgpu reads each loss one step late", () => {
  it("every step's loss lands on its step and epoch (7 steps of 8, 8, …, 4 per epoch)", async () => {
    const o = { n: 52, batchSize: 8, epochs: 3 };
    const { want, got } = await onBoth(o);
    const w = want.r.stepLoss;
    expect(w).toHaveLength(21);
    // the check has teeth: neighbouring steps differ by far more than the tolerance
    for (let i = 1; i < w.length; i++)
      expect(Math.abs(w[i] - w[i - 1]), `steps ${i - 1}, ${i}`).toBeGreaterThan(100 * 1e-4 * w[i]);
    expect(got.r.stepLoss).toHaveLength(21);
    expectClose(got.r.stepLoss, w, { ...close, what: "step losses" });
    for (const { r } of [want, got]) {
      expect(r.epochs).toBe(3);
      // the history is exactly the weighted means of the steps, epoch by epoch
      expect(r.history.loss).toEqual(epochMeans(r.stepLoss, o.n, o.batchSize));
    }
    expectClose(got.r.history.loss, want.r.history.loss, { ...close, what: "epoch losses" });
    // accuracy sums are counts: equal unless a logit pair is within f32 noise
    expect(got.r.history.accuracy).toEqual(want.r.history.accuracy);
    // the callback saw the logs the history keeps
    expect(got.seen.map((l) => l.loss)).toEqual(got.r.history.loss);
    expect(got.seen.map((l) => l.accuracy)).toEqual(got.r.history.accuracy);
  });

  it("early stopping stops at the same epoch as on wasm", async () => {
    const { want, got } = await onBoth({
      n: 40,
      batchSize: 16,
      epochs: 8,
      stopAfterFirstRise: true,
    });
    expect(want.r.epochs).toBe(3);
    expect(got.r.epochs).toBe(want.r.epochs);
    expect(got.r.stepLoss).toHaveLength(want.r.stepLoss.length);
    expectClose(got.r.stepLoss, want.r.stepLoss, { ...close, what: "step losses" });
  });

  it("a NaN loss appears at the same step as on wasm and reaches the history", async () => {
    // example 27 is in the fourth batch of 8 (no shuffling): steps 0-2 are finite
    const { want, got } = await onBoth({ n: 40, batchSize: 8, epochs: 2, nanAt: 27 });
    for (const { r } of [want, got]) {
      expect(r.stepLoss).toHaveLength(10);
      expect(r.stepLoss.findIndex(Number.isNaN)).toBe(3);
      expect(r.history.loss.every(Number.isNaN)).toBe(true);
    }
    expectClose(got.r.stepLoss.slice(0, 3), want.r.stepLoss.slice(0, 3), close);
  });
});

// the reason, where the report shows it, when there is no adapter
if (why !== null) {
  describe("fit on webgpu reads each loss one step late", () => {
    it.skip(`skipped: no WebGPU adapter (${why}); set TYPEGRAD_REQUIRE_WEBGPU=1 to fail instead`, () => {});
  });
}
