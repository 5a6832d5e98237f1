/**
 * The harness and the arbitraries of the cross-backend kernel table (`kernels.test.ts`): which
 * backend is under test, how a case runs on both backends and is compared, and generators of
 * sizes, values, broadcasting layouts and convolution geometries.
 */
import fc from "fast-check";
import type { Backend, Buf, Conv2dGeometry } from "../../src/backend/backend.js";
import { referenceBackend } from "../../src/backend/reference.js";
import { wasmBackend } from "../../src/backend/wasm/backend.js";
import type { DType } from "../../src/shape/dtype.js";

// ---------- the backend under test ----------

/**
 * The wasm backend, imported statically: if it moves or fails to load, this file (and the table)
 * fails instead of comparing the reference backend with itself.
 */
export const candidate: Backend = wasmBackend;
if ((candidate as Backend) === referenceBackend || candidate.name === referenceBackend.name)
  throw new Error("kernels.harness: the backend under test is the reference backend");

// ---------- harness ----------

export type Tol = { exact: true } | { exact: false; rel: number; abs: number; sumOf?: number };
export const exact: Tol = { exact: true };
export const close = (rel: number, abs: number): Tol => ({ exact: false, rel, abs });
/** Tolerance for a sum of `k` products in f32, scaled by the magnitude run. */
export const sumTol = (k: number): Tol => ({
  exact: false,
  rel: 2e-6,
  abs: 1e-6,
  sumOf: Math.max(1, k),
});

/** One kernel call: its inputs (data as given to `write`), outputs, and the call itself. */
export interface Case {
  inputs: { dtype: DType; data: readonly number[] }[];
  outputs: { dtype: DType; size: number }[];
  call: (be: Backend, ins: Buf[], outs: Buf[]) => void;
  tol: Tol;
}
/** A row of the table: parameters from `arb`, turned into a call by `setup`. */
export interface Row<P> {
  name: string;
  arb: fc.Arbitrary<P>;
  setup: (p: P) => Case;
  runs?: number;
}
export const row = <P>(r: Row<P>): Row<unknown> => r as Row<unknown>;

/** Outputs start as garbage (the same in both backends) so "overwrites" is checked too. */
export const GARBAGE: Record<DType, number> = { f32: 3.25, f64: 3.25, i32: 77, bool: 1 };

export function execute(be: Backend, c: Case, absInputs = false): number[][] {
  // Allocate everything first: a wasm view or write may not survive a later allocation.
  const ins = c.inputs.map(({ dtype, data }) => be.alloc(dtype, data.length));
  const outs = c.outputs.map(({ dtype, size }) => be.alloc(dtype, size));
  for (const [i, { dtype, data }] of c.inputs.entries()) {
    const float = dtype === "f32" || dtype === "f64";
    be.write(ins[i], absInputs && float ? data.map(Math.abs) : data);
  }
  for (const [i, { dtype }] of c.outputs.entries()) be.fill(outs[i], GARBAGE[dtype]);
  c.call(be, ins, outs);
  const result = outs.map((o) => Array.from(be.read(o)));
  for (const b of [...ins, ...outs]) be.free(b);
  return result;
}

const F32_MAX = 3.4028234663852886e38;

export function same(w: number, r: number): boolean {
  return w === r || (Number.isNaN(w) && Number.isNaN(r));
}

/** Runs one case on both backends and throws a readable message at the first mismatch. */
export function check(c: Case): void {
  const got = execute(candidate, c);
  const want = execute(referenceBackend, c);
  const mag =
    c.tol.exact || c.tol.sumOf === undefined ? undefined : execute(referenceBackend, c, true);
  for (let o = 0; o < want.length; o++) {
    if (got[o].length !== want[o].length)
      throw new Error(`output ${o}: length ${got[o].length} ≠ ${want[o].length}`);
    for (let i = 0; i < want[o].length; i++) {
      const w = got[o][i];
      const r = want[o][i];
      if (same(w, r)) continue;
      // a sum whose partial sums overflow f32 may end at +inf, -inf or NaN depending on the order
      // of accumulation; the float64 reference overflows only when rounding the total
      if (mag && !Number.isFinite(r) && !Number.isFinite(w) && mag[o][i] > F32_MAX) continue;
      let ok = false;
      let bound = 0;
      if (!c.tol.exact && Number.isFinite(w) && Number.isFinite(r)) {
        const scale = mag
          ? Math.max(Math.abs(r), mag[o][i]) * Math.sqrt(c.tol.sumOf ?? 1)
          : Math.abs(r);
        bound = c.tol.abs + c.tol.rel * scale;
        ok = Math.abs(w - r) <= bound;
      }
      if (!ok) {
        throw new Error(
          `output ${o}[${i}]: ${candidate.name} ${w} vs reference ${r}` +
            (c.tol.exact ? " (exact)" : ` (|diff| ${Math.abs(w - r)} > ${bound})`),
        );
      }
    }
  }
}

// ---------- arbitraries ----------

/** Sizes including 0, 1, primes and non-multiples of 4, and a few bigger than a SIMD block. */
export const dim = (max = 20) =>
  fc.oneof(
    fc.constantFrom(...[0, 1, 2, 3, 4, 5, 7, 8, 13, 17].filter((d) => d <= max)),
    fc.integer({ min: 0, max }),
  );
