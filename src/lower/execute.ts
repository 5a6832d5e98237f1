/**
 * The executor of a lowered Program: runs each equation's kernel and frees every intermediate
 * right after its last use, so the memory a step needs is the peak of its live values, reused from
 * the arena's free lists on every call.
 * @module
 */
import type { Program, Var } from "../ir/program.js";
import { bind } from "../ir/trace.js";
import { type AnyTensor as T, Tensor } from "../tensor/tensor.js";

/** A compiled program: call it with one tensor per input. */
export interface Executable {
  readonly program: Program;
  run(args: readonly T[]): T[];
}

/**
 * Prepares `p` for repeated execution (last-use analysis is done once).
 * @example
 * ```ts
 * import { lower } from "./lower.js";
 * const x = tg.tensor([1, 2]);
 * const program = tg.makeProgram((v: tg.Tensor<[2]>) => tg.exp(tg.neg(v)))(x);
 * const exe = executable(lower(program)); exe.run([x]);
 * ```
 */
export function executable(p: Program): Executable {
  const lastUse = new Map<Var, number>();
  p.eqns.forEach((e, i) => {
    for (const v of e.inputs) lastUse.set(v, i);
  });
  const keep = new Set<Var>([...p.outputs, ...p.inputs, ...p.constVars]);
  const frees: Var[][] = p.eqns.map(() => []);
  for (const [v, i] of lastUse) if (!keep.has(v)) frees[i].push(v);
  // outputs of an equation that nothing reads are freed at once
  p.eqns.forEach((e, i) => {
    for (const v of e.outputs) if (!lastUse.has(v) && !keep.has(v)) frees[i].push(v);
  });
  return {
    program: p,
    run(args) {
      const env = new Map<Var, T>();
      p.inputs.forEach((v, i) => env.set(v, args[i]));
      p.constVars.forEach((v, i) => env.set(v, p.consts[i]));
      p.eqns.forEach((e, i) => {
        const ins = e.inputs.map((v) => env.get(v)!);
        const outs = bind(e.prim, ins, e.params);
        // a fresh handle when a primitive hands back one of its inputs (scan with an untouched carry)
        e.outputs.forEach((v, j) =>
          env.set(
            v,
            ins.includes(outs[j])
              ? new Tensor(outs[j].shape, outs[j].dtype, outs[j]._concrete("jit"), null)
              : outs[j],
          ),
        );
        for (const v of frees[i]) {
          env.get(v)?.dispose();
          env.delete(v);
        }
      });
      return p.outputs.map((v) => env.get(v)!);
    },
  };
}
