// Tensors stored above 2 GiB and up to the 4 GiB a wasm memory holds: every read and write must
// reach the right address (pointer arithmetic is unsigned), and an out-of-memory error loses nothing.
import { describe, expect, it } from "vitest";
import * as tg from "../../src/index.js";
import { arena } from "../../src/backend/wasm/threads.js";

const MB = 2 ** 20;
/** A tensor of `n` f32 whose every element encodes (tag, index), so any misplaced byte shows. */
function tagged(tag: number, n: number): tg.Tensor<[number]> {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = tag * 100_000 + (i % 99_991);
  return tg.fromArray(a, [n]) as tg.Tensor<[number]>;
}
function intact(t: tg.Tensor<[number]>, tag: number): boolean {
  const d = t.dataSync();
  for (let i = 0; i < d.length; i++) if (d[i] !== tag * 100_000 + (i % 99_991)) return false;
  return true;
}

describe("wasm memory above 2 GiB", () => {
  it("fills past 2 GiB and near 4 GiB, every held tensor bit for bit; out of memory loses nothing", () => {
    const held: tg.Tensor<[number]>[] = [];
    const n = (128 * MB) / 4; // 128 MiB each
    // past 2 GiB: 20 tensors = 2.5 GiB
    for (let k = 0; k < 20; k++) held.push(tagged(k, n));
    expect(arena.memoryBytes()).toBeGreaterThan(2 ** 31);
    // kernels above 2 GiB: an add whose inputs and output all live high
    const hi = held[18];
    const sum = tg.add(hi, held[19]);
    const s = sum.dataSync();
    const a = hi.dataSync();
    const b = held[19].dataSync();
    let ok = true;
    for (let i = 0; i < s.length; i += 997) if (s[i] !== Math.fround(a[i] + b[i])) ok = false;
    expect(ok).toBe(true);
    sum.dispose();
    // near 4 GiB: keep adding until the arena refuses, then everything held is intact
    let error: unknown = null;
    for (let k = 20; k < 40 && error === null; k++) {
      try {
        held.push(tagged(k, n));
      } catch (e) {
        error = e;
      }
    }
    expect(error).toBeInstanceOf(RangeError);
    expect(String(error)).toMatch(/out of memory.*4 GiB/);
    expect(arena.memoryBytes()).toBeGreaterThan(3.5 * 2 ** 30);
    arena.check();
    const broken = held.filter((t, k) => !intact(t, k)).length;
    expect(broken).toBe(0);
    // the library keeps working: free half, allocate again, compute, check
    for (let k = 0; k < held.length; k += 2) held[k].dispose();
    arena.check();
    const again = tagged(99, n);
    expect(intact(again, 99)).toBe(true);
    expect(held.filter((t, k) => k % 2 === 1 && !intact(t, k)).length).toBe(0);
    expect(tg.sum(tg.ones([1000])).item()).toBe(1000);
    again.dispose();
    for (const t of held) t.dispose();
    arena.check();
  }, 120_000);
});
