/**
 * Batching: a Program traced on one example is interpreted with a batch axis beside every value;
 * each primitive's batching rule says how the batched version computes. `null` means unbatched.
 * @module
 */
import type { Maybe } from "../ir/primitive.js";
import type { Aval, Program, Var } from "../ir/program.js";
import { avalOf, bind } from "../ir/trace.js";
import { broadcastTo, moveAxisTo, reshape } from "../prims/movement.js";
import { normAxis } from "../prims/shapes.js";
import { ShapeError } from "../shape/errors.js";
import { rules } from "../prims/table.js";
import { type AnyTensor as T, Tensor } from "../tensor/tensor.js";
import { flatten, unflatten } from "./pytree.js";
import { traceTree } from "./trace-tree.js";
import type { AxisTree, BatchLeaves, InAxes, Vmapped, Vmapped2, Vmapped3 } from "./vmap-types.js";

/**
 * Runs the per-example program `p` on batched `args`, whose batch axes are `dims`.
 * @example
 * ```ts
 * const xs = tg.tensor([[1, 2], [3, 4], [5, 6]]); // 3 examples of [2]
 * const p = tg.makeProgram((x: tg.Tensor<[2]>) => tg.sum(x))(tg.zeros([2]));
 * const [ys, yDims] = vmapProgram(p, [xs], [0]); // [[3, 7, 11]], [0]
 * ```
 */
export function vmapProgram(
  p: Program,
  args: readonly T[],
  dims: readonly Maybe<number>[],
): [T[], Maybe<number>[]] {
  const val = new Map<Var, T>();
  const dim = new Map<Var, number>();
  p.inputs.forEach((v, i) => {
    val.set(v, args[i]);
    const d = dims[i];
    if (d !== null && d !== undefined) dim.set(v, d);
  });
  p.constVars.forEach((v, i) => val.set(v, p.consts[i]));
  for (const e of p.eqns) {
    const ins = e.inputs.map((v) => val.get(v)!);
    const ds = e.inputs.map((v) => dim.get(v) ?? null);
    if (ds.every((d) => d === null)) {
      const outs = bind(e.prim, ins, e.params);
      e.outputs.forEach((v, i) => val.set(v, outs[i]));
      continue;
    }
    const [outs, odims] = (rules()[e.prim].batch as (...a: unknown[]) => [T[], Maybe<number>[]])(
      ins,
      ds,
      e.params,
    );
    e.outputs.forEach((v, i) => {
      val.set(v, outs[i]);
      const d = odims[i];
      if (d !== null) dim.set(v, d);
    });
  }
  return [p.outputs.map((v) => val.get(v)!), p.outputs.map((v) => dim.get(v) ?? null)];
}

/** A pytree type with a leading batch dimension `B` added to every tensor. */
export type Batched<X, B extends number> = BatchLeaves<X, 0, B>;

/** Options of `vmap`. */
export interface VmapOptions<IA extends InAxes = InAxes, OA extends AxisTree = number> {
  /**
   * The batch axis of the arguments: a number or `null` (not batched) for every argument, or a
   * list with one entry per argument (missing entries are `null`), each a number, `null` or a
   * pytree of them with the argument's structure. Negative axes count from the end of the batched
   * shape. Default 0.
   */
  inAxes?: IA;
  /**
   * Where the batch axis goes in the outputs: a number for every output tensor (negative counts
   * from the end), or a pytree of numbers and `null` with the output's structure (JAX's
   * `out_axes`); `null` returns that output unbatched, which needs it not to depend on the
   * batched arguments. Default 0.
   */
  outAxes?: OA;
}

/**
 * Turns a function of one example into a function of a batch. The types follow the axes: each
 * batched tensor gains the batch dimension `B` at its in-axis, and every output tensor at
 * `outAxes`.
 * @example
 * ```ts
 * const perExample = tg.vmap((x: tg.Tensor<[3]>) => tg.sum(x));
 * perExample(tg.ones([8, 3])); // Tensor<[8]>
 * const f = (w: tg.Tensor<[3]>, x: tg.Tensor<[3]>) => tg.sum(tg.mul(w, x));
 * tg.vmap(f, { inAxes: [null, -1] })(tg.ones([3]), tg.ones([3, 5])); // Tensor<[5]>
 * ```
 */
export function vmap<
  A extends unknown[],
  R,
  IA1,
  OA1 extends AxisTree,
  IA2,
  OA2 extends AxisTree,
  const IA extends InAxes = 0,
  const OA extends AxisTree = 0,
>(
  f: Vmapped2<A, R, IA1, OA1, IA2, OA2>,
  opts?: VmapOptions<IA, OA>,
): Vmapped3<A, R, IA1, OA1, IA2, OA2, IA, OA>;
export function vmap<
  A extends unknown[],
  R,
  IA1,
  OA1 extends AxisTree,
  const IA extends InAxes = 0,
  const OA extends AxisTree = 0,
