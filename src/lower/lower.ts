/**
 * Lowering: one function that runs a flat list of named passes over a Program.
 * @module
 */
import type { Program } from "../ir/program.js";
import { fuseElementwise } from "./fuse.js";
import { cse, dce, foldConstants, inlineCustom } from "./passes.js";
import {
  hoistScanAccumulators,
  mergeScans,
  padsToConcat,
  pretransposeScanConsts,
} from "./scan-passes.js";
import { intoScans } from "./scan-bodies.js";

/** The passes, in order, each with what it does; each runs inside scan bodies too (`intoScans`). */
export const PASSES: readonly { name: string; run: (p: Program) => Program }[] = [
  // custom derivative rules matter only to differentiation, which is done by now
  { name: "inline-custom-vjp", run: intoScans(inlineCustom) },
  // drop equations whose results nothing uses (the forward values a gradient does not need)
  { name: "dce", run: intoScans(dce) },
  // reuse the result of an equation computed twice with the same inputs
  { name: "cse", run: cse },
  // reverse mode runs the forward loop again to stack its carries: that loop also gives the
  // primal results, so the first loop goes
  { name: "merge-scans", run: mergeScans },
  // compute once what depends only on captured constants
  { name: "fold-constants", run: intoScans(foldConstants) },
  // CSE and folding can leave equations unused
  { name: "dce-after-fold", run: intoScans(dce) },
  // a loop carry that only sums Aₜᵀ·Bₜ over stacked A and B becomes one matmul after the loop
  { name: "hoist-scan-accumulators", run: hoistScanAccumulators },
  // a loop constant a matmul in the loop reads transposed is transposed once, before the loop
  { name: "pretranspose-scan-consts", run: pretransposeScanConsts },
  // a sum of zero-padded pieces that tile an axis (the gradient of slices) is a concat
  { name: "pads-to-concat", run: padsToConcat },
  // chains of elementwise equations become one kernel call that reads and writes memory once
  { name: "fuse-elementwise", run: fuseElementwise },
];

/**
 * Runs every pass over `p`.
 * @example
 * ```ts
 * const f = (v: tg.Tensor<[3]>) => tg.relu(tg.add(tg.mul(v, 2), 1));
 * const x = tg.zeros([3]);
 * lower(tg.makeProgram(f)(x)).toString(); // one fused equation for mul, add and relu
 * ```
 */
export function lower(p: Program, passes = PASSES): Program {
  return passes.reduce((q, pass) => pass.run(q), p);
}
