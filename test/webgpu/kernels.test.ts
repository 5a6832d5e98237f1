/**
 * The webgpu kernels against the reference backend (float64, the definition of each kernel) on
 * random shapes and values: one table, one row per kernel family, each with its tolerance.
 *
 * Tolerances (|got − want| ≤ abs + rel·|want|, or rel·Σ|terms| for sums); everywhere a wanted
 * f32 subnormal may come back as 0 (GPUs flush subnormals):
 * - exact: copy, fill, cast, comparisons, where, i32 arithmetic, gather, max/min/argmax/argmin,
 *   random bits;
 * - add/sub/mul/div/neg/abs/sign/floor/sqrt: 1 ulp-ish (rel 3e-7) as WGSL rounds them;
 * - exp/log/tanh/logistic and any unary op not listed: rel 1e-5, abs 1e-6 (WGSL allows a few
 *   ulp; SwiftShader is within);
 * - pow: 1 ulp (rel 2⁻²³; our own double-f32 squaring for integer exponents and log2/exp2 for the
 *   others, see `pow.test.ts`);
 * - sin/cos: abs 1e-6 on [−4, 4] (our own range reduction and polynomials: the builtins of
 *   SwiftShader were off by 1e-5, and WGSL allows 2⁻¹¹); erf: abs 5e-7 (a rational approximation, error 1.5e-7);
 * - fused chains: rel 1e-5, abs 1e-6 per chain (each op may add its own error);
 * - sums (reduce, matmul, conv2d and its gradients, scatterAdd): rel 2e-6 of Σ|terms|, abs 1e-6 (f32 accumulation).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Backend, Buf, FusedOp } from "../../src/backend/backend.js";
import {
  ARITH_OPS,
  COMPARE_OPS,
  FUSED_ARITH,
  FUSED_UNARY,
  type FusedOpName,
  REDUCE_OPS,
  UNARY_OPS,
} from "../../src/backend/ops.js";
import { referenceBackend } from "../../src/backend/reference.js";
import { forgetHot } from "../../src/backend/webgpu/hot.js";
import { webgpuBackend } from "../../src/backend/webgpu/backend.js";
import * as tg from "../../src/index.js";
import type { DType } from "../../src/shape/dtype.js";
import { openWebgpu } from "./adapter.js";

const why = await openWebgpu();

type Tol = { exact: true } | { exact: false; rel: number; abs: number; sums?: boolean };
const exact: Tol = { exact: true };
const close = (rel: number, abs: number, sums = false): Tol => ({ exact: false, rel, abs, sums });

interface Case {
  inputs: { dtype: DType; data: readonly number[] }[];
  outputs: { dtype: DType; size: number }[];
  call: (be: Backend, ins: Buf[], outs: Buf[]) => void;
  tol: Tol;
}

/** The smallest normal f32. */
const FLT_MIN = 2 ** -126;

/** Outputs start as garbage, so a kernel that leaves an element unwritten fails. */
const GARBAGE: Record<DType, number> = { f32: 3.25, f64: 3.25, i32: 77, bool: 1 };

async function execute(be: Backend, c: Case, abs = false): Promise<number[][]> {
  const ins = c.inputs.map(({ dtype, data }) => {
    const b = be.alloc(dtype, data.length);
    be.write(b, abs && dtype === "f32" ? data.map(Math.abs) : data);
    return b;
  });
  const outs = c.outputs.map(({ dtype, size }) => {
    const b = be.alloc(dtype, size);
    be.fill(b, GARBAGE[dtype]);
    return b;
  });
  c.call(be, ins, outs);
  const res: number[][] = [];
  for (const o of outs) res.push(Array.from(be.readAsync ? await be.readAsync(o) : be.read(o)));
  for (const b of [...ins, ...outs]) be.free(b);
  return res;
}

