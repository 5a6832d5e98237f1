/**
 * Keys on the webgpu backend: `random.key`, `split` and `foldIn` make their keys on the host
 * (reference backend) when nothing is being traced, so what needs a key's bits on the host works
 * there as on wasm: every initializer (the orthogonal one draws float64 numbers on the host),
 * recurrent layers' `init`, `permutation`. One table of initializers, each compared with wasm.
 *
 * Tolerance: the streams are the same on every backend; uniform draws made on the GPU from the
 * same bits agree with wasm within 1 ulp-scale (|got − want| ≤ 1e-6·max(1, |want|)).
 */
import { describe, expect, it } from "vitest";
import * as tg from "../../src/index.js";
import { expectClose } from "../util/close.js";
import { openWebgpu } from "./adapter.js";

const why = await openWebgpu();

/** Every named initializer at a square and a wide shape. */
const names = Object.keys(tg.nn.initializers) as (keyof typeof tg.nn.initializers)[];

async function onGpu<R>(f: () => R): Promise<R> {
  await tg.useBackend("webgpu");
  try {
    return f();
  } finally {
    await tg.useBackend("wasm");
  }
}

const read = async (t: tg.Tensor): Promise<number[]> => Array.from(await t.data(), Number);

describe.skipIf(why !== null)("keys on webgpu live on the host", () => {
  it("a key made on webgpu can be read synchronously, and split and foldIn give wasm's keys", async () => {
    const want = tg.random.split(tg.random.foldIn(tg.random.key(7), 3), 3).map((k) => k.toArray());
    const got = await onGpu(() =>
      tg.random.split(tg.random.foldIn(tg.random.key(7), 3), 3).map((k) => k.toArray()),
    );
    expect(got).toEqual(want);
  });

  for (const name of names) {
    it(`initializer ${name}: the same numbers as on wasm`, async () => {
      for (const shape of [
        [6, 6],
        [3, 8],
      ] as const) {
        const want = tg.nn.initializers[name](tg.random.key(1), shape);
        const got = await onGpu(() => tg.nn.initializers[name](tg.random.key(1), shape));
        const w = await read(want);
        expectClose(await read(got), w, { atol: 1e-6, rtol: 1e-6, what: `${name} [${shape}]` });
      }
    });
  }

  /** A model's outputs on wasm and on webgpu, each initialized on its own backend from key 1. */
  async function bothBackends<P>(model: {
    init(k: tg.random.Key): P;
    apply(p: P, x: tg.Tensor<[2, 5, 3]>): tg.Tensor<[2, 2]>;
  }): Promise<[number[], number[]]> {
    const x = tg.ones([2, 5, 3]);
    const want = await read(model.apply(model.init(tg.random.key(1)), x));
    const before = tg.webgpuInfo().dispatches;
    const got = await onGpu(async () => {
      const p = model.init(tg.random.key(1));
      return read(tg.jit((q: P) => model.apply(q, x))(p));
    });
    expect(tg.webgpuInfo().dispatches).toBeGreaterThan(before);
    return [got, want];
  }

  it("an LSTM and a GRU initialize on webgpu (orthogonal recurrent kernels) and run there as on wasm", async () => {
    for (const [got, want] of [
      await bothBackends(tg.nn.sequential([5, 3], tg.nn.lstm(4), tg.nn.dense(2))),
      await bothBackends(tg.nn.sequential([5, 3], tg.nn.gru(4), tg.nn.dense(2))),
    ])
      expectClose(got, want, { atol: 1e-5, rtol: 1e-5, what: "recurrent model outputs" });
  });

  it("permutation takes a key made on webgpu", async () => {
    const want = tg.random.permutation(tg.random.key(3), 20).toArray();
    const got = await onGpu(() => tg.random.permutation(tg.random.key(3), 20).toArray());
    expect(got).toEqual(want);
  });
});

// the reason, where the report shows it, when there is no adapter
if (why !== null) {
  describe("keys on webgpu live on the host", () => {
    it.skip(`skipped: no WebGPU adapter (${why}); set TYPEGRAD_REQUIRE_WEBGPU=1 to fail instead`, () => {});
  });
}
