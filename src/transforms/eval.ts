/**
 * Evaluating a Program: each equation is bound again, so the program runs eagerly outside any
 * trace and inlines itself into the enclosing trace inside one.
 * @module
 */
import type { Program, Var } from "../ir/program.js";
import { bind } from "../ir/trace.js";
import type { AnyTensor as T } from "../tensor/tensor.js";

/**
 * Runs `p` on `args` (one tensor per input variable).
 * @example
 * ```ts
 * const p = tg.makeProgram((x: tg.Tensor<[2]>) => tg.exp(x))(tg.zeros([2]));
 * evalProgram(p, [tg.ones([2])]); // [Tensor e, e]
 * ```
 */
export function evalProgram(p: Program, args: readonly T[]): T[] {
  const env = new Map<Var, T>();
  p.inputs.forEach((v, i) => env.set(v, args[i]));
  p.constVars.forEach((v, i) => env.set(v, p.consts[i]));
  const read = (v: Var) => env.get(v)!;
  for (const e of p.eqns) {
    const outs = bind(e.prim, e.inputs.map(read), e.params);
    e.outputs.forEach((v, i) => env.set(v, outs[i]));
  }
  return p.outputs.map(read);
}
