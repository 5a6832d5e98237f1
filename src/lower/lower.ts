/**
 * Lowering: one function that runs a flat list of named passes over a Program.
 * @module
 */
import type { Program } from "../ir/program.js";
import { cse, dce } from "./passes.js";

/** The passes, in order, each with what it does. */
export const PASSES: readonly { name: string; run: (p: Program) => Program }[] = [
  // drop equations whose results nothing uses (the forward values a gradient does not need)
  { name: "dce", run: dce },
  // reuse the result of an equation computed twice with the same inputs
  { name: "cse", run: cse },
  // CSE can leave equations unused
  { name: "dce-after-cse", run: dce },
];

/**
 * Runs every pass over `p`.
 * @example
 * ```ts
 * lower(tg.makeProgram(f)(x)).toString();
 * ```
 */
export function lower(p: Program, passes = PASSES): Program {
  return passes.reduce((q, pass) => pass.run(q), p);
}
