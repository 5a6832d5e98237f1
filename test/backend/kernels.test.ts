/**
 * Cross-backend checks: one table, one row per kernel (and dtype/op family). Each row has a
 * fast-check arbitrary of plain parameters (shapes, strides, flags, values), a function that turns
 * them into a kernel call, and a tolerance. The harness runs the call on `wasmBackend` and on
 * `referenceBackend` with identical f32-representable inputs and compares every output element.
 *
 * Tolerances: `exact` for integer, bool, random and IEEE correctly-rounded f32 operations
 * (add, sub, mul, div, sqrt, …: the float64 result rounded once to f32 is the correctly rounded f32
 * result); `close(rel, abs)` for transcendental functions; sums (reduce, matmul, conv, scatterAdd)
 * are compared against `abs + rel·√k·M` where `M` is the same kernel run on `|inputs|` (the scale
 * of the rounding error of a sum of k terms, immune to cancellation).
 *
 * The harness imports the wasm backend statically: no case ever compares the reference backend
 * with itself.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import type {
  ArithOp,
  BinaryOp,
  CompareOp,
  Conv2dGeometry,
  FusedOp,
  ReduceOp,
  UnaryOp,
} from "../../src/backend/backend.js";
import { UNARY_OPS } from "../../src/backend/ops.js";
import { forceParts } from "../../src/backend/wasm/threads.js";
import type { DType } from "../../src/shape/dtype.js";

import {
  type BroadcastP,
  type Case,
  type Row,
  type Tol,
  bool,
  broadcastArb,
  candidate,
  check,
  close,
  convArb,
  convSizes,
  dim,
  exact,
  execute,
  f32,
  geometryArb,
  i32,
  len,
  row,
  shapeArb,
  size,
  stridesOf,
  sumTol,
  val,
  vals,
} from "./kernels.harness.js";

// ---------- the table ----------

/** The smallest normal f32: exp (and logistic) flush smaller results to 0. */
const FLT_MIN = 2 ** -126;

type UnaryRow = [UnaryOp, DType, fc.Arbitrary<number>, Tol];
const unaryRowsListed: UnaryRow[] = [
  ["neg", "f32", val(-1e30, 1e30), exact],
  ["exp", "f32", val(-80, 88), close(1e-5, FLT_MIN)],
  ["log", "f32", val(-1, 1e30), close(1e-5, 1e-6)],
  ["sin", "f32", val(-100, 100), close(1e-5, 2e-6)],
  ["cos", "f32", val(-100, 100), close(1e-5, 2e-6)],
  ["tanh", "f32", val(-20, 20), close(1e-5, 1e-6)],
  ["logistic", "f32", val(-100, 100), close(1e-5, 1e-7)],
  ["sqrt", "f32", val(-1, 1e30), exact],
  ["abs", "f32", val(-1e30, 1e30), exact],
  ["sign", "f32", val(-1e30, 1e30), exact],
  ["floor", "f32", val(-1e7, 1e7), exact],
  ["erf", "f32", val(-7, 7), close(1e-5, 1e-6)],
  ["neg", "i32", i32, exact],
  ["abs", "i32", i32, exact],
  ["sign", "i32", i32, exact],
];
/**
 * Every f32 unary op is checked: one without a listed row over [−100, 100] with the tolerance of
 * the transcendental functions (list it above for another domain or tolerance).
 */
const unaryRows: UnaryRow[] = [
  ...unaryRowsListed,
  ...UNARY_OPS.filter((op) => !unaryRowsListed.some(([o, d]) => o === op && d === "f32")).map(
    (op): UnaryRow => [op, "f32", val(-100, 100), close(1e-5, 1e-6)],
  ),
];

const arithRows: [ArithOp, DType, fc.Arbitrary<number>, fc.Arbitrary<number>, Tol, string?][] = [
  ["add", "f32", val(-1e30, 1e30), val(-1e30, 1e30), exact],
  ["sub", "f32", val(-1e30, 1e30), val(-1e30, 1e30), exact],
  ["mul", "f32", val(-1e20, 1e20), val(-1e20, 1e20), exact],
  ["div", "f32", val(-1e20, 1e20), val(-1e20, 1e20), exact],
  ["max", "f32", val(-1e30, 1e30), val(-1e30, 1e30), exact],
  ["min", "f32", val(-1e30, 1e30), val(-1e30, 1e30), exact],
  ["pow", "f32", val(0, 100), val(-5, 5), close(1e-5, 1e-6)],
  [
    "pow",
    "f32",
    val(-10, 10),
    fc.integer({ min: -5, max: 5 }),
    close(1e-5, 1e-6),
    "integer exponent",
  ],
  ["add", "i32", i32, i32, exact],
  ["sub", "i32", i32, i32, exact],
  ["mul", "i32", i32, i32, exact],
  ["div", "i32", i32, fc.oneof(i32, fc.constantFrom(0, -1)), exact],
  ["max", "i32", i32, i32, exact],
  ["min", "i32", i32, i32, exact],
  ["pow", "i32", fc.integer({ min: -6, max: 6 }), fc.integer({ min: -3, max: 14 }), exact],
];

