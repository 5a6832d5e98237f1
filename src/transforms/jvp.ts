/**
 * Forward mode: a Program is interpreted with a tangent beside every value, and each primitive's
 * JVP rule emits the tangent equations. `null` is a symbolic zero.
 * @module
 */
import type { Maybe } from "../ir/primitive.js";
import type { Program, Var } from "../ir/program.js";
import { bind } from "../ir/trace.js";
import { RULES } from "../prims/table.js";
import type { AnyTensor as T } from "../tensor/tensor.js";

/**
 * Runs `p` on `primals` and pushes `tangents` forward through it.
 * @example
 * ```ts
 * const [ys, ts] = jvpProgram(p, [x], [tangent]);
 * ```
 */
export function jvpProgram(p: Program, primals: readonly T[], tangents: readonly Maybe<T>[]): [T[], Maybe<T>[]] {
  const val = new Map<Var, T>();
  const tan = new Map<Var, T>();
  p.inputs.forEach((v, i) => {
    val.set(v, primals[i]);
    const t = tangents[i];
    if (t) tan.set(v, t);
  });
  p.constVars.forEach((v, i) => val.set(v, p.consts[i]));
  for (const e of p.eqns) {
    const ins = e.inputs.map((v) => val.get(v)!);
    const tins = e.inputs.map((v) => tan.get(v) ?? null);
    const outs = bind(e.prim, ins, e.params);
    e.outputs.forEach((v, i) => val.set(v, outs[i]));
    if (tins.every((t) => t === null)) continue;
    const touts = (RULES[e.prim].jvp as (...a: unknown[]) => Maybe<T>[])(ins, tins, e.params, outs);
    e.outputs.forEach((v, i) => {
      const t = touts[i];
      if (t) tan.set(v, t);
    });
  }
  return [p.outputs.map((v) => val.get(v)!), p.outputs.map((v) => tan.get(v) ?? null)];
}
