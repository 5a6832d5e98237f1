/**
 * Kernels whose operands are one buffer on webgpu (`matmul(x, x)`, `add(x, x)`, a product with
 * its own transpose under `jit`): the bindings merge the operands into one, and every kernel must
 * read both from it. Each against wasm within 1e-5 · max(1, |want|).
 */
import { describe, expect, it } from "vitest";
import * as tg from "../../src/index.js";
import { expectClose } from "../util/close.js";
import { openWebgpu } from "./adapter.js";

const why = await openWebgpu();

const rows: Record<string, (x: tg.Tensor<[3, 3]>) => tg.Tensor> = {
  "matmul(x, x)": (x) => tg.matmul(x, x),
  "matmul(x, xᵀ)": (x) => tg.matmul(x, tg.transpose(x)),
  "add(x, x)": (x) => tg.add(x, x),
  "mul(x, x)": (x) => tg.mul(x, x),
  "relu(matmul(x, x))": (x) => tg.relu(tg.matmul(x, x)),
};

describe.skipIf(why !== null)("one buffer as two operands on webgpu", () => {
  for (const [name, f] of Object.entries(rows)) {
    it(`${name}, eager and under jit`, async () => {
      const data = Float32Array.from({ length: 9 }, (_, i) => Math.sin(i + 1) * 3);
      const want = Array.from(f(tg.fromArray(data, [3, 3])).dataSync());
      await tg.useBackend("webgpu");
      let got: number[][];
      try {
        const x = tg.fromArray(data, [3, 3]);
        got = [Array.from(await f(x).data()), Array.from(await tg.jit(f)(x).data())];
      } finally {
        await tg.useBackend("wasm");
      }
      for (const g of got) expectClose(g, want, { atol: 1e-5 * 9, rtol: 1e-5, what: name });
    });
  }

  it("the docs' example: relu(matmul(x, x)) of [[1, 2], [3, 4]] is [7, 10, 15, 22]", async () => {
    await tg.useBackend("webgpu");
    try {
      const x = tg.tensor([
        [1, 2],
        [3, 4],
      ]);
      expect(Array.from(await tg.relu(tg.matmul(x, x)).data())).toEqual([7, 10, 15, 22]);
    } finally {
      await tg.useBackend("wasm");
    }
  });
});

// the reason, where the report shows it, when there is no adapter
if (why !== null) {
  describe("one buffer as two operands on webgpu", () => {
    it.skip(`skipped: no WebGPU adapter (${why}); set TYPEGRAD_REQUIRE_WEBGPU=1 to fail instead`, () => {});
  });
}