async function check(c: Case): Promise<void> {
  const got = await execute(webgpuBackend, c);
  const want = await execute(referenceBackend, c);
  // Σ|terms| for sums: the same kernel on absolute values
  const mag = !c.tol.exact && c.tol.sums ? await execute(referenceBackend, c, true) : want;
  for (let k = 0; k < want.length; k++) {
    expect(got[k].length).toBe(want[k].length);
    for (let i = 0; i < want[k].length; i++) {
      const [g, w] = [got[k][i], want[k][i]];
      if (g === w || (Number.isNaN(g) && Number.isNaN(w))) continue;
      // GPUs flush f32 subnormals (below 2⁻¹²⁶) to zero, inputs and results alike
      const flushed = Math.abs(w) < FLT_MIN && g === 0;
      const ok =
        flushed || (!c.tol.exact && Math.abs(g - w) <= c.tol.abs + c.tol.rel * Math.abs(mag[k][i]));
      if (!ok) {
        throw new Error(`output ${k}, element ${i}: webgpu ${g}, reference ${w}`);
      }
    }
  }
}

// ---------- arbitraries ----------

/** f32 values in [lo, hi]; no subnormals (GPUs read them as 0: a documented difference). */
const f32 = (lo: number, hi: number) =>
  fc
    .float({ min: Math.fround(lo), max: Math.fround(hi), noNaN: true, noDefaultInfinity: true })
    .map((v) => (Math.abs(v) < FLT_MIN ? 0 : v));
const vals = (n: number, lo = -4, hi = 4) => fc.array(f32(lo, hi), { minLength: n, maxLength: n });
const ints = (n: number, lo = -50, hi = 50) =>
  fc.array(fc.integer({ min: lo, max: hi }), { minLength: n, maxLength: n });
const shapeArb = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 3 });
const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** A broadcast operand of `shape`: each axis kept or of size 1 (stride 0). */
function layout(shape: number[], keep: boolean[]): { size: number; strides: number[] } {
  const dims = shape.map((n, d) => (keep[d] ? n : 1));
  const strides = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = keep[d] ? acc : 0;
    acc *= dims[d];
  }
  return { size: prod(dims), strides };
}

/** A shape and a broadcast layout of each of `n` operands. */
const broadcast = (n: number) =>
  shapeArb.chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.array(fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }), {
        minLength: n,
        maxLength: n,
      }),
    ),
  );

function dataFor(d: DType, n: number, lo = -4, hi = 4): fc.Arbitrary<number[]> {
  if (d === "f32") return vals(n, lo, hi);
  if (d === "i32") return ints(n);
  return ints(n, 0, 1);
}

// ---------- the table ----------

interface Row {
  name: string;
  cases: fc.Arbitrary<Case>;
  runs?: number;
}
const rows: Row[] = [];

/** Unary tolerances; an op not listed gets the transcendental one, rel 1e-5, abs 1e-6. */
const UNARY_TOL: Record<string, Tol> = {
  neg: close(3e-7, 0),
  abs: close(3e-7, 0),
  sign: close(3e-7, 0),
  floor: close(3e-7, 0),
  sqrt: close(3e-7, 0),
  sin: close(0, 1e-6),
  cos: close(0, 1e-6),
  erf: close(0, 5e-7),
};
for (const op of UNARY_OPS) {
  const positive = op === "log" || op === "sqrt";
  rows.push({
    name: `unary ${op} f32`,
    cases: fc.integer({ min: 0, max: 300 }).chain((n) =>
      vals(n, positive ? 1e-3 : -4, 4).map((x) => ({
        inputs: [{ dtype: "f32", data: x }],
        outputs: [{ dtype: "f32", size: n }],
        call: (be, [a], [o]) => be.unary(op, a, o),
        tol: UNARY_TOL[op] ?? close(1e-5, 1e-6),
      })),
    ),
  });
}
for (const op of ["neg", "abs", "sign"] as const) {
  rows.push({
    name: `unary ${op} i32`,
    cases: fc.integer({ min: 0, max: 100 }).chain((n) =>
      ints(n).map((x) => ({
        inputs: [{ dtype: "i32", data: x }],
        outputs: [{ dtype: "i32", size: n }],
        call: (be, [a], [o]) => be.unary(op, a, o),
        tol: exact,
      })),
    ),
  });
}

