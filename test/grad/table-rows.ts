/**
 * The rows of the gradient table (`table.test.ts`), in one place so that other backends' tests
 * (`test/webgpu/grad-table.test.ts`) run the same rows. It is keyed by primitive and typed over the
 * whole primitive enum (`satisfies Record<Prim, …>`), so a new primitive without an entry does not
 * compile. An entry is either rows (a composition exercising the primitive, a generator of its
 * arguments, and flags) or an exemption with its reason (no derivative to check) and the rows
 * still checked for jit and vmap.
 */
import fc from "fast-check";
import "../../src/index.js";
import { constant } from "../../src/prims/constants.js";
import { scan, customVjp } from "../../src/prims/control.js";
import type { Prim } from "../../src/ir/primitive.js";
import type { Eqn, Var } from "../../src/ir/program.js";
import { bind, bind1, traceFlat } from "../../src/ir/trace.js";
import { fuseElementwise } from "../../src/lower/fuse.js";
import { conv2dPrim, convOutSize } from "../../src/prims/conv.js";
import * as E from "../../src/prims/elementwise.js";
import { gather, scatterAdd } from "../../src/prims/indexing.js";
import { matmulPrim } from "../../src/prims/linalg.js";
import * as M from "../../src/prims/movement.js";
import { randomBits, randomUniform } from "../../src/prims/random.js";
import * as R from "../../src/prims/reduce.js";
import { arbBroadcastPair, arbShape, arbTensor } from "../../src/testing/arbitraries.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { evalProgram } from "../../src/transforms/eval.js";

/** One gradient check: a function exercising the primitive, its arguments, and flags. */
export interface Row {
  name: string;
  f: (...a: T[]) => T;
  args: fc.Arbitrary<T[]>;
  /** Skip the second-order check (piecewise-linear functions have zero/undefined second derivatives). */
  firstOrderOnly?: boolean;
  /** Why vmap(f) cannot equal a loop over f (the property is skipped only with a reason). */
  noVmap?: string;
  tol?: number;
  /** Finite-difference step (default 1e-6). */
  eps?: number;
}

/**
 * A primitive with no derivative to check (integer outputs, randomness, a rule that is not the
 * function's derivative by design): the reason, and the rows still checked for jit(f) == f and
 * vmap(f) == a loop over f.
 */
export interface Exempt {
  exempt: string;
  checks: readonly Check[];
}
/** A row checked only for jit and vmap. `batch` builds `n` batched arguments (default: shifted copies). */
export interface Check {
  name: string;
  f: (...a: T[]) => T;
  args: fc.Arbitrary<T[]>;
  batch?: (args: T[], n: number) => T[];
}

const f64 = (shape: number[], min = -2, max = 2) => arbTensor(shape, { dtype: "f64", min, max });
const unary = (name: string, f: (x: T) => T, min = -2, max = 2, extra: Partial<Row> = {}): Row => ({
  name,
  f,
  args: arbShape({ maxRank: 3, maxDim: 4 }).chain((s) => f64(s, min, max).map((x) => [x])),
  ...extra,
});
const binary = (
  name: string,
  f: (a: T, b: T) => T,
  min = -2,
  max = 2,
  extra: Partial<Row> = {},
): Row => ({
  name,
  f,
  args: arbBroadcastPair({ maxRank: 3, maxDim: 4 }).chain(([a, b]) =>
    fc.tuple(f64(a, min, max), f64(b, min, max)),
  ),
  ...extra,
});
/** Values bounded away from zero with random signs. */
const awayFromZero = (s: number[]) =>
  f64(s, 0.5, 2).chain((x) => f64(s, -1, 1).map((sg) => E.mul(x, E.sign(E.add(sg, 1e-3)))));

/** Values with no ties: a distinct offset per element plus a small random part. */
const distinct = (s: number[]) => {
  const n = s.reduce((a, b) => a * b, 1);
  const offsets = constant(
    Array.from({ length: n }, (_, k) => ((k * 7) % n) * 0.5),
    s,
    "f64",
  );
  return f64(s, -0.2, 0.2).map((x) => E.add(x, offsets));
};
/** A pair for max/min: a in [0.1, 0.9], b in [-1.5, 0] ∪ [1, 2.5], so a ≠ b everywhere. */
const apart = arbBroadcastPair({ maxRank: 3, maxDim: 4 }).chain(([a, b]) =>
  fc.tuple(
    f64(a, 0.1, 0.9),
    awayFromZero(b).map((v) => E.add(v, 0.5)),
  ),
);

