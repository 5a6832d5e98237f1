/**
 * Program-to-Program passes used by lowering. Each takes a Program and returns an equivalent one.
 * @module
 */
import type { Eqn, Var } from "../ir/program.js";
import { Program } from "../ir/program.js";

/** Dead-code elimination: drops equations whose outputs nothing uses. */
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

/** Common-subexpression elimination: an equation equal to an earlier one (same primitive, params and inputs) reuses its outputs. */
export function cse(p: Program): Program {
  const seen = new Map<string, Eqn>();
  const rename = new Map<Var, Var>();
  const ids = new Map<Var, number>();
  const id = (v: Var) => {
    let n = ids.get(v);
    if (n === undefined) ids.set(v, (n = ids.size));
    return n;
  };
  const r = (v: Var) => rename.get(v) ?? v;
  const eqns: Eqn[] = [];
  for (const e of p.eqns) {
    const inputs = e.inputs.map(r);
    const key = paramsKey(e.params) === null ? null : `${e.prim}|${paramsKey(e.params)}|${inputs.map(id).join(",")}`;
    const prev = key === null || isRandomOrEffect(e.prim) ? undefined : seen.get(key);
    if (prev) {
      e.outputs.forEach((v, i) => rename.set(v, prev.outputs[i]));
      continue;
    }
    const ne: Eqn = { ...e, inputs };
    if (key !== null) seen.set(key, ne);
    eqns.push(ne);
  }
  return new Program(p.inputs, p.constVars, p.consts, eqns, p.outputs.map(r));
}

function isRandomOrEffect(prim: string): boolean {
  return prim === "scan" || prim === "custom_vjp";
}

/** A string for params made of plain data, or null when they hold functions or programs. */
function paramsKey(params: object): string | null {
  let plain = true;
  const s = JSON.stringify(params, (_k, v) => {
    if (typeof v === "function" || (v && typeof v === "object" && v instanceof Program)) plain = false;
    return v;
  });
  return plain ? s : null;
}