function binaryRow(op: string, d: DType, out: DType, tol: Tol, lo = -4, hi = 4): Row {
  return {
    name: `binary ${op} ${d} (broadcast)`,
    cases: broadcast(2).chain(([shape, [ka, kb]]) => {
      const [a, b] = [layout(shape, ka), layout(shape, kb)];
      return fc.tuple(dataFor(d, a.size, lo, hi), dataFor(d, b.size, lo, hi)).map(([x, y]) => ({
        inputs: [
          { dtype: d, data: x },
          { dtype: d, data: op === "div" && d === "f32" ? y.map((v) => v + 5) : y },
        ],
        outputs: [{ dtype: out, size: prod(shape) }],
        call: (be, [p, q], [o]) => be.binary(op as never, p, q, o, shape, a.strides, b.strides),
        tol,
      }));
    }),
  };
}
for (const op of ARITH_OPS) {
  const tol = op === "pow" ? close(2 ** -23, 0) : close(3e-7, 0);
  rows.push(
    op === "pow" ? binaryRow(op, "f32", "f32", tol, 0.1, 3) : binaryRow(op, "f32", "f32", tol),
  );
  if (op !== "pow") rows.push(binaryRow(op, "i32", "i32", exact));
}
rows.push({
  name: "binary pow i32 (small exponents)",
  cases: fc.integer({ min: 1, max: 40 }).chain((n) =>
    fc.tuple(ints(n, -6, 6), ints(n, -2, 9)).map(([x, y]) => ({
      inputs: [
        { dtype: "i32", data: x },
        { dtype: "i32", data: y },
      ],
      outputs: [{ dtype: "i32", size: n }],
      call: (be, [p, q], [o]) => be.binary("pow", p, q, o, [n], [1], [1]),
      tol: exact,
    })),
  ),
});
rows.push({
  // squared in double-f32: correctly rounded but for near-ties (WGSL's pow was off by 1e-5)
  name: "binary pow f32 (integer exponents, as Adam's βᵗ): 1 ulp",
  cases: fc.integer({ min: 1, max: 60 }).chain((n) =>
    fc.tuple(vals(n, 0.5, 1.5), ints(n, 0, 1), ints(n, -100, 100)).map(([x, sign, y]) => ({
      inputs: [
        { dtype: "f32" as DType, data: x.map((v, i) => (sign[i] ? -v : v)) },
        { dtype: "f32" as DType, data: y },
      ],
      outputs: [{ dtype: "f32" as DType, size: n }],
      call: (be: Backend, [p, q]: Buf[], [o]: Buf[]) => be.binary("pow", p, q, o, [n], [1], [1]),
      tol: close(2 ** -23, 0),
    })),
  ),
  runs: 40,
});
for (const op of COMPARE_OPS) {
  rows.push(binaryRow(op, "f32", "bool", exact, -2, 2));
  rows.push(binaryRow(op, "i32", "bool", exact));
}

for (const d of ["f32", "i32", "bool"] as const) {
  rows.push({
    name: `where ${d} (broadcast)`,
    cases: broadcast(3).chain(([shape, [kc, ka, kb]]) => {
      const [c, a, b] = [layout(shape, kc), layout(shape, ka), layout(shape, kb)];
      return fc
        .tuple(dataFor("bool", c.size), dataFor(d, a.size), dataFor(d, b.size))
        .map(([xc, xa, xb]) => ({
          inputs: [
            { dtype: "bool", data: xc },
            { dtype: d, data: xa },
            { dtype: d, data: xb },
          ],
          outputs: [{ dtype: d, size: prod(shape) }],
          call: (be, [p, q, r], [o]) =>
            be.where(p, q, r, o, shape, c.strides, a.strides, b.strides),
          tol: exact,
        }));
    }),
  });
}

const DTYPES = ["f32", "i32", "bool"] as const;
for (const from of DTYPES) {
  for (const to of DTYPES) {
    rows.push({
      name: `cast ${from} → ${to}`,
      cases: fc.integer({ min: 0, max: 100 }).chain((n) =>
        (from === "f32"
          ? fc.array(fc.oneof(f32(-100, 100), fc.constantFrom(0, -0, 3e9, -3e9, 0.5, -0.5)), {
              minLength: n,
              maxLength: n,
            })
          : dataFor(from, n)
        ).map((x) => ({
          inputs: [{ dtype: from, data: x }],
          outputs: [{ dtype: to, size: n }],
          call: (be, [a], [o]) => be.cast(a, o),
          tol: exact,
        })),
      ),
    });
  }
}

