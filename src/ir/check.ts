/**
 * The Program checker: every variable is defined once before it is used, and every equation's
 * output avals are what its primitive's shape rule says, in the program and in every sub-program
 * it holds (scan and fused bodies, custom_vjp functions). Tests run it after every lowering pass.
 * @module
 */
import { rules } from "./rules.js";
import type { Eqn, Program, Var } from "./program.js";
import { fmtAval, sameAval } from "./program.js";

/** The sub-programs an equation holds, each with how an error message names it. */
function subPrograms(e: Eqn): [string, Program][] {
  if (e.prim === "scan") return [["scan body", (e as Eqn<"scan">).params.body]];
  if (e.prim === "fused") return [["fused body", (e as Eqn<"fused">).params.body]];
  if (e.prim === "custom_vjp") return [["custom_vjp function", (e as Eqn<"custom_vjp">).params.fn]];
  return [];
}

/**
 * Checks `p` and throws an Error that names the first bad equation; returns `p` when it is sound.
 * @example
 * ```ts
 * const [f, x] = [(v: tg.Tensor<[2, 3]>) => tg.sum(tg.relu(v), 1), tg.zeros([2, 3])];
 * checkProgram(tg.makeProgram(f)(x)); // the program, or an error
 * ```
 */
export function checkProgram(p: Program): Program {
  return checkIn(p, "");
}

/** Checks `p`; its errors start with `at`, which says where it sits ("in equation 3's scan body: "). */
function checkIn(p: Program, at: string): Program {
  const fail = (msg: string): never => {
    throw new Error(`checkProgram: ${at}${msg}`);
  };
  const defined = new Set<Var>();
  const define = (v: Var, where: string) => {
    if (defined.has(v)) fail(`variable ${v.id} is defined twice (${where})`);
    defined.add(v);
  };
  p.inputs.forEach((v) => define(v, "input"));
  p.constVars.forEach((v, i) => {
    define(v, "constant");
    const c = p.consts[i];
    if (!c || !sameAval(v.aval, { shape: c.shape, dtype: c.dtype }))
      fail(`constant ${i} does not match its variable ${fmtAval(v.aval)}`);
  });
  p.eqns.forEach((e, i) => {
    for (const v of e.inputs) {
      if (!defined.has(v))
        fail(`equation ${i} (${e.prim}) uses variable ${v.id} before it is defined`);
    }
    for (const [what, sub] of subPrograms(e)) checkIn(sub, `${at}in equation ${i}'s ${what}: `);
    const want = (
      rules()[e.prim].abstractEval as (
        a: unknown[],
        p: unknown,
      ) => { shape: number[]; dtype: string }[]
    )(
      e.inputs.map((v) => v.aval),
      e.params,
    );
    if (want.length !== e.outputs.length)
      fail(
        `equation ${i} (${e.prim}) has ${e.outputs.length} outputs, its rule gives ${want.length}`,
      );
    e.outputs.forEach((v, j) => {
      if (!sameAval(v.aval, want[j] as never))
        fail(
          `equation ${i} (${e.prim}) output ${j} is ${fmtAval(v.aval)} but the rule gives ${fmtAval(want[j] as never)}`,
        );
      define(v, `equation ${i} (${e.prim})`);
    });
  });
  for (const v of p.outputs) if (!defined.has(v)) fail(`output variable ${v.id} is never defined`);
  return p;
}