const COMPARES: CompareOp[] = ["lt", "le", "gt", "ge", "eq", "ne"];
const compareVals: Record<string, fc.Arbitrary<number>> = {
  f32: fc.oneof(
    { weight: 6, arbitrary: val(-3, 3) },
    { weight: 1, arbitrary: fc.constant(Number.NaN) },
  ),
  i32: fc.oneof(i32, fc.integer({ min: -2, max: 2 })),
  bool,
};

const castRows: [DType, DType, fc.Arbitrary<number>][] = [
  ["f32", "i32", val(-2e9, 2e9)],
  ["f32", "bool", val(-3, 3)],
  ["i32", "f32", i32],
  ["i32", "bool", i32],
  ["bool", "f32", bool],
  ["bool", "i32", bool],
  ["f32", "f32", val(-1e30, 1e30)],
];

const reduceRows: [ReduceOp, DType, fc.Arbitrary<number>, (mid: number) => Tol][] = [
  ["sum", "f32", val(-1e3, 1e3), sumTol],
  ["max", "f32", val(-3, 3), () => exact],
  ["min", "f32", val(-3, 3), () => exact],
  ["argmax", "f32", val(-3, 3), () => exact],
  ["argmin", "f32", val(-3, 3), () => exact],
  ["sum", "i32", i32, () => exact],
  ["max", "i32", i32, () => exact],
  ["argmin", "i32", fc.integer({ min: -2, max: 2 }), () => exact],
];

const valuesOf: Record<DType, fc.Arbitrary<number>> = {
  f32: val(-1e6, 1e6),
  f64: val(-1e6, 1e6),
  i32,
  bool,
};

/** A row for `binary(op)` on operands of `dtype` with broadcasting and transposed layouts. */
function binaryRow(
  op: BinaryOp,
  dtype: DType,
  outDtype: DType,
  arbs: [fc.Arbitrary<number>, fc.Arbitrary<number>],
  tol: Tol,
  note: string,
  runs?: number,
): Row<unknown> {
  return row({
    name: `binary ${op} ${dtype}${note}`,
    arb: broadcastArb(arbs),
    runs,
    setup: ({ shape, layouts, data }: BroadcastP) => ({
      inputs: data.map((d) => ({ dtype, data: d })),
      outputs: [{ dtype: outDtype, size: size(shape) }],
      call: (be, [a, b], [out]) => {
        const [as, bs] = layouts.map((l) => stridesOf(shape, l).strides);
        be.binary(op, a, b, out, shape, as, bs);
      },
      tol,
    }),
  });
}

// fused elementwise chains: inputs full size, scalar, or a row repeated along the leading axes
const FUSED_UNARY = ["neg", "exp", "tanh", "logistic", "abs"] as const;
const FUSED_BINARY = ["add", "sub", "mul", "max", "min"] as const;
const fusedArb = fc
  .record({
    rows: fc.oneof(dim(6), fc.constantFrom(17, 33)),
    cols: fc.oneof(dim(20), fc.constantFrom(32, 64, 67, 130, 256, 512)),
    kinds: fc.array(fc.constantFrom("full", "scalar", "row"), { minLength: 1, maxLength: 3 }),
    steps: fc.array(
      fc.record({
        unary: fc.boolean(),
        u: fc.constantFrom(...FUSED_UNARY),
        b: fc.constantFrom(...FUSED_BINARY),
        a0: fc.nat(),
        a1: fc.nat(),
      }),
      { minLength: 1, maxLength: 6 },
    ),
  })
  .chain((p) =>
    fc
      .tuple(
        ...p.kinds.map((k) =>
          vals(k === "full" ? p.rows * p.cols : k === "scalar" ? 1 : p.cols, val(-2, 2)),
        ),
      )
      .map((data) => ({ ...p, data })),
  );
