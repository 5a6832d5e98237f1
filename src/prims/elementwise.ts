/**
 * Elementwise primitives: one-argument functions, two-argument arithmetic and comparisons with
 * numpy broadcasting, `where`, `cast` and `stop_gradient`. Each is declared once here with its shape
 * rule, kernel, derivatives and batching rule.
 * @module
 */
import type { ArithOp, BinaryOp, CompareOp, UnaryOp } from "../backend/backend.js";
import type { Maybe, PrimRule } from "../ir/primitive.js";
import { bind1 } from "../ir/trace.js";
import type { DType } from "../shape/dtype.js";
import { isFloat } from "../shape/dtype.js";
import { DTypeError } from "../shape/errors.js";
import type { AnyTensor as T } from "../tensor/tensor.js";
import { scalar } from "./constants.js";
import { broadcastShapes, broadcastStrides, requireDtype, sameDtype } from "./shapes.js";

// ─── the binders (declared in core.ts, where every family reaches them) ──────────────────

export {
  abs,
  add,
  cast,
  cos,
  div,
  eq,
  erf,
  exp,
  floor,
  ge,
  gt,
  le,
  log,
  logistic,
  lt,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  type Operand,
  pow,
  reciprocal,
  sign,
  sin,
  sqrt,
  square,
  stopGradient,
  sub,
  tanh,
  unary,
  unbroadcast,
  where,
} from "./core.js";
import {
  add,
  broadcastTo,
  cast,
  cos,
  div,
  eq,
  exp,
  ge,
  le,
  log,
  logistic,
  moveAxisTo,
  mul,
  neg,
  pow,
  reciprocal,
  reshape,
  sign,
  sin,
  sub,
  unbroadcast,
  where,
} from "./core.js";

// ─── shared rule pieces ───────────────────────────────────────────────────────────────────

const FLOATS: DType[] = ["f32", "f64"];
const NUMERIC: DType[] = ["f32", "f64", "i32"];

/** Batching for any elementwise primitive: batch axes go first; unbatched operands broadcast. */
function batchElementwise(prim: ElementwisePrim) {
  return (args: T[], dims: Maybe<number>[], params: any): [T[], Maybe<number>[]] => {
    const rank = Math.max(...args.map((a, i) => a.rank - (dims[i] === null ? 0 : 1)));
    const moved = args.map((a, i) => {
      const d = dims[i];
      if (d === null) return a;
      const front = moveAxisTo(a, d, 0);
      const rest = front.shape.slice(1);
      return reshape(front, [front.shape[0], ...new Array(rank - rest.length).fill(1), ...rest]);
    });
    return [[bind1(prim, moved, params)], [0]];
  };
}

/** `t·g`, skipping the product when `g` is ±1. */
function scale(t: T, g: T | number): T {
  if (g === 1) return t;
  if (g === -1) return neg(t);
  return mul(t, g);
}

type Partial = T | number | null;

function unaryRule(op: UnaryOp, dtypes: DType[], d: (x: T, y: T) => Partial): PrimRule<any> {
  return {
    abstractEval: ([x]) => {
      requireDtype(op, x.dtype, dtypes);
      return [x];
    },
    kernel:
      () =>
      (be, [x], [y]) =>
        be.unary(op, x, y),
    overwrites: true,
    jvp: ([x], [t], _p, [y]) => {
      const g = t && d(x, y);
      return [t && g !== null ? scale(t, g) : null];
    },
    vjp: ([ct], [x], [y]) => {
      const g = ct && d(x, y);
      return [ct && g !== null ? scale(ct, g) : null];
    },
    batch: batchElementwise(op),
  };
}

function binaryAval(
  op: string,
  a: { shape: readonly number[]; dtype: DType },
  b: typeof a,
  out?: DType,
) {
  const dtype = sameDtype(op, [a, b]);
  return [{ shape: broadcastShapes(op, a.shape, b.shape), dtype: out ?? dtype }];
}

