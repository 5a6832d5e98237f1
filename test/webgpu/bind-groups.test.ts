/**
 * The webgpu backend's bind-group cache (one group per pipeline and `GPUBuffer`s, with its own
 * parameter buffer): a jitted step that runs again creates no bind group; a buffer the pool hands
 * to another tensor computes on that tensor's data; the same kernel over the same buffers with
 * other parameters, twice before a submit, uses each call's parameters; kernels over other buffers
 * never get a cached group of different buffers; a destroyed buffer drops its groups.
 */
import { describe, expect, it } from "vitest";
import { webgpuBackend as be } from "../../src/backend/webgpu/backend.js";
import {
  cachedBindGroups,
  createGpuBuffer,
  destroyLater,
  dispatch,
} from "../../src/backend/webgpu/device.js";
import { fullCollection } from "../../src/backend/wasm/reclaim.js";
import { gpuBuf, markWritten, upload } from "../../src/backend/webgpu/buffers.js";
import * as tg from "../../src/index.js";
import { openWebgpu } from "./adapter.js";

const why = await openWebgpu();

const counts = () => {
  const i = tg.webgpuInfo();
  return { created: i.bindGroupsCreated, reused: i.bindGroupsReused, buffers: i.buffers };
};
const range = (n: number, f: (i: number) => number) =>
  Float32Array.from({ length: n }, (_, i) => f(i));
const read = async (b: ReturnType<typeof be.alloc>) =>
  Array.from(await be.readAsync!(b), (v) => v + 0);

