/**
 * Binding primitives: the single dispatch point of every operation.
 *
 * Outside any transformation, `bind` runs the primitive's kernel now (eager mode). Inside one,
 * it records an equation in the innermost Builder. Tensors from outside the traced function
 * (concrete data, or tracers of an enclosing trace) become the Program's captured constants.
 * @module
 */
import type { Buf } from "../backend/backend.js";
import { backendFor } from "../backend/registry.js";
import { rules } from "../prims/table.js";
import { type AnyTensor, Storage, Tensor } from "../tensor/tensor.js";
import type { ParamsOf, Prim } from "./primitive.js";
import { type Aval, type Eqn, Program, Var } from "./program.js";

let nextVarId = 0;

/** A variable that no other Program uses (for passes that copy equations). */
export function freshVar(aval: Aval): Var {
  return new Var(nextVarId++, { shape: [...aval.shape], dtype: aval.dtype });
}

/** Records equations while a function is traced. */
export class Builder {
  readonly eqns: Eqn[] = [];
  readonly inputs: Var[] = [];
  private readonly constVars: Var[] = [];
  private readonly consts: AnyTensor[] = [];
  private readonly constOf = new Map<AnyTensor, Var>();

  /** A fresh variable of this builder. */
  newVar(aval: Aval): Var {
    return new Var(nextVarId++, { shape: [...aval.shape], dtype: aval.dtype });
  }

  /** A new input of the program being traced, and the tracer that stands for it. */
  input(aval: Aval): AnyTensor {
    const v = this.newVar(aval);
    this.inputs.push(v);
    return this.tracer(v);
  }

  /** The tracer tensor for a variable of this builder. */
  tracer(v: Var): AnyTensor {
    return new Tensor(v.aval.shape, v.aval.dtype, null, { builder: this, v });
  }

  /** The variable that stands for `t` here: its own var, or a captured constant. */
  varOf(t: AnyTensor): Var {
    if (t._tracer && t._tracer.builder === this) return t._tracer.v;
    if (t._tracer && !stack.includes(t._tracer.builder as Builder)) {
      throw new Error(
        `a traced value ${t.describe()} escaped the transformation that made it (it was stored outside the function, or used after it returned)`,
      );
    }
    let v = this.constOf.get(t);
    if (!v) {
      v = this.newVar({ shape: t.shape, dtype: t.dtype });
      this.constOf.set(t, v);
      this.constVars.push(v);
      this.consts.push(t);
    }
    return v;
  }

  /** The finished Program with the given outputs. */
  build(outputs: AnyTensor[]): Program {
    const outs = outputs.map((t) => this.varOf(t));
    return new Program(
      [...this.inputs],
      [...this.constVars],
      [...this.consts],
      [...this.eqns],
      outs,
    );
  }
}

/** The builders of the traces in progress, innermost last. */
const stack: Builder[] = [];

/** Whether some transformation is tracing right now. */
export function isTracing(): boolean {
  return stack.length > 0;
}

/** Runs `fn` with `b` as the innermost trace. */
export function withBuilder<T>(b: Builder, fn: () => T): T {
  stack.push(b);
  try {
    return fn();
  } finally {
    stack.pop();
  }
}

/**
 * Traces `fn` on tracers with the given avals into a Program.
 * `fn` returns the flat list of output tensors.
 */
export function traceFlat(
  fn: (inputs: AnyTensor[]) => AnyTensor[],
  avals: readonly Aval[],
): Program {
  const b = new Builder();
  return withBuilder(b, () => {
    const ins = avals.map((a) => b.input(a));
    const outs = fn(ins);
    return b.build(outs);
  });
}

/** The aval of a tensor. */
export function avalOf(t: AnyTensor): Aval {
  return { shape: t.shape, dtype: t.dtype };
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Applies a primitive: records it while tracing, runs its kernel otherwise. */
export function bind<P extends Prim>(
  prim: P,
  inputs: AnyTensor[],
  params: ParamsOf<P>,
): AnyTensor[] {
  const rule = rules()[prim];
  const avals = inputs.map(avalOf);
  const outAvals = rule.abstractEval(avals, params);
  const b = stack[stack.length - 1];
  if (b) {
    const ins = inputs.map((t) => b.varOf(t));
    const outs = outAvals.map((a) => b.newVar(a));
    b.eqns.push({ prim, inputs: ins, params, outputs: outs });
    return outs.map((v) => b.tracer(v));
  }
  const eager = (rule as { eager?: (i: AnyTensor[], p: ParamsOf<P>) => AnyTensor[] }).eager;
  if (eager) return eager(inputs, params);
  return runKernel(prim, inputs, avals, outAvals, params);
}

/** Applies a primitive with exactly one output. */
export function bind1<P extends Prim>(
  prim: P,
  inputs: AnyTensor[],
  params: ParamsOf<P>,
): AnyTensor {
  return bind(prim, inputs, params)[0];
}

function runKernel<P extends Prim>(
  prim: P,
  inputs: AnyTensor[],
  avals: Aval[],
  outAvals: Aval[],
  params: ParamsOf<P>,
): AnyTensor[] {
  const f64 = avals.some((a) => a.dtype === "f64") || outAvals.some((a) => a.dtype === "f64");
  const be = backendFor(f64 ? "f64" : (outAvals[0]?.dtype ?? "f32"));
  const ins: Buf[] = inputs.map((t) => {
    const s = t._concrete(prim);
    if (s.backend === be) return s.buf;
    const moved = be.alloc(t.dtype, t.size);
    be.write(moved, s.backend.read(s.buf));
    return moved;
  });
  const outs = outAvals.map((a) => be.alloc(a.dtype, sizeOf(a.shape)));
  rules()[prim].impl(be, ins, outs, avals, params);
  return outs.map(
    (buf, i) => new Tensor(outAvals[i].shape, outAvals[i].dtype, new Storage(be, buf), null),
  );
}