const fusedRow = row({
  name: "fused chain f32",
  arb: fusedArb,
  setup: ({ rows, cols, kinds, steps, data }) => {
    const nIn = kinds.length;
    // every op reads the previous value (a chain), plus any earlier value
    const ops: FusedOp[] = steps.map((st, j) => {
      const prev = j === 0 ? st.a0 % nIn : nIn + j - 1;
      const other = st.a1 % (nIn + j);
      return st.unary ? { op: st.u, args: [prev] } : { op: st.b, args: [prev, other] };
    });
    return {
      inputs: f32In(...data.map((d) => [...d])),
      outputs: [{ dtype: "f32", size: rows * cols }],
      call: (be, ins, outs) => be.fused(ops, ins, outs, [ins.length + ops.length - 1]),
      tol: close(1e-4, 1e-5),
    };
  },
});

// fused chains with several outputs (an op value read outside the chain is one more output),
// whole or split into parts for the thread pool: every output advances with its part
const fusedMultiRow = row({
  name: "fused chain f32 with several outputs",
  arb: fc.tuple(
    fusedArb,
    fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
    fc.boolean(),
    fc.constantFrom(1, 2, 3, 5),
  ),
  setup: ([{ rows, cols, kinds, steps, data }, keep, reverse, parts]) => {
    const nIn = kinds.length;
    const ops: FusedOp[] = steps.map((st, j) => {
      const prev = j === 0 ? st.a0 % nIn : nIn + j - 1;
      const other = st.a1 % (nIn + j);
      return st.unary ? { op: st.u, args: [prev] } : { op: st.b, args: [prev, other] };
    });
    // the chosen op values in any order, and the last op's value
    const results = ops.map((_, j) => nIn + j).filter((_, j) => j === ops.length - 1 || keep[j]);
    if (reverse) results.reverse();
    return {
      inputs: f32In(...data.map((d) => [...d])),
      outputs: results.map(() => ({ dtype: "f32" as DType, size: rows * cols })),
      call: (be, ins, outs) => {
        forceParts(parts);
        try {
          be.fused(ops, ins, outs, results);
        } finally {
          forceParts(null);
        }
      },
      tol: close(1e-4, 1e-5),
    };
  },
});

// fused chains with masks: a comparison of two f32 values picks between them with `where`, a
// bool input (full size or a row) is cast to f32 or used as a condition
const fusedMaskArb = fc
  .record({
    rows: fc.oneof(dim(6), fc.constantFrom(17, 33)),
    cols: fc.oneof(dim(20), fc.constantFrom(32, 64, 67, 130, 256, 512)),
    yKind: fc.constantFrom("full", "scalar", "row"),
    mRow: fc.boolean(),
    cmp: fc.constantFrom(...COMPARES),
    tail: fc.constantFrom("where-bool", "cast-mul", "none"),
  })
  .chain((p) =>
    fc
      .tuple(
        vals(p.rows * p.cols, val(-2, 2)),
        vals(p.yKind === "full" ? p.rows * p.cols : p.yKind === "scalar" ? 1 : p.cols, val(-2, 2)),
        vals(p.mRow ? p.cols : p.rows * p.cols, bool),
      )
      .map((data) => ({ ...p, data })),
  );
const fusedMaskRow = row({
  name: "fused chain with compare, where and cast",
  arb: fusedMaskArb,
  setup: ({ rows, cols, cmp, tail, data: [x, y, m] }) => {
    // values: 0 x, 1 y, 2 m (bool); 3 cmp(x, y); 4 where(3, x, y); then the tail
    const ops: FusedOp[] = [
      { op: cmp, args: [0, 1] },
      { op: "where", args: [3, 0, 1] },
    ];
    if (tail === "where-bool") ops.push({ op: "neg", args: [4] }, { op: "where", args: [2, 5, 4] });
    if (tail === "cast-mul") ops.push({ op: "cast", args: [2] }, { op: "mul", args: [4, 5] });
    return {
      inputs: [...f32In([...x], [...y]), { dtype: "bool" as DType, data: [...m] }],
      outputs: [{ dtype: "f32", size: rows * cols }],
      call: (be, ins, outs) => be.fused(ops, ins, outs, [ins.length + ops.length - 1]),
      tol: exact,
    };
  },
});