/** Random fused chains: 1–3 inputs (full, scalar or a repeated row; one may be bool). */
const FUSED_OPS: readonly FusedOpName[] = [
  ...FUSED_UNARY.filter((o) => o !== "log" && o !== "sqrt"),
  ...FUSED_ARITH.filter((o) => o !== "div"),
  ...COMPARE_OPS,
  "where",
  "cast",
];
rows.push({
  name: "fused chains",
  runs: 40,
  cases: fc
    .record({
      rows: fc.integer({ min: 1, max: 6 }),
      cols: fc.integer({ min: 1, max: 40 }),
      kinds: fc.array(fc.constantFrom("full", "scalar", "row", "bool"), {
        minLength: 1,
        maxLength: 3,
      }),
      picks: fc.array(
        fc.record({ op: fc.constantFrom(...FUSED_OPS), a: fc.nat(), b: fc.nat(), c: fc.nat() }),
        { minLength: 1, maxLength: 6 },
      ),
      extra: fc.boolean(),
    })
    .chain(({ rows: r, cols, kinds, picks, extra }) => {
      const n = r * cols;
      const nIn = kinds.length;
      const ops: FusedOp[] = picks.map((p, j) => {
        const avail = nIn + j;
        const args = [p.a % avail, p.b % avail, p.c % avail];
        const arity =
          p.op === "where"
            ? 3
            : (FUSED_ARITH as readonly string[]).includes(p.op) ||
                (COMPARE_OPS as readonly string[]).includes(p.op)
              ? 2
              : 1;
        return { op: p.op, args: args.slice(0, arity) };
      });
      const last = nIn + ops.length - 1;
      const results = extra && ops.length > 1 ? [nIn, last] : [last];
      const sizes = kinds.map((k) => (k === "scalar" ? 1 : k === "row" ? cols : n));
      return fc
        .tuple(
          ...kinds.map((k, i) =>
            k === "bool" ? dataFor("bool", sizes[i]) : vals(sizes[i], -2, 2),
          ),
        )
        .map((datas) => ({
          inputs: kinds.map((k, i) => ({ dtype: k === "bool" ? "bool" : "f32", data: datas[i] })),
          outputs: results.map(() => ({ dtype: "f32" as const, size: n })),
          call: (be, ins, outs) => be.fused(ops, ins, outs, results),
          tol: close(1e-5, 1e-6),
        }));
    }),
});

rows.push({
  name: "fused chains with more inputs than a kernel can bind (inputs packed)",
  runs: 24,
  cases: fc
    .tuple(
      fc.integer({ min: 9, max: 16 }),
      fc.integer({ min: 1, max: 50 }),
      fc.constantFrom("plain", "in place", "views"),
    )
    .chain(([nIn, n, mode]) =>
      fc.tuple(...Array.from({ length: nIn }, (_, i) => vals(i % 3 === 0 ? 1 : n))).map((datas) => {
        // v_nIn = in0 · in1, then add every other input; results: the last two sums
        const ops: FusedOp[] = [{ op: "mul", args: [0, 1] }];
        for (let i = 2; i < nIn; i++) ops.push({ op: "add", args: [nIn + ops.length - 1, i] });
        const results = [nIn + ops.length - 2, nIn + ops.length - 1].filter((r) => r >= nIn);
        return {
          // views: each input is a view 3 elements into a larger buffer
          inputs: datas.map((d) => ({
            dtype: "f32" as const,
            data: mode === "views" ? [7, 8, 9, ...d] : d,
          })),
          outputs: results.map(() => ({ dtype: "f32" as const, size: n })),
          // in place: the last output is also the first full-size input
          call: (be: Backend, ins: Buf[], outs: Buf[]) => {
            if (mode === "views") {
              const views = ins.map((b) => be.sub(b, 3, b.size - 3));
              return be.fused(ops, views, outs, results);
            }
            if (mode === "plain") return be.fused(ops, ins, outs, results);
            const full = ins.findIndex((b) => b.size === n);
            be.copy(ins[full], 0, [1], outs[outs.length - 1], 0, [1], [n]);
            const args = ins.map((b, i) => (i === full ? outs[outs.length - 1] : b));
            be.fused(ops, args, outs, results);
          },
          tol: close(1e-5, 1e-5),
        };
      }),
    ),
});

