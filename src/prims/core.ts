/**
 * The core primitives as functions on tensors: the elementwise, movement and reduction binders,
 * with no rules. Every rule file writes its derivative and batching code with these, so the rule
 * files import this module and not each other (no import cycle), and re-export what they declare.
 * @example
 * ```ts
 * import { add, reduceSum, reshape } from "./core.js";
 * const x = tg.tensor([[1, 2], [3, 4]]);
 * const s = reduceSum(reshape(add(x, 1), [-1])); // 14
 * ```
 * @module
 */
import { bind1 } from "../ir/trace.js";
import { checkDType, type DType } from "../shape/dtype.js";
import { fmt, ShapeError } from "../shape/errors.js";
import type { AnyTensor as T } from "../tensor/tensor.js";
import type { BinaryOp, UnaryOp } from "../backend/backend.js";
import { scalar } from "./constants.js";
import { checkShape, normAxes, normAxis, prod, sameShape } from "./shapes.js";

// ─── elementwise (untyped; the typed public API wraps them) ──────────────────────────────

export const neg = (x: T): T => bind1("neg", [x], {});
export const exp = (x: T): T => bind1("exp", [x], {});
export const log = (x: T): T => bind1("log", [x], {});
export const sin = (x: T): T => bind1("sin", [x], {});
export const cos = (x: T): T => bind1("cos", [x], {});
export const tanh = (x: T): T => bind1("tanh", [x], {});
export const logistic = (x: T): T => bind1("logistic", [x], {});
export const sqrt = (x: T): T => bind1("sqrt", [x], {});
export const abs = (x: T): T => bind1("abs", [x], {});
export const sign = (x: T): T => bind1("sign", [x], {});
export const floor = (x: T): T => bind1("floor", [x], {});
export const erf = (x: T): T => bind1("erf", [x], {});
/**
 * Any unary primitive by its name (a new op needs no binder of its own).
 * @example
 * ```ts
 * unary("exp", tg.tensor([0])); // [1]
 * ```
 */
export const unary = (op: UnaryOp, x: T): T => bind1(op, [x], {});

/** A tensor operand or a plain number (taken in the other operand's dtype). */
export type Operand = T | number;
const lift = (a: Operand, like: Operand): T =>
  typeof a === "number" ? scalar(a, typeof like === "number" ? "f32" : like.dtype) : a;
const bin =
  (p: BinaryOp) =>
  (a: Operand, b: Operand): T =>
    bind1(p, [lift(a, b), lift(b, a)], {});
export const add = bin("add");
export const sub = bin("sub");
export const mul = bin("mul");
export const div = bin("div");
export const maximum = bin("max");
export const minimum = bin("min");
export const pow = bin("pow");
export const lt = bin("lt");
export const le = bin("le");
export const gt = bin("gt");
export const ge = bin("ge");
export const eq = bin("eq");
export const ne = bin("ne");
/** `cond ? a : b`, elementwise with broadcasting. */
export const where = (cond: T, a: Operand, b: Operand): T =>
  bind1("where", [cond, lift(a, b), lift(b, a)], {});
/** Converts to another dtype (a no-op when it already has it). */
export const cast = (x: T, dtype: DType): T => {
  checkDType("cast", dtype);
  return x.dtype === dtype ? x : bind1("cast", [x], { dtype });
};
/** The identity whose derivative is zero. */
export const stopGradient = (x: T): T => bind1("stop_gradient", [x], {});
export const square = (x: T): T => mul(x, x);
export const reciprocal = (x: T): T => div(1, x);

/** Sums `ct` down to `shape`, undoing numpy broadcasting (the VJP of a broadcast). */
export function unbroadcast(ct: T, shape: readonly number[]): T {
  if (ct.shape.length === shape.length && ct.shape.every((d: number, i: number) => d === shape[i]))
    return ct;
  const lead = ct.shape.length - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < ct.shape.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && ct.shape[i] !== 1)) axes.push(i);
  }
  return reshape(reduceSum(ct, axes), shape);
}

// ─── movement ─────────────────────────────────────────────────────────────────────────

/** Reshape to `shape`; one entry may be -1 (inferred). Shares the data: no copy. */
export function reshape(x: T, shape: readonly number[]): T {
  const resolved = resolveShape("reshape", x.shape, shape);
  return sameShape(resolved, x.shape) ? x : bind1("reshape", [x], { shape: resolved });
}

