/**
 * Forward mode: a Program is interpreted with a tangent beside every value, and each primitive's
 * JVP rule emits the tangent equations. `null` is a symbolic zero.
 * @module
 */
import type { Maybe } from "../ir/primitive.js";
import type { Program, Var } from "../ir/program.js";
import { bind } from "../ir/trace.js";
import { rules } from "../prims/table.js";
import { zerosLike } from "../prims/movement.js";
import { ShapeError } from "../shape/errors.js";
import type { AnyTensor as T } from "../tensor/tensor.js";
import { flatten, unflatten } from "./pytree.js";
import { traceTree } from "./trace-tree.js";

/**
 * Runs `p` on `primals` and pushes `tangents` forward through it.
 * @example
 * ```ts
 * const [x, tangent] = [tg.tensor([1, 2]), tg.ones([2])];
 * const p = tg.makeProgram((v: tg.Tensor<[2]>) => tg.mul(v, v))(x);
 * const [ys, ts] = jvpProgram(p, [x], [tangent]); // ys [[1, 4]], ts [[2, 4]]
 * ```
 */
export function jvpProgram(
  p: Program,
  primals: readonly T[],
  tangents: readonly Maybe<T>[],
): [T[], Maybe<T>[]] {
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
    const touts = (rules()[e.prim].jvp as (...a: unknown[]) => Maybe<T>[])(
      ins,
      tins,
      e.params,
      outs,
    );
    e.outputs.forEach((v, i) => {
      const t = touts[i];
      if (t) tan.set(v, t);
    });
  }
  return [p.outputs.map((v) => val.get(v)!), p.outputs.map((v) => tan.get(v) ?? null)];
}

/**
 * Forward mode: the outputs of `f` at `primals` and their directional derivative along `tangents`.
 * @example
 * ```ts
 * const [y, dy] = tg.jvp((x: tg.Tensor<[2]>) => tg.sin(x), [tg.zeros([2])], [tg.ones([2])]); // dy = cos(0) = 1
 * ```
 */
export function jvp<A extends unknown[], R>(f: (...args: A) => R, primals: A, tangents: A): [R, R] {
  const traced = traceTree(f, primals);
  const [tLeaves] = flatten(tangents);
  if (tLeaves.length !== traced.leaves.length) {
    throw new ShapeError(
      "jvp",
      `${tLeaves.length} tangents for ${traced.leaves.length} primal tensors`,
    );
  }
  tLeaves.forEach((t, i) => {
    const p = traced.leaves[i];
    if (
      t.shape.length !== p.shape.length ||
      t.shape.some((d: number, j: number) => d !== p.shape[j]) ||
      t.dtype !== p.dtype
    ) {
      throw new ShapeError("jvp", `tangent ${t.describe()} does not match primal ${p.describe()}`);
    }
  });
  const [outs, touts] = jvpProgram(traced.program, traced.leaves, tLeaves);
  return [
    unflatten<R>(traced.outDef, outs),
    unflatten<R>(
      traced.outDef,
      touts.map((t, i) => t ?? zerosLike(outs[i])),
    ),
  ];
}
