import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { Arena } from "../../src/backend/wasm/arena.js";
import { wasmBackend as B, wasmStats } from "../../src/backend/wasm/backend.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const fresh = () => new Arena(new WebAssembly.Memory({ initial: 1 }), 100);

describe("arena", () => {
  it("aligns blocks to 64 bytes and reuses freed blocks", () => {
    const a = fresh();
    expect(a.base).toBe(128);
    const p = a.alloc(10);
    const q = a.alloc(100);
    expect(p % 64).toBe(0);
    expect(q - p).toBe(64);
    expect(a.bytesInUse()).toBe(64 + 128);
    a.free(p);
    expect(a.alloc(64)).toBe(p);
    a.free(p);
    a.free(p); // double free: no-op
    expect(a.bytesInUse()).toBe(128);
    expect(a.alloc(1)).toBe(p);
  });

  it("coalesces neighbours and lowers the top", () => {
    const a = fresh();
    const ps = [a.alloc(64), a.alloc(64), a.alloc(64), a.alloc(64)];
    a.free(ps[1]);
    a.free(ps[2]);
    expect(a.alloc(128)).toBe(ps[1]); // the two merged blocks
    a.free(ps[1]);
    a.free(ps[3]);
    a.free(ps[0]);
    expect(a.heapBytes()).toBe(0);
    expect(a.alloc(256)).toBe(ps[0]);
  });

  it("splits a larger free block (best fit)", () => {
    const a = fresh();
    const big = a.alloc(1024);
    a.alloc(64); // spacers keep the free blocks from coalescing
    const small = a.alloc(128);
    a.alloc(64);
    a.free(big);
    a.free(small);
    expect(a.alloc(128)).toBe(small); // exact fit wins over splitting the big block
    expect(a.alloc(256)).toBe(big);
    expect(a.alloc(256)).toBe(big + 256);
  });

  it("grows memory and refreshes views", () => {
    const a = fresh();
    const p = a.alloc(16);
    a.f32[p >> 2] = 1.5;
    const before = a.memoryBytes();
    const q = a.alloc(10 * 65536);
    expect(a.memoryBytes()).toBeGreaterThan(before);
    expect(a.f32[p >> 2]).toBe(1.5);
    a.f32[(q >> 2) + 163839] = 2;
    expect(a.f32.length * 4).toBe(a.memoryBytes());
  });
});

describe("wasm backend memory", () => {
  it("an allocation beyond what wasm memory can hold fails with the sizes, and loses nothing", () => {
    const live = B.alloc("f32", 1000);
    B.write(
      live,
      Array.from({ length: 1000 }, (_, i) => i),
    );
    const before = wasmStats();
    expect(() => B.alloc("f32", 2_000_000_000)).toThrow(
      /cannot allocate 2000000000 f32 elements \(8000000000 bytes\): .*out of memory.*at most 4 GiB/,
    );
    // the arena is as it was: the live buffer keeps its data, and allocation still works
    expect(wasmStats().bytesInUse).toBe(before.bytesInUse);
    expect(Array.from(B.read(live)).slice(995)).toEqual([995, 996, 997, 998, 999]);
    const next = B.alloc("i32", 10);
    expect(Array.from(B.read(next))).toEqual(new Array(10).fill(0));
    B.free(next);
    B.free(live);
  });

  it("free returns memory; double free is a no-op; use after free throws", () => {
    const start = wasmStats().bytesInUse;
    const b = B.alloc("f32", 1000);
    expect(wasmStats().bytesInUse).toBeGreaterThanOrEqual(start + 4000);
    B.free(b);
    B.free(b);
    expect(wasmStats().bytesInUse).toBe(start);
    expect(() => B.read(b)).toThrow(/after free/);
  });

  it("sub views share memory, and freeing a view does nothing", () => {
    const start = wasmStats().bytesInUse;
    const b = B.alloc("f32", 10);
    B.write(b, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const v = B.sub(b, 3, 4);
    expect(Array.from(B.read(v))).toEqual([3, 4, 5, 6]);
    B.fill(v, -1);
    B.free(v);
    expect(Array.from(B.read(b))).toEqual([0, 1, 2, -1, -1, -1, -1, 7, 8, 9]);
    expect(Array.from(B.read(B.sub(v, 1, 2)))).toEqual([-1, -1]);
    expect(() => B.sub(b, 8, 3)).toThrow(RangeError);
    B.free(b);
    expect(() => B.read(v)).toThrow(/after free/);
    expect(wasmStats().bytesInUse).toBe(start);
  });

  it("alloc zero-fills recycled memory and views survive growth via read()", () => {
    const b = B.alloc("f32", 256);
    B.fill(b, 3);
    B.free(b);
    const c = B.alloc("f32", 256);
    expect(Array.from(B.read(c)).every((v) => v === 0)).toBe(true);
    B.fill(c, 2);
    const big = B.alloc("f32", 8 << 20); // 32 MB: grows memory
    expect(B.read(c)[255]).toBe(2);
    B.free(big);
    B.free(c);
  });

  it("buffers whose handles are garbage-collected return to the arena", async () => {
    const start = wasmStats().bytesInUse;
    (() => {
      for (let i = 0; i < 100; i++) B.alloc("f32", 10_000);
    })();
    expect(wasmStats().bytesInUse).toBeGreaterThan(start + 3_000_000);
    for (let i = 0; i < 20 && wasmStats().bytesInUse > start; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(wasmStats().bytesInUse).toBe(start);
  });

  it("a loop that allocates and drops keeps memory flat", async () => {
    const x = B.alloc("f32", 1 << 16);
    for (let i = 0; i < 50; i++) {
      const y = B.alloc("f32", 1 << 16);
      B.unary("exp", x, y);
      B.free(y);
    }
    const mem = wasmStats().memoryBytes;
    for (let i = 0; i < 500; i++) {
      const y = B.alloc("f32", 1 << 16);
      B.unary("exp", x, y);
      if (i % 2 === 0) B.free(y); // the rest are left to the finalizer
      if (i % 50 === 0) {
        gc();
        await new Promise((r) => setTimeout(r, 0));
      }
    }
    expect(wasmStats().memoryBytes).toBeLessThanOrEqual(mem + (64 << 20));
    B.free(x);
  });
});
