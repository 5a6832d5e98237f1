/**
 * One table drives every gradient check: each row is a primitive (or a composition that exercises
 * one), a generator of its arguments, and flags. Each row is checked for reverse mode and forward
 * mode against central finite differences in float64, second order, jit(f) == f, and vmap(f) ==
 * a loop over f.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import "../../src/index.js";
import { constant } from "../../src/prims/constants.js";
import { scan, customVjp } from "../../src/prims/control.js";
import { conv2dPrim } from "../../src/prims/conv.js";
import * as E from "../../src/prims/elementwise.js";
import { gather, scatterAdd } from "../../src/prims/indexing.js";
import { matmulPrim } from "../../src/prims/linalg.js";
import * as M from "../../src/prims/movement.js";
import * as R from "../../src/prims/reduce.js";
import { checkGrads } from "../../src/testing/check-grads.js";
import { arbBroadcastPair, arbShape, arbTensor } from "../../src/testing/arbitraries.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";
import { grad, vjp } from "../../src/transforms/grad.js";
import { jit } from "../../src/transforms/jit.js";
import { vmap } from "../../src/transforms/vmap.js";

interface Row {
  name: string;
  f: (...a: T[]) => T;
  args: fc.Arbitrary<T[]>;
  /** Skip the second-order check (piecewise-linear functions have zero/undefined second derivatives). */
  firstOrderOnly?: boolean;
  /** Skip vmap (arguments without a common leading axis). */
  noVmap?: boolean;
  tol?: number;
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
  noVmap: true,
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

const ROWS: Row[] = [
  unary("neg", E.neg),
  unary("exp", E.exp),
  unary("log", E.log, 0.3, 3),
  unary("sin", E.sin),
  unary("cos", E.cos),
  unary("tanh", E.tanh),
  unary("logistic", E.logistic),
  unary("sqrt", E.sqrt, 0.3, 3),
  {
    name: "abs",
    f: E.abs,
    args: arbShape({ maxRank: 2, maxDim: 4 }).chain((s) => awayFromZero(s).map((x) => [x])),
    firstOrderOnly: true,
  },
  unary("erf", E.erf),
  binary("add", E.add),
  binary("sub", E.sub),
  binary("mul", E.mul),
  {
    name: "div",
    f: E.div,
    args: arbBroadcastPair({ maxRank: 3, maxDim: 4 }).chain(([a, b]) =>
      fc.tuple(f64(a), awayFromZero(b)),
    ),
    noVmap: true,
  },
  { name: "max", f: E.maximum, args: apart, noVmap: true, firstOrderOnly: true },
  { name: "min", f: E.minimum, args: apart, noVmap: true, firstOrderOnly: true },
  binary("pow", E.pow, 0.5, 2),
  {
    name: "where",
    f: (c, a, b) => E.where(E.gt(c, 0), a, b),
    args: arbShape({ minRank: 1, maxRank: 2, maxDim: 4 }).chain((s) =>
      fc.tuple(awayFromZero(s), f64(s), f64(s)),
    ),
  },
  unary("reduce_sum all", (x) => R.reduceSum(x)),
  {
    name: "reduce_sum axes",
    f: (x) => R.reduceSum(x, [0, 2]),
    args: arbShape({ minRank: 3, maxRank: 3, maxDim: 4 }).chain((s) => f64(s).map((x) => [x])),
  },
  {
    name: "reduce_max",
    f: (x) => R.reduceMax(x, [1]),
    args: arbShape({ minRank: 2, maxRank: 3, maxDim: 4 }).chain((s) => distinct(s).map((x) => [x])),
    firstOrderOnly: true,
  },
  {
    name: "reduce_min",
    f: (x) => R.reduceMin(x, [0]),
    args: arbShape({ minRank: 1, maxRank: 2, maxDim: 4 }).chain((s) => distinct(s).map((x) => [x])),
    firstOrderOnly: true,
  },
  {
    name: "reshape",
    f: (x) => E.mul(M.reshape(x, [-1]), M.reshape(x, [-1])),
    args: arbShape({ maxRank: 3, maxDim: 4 }).chain((s) => f64(s).map((x) => [x])),
  },
  {
    name: "transpose",
    f: (x) => E.sin(M.transpose(x, [2, 0, 1])),
    args: arbShape({ minRank: 3, maxRank: 3, maxDim: 4 }).chain((s) => f64(s).map((x) => [x])),
  },
  {
    name: "broadcast_to",
    f: (x) => E.exp(M.broadcastTo(x, [3, ...x.shape])),
    args: arbShape({ maxRank: 2, maxDim: 4 }).chain((s) => f64(s).map((x) => [x])),
  },
  {
    name: "slice with steps",
    f: (x) => E.square(M.slice(x, [1, 0], [x.shape[0], x.shape[1]], [2, 3])),
    args: fc
      .tuple(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 7 }))
      .chain(([a, b]) => f64([a, b]).map((x) => [x])),
  },
  {
    name: "pad with interior",
    f: (x) => E.square(M.pad(x, [1, 0], [2, 1], 0.5, [1, 2])),
    args: arbShape({ minRank: 2, maxRank: 2, maxDim: 4 }).chain((s) => f64(s).map((x) => [x])),
  },
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
      noVmap: true,
    }),
  ),
  {
    name: "matmul batched",
    f: (a, b) => matmulPrim(a, b),
    args: fc
      .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }))
      .chain(([bt, k]) => fc.tuple(f64([bt, 2, k]), f64([bt, k, 3]))),
  },
  ...(
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
      noVmap: true,
    }),
  ),
  {
    name: "gather",
    f: (x) => E.sin(gather(x, constant([2, 0, 2, 1], [2, 2], "i32"), 1)),
    args: fc.integer({ min: 1, max: 3 }).chain((n) => f64([n, 3, 2]).map((x) => [x])),
  },
  {
    name: "scatter_add",
    f: (u) => E.square(scatterAdd(u, constant([2, 0, 2], [3], "i32"), 0, 4)),
    args: f64([3, 2]).map((u) => [u]),
    noVmap: true,
  },
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
    noVmap: true,
  },
];