for (const op of REDUCE_OPS) {
  for (const d of op === "sum" ? (["f32", "i32"] as const) : (["f32", "i32"] as const)) {
    rows.push({
      name: `reduce ${op} ${d}`,
      cases: fc
        .tuple(
          fc.integer({ min: 1, max: 4 }),
          fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 60, max: 700 })),
          // few outputs (a workgroup tree for long axes) or ≥ 64 (one looping invocation each)
          fc.oneof(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 64, max: 70 })),
        )
        .chain(([outer, mid, inner]) =>
          // few distinct values, so ties (first index wins) occur
          (d === "f32" && op === "sum"
            ? vals(outer * mid * inner)
            : ints(outer * mid * inner, -5, 5)
          ).map((x) => ({
            inputs: [{ dtype: d, data: x }],
            outputs: [
              { dtype: op === "argmax" || op === "argmin" ? "i32" : d, size: outer * inner },
            ],
            call: (be, [a], [o]) => be.reduce(op, a, o, outer, mid, inner),
            tol: d === "f32" && op === "sum" ? close(2e-6, 1e-6, true) : exact,
          })),
        ),
    });
  }
}

rows.push({
  name: "matmul (batched, transposes, shared operands)",
  runs: 30,
  cases: fc
    .record({
      batch: fc.integer({ min: 1, max: 3 }),
      // sizes across several 64×64 tiles and 16-deep steps, with ragged edges
      m: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 60, max: 150 })),
      k: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 60, max: 150 })),
      n: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 60, max: 150 })),
      ta: fc.boolean(),
      tb: fc.boolean(),
      shareA: fc.boolean(),
      shareB: fc.boolean(),
    })
    .chain(({ batch, m, k, n, ta, tb, shareA, shareB }) => {
      const [sa, sb] = [shareA ? 0 : m * k, shareB ? 0 : k * n];
      return fc
        .tuple(vals(shareA ? m * k : batch * m * k), vals(shareB ? k * n : batch * k * n))
        .map(([x, y]) => ({
          inputs: [
            { dtype: "f32", data: x },
            { dtype: "f32", data: y },
          ],
          outputs: [{ dtype: "f32", size: batch * m * n }],
          call: (be, [a, b], [o]) => be.matmul(a, b, o, batch, m, k, n, ta, tb, sa, sb),
          tol: close(2e-6, 1e-6, true),
        }));
    }),
});

rows.push({
  name: "copy (strided: a transpose into an offset region)",
  cases: fc
    .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.nat(5), fc.nat(5))
    .chain(([r, c, xOff, oOff]) =>
      vals(xOff + r * c).map((x) => ({
        inputs: [{ dtype: "f32", data: x }],
        outputs: [{ dtype: "f32", size: oOff + r * c }],
        call: (be, [a], [o]) => be.copy(a, xOff, [c, 1], o, oOff, [1, r], [r, c]),
        tol: exact,
      })),
    ),
});

/**
 * An N-d strided read of a contiguous source: up to 5 axes of 1–4, each axis of the iteration
 * mapped to a source axis by a permutation, some reversed (a negative stride from the far end),
 * and some broadcast (stride 0), as transposes, flips and broadcasts make them.
 */
const stridedRead = (flips: boolean) =>
  fc
    .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 5 })
    .chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.shuffledSubarray(
          shape.map((_, d) => d),
          { minLength: shape.length, maxLength: shape.length },
        ),
        fc.array(
          fc.constantFrom(...(flips ? ["keep", "flip", "broadcast"] : ["keep", "broadcast"])),
          {
            minLength: shape.length,
            maxLength: shape.length,
          },
        ),
        fc.nat(flips ? 4 : 0),
      ),
    )
    .map(([shape, perm, mode, pad]) => {
      // the source holds the permuted axes (size 1 where broadcast), row-major
      const srcShape = perm.map((d) => (mode[d] === "broadcast" ? 1 : shape[d]));
      const srcStrides = new Array<number>(srcShape.length);
      let acc = 1;
      for (let a = srcShape.length - 1; a >= 0; a--) {
        srcStrides[a] = acc;
        acc *= srcShape[a];
      }
      let offset = pad;
      const strides = shape.map((n, d) => {
        const s = srcStrides[perm.indexOf(d)];
        if (mode[d] === "broadcast") return 0;
        if (mode[d] === "keep") return s;
        offset += (n - 1) * s;
        return -s;
      });
      return { shape, strides, offset, srcSize: pad + acc };
    });

/**
 * The N-d rows run twice: a kernel seen for the first time reads its sizes from the parameters
 * (`forgetHot` makes every case new); one recorded before has them as constants of the WGSL
 * (the case runs once to warm, then again into its outputs).
 */