function binaryPrepare(op: BinaryOp): PrimRule<any>["kernel"] {
  return ([aa, ab]) => {
    const shape = broadcastShapes(op, aa.shape, ab.shape);
    const sa = broadcastStrides(aa.shape, shape);
    const sb = broadcastStrides(ab.shape, shape);
    return (be, [a, b], [y]) => be.binary(op, a, b, y, shape, sa, sb);
  };
}

/** A differentiable binary rule from the partial derivatives ∂y/∂a and ∂y/∂b. */
function arithRule(
  op: "add" | "sub" | "mul" | "div" | "max" | "min" | "pow",
  da: (a: T, b: T, y: T) => Partial,
  db: (a: T, b: T, y: T) => Partial,
): PrimRule<any> {
  return {
    abstractEval: ([a, b]) => {
      requireDtype(op, a.dtype, NUMERIC);
      return binaryAval(op, a, b);
    },
    kernel: binaryPrepare(op),
    overwrites: true,
    jvp: ([a, b], [ta, tb], _p, [y]) => {
      if (!isFloat(y.dtype)) return [null];
      const ga = ta && da(a, b, y);
      const gb = tb && db(a, b, y);
      const pa = ta && ga !== null ? scale(ta, ga) : null;
      const pb = tb && gb !== null ? scale(tb, gb) : null;
      const sum = pa && pb ? add(pa, pb) : (pa ?? pb);
      return [sum ? broadcastTo(sum, y.shape) : null];
    },
    vjp: ([ct], [a, b], [y]) => {
      if (!ct || !isFloat(y.dtype)) return [null, null];
      const ga = da(a, b, y);
      const gb = db(a, b, y);
      return [
        ga !== null ? unbroadcast(scale(ct, ga), a.shape) : null,
        gb !== null ? unbroadcast(scale(ct, gb), b.shape) : null,
      ];
    },
    batch: batchElementwise(op),
  };
}

function compareRule(op: "lt" | "le" | "gt" | "ge" | "eq" | "ne"): PrimRule<any> {
  return {
    abstractEval: ([a, b]) => binaryAval(op, a, b, "bool"),
    kernel: binaryPrepare(op),
    overwrites: true,
    jvp: () => [null],
    vjp: () => [null, null],
    batch: batchElementwise(op),
  };
}

/**
 * The share of max's (`atLeast` = ge) or min's (`atLeast` = le) derivative that goes to the first
 * operand (`first`) or the second: 1 where it is selected, 0 where the other is, ½ at a tie, and
 * 0/0 = NaN where either is NaN (no comparison holds). It compares the operands, not the result,
 * which a fused kernel may have flushed to zero.
 */
function share(a: T, b: T, atLeast: (a: T, b: T) => T, first: boolean): T {
  const ma = cast(atLeast(a, b), a.dtype);
  const mb = cast(atLeast(b, a), a.dtype);
  return div(first ? ma : mb, add(ma, mb));
}

// ─── the rules ────────────────────────────────────────────────────────────────────────────

type ElementwisePrim = UnaryOp | ArithOp | CompareOp | "where" | "cast" | "stop_gradient";

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

const wherePrepare: PrimRule<any>["kernel"] = ([ac, aa, ab]) => {
  const shape = broadcastShapes("where", broadcastShapes("where", ac.shape, aa.shape), ab.shape);
  const [sc, sa, sb] = [ac, aa, ab].map((x) => broadcastStrides(x.shape, shape));
  return (be, [c, a, b], [y]) => be.where(c, a, b, y, shape, sc, sa, sb);
};

