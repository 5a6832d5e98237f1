// Eager tensors that nobody holds are freed without dispose: the collector runs under wasm-memory
// pressure (not only JS-heap pressure), and a synchronous burst is reclaimed once the loop turns.
import { describe, expect, it, vi } from "vitest";
import { arena } from "../../src/backend/wasm/threads.js";
import { memoryWarning } from "../../src/backend/wasm/buffers.js";
import { reclaimStats } from "../../src/backend/wasm/reclaim.js";
import * as tg from "../../src/index.js";

const MB = 2 ** 20;
const turn = () => new Promise<void>((r) => setImmediate(r));

describe("reclaiming dropped eager tensors", () => {
  it("forced collections are available in Node", () => {
    expect(reclaimStats().forced).toBe(true);
  });

  it("an async loop of 3,000 eager 1e6-element adds that yields each op stays under 128 MB above its start", async () => {
    await turn();
    const start = arena.bytesInUse();
    const x = tg.ones([1_000_000]);
    let y = tg.zeros([1_000_000]);
    let peak = 0;
    for (let i = 0; i < 3000; i++) {
      y = tg.add(y, x); // the old y is dropped, never disposed
      peak = Math.max(peak, arena.bytesInUse() - start);
      await turn();
    }
    const d = y.dataSync();
    expect(d[0]).toBe(3000);
    expect(d[999_999]).toBe(3000);
    expect(peak).toBeLessThan(128 * MB);
    arena.check();
  }, 120_000);

  it("a synchronous loop frees what it drops inside the loop, and the rest comes back within 1 s of the event loop turning", async () => {
    expect(reclaimStats().inJob).toBe(true);
    await turn();
    const start = arena.bytesInUse();
    const x = tg.ones([1_000_000]);
    memoryWarning(false);
    let peak = 0;
    (() => {
      let y = tg.zeros([1_000_000]);
      for (let i = 0; i < 200; i++) {
        y = tg.add(y, x); // 800 MB made and dropped in one synchronous job
        peak = Math.max(peak, arena.bytesInUse() - start);
      }
      expect(y.dataSync()[7]).toBe(200);
    })();
    memoryWarning(true);
    // in-job reclamation: at most 512 MiB of this job's buffers wait for a collection
    expect(peak).toBeLessThan(600 * MB);
    const t0 = performance.now();
    while (arena.bytesInUse() - start > 16 * MB && performance.now() - t0 < 1000) {
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(arena.bytesInUse() - start).toBeLessThan(16 * MB);
    expect(x.dataSync()[0]).toBe(1);
    arena.check();
  }, 60_000);

  it("collections inside a synchronous job never free a tensor that is still held", () => {
    memoryWarning(false);
    const n = 262_144; // 1 MiB a tensor: the job adopts its buffers and collects several times
    const kept: { t: tg.Tensor; v: number }[] = [];
    const before = reclaimStats().collections;
    let y = tg.full([n], 1) as tg.Tensor;
    let v = 1;
    for (let i = 0; i < 700; i++) {
      // a chain of temporaries, most dropped at once, every 7th result held
      y = tg.sub(tg.mul(tg.add(y, 1), 1), 0) as tg.Tensor;
      v = v + 1;
      if (i % 7 === 0) kept.push({ t: y, v });
    }
    memoryWarning(true);
    expect(reclaimStats().collections).toBeGreaterThan(before);
    for (const { t, v: want } of kept) {
      const d = t.dataSync();
      expect(d[0]).toBe(want);
      expect(d[n - 1]).toBe(want);
    }
    for (const { t } of kept) t.dispose();
    arena.check();
  }, 60_000);

  it("an out-of-memory allocation first reclaims what dead handles hold", async () => {
    await turn();
    // ~3 GiB of dropped tensors made in an earlier job, then a 2 GiB allocation
    memoryWarning(false);
    (() => {
      for (let i = 0; i < 12; i++) tg.zeros([64 * MB]); // 256 MiB each, dropped
    })();
    await turn();
    const big = tg.zeros([512 * MB]); // 2 GiB
    expect(big.size).toBe(512 * MB);
    big.dispose();
    arena.check();
  }, 60_000);

  it("a data set loaded in one job does not count towards the warning (it is held on purpose)", () => {
    memoryWarning(true);
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    try {
      // 300 MiB of IDX images, loaded in one synchronous job and kept
      const n = 100_000;
      const bytes = tg.data.encodeIdx(new Uint8Array(n * 28 * 28), [n, 28, 28], "u8");
      const x = tg.data.loadIdx(bytes, { dtype: "f32" });
      expect(x._tag).toBe("Right");
      expect(warn).not.toHaveBeenCalled();
      if (x._tag === "Right") x.right.dispose();
    } finally {
      warn.mockRestore();
    }
  });

  it("warns once when one synchronous job holds more than 256 MiB, naming tidy", () => {
    memoryWarning(true); // re-arms the one-time warning
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => {});
    try {
      const held: tg.Tensor[] = [];
      for (let i = 0; i < 80; i++) held.push(tg.zeros([MB]) as tg.Tensor); // 320 MiB held
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toMatch(/tg\.tidy.*using.*dispose/);
      for (let i = 0; i < 80; i++) held.push(tg.zeros([MB]) as tg.Tensor);
      expect(warn).toHaveBeenCalledTimes(1);
      for (const t of held) t.dispose();
    } finally {
      warn.mockRestore();
    }
  });
});
