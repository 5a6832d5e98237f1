/**
 * The gradient table (`test/grad/table-rows.ts`, the rows `test/grad/table.test.ts` checks against
 * float64 finite differences) on the webgpu backend. For every row, on arguments drawn by the
 * row's own generator and rounded to f32: the value f(x), reverse mode (the vjp of a random
 * cotangent, eager and under `jit`), forward mode (the jvp of a random direction), second order
 * (the vjp of the gradient of <sin(f), f>, for rows not marked first-order only) and `vmap(f)` over
 * three shifted copies of the arguments, computed on the GPU, agree with the same computed on wasm, whose derivatives the table checks against finite
 * differences. f64 data lives on the reference backend whatever the current backend is, so the
 * arguments are f32 here; rows whose function makes f64 values itself are skipped, each with its
 * reason in `SKIP`.
 *
 * Tolerance: |gpu − wasm| ≤ max(2e-5 · max(1, max |wasm|), 1e-4 · |wasm|) per entry (f32, with
 * the kernels' own tolerances of `kernels.test.ts` compounded over a few ops, and sums of up to a
 * few dozen terms accumulated in another order).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as tg from "../../src/index.js";
import { cast } from "../../src/prims/elementwise.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { grad, vjp } from "../../src/transforms/grad.js";
import { jvp } from "../../src/transforms/jvp.js";
import { ROWS, type Row } from "../grad/table-rows.js";
import { expectClose } from "../util/close.js";
import { openWebgpu } from "./adapter.js";

const why = await openWebgpu();

/** Rows that cannot run on the GPU, and why (checked to be rows of the table below). */
const SKIP: Record<string, string> = {
  "cast (f64 → f32 → f64)":
    "its function returns f64 (the cast back), which lives on the reference backend (WGSL has no f64); the GPU's cast kernels are in kernels.test.ts",
  "scan (a tanh RNN)":
    "its initial carry is an f64 constant: on f32 arguments the matmul mixes f64 and f32 (a DTypeError), on f64 it runs on the reference backend; scan on the GPU is checked by the LSTM step of train.test.ts",
};

/** Samples per row (each shape compiles its own kernels on SwiftShader). */
const SAMPLES = 4;

interface Host {
  data: Float32Array;
  shape: number[];
}

function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

interface Results {
  value: number[];
  rev: number[][];
  revJit: number[][];
  fwd: number[];
  /** The vjp of the gradient of <sin(f), f> with respect to the first argument (second order). */
  second: number[][] | null;
  /** vmap(f) over 3 examples (each argument shifted by 0.1·i), flattened. */
  batched: number[];
}

/** Examples batched on a new axis 0: `n` copies of `a`, copy i shifted by 0.1·i. */
function batchOf(a: Host, n: number): Host {
  const data = new Float32Array(n * a.data.length);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < a.data.length; j++) data[i * a.data.length + j] = a.data[j] + 0.1 * i;
  return { data, shape: [n, ...a.shape] };
}

/** f, its vjp (eager and jitted) and its jvp at `args` on the current backend, read back. */
async function derivatives(row: Row, args: Host[]): Promise<Results> {
  const rnd = lcg(11);
  const xs = args.map((a) => tg.fromArray(a.data, a.shape) as unknown as T);
  const [y, back] = vjp(row.f, ...xs);
  const u = tg.fromArray(Float32Array.from({ length: y.size }, rnd), [...y.shape]) as unknown as T;
  const rev = back(u);
  const revJit = tg.jit((...a: T[]) => vjp(row.f, ...a)[1](u))(...xs) as T[];
  const dirs = args.map(
    (a) => tg.fromArray(Float32Array.from({ length: a.data.length }, rnd), a.shape) as unknown as T,
  );
  const [, t] = jvp(row.f, xs, dirs);
  const read = async (v: T) => Array.from(await v.data(), Number);
  let second: T[] | null = null;
  if (!row.firstOrderOnly) {
    // d/dx of the gradient of <sin(f), f>, as the CPU table's second-order check builds it
    const g = (...a: T[]) =>
      grad((x0: T) => {
        const v = row.f(x0, ...a.slice(1));
        return tg.sum(tg.mul(v, tg.sin(v))) as T;
      })(a[0]);
    const [g0, back2] = vjp(g, ...xs);
    second = back2(
      tg.fromArray(Float32Array.from({ length: g0.size }, rnd), [...g0.shape]) as unknown as T,
    );
  }
  const n = 3;
  const batched = tg.vmap(row.f)(
    ...args.map((a) => {
      const b = batchOf(a, n);
      return tg.fromArray(b.data, b.shape) as unknown as T;
    }),
  ) as T;
  return {
    value: await read(y),
    rev: await Promise.all(rev.map(read)),
    revJit: await Promise.all(revJit.map(read)),
    fwd: await read(t),
    second: second === null ? null : await Promise.all(second.map(read)),
    batched: await read(batched),
  };
}

function close(got: number[], want: number[], what: string): void {
  const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
  expectClose(got, want, { atol: 2e-5 * scale, rtol: 1e-4, what });
}

describe.skipIf(why !== null)("the gradient table on webgpu (against wasm, f32)", () => {
  it("every skipped row is a row of the table", () => {
    const names = new Set(ROWS.map((r) => r.name));
    for (const name of Object.keys(SKIP)) if (!names.has(name)) throw new Error(`no row ${name}`);
  });

  for (const row of ROWS) {
    const reason = SKIP[row.name];
    if (reason !== undefined) {
      it.skip(`${row.name}: skipped, ${reason}`, () => {});
      continue;
    }
    it(`${row.name}: value, vjp (eager and jit), jvp, second order and vmap match wasm`, async () => {
      await tg.useBackend("wasm");
      const samples = fc.sample(row.args, { numRuns: SAMPLES, seed: 42 }).map((args) =>
        args.map(
          (a): Host => ({
            data: cast(a, "f32").dataSync() as Float32Array,
            shape: [...a.shape],
          }),
        ),
      );
      for (const [s, args] of samples.entries()) {
        await tg.useBackend("wasm");
        const want = await derivatives(row, args);
        await tg.useBackend("webgpu");
        const before = tg.webgpuInfo().dispatches;
        let got: Results;
        try {
          got = await derivatives(row, args);
          // the work ran on the GPU: kernels were dispatched
          expect(tg.webgpuInfo().dispatches).toBeGreaterThan(before);
        } finally {
          await tg.useBackend("wasm");
        }
        const at = `${row.name}, sample ${s} (shapes ${args.map((a) => `[${a.shape}]`).join(" ")})`;
        close(got.value, want.value, `${at}: f(x)`);
        want.rev.forEach((w, i) => close(got.rev[i], w, `${at}: vjp, argument ${i}`));
        want.revJit.forEach((w, i) => close(got.revJit[i], w, `${at}: jit(vjp), argument ${i}`));
        close(got.fwd, want.fwd, `${at}: jvp`);
        want.second?.forEach((w, i) =>
          close(got.second?.[i] ?? [], w, `${at}: second order, argument ${i}`),
        );
        close(got.batched, want.batched, `${at}: vmap(f) over 3 examples`);
        expect(got.batched.length).toBe(3 * want.value.length);
        expect(got.second === null).toBe(row.firstOrderOnly === true);
      }
    });
  }
});

// the reason, where the report shows it, when there is no adapter
if (why !== null) {
  describe("the gradient table on webgpu (against wasm, f32)", () => {
    it.skip(`skipped: no WebGPU adapter (${why}); set TYPEGRAD_REQUIRE_WEBGPU=1 to fail instead`, () => {});
  });
}