describe.each(ROWS)("$name", (row) => {
  const runs = { numRuns: 6, seed: 42 };
  test("reverse and forward mode match finite differences", () => {
    fc.assert(
      fc.property(row.args, (args) => {
        const r = checkGrads(row.f, args, { tol: row.tol ?? 1e-5 });
        if (!r.ok) throw new Error(`${row.name}: ${JSON.stringify(r.worst)}`);
      }),
      runs,
    );
  });
  test.skipIf(row.firstOrderOnly)("second order matches finite differences", () => {
    fc.assert(
      fc.property(row.args, (args) => {
        // d/dx of the gradient of <u, f>: grad(grad) composes through the primitives' rules
        const u = (y: T) => R.reduceSum(E.mul(y, E.sin(y)));
        const g = (...a: T[]) => grad((x0: T) => u(row.f(x0, ...a.slice(1))))(a[0]);
        const r = checkGrads(g, args, { tol: 1e-4, modes: ["rev"] });
        if (!r.ok) throw new Error(`${row.name}: ${JSON.stringify(r.worst)}`);
      }),
      { numRuns: 3, seed: 7 },
    );
  });
  test("jit(f) equals f", () => {
    fc.assert(
      fc.property(row.args, (args) => {
        const a = Array.from(row.f(...args).dataSync());
        const b = Array.from(jit(row.f)(...args).dataSync());
        expect(b).toEqual(a);
        const [, back] = vjp(row.f, ...args);
        const gj = jit((...xs: T[]) => vjp(row.f, ...xs)[1](row.f(...xs)))(...args);
        const ge = back(row.f(...args));
        gj.forEach((g: T, i: number) =>
          expect(Array.from(g.dataSync())).toEqual(Array.from(ge[i].dataSync())),
        );
      }),
      { numRuns: 3, seed: 3 },
    );
  });
  test.skipIf(row.noVmap)("vmap(f) equals a loop over f", () => {
    fc.assert(
      fc.property(row.args, fc.integer({ min: 1, max: 3 }), (args, n) => {
        const batched = args.map((a) =>
          E.add(
            M.broadcastTo(M.reshape(a, [1, ...a.shape]), [n, ...a.shape]),
            M.reshape(
              constant(
                Array.from({ length: n }, (_, i) => i * 0.1),
                [n],
                "f64",
              ),
              [n, ...a.shape.map(() => 1)],
            ),
          ),
        );
        const got = vmap(row.f)(...batched) as T;
        for (let i = 0; i < n; i++) {
          const one = row.f(
            ...batched.map((b) =>
              M.reshape(
                M.slice(
                  b,
                  b.shape.map((_: number, j: number) => (j === 0 ? i : 0)),
                  b.shape.map((d: number, j: number) => (j === 0 ? i + 1 : d)),
                ),
                b.shape.slice(1),
              ),
            ),
          );
          const row_i = M.reshape(
            M.slice(
              got,
              got.shape.map((_: number, j: number) => (j === 0 ? i : 0)),
              got.shape.map((d: number, j: number) => (j === 0 ? i + 1 : d)),
            ),
            got.shape.slice(1),
          );
          const a = Array.from(one.dataSync());
          const b = Array.from(row_i.dataSync());
          b.forEach((v, k) => expect(v).toBeCloseTo(a[k], 10));
        }
      }),
      { numRuns: 3, seed: 5 },
    );
  });
});

