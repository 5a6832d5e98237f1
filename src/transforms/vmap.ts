/**
 * Batching: a Program traced on one example is interpreted with a batch axis beside every value;
 * each primitive's batching rule says how the batched version computes. `null` means unbatched.
 * @module
 */
import type { Maybe } from "../ir/primitive.js";
import type { Program, Var } from "../ir/program.js";
import { bind } from "../ir/trace.js";
import { RULES } from "../prims/table.js";
import type { AnyTensor as T } from "../tensor/tensor.js";

/**
 * Runs the per-example program `p` on batched `args`, whose batch axes are `dims`.
 * @example
 * ```ts
 * const [ys, yDims] = vmapProgram(p, [xs], [0]);
 * ```
 */
export function vmapProgram(p: Program, args: readonly T[], dims: readonly Maybe<number>[]): [T[], Maybe<number>[]] {
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
    const [outs, odims] = (RULES[e.prim].batch as (...a: unknown[]) => [T[], Maybe<number>[]])(ins, ds, e.params);
    e.outputs.forEach((v, i) => {
      val.set(v, outs[i]);
      const d = odims[i];
      if (d !== null) dim.set(v, d);
    });
  }
  return [p.outputs.map((v) => val.get(v)!), p.outputs.map((v) => dim.get(v) ?? null)];
}