>(f: Vmapped<A, R, IA1, OA1>, opts?: VmapOptions<IA, OA>): Vmapped2<A, R, IA1, OA1, IA, OA>;
export function vmap<
  A extends unknown[],
  R,
  const IA extends InAxes = 0,
  const OA extends AxisTree = 0,
>(f: (...args: A) => R, opts?: VmapOptions<IA, OA>): Vmapped<A, R, IA, OA>;
export function vmap(
  f: (...args: unknown[]) => unknown,
  opts: VmapOptions = {},
): (...args: unknown[]) => unknown {
  return (...args: unknown[]) => {
    const specs = args.map((_, i) =>
      typeof opts.inAxes === "number" || opts.inAxes === null || opts.inAxes === undefined
        ? (opts.inAxes ?? (opts.inAxes === null ? null : 0))
        : (opts.inAxes[i] ?? null),
    );
    const flat = args.map((a) => flatten(a)[0]);
    let size: number | null = null;
    const avals: Aval[] = [];
    const dims: Maybe<number>[] = [];
    flat.forEach((leaves, i) => {
      const axes = leafAxes(args[i], specs[i], `inAxes[${i}]`);
      leaves.forEach((t, j) => {
        const ax = axes[j];
        if (ax === null) {
          avals.push(avalOf(t));
          dims.push(null);
          return;
        }
        const a = normAxis("vmap", ax, t.rank);
        if (size !== null && t.shape[a] !== size) {
          throw new ShapeError(
            "vmap",
            `batch sizes differ: ${size} and ${t.shape[a]} (argument ${i}, ${t.describe()})`,
          );
        }
        size = t.shape[a];
        avals.push({ shape: t.shape.filter((_: number, k: number) => k !== a), dtype: t.dtype });
        dims.push(a);
      });
    });
    if (size === null)
      throw new ShapeError("vmap", "no argument is batched (every in-axis is null)");
    const traced = traceTree(f, args, avals);
    const [outs, odims] = vmapProgram(traced.program, traced.leaves, dims);
    const outAxes = leafAxes(
      unflatten(traced.outDef, outs),
      opts.outAxes === undefined ? 0 : opts.outAxes,
      "outAxes",
    );
    const placed = outs.map((o, i) => {
      const d = odims[i];
      const outAxis = outAxes[i];
      if (outAxis === null) {
        if (d === null) return o;
        throw new ShapeError(
          "vmap",
          `outAxes is null for output ${i} (${o.describe()}), but that output depends on the batched arguments`,
        );
      }
      const withBatch =
        d === null
          ? broadcastTo(reshape(o, [1, ...o.shape]), [size!, ...o.shape])
          : moveAxisTo(o, d, 0);
      return moveAxisTo(withBatch, 0, normAxis("vmap", outAxis, withBatch.rank));
    });
    return unflatten(traced.outDef, placed);
  };
}

/**
 * The in-axis of every tensor of argument `arg` (in `flatten`'s order) from its spec: a number or
 * null for all of them, or a pytree of specs that follows the argument's structure.
 */
function leafAxes(arg: unknown, spec: unknown, label: string): (number | null)[] {
  const out: (number | null)[] = [];
  const what = label.startsWith("out") ? "output" : "argument";
  const walk = (x: unknown, sp: unknown, path: string): void => {
    if (sp === null || sp === undefined || typeof sp === "number") {
      const n = flatten(x)[0].length;
      for (let i = 0; i < n; i++) out.push(sp ?? null);
      return;
    }
    const where = `${label}${path}`;
    if (Array.isArray(sp)) {
      if (!Array.isArray(x))
        throw new ShapeError("vmap", `${where} is a list but the ${what} there is not an array`);
      if (sp.length > x.length)
        throw new ShapeError(
          "vmap",
          `${where} has ${sp.length} entries but the ${what} there has ${x.length}`,
        );
      x.forEach((c, i) => walk(c, sp[i], `${path}[${i}]`));
      return;
    }
    if (typeof sp === "object") {
      if (x === null || typeof x !== "object" || Array.isArray(x) || x instanceof Tensor)
        throw new ShapeError("vmap", `${where} is a record but the ${what} there is not one`);
      const rec = x as Record<string, unknown>;
      const s = sp as Record<string, unknown>;
      for (const k of Object.keys(s))
        if (!(k in rec))
          throw new ShapeError("vmap", `${where} names "${k}", which the ${what} does not have`);
      for (const k of Object.keys(rec).sort()) walk(rec[k], s[k], `${path}.${k}`);
      return;
    }
    throw new ShapeError("vmap", `${where} must be a number, null or a pytree of them`);
  };
  walk(arg, spec, "");
  return out;
}