/** Permute axes (reverse them when `perm` is omitted). */
export function transpose(x: T, perm?: readonly number[]): T {
  const p = perm
    ? perm.map((a) => normAxis("transpose", a, x.rank))
    : [...x.shape.keys()].reverse();
  return p.every((a, i) => a === i) ? x : bind1("transpose", [x], { perm: p });
}

/** Broadcast to `shape` with numpy rules. */
export function broadcastTo(x: T, shape: readonly number[]): T {
  return sameShape(x.shape, shape) ? x : bind1("broadcast_to", [x], { shape: [...shape] });
}

/** Moves axis `from` to position `to`. */
export function moveAxisTo(x: T, from: number, to: number): T {
  if (from === to) return x;
  const perm = [...x.shape.keys()].filter((a) => a !== from);
  perm.splice(to, 0, from);
  return transpose(x, perm);
}

/** Slice with per-axis starts, ends (exclusive) and positive steps. */
export function slice(
  x: T,
  starts: readonly number[],
  ends: readonly number[],
  steps?: readonly number[],
): T {
  const st = steps ?? starts.map(() => 1);
  if (starts.every((s, i) => s === 0 && ends[i] === x.shape[i] && st[i] === 1)) return x;
  return bind1("slice", [x], { starts, ends, steps: st });
}

/** Pads with `value`: `lo`/`hi` before and after each axis, `interior` between elements. */
export function pad(
  x: T,
  lo: readonly number[],
  hi: readonly number[],
  value = 0,
  interior?: readonly number[],
): T {
  return bind1("pad", [x], { lo, hi, interior: interior ?? lo.map(() => 0), value });
}

/** Joins tensors along an existing axis. */
export function concat(xs: T[], axis: number): T {
  if (xs.length === 0) throw new ShapeError("concat", "needs at least one tensor");
  if (xs.length === 1) return xs[0];
  return bind1("concat", xs, { axis: normAxis("concat", axis, xs[0].rank) });
}

/** Resolves one -1 entry and checks the element count. */
export function resolveShape(op: string, from: readonly number[], to: readonly number[]): number[] {
  const n = prod(from);
  const free = to.filter((d) => d === -1).length;
  if (free > 1) throw new ShapeError(op, `only one dimension may be -1, got ${fmt(to)}`);
  const known = prod(to.filter((d) => d !== -1));
  const out = to.map((d) => {
    if (d !== -1) return d;
    if (known === 0 || n % known !== 0) {
      throw new ShapeError(op, `cannot infer -1 in ${fmt(to)} from ${fmt(from)} (${n} elements)`);
    }
    return n / known;
  });
  checkShape(op, out);
  if (prod(out) !== n) {
    throw new ShapeError(
      op,
      `cannot reshape ${fmt(from)} (${n} elements) to ${fmt(to)} (${prod(out)} elements)`,
    );
  }
  return out;
}

/** A zero tensor shaped like `x` (a constant). */
export function zerosLike(x: T): T {
  return broadcastTo(constantZero(x), x.shape);
}

function constantZero(x: T): T {
  return reshape(
    scalar(0, x.dtype),
    x.shape.map(() => 1),
  );
}

// ─── reductions ──────────────────────────────────────────────────────────────────────────

/** Sum over `axes` (all when omitted); the axes are removed. */
export const reduceSum = (x: T, axes?: readonly number[]): T =>
  bind1("reduce_sum", [x], { axes: normAxes("sum", axes, x.rank) });
/** Maximum over `axes`; the axes are removed. */
export const reduceMax = (x: T, axes?: readonly number[]): T =>
  bind1("reduce_max", [x], { axes: normAxes("max", axes, x.rank) });
/** Minimum over `axes`; the axes are removed. */
export const reduceMin = (x: T, axes?: readonly number[]): T =>
  bind1("reduce_min", [x], { axes: normAxes("min", axes, x.rank) });
/** Index of the maximum along `axis` (i32); the axis is removed. */
export const argmax = (x: T, axis: number): T =>
  bind1("argmax", [x], { axis: normAxis("argmax", axis, x.rank) });
/** Index of the minimum along `axis` (i32); the axis is removed. */
export const argmin = (x: T, axis: number): T =>
  bind1("argmin", [x], { axis: normAxis("argmin", axis, x.rank) });
