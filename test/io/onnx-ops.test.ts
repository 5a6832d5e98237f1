/**
 * One row per use of a primitive: each small function is exported (batch size symbolic) and run in
 * onnxruntime against typegrad on the same inputs. A coverage check proves that the rows and the
 * stated exclusions together reach every primitive of the table.
 */
import * as ort from "onnxruntime-node";
import { describe, expect, test } from "vitest";
import * as tg from "../../src/index.js";
import { UNARY_OPS } from "../../src/backend/ops.js";
import type { Prim } from "../../src/ir/primitive.js";
import type { Program } from "../../src/ir/program.js";
import { onnxOps } from "../../src/io/onnx/ops.js";
import { customVjp, scan } from "../../src/prims/control.js";
import { conv2dPrim } from "../../src/prims/conv.js";
import * as P from "../../src/prims/elementwise.js";
import { gather } from "../../src/prims/indexing.js";
import { matmulPrim } from "../../src/prims/linalg.js";
import * as M from "../../src/prims/movement.js";
import * as R from "../../src/prims/reduce.js";
import type { AnyTensor as T } from "../../src/tensor/tensor.js";

type Fn = (...xs: T[]) => T | T[];
interface Row {
  name: string;
  f: Fn;
  args: T[];
  /** Shapes that do not follow axis 0 of the inputs: exported with a static batch size. */
  fixed?: boolean;
}

let seed = 0;
const normal = (...shape: number[]): T => tg.random.normal(tg.random.key(seed++), shape) as T;
const ids = (high: number, ...shape: number[]): T =>
  tg.random.randint(tg.random.key(seed++), shape, 0, high) as T;
const pos = (x: T) => P.add(P.abs(x), 0.1);

/** Unary ops on a normal input, but for those listed with the input they need. */
const unaryListed: [string, (x: T) => T][] = [
  ["log", (x) => P.log(pos(x))],
  ["sqrt", (x) => P.sqrt(pos(x))],
  ["floor", (x) => P.floor(P.mul(x, 3))],
  ["stop_gradient", P.stopGradient],
];
const unary: [string, (x: T) => T][] = [
  ...unaryListed,
  ...UNARY_OPS.filter((op) => !unaryListed.some(([name]) => name === op)).map(
    (op): [string, (x: T) => T] => [op, (x) => P.unary(op, x)],
  ),
];
const binary: [string, (x: T, y: T) => T][] = [
  ["add", P.add],
  ["sub", P.sub],
  ["mul", P.mul],
  ["div", P.div],
  ["max", P.maximum],
  ["min", P.minimum],
  ["pow", (x, y) => P.pow(pos(x), y)],
  ["lt", P.lt],
  ["le", P.le],
  ["gt", P.gt],
  ["ge", P.ge],
  ["eq", (x, y) => P.eq(P.floor(x), P.floor(y))],
  ["ne", (x, y) => P.ne(P.floor(x), P.floor(y))],
];