/**
 * `chain` as the lowering pipeline's fusion pass leaves it: traced at f32 (fusion takes f32
 * chains only), fused, then run on the arguments' own dtype (the reference backend runs a fused
 * op list in f64) equation by equation, each `fused` body re-traced at those dtypes. Its
 * derivative and batching rules go through the body, its values through the op list, so the
 * checks below compare the two.
 */
function fusedOf(chain: (...xs: T[]) => T): (...args: T[]) => T {
  return (...args) => {
    const lowered = fuseElementwise(
      traceFlat(
        (xs) => [chain(...xs)],
        args.map((a) => ({ shape: a.shape, dtype: "f32" as const })),
      ),
    );
    if (!lowered.eqns.some((e) => e.prim === "fused") || lowered.constVars.length > 0)
      throw new Error(`no fused equation, or constants, in the lowered chain:\n${lowered}`);
    const env = new Map<Var, T>(lowered.inputs.map((v, i) => [v, args[i]]));
    for (const e of lowered.eqns) {
      const ins = e.inputs.map((v) => env.get(v) as T);
      let outs: T[];
      if (e.prim === "fused") {
        const { ops, results, body } = (e as Eqn<"fused">).params;
        const retyped = traceFlat(
          (xs) => evalProgram(body, xs),
          ins.map((a) => ({ shape: a.shape, dtype: a.dtype })),
        );
        outs = bind("fused", ins, { ops, results, body: retyped });
      } else outs = bind(e.prim, ins, e.params);
      e.outputs.forEach((v, i) => env.set(v, outs[i]));
    }
    return env.get(lowered.outputs[0]) as T;
  };
}

/** A same-shape pair with a ≠ b everywhere (a in [0.1, 0.9], b in [-1.5, 0] ∪ [1, 2.5]). */
const apartSame = arbShape({ maxRank: 2, maxDim: 4 }).chain((s) =>
  fc.tuple(
    f64(s, 0.1, 0.9),
    awayFromZero(s).map((v) => E.add(v, 0.5)),
  ),
);

/** `where(cmp(c, 0), a, b)` (or of sign(c) = 1 for eq/ne, which are rarely true on floats). */
const compareRow = (name: string, cmp: typeof E.lt, onSign = false): Row => ({
  name: `${name} (through where)`,
  f: (c, a, b) => E.where(onSign ? cmp(E.sign(c), 1) : cmp(c, 0), E.sin(a), E.mul(a, b)),
  args: arbShape({ minRank: 1, maxRank: 2, maxDim: 4 }).chain((s) =>
    fc.tuple(awayFromZero(s), f64(s), f64(s)),
  ),
});

/** Values at least 0.1 away from an integer, in [-3, 3]. */
const offInteger = (s: number[]) =>
  f64(s, -3, 3).map((x) => E.add(E.floor(x), E.add(E.mul(E.sub(x, E.floor(x)), 0.8), 0.1)));

/** Values on the grid of multiples of 2⁻⁴ in [-2, 2]: they and x ± 2⁻⁴ are exact in f32. */
const onF32Grid = (s: number[]) => f64(s).map((x) => E.div(E.floor(E.mul(x, 16)), 16));

const CONV_STRIDES = [2, 1] as const;
const CONV_PADS = [1, 1, 0, 1] as const;
/**
 * Sizes for the conv gradient rows: input [n, h, h + 1, ci] with h odd, filter [2, 3, ci, co],
 * output dy. With these strides and pads the input shape follows from dy's (`bpInShape`).
 */
const convSizes = fc
  .tuple(
    fc.integer({ min: 1, max: 2 }),
    fc.constantFrom(3, 5),
    fc.integer({ min: 1, max: 2 }),
    fc.integer({ min: 1, max: 2 }),
  )
  .map(([n, h, ci, co]) => ({
    n,
    ci,
    co,
    x: [n, h, h + 1, ci],
    w: [2, 3, ci, co],
    dy: [
      n,
      convOutSize(h, 2, CONV_STRIDES[0], CONV_PADS[0], CONV_PADS[1]),
      convOutSize(h + 1, 3, CONV_STRIDES[1], CONV_PADS[2], CONV_PADS[3]),
      co,
    ],
  }));

/** The input shape of conv2d_bp_input from dy and the filter (see `convSizes`). */
const bpInShape = (dy: T, w: T): number[] => [
  dy.shape[0],
  2 * (dy.shape[1] - 1) + 1,
  dy.shape[2] + 1,
  w.shape[2],
];

