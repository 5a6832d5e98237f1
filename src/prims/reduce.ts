/**
 * Reductions: sum, max and min over a set of axes, and argmax/argmin over one axis.
 * @module
 */
import type { Backend, Buf, ReduceOp } from "../backend/backend.js";
import type { Kernel, Maybe, PrimRule } from "../ir/primitive.js";
import type { Aval } from "../ir/program.js";
import { bind1 } from "../ir/trace.js";
import { DTypeError, fmt, ShapeError } from "../shape/errors.js";
import type { AnyTensor as T } from "../tensor/tensor.js";
import { prod, requireDtype } from "./shapes.js";
import { add, broadcastTo, cast, div, eq, moveAxisTo, mul, reduceSum, reshape } from "./core.js";

export { argmax, argmin, reduceMax, reduceMin, reduceSum } from "./core.js";

/** The shape of `x` reduced over `axes`, with those axes kept as size 1. */
export function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function reducedAval(op: string, x: Aval, axes: readonly number[], nonEmpty: boolean): Aval {
  for (const a of axes) {
    if (a < 0 || a >= x.shape.length)
      throw new ShapeError(op, `axis ${a} is out of range for shape ${fmt(x.shape)}`);
    if (nonEmpty && x.shape[a] === 0) {
      throw new ShapeError(
        op,
        `cannot reduce an empty axis ${a} of shape ${fmt(x.shape)} (it has no ${op})`,
      );
    }
  }
  return { shape: x.shape.filter((_, i) => !axes.includes(i)), dtype: x.dtype };
}

/** One `[outer, mid, inner]` reduction kernel call, giving `size` elements. */
interface ReduceStep {
  outer: number;
  mid: number;
  inner: number;
  size: number;
}

/**
 * The kernel calls that reduce `shape` over sorted `axes`: one per run of adjacent axes, the last
 * run first (so the earlier runs keep their positions). No copy: the reduced axes never move.
 */
function reduceSteps(shape: readonly number[], axes: readonly number[]): ReduceStep[] {
  const runs: number[][] = [];
  for (const a of axes) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[last.length - 1] === a - 1) last.push(a);
    else runs.push([a]);
  }
  const steps: ReduceStep[] = [];
  let cur = [...shape];
  for (let r = runs.length - 1; r >= 0; r--) {
    const run = runs[r];
    const outer = prod(cur.slice(0, run[0]));
    const mid = prod(run.map((a) => cur[a]));
    const inner = prod(cur.slice(run[run.length - 1] + 1));
    steps.push({ outer, mid, inner, size: outer * inner });
    cur = cur.filter((_, i) => !run.includes(i));
  }
  return steps;
}

/**
 * Runs `steps` from `x` into `out` through `temps` (one buffer per step but the last), or through
 * temporary buffers freed at once when `temps` is not given.
 */
function runSteps(
  be: Backend,
  op: ReduceOp,
  x: Buf,
  out: Buf,
  steps: readonly ReduceStep[],
  temps?: readonly Buf[],
): void {
  let src = x;
  for (let i = 0; i < steps.length; i++) {
    const { outer, mid, inner, size } = steps[i];
    const last = i === steps.length - 1;
    const dst = last ? out : (temps?.[i] ?? be.allocUninit(x.dtype, size));
    be.reduce(op, src, dst, outer, mid, inner);
    if (src !== x && temps === undefined) be.free(src);
    src = dst;
  }
}

/**
 * {@link runReduce} with its geometry computed once. A reduction in several steps keeps its
 * intermediate buffers from one call to the next (allocated on the first call, per backend), so a
 * planned program does not allocate when it runs; they are freed with the prepared kernel.
 */
function prepareReduce(op: ReduceOp, shape: readonly number[], axes: readonly number[]): Kernel {
  if (axes.length === 0) {
    const n = [prod(shape)];
    const one = [1];
    return (be, [x], [y]) => be.copy(x, 0, one, y, 0, one, n);
  }
  const steps = reduceSteps(shape, axes);
  if (steps.length === 1) {
    const { outer, mid, inner } = steps[0];
    return (be, [x], [y]) => be.reduce(op, x, y, outer, mid, inner);
  }
  let held: { be: Backend; temps: Buf[] } | null = null;
  return (be, [x], [y]) => {
    if (held === null || held.be !== be) {
      held = { be, temps: steps.slice(0, -1).map((s) => be.allocUninit(x.dtype, s.size)) };
    }
    runSteps(be, op, x, y, steps, held.temps);
  };
}