const rows: Row[] = [
  ...unary.map(([name, f]) => ({ name, f, args: [normal(3, 4)] })),
  ...binary.map(([name, f]) => ({
    name: `${name} (broadcast)`,
    f,
    args: [normal(3, 4), normal(4)],
  })),
  { name: "where", f: (x, y) => P.where(P.lt(x, y), x, y), args: [normal(3, 4), normal(3, 4)] },
  {
    name: "cast f32 → i32 → f32, bool → f32",
    f: (x) => [P.cast(P.mul(x, 4), "i32"), P.cast(P.lt(x, 0), "f32")],
    args: [normal(3, 4)],
  },
  { name: "reduce_sum over [1]", f: (x) => R.reduceSum(x, [1]), args: [normal(3, 4, 5)] },
  { name: "reduce_sum over [0, 2]", f: (x) => R.reduceSum(x, [0, 2]), args: [normal(3, 4, 5)] },
  {
    name: "reduce_max, reduce_min",
    f: (x) => [R.reduceMax(x, [2]), R.reduceMin(x, [0])],
    args: [normal(3, 4, 5)],
  },
  { name: "argmax, argmin", f: (x) => [R.argmax(x, 1), R.argmin(x, 0)], args: [normal(3, 4)] },
  { name: "reshape", f: (x) => M.reshape(x, [3, 2, 10]), args: [normal(3, 4, 5)], fixed: true },
  {
    name: "reshape of the batch (a symbolic size)",
    f: (x) => M.reshape(x, [x.shape[0] * 4, 5]),
    args: [normal(3, 4, 5)],
  },
  { name: "transpose", f: (x) => M.transpose(x, [2, 0, 1]), args: [normal(3, 4, 5)] },
  {
    name: "broadcast_to",
    f: (x) => M.broadcastTo(x, [2, 3, 4]),
    args: [normal(3, 1)],
    fixed: true,
  },
  {
    name: "slice with steps",
    f: (x) => M.slice(x, [1, 0, 1], [3, 4, 5], [1, 2, 3]),
    args: [normal(3, 4, 5)],
  },
  { name: "pad", f: (x) => M.pad(x, [1, 0], [2, 1], 0.5), args: [normal(3, 4)] },
  { name: "concat", f: (x, y) => M.concat([x, y, x], 1), args: [normal(3, 2), normal(3, 4)] },
  { name: "matmul", f: (a, b) => matmulPrim(a, b), args: [normal(3, 4), normal(4, 5)] },
  {
    name: "matmul, transposed operands and batch axes",
    f: (a, b, c) => [matmulPrim(a, b, true, false), matmulPrim(c, b, false, true)],
    args: [normal(2, 4, 3), normal(4, 5), normal(6, 5)],
    fixed: true,
  },
  {
    name: "conv2d, strides and uneven pads",
    f: (x, w) => conv2dPrim(x, w, [2, 1], [1, 0, 1, 2]),
    args: [normal(2, 7, 6, 3), normal(3, 2, 3, 4)],
  },
  {
    name: "conv2d_bp_input (the gradient of a convolution with respect to its input)",
    f: tg.grad((x: T, w: T) =>
      R.reduceSum(P.square(conv2dPrim(x, w, [2, 2], [1, 1, 0, 1])), [0, 1, 2, 3]),
    ) as Fn,
    args: [normal(2, 7, 6, 3), normal(3, 3, 3, 4)],
  },
  {
    name: "gather rows (embedding)",
    f: (t, i) => gather(t, i, 0),
    args: [normal(10, 3), ids(10, 2, 5)],
  },
  { name: "gather on axis 1", f: (x, i) => gather(x, i, 1), args: [normal(3, 6), ids(6, 4)] },
  {
    name: "scan with a constant, forward",
    f: (xs, w) => {
      const [[c], [ys]] = scan(
        ([c], [x]) => {
          const n = P.add(P.mul(c, w), x);
          return [[n], [P.tanh(n)]];
        },
        [M.zerosLike(w)],
        [xs],
      );
      return [c, ys];
    },
    args: [normal(5, 3), normal(3)],
  },
  {
    name: "scan in reverse",
    f: (xs) => {
      const [[c], [ys]] = scan(
        ([c], [x]) => [[P.add(c, x)], [P.mul(c, x)]],
        [M.zerosLike(R.reduceSum(xs, [0]))],
        [xs],
        {
          reverse: true,
        },
      );
      return [c, ys];
    },
    args: [normal(6, 2)],
  },
  {
    name: "custom_vjp (its forward function)",
    f: (x) =>
      customVjp(
        (a: T) => [P.log(pos(a))],
        ([a], _y, [ct]) => [P.div(ct, a)],
      )(x)[0],
    args: [normal(3, 4)],
  },
];

/** Primitives no row exports, and why; the rows below check that they throw. */
const EXCLUDED: Partial<Record<Prim, string>> = {
  scatter_add: "the gradient of gather",
  conv2d_bp_filter: "the gradient of conv2d with respect to its filter",
  random_bits: "random numbers",
  random_uniform: "random numbers",
  fused: "made by lowering only, never in a traced program (exported as its body)",
};

const ORT_TYPE = { f32: "float32", i32: "int32", f64: "float64" } as const;
const quiet: ort.InferenceSession.SessionOptions = { logSeverityLevel: 3 };

function feed(x: T): ort.Tensor {
  const d = x.dataSync();
  if (x.dtype === "bool")
    return new ort.Tensor("bool", Uint8Array.from(d as ArrayLike<number>), x.shape);
  const type = ORT_TYPE[x.dtype as "f32" | "i32" | "f64"];
  return new ort.Tensor(type, d as Float32Array, x.shape);
}

