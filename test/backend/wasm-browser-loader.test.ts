/**
 * The browser-only helpers of the loader and the pool that Node can run: the reason a page gets
 * no threads, the shared memory's smaller maxima, and whether a thread may block. The browser
 * path as a whole is tested in a real Chromium (test/browser).
 */
import { describe, expect, it } from "vitest";
import { browserSharedMemory, browserThreadsBlocked } from "../../src/backend/wasm/loader.js";
import { canBlock } from "../../src/backend/wasm/workers.js";

describe("browser helpers", () => {
  it("a context that is not cross-origin isolated gets no threads, and is told about COOP/COEP", () => {
    expect(globalThis.crossOriginIsolated).toBeUndefined();
    expect(browserThreadsBlocked()).toMatch(
      /^the page is not cross-origin isolated .*Cross-Origin-Opener-Policy: same-origin.*Cross-Origin-Embedder-Policy: require-corp/,
    );
  });

  it("the shared memory falls back to a smaller maximum when one cannot be reserved", () => {
    // 2^20 pages is beyond what wasm32 allows: a RangeError, as when 4 GiB cannot be reserved
    const memory = browserSharedMemory([1 << 20, 128]);
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(memory.buffer.byteLength).toBe(64 * 65536);
    expect(memory.grow(64)).toBe(64);
    expect(() => memory.grow(1)).toThrow(RangeError);
    expect(() => browserSharedMemory([1 << 20])).toThrow(RangeError);
    expect(() => browserSharedMemory([])).toThrow(/no maximum to try/);
  });

  it("Node's threads may block in Atomics.wait", () => {
    expect(canBlock()).toBe(true);
  });
});