const table: Row<unknown>[] = [
  fusedRow,
  fusedMultiRow,
  fusedMaskRow,
  ...unaryRows.map(([op, dtype, v, tol]) =>
    row({
      name: `unary ${op} ${dtype}`,
      arb: len.chain((n) => vals(n, v)),
      setup: (data) => ({
        inputs: [{ dtype, data }],
        outputs: [{ dtype, size: data.length }],
        call: (be, [x], [out]) => be.unary(op, x, out),
        tol,
      }),
    }),
  ),
  ...arithRows.map(([op, dtype, va, vb, tol, note]) =>
    binaryRow(op, dtype, dtype, [va, vb], tol, note ? ` (${note})` : ""),
  ),
  ...(["f32", "i32", "bool"] as const).flatMap((dtype) =>
    COMPARES.map((op) =>
      binaryRow(op, dtype, "bool", [compareVals[dtype], compareVals[dtype]], exact, "", 25),
    ),
  ),
  ...(["f32", "i32"] as const).map((dtype) =>
    row({
      name: `where ${dtype}`,
      arb: broadcastArb([bool, valuesOf[dtype], valuesOf[dtype]]),
      setup: ({ shape, layouts, data }: BroadcastP) => ({
        inputs: data.map((d, i) => ({ dtype: i === 0 ? "bool" : dtype, data: d })),
        outputs: [{ dtype, size: size(shape) }],
        call: (be, [c, a, b], [out]) => {
          const [cs, as, bs] = layouts.map((l) => stridesOf(shape, l).strides);
          be.where(c, a, b, out, shape, cs, as, bs);
        },
        tol: exact,
      }),
    }),
  ),
  ...castRows.map(([from, to, v]) =>
    row({
      name: `cast ${from} → ${to}`,
      arb: len.chain((n) => vals(n, v)),
      setup: (data) => ({
        inputs: [{ dtype: from, data }],
        outputs: [{ dtype: to, size: data.length }],
        call: (be, [x], [out]) => be.cast(x, out),
        tol: exact,
      }),
    }),
  ),
  ...reduceRows.map(([op, dtype, v, tol]) =>
    row({
      name: `reduce ${op} ${dtype}`,
      arb: fc
        .record({
          outer: dim(7),
          mid: op === "sum" ? dim(40) : dim(40).map((d) => Math.max(1, d)),
          inner: dim(7),
        })
        .chain((s) => fc.record({ s: fc.constant(s), data: vals(s.outer * s.mid * s.inner, v) })),
      setup: ({ s: { outer, mid, inner }, data }) => ({
        inputs: [{ dtype, data }],
        outputs: [{ dtype: op.startsWith("arg") ? "i32" : dtype, size: outer * inner }],
        call: (be, [x], [out]) => be.reduce(op, x, out, outer, mid, inner),
        tol: tol(mid),
      }),
    }),
  ),
];

/** A strided source (permuted, stepped, broadcast, offset) and a permuted destination for `copy`. */
interface CopyP {
  dtype: DType;
  shape: number[];
  src: { perm: number[]; bcast: boolean[]; step: number[]; offset: number };
  dst: { perm: number[]; offset: number };
}
/** Row-major strides of `dims` laid out in the axis order `perm`. */
function permutedStrides(dims: readonly number[], perm: readonly number[]): number[] {
  const strides = new Array<number>(dims.length).fill(0);
  let s = 1;
  for (let t = dims.length - 1; t >= 0; t--) {
    strides[perm[t]] = s;
    s *= dims[perm[t]];
  }
  return strides;
}
function copyLayout(p: CopyP) {
  const big = p.shape.map((d, i) => (p.src.bcast[i] ? 1 : d * p.src.step[i]));
  const base = permutedStrides(big, p.src.perm);
  return {
    xStrides: base.map((s, i) => (p.src.bcast[i] ? 0 : s * p.src.step[i])),
    xSize: p.src.offset + size(big),
    outStrides: permutedStrides(p.shape, p.dst.perm),
    outSize: p.dst.offset + size(p.shape) + 2,
  };
}
const copyArb = fc.constantFrom<DType>("f32", "i32", "bool").chain((dtype) =>
  shapeArb.chain((shape) => {
    const r = shape.length;
    const perm = fc.shuffledSubarray([...Array(r).keys()], { minLength: r, maxLength: r });
    return fc
      .record({
        dtype: fc.constant(dtype),
        shape: fc.constant(shape),
        src: fc.record({
          perm,
          bcast: fc.array(fc.boolean(), { minLength: r, maxLength: r }),
          step: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: r, maxLength: r }),
          offset: fc.integer({ min: 0, max: 5 }),
        }),
        dst: fc.record({ perm, offset: fc.integer({ min: 0, max: 5 }) }),
      })
      .chain((p) =>
        fc.record({ p: fc.constant(p), data: vals(copyLayout(p).xSize, valuesOf[dtype]) }),
      );
  }),
);

