/**
 * The Program checker: every variable is defined once before it is used, and every equation's
 * output avals are what its primitive's shape rule says. Tests run it after every lowering pass.
 * @module
 */
import { rules } from "./rules.js";
import type { Program, Var } from "./program.js";
import { fmtAval, sameAval } from "./program.js";

/**
 * Checks `p` and throws an Error that names the first bad equation; returns `p` when it is sound.
 * @example
 * ```ts
 * checkProgram(tg.makeProgram(f)(x)); // the program, or an error
 * ```
 */
export function checkProgram(p: Program): Program {
  const defined = new Set<Var>();
  const define = (v: Var, where: string) => {
    if (defined.has(v))
      throw new Error(`checkProgram: variable ${v.id} is defined twice (${where})`);
    defined.add(v);
  };
  p.inputs.forEach((v) => define(v, "input"));
  p.constVars.forEach((v, i) => {
    define(v, "constant");
    const c = p.consts[i];
    if (!c || !sameAval(v.aval, { shape: c.shape, dtype: c.dtype })) {
      throw new Error(`checkProgram: constant ${i} does not match its variable ${fmtAval(v.aval)}`);
    }
  });
  p.eqns.forEach((e, i) => {
    for (const v of e.inputs) {
      if (!defined.has(v))
        throw new Error(
          `checkProgram: equation ${i} (${e.prim}) uses variable ${v.id} before it is defined`,
        );
    }
    const want = (
      rules()[e.prim].abstractEval as (
        a: unknown[],
        p: unknown,
      ) => { shape: number[]; dtype: string }[]
    )(
      e.inputs.map((v) => v.aval),
      e.params,
    );
    if (want.length !== e.outputs.length) {
      throw new Error(
        `checkProgram: equation ${i} (${e.prim}) has ${e.outputs.length} outputs, its rule gives ${want.length}`,
      );
    }
    e.outputs.forEach((v, j) => {
      if (!sameAval(v.aval, want[j] as never)) {
        throw new Error(
          `checkProgram: equation ${i} (${e.prim}) output ${j} is ${fmtAval(v.aval)} but the rule gives ${fmtAval(want[j] as never)}`,
        );
      }
      define(v, `equation ${i} (${e.prim})`);
    });
  });
  for (const v of p.outputs)
    if (!defined.has(v)) throw new Error(`checkProgram: output variable ${v.id} is never defined`);
  return p;
}