export const len = fc.oneof(dim(20), fc.constantFrom(31, 33, 64, 67, 100));
export const f32 = (x: number) => Math.fround(x);
/** f32 values in [min, max] with the edges 0, ±1, min, max among them. */
export const val = (min: number, max: number) =>
  fc
    .oneof(
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          ...[0, -0, 1, -1, 0.5, min, max].filter((v) => v >= min && v <= max),
        ),
      },
      { weight: 4, arbitrary: fc.double({ min, max, noNaN: true }) },
      { weight: 1, arbitrary: fc.integer({ min: -3, max: 3 }).filter((v) => v >= min && v <= max) },
    )
    .map(f32);
export const vals = (n: number, v: fc.Arbitrary<number>) =>
  fc.array(v, { minLength: n, maxLength: n });
export const INT_MIN = -(2 ** 31);
export const INT_MAX = 2 ** 31 - 1;
export const i32 = fc.oneof(
  fc.constantFrom(0, 1, -1, INT_MIN, INT_MAX, 65536, -65536),
  fc.integer({ min: -100, max: 100 }),
  fc.integer({ min: INT_MIN, max: INT_MAX }),
);
export const bool = fc.constantFrom(0, 1);
export const size = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);
/** A shape of rank 0 to 4 whose total size stays small. */
export const shapeArb = fc
  .integer({ min: 0, max: 4 })
  .chain((r) => fc.array(dim(r <= 2 ? 17 : 6), { minLength: r, maxLength: r }));

/** How an operand of a broadcasting op is stored: which axes broadcast, in which order it is laid out. */
export interface Layout {
  bcast: boolean[];
  perm: number[];
}
export const layoutArb = (rank: number) =>
  fc.record({
    bcast: fc.array(fc.boolean(), { minLength: rank, maxLength: rank }),
    perm: fc.shuffledSubarray([...Array(rank).keys()], { minLength: rank, maxLength: rank }),
  });
/** The stored size and the strides (0 on broadcast axes) of an operand with `layout`. */
export function stridesOf(
  shape: readonly number[],
  l: Layout,
): { size: number; strides: number[] } {
  const dims = shape.map((d, i) => (l.bcast[i] ? 1 : d));
  const strides = new Array<number>(shape.length).fill(0);
  let s = 1;
  for (let t = shape.length - 1; t >= 0; t--) {
    const ax = l.perm[t];
    strides[ax] = l.bcast[ax] ? 0 : s;
    s *= dims[ax];
  }
  return { size: size(dims), strides };
}

/** Parameters of a broadcasting op with `nOps` operands whose values come from `valArbs`. */
export const broadcastArb = (valArbs: fc.Arbitrary<number>[]) =>
  shapeArb.chain((shape) =>
    fc.tuple(...valArbs.map(() => layoutArb(shape.length))).chain((layouts) =>
      fc.record({
        shape: fc.constant(shape),
        layouts: fc.constant(layouts),
        data: fc.tuple(...layouts.map((l, i) => vals(stridesOf(shape, l).size, valArbs[i]))),
      }),
    ),
  );
export type BroadcastP = { shape: number[]; layouts: Layout[]; data: number[][] };

/** Parameters of a 2-D convolution: sizes, strides, paddings (the after-padding sets the out size). */
export const geometryArb = fc
  .record({
    batch: fc.integer({ min: 1, max: 2 }),
    inH: fc.integer({ min: 1, max: 9 }),
    inW: fc.integer({ min: 1, max: 9 }),
    inC: fc.constantFrom(1, 2, 3, 4, 5),
    outC: fc.constantFrom(1, 2, 3, 4, 5, 6, 7),
    kH: fc.integer({ min: 1, max: 4 }),
    kW: fc.integer({ min: 1, max: 4 }),
    strideH: fc.integer({ min: 1, max: 3 }),
    strideW: fc.integer({ min: 1, max: 3 }),
    padTop: fc.integer({ min: 0, max: 2 }),
    padLeft: fc.integer({ min: 0, max: 2 }),
    padBottom: fc.integer({ min: 0, max: 2 }),
    padRight: fc.integer({ min: 0, max: 2 }),
  })
  .map(
    ({ padBottom, padRight, ...g }): Conv2dGeometry => ({
      ...g,
      outH: Math.max(0, Math.floor((g.inH + g.padTop + padBottom - g.kH) / g.strideH) + 1),
      outW: Math.max(0, Math.floor((g.inW + g.padLeft + padRight - g.kW) / g.strideW) + 1),
    }),
  );
export const convSizes = (g: Conv2dGeometry) => ({
  x: g.batch * g.inH * g.inW * g.inC,
  w: g.kH * g.kW * g.inC * g.outC,
  y: g.batch * g.outH * g.outW * g.outC,
});
/** A geometry and the data of two of its operands. */
export const convArb = (first: "x" | "w" | "y", second: "x" | "w" | "y") =>
  geometryArb.chain((g) =>
    fc.record({
      g: fc.constant(g),
      a: vals(convSizes(g)[first], val(-2, 2)),
      b: vals(convSizes(g)[second], val(-2, 2)),
    }),
  );