function batchAxes<P extends "reduce_sum" | "reduce_max" | "reduce_min">(prim: P) {
  return (
    [x]: T[],
    [d]: Maybe<number>[],
    { axes }: { axes: readonly number[] },
  ): [T[], Maybe<number>[]] => {
    const xf = moveAxisTo(x, d!, 0);
    return [[bind1(prim, [xf], { axes: axes.map((a) => a + 1) })], [0]];
  };
}

function extremumRule(prim: "reduce_max" | "reduce_min", op: "max" | "min"): PrimRule<any> {
  // The derivative flows to the positions that attain the extremum, split evenly between ties.
  const share = (x: T, y: T, axes: readonly number[]): T => {
    const mask = cast(eq(x, reshape(y, keptShape(x.shape, axes))), x.dtype);
    const count = reshape(reduceSum(mask, [...axes]), keptShape(x.shape, axes));
    return div(mask, count);
  };
  return {
    abstractEval: ([x], { axes }) => {
      requireDtype(op, x.dtype, ["f32", "f64", "i32"]);
      return [reducedAval(op, x, axes, true)];
    },
    kernel: ([ax], { axes }) => prepareReduce(op, ax.shape, axes),
    jvp: ([x], [t], { axes }, [y]) => [t ? reduceSum(mul(t, share(x, y, axes)), [...axes]) : null],
    // the kept-axes cotangent broadcasts in the product itself: no copy of it at x's size
    vjp: ([ct], [x], [y], { axes }) => [
      ct ? mul(reshape(ct, keptShape(x.shape, axes)), share(x, y, axes)) : null,
    ],
    batch: batchAxes(prim),
  };
}

function argRule(prim: "argmax" | "argmin"): PrimRule<any> {
  return {
    abstractEval: ([x], { axis }) => {
      requireDtype(prim, x.dtype, ["f32", "f64", "i32"]);
      return [{ ...reducedAval(prim, x, [axis], true), dtype: "i32" }];
    },
    kernel:
      ([ax], { axis }) =>
      (be, [x], [y]) =>
        be.reduce(
          prim,
          x,
          y,
          prod(ax.shape.slice(0, axis)),
          ax.shape[axis],
          prod(ax.shape.slice(axis + 1)),
        ),
    jvp: () => [null],
    vjp: () => [null],
    batch: ([x], [d], { axis }) => [[bind1(prim, [moveAxisTo(x, d!, 0)], { axis: axis + 1 })], [0]],
  };
}

/** The reduction rules. */
export const reduceRules: {
  reduce_sum: PrimRule<"reduce_sum">;
  reduce_max: PrimRule<"reduce_max">;
  reduce_min: PrimRule<"reduce_min">;
  argmax: PrimRule<"argmax">;
  argmin: PrimRule<"argmin">;
} = {
  reduce_sum: {
    abstractEval: ([x], { axes }) => {
      if (x.dtype === "bool")
        throw new DTypeError("sum", "cannot sum bool values; cast to i32 or f32 first");
      return [reducedAval("sum", x, axes, false)];
    },
    kernel: ([ax], { axes }) => prepareReduce("sum", ax.shape, axes),
    jvp: (_x, [t], { axes }) => [t ? reduceSum(t, [...axes]) : null],
    vjp: ([ct], [x], _y, { axes }) => [
      ct ? broadcastTo(reshape(ct, keptShape(x.shape, axes)), x.shape) : null,
    ],
    batch: batchAxes("reduce_sum"),
  },
  reduce_max: extremumRule("reduce_max", "max"),
  reduce_min: extremumRule("reduce_min", "min"),
  argmax: argRule("argmax"),
  argmin: argRule("argmin"),
};

/** Sum of two possibly-absent cotangents. */
export function addMaybe(a: Maybe<T>, b: Maybe<T>): Maybe<T> {
  return a && b ? add(a, b) : (a ?? b);
}