const matmulArb = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    m: dim(17),
    k: fc.oneof(dim(17), fc.constantFrom(31, 64, 67)),
    n: dim(17),
    transA: fc.boolean(),
    transB: fc.boolean(),
    shareA: fc.boolean(),
    shareB: fc.boolean(),
  })
  .chain((s) =>
    fc.record({
      s: fc.constant(s),
      a: vals((s.shareA ? 1 : s.batch) * s.m * s.k, val(-2, 2)),
      b: vals((s.shareB ? 1 : s.batch) * s.k * s.n, val(-2, 2)),
    }),
  );

/**
 * Products with few rows (the wasm backend reads B in place for m ≤ 16): m around that threshold,
 * n over several column tiles with tails (n mod 4, 8, 12, 32), k = 0, 1, odd, across the k
 * unroll of 8; and a long k with both operands transposed (A copied a chunk of 2048 at a time).
 */
const smallMatmulArb = fc
  .oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        batch: fc.integer({ min: 1, max: 3 }),
        m: fc.oneof(
          { weight: 2, arbitrary: fc.constant(1) },
          { weight: 3, arbitrary: fc.integer({ min: 2, max: 9 }) },
          { weight: 1, arbitrary: fc.constantFrom(12, 15, 16, 17) },
        ),
        k: fc.oneof(fc.constantFrom(0, 1, 3, 7, 8, 9, 17), fc.integer({ min: 0, max: 300 })),
        n: fc.oneof(
          fc.constantFrom(1, 3, 4, 5, 8, 11, 12, 13, 31, 32, 33, 45),
          fc.integer({ min: 1, max: 80 }),
        ),
        transA: fc.boolean(),
        transB: fc.boolean(),
        shareA: fc.boolean(),
        shareB: fc.boolean(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        batch: fc.constant(1),
        m: fc.integer({ min: 1, max: 5 }),
        k: fc.integer({ min: 2040, max: 2600 }),
        n: fc.integer({ min: 1, max: 5 }),
        transA: fc.constant(true),
        transB: fc.constant(true),
        shareA: fc.constant(false),
        shareB: fc.constant(false),
      }),
    },
  )
  .chain((s) =>
    fc.record({
      s: fc.constant(s),
      a: vals((s.shareA ? 1 : s.batch) * s.m * s.k, val(-2, 2)),
      b: vals((s.shareB ? 1 : s.batch) * s.k * s.n, val(-2, 2)),
    }),
  );

const gatherArb = (v: fc.Arbitrary<number>) =>
  fc
    .record({ outer: dim(5), axisLen: fc.integer({ min: 1, max: 9 }), inner: dim(7) })
    .chain((s) =>
      fc.record({
        s: fc.constant(s),
        idx: fc.array(fc.integer({ min: 0, max: s.axisLen - 1 }), { maxLength: 11 }),
      }),
    )
    .chain(({ s, idx }) =>
      fc.record({
        s: fc.constant(s),
        idx: fc.constant(idx),
        // gather reads x [outer, axisLen, inner]; scatterAdd reads upd [outer, nIdx, inner]
        x: vals(s.outer * s.axisLen * s.inner, v),
        upd: vals(s.outer * idx.length * s.inner, v),
      }),
    );

/** The three convolution kernels: their operands, output, and the number of terms per output sum. */
const convRows: [
  "conv2d" | "conv2dBackpropInput" | "conv2dBackpropFilter",
  "x" | "w" | "y",
  "x" | "w" | "y",
  "x" | "w" | "y",
  (g: Conv2dGeometry) => number,
][] = [
  ["conv2d", "x", "w", "y", (g) => g.kH * g.kW * g.inC],
  ["conv2dBackpropInput", "y", "w", "x", (g) => g.kH * g.kW * g.outC],
  ["conv2dBackpropFilter", "x", "y", "w", (g) => g.batch * g.outH * g.outW],
];
const f32In = (...datas: number[][]) => datas.map((data) => ({ dtype: "f32" as DType, data }));

const randomArb = fc
  .record({
    nKeys: fc.integer({ min: 0, max: 4 }),
    perKey: fc.oneof(dim(40), fc.constantFrom(67, 100)),
  })
  .chain((s) => fc.record({ s: fc.constant(s), keys: vals(2 * s.nKeys, i32) }));

