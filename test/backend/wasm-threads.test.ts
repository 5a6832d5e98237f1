/**
 * The thread pool: a kernel split into parts (run on the pool's threads, or one after the other
 * on a single thread) computes what the whole call computes. Elementwise kernels must agree bit for
 * bit. Matmul and convolutions agree to rounding: a part may take another matmul path (a part with
 * few rows uses the small-m kernel, which sums in another order), and the filter gradient sums the
 * parts' partial gradients.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import type { Buf, Conv2dGeometry } from "../../src/backend/backend.js";
import { backendInfo, setThreads, wasmBackend as B } from "../../src/backend/wasm/backend.js";
import { forceParts } from "../../src/backend/wasm/threads.js";
import { wantedThreads } from "../../src/backend/wasm/loader.js";
import { expectClose } from "../util/close.js";
import { buf, rand, read } from "./wasm-util.js";

/** Runs `f` with every split kernel forced into `parts` parts. */
function withParts<R>(parts: number, f: () => R): R {
  forceParts(parts);
  try {
    return f();
  } finally {
    forceParts(null);
  }
}

afterEach(() => {
  forceParts(null);
});

const PARTS = [2, 3, 5];

describe("thread pool", () => {
  it("starts the threads the machine has, or says why not", () => {
    const info = backendInfo();
    expect(info.threads).toBeGreaterThanOrEqual(1);
    if (process.env.TYPEGRAD_THREADS === undefined && availableParallelism() > 1) {
      const n = Math.min(8, availableParallelism());
      expect(info).toMatchObject({ threads: n, poolThreads: n, build: "threaded", fallback: null });
    }
  });

  it("setThreads lowers (and restores) the threads kernels are split over", () => {
    const n = backendInfo().poolThreads;
    try {
      expect(setThreads(1)).toBe(1);
      expect(backendInfo().threads).toBe(1);
      expect(setThreads(n + 5)).toBe(n);
      expect(() => setThreads(0)).toThrow(
        /setThreads: the count must be a positive integer, got 0/,
      );
      expect(() => setThreads(1.5)).toThrow(/got 1.5/);
    } finally {
      setThreads(n);
    }
  });

  it("reads TYPEGRAD_THREADS, and rejects a bad value by name", () => {
    expect(wantedThreads(undefined, 2)).toBe(2);
    expect(wantedThreads("", 16)).toBe(8);
    expect(wantedThreads("1", 2)).toBe(1);
    expect(wantedThreads("3", 2)).toBe(3);
    expect(() => wantedThreads("0", 2)).toThrow(/TYPEGRAD_THREADS must be a positive integer/);
    expect(() => wantedThreads("two", 2)).toThrow(/got "two"/);
  });

  it("matmul split into parts equals the whole call (to rounding)", () => {
    fc.assert(
      fc.property(
        fc.record({
          batch: fc.integer({ min: 1, max: 3 }),
          m: fc.integer({ min: 0, max: 40 }),
          k: fc.integer({ min: 0, max: 40 }),
          n: fc.integer({ min: 0, max: 40 }),
          tA: fc.boolean(),
          tB: fc.boolean(),
          shareB: fc.boolean(),
          parts: fc.constantFrom(...PARTS),
          seed: fc.integer({ min: 1, max: 1e6 }),
        }),
        ({ batch, m, k, n, tA, tB, shareB, parts, seed }) => {
          const a = buf("f32", rand(batch * m * k, seed));
          const b = buf("f32", rand((shareB ? 1 : batch) * k * n, seed + 1));
          const run = (p: number): number[] => {
            const out = B.alloc("f32", batch * m * n);
            B.fill(out, 7);
            withParts(p, () =>
              B.matmul(a, b, out, batch, m, k, n, tA, tB, m * k, shareB ? 0 : k * n),
            );
            const r = read(out);
            B.free(out);
            return r;
          };
          const [split, whole] = [run(parts), run(1)];
          expectClose(split, whole, { atol: 1e-6 * (1 + k), rtol: 0 });
          B.free(a);
          B.free(b);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("a large matmul (split by size) matches a float64 product", () => {
    const [m, k, n] = [70, 300, 90];
    const ad = rand(m * k, 3);
    const bd = rand(k * n, 4);
    const out = B.alloc("f32", m * n);
    B.matmul(buf("f32", ad), buf("f32", bd), out, 1, m, k, n, false, false, 0, 0);
    const got = read(out);
    for (let i = 0; i < m; i += 7) {
      for (let j = 0; j < n; j += 5) {
        let s = 0;
        for (let p = 0; p < k; p++) s += ad[i * k + p] * bd[p * n + j];
        expect(Math.abs(got[i * n + j] - s)).toBeLessThan(1e-4);
      }
    }
  });

  it("elementwise kernels split into parts equal the whole call, bit for bit", () => {
    fc.assert(
      fc.property(
        fc.record({
          rows: fc.integer({ min: 1, max: 40 }),
          cols: fc.integer({ min: 1, max: 50 }),
          rowB: fc.boolean(),
          parts: fc.constantFrom(...PARTS),
          seed: fc.integer({ min: 1, max: 1e6 }),
        }),
        ({ rows, cols, rowB, parts, seed }) => {
          const n = rows * cols;
          const x = buf("f32", rand(n, seed));
          const b = buf("f32", rand(rowB ? cols : n, seed + 1));
          const c = buf("f32", rand(1, seed + 2));
          const bStrides = rowB ? [0, 1] : [cols, 1];
          const run = (p: number, f: (out: Buf) => void): number[] =>
            withParts(p, () => {
              const out = B.alloc("f32", n);
              f(out);
              const r = read(out);
              B.free(out);
              return r;
            });
          const ops = [
            { op: "mul" as const, args: [0, 1] },
            { op: "add" as const, args: [3, 2] },
            { op: "tanh" as const, args: [4] },
          ];
          const kernels: ((out: Buf) => void)[] = [
            (out) => B.binary("sub", x, b, out, [rows, cols], [cols, 1], bStrides),
            (out) => B.unary("exp", x, out),
            (out) => B.fused(ops, [x, b, c], [out], [5]),
          ];
          for (const f of kernels) expect(run(parts, f)).toEqual(run(1, f));
          // a comparison (bool output, one byte per element) and a `where` on its mask
          const cmp = (p: number): number[] =>
            withParts(p, () => {
              const m = B.alloc("bool", n);
              B.binary("gt", x, b, m, [rows, cols], [cols, 1], bStrides);
              const out = B.alloc("f32", n);
              B.where(m, x, b, out, [rows, cols], [cols, 1], [cols, 1], bStrides);
              const r = [...read(m), ...read(out)];
              B.free(m);
              B.free(out);
              return r;
            });
          expect(cmp(parts)).toEqual(cmp(1));
          // reductions split by ranges of the outer axis: [rows, cols, 1] and [rows, 2, cols / 2]
          const geoms =
            cols % 2 === 0
              ? [
                  [rows, cols, 1],
                  [rows, 2, cols / 2],
                ]
              : [[rows, cols, 1]];
          for (const [outer, mid, inner] of geoms)
            for (const op of ["sum", "max", "argmax"] as const) {
              const reduce = (p: number): number[] =>
                withParts(p, () => {
                  const out = B.alloc(op === "argmax" ? "i32" : "f32", outer * inner);
                  B.reduce(op, x, out, outer, mid, inner);
                  const r = read(out);
                  B.free(out);
                  return r;
                });
              expect(reduce(parts)).toEqual(reduce(1));
            }
          for (const t of [x, b, c]) B.free(t);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("a fused chain with several outputs may overwrite its full-size inputs, whole or in parts", () => {
    fc.assert(
      fc.property(
        fc.record({
          rows: fc.integer({ min: 1, max: 40 }),
          cols: fc.integer({ min: 1, max: 50 }),
          parts: fc.constantFrom(1, ...PARTS),
          seed: fc.integer({ min: 1, max: 1e6 }),
        }),
        ({ rows, cols, parts, seed }) => {
          const n = rows * cols;
          // values: 0 x, 1 y, 2 b (a row); 3 tanh(x), 4 3·y, 5 4 + b, 6 5·x
          const ops = [
            { op: "tanh" as const, args: [0] },
            { op: "mul" as const, args: [3, 1] },
            { op: "add" as const, args: [4, 2] },
            { op: "mul" as const, args: [5, 0] },
          ];
          const [xs, ys, bs] = [rand(n, seed), rand(n, seed + 1), rand(cols, seed + 2)];
          const run = (inPlace: boolean): number[][] =>
            withParts(parts, () => {
              const [x, y, b] = [buf("f32", xs), buf("f32", ys), buf("f32", bs)];
              const outs = inPlace ? [y, x] : [B.alloc("f32", n), B.alloc("f32", n)];
              B.fused(ops, [x, y, b], outs, [3, 6]);
              const r = outs.map(read);
              for (const t of new Set([x, y, b, ...outs])) B.free(t);
              return r;
            });
          expect(run(true)).toEqual(run(false));
        },
      ),
      { numRuns: 40 },
    );
  });

  it("convolution and its gradients split by images equal the whole call", () => {
    fc.assert(
      fc.property(
        fc.record({
          batch: fc.integer({ min: 1, max: 5 }),
          inH: fc.integer({ min: 3, max: 9 }),
          inW: fc.integer({ min: 3, max: 9 }),
          inC: fc.integer({ min: 1, max: 5 }),
          outC: fc.integer({ min: 1, max: 9 }),
          kH: fc.integer({ min: 1, max: 3 }),
          kW: fc.integer({ min: 1, max: 3 }),
          stride: fc.integer({ min: 1, max: 2 }),
          pad: fc.integer({ min: 0, max: 1 }),
          parts: fc.constantFrom(...PARTS),
          seed: fc.integer({ min: 1, max: 1e6 }),
        }),
        ({ batch, inH, inW, inC, outC, kH, kW, stride, pad, parts, seed }) => {
          const outH = Math.floor((inH + 2 * pad - kH) / stride) + 1;
          const outW = Math.floor((inW + 2 * pad - kW) / stride) + 1;
          const g: Conv2dGeometry = {
            ...{ batch, inH, inW, inC, outH, outW, outC, kH, kW },
            ...{ strideH: stride, strideW: stride, padTop: pad, padLeft: pad },
          };
          const x = buf("f32", rand(batch * inH * inW * inC, seed));
          const w = buf("f32", rand(kH * kW * inC * outC, seed + 1));
          const dy = buf("f32", rand(batch * outH * outW * outC, seed + 2));
          const run = (p: number, size: number, f: (out: Buf) => void): number[] =>
            withParts(p, () => {
              const out = B.alloc("f32", size);
              B.fill(out, 7);
              f(out);
              const r = read(out);
              B.free(out);
              return r;
            });
          const ySize = batch * outH * outW * outC;
          const fwd = (p: number) => run(p, ySize, (y) => B.conv2d(x, w, y, g));
          expectClose(fwd(parts), fwd(1), { tol: 1e-5 });
          const dxSize = batch * inH * inW * inC;
          const bpi = (p: number) => run(p, dxSize, (dx) => B.conv2dBackpropInput(dy, w, dx, g));
          expectClose(bpi(parts), bpi(1), { tol: 1e-5 });
          const dwSize = kH * kW * inC * outC;
          const bpf = (p: number) => run(p, dwSize, (dw) => B.conv2dBackpropFilter(x, dy, dw, g));
          expectClose(bpf(parts), bpf(1), { tol: 1e-5 });
          for (const t of [x, w, dy]) B.free(t);
        },
      ),
      { numRuns: 40 },
    );
  });
});

const dist = fileURLToPath(new URL("../../dist/src/index.js", import.meta.url));

describe.runIf(existsSync(dist))("TYPEGRAD_THREADS (the built package, in a child process)", () => {
  const run = (threads: string): string =>
    execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const tg = await import(${JSON.stringify(dist)});
         const a = tg.tensor([[1, 2], [3, 4]]);
         const x = tg.ones([64, 300]);
         const y = tg.matmul(x, tg.ones([300, 70])); // big enough to be split
         console.log(JSON.stringify({ info: tg.backendInfo(), a: tg.matmul(a, a).dataSync().join(","),
           y: [...new Set(y.dataSync())].join(",") }));`,
      ],
      {
        env: { ...process.env, TYPEGRAD_THREADS: threads, TYPEGRAD_RELAXED_SIMD: "" },
        encoding: "utf8",
      },
    );

  it("1 loads the single-threaded build", () => {
    const r = JSON.parse(run("1"));
    expect(r).toEqual({
      info: {
        threads: 1,
        poolThreads: 1,
        build: "single-threaded",
        fallback: null,
        relaxedSimd: true,
      },
      a: "7,10,15,22",
      y: "300",
    });
  });

  it("2 runs a pool of two threads", () => {
    const r = JSON.parse(run("2"));
    expect(r.info).toEqual({
      threads: 2,
      poolThreads: 2,
      build: "threaded",
      fallback: null,
      relaxedSimd: true,
    });
    expect([r.a, r.y]).toEqual(["7,10,15,22", "300"]);
  });

  it("a bad value stops the import with a message naming the variable", () => {
    expect(() => run("lots")).toThrow(/TYPEGRAD_THREADS must be a positive integer, got "lots"/);
  });
});
