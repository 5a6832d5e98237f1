/**
 * Tracing a function of pytrees: the arguments' tensors become the Program's inputs, the result's
 * tensors its outputs.
 * @module
 */
import type { Aval, Program } from "../ir/program.js";
import { avalOf, traceFlat } from "../ir/trace.js";
import type { AnyTensor as T } from "../tensor/tensor.js";
import { flatten, type TreeDef, unflatten } from "./pytree.js";

/** A traced function with the structures of its arguments and result. */
export interface TracedTree {
  program: Program;
  /** The tensors of the arguments, in input order. */
  leaves: T[];
  /** The structure of each argument. */
  argDefs: TreeDef[];
  /** Which argument each leaf belongs to. */
  owner: number[];
  /** The structure of the result (available after tracing). */
  outDef: TreeDef;
}

/**
 * Traces `f(...args)` into a Program.
 * @example
 * ```ts
 * const [w, x] = [tg.ones([3]), tg.tensor([1, 2, 3])];
 * const t = traceTree((p: { w: tg.Tensor<[3]> }, x: tg.Tensor<[3]>) => tg.sum(tg.mul(p.w, x)), [{ w }, x]);
 * t.program.toString();
 * ```
 */
export function traceTree(
  f: (...args: any[]) => unknown,
  args: readonly unknown[],
  avals?: Aval[],
): TracedTree {
  const leaves: T[] = [];
  const argDefs: TreeDef[] = [];
  const owner: number[] = [];
  args.forEach((a, i) => {
    const [l, d] = flatten(a);
    leaves.push(...l);
    argDefs.push(d);
    for (const _ of l) owner.push(i);
  });
  let outDef: TreeDef = { kind: "leaf" };
  const program = traceFlat((ins) => {
    let k = 0;
    const rebuilt = argDefs.map((d) => {
      const n = countLeaves(d);
      const part = ins.slice(k, k + n);
      k += n;
      return unflatten(d, part);
    });
    const [outLeaves, od] = flatten(f(...rebuilt));
    outDef = od;
    return outLeaves;
  }, avals ?? leaves.map(avalOf));
  return { program, leaves, argDefs, owner, outDef };
}

/** The number of tensors in a structure. */
export function countLeaves(d: TreeDef): number {
  switch (d.kind) {
    case "leaf":
      return 1;
    case "static":
      return 0;
    default:
      return d.children.reduce((a, c) => a + countLeaves(c), 0);
  }
}