/** Batched i32 keys: key + i for example i. */
const batchKeys = ([k]: T[], n: number): T[] => [
  E.add(
    M.broadcastTo(M.reshape(k, [1, 2]), [n, 2]),
    constant(
      Array.from({ length: 2 * n }, (_, i) => Math.floor(i / 2)),
      [n, 2],
      "i32",
    ),
  ),
];
const keyArg = fc
  .tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 1000 }))
  .map(([a, b]) => [constant([a, b], [2], "i32")]);

export const TABLE = {
  neg: [unary("neg", E.neg)],
  exp: [unary("exp", E.exp)],
  log: [unary("log", E.log, 0.3, 3)],
  sin: [unary("sin", E.sin)],
  cos: [unary("cos", E.cos)],
  tanh: [unary("tanh", E.tanh)],
  logistic: [unary("logistic", E.logistic)],
  sqrt: [unary("sqrt", E.sqrt, 0.3, 3)],
  abs: [
    {
      name: "abs",
      f: E.abs,
      args: arbShape({ maxRank: 2, maxDim: 4 }).chain((s) => awayFromZero(s).map((x) => [x])),
      firstOrderOnly: true,
    },
  ],
  sign: [
    {
      // sign's derivative is zero away from 0: only sin's part of the product survives
      name: "sign (times sin)",
      f: (x) => E.mul(E.sign(x), E.sin(x)),
      args: arbShape({ maxRank: 2, maxDim: 4 }).chain((s) => awayFromZero(s).map((x) => [x])),
    },
  ],
  floor: [
    {
      // floor's derivative is zero away from the integers
      name: "floor (times sin)",
      f: (x) => E.mul(E.floor(x), E.sin(x)),
      args: arbShape({ maxRank: 2, maxDim: 4 }).chain((s) => offInteger(s).map((x) => [x])),
    },
  ],
  erf: [unary("erf", E.erf)],
  softplus: [unary("softplus", (x) => E.unary("softplus", x))],
  add: [binary("add", E.add)],
  sub: [binary("sub", E.sub)],
  mul: [binary("mul", E.mul)],
  div: [
    {
      name: "div",
      f: E.div,
      args: arbBroadcastPair({ maxRank: 3, maxDim: 4 }).chain(([a, b]) =>
        fc.tuple(f64(a), awayFromZero(b)),
      ),
    },
  ],
  max: [{ name: "max", f: E.maximum, args: apart, firstOrderOnly: true }],
  min: [{ name: "min", f: E.minimum, args: apart, firstOrderOnly: true }],
  pow: [binary("pow", E.pow, 0.5, 2)],
  lt: [compareRow("lt", E.lt)],
  le: [compareRow("le", E.le)],
  gt: [compareRow("gt", E.gt)],
  ge: [compareRow("ge", E.ge)],
  eq: [compareRow("eq", E.eq, true)],
  ne: [compareRow("ne", E.ne, true)],
  where: [
    {
      name: "where",
      f: (c, a, b) => E.where(E.gt(c, 0), a, b),
      args: arbShape({ minRank: 1, maxRank: 2, maxDim: 4 }).chain((s) =>
        fc.tuple(awayFromZero(s), f64(s), f64(s)),
      ),
    },
  ],
  cast: [
    {
      // f64 → f32 → f64 on a grid exact in f32 with a step of 2⁻⁴ (x² has exact central
      // differences at any step); the gradient of the gradient would need a step f32 resolves
      name: "cast (f64 → f32 → f64)",
      f: (x) => E.square(E.cast(E.cast(x, "f32"), "f64")),
      args: arbShape({ maxRank: 2, maxDim: 4 }).chain((s) => onF32Grid(s).map((x) => [x])),
      eps: 2 ** -4,
      firstOrderOnly: true,
    },
  ],
  stop_gradient: {
    exempt:
      "its derivative is zero by definition while the function is the identity, so finite differences cannot agree; 'stop_gradient blocks the derivative' below checks the rule",
    checks: [
      {
        name: "stop_gradient",
        f: (x) => E.mul(E.stopGradient(x), E.sin(x)),
        args: arbShape({ maxRank: 2, maxDim: 4 }).chain((s) => f64(s).map((x) => [x])),
      },
    ],
  },
  reduce_sum: [
    unary("reduce_sum all", (x) => R.reduceSum(x)),
    {
      name: "reduce_sum axes",
      f: (x) => R.reduceSum(x, [0, 2]),
      args: arbShape({ minRank: 3, maxRank: 3, maxDim: 4 }).chain((s) => f64(s).map((x) => [x])),
    },
  ],
  reduce_max: [
    {
      name: "reduce_max",
      f: (x) => R.reduceMax(x, [1]),
      args: arbShape({ minRank: 2, maxRank: 3, maxDim: 4 }).chain((s) =>
        distinct(s).map((x) => [x]),
      ),
      firstOrderOnly: true,
    },
  ],
  reduce_min: [
    {
      name: "reduce_min",
      f: (x) => R.reduceMin(x, [0]),
      args: arbShape({ minRank: 1, maxRank: 2, maxDim: 4 }).chain((s) =>
        distinct(s).map((x) => [x]),
      ),
      firstOrderOnly: true,
    },
  ],
  argmax: {
    exempt: "its output is an i32 index",
    checks: [
      {
        name: "argmax",
        f: (x) => R.argmax(x, 1),
        args: arbShape({ minRank: 2, maxRank: 3, maxDim: 4 }).chain((s) =>
          distinct(s).map((x) => [x]),
        ),
      },
    ],
  },
  argmin: {
    exempt: "its output is an i32 index",
    checks: [
      {
        name: "argmin",
        f: (x) => R.argmin(x, 0),
        args: arbShape({ minRank: 1, maxRank: 2, maxDim: 4 }).chain((s) =>
          distinct(s).map((x) => [x]),
        ),
      },
    ],
  },
  reshape: [
    {
      name: "reshape",
      f: (x) => E.mul(M.reshape(x, [-1]), M.reshape(x, [-1])),
      args: arbShape({ maxRank: 3, maxDim: 4 }).chain((s) => f64(s).map((x) => [x])),
    },
  ],
  transpose: [
    {
      name: "transpose",
      f: (x) => E.sin(M.transpose(x, [2, 0, 1])),
      args: arbShape({ minRank: 3, maxRank: 3, maxDim: 4 }).chain((s) => f64(s).map((x) => [x])),
    },
  ],
  broadcast_to: [
    {
      name: "broadcast_to",
      f: (x) => E.exp(M.broadcastTo(x, [3, ...x.shape])),
      args: arbShape({ maxRank: 2, maxDim: 4 }).chain((s) => f64(s).map((x) => [x])),
    },
  ],
  slice: [
    {
      name: "slice with steps",
      f: (x) => E.square(M.slice(x, [1, 0], [x.shape[0], x.shape[1]], [2, 3])),
      args: fc
        .tuple(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 7 }))
        .chain(([a, b]) => f64([a, b]).map((x) => [x])),
    },
  ],
  pad: [
    {
      name: "pad with interior",
      f: (x) => E.square(M.pad(x, [1, 0], [2, 1], 0.5, [1, 2])),
      args: arbShape({ minRank: 2, maxRank: 2, maxDim: 4 }).chain((s) => f64(s).map((x) => [x])),
    },
  ],
  concat: [
    {
      name: "concat",
      f: (a, b) => E.tanh(M.concat([a, b, a], 1)),
      args: fc
        .tuple(
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 3 }),
        )
        .chain(([n, p, q]) => fc.tuple(f64([n, p]), f64([n, q]))),
    },
  ],
  matmul: [
    ...[
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ].map(
      ([ta, tb]): Row => ({
        name: `matmul transA=${ta} transB=${tb}`,
        f: (a, b) => matmulPrim(a, b, ta, tb),
        args: fc
          .tuple(
            fc.integer({ min: 1, max: 4 }),
            fc.integer({ min: 1, max: 5 }),
            fc.integer({ min: 1, max: 4 }),
          )
          .chain(([m, k, n]) => fc.tuple(f64(ta ? [k, m] : [m, k]), f64(tb ? [n, k] : [k, n]))),
      }),
    ),
    {
      name: "matmul batched",
      f: (a, b) => matmulPrim(a, b),
      args: fc
        .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }))
        .chain(([bt, k]) => fc.tuple(f64([bt, 2, k]), f64([bt, k, 3]))),
    },
  ],
  conv2d: (
    [
      [1, 1, [0, 0, 0, 0]],
      [2, 1, [1, 1, 0, 1]],
      [2, 2, [1, 0, 1, 0]],
    ] as const
  ).map(
    ([sh, sw, pads]): Row => ({
      name: `conv2d strides ${sh}x${sw} pads ${pads.join(",")}`,
      f: (x, w) => conv2dPrim(x, w, [sh, sw], pads),
      args: fc
        .tuple(
          fc.integer({ min: 1, max: 2 }),
          fc.integer({ min: 3, max: 5 }),
          fc.integer({ min: 1, max: 2 }),
          fc.integer({ min: 1, max: 2 }),
        )
        .chain(([n, h, ci, co]) => fc.tuple(f64([n, h, h + 1, ci]), f64([2, 3, ci, co]))),
    }),
  ),
  conv2d_bp_input: [
    {
      name: `conv2d_bp_input strides ${CONV_STRIDES.join("x")} pads ${CONV_PADS.join(",")}`,
      f: (dy, w) =>
        bind1("conv2d_bp_input", [dy, w], {
          strides: CONV_STRIDES,
          pads: CONV_PADS,
          inShape: bpInShape(dy, w),
        }),
      args: convSizes.chain((c) => fc.tuple(f64(c.dy), f64(c.w))),
    },
  ],
  conv2d_bp_filter: [
    {
      name: `conv2d_bp_filter strides ${CONV_STRIDES.join("x")} pads ${CONV_PADS.join(",")}`,
      f: (x, dy) =>
        bind1("conv2d_bp_filter", [x, dy], {
          strides: CONV_STRIDES,
          pads: CONV_PADS,
          filterShape: [2, 3, x.shape[3], dy.shape[3]],
        }),
      args: convSizes.chain((c) => fc.tuple(f64(c.x), f64(c.dy))),
    },
  ],
  gather: [
    {
      name: "gather",
      f: (x) => E.sin(gather(x, constant([2, 0, 2, 1], [2, 2], "i32"), 1)),
      args: fc.integer({ min: 1, max: 3 }).chain((n) => f64([n, 3, 2]).map((x) => [x])),
    },
  ],
  scatter_add: [
    {
      name: "scatter_add",
      f: (u) => E.square(scatterAdd(u, constant([2, 0, 2], [3], "i32"), 0, 4)),
      args: f64([3, 2]).map((u) => [u]),
    },
  ],
  random_bits: {
    exempt: "its output is i32 bits of an i32 key",
    checks: [
      { name: "random_bits", f: (k) => randomBits(k, [2, 3]), args: keyArg, batch: batchKeys },
    ],
  },
  random_uniform: {
    exempt: "its output does not depend differentiably on the (i32) key",
    checks: [
      {
        name: "random_uniform f64",
        f: (k) => randomUniform(k, [5], "f64"),
        args: keyArg,
        batch: batchKeys,
      },
      {
        name: "random_uniform f32",
        f: (k) => randomUniform(k, [2, 2]),
        args: keyArg,
        batch: batchKeys,
      },
    ],
  },
  scan: [
    {
      name: "scan (a tanh RNN)",
      f: (xs, w) =>
        scan(
          ([h], [x]) => {
            const hn = E.tanh(E.add(matmulPrim(M.reshape(h, [1, -1]), w), M.reshape(x, [1, -1])));
            const h2 = M.reshape(hn, [-1]);
            return [[h2], [E.square(h2)]];
          },
          [constant([0.1, -0.2], [2], "f64")],
          [xs],
        )[1][0],
      args: fc.integer({ min: 1, max: 4 }).chain((t) => fc.tuple(f64([t, 2]), f64([2, 2], -1, 1))),
    },
  ],
  custom_vjp: [
    {
      // a rule that is the true derivative, so reverse mode (the rule), forward mode (the
      // forward function's own) and finite differences must all agree
      name: "custom_vjp (sin with its derivative as the rule)",
      f: (x) =>
        customVjp(
          (v: T) => [E.sin(v)],
          ([v], _outs, [ct]) => [E.mul(ct, E.cos(v))],
        )(x)[0],
      args: arbShape({ maxRank: 2, maxDim: 4 }).chain((s) => f64(s).map((x) => [x])),
    },
  ],
  fused: [
    {
      name: "fused (tanh(a)·b + where(a > b, exp b, -a), lowered)",
      f: fusedOf((a, b) => E.add(E.mul(E.tanh(a), b), E.where(E.gt(a, b), E.exp(b), E.neg(a)))),
      args: apartSame,
    },
  ],
} satisfies Record<Prim, readonly Row[] | Exempt>;

/** Every row with a derivative to check, in table order. */
export const ROWS: Row[] = Object.values(TABLE).flatMap((v): readonly Row[] =>
  "exempt" in v ? [] : v,
);
/** The rows of the exempt primitives, checked for jit and vmap only. */
export const CHECKS: Check[] = Object.values(TABLE).flatMap((v): readonly Check[] =>
  "exempt" in v ? v.checks : [],
);
