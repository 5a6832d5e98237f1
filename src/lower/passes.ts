import type { ParamsOf } from "../ir/primitive.js";
import type { Eqn, Var } from "../ir/program.js";
import { Program } from "../ir/program.js";
import { bind, freshVar } from "../ir/trace.js";
import type { AnyTensor as T } from "../tensor/tensor.js";

export { dce } from "../ir/dce.js";
import { intoScans } from "./scan-bodies.js";

/**
 * Common-subexpression elimination: an equation equal to an earlier one (same primitive, params
 * and inputs) reuses its outputs. Scan bodies are deduplicated too (the forward loop of a
 * gradient computes the step and, traced again, the values the backward loop keeps).
 */
/** Common-subexpression elimination at every level (inside scan bodies too). */
export const cse: (p: Program) => Program = (p) => cseAll(p);

function cseLevel(p: Program): Program {
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
    // params holding programs or functions (scan, custom_vjp) have no key: never merged
    const pk = paramsKey(e.params);
    const key = pk === null ? null : `${e.prim}|${pk}|${inputs.map(id).join(",")}`;
    const prev = key === null ? undefined : seen.get(key);
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

/** A string for params made of plain data, or null when they hold functions or programs. */
function paramsKey(params: object): string | null {
  let plain = true;
  const s = JSON.stringify(params, (_k, v) => {
    if (typeof v === "function" || (v && typeof v === "object" && v instanceof Program))
      plain = false;
    return v;
  });
  return plain ? s : null;
}

/** Inlines `custom_vjp` equations (their custom rule matters only to differentiation, done by now). */
export function inlineCustom(p: Program): Program {
  if (!p.eqns.some((e) => e.prim === "custom_vjp")) return p;
  const eqns: Eqn[] = [];
  const rename = new Map<Var, Var>();
  const r = (v: Var) => rename.get(v) ?? v;
  const visit = (e: Eqn) => {
    if (e.prim !== "custom_vjp") {
      eqns.push({ ...e, inputs: e.inputs.map(r) });
      return;
    }
    const fn = (e.params as ParamsOf<"custom_vjp">).fn;
    const local = new Map<Var, Var>();
    fn.inputs.forEach((v, i) => local.set(v, r(e.inputs[i])));
    fn.constVars.forEach((v) => {
      throw new Error(`inline: custom_vjp body has a captured constant ${v.id}`);
    });
    for (const q of fn.eqns) {
      const outs = q.outputs.map((v) => {
        const nv = freshVar(v.aval);
        local.set(v, nv);
        return nv;
      });
      visit({ ...q, inputs: q.inputs.map((v) => local.get(v) ?? v), outputs: outs });
    }
    e.outputs.forEach((v, i) => rename.set(v, local.get(fn.outputs[i]) ?? fn.outputs[i]));
  };
  p.eqns.forEach(visit);
  return new Program(p.inputs, p.constVars, p.consts, eqns, p.outputs.map(r));
}

/** Constant folding: equations whose inputs are all captured constants are computed once, now. */
export function foldConstants(p: Program): Program {
  const known = new Map<Var, T>();
  p.constVars.forEach((v, i) => {
    if (p.consts[i].isConcrete) known.set(v, p.consts[i]);
  });
  const eqns: Eqn[] = [];
  for (const e of p.eqns) {
    if (
      e.prim !== "scan" &&
      e.prim !== "custom_vjp" &&
      e.inputs.length > 0 &&
      e.inputs.every((v) => known.has(v))
    ) {
      const outs = bind(
        e.prim,
        e.inputs.map((v) => known.get(v)!),
        e.params,
      );
      e.outputs.forEach((v, i) => known.set(v, outs[i]));
    } else eqns.push(e);
  }
  const used = new Set<Var>([...eqns.flatMap((e) => e.inputs), ...p.outputs]);
  const constVars = [...known.keys()].filter((v) => used.has(v) && !p.inputs.includes(v));
  return new Program(
    p.inputs,
    constVars,
    constVars.map((v) => known.get(v)!),
    eqns,
    p.outputs,
  );
}

/**
 * A canonical string of a closed Program (variables numbered by first appearance), or null when
 * it captures constants or holds params that are not plain data. Two programs with the same key
 * compute the same function.
 */
export function programKey(p: Program): string | null {
  if (p.constVars.length > 0) return null;
  const ids = new Map<Var, number>();
  const id = (v: Var) => {
    let n = ids.get(v);
    if (n === undefined) ids.set(v, (n = ids.size));
    return n;
  };
  const av = (v: Var) => `${v.aval.dtype}[${v.aval.shape.join(",")}]`;
  const parts = [p.inputs.map((v) => `${id(v)}:${av(v)}`).join(" ")];
  for (const e of p.eqns) {
    let params: string | null;
    if (e.prim === "scan") {
      const sp = e.params as ParamsOf<"scan">;
      const body = programKey(sp.body);
      if (body === null) return null;
      params = `${sp.length},${sp.numConsts},${sp.numCarry},${sp.reverse}{${body}}`;
    } else params = paramsKey(e.params);
    if (params === null) return null;
    const outs = e.outputs.map((v) => `${id(v)}:${av(v)}`).join(" ");
    parts.push(`${e.prim}|${params}|${e.inputs.map(id).join(",")}|${outs}`);
  }
  parts.push(p.outputs.map(id).join(","));
  return parts.join(";");
}

const cseAll = intoScans(cseLevel);
