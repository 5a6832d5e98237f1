/**
 * `fused`: a chain of elementwise equations run as one kernel call over a small op list (the
 * lowering pass `fuse-elementwise` makes it; users never bind it). Its params keep the
 * sub-program it replaces, and its derivative and batching rules defer to that program.
 * @module
 */
import type { PrimRule } from "../ir/primitive.js";
import { fmtAval, sameAval } from "../ir/program.js";
import { ShapeError } from "../shape/errors.js";
import { jvpProgram } from "../transforms/jvp.js";
import { vjpProgram } from "../transforms/vjp.js";
import { vmapProgram } from "../transforms/vmap.js";

/** The fused-chain rule. */
export const fusedRules: { fused: PrimRule<"fused"> } = {
  fused: {
    abstractEval: (avals, { body }) => {
      if (
        avals.length !== body.inputs.length ||
        avals.some((a, i) => !sameAval(a, body.inputs[i].aval))
      )
        throw new ShapeError(
          "fused",
          `operands ${avals.map(fmtAval).join(", ")} do not match the body's inputs ${body.inputs.map((v) => fmtAval(v.aval)).join(", ")}`,
        );
      return body.outputs.map((v) => v.aval);
    },
    impl: (be, ins, [y], _avals, { ops }) => be.fused(ops, ins, y),
    prepare:
      (_avals, { ops }) =>
      (be, ins, [y]) =>
        be.fused(ops, ins, y),
    overwrites: true,
    jvp: (primals, tangents, { body }) => jvpProgram(body, primals, tangents)[1],
    vjp: (cts, primals, _outs, { body }) => vjpProgram(body, primals).backward(cts),
    batch: (args, dims, { body }) => vmapProgram(body, args, dims),
  },
};