/** The elementwise rules. */
export const elementwiseRules: { [P in ElementwisePrim]: PrimRule<P> } = {
  neg: unaryRule("neg", NUMERIC, () => -1),
  exp: unaryRule("exp", FLOATS, (_x, y) => y),
  log: unaryRule("log", FLOATS, (x) => reciprocal(x)),
  sin: unaryRule("sin", FLOATS, (x) => cos(x)),
  cos: unaryRule("cos", FLOATS, (x) => neg(sin(x))),
  tanh: unaryRule("tanh", FLOATS, (_x, y) => sub(1, mul(y, y))),
  logistic: unaryRule("logistic", FLOATS, (_x, y) => mul(y, sub(1, y))),
  sqrt: unaryRule("sqrt", FLOATS, (_x, y) => div(0.5, y)),
  abs: unaryRule("abs", NUMERIC, (x) => sign(x)),
  sign: unaryRule("sign", NUMERIC, () => null),
  floor: unaryRule("floor", FLOATS, () => null),
  erf: unaryRule("erf", FLOATS, (x) => mul(TWO_OVER_SQRT_PI, exp(neg(mul(x, x))))),
  softplus: unaryRule("softplus", FLOATS, (x) => logistic(x)),
  add: arithRule(
    "add",
    () => 1,
    () => 1,
  ),
  sub: arithRule(
    "sub",
    () => 1,
    () => -1,
  ),
  mul: arithRule(
    "mul",
    (_a, b) => b,
    (a) => a,
  ),
  div: arithRule(
    "div",
    (_a, b) => reciprocal(b),
    (_a, b, y) => neg(div(y, b)),
  ),
  max: arithRule(
    "max",
    (a, b) => share(a, b, ge, true),
    (a, b) => share(a, b, ge, false),
  ),
  min: arithRule(
    "min",
    (a, b) => share(a, b, le, true),
    (a, b) => share(a, b, le, false),
  ),
  pow: arithRule(
    "pow",
    // d/da a^b = b·a^(b−1), and 0 where b = 0 (a^0 is the constant 1, even at a = 0 or NaN)
    (a, b) => where(eq(b, 0), 0, mul(b, pow(a, sub(b, 1)))),
    // d/db a^b = y·log a (0 where a = 0)
    (a, _b, y) => where(eq(a, 0), 0, mul(y, log(where(eq(a, 0), 1, a)))),
  ),
  lt: compareRule("lt"),
  le: compareRule("le"),
  gt: compareRule("gt"),
  ge: compareRule("ge"),
  eq: compareRule("eq"),
  ne: compareRule("ne"),
  where: {
    abstractEval: ([c, a, b]) => {
      if (c.dtype !== "bool")
        throw new DTypeError("where", `the condition must be bool, got ${c.dtype}`);
      const dtype = sameDtype("where", [a, b]);
      const shape = broadcastShapes("where", broadcastShapes("where", c.shape, a.shape), b.shape);
      return [{ shape, dtype }];
    },
    kernel: wherePrepare,
    overwrites: true,
    jvp: ([c], [, ta, tb], _p, [y]) => {
      if (!ta && !tb) return [null];
      return [where(c, ta ?? scalar(0, y.dtype), tb ?? scalar(0, y.dtype))];
    },
    vjp: ([ct], [c, a, b]) => {
      if (!ct) return [null, null, null];
      const z = scalar(0, ct.dtype);
      return [null, unbroadcast(where(c, ct, z), a.shape), unbroadcast(where(c, z, ct), b.shape)];
    },
    batch: batchElementwise("where"),
  },
  cast: {
    abstractEval: ([x], { dtype }) => [{ shape: x.shape, dtype }],
    kernel:
      () =>
      (be, [x], [y]) =>
        be.cast(x, y),
    overwrites: true,
    jvp: ([x], [t], { dtype }) => [t && isFloat(x.dtype) && isFloat(dtype) ? cast(t, dtype) : null],
    vjp: ([ct], [x], _o, { dtype }) => [
      ct && isFloat(x.dtype) && isFloat(dtype) ? cast(ct, x.dtype) : null,
    ],
    batch: batchElementwise("cast"),
  },
  stop_gradient: {
    abstractEval: ([x]) => [x],
    kernel: ([ax]) => {
      const shape = [ax.shape.reduce((p, d) => p * d, 1)];
      const one = [1];
      return (be, [x], [y]) => be.copy(x, 0, one, y, 0, one, shape);
    },
    overwrites: true,
    jvp: () => [null],
    vjp: () => [null],
    batch: batchElementwise("stop_gradient"),
  },
};
