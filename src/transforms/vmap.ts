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
import type { AnyTensor as T, Tensor } from "../tensor/tensor.js";
import { flatten, unflatten } from "./pytree.js";
import { traceTree } from "./trace-tree.js";

/**
 * Runs the per-example program `p` on batched `args`, whose batch axes are `dims`.
 * @example
 * ```ts
 * const [ys, yDims] = vmapProgram(p, [xs], [0]);
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
export type Batched<X, B extends number> =
  X extends Tensor<infer S, infer D>
    ? Tensor<readonly [B, ...S], D>
    : X extends readonly unknown[]
      ? { [K in keyof X]: Batched<X[K], B> }
      : X extends object
        ? { [K in keyof X]: Batched<X[K], B> }
        : X;

/** Options of `vmap`. */
export interface VmapOptions {
  /** The batch axis of each argument (`null`: not batched; applies to every tensor of that argument). Default 0. */
  inAxes?: readonly (number | null)[] | number;
  /** Where the batch axis goes in the outputs. Default 0. */
  outAxes?: number;
}

/**
 * Turns a function of one example into a function of a batch.
 * @example
 * ```ts
 * const perExample = tg.vmap((x: tg.Tensor<[3]>) => tg.sum(x));
 * perExample(tg.ones([8, 3])); // Tensor<[8]>
 * ```
 */
export function vmap<A extends unknown[], R>(
  f: (...args: A) => R,
  opts?: { inAxes?: undefined | 0; outAxes?: 0 },
): <B extends number>(...args: { [K in keyof A]: Batched<A[K], B> }) => Batched<R, B>;
export function vmap<A extends unknown[], R>(
  f: (...args: A) => R,
  opts: VmapOptions,
): (...args: any[]) => any;
export function vmap<A extends unknown[], R>(
  f: (...args: A) => R,
  opts: VmapOptions = {},
): (...args: any[]) => any {
  return (...args: unknown[]) => {
    const axes = args.map((_, i) =>
      typeof opts.inAxes === "number" || opts.inAxes === undefined
        ? (opts.inAxes ?? 0)
        : opts.inAxes[i],
    );
    const flat = args.map((a) => flatten(a)[0]);
    let size: number | null = null;
    const avals: Aval[] = [];
    const dims: Maybe<number>[] = [];
    flat.forEach((leaves, i) => {
      for (const t of leaves) {
        const ax = axes[i];
        if (ax === null || ax === undefined) {
          avals.push(avalOf(t));
          dims.push(null);
          continue;
        }
        const a = normAxis("vmap", ax, t.rank);
        if (size !== null && t.shape[a] !== size) {
          throw new ShapeError(
            "vmap",
            `batch sizes differ: ${size} and ${t.shape[a]} (argument ${i}, ${t.describe()})`,
          );
        }
        size = t.shape[a];
        avals.push({ shape: t.shape.filter((_: number, j: number) => j !== a), dtype: t.dtype });
        dims.push(a);
      }
    });
    if (size === null)
      throw new ShapeError("vmap", "no argument is batched (every in-axis is null)");
    const traced = traceTree(f as (...a: unknown[]) => unknown, args, avals);
    const [outs, odims] = vmapProgram(traced.program, traced.leaves, dims);
    const outAxis = opts.outAxes ?? 0;
    const placed = outs.map((o, i) => {
      const d = odims[i];
      const withBatch =
        d === null
          ? broadcastTo(reshape(o, [1, ...o.shape]), [size!, ...o.shape])
          : moveAxisTo(o, d, 0);
      return moveAxisTo(withBatch, 0, normAxis("vmap", outAxis, withBatch.rank));
    });
    return unflatten(traced.outDef, placed);
  };
}
