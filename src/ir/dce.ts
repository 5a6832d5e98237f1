/**
 * Dead-code elimination, the one pass the primitive layer needs too (a scan's forward and backward
 * bodies are pruned when its gradient is built), so it lives with the IR.
 * @module
 */
import { type Eqn, Program, type Var } from "./program.js";

/**
 * Dead-code elimination: drops equations whose outputs nothing uses, and unused constants.
 * @example
 * ```ts
 * const program = tg.makeProgram((x: tg.Tensor<[2]>) => { tg.exp(x); return tg.neg(x); })(tg.zeros([2]));
 * const smaller = dce(program); // the unused exp is gone
 * ```
 */
export function dce(p: Program): Program {
  const used = new Set<Var>(p.outputs);
  const kept: Eqn[] = [];
  for (let i = p.eqns.length - 1; i >= 0; i--) {
    const e = p.eqns[i];
    if (e.outputs.some((v) => used.has(v))) {
      kept.push(e);
      for (const v of e.inputs) used.add(v);
    }
  }
  kept.reverse();
  const keepConst = p.constVars.map((v) => used.has(v));
  return new Program(
    p.inputs,
    p.constVars.filter((_, i) => keepConst[i]),
    p.consts.filter((_, i) => keepConst[i]),
    kept,
    p.outputs,
  );
}
