/**
 * `tg.deviceGet` on webgpu: a pytree of GPU tensors comes back as wasm tensors with the same
 * values, so what reads synchronously (toArray, saveSafetensors) works on it; leaves already
 * readable and non-tensor leaves are returned as they are.
 */
import { describe, expect, it } from "vitest";
import * as tg from "../../src/index.js";
import { openWebgpu } from "./adapter.js";

const why = await openWebgpu();

describe.skipIf(why !== null)("deviceGet on webgpu", () => {
  it("brings parameters made on the GPU back with their values, and keeps other leaves", async () => {
    const model = tg.nn.sequential([4], tg.nn.dense(3), tg.nn.relu, tg.nn.dense(2));
    const want = model.init(tg.random.key(9));
    const onWasm = tg.fromArray(Float32Array.of(1, 2), [2]);
    await tg.useBackend("webgpu");
    let tree: { params: typeof want; step: number; name: string; extra: tg.Tensor<[2]> };
    let gpuParams: typeof want;
    let gpuData: number[][];
    try {
      gpuParams = model.init(tg.random.key(9));
      expect(() => gpuParams[0].w.dataSync()).toThrow(/await t\.data\(\)/);
      tree = await tg.deviceGet({ params: gpuParams, step: 3, name: "mlp", extra: onWasm });
      gpuData = await Promise.all(
        [gpuParams[0].w, gpuParams[0].b, gpuParams[2].w, gpuParams[2].b].map(async (t) =>
          Array.from(await t.data()),
        ),
      );
    } finally {
      await tg.useBackend("wasm");
    }
    expect(tree.step).toBe(3);
    expect(tree.name).toBe("mlp");
    expect(tree.extra).toBe(onWasm);
    const back = [tree.params[0].w, tree.params[0].b, tree.params[2].w, tree.params[2].b];
    expect(back.map((t) => Array.from(t.dataSync()))).toEqual(gpuData);
    // the GPU's initial values are wasm's within f32 rounding of the uniform draws
    expect(back[0].shape).toEqual(want[0].w.shape);
    back.forEach((t, i) => {
      const w = [want[0].w, want[0].b, want[2].w, want[2].b][i].dataSync();
      t.dataSync().forEach((v, j) => expect(Math.abs(v - w[j])).toBeLessThan(1e-6));
    });
    // and what reads synchronously works on them: the bytes hold the GPU's values
    const read = tg.io.readSafetensors(tg.io.saveSafetensors(tree.params));
    expect(read._tag).toBe("Right");
  });
});

// the reason, where the report shows it, when there is no adapter
if (why !== null) {
  describe("deviceGet on webgpu", () => {
    it.skip(`skipped: no WebGPU adapter (${why}); set TYPEGRAD_REQUIRE_WEBGPU=1 to fail instead`, () => {});
  });
}
