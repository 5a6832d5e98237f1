/**
 * The relaxed SIMD builds: the loader's choice (`TYPEGRAD_RELAXED_SIMD`), and the four committed
 * builds computing the same matmul (a float64 reference decides; relaxed and plain agree to
 * rounding, since a fused multiply-add rounds once where a multiply and an add round twice). Every
 * matmul path is reached: the packed kernel with full and partial tiles, the small-m kernels, and
 * transposed operands.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backendInfo } from "../../src/backend/wasm/backend.js";
import { type Kernels, kernelImports, wantedRelaxed } from "../../src/backend/wasm/loader.js";
import { rand } from "./wasm-util.js";

const BUILDS = [
  "typegrad.wasm",
  "typegrad-relaxed.wasm",
  "typegrad-mt.wasm",
  "typegrad-mt-relaxed.wasm",
] as const;

/** Instantiates one committed build on its own memory (the threaded ones on a shared memory). */
function load(name: (typeof BUILDS)[number]): Kernels {
  const bytes = readFileSync(
    fileURLToPath(new URL(`../../src/backend/wasm/${name}`, import.meta.url)),
  );
  // Node 20 compiles relaxed SIMD behind a flag; the loader sets it unless TYPEGRAD_RELAXED_SIMD=0
  if (name.includes("relaxed")) setFlagsFromString("--experimental-wasm-relaxed-simd");
  const module = new WebAssembly.Module(bytes);
  if (!name.includes("-mt")) {
    return new WebAssembly.Instance(module, kernelImports()).exports as unknown as Kernels;
  }
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared: true });
  const exports = new WebAssembly.Instance(module, kernelImports(memory)).exports;
  return { ...exports, memory } as unknown as Kernels;
}

/** `[batch, m, n]` product of A (`[m,k]`, or `[k,m]` stored if transA) and B, in one build. */
function matmul(
  k: Kernels,
  a: number[],
  b: number[],
  dims: { m: number; k: number; n: number; transA: boolean; transB: boolean },
): Float32Array {
  const { m, n } = dims;
  const base = (k.__heap_base.value as number) + 1024 * 1024; // past the worker stacks' region
  const floats = a.length + b.length + m * n + k.tg_matmul_scratch_len();
  const need = base + floats * 4 + 64;
  const have = k.memory.buffer.byteLength;
  if (need > have) k.memory.grow(Math.ceil((need - have) / 65536));
  const pa = base;
  const pb = pa + a.length * 4;
  const pc = pb + b.length * 4;
  const ps = pc + m * n * 4;
  const f = new Float32Array(k.memory.buffer);
  f.set(a, pa / 4);
  f.set(b, pb / 4);
  const ta = dims.transA ? 1 : 0;
  const tb = dims.transB ? 1 : 0;
  k.tg_matmul_f32(pa, pb, pc, 1, m, dims.k, n, ta, tb, 0, 0, ps);
  return new Float32Array(k.memory.buffer).slice(pc / 4, pc / 4 + m * n);
}

/** float64 reference of the same product, and the sum of |a·b| terms per entry (for tolerances). */
function reference(
  a: number[],
  b: number[],
  dims: { m: number; k: number; n: number; transA: boolean; transB: boolean },
): { y: Float64Array; mag: Float64Array } {
  const { m, k, n } = dims;
  const y = new Float64Array(m * n);
  const mag = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let t = 0;
      for (let p = 0; p < k; p++) {
        const x = dims.transA ? a[p * m + i] : a[i * k + p];
        const w = dims.transB ? b[j * k + p] : b[p * n + j];
        s += x * w;
        t += Math.abs(x * w);
      }
      y[i * n + j] = s;
      mag[i * n + j] = t;
    }
  }
  return { y, mag };
}