describe.skipIf(why !== null)("the webgpu bind-group cache", () => {
  it("a jitted, donated MLP step creates no bind group after its first calls", async () => {
    await tg.useBackend("webgpu");
    try {
      const n = 32;
      const x = tg.fromArray(
        range(n * 6, (i) => Math.sin(i * 0.41)),
        [n, 6],
      );
      const y = tg.fromArray(
        range(n, (i) => Math.cos(i * 0.3)),
        [n, 1],
      );
      const model = tg.nn.serial(tg.nn.dense(6, 12), tg.nn.relu, tg.nn.dense(12, 1));
      let params = model.init(tg.random.key(1));
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
      // handles that died before the loop are collected and released now: a buffer a finalizer
      // returned to the pool mid-loop would hand the step another buffer (and a new group)
      expect(fullCollection()).toBe(true);
      await new Promise((r) => setTimeout(r, 0));
      const perStep: { created: number; reused: number; dispatches: number }[] = [];
      const losses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const [c, d] = [counts(), tg.webgpuInfo().dispatches];
        const r = step(params, state);
        ({ params, state } = r);
        const after = counts();
        perStep.push({
          created: after.created - c.created,
          reused: after.reused - c.reused,
          dispatches: tg.webgpuInfo().dispatches - d,
        });
        losses.push((await r.loss.data())[0]);
        // freed now (not when the collector runs), so the next step's loss takes its buffer
        r.loss.dispose();
      }
      expect(perStep[0].created).toBeGreaterThan(0);
      // from the third call on, every dispatch reuses a cached group
      for (const s of perStep.slice(2)) {
        expect(s.created).toBe(0);
        expect(s.reused).toBe(s.dispatches);
        expect(s.dispatches).toBeGreaterThan(10);
      }
      expect(losses[5]).toBeLessThan(losses[0]);
    } finally {
      await tg.useBackend("wasm");
    }
  });

  it("a pooled buffer handed to another tensor computes on that tensor's data", async () => {
    await tg.useBackend("webgpu");
    try {
      const n = 40;
      const src1 = be.alloc("f32", n);
      const out1 = be.alloc("f32", n);
      be.write(
        src1,
        range(n, (i) => i),
      );
      be.unary("neg", src1, out1);
      expect(await read(out1)).toEqual(Array.from({ length: n }, (_, i) => -i + 0));
      // back to the pool, then out the other way round: the same GPUBuffers, other tensors
      be.free(out1);
      be.free(src1);
      const c = counts();
      const src2 = be.alloc("f32", n);
      const out2 = be.alloc("f32", n);
      be.write(
        src2,
        range(n, (i) => 100 + 3 * i),
      );
      be.unary("neg", src2, out2);
      const got = await read(out2);
      // no new GPUBuffer and no new bind group: the cached group of those buffers was used
      expect(counts().buffers).toBe(c.buffers);
      expect(counts().created).toBe(c.created);
      expect(counts().reused).toBe(c.reused + 1);
      expect(got).toEqual(Array.from({ length: n }, (_, i) => -(100 + 3 * i)));
      // a third tensor in a new buffer while the others live: its own group, its own data
      const src3 = be.alloc("f32", n);
      const out3 = be.alloc("f32", n);
      be.write(
        src3,
        range(n, (i) => 7 - i),
      );
      be.unary("neg", src3, out3);
      be.unary("neg", src2, out2); // and the cached one again in the same command buffer
      expect(await read(out3)).toEqual(Array.from({ length: n }, (_, i) => i - 7 + 0));
      expect(await read(out2)).toEqual(got);
      for (const b of [src2, out2, src3, out3]) be.free(b);
    } finally {
      await tg.useBackend("wasm");
    }
  });

  it("one kernel over the same buffers with other parameters before a submit uses each call's", async () => {
    await tg.useBackend("webgpu");
    try {
      const k = 8;
      const src = be.alloc("f32", k);
      const out = be.alloc("f32", 3 * k);
      be.write(
        src,
        range(k, (i) => i + 1),
      );
      // copies into three places of one buffer: the same pipeline and buffers, other offsets
      be.copy(src, 0, [1], out, 0, [1], [k]);
      be.copy(src, 0, [1], out, k, [1], [k]);
      const first = await read(out);
      const c = counts();
      be.copy(src, 0, [1], out, 2 * k, [1], [k]); // after a submit: the cached group, rewritten
      const second = await read(out);
      expect(counts().reused).toBe(c.reused + 1);
      const row = Array.from({ length: k }, (_, i) => i + 1);
      expect(first).toEqual([...row, ...row, ...new Array(k).fill(0)]);
      expect(second).toEqual([...row, ...row, ...row]);
      be.free(src);
      be.free(out);
    } finally {
      await tg.useBackend("wasm");
    }
  });

  it("a destroyed buffer drops its cached groups", async () => {
    await tg.useBackend("webgpu");
    try {
      const code = `@group(0) @binding(0) var<storage, read_write> b0: array<f32>;
@group(0) @binding(1) var<storage, read> prm: array<i32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {
  if (g.x < 16u) { b0[g.x] = f32(prm[0]); }
}`;
      const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
      const before = cachedBindGroups();
      const bufs = [0, 1, 2].map(() => createGpuBuffer({ size: 64, usage }));
      for (const [i, b] of bufs.entries()) dispatch(code, [b], Int32Array.of(i), [1, 1, 1]);
      expect(cachedBindGroups()).toBe(before + 3);
      destroyLater(bufs[1]);
      expect(cachedBindGroups()).toBe(before + 2);
      for (const b of [bufs[0], bufs[2]]) destroyLater(b);
      expect(cachedBindGroups()).toBe(before);
      expect(tg.webgpuInfo().bindGroupsCached).toBe(before);
    } finally {
      await tg.useBackend("wasm");
    }
  });

  it("a jitted scan (its steps differ in parameters only) creates no bind group after its first calls", async () => {
    await tg.useBackend("webgpu");
    try {
      const steps = 12;
      const xs = tg.fromArray(
        range(steps * 8 * 4, (i) => Math.sin(i * 0.37)),
        [steps, 8, 4],
      );
      const w = tg.fromArray(
        range(4 * 4, (i) => Math.cos(i * 0.5) * 0.5),
        [4, 4],
      );
      // a tanh RNN: every step's kernels read the row of xs at another offset
      const rnn = (w0: tg.Tensor, x: tg.Tensor) => {
        const h0 = tg.zeros([8, 4]);
        const [[h], [hs]] = tg.scan(
          ([h], [xt]) => {
            const next = tg.tanh(tg.add(tg.matmul(h, w0), xt));
            return [[next], [next]];
          },
          [h0],
          [x],
        );
        return tg.add(tg.sum(h), tg.sum(hs));
      };
      const run = tg.jit(rnn);
      expect(fullCollection()).toBe(true);
      await new Promise((r) => setTimeout(r, 0));
      const created: number[] = [];
      const values: number[] = [];
      for (let i = 0; i < 4; i++) {
        const c = counts().created;
        const r = run(w, xs);
        created.push(counts().created - c);
        values.push((await r.data())[0]);
        r.dispose();
      }
      expect(created[0]).toBeGreaterThan(steps);
      for (const c of created.slice(2)) expect(c).toBe(0);
      // the same value on every call, and wasm's
      await tg.useBackend("wasm");
      // a jit of its own: the first one's constants live on the GPU
      const want = tg
        .jit(rnn)(
          tg.fromArray(Float32Array.from(await w.data()), [4, 4]),
          tg.fromArray(Float32Array.from(await xs.data()), [steps, 8, 4]),
        )
        .item();
      for (const v of values) expect(v).toBeCloseTo(want, 4);
    } finally {
      await tg.useBackend("wasm");
    }
  });

  it("a group dropped while the open encoder uses it keeps its parameters until the submit", async () => {
    await tg.useBackend("webgpu");
    try {
      // writes prm[0] at element prm[1] of b1; reads b0 so that it is bound
      const code = `@group(0) @binding(0) var<storage, read> b0: array<f32>;
@group(0) @binding(1) var<storage, read_write> b1: array<f32>;
@group(0) @binding(2) var<storage, read> prm: array<i32>;
@compute @workgroup_size(1) fn main(@builtin(global_invocation_id) g: vec3u) {
  b1[prm[1]] = f32(prm[0]) + 0.0 * b0[0];
}`;
      const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
      const out = be.alloc("f32", 4);
      const target = gpuBuf(out, "test");
      upload(target); // zeros, before the kernels
      const [a, b, c] = [0, 1, 2].map(() => createGpuBuffer({ size: 64, usage }));
      dispatch(code, [a, target.cell.buffer], Int32Array.of(11, 0), [1, 1, 1]);
      // a's group is dropped while its dispatch is recorded, not submitted; the groups made next
      // must not take its parameters' place before the submit
      destroyLater(a);
      dispatch(code, [b, target.cell.buffer], Int32Array.of(22, 1), [1, 1, 1]);
      dispatch(code, [c, target.cell.buffer], Int32Array.of(33, 2), [1, 1, 1]);
      markWritten(target);
      expect(await read(out)).toEqual([11, 22, 33, 0]);
      for (const x of [b, c]) destroyLater(x);
      be.free(out);
    } finally {
      await tg.useBackend("wasm");
    }
  });
});

// the reason, where the report shows it, when there is no adapter
if (why !== null) {
  describe("the webgpu bind-group cache", () => {
    it.skip(`skipped: no WebGPU adapter (${why}); set TYPEGRAD_REQUIRE_WEBGPU=1 to fail instead`, () => {});
  });
}
