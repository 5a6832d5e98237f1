/**
 * One recursion into scan bodies for every lowering pass: a pass is written for one program
 * level, and `intoScans` runs it inside every scan body first (innermost first), then on the
 * program itself.
 * @example
 * ```ts
 * import { dce } from "../ir/dce.js";
 * export const dceAll = intoScans(dce); // dce inside every scan body, then on the program
 * ```
 * @module
 */
import type { ParamsOf } from "../ir/primitive.js";
import { Program } from "../ir/program.js";

/** A lowering pass: returns its input unchanged when it changes nothing. */
export type Pass = (p: Program) => Program;

/**
 * `pass` applied inside every scan body (recursively), then to the program that holds them.
 * @example
 * ```ts
 * import { dce } from "../ir/dce.js";
 * const sum = (xs: tg.Tensor<[3]>) => tg.scan(([c], [x]) => [[tg.add(c, x)], []], [tg.zeros([])], [xs])[0];
 * const program = tg.makeProgram(sum)(tg.ones([3]));
 * const dceAll = intoScans(dce);
 * dceAll(program); // scan bodies cleaned too
 * ```
 */
export function intoScans(pass: Pass): Pass {
  const run = (p: Program): Program => {
    let changed = false;
    const eqns = p.eqns.map((e) => {
      if (e.prim !== "scan") return e;
      const sp = e.params as ParamsOf<"scan">;
      const body = run(sp.body);
      if (body === sp.body) return e;
      changed = true;
      return { ...e, params: { ...sp, body } };
    });
    return pass(changed ? new Program(p.inputs, p.constVars, p.consts, eqns, p.outputs) : p);
  };
  return run;
}