for (const sizes of ["parametric", "constant"] as const) {
  const twice = (f: () => void) => {
    if (sizes === "parametric") forgetHot();
    else f();
    f();
  };
  rows.push({
    name: `copy (N-d: permuted, reversed and broadcast strides, into an offset region; ${sizes} sizes)`,
    cases: stridedRead(true).chain(({ shape, strides, offset, srcSize }) =>
      fc.tuple(vals(srcSize), fc.nat(3)).map(([x, oOff]) => {
        const n = prod(shape);
        const outStrides = shape.map((_, d) => prod(shape.slice(d + 1)));
        return {
          inputs: [{ dtype: "f32", data: x }],
          outputs: [{ dtype: "f32", size: oOff + n }],
          call: (be, [a], [o]) =>
            twice(() => be.copy(a, offset, strides, o, oOff, outStrides, shape)),
          tol: exact,
        };
      }),
    ),
  });
  rows.push({
    name: `binary add f32 (N-d: a permuted or broadcast operand; ${sizes} sizes)`,
    cases: stridedRead(false).chain(({ shape, strides, srcSize }) =>
      fc.tuple(vals(srcSize), vals(prod(shape))).map(([x, y]) => {
        const contiguous = shape.map((_, d) => prod(shape.slice(d + 1)));
        return {
          inputs: [
            { dtype: "f32", data: x },
            { dtype: "f32", data: y },
          ],
          outputs: [{ dtype: "f32", size: prod(shape) }],
          call: (be, [a, b], [o]) =>
            twice(() => be.binary("add", a, b, o, shape, strides, contiguous)),
          tol: close(3e-7, 0),
        };
      }),
    ),
  });
}

rows.push({
  name: "gather and scatterAdd",
  cases: fc
    .tuple(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 0, max: 8 }),
    )
    .chain(([outer, axisLen, inner, nIdx]) =>
      fc
        .tuple(
          vals(outer * axisLen * inner),
          ints(nIdx, 0, axisLen - 1),
          vals(outer * nIdx * inner),
        )
        .map(([x, idx, upd]) => ({
          inputs: [
            { dtype: "f32", data: x },
            { dtype: "i32", data: idx },
            { dtype: "f32", data: upd },
          ],
          outputs: [
            { dtype: "f32", size: outer * nIdx * inner },
            { dtype: "f32", size: outer * axisLen * inner },
          ],
          call: (be, [a, i, u], [g, s]) => {
            be.gather(a, i, g, outer, axisLen, inner, nIdx);
            be.scatterAdd(u, i, s, outer, axisLen, inner, nIdx);
          },
          tol: close(2e-6, 1e-6, true),
        })),
    ),
});

rows.push({
  name: "kernels on views made by sub (the rows of a scan)",
  cases: fc
    .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 40 }))
    .chain(([steps, n]) =>
      fc.tuple(vals(steps * n), vals(steps * n), vals(n * n)).map(([x, y, w]) => ({
        inputs: [
          { dtype: "f32", data: x },
          { dtype: "f32", data: y },
          { dtype: "f32", data: w },
        ],
        outputs: [
          { dtype: "f32", size: steps * n },
          { dtype: "f32", size: steps * n },
          { dtype: "f32", size: steps },
        ],
        // per row t: out[t] = exp(x[t] + y[t]); mm[t] = out[t] @ w (1×n · n×n); sums[t] = Σ mm[t]
        call: (be: Backend, [xb, yb, wb]: Buf[], [out, mm, sums]: Buf[]) => {
          for (let t = 0; t < steps; t++) {
            const row = (b: Buf) => be.sub(b, t * n, n);
            be.binary("add", row(xb), row(yb), row(out), [n], [1], [1]);
            be.unary("exp", row(out), row(out));
            be.matmul(row(out), wb, row(mm), 1, 1, n, n, false, false, 0, 0);
            be.reduce("sum", be.sub(be.sub(mm, t * n, n), 0, n), be.sub(sums, t, 1), 1, n, 1);
          }
        },
        tol: close(1e-5, 1e-5, true),
      })),
    ),
});