function prims(p: Program, into = new Set<string>()): Set<string> {
  for (const e of p.eqns) {
    into.add(e.prim);
    const params = e.params as Record<string, unknown>;
    for (const v of Object.values(params)) if (v instanceof tg.Program) prims(v, into);
  }
  return into;
}

describe("every primitive row runs in onnxruntime", () => {
  test.each(rows)("$name", async ({ f, args, fixed }) => {
    const bytes = tg.io.exportOnnxWith({ params: 0, dynamicBatch: !fixed }, f, ...args);
    const session = await ort.InferenceSession.create(bytes, quiet);
    const names = session.inputNames;
    expect(names).toHaveLength(args.length);
    const got = await session.run(Object.fromEntries(names.map((n, i) => [n, feed(args[i])])));
    const want = ([] as T[]).concat(f(...args));
    expect(session.outputNames).toHaveLength(want.length);
    session.outputNames.forEach((n, j) => {
      const g = got[n];
      expect(g.dims, n).toEqual(want[j].shape);
      const w = want[j].dataSync() as ArrayLike<number>;
      const d = g.data as ArrayLike<number>;
      for (let i = 0; i < w.length; i++) {
        const ok = Math.abs(Number(d[i]) - Number(w[i])) <= 1e-5 + 1e-4 * Math.abs(Number(w[i]));
        if (!ok) expect(`${n}[${i}] = ${d[i]}`).toBe(`${n}[${i}] = ${w[i]}`);
      }
    });
    await session.release();
  });

  test("the rows and the exclusions reach every primitive of the table", () => {
    const seen = new Set<string>();
    for (const r of rows) prims(tg.makeProgram(r.f)(...r.args), seen);
    const missing = Object.keys(onnxOps).filter((p) => !seen.has(p) && !(p in EXCLUDED));
    expect(missing).toEqual([]);
  });

  test.each([
    [
      "scatter_add",
      tg.grad((x: T) => R.reduceSum(gather(x, tg.tensor([0, 1, 1], "i32") as T, 1), [0, 1])) as Fn,
    ],
    [
      "conv2d_bp_filter",
      tg.grad((w: T) =>
        R.reduceSum(conv2dPrim(tg.ones([1, 4, 4, 1]) as T, w, [1, 1], [0, 0, 0, 0]), [0, 1, 2, 3]),
      ) as Fn,
    ],
    ["random_uniform", (x: T) => P.add(x, tg.random.uniform(tg.random.key(1), [2, 3]) as T)],
    ["pad", tg.grad((x: T) => R.reduceSum(M.slice(x, [0, 0], [2, 3], [1, 2]), [0, 1])) as Fn],
  ] as const)("%s throws an OnnxExportError naming it", (prim, f) => {
    const x = prim === "conv2d_bp_filter" ? tg.zeros([2, 2, 1, 1]) : tg.zeros([2, 3]);
    // folding would compute these gradients of constants at export time: keep the primitives
    const opts = { params: 0, dynamicBatch: false, foldConstants: prim === "random_uniform" };
    expect(() => tg.io.exportOnnxWith(opts, f, x as T)).toThrow(
      new RegExp(`(the primitive ${prim} cannot be exported|^exportOnnx: ${prim} with interior)`),
    );
  });
});

describe("the symbolic batch size", () => {
  test("a function whose sizes do not follow axis 0 asks for a static export", () => {
    const f = (x: T) => M.reshape(x, [3, 2, 10]);
    expect(() => tg.io.exportOnnxWith({ params: 0 }, f, normal(3, 4, 5))).toThrow(
      /fails at batch size 4 .*cannot reshape.*export with \{ dynamicBatch: false \}/,
    );
  });

  test("a size that is not affine in the batch size is refused by name", () => {
    // the second axis grows with the square of the batch size
    const f = (x: T) => M.broadcastTo(M.reshape(x, [x.shape[0], 1]), [x.shape[0], x.shape[0] ** 2]);
    expect(() => tg.io.exportOnnxWith({ params: 0 }, f, normal(2))).toThrow(
      /broadcast_to \(equation \d+\) params\.shape\[1\] is 4, 9, 25 at batch sizes 2, 3, 5: not an affine function/,
    );
  });
});
