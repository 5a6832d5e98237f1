/**
 * `makeProgram`: the traced IR of a function, for inspection.
 * @module
 */
import type { Program } from "../ir/program.js";
import { traceTree } from "./trace-tree.js";

/**
 * Traces `f` on the given arguments and returns its Program (print it with `toString()`).
 * @example
 * ```ts
 * tg.makeProgram((x: tg.Tensor<[3]>) => tg.sum(tg.exp(x)))(tg.zeros([3])).toString();
 * ```
 */
export function makeProgram<A extends unknown[]>(
  f: (...args: A) => unknown,
): (...args: A) => Program {
  return (...args: A) => traceTree(f as (...a: unknown[]) => unknown, args).program;
}