/** A convolution geometry: "valid" to "same"-like padding, strides 1–2. */
const convArb = fc
  .record({
    batch: fc.integer({ min: 1, max: 2 }),
    inH: fc.integer({ min: 1, max: 7 }),
    inW: fc.integer({ min: 1, max: 7 }),
    inC: fc.integer({ min: 1, max: 3 }),
    outC: fc.integer({ min: 1, max: 3 }),
    kH: fc.integer({ min: 1, max: 3 }),
    kW: fc.integer({ min: 1, max: 3 }),
    strideH: fc.integer({ min: 1, max: 2 }),
    strideW: fc.integer({ min: 1, max: 2 }),
    padH: fc.nat(2),
    padW: fc.nat(2),
  })
  .map(({ padH, padW, ...g }) => {
    const padTop = Math.min(padH, g.kH - 1);
    const padLeft = Math.min(padW, g.kW - 1);
    const outH = Math.floor((g.inH + 2 * padTop - g.kH) / g.strideH) + 1;
    const outW = Math.floor((g.inW + 2 * padLeft - g.kW) / g.strideW) + 1;
    return { ...g, padTop, padLeft, outH, outW };
  })
  .filter((g) => g.outH >= 1 && g.outW >= 1);
/**
 * The implicit-GEMM shapes: channels that are not multiples of the 4×4 register blocks, more
 * positions than one workgroup covers, TensorFlow's "same" padding (uneven for even kernels or
 * stride 2) or "valid", and batches large enough that the filter gradient sums over several
 * chunks of images.
 */
const convGemmArb = fc
  .record({
    batch: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 9, max: 14 })),
    inH: fc.integer({ min: 1, max: 11 }),
    inW: fc.integer({ min: 1, max: 11 }),
    inC: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 5, max: 9 })),
    outC: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 5, max: 13 })),
    kH: fc.integer({ min: 1, max: 4 }),
    kW: fc.integer({ min: 1, max: 4 }),
    strideH: fc.integer({ min: 1, max: 2 }),
    strideW: fc.integer({ min: 1, max: 2 }),
    same: fc.boolean(),
  })
  .map(({ same, ...g }) => {
    // "same": out = ⌈in / s⌉, the padding split with the odd one after; "valid": no padding
    const sized = (n: number, k: number, s: number): [number, number] => {
      if (!same) return [Math.floor((n - k) / s) + 1, 0];
      const out = Math.ceil(n / s);
      return [out, Math.floor(Math.max((out - 1) * s + k - n, 0) / 2)];
    };
    const [outH, padTop] = sized(g.inH, g.kH, g.strideH);
    const [outW, padLeft] = sized(g.inW, g.kW, g.strideW);
    return { ...g, padTop, padLeft, outH, outW };
  })
  .filter((g) => g.outH >= 1 && g.outW >= 1);

type ConvGeometry = typeof convArb extends fc.Arbitrary<infer G> ? G : never;

/** One row of the conv family: conv2d and both gradients on the geometries of `arb`. */
function convRow(name: string, arb: fc.Arbitrary<ConvGeometry>, runs: number): Row {
  return {
    name,
    runs,
    cases: arb.chain((g) => {
      const [nx, nw, ny] = [
        g.batch * g.inH * g.inW * g.inC,
        g.kH * g.kW * g.inC * g.outC,
        g.batch * g.outH * g.outW * g.outC,
      ];
      return fc.tuple(vals(nx), vals(nw), vals(ny)).map(([x, w, dy]) => ({
        inputs: [
          { dtype: "f32", data: x },
          { dtype: "f32", data: w },
          { dtype: "f32", data: dy },
        ],
        outputs: [
          { dtype: "f32", size: ny },
          { dtype: "f32", size: nx },
          { dtype: "f32", size: nw },
        ],
        call: (be: Backend, [xb, wb, dyb]: Buf[], [y, dx, dw]: Buf[]) => {
          be.conv2d(xb, wb, y, g);
          be.conv2dBackpropInput(dyb, wb, dx, g);
          be.conv2dBackpropFilter(xb, dyb, dw, g);
        },
        tol: close(2e-6, 1e-6, true),
      }));
    }),
  };
}
rows.push(
  convRow("conv2d and both gradients (NHWC, strides, padding)", convArb, 25),
  convRow(
    "conv2d and both gradients (GEMM blocks: channels, same/valid, chunked batch)",
    convGemmArb,
    25,
  ),
);

