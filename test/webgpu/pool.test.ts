/**
 * The webgpu backend's pool of freed buffers: a jitted training step that runs again creates no
 * `GPUBuffer` (storage, parameter or read-back staging), a reused buffer reads as zeros when it is
 * allocated zero-filled, and host data written into a buffer that a recorded kernel still reads
 * lands after that kernel (a queue write would land before it).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { webgpuBackend } from "../../src/backend/webgpu/backend.js";
import { sizeClass } from "../../src/backend/webgpu/buffers.js";
import * as tg from "../../src/index.js";
import { openWebgpu } from "./adapter.js";

const why = await openWebgpu();

describe("size classes", () => {
  it("hold the size, leave at most a third unused, and are 256, 2ᵏ or 3·2ᵏ⁻¹", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 }), (n) => {
        const c = sizeClass(n);
        expect(c).toBeGreaterThanOrEqual(n);
        if (n > 256) expect(c).toBeLessThan(1.5 * n);
        const p = 2 ** Math.floor(Math.log2(c));
        expect(c === 256 || c === p || c === (p / 2) * 3).toBe(true);
      }),
    );
    expect([sizeClass(1), sizeClass(257), sizeClass(385), sizeClass(1100)]).toEqual([
      256, 384, 512, 1536,
    ]);
  });
});

describe.skipIf(why !== null)("the webgpu buffer pool", () => {
  it("a jitted, donated MLP step creates no GPU buffers after its first calls", async () => {
    await tg.useBackend("webgpu");
    try {
      const start = tg.webgpuInfo().buffers;
      const created: number[] = [];
      const losses: number[] = [];
      let prev = start;
      await trainMlpCounting(8, (loss) => {
        const now = tg.webgpuInfo().buffers;
        created.push(now - prev);
        losses.push(loss);
        prev = now;
      });
      // the first call makes the constants, the plan's buffers and the outputs
      expect(created[0]).toBeGreaterThan(0);
      // every later call reuses freed buffers (the loss of the step before, its read-back staging,
      // the parameter buffers of its kernels)
      expect(created.slice(2)).toEqual([0, 0, 0, 0, 0, 0]);
      expect(losses[7]).toBeLessThan(losses[0]);
      expect(tg.webgpuInfo().bytesPooled).toBeGreaterThan(0);
    } finally {
      await tg.useBackend("wasm");
    }
  });

  it("a reused buffer allocated zero-filled reads as zeros", async () => {
    await tg.useBackend("webgpu");
    try {
      for (const n of [7, 300, 5000]) {
        const x = tg.exp(
          tg.fromArray(
            Float32Array.from({ length: n }, (_, i) => i % 5),
            [n],
          ),
        );
        expect((await x.data())[1]).toBeCloseTo(Math.E, 5);
        x.dispose();
        const before = tg.webgpuInfo().buffers;
        const z = tg.zeros([n]);
        // the same size class came from the pool, not a new GPUBuffer
        expect(tg.webgpuInfo().buffers).toBe(before);
        expect(Array.from(await z.data())).toEqual(new Array(n).fill(0));
      }
    } finally {
      await tg.useBackend("wasm");
    }
  });

  it("host data written into a buffer that a recorded kernel reads lands after that kernel", async () => {
    await tg.useBackend("webgpu");
    try {
      const be = webgpuBackend;
      const n = 64;
      const src = be.alloc("f32", n);
      const [out1, out2] = [be.alloc("f32", n), be.alloc("f32", n)];
      be.write(
        src,
        Float32Array.from({ length: n }, (_, i) => i),
      );
      be.unary("neg", src, out1); // recorded, not yet submitted
      be.write(
        src,
        Float32Array.from({ length: n }, (_, i) => 2 * i),
      );
      be.unary("neg", src, out2);
      const [r1, r2] = [await be.readAsync!(out1), await be.readAsync!(out2)];
      expect(Array.from(r1, (v) => v + 0)).toEqual(Array.from({ length: n }, (_, i) => 0 - i + 0));
      expect(Array.from(r2, (v) => v + 0)).toEqual(
        Array.from({ length: n }, (_, i) => 0 - 2 * i + 0),
      );
      for (const b of [src, out1, out2]) be.free(b);
    } finally {
      await tg.useBackend("wasm");
    }
  });
});

/** `trainMlp`'s jitted, donated step (see mlp.ts), calling `after` with each step's loss. */
async function trainMlpCounting(steps: number, after: (loss: number) => void): Promise<void> {
  const n = 64;
  const x = tg.fromArray(
    Float32Array.from({ length: n * 8 }, (_, i) => Math.sin(i * 0.37)),
    [n, 8],
  );
  const y = tg.fromArray(
    Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.21)),
    [n, 1],
  );
  const model = tg.nn.serial(tg.nn.dense(8, 16), tg.nn.relu, tg.nn.dense(16, 1));
  let params = model.init(tg.random.key(3));
  type P = typeof params;
  const opt = tg.optim.adam({ lr: 0.01 });
  let state = opt.init(params);
  const step = tg.jit(
    (p: P, s: typeof state) => {
      const [loss, grads] = tg.valueAndGrad((q: P) => tg.losses.mse(model.apply(q, x), y))(p);
      return { ...opt.update(grads, s, p), loss };
    },
    { donate: [0, 1] },
  );
  for (let i = 0; i < steps; i++) {
    const r = step(params, state);
    ({ params, state } = r);
    const loss = (await r.loss.data())[0];
    // freed now, not when the collector runs: the count must not depend on when it does
    r.loss.dispose();
    after(loss);
  }
}

// the reason, where the report shows it, when there is no adapter
if (why !== null) {
  describe("the webgpu buffer pool", () => {
    it.skip(`skipped: no WebGPU adapter (${why}); set TYPEGRAD_REQUIRE_WEBGPU=1 to fail instead`, () => {});
  });
}