table.push(
  row({
    name: "copy (transpose, step, broadcast, offsets)",
    arb: copyArb,
    runs: 60,
    setup: ({ p, data }: { p: CopyP; data: number[] }) => {
      const l = copyLayout(p);
      return {
        inputs: [{ dtype: p.dtype, data }],
        outputs: [{ dtype: p.dtype, size: l.outSize }],
        call: (be, [x], [out]) =>
          be.copy(x, p.src.offset, l.xStrides, out, p.dst.offset, l.outStrides, p.shape),
        tol: exact,
      };
    },
  }),
  row({
    name: "matmul f32 (trans flags, shared batch)",
    arb: matmulArb,
    runs: 60,
    setup: ({ s, a, b }) => ({
      inputs: f32In(a, b),
      outputs: [{ dtype: "f32", size: s.batch * s.m * s.n }],
      call: (be, [A, B], [out]) =>
        be.matmul(
          A,
          B,
          out,
          s.batch,
          s.m,
          s.k,
          s.n,
          s.transA,
          s.transB,
          s.shareA ? 0 : s.m * s.k,
          s.shareB ? 0 : s.k * s.n,
        ),
      tol: sumTol(s.k),
    }),
  }),
  row({
    name: "matmul f32 small m (B read in place)",
    arb: smallMatmulArb,
    runs: 80,
    setup: ({ s, a, b }) => ({
      inputs: f32In(a, b),
      outputs: [{ dtype: "f32", size: s.batch * s.m * s.n }],
      call: (be, [A, B], [out]) =>
        be.matmul(
          A,
          B,
          out,
          s.batch,
          s.m,
          s.k,
          s.n,
          s.transA,
          s.transB,
          s.shareA ? 0 : s.m * s.k,
          s.shareB ? 0 : s.k * s.n,
        ),
      tol: sumTol(s.k),
    }),
  }),
  ...convRows.map(([name, first, second, outOf, termsOf]) =>
    row({
      name: `${name} f32`,
      arb: convArb(first, second),
      runs: 50,
      setup: ({ g, a, b }) => ({
        inputs: f32In(a, b),
        outputs: [{ dtype: "f32", size: convSizes(g)[outOf] }],
        call: (be, [A, B], [out]) => be[name](A, B, out, g),
        tol: sumTol(termsOf(g)),
      }),
    }),
  ),
  ...(["f32", "i32"] as const).map((dtype) =>
    row({
      name: `gather ${dtype}`,
      arb: gatherArb(valuesOf[dtype]),
      setup: ({ s, idx, x }) => ({
        inputs: [
          { dtype, data: x },
          { dtype: "i32", data: idx },
        ],
        outputs: [{ dtype, size: s.outer * idx.length * s.inner }],
        call: (be, [X, I], [out]) => be.gather(X, I, out, s.outer, s.axisLen, s.inner, idx.length),
        tol: exact,
      }),
    }),
  ),
  row({
    name: "scatterAdd f32",
    arb: gatherArb(val(-1e3, 1e3)),
    setup: ({ s, idx, upd }) => ({
      inputs: [
        { dtype: "f32", data: upd },
        { dtype: "i32", data: idx },
      ],
      outputs: [{ dtype: "f32", size: s.outer * s.axisLen * s.inner }],
      call: (be, [U, I], [out]) =>
        be.scatterAdd(U, I, out, s.outer, s.axisLen, s.inner, idx.length),
      tol: sumTol(idx.length),
    }),
  }),
  ...(
    [
      ["bits", "i32"],
      ["uniform", "f32"],
    ] as const
  ).map(([kind, dtype]) =>
    row({
      name: `random ${kind} ${dtype}`,
      arb: randomArb,
      setup: ({ s, keys }) => ({
        inputs: [{ dtype: "i32", data: keys }],
        outputs: [{ dtype, size: s.nKeys * s.perKey }],
        call: (be, [K], [out]) => be.random(kind, K, out, s.nKeys, s.perKey),
        tol: exact,
      }),
    }),
  ),
);

// ---------- special values and big sizes ----------