describe("relaxed SIMD builds", () => {
  it("TYPEGRAD_RELAXED_SIMD: unset, empty or 1 wants it, 0 does not, anything else throws", () => {
    expect(wantedRelaxed(undefined)).toBe(true);
    expect(wantedRelaxed("")).toBe(true);
    expect(wantedRelaxed("1")).toBe(true);
    expect(wantedRelaxed("0")).toBe(false);
    expect(() => wantedRelaxed("yes")).toThrow(/TYPEGRAD_RELAXED_SIMD must be 0 or 1, got "yes"/);
  });

  it("Node loads the relaxed build unless told not to", () => {
    const env = process.env.TYPEGRAD_RELAXED_SIMD;
    expect(backendInfo().relaxedSimd).toBe(env !== "0");
  });

  it("the relaxed builds contain no call to the marker import", () => {
    // a call left behind would throw when reached; the rewrite leaves `fd 85 02 01 01 01`
    for (const name of ["typegrad-relaxed.wasm", "typegrad-mt-relaxed.wasm"]) {
      const bytes = readFileSync(
        fileURLToPath(new URL(`../../src/backend/wasm/${name}`, import.meta.url)),
      );
      const hex = bytes.toString("hex");
      expect(hex.split("fd8502010101").length - 1).toBeGreaterThan(0);
      expect(hex.includes("108080808000")).toBe(false);
    }
  });

  it("all four builds compute the float64 product to rounding, on every matmul path", () => {
    const kernels = BUILDS.map(load);
    fc.assert(
      fc.property(
        fc.record({
          m: fc.oneof(fc.integer({ min: 1, max: 17 }), fc.integer({ min: 18, max: 70 })),
          k: fc.integer({ min: 0, max: 300 }),
          n: fc.integer({ min: 1, max: 40 }),
          transA: fc.boolean(),
          transB: fc.boolean(),
          seed: fc.nat(),
        }),
        (dims) => {
          const a = rand(dims.m * dims.k, dims.seed);
          const b = rand(dims.k * dims.n, dims.seed + 1);
          const { y, mag } = reference(a, b, dims);
          const outs = kernels.map((k) => matmul(k, a, b, dims));
          for (const out of outs) {
            for (let i = 0; i < y.length; i++) {
              // the worst-case bound of a k-term f32 sum: (k + 1)·2⁻²⁴·Σ|a·b|
              const tol = (dims.k + 1) * 2 ** -24 * mag[i];
              if (!(Math.abs(out[i] - y[i]) <= tol)) {
                throw new Error(`entry ${i}: got ${out[i]}, want ${y[i]} (tol ${tol})`);
              }
            }
          }
          // the plain builds agree with each other bit for bit, as do the relaxed ones
          expect(outs[2]).toEqual(outs[0]);
          expect(outs[3]).toEqual(outs[1]);
        },
      ),
      { numRuns: 60 },
    );
  });
});

const dist = fileURLToPath(new URL("../../dist/src/index.js", import.meta.url));

describe.runIf(existsSync(dist))(
  "TYPEGRAD_RELAXED_SIMD (the built package, in a child process)",
  () => {
    const run = (value: string): { relaxedSimd: boolean; y: string } =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [
            "--input-type=module",
            "-e",
            `const tg = await import(${JSON.stringify(dist)});
           const y = tg.matmul(tg.ones([40, 300]), tg.ones([300, 20]));
           console.log(JSON.stringify({ relaxedSimd: tg.backendInfo().relaxedSimd,
             y: [...new Set(y.dataSync())].join(",") }));`,
          ],
          { env: { ...process.env, TYPEGRAD_RELAXED_SIMD: value }, encoding: "utf8" },
        ),
      );

    it("0 loads the plain build, 1 the relaxed one; both compute", () => {
      expect(run("0")).toEqual({ relaxedSimd: false, y: "300" });
      expect(run("1")).toEqual({ relaxedSimd: true, y: "300" });
    });

    it("a bad value stops the import with a message naming the variable", () => {
      expect(() => run("on")).toThrow(/TYPEGRAD_RELAXED_SIMD must be 0 or 1, got "on"/);
    });
  },
);