for (const kind of ["bits", "uniform"] as const) {
  rows.push({
    name: `random ${kind} (Threefry-2x32, the same streams)`,
    cases: fc
      .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 50 }))
      .chain(([nKeys, perKey]) =>
        ints(2 * nKeys, -(2 ** 31), 2 ** 31 - 1).map((keys) => ({
          inputs: [{ dtype: "i32", data: keys }],
          outputs: [{ dtype: kind === "bits" ? "i32" : "f32", size: nKeys * perKey }],
          call: (be, [k], [o]) => be.random(kind, k, o, nKeys, perKey),
          tol: exact,
        })),
      ),
  });
}

rows.push({
  name: "fill",
  cases: fc
    .tuple(
      fc.constantFrom<DType>("f32", "i32", "bool"),
      fc.integer({ min: 0, max: 600 }),
      f32(-9, 9),
    )
    .map(([d, n, v]) => ({
      inputs: [],
      outputs: [{ dtype: d, size: n }],
      call: (be, _ins, [o]) => be.fill(o, d === "f32" ? v : Math.trunc(v)),
      tol: exact,
    })),
});

describe.skipIf(why !== null)("webgpu kernels against the reference backend", () => {
  for (const r of rows) {
    it(r.name, async () => {
      await fc.assert(fc.asyncProperty(r.cases, check), { numRuns: r.runs ?? 15, seed: 17 });
    });
  }
});

describe.skipIf(why !== null)("webgpu numerics that training depends on", () => {
  it("Adam's bias corrections 1 − βᵗ equal wasm's bit for bit (t = 1…2000)", async () => {
    const t = Float32Array.from({ length: 2000 }, (_, i) => i + 1);
    const corrections = async (backend: "webgpu" | "wasm") => {
      await tg.useBackend(backend);
      const out: number[] = [];
      for (const beta of [0.9, 0.99, 0.999]) {
        out.push(...(await tg.sub(1, tg.pow(tg.scalar(beta), tg.fromArray(t, [2000]))).data()));
      }
      return out;
    };
    try {
      const got = await corrections("webgpu");
      const want = await corrections("wasm");
      expect(got).toEqual(want);
    } finally {
      await tg.useBackend("wasm");
    }
  });
});

describe.skipIf(why !== null)("webgpu buffers and errors", () => {
  it("a synchronous read throws, pointing to await t.data()", () => {
    const b = webgpuBackend.alloc("f32", 4);
    webgpuBackend.fill(b, 1);
    expect(() => webgpuBackend.read(b)).toThrow(/await t\.data\(\)/);
    expect(() => webgpuBackend.view(b)).toThrow(/await t\.data\(\)/);
    webgpuBackend.free(b);
  });
  it("i32 data from the host reads synchronously until a kernel writes it (index checks)", () => {
    const b = webgpuBackend.alloc("i32", 3);
    webgpuBackend.write(b, [4, 5, 6]);
    expect(Array.from(webgpuBackend.read(b))).toEqual([4, 5, 6]);
    webgpuBackend.fill(b, 1);
    expect(() => webgpuBackend.read(b)).toThrow(/await t\.data\(\)/);
    webgpuBackend.free(b);
  });
  it("a freed buffer cannot be used, and freeing twice does nothing", () => {
    const b = webgpuBackend.alloc("f32", 4);
    webgpuBackend.free(b);
    webgpuBackend.free(b);
    expect(() => webgpuBackend.fill(b, 1)).toThrow(/used after free/);
  });
  it("what is not supported throws, naming the op and webgpu", () => {
    const b = webgpuBackend.alloc("f32", 8);
    expect(() => webgpuBackend.unary("exp", webgpuBackend.alloc("i32", 1), b)).toThrow(
      /webgpu exp: dtype i32/,
    );
    // two views of one buffer at different offsets in one kernel
    const [lo, hi] = [webgpuBackend.sub(b, 0, 4), webgpuBackend.sub(b, 4, 4)];
    expect(() => webgpuBackend.unary("exp", lo, hi)).toThrow(/webgpu.*offsets 0 and 4/);
    expect(() => webgpuBackend.sub(b, 6, 4)).toThrow(/webgpu sub: \[6, 10\) is outside/);
  });
});

// the reason, where the report shows it, when there is no adapter
if (why !== null) {
  describe("webgpu", () => {
    it.skip(`skipped: no WebGPU adapter (${why}); set TYPEGRAD_REQUIRE_WEBGPU=1 to fail instead`, () => {});
  });
}