/** IEEE special and extreme f32 values: NaN, ±∞, ±0, ±max, denormals, overflow edges. */
const special = fc.constantFrom(
  ...[Number.NaN, Infinity, -Infinity, 0, -0, 3.4e38, -3.4e38, 1e-45, -1e-45, 1e-40, 1, -1, 2],
  ...[89, -89, -104, 1e4, -1e4, 16777217, -0.5, 0.5],
);
const withSpecial = (v: fc.Arbitrary<number>) => fc.oneof(special.map(f32), v);
/**
 * The special values without the largest finite ones, for sums: whether `max + max - max`
 * overflows to ∞ depends on the order of the additions, which the SIMD kernel (lane by lane) and
 * the reference (one after the other, in float64) do not share.
 */
const withSpecialNoOverflow = (v: fc.Arbitrary<number>) =>
  fc.oneof(special.filter((x) => !(Math.abs(x) > 1e38 && Number.isFinite(x))).map(f32), v);

table.push(
  ...unaryRows
    .filter(([, dtype]) => dtype === "f32")
    .map(([op, dtype, v, tol]) =>
      row({
        name: `unary ${op} f32 special values`,
        arb: len.chain((n) => vals(n, withSpecial(v))),
        runs: 20,
        setup: (data) => ({
          inputs: [{ dtype, data }],
          outputs: [{ dtype, size: data.length }],
          call: (be, [x], [out]) => be.unary(op, x, out),
          tol,
        }),
      }),
    ),
  ...arithRows
    .filter(([, dtype, , , , note]) => dtype === "f32" && !note)
    .map(([op, dtype, va, vb, tol]) =>
      binaryRow(op, dtype, dtype, [withSpecial(va), withSpecial(vb)], tol, " special values", 20),
    ),
  ...(["sum", "max", "min", "argmax", "argmin"] as const).map((op) =>
    row({
      name: `reduce ${op} f32 special values (NaN propagates; arg* gives the first NaN)`,
      arb: fc
        .record({ outer: dim(4), mid: fc.integer({ min: 1, max: 9 }), inner: dim(4) })
        .chain((s) =>
          fc.record({
            s: fc.constant(s),
            data: vals(
              s.outer * s.mid * s.inner,
              (op === "sum" ? withSpecialNoOverflow : withSpecial)(val(-3, 3)),
            ),
          }),
        ),
      runs: 30,
      setup: ({ s: { outer, mid, inner }, data }) => ({
        inputs: [{ dtype: "f32", data }],
        outputs: [{ dtype: op.startsWith("arg") ? "i32" : "f32", size: outer * inner }],
        call: (be, [x], [out]) => be.reduce(op, x, out, outer, mid, inner),
        tol: op === "sum" ? sumTol(mid) : exact,
      }),
    }),
  ),
  row({
    name: "cast f32 → bool special values (NaN and ±∞ are true, ±0 false)",
    arb: len.chain((n) => vals(n, withSpecial(val(-1, 1)))),
    runs: 20,
    setup: (data) => ({
      inputs: [{ dtype: "f32", data }],
      outputs: [{ dtype: "bool", size: data.length }],
      call: (be, [x], [out]) => be.cast(x, out),
      tol: exact,
    }),
  }),
  row({
    name: "cast f32 → i32 out of range and special (saturates, NaN → 0)",
    arb: len.chain((n) => vals(n, withSpecial(val(-1e12, 1e12)))),
    runs: 20,
    setup: (data) => ({
      inputs: [{ dtype: "f32", data }],
      outputs: [{ dtype: "i32", size: data.length }],
      call: (be, [x], [out]) => be.cast(x, out),
      tol: exact,
    }),
  }),
  row({
    name: "reduce sum f32 long axis",
    arb: fc
      .record({
        outer: dim(3),
        mid: fc.integer({ min: 100, max: 3000 }),
        inner: fc.constantFrom(1, 3, 4),
      })
      .chain((s) =>
        fc.record({ s: fc.constant(s), data: vals(s.outer * s.mid * s.inner, val(-10, 10)) }),
      ),
    runs: 8,
    setup: ({ s: { outer, mid, inner }, data }) => ({
      inputs: [{ dtype: "f32", data }],
      outputs: [{ dtype: "f32", size: outer * inner }],
      call: (be, [x], [out]) => be.reduce("sum", x, out, outer, mid, inner),
      tol: sumTol(mid),
    }),
  }),
  row({
    name: "matmul f32 big (several cache blocks)",
    arb: fc
      .record({
        batch: fc.integer({ min: 1, max: 2 }),
        m: fc.integer({ min: 1, max: 150 }),
        k: fc.integer({ min: 1, max: 300 }),
        n: fc.integer({ min: 1, max: 150 }),
        transA: fc.boolean(),
        transB: fc.boolean(),
        shareA: fc.boolean(),
        shareB: fc.boolean(),
      })
      .chain((s) =>
        fc.record({
          s: fc.constant(s),
          a: vals((s.shareA ? 1 : s.batch) * s.m * s.k, val(-2, 2)),
          b: vals((s.shareB ? 1 : s.batch) * s.k * s.n, val(-2, 2)),
        }),
      ),
    runs: 6,
    setup: ({ s, a, b }) => ({
      inputs: f32In(a, b),
      outputs: [{ dtype: "f32", size: s.batch * s.m * s.n }],
      call: (be, [A, B], [out]) =>
        be.matmul(
          A,
          B,
          out,
          s.batch,
          s.m,
          s.k,
          s.n,
          s.transA,
          s.transB,
          s.shareA ? 0 : s.m * s.k,
          s.shareB ? 0 : s.k * s.n,
        ),
      tol: sumTol(s.k),
    }),
  }),
  row({
    // more than 2^20 im2col floats: the wasm kernel runs in row chunks, each accumulating into dw
    // with a matmul of kH·kW·inC ≤ 16 rows (the small-m path with acc)
    name: "conv2dBackpropFilter f32 chunked, few taps (accumulating small-m matmul)",
    arb: fc.constant([3, 3, 1, 5]),
    runs: 1,
    setup: ([kH, kW, inC, outC]) => {
      const [inH, inW] = [244, 244];
      const g: Conv2dGeometry = {
        batch: 2,
        inH,
        inW,
        inC,
        outH: inH - kH + 1,
        outW: inW - kW + 1,
        outC,
        kH,
        kW,
        strideH: 1,
        strideW: 1,
        padTop: 0,
        padLeft: 0,
      };
      const n = convSizes(g);
      // positive data: no cancellation, so a lost chunk is far outside the tolerance of 117k terms
      const wave = (len: number, f: number) =>
        Array.from({ length: len }, (_, i) => Math.fround(1 + 0.5 * Math.sin(i * f)));
      return {
        inputs: f32In(wave(n.x, 0.37), wave(n.y, 0.11)),
        outputs: [{ dtype: "f32", size: n.w }],
        call: (be, [x, dy], [dw]) => be.conv2dBackpropFilter(x, dy, dw, g),
        tol: sumTol(g.batch * g.outH * g.outW),
      };
    },
  }),
  ...convRows.map(([name, first, second, outOf, termsOf]) =>
    row({
      name: `${name} f32 many channels`,
      arb: geometryArb
        .chain((g0) =>
          fc
            .record({ inC: fc.integer({ min: 6, max: 40 }), outC: fc.integer({ min: 6, max: 70 }) })
            .map((c) => ({ ...g0, ...c })),
        )
        .chain((g) =>
          fc.record({
            g: fc.constant(g),
            a: vals(convSizes(g)[first], val(-2, 2)),
            b: vals(convSizes(g)[second], val(-2, 2)),
          }),
        ),
      runs: 5,
      setup: ({ g, a, b }) => ({
        inputs: f32In(a, b),
        outputs: [{ dtype: "f32", size: convSizes(g)[outOf] }],
        call: (be, [A, B], [out]) => be[name](A, B, out, g),
        tol: sumTol(termsOf(g)),
      }),
    }),
  ),
);

// ---------- the run ----------

/** `TYPEGRAD_KERNEL_RUNS=20` multiplies the number of runs of every row (a deeper search). */
const RUNS_SCALE = Number(process.env.TYPEGRAD_KERNEL_RUNS ?? 1);

describe(`kernels: ${candidate.name} vs reference`, () => {
  it("the backend under test is the wasm backend", () => {
    if (candidate.name !== "wasm") throw new Error(`backend under test: ${candidate.name}`);
  });
  for (const r of table) {
    it(r.name, () => {
      fc.assert(
        fc.property(r.arb, (p) => check(r.setup(p))),
        { numRuns: Math.ceil((r.runs ?? 40) * RUNS_SCALE) },
      );
    });
  }
  it("random known answer: key (0, 0), counter 0", () => {
    const c: Case = {
      inputs: [{ dtype: "i32", data: [0, 0] }],
      outputs: [{ dtype: "i32", size: 1 }],
      call: (be, [K], [out]) => be.random("bits", K, out, 1, 1),
      tol: exact,
    };
    const [[h]] = execute(candidate, c);
    if (h !== (0x6b200159 | 0)) throw new Error(`bits ${h >>> 0} ≠ 0x6b200159`);
  });
});