test("custom_vjp uses the given backward rule", () => {
  const clipGrad = customVjp(
    (x: T) => [E.mul(x, 1)],
    (_ins, _outs, [ct]) => [E.minimum(E.maximum(ct, -0.5), 0.5)],
  );
  const x = constant([1, 2], [2], "f64");
  const g = grad((v: T) => R.reduceSum(E.mul(clipGrad(v)[0], 3)))(x);
  expect(Array.from(g.dataSync())).toEqual([0.5, 0.5]);
});

describe("custom_vjp under vmap keeps its rule", () => {
  // the rule clips each cotangent to [-0.5, 0.5]; differentiating the forward function would
  // give 3·x² instead (x·x·x), so only the rule gives these numbers
  const clipped = customVjp(
    (x: T, w: T) => [E.mul(E.mul(x, x), E.mul(x, w))],
    (_ins, _outs, [ct]) => [E.minimum(E.maximum(ct, -0.5), 0.5), null],
  );
  const xs = constant([1, -2, 3, 0.25, -1, 2], [3, 2], "f64");
  const w = constant([1, 1], [2], "f64");
  const want = [0.5, -0.5, 0.5, 0.5, -0.5, 0.5];
  const f = (v: T) => vmap((row: T) => clipped(row, w)[0])(v) as T;

  test("grad of vmap (batched argument, unbatched captured weight)", () => {
    const g = grad((v: T) => R.reduceSum(E.mul(f(v), E.sign(f(v)))))(xs);
    expect(Array.from(g.dataSync())).toEqual(want);
  });

  test("grad of vmap with the batch on axis 1, and under jit", () => {
    const xt = M.transpose(xs, [1, 0]);
    const h = (v: T) => vmap((col: T) => clipped(col, w)[0], { inAxes: [1] })(v) as T;
    const g = grad((v: T) => R.reduceSum(E.mul(h(v), 7)))(xt);
    expect(Array.from(M.transpose(g, [1, 0]).dataSync())).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    const gj = jit(grad((v: T) => R.reduceSum(E.mul(f(v), -7))))(xs) as T;
    expect(Array.from(gj.dataSync())).toEqual([-0.5, -0.5, -0.5, -0.5, -0.5, -0.5]);
  });

  test("the forward values are the batched forward function's", () => {
    expect(Array.from(f(xs).dataSync())).toEqual([1, -8, 27, 0.25 ** 3, -1, 8]);
  });
});

test("stop_gradient blocks the derivative", () => {
  const x = constant([1, 2], [2], "f64");
  const g = grad((v: T) => R.reduceSum(E.mul(E.stopGradient(v), v)))(x);
  expect(Array.from(g.dataSync())).toEqual([1, 2]);
});
