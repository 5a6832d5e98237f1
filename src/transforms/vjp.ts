/**
 * Reverse mode: a Program is replayed forward, then walked backwards; each primitive's VJP rule
 * emits the cotangent equations. Only equations that depend on a differentiated input are
 * walked. `null` is a symbolic zero.
 * @module
 */
import type { Maybe } from "../ir/primitive.js";
import type { Program, Var } from "../ir/program.js";
import { bind } from "../ir/trace.js";
import { rules } from "../prims/table.js";
import { add } from "../prims/elementwise.js";
import { isFloat } from "../shape/dtype.js";
import type { AnyTensor as T } from "../tensor/tensor.js";

/** The primal outputs and a function from output cotangents to input cotangents. */
export interface Linearized {
  outs: T[];
  backward(cts: readonly Maybe<T>[]): Maybe<T>[];
}

/**
 * Runs `p` on `primals` and returns its outputs with the backward function.
 * `wrt[i]` says whether input `i` is differentiated (default: every float input).
 * @example
 * ```ts
 * const x = tg.tensor([1, 2, 3]);
 * const p = tg.makeProgram((v: tg.Tensor<[3]>) => tg.sum(tg.mul(v, v)))(x);
 * const { outs, backward } = vjpProgram(p, [x]);
 * const [dx] = backward([tg.ones([])]); // [2, 4, 6]
 * ```
 */
export function vjpProgram(
  p: Program,
  primals: readonly T[],
  wrt?: readonly boolean[],
): Linearized {
  const val = new Map<Var, T>();
  const live = new Set<Var>(); // depends on a differentiated input
  p.inputs.forEach((v, i) => {
    val.set(v, primals[i]);
    if ((wrt ? wrt[i] : true) && isFloat(v.aval.dtype)) live.add(v);
  });
  p.constVars.forEach((v, i) => val.set(v, p.consts[i]));
  const tape: number[] = [];
  p.eqns.forEach((e, k) => {
    const outs = bind(
      e.prim,
      e.inputs.map((v) => val.get(v)!),
      e.params,
    );
    e.outputs.forEach((v, i) => val.set(v, outs[i]));
    if (e.inputs.some((v) => live.has(v))) {
      tape.push(k);
      for (const v of e.outputs) if (isFloat(v.aval.dtype)) live.add(v);
    }
  });
  const outs = p.outputs.map((v) => val.get(v)!);
  const backward = (cts: readonly Maybe<T>[]): Maybe<T>[] => {
    const ct = new Map<Var, T>();
    const accum = (v: Var, t: Maybe<T>) => {
      if (!t || !live.has(v)) return;
      const prev = ct.get(v);
      ct.set(v, prev ? add(prev, t) : t);
    };
    p.outputs.forEach((v, i) => accum(v, cts[i]));
    for (let j = tape.length - 1; j >= 0; j--) {
      const e = p.eqns[tape[j]];
      const octs = e.outputs.map((v) => ct.get(v) ?? null);
      if (octs.every((t) => t === null)) continue;
      const ins = e.inputs.map((v) => val.get(v)!);
      const eouts = e.outputs.map((v) => val.get(v)!);
      const icts = (rules()[e.prim].vjp as (...a: unknown[]) => Maybe<T>[])(
        octs,
        ins,
        eouts,
        e.params,
      );
      e.inputs.forEach((v, i) => accum(v, icts[i]));
    }
    return p.inputs.map((v) => ct.get(v) ?? null);
  };
  return { outs, backward };
}
