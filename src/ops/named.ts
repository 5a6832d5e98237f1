/**
 * Error names for composite ops: a public op built from primitives reports its own name, not the
 * primitive's (`tg.sigmoid` on i32 says `sigmoid: …`, not `logistic: …`).
 *
 * @example
 * ```ts
 * import { logistic } from "../prims/core.js";
 * const x = tg.tensor([1, 2], "i32");
 * named("sigmoid", () => logistic(x)); // a DTypeError from logistic is rethrown as sigmoid's
 * ```
 * @module
 */
import { DTypeError, ShapeError } from "../shape/errors.js";

/**
 * Runs `f`; a ShapeError or DTypeError it throws under another op's name is thrown again under
 * `op`, with the same explanation and the original error as its `cause` (so nothing is lost).
 * @example
 * ```ts
 * import { reciprocal, sqrt } from "../prims/core.js";
 * const x = tg.tensor([1, 4], "i32");
 * named("rsqrt", () => reciprocal(sqrt(x))); // "rsqrt: dtype i32 is not supported …"
 * ```
 */
export function named<R>(op: string, f: () => R): R {
  try {
    return f();
  } catch (e) {
    if ((e instanceof ShapeError || e instanceof DTypeError) && e.op !== op) {
      const detail = e.message.startsWith(`${e.op}: `)
        ? e.message.slice(e.op.length + 2)
        : e.message;
      const Ctor = e instanceof ShapeError ? ShapeError : DTypeError;
      throw Object.assign(new Ctor(op, detail), { cause: e });
    }
    throw e;
  }
}
