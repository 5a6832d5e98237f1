/**
 * The webgpu backend's transfer counters in `tg.webgpuInfo()`: a tensor of N elements made on the
 * host adds 4N bytes to `bytesUploaded` when the first kernel reads it (f32, i32, and bool as u32),
 * and nothing before; reading a kernel's result of N elements back adds 4N to `bytesReadBack`
 * (and submits the recorded commands); reading a host copy moves nothing; a kernel writes its
 * parameters through the queue (`paramBytesUploaded`) unless a cached bind group already holds them.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tg from "../../src/index.js";
import { openWebgpu } from "./adapter.js";

const why = await openWebgpu();

type Info = ReturnType<typeof tg.webgpuInfo>;
const delta = (a: Info, b: Info) => ({
  uploaded: b.bytesUploaded - a.bytesUploaded,
  read: b.bytesReadBack - a.bytesReadBack,
  params: b.paramBytesUploaded - a.paramBytesUploaded,
  submits: b.submits - a.submits,
  dispatches: b.dispatches - a.dispatches,
});

type AnyTensor = tg.AnyTensor;

/** One row per dtype: a host array of n elements and a one-kernel op that reads it. */
const CASES: { dtype: tg.DType; make(n: number): AnyTensor; kernel(x: AnyTensor): AnyTensor }[] = [
  {
    dtype: "f32",
    make: (n: number) =>
      tg.fromArray(
        Float32Array.from({ length: n }, (_, i) => Math.sin(i)),
        [n],
      ),
    kernel: (x) => tg.neg(x as never) as AnyTensor,
  },
  {
    dtype: "i32",
    make: (n: number) =>
      tg.fromArray(
        Int32Array.from({ length: n }, (_, i) => i - 7),
        [n],
        "i32",
      ),
    kernel: (x) => tg.neg(x as never) as AnyTensor,
  },
  {
    dtype: "bool",
    make: (n: number) =>
      tg.fromArray(
        Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0)),
        [n],
        "bool",
      ),
    kernel: (x) => tg.cast(x, "f32") as AnyTensor,
  },
];

describe.skipIf(why !== null)("the webgpu transfer counters", () => {
  beforeAll(async () => {
    await tg.useBackend("webgpu");
  });
  afterAll(async () => {
    await tg.useBackend("wasm");
  });

  for (const c of CASES) {
    it(`${c.dtype}: n elements upload 4n bytes at the first kernel and read back 4n bytes`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 5000 }), async (n) => {
          const i0 = tg.webgpuInfo();
          const x = c.make(n);
          // made on the host: nothing moved yet
          expect(delta(i0, tg.webgpuInfo()).uploaded).toBe(0);
          const y = c.kernel(x);
          const i1 = tg.webgpuInfo();
          expect(delta(i0, i1).uploaded).toBe(4 * n);
          expect(delta(i0, i1).dispatches).toBe(1);
          const values = await y.data();
          expect(values.length).toBe(n);
          const i2 = tg.webgpuInfo();
          expect(delta(i1, i2)).toMatchObject({ uploaded: 0, read: 4 * n });
          expect(delta(i1, i2).submits).toBeGreaterThanOrEqual(1);
          // a second kernel over the uploaded tensor uploads nothing more
          const z = c.kernel(x);
          await z.data();
          expect(delta(i2, tg.webgpuInfo())).toMatchObject({ uploaded: 0, read: 4 * n });
          x.dispose();
          y.dispose();
          z.dispose();
        }),
        { numRuns: 12 },
      );
    });
  }

  it("reading a host copy that was never uploaded moves no bytes", async () => {
    const i0 = tg.webgpuInfo();
    const x = tg.fromArray(new Float32Array([1, 2, 3]), [3]);
    expect(Array.from(await x.data())).toEqual([1, 2, 3]);
    expect(delta(i0, tg.webgpuInfo())).toMatchObject({ uploaded: 0, read: 0 });
    x.dispose();
  });

  it("a kernel with a new bind group writes its parameters through the queue", async () => {
    // a size no other test used: a new buffer, so a bind group that is not cached yet
    const x = tg.fromArray(new Float32Array(12345), [12345]);
    const i0 = tg.webgpuInfo();
    const y = tg.neg(x);
    const d = delta(i0, tg.webgpuInfo());
    expect(d.params).toBeGreaterThan(0);
    expect(d.params % 4).toBe(0);
    await y.data();
    x.dispose();
    y.dispose();
  });
});
