/**
 * `fused`: a chain of elementwise equations run as one kernel call over a small op list, with one
 * output per value of the chain read outside it (the lowering pass `fuse-elementwise` makes it;
 * users never bind it). Its params keep the
 * sub-program it replaces, and its derivative and batching rules defer to that program.
 * @module
 */
import { interpreters } from "../ir/rules.js";
import type { PrimRule } from "../ir/primitive.js";
import { fmtAval, sameAval } from "../ir/program.js";
import { ShapeError } from "../shape/errors.js";

/** The fused-chain rule. */
export const fusedRules: { fused: PrimRule<"fused"> } = {
  fused: {
    abstractEval: (avals, { body, results }) => {
      if (
        avals.length !== body.inputs.length ||
        avals.some((a, i) => !sameAval(a, body.inputs[i].aval))
      )
        throw new ShapeError(
          "fused",
          `operands ${avals.map(fmtAval).join(", ")} do not match the body's inputs ${body.inputs.map((v) => fmtAval(v.aval)).join(", ")}`,
        );
      if (results.length !== body.outputs.length)
        throw new ShapeError(
          "fused",
          `${results.length} results for a body with ${body.outputs.length} outputs`,
        );
      return body.outputs.map((v) => v.aval);
    },
    kernel:
      (_avals, { ops, results }) =>
      (be, ins, outs) =>
        be.fused(ops, ins, outs, results),
    overwrites: true,
    jvp: (primals, tangents, { body }) => interpreters().jvpProgram(body, primals, tangents)[1],
    vjp: (cts, primals, _outs, { body }) => interpreters().vjpProgram(body, primals).backward(cts),
    batch: (args, dims, { body }) => interpreters().vmapProgram(body, args, dims),
  },
};
