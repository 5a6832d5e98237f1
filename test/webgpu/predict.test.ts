/**
 * `tg.train.predict` on the webgpu backend: no read-back (each batch's outputs are copied into the
 * result on the GPU), and the same outputs as on wasm for the same model, parameters and inputs.
 * One table of models and batch sizes (batches that divide the examples, a smaller last batch, one
 * batch larger than the data, no examples at all).
 *
 * Tolerance: |got − want| ≤ 1e-5 + 1e-5·|want| per output. The parameters are made on wasm and
 * copied to the GPU bit for bit, so the outputs differ only by the order of f32 sums in the
 * matmul and conv kernels (rel 2e-6 of Σ|terms| per layer in the kernel table) through two layers.
 */
import { describe, expect, it } from "vitest";
import * as tg from "../../src/index.js";
import { expectClose } from "../util/close.js";
import { openWebgpu } from "./adapter.js";

const why = await openWebgpu();

/** A model of the table (their shapes differ, so the table is typed loosely). */
type AnyModel = tg.train.Trainable<any, any, any, any> & { init(key: any): any };

const models: Record<"mlp" | "batchNorm" | "cnn", () => AnyModel> = {
  mlp: () => tg.nn.sequential([6], tg.nn.dense(12), tg.nn.relu, tg.nn.dense(3)),
  // layer state (batch-norm moving statistics) passed in inference mode
  batchNorm: () =>
    tg.nn.sequential([6], tg.nn.dense(8), tg.nn.batchNorm(), tg.nn.tanh, tg.nn.dense(3)),
  cnn: () =>
    tg.nn.sequential(
      [6, 6, 1],
      tg.nn.conv2d(4, 3),
      tg.nn.relu,
      tg.nn.maxPool2d(2),
      tg.nn.flatten,
      tg.nn.dense(3),
    ),
};

interface Row {
  model: keyof typeof models;
  n: number;
  batchSize: number;
}
const rows: Row[] = [
  { model: "mlp", n: 48, batchSize: 16 }, // batches divide the examples
  { model: "mlp", n: 50, batchSize: 16 }, // a last batch of 2
  { model: "mlp", n: 7, batchSize: 256 }, // one batch, smaller than batchSize
  { model: "mlp", n: 0, batchSize: 16 }, // no examples
  { model: "batchNorm", n: 21, batchSize: 8 },
  { model: "cnn", n: 10, batchSize: 4 },
];

/** The inputs of a row, the same values on every backend (none equal across rows). */
function inputs(row: Row) {
  const m = models[row.model]();
  const per = (m.inputShape as number[]).reduce((a, b) => a * b, 1);
  const xs = Float32Array.from({ length: row.n * per }, (_, i) => Math.sin(i * 0.37 + 0.1) * 2);
  return { m, x: tg.fromArray(xs, [row.n, ...m.inputShape]) };
}

describe.skipIf(why !== null)("tg.train.predict on webgpu", () => {
  for (const row of rows) {
    it(`${row.model}: ${row.n} examples in batches of ${row.batchSize} match wasm, without a read-back`, async () => {
      await tg.useBackend("wasm");
      const cpu = inputs(row);
      const params = cpu.m.init(tg.random.key(2));
      const state = cpu.m.initState();
      const want = tg.train.predict(cpu.m, params, cpu.x as never, {
        batchSize: row.batchSize,
        state,
      });
      // on wasm, the batches assembled in order are the whole input's outputs
      if (row.n > 0) {
        const whole = cpu.m.forward(params, cpu.x, { state }).y as tg.Tensor<any, "f32">;
        expectClose(want.dataSync(), whole.dataSync(), { tol: 1e-5, what: "wasm batches" });
      }
      await tg.useBackend("webgpu");
      try {
        const gpu = inputs(row);
        // the same parameters and state, copied to the GPU bit for bit
        const onGpu = <P>(tree: P): P =>
          tg.treeMap(tree, (t) => tg.fromArray(t.dataSync(), t.shape as never, t.dtype));
        const [gp, gs] = [onGpu(params), onGpu(state)];
        const submits = tg.webgpuInfo().submits;
        const dispatches = tg.webgpuInfo().dispatches;
        const got = tg.train.predict(gpu.m, gp, gpu.x as never, {
          batchSize: row.batchSize,
          state: gs,
        });
        // nothing was submitted, so nothing was read back (a read submits what was recorded)
        expect(tg.webgpuInfo().submits).toBe(submits);
        expect(got.shape).toEqual(want.shape);
        expect(got.dtype).toBe("f32");
        if (row.n > 0) {
          // it ran on the GPU and the result lives there
          expect(tg.webgpuInfo().dispatches).toBeGreaterThan(dispatches);
          expect(() => got.dataSync()).toThrow(/await t\.data\(\)/);
        }
        const values = await got.data();
        expect(values.length).toBe(want.size);
        expectClose(values, want.dataSync(), { atol: 1e-5, rtol: 1e-5, what: "outputs" });
        // the rows are not all alike (a batch copied to the wrong place would show)
        if (row.n > 1) expect(values[0]).not.toBe(values[want.size - 1]);
      } finally {
        await tg.useBackend("wasm");
      }
    });
  }

  it("a result feeds further GPU work and reads back asynchronously", async () => {
    await tg.useBackend("webgpu");
    try {
      const m = tg.nn.sequential([6], tg.nn.dense(12), tg.nn.relu, tg.nn.dense(3));
      const params = m.init(tg.random.key(0));
      const x = tg.fromArray(
        Float32Array.from({ length: 40 * 6 }, (_, i) => (i % 7) - 3),
        [40, 6],
      );
      const logits = tg.train.predict(m, params, x, { batchSize: 16 });
      const labels = tg.argmax(logits, 1);
      const all = tg.train.predict(m, params, x, { batchSize: 40 });
      expect(Array.from(await labels.data())).toEqual(Array.from(await tg.argmax(all, 1).data()));
    } finally {
      await tg.useBackend("wasm");
    }
  });
});

// the reason, where the report shows it, when there is no adapter
if (why !== null) {
  describe("tg.train.predict on webgpu", () => {
    it.skip(`skipped: no WebGPU adapter (${why}); set TYPEGRAD_REQUIRE_WEBGPU=1 to fail instead`, () => {});
  });
}
